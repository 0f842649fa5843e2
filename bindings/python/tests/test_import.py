"""Bulk import and the household book through the package: modes, row errors, progress, GIL."""

from __future__ import annotations

import csv
import io
import sys
import threading
import time
from pathlib import Path
from typing import Any, List, Tuple

import pytest
from conftest import KEY
from scenario_harness import PASSWORD, cheap_argon2, new_user

import kamkor

MAPPING = """
source = "other_agency"
system = "Legacy register 2019"
date_formats = ["%d.%m.%Y", "%d/%m/%Y"]
[columns]
"Фамилия" = "surname"
"Имя" = "given_name"
"Пол" = "sex"
"Дата рождения" = "birth_date"
"ПИН" = "pin"
"Территория" = "identified_in"
"Мать" = "mother_presence"
[values.mother_presence]
"за рубежом" = "abroad_migrant"
"умерла" = "deceased"
"""

# Line 3 has an impossible date, line 4 a bad PIN, line 5 repeats line 2's PIN, line 6 is short.
MIXED = """Фамилия;Имя;Пол;Дата рождения;ПИН;Территория;Мать
Асанова;Айгүл;ж;01.01.2015;1 0101 2015 00011;41711000000000;за рубежом
Токтогулов;Бакыт;м;31.02.2014;;41711000000000;
Исаева;Нургүл;ж;03.04.2016;12345;41711000000000;
Асанова;Айгуль;ж;01.01.2015;10101201500011;41711000000000;
Омуров;Эрлан;м
"""

EXPECTED_REJECTS = [
    (3, "DATE_FORMAT", "birth_date"),
    (4, "PIN_LENGTH", "pin"),
    (5, "DUPLICATE_ROW", "pin"),
    (6, "ROW_TOO_SHORT", "row"),
]


@pytest.fixture
def national(reg: kamkor.Registry, admin: kamkor.Session) -> kamkor.Session:
    """A specialist for the whole country (synthetic books spread over every district)."""
    reg.add_user(admin, new_user({"login": "nat", "role": "specialist", "territory": "41700000000000",
                                  "agency_inn": "333"}))
    return reg.login("nat", PASSWORD)


def total(reg: kamkor.Registry, s: kamkor.Session) -> int:
    return reg.list_children(s, limit=1).total


def test_validate_is_a_dry_run_and_reports_rows(reg: kamkor.Registry, spec: kamkor.Session) -> None:
    r = reg.import_file(spec, MIXED.encode(), MAPPING, mode="validate", file_name="legacy.csv")
    assert isinstance(r, kamkor.ImportReport)
    assert (r.rows, r.accepted, r.created, r.written) == (5, 1, 0, False)
    assert [(e.line, e.reason, e.field) for e in r.rejected] == EXPECTED_REJECTS
    assert all(isinstance(e, kamkor.RowError) for e in r.rejected)
    assert r.rejected[2].args["first"] == "2"
    assert "birth_date" in r.rejected[0].message("ru")
    assert r.rejected[0].value("Дата рождения") == "31.02.2014"
    assert total(reg, spec) == 0


def test_all_or_nothing_writes_nothing_with_a_bad_row(reg: kamkor.Registry, spec: kamkor.Session) -> None:
    r = reg.import_file(spec, MIXED.encode(), MAPPING, mode="all-or-nothing", file_name="legacy.csv")
    assert (r.created, r.written) == (0, False) and len(r.rejected) == 4
    assert total(reg, spec) == 0


def test_row_by_row_writes_good_rows_with_provenance(reg: kamkor.Registry, spec: kamkor.Session,
                                                     tmp_path: Path) -> None:
    src = tmp_path / "legacy.csv"
    src.write_text(MIXED, encoding="utf-8")
    mapping = tmp_path / "legacy.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    r = reg.import_file(spec, src, mapping, mode="row_by_row")
    assert (r.file, r.created, r.written) == ("legacy.csv", 1, True)
    (child,) = list(reg.iter_children(spec))
    assert child.record.pin == "10101201500011"
    fact = reg.history(spec, child.id)[0].fact
    assert "legacy.csv" in fact["provenance"]["reference"] and "Legacy register 2019" in fact["provenance"]["reference"]
    # The rejected rows come back as CSV in the source's columns, ready to fix and feed back.
    rows = list(csv.reader(io.StringIO(r.rejects_csv("en"))))
    assert rows[0][:5] == ["kamkor_line", "kamkor_field", "kamkor_code", "kamkor_reason", "kamkor_message"]
    assert rows[0][5:] == MIXED.splitlines()[0].split(";")
    assert [int(x[0]) for x in rows[1:]] == [3, 4, 5, 6]
    assert rows[1][5:7] == ["Токтогулов", "Бакыт"]
    # Importing the same file again changes nothing and reports the child as unchanged.
    again = reg.import_file(spec, src, mapping, mode="row_by_row")
    assert (again.created, again.unchanged) == (0, 1)
    assert total(reg, spec) == 1


def test_cp1251_and_mapping_as_a_dict(reg: kamkor.Registry, spec: kamkor.Session) -> None:
    good = "\n".join(MIXED.splitlines()[:2]) + "\n"
    mapping = kamkor.parse_mapping(MAPPING)
    assert mapping["columns"]["ПИН"] == "pin"
    r = reg.import_file(spec, good.encode("cp1251", errors="replace"), mapping, mode="validate",
                        file_name="old.csv", encoding="cp1251")
    assert r.encoding == "cp1251"
    assert r.rejected == [] or all(e.field != "surname" for e in r.rejected)


def test_bad_mapping_and_missing_columns_are_errors(reg: kamkor.Registry, spec: kamkor.Session) -> None:
    with pytest.raises(kamkor.ValidationError) as e:
        reg.import_file(spec, MIXED.encode(), MAPPING.replace('"surname"', '"surnam"'), file_name="x.csv")
    assert e.value.reason == "MAPPING_UNKNOWN_FIELD"
    with pytest.raises(kamkor.ValidationError) as missing:
        reg.import_file(spec, MIXED.replace("ПИН", "PIN").encode(), MAPPING, file_name="x.csv")
    assert missing.value.reason == "MISSING_COLUMN"
    with pytest.raises(ValueError):
        reg.import_file(spec, MIXED.encode(), MAPPING, mode="sometimes", file_name="x.csv")


def test_household_book_creates_families_children_and_signals(reg: kamkor.Registry, national: kamkor.Session,
                                                             spec: kamkor.Session) -> None:
    book = kamkor.synth_household_book(40, seed=7)
    assert book.splitlines()[0].split(";") == kamkor.household_book_columns()
    dry = reg.import_household_book(national, book.encode(), mode="validate", file_name="book.csv")
    assert dry.written is False and dry.created == 0 and total(reg, national) == 0
    calls: List[Tuple[int, int]] = []
    r = reg.import_household_book(national, book.encode(), mode="all_or_nothing", file_name="book.csv",
                                  progress=lambda done, n: calls.append((done, n)))
    assert r.rejected == [], r.rejected[:3]
    assert r.written and r.families > 0 and r.created > 0
    assert calls and calls[-1] == (r.rows, r.rows)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert r.signals, "a realistic book flags some children"
    assert {s.rule for s in r.signals} == {s.rule for s in dry.signals}
    assert all(s.child is None for s in dry.signals), "a dry run registers no child"
    listed = reg.signals(national)
    assert {s.territory for s in reg.signals(spec)} <= {s.territory for s in listed}
    assert all(s.territory.startswith("41711") for s in reg.signals(spec)), "signals keep to the reader's scope"
    assert {s.child for s in listed} == {s.child for s in r.signals}
    sig = listed[0]
    assert isinstance(sig, kamkor.Signal) and sig.label["en"] and sig.family is not None
    assert sig.child is not None and reg.get_child(national, sig.child).family == sig.family
    csv_text = r.signals_csv("ru")
    assert csv_text.splitlines()[0] == "line,child,family,territory,rule,label"
    again = reg.import_household_book(national, book.encode(), mode="all_or_nothing", file_name="book.csv")
    assert again.created == 0 and again.families == 0


def test_progress_callback_errors_do_not_break_the_import(reg: kamkor.Registry, national: kamkor.Session,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    seen: List[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: seen.append(u.exc_value))

    def bad(done: int, n: int) -> None:
        raise RuntimeError("progress bar broke")

    book = kamkor.synth_household_book(5, seed=3)
    r = reg.import_household_book(national, book.encode(), mode="row_by_row", file_name="book.csv", progress=bad)
    assert r.written and r.created > 0
    assert seen and isinstance(seen[0], RuntimeError)


def test_import_releases_the_gil(clock: kamkor.ManualClock) -> None:
    """Another thread runs while a long import works without the GIL between progress calls."""
    admin = new_user({"login": "admin", "role": "administrator", "territory": "41700000000000",
                      "agency_inn": "00000000000001"})
    with kamkor.Registry.in_memory(KEY, admin, profile=cheap_argon2(kamkor.kyrgyzstan_profile()),
                                   clock=clock) as reg:
        a = reg.login("admin", PASSWORD)
        reg.add_user(a, new_user({"login": "spec", "role": "specialist", "territory": "41700000000000",
                                  "agency_inn": "111"}))
        spec = reg.login("spec", PASSWORD)
        book = kamkor.synth_household_book(400, seed=11).encode()
        ticks = [0]
        stop = threading.Event()

        def spin() -> None:
            while not stop.is_set():
                ticks[0] += 1

        t0 = time.perf_counter()
        reg.import_household_book(spec, book, mode="validate", file_name="book.csv")
        alone = time.perf_counter() - t0
        spinner = threading.Thread(target=spin)
        spinner.start()
        try:
            before = ticks[0]
            t1 = time.perf_counter()
            reg.import_household_book(spec, book, mode="validate", file_name="book.csv")
            during = ticks[0] - before
            took = time.perf_counter() - t1
        finally:
            stop.set()
            spinner.join()
        assert alone > 0.05, f"the import took {alone:.3f}s: too short to tell"
        assert during > 1000, f"the other thread ran {during} loops in {took:.2f}s of import"
