"""The package API: records, dates, errors, iterators, context managers, stores, the clock, the GIL."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import json
import pickle
import threading
import time
from pathlib import Path

import pytest
from conftest import KEY, START, child
from scenario_harness import PASSWORD, cheap_argon2, new_user

import kamkor

UTC = dt.timezone.utc


def pin(n: int) -> str:
    """A valid Kyrgyz PIN of a girl born 2015-01-01 (no check digit)."""
    return f"101012015{n:05d}"


# ---- records -------------------------------------------------------------------------------


def test_records_are_frozen_dataclasses_with_readable_repr() -> None:
    c = child().record
    assert dataclasses.is_dataclass(c)
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.surname = "X"  # type: ignore[misc]
    r = repr(c)
    assert r.startswith("Child(surname='Асанова', given_name='Айгүл'")
    assert "birth_date=datetime.date(2015, 1, 1)" in r
    u = new_user({"login": "x", "role": "specialist", "territory": "41711000000000", "agency_inn": "1"})
    assert "correct horse" not in repr(u), "the password never shows in a repr"


def test_to_dict_gives_the_core_json_form_and_from_dict_reads_it() -> None:
    nc = child()
    d = nc.to_dict()
    assert d["record"]["birth_date"] == "2015-01-01"
    assert d["provenance"] == {"source": "specialist", "received_on": "2026-10-01"}
    assert "patronymic" not in d["record"], "an unset optional field is left out"
    back = kamkor.NewChild.from_dict(d)
    assert back == nc
    assert back.record.birth_date == dt.date(2015, 1, 1)
    assert json.loads(json.dumps(d)) == back.to_dict()


def test_from_dict_keeps_nulls_and_unknown_keys_and_checks_required_ones() -> None:
    d = {"code": "NO_PIN", "field": None, "detail": None, "future": 1}
    w = kamkor.Warning.from_dict(d)
    assert w.code == "NO_PIN" and w.field is None
    assert w.to_dict() == d
    with pytest.raises(ValueError, match="missing surname"):
        kamkor.Child.from_dict({"given_name": "A"})


def test_datetimes_are_aware_utc_and_written_like_the_core() -> None:
    t = kamkor.parse_datetime("2026-11-24T09:00:00Z")
    assert t == dt.datetime(2026, 11, 24, 9, tzinfo=UTC) and t.tzinfo is not None
    assert kamkor.format_datetime(t) == "2026-11-24T09:00:00Z"
    assert kamkor.format_datetime(dt.datetime(2026, 1, 1, 6, 0, 0, 500000, tzinfo=dt.timezone(dt.timedelta(hours=6)))) \
        == "2026-01-01T00:00:00.500Z"
    assert kamkor.parse_datetime("2026-11-24T09:00:00.123456789Z").microsecond == 123456
    with pytest.raises(ValueError, match="aware"):
        kamkor.format_datetime(dt.datetime(2026, 1, 1))


# ---- registry, sessions, errors -----------------------------------------------------------


def test_register_read_and_dates(reg: kamkor.Registry, spec: kamkor.Session) -> None:
    r = reg.register_child(spec, child())
    assert isinstance(r, kamkor.Registered) and len(r.id) == 32 and r.warnings == []
    v = reg.get_child(spec, r.id)
    assert isinstance(v, kamkor.ChildView)
    assert v.record.birth_date == dt.date(2015, 1, 1)
    assert v.created_at == START and v.created_at.tzinfo is not None
    assert v.record == child().record
    assert reg.find_by_pin(spec, "10101201500011") == v
    assert reg.find_by_pin(spec, pin(99)) is None
    assert [m.child.id for m in reg.search(spec, "Айгүл Асанова")] == [r.id]


def test_warnings_are_records_with_localized_messages(reg: kamkor.Registry, spec: kamkor.Session) -> None:
    r = reg.register_child(spec, child(pin=None))  # type: ignore[arg-type]
    assert [w.code for w in r.warnings] == ["NO_PIN"]
    w = r.warnings[0]
    assert w.message("en") != w.message("ru") and w.message("ky")
    assert "NO_PIN" not in w.message("en"), "a real message, not the code"


def test_errors_carry_code_reason_field_args_and_localized_message(reg: kamkor.Registry, spec: kamkor.Session) -> None:
    first = reg.register_child(spec, child())
    with pytest.raises(kamkor.Conflict) as e:
        reg.register_child(spec, child())
    err = e.value
    assert isinstance(err, kamkor.KamkorError)
    assert (err.code, err.reason, err.field) == ("CONFLICT", "DUPLICATE_PIN", "pin")
    assert err.args == {"existing": first.id}
    assert err.to_dict() == {"code": "CONFLICT", "reason": "DUPLICATE_PIN", "field": "pin",
                             "args": {"existing": first.id}}
    assert err.message and err.message in str(err) and "CONFLICT/DUPLICATE_PIN" in str(err)
    assert err.localized("ru") != err.localized("en")
    again = pickle.loads(pickle.dumps(err))
    assert type(again) is kamkor.Conflict and again.to_dict() == err.to_dict()


def test_error_messages_follow_the_registry_language(reg: kamkor.Registry, spec: kamkor.Session) -> None:
    bad = child(pin="123")
    with pytest.raises(kamkor.ValidationError) as en:
        reg.register_child(spec, bad)
    reg.lang = "ru"
    with pytest.raises(ValueError) as ru:  # ValidationError is a ValueError too
        reg.register_child(spec, bad)
    assert isinstance(ru.value, kamkor.ValidationError)
    assert en.value.reason == ru.value.reason and en.value.field == "pin"
    assert en.value.message != ru.value.message
    with pytest.raises(ValueError):
        reg.lang = "de"


def test_exception_classes_per_code(reg: kamkor.Registry, admin: kamkor.Session, spec: kamkor.Session) -> None:
    with pytest.raises(kamkor.NotFound) as nf:
        reg.get_child(spec, "0" * 32)
    assert nf.value.code == "NOT_FOUND"
    with pytest.raises(kamkor.AccessDenied) as ad:
        reg.list_users(spec)
    assert ad.value.code == "ACCESS_DENIED" and ad.value.reason
    with pytest.raises(kamkor.Unauthenticated) as un:
        reg.login("spec", "wrong password")
    assert un.value.code == "UNAUTHENTICATED"
    reg.logout(spec)
    with pytest.raises(kamkor.SessionInvalid) as si:
        reg.whoami(spec)
    assert si.value.reason == "SESSION_INVALID"
    with pytest.raises(kamkor.ValidationError) as ve:
        reg.get_child(admin, "not-an-id")
    assert ve.value.field == "id"


def test_sessions_expire_on_the_injected_clock(reg: kamkor.Registry, clock: kamkor.ManualClock,
                                               spec: kamkor.Session) -> None:
    assert reg.whoami(spec).login == "spec"
    clock.advance(hours=9)
    with pytest.raises(kamkor.SessionInvalid):
        reg.whoami(spec)
    assert clock.now() == START + dt.timedelta(hours=9)
    clock.set("2026-11-23T09:00:00Z")
    assert clock.now() == START
    assert repr(spec) == "Session(<token hidden>)"


def test_users_are_records(reg: kamkor.Registry, admin: kamkor.Session, spec: kamkor.Session) -> None:
    users = reg.list_users(admin)
    assert [u.login for u in users] == ["admin", "spec"]
    assert all(isinstance(u, kamkor.UserInfo) for u in users)
    assert users[1].valid_from == dt.date(2000, 1, 1)
    assert reg.user_id_by_login(admin, "spec") == users[1].id
    assert reg.user_id_by_login(admin, "nobody") is None


def test_iter_children_pages_through_list_children(reg: kamkor.Registry, spec: kamkor.Session) -> None:
    batch = [child(pin=pin(i), given=f"Айгүл{chr(0x430 + i)}") for i in range(7)]
    ids = {r.id for r in reg.register_children(spec, batch)}
    page = reg.list_children(spec, offset=0, limit=3)
    assert page.total == 7 and len(page.children) == 3
    seen = [c.id for c in reg.iter_children(spec, page_size=3)]
    assert len(seen) == 7 and set(seen) == ids
    assert list(reg.iter_children(spec, under="41704000000000")) == []
    entries = list(reg.iter_audit_entries(reg.login("admin", PASSWORD), page_size=4))
    assert [e.seq for e in entries] == list(range(len(entries))) and len(entries) > 8


def test_dicts_are_accepted_where_records_are(reg: kamkor.Registry, spec: kamkor.Session) -> None:
    r = reg.register_child(spec, child().to_dict())
    fam = reg.register_family(spec, {"name": "Асановы", "territory": "41711201000000"},
                              kamkor.Provenance("specialist", dt.date(2026, 10, 1)))
    reg.link_child(spec, r.id, fam, {"source": "specialist", "received_on": "2026-10-01"})
    fv = reg.get_family(spec, fam)
    assert isinstance(fv, kamkor.FamilyView) and fv.children == [r.id]
    before = reg.get_child(spec, r.id)
    assert before.family == fam
    v = reg.update_child(spec, r.id, [kamkor.FieldChange("housing", "rented")],
                         kamkor.Provenance("specialist", dt.date(2026, 11, 1)), note="moved",
                         base_version=before.version)
    assert v.record.housing == "rented" and v.version == before.version + 1
    with pytest.raises(kamkor.Conflict) as stale:
        reg.update_child(spec, r.id, [{"field": "housing", "value": "own"}],
                         {"source": "specialist", "received_on": "2026-11-02"}, base_version=before.version)
    assert stale.value.reason == "STALE_VERSION"
    assert [h.fact["type"] for h in reg.history(spec, r.id)][:1] == ["child_registered"]


# ---- stores, context managers, backup ------------------------------------------------------


def test_sled_registry_persists_across_open_and_close(tmp_path: Path, clock: kamkor.ManualClock) -> None:
    path = tmp_path / "reg"
    admin = new_user({"login": "admin", "role": "administrator", "territory": "41700000000000",
                      "agency_inn": "00000000000001"})
    profile = cheap_argon2(kamkor.kyrgyzstan_profile())
    with kamkor.Registry.create(path, KEY, admin, profile=profile, clock=clock) as reg:
        s = reg.login("admin", PASSWORD)
        origin = reg.origin
        assert reg.profile_id
    assert reg.closed and repr(reg) == "Registry(<closed>)"
    with pytest.raises(kamkor.StorageError) as closed:
        reg.whoami(s)
    assert closed.value.reason == "REGISTRY_CLOSED"
    with kamkor.Registry.open(path, KEY, clock=clock) as again:
        assert again.origin == origin
        assert again.whoami(again.login("admin", PASSWORD)).login == "admin"
        assert again.verify_audit_chain().ok
    with pytest.raises(kamkor.CryptoError) as wrong:
        kamkor.Registry.open(path, bytes(32), clock=clock)
    assert wrong.value.reason == "WRONG_KEY"
    with pytest.raises(kamkor.NotFound):
        kamkor.Registry.open(tmp_path / "empty", KEY, clock=clock)


def test_context_manager_closes_on_error(clock: kamkor.ManualClock) -> None:
    admin = new_user({"login": "admin", "role": "administrator", "territory": "41700000000000",
                      "agency_inn": "00000000000001"})
    with pytest.raises(RuntimeError):
        with kamkor.Registry.in_memory(KEY, admin, profile=cheap_argon2(kamkor.kyrgyzstan_profile()),
                                       clock=clock) as reg:
            raise RuntimeError("boom")
    assert reg.closed


def test_backup_and_restore(reg: kamkor.Registry, admin: kamkor.Session, spec: kamkor.Session,
                            clock: kamkor.ManualClock, tmp_path: Path) -> None:
    r = reg.register_child(spec, child())
    summary, data = reg.backup_bytes(admin)
    assert isinstance(summary, kamkor.BackupSummary) and summary.bytes == len(data) and len(summary.sha256) == 64
    restored = kamkor.Registry.restore(data, KEY, path=tmp_path / "restored", clock=clock)
    with restored:
        assert restored.restored == summary
        assert restored.get_child(restored.login("spec", PASSWORD), r.id).record.pin == "10101201500011"
    with pytest.raises(kamkor.KamkorError):
        kamkor.Registry.restore(data[:-10], KEY, clock=clock)
    # To a file object and to a path: each summary describes exactly the bytes written, whose
    # last 32 bytes are the SHA-256 of the rest (two backups differ: each one is audited).
    buf = io.BytesIO()
    to_buf = reg.backup(admin, buf)
    written = buf.getvalue()
    assert to_buf.bytes == len(written) and written[-32:].hex() == to_buf.sha256
    assert hashlib.sha256(written[:-32]).hexdigest() == to_buf.sha256
    to_file = reg.backup(admin, tmp_path / "b.bin")
    on_disk = (tmp_path / "b.bin").read_bytes()
    assert hashlib.sha256(on_disk[:-32]).hexdigest() == to_file.sha256 != to_buf.sha256
    assert buf.getvalue()[:4] == (tmp_path / "b.bin").read_bytes()[:4]


# ---- cases, plans, due, reports, print, retention, audit -------------------------------------


def open_case(reg: kamkor.Registry, spec: kamkor.Session, child_id: str) -> kamkor.CaseView:
    return reg.open_case(spec, kamkor.OpenCase(
        child=child_id, opening="signal", ground="signal_danger",
        document=kamkor.BasisDocument("signal_record", "S-17", dt.date(2026, 11, 23), "Телефон доверия 111")))


def test_cases_and_due_items_are_records(reg: kamkor.Registry, spec: kamkor.Session) -> None:
    r = reg.register_child(spec, child())
    cv = open_case(reg, spec, r.id)
    assert isinstance(cv, kamkor.CaseView) and isinstance(cv.case, kamkor.Case)
    assert cv.case.child == r.id and cv.case.received_at == START
    assert cv.available and all(isinstance(d, kamkor.DueItem) for d in cv.due)
    due = reg.due(spec)
    assert due and due[0].due_at > START and due[0].due_at.tzinfo is not None
    assert due[0].reason["en"]
    assert reg.get_case(spec, cv.id) == cv
    assert [c.id for c in reg.child_cases(spec, r.id)] == [cv.id]
    hist = reg.case_history(spec, cv.id)
    assert hist[0].fact["type"] == "case"


def test_reports_print_dataset_and_audit(reg: kamkor.Registry, admin: kamkor.Session, spec: kamkor.Session) -> None:
    r = reg.register_child(spec, child())
    reg.add_user(admin, new_user({"login": "stat", "role": "statistician", "territory": "41700000000000",
                                  "agency_inn": "222"}))
    stat = reg.login("stat", PASSWORD)
    with pytest.raises(kamkor.AccessDenied):
        reg.report(admin, kamkor.ReportRequest.consolidated())
    report = reg.report(stat, kamkor.ReportRequest.consolidated())
    assert isinstance(report, dict) and report
    csv = kamkor.render_report_csv(report, "ru")
    assert csv.count("\n") > 2
    assert kamkor.render_report_xlsx(report)[:2] == b"PK"
    card = reg.child_card(spec, r.id, "en")
    assert card["title"]
    pdf = reg.child_card_pdf(spec, r.id)
    assert pdf.startswith(b"%PDF")
    cert = reg.certificate(spec, r.id)
    assert isinstance(cert, kamkor.Certificate) and len(cert.sha256) == 64
    assert reg.certificate_pdf(spec, r.id, "ky").startswith(b"%PDF")
    assert isinstance(reg.depersonalized_dataset(stat), dict)
    audit = reg.verify_audit(admin)
    assert audit.ok and audit.entries > 0
    entries = reg.audit_entries(admin, 0, 5)
    assert [e.seq for e in entries] == [0, 1, 2, 3, 4] and entries[0].time.tzinfo is not None
    with pytest.raises(kamkor.AccessDenied):
        reg.verify_audit(spec)
    denied = reg.denied_attempts(admin, since=START)
    assert any(d.action and d.outcome.get("result") == "denied" for d in denied)


def test_retention_plan_hold_and_archive(reg: kamkor.Registry, admin: kamkor.Session, spec: kamkor.Session,
                                         tmp_path: Path) -> None:
    r = reg.register_child(spec, child())
    plan = reg.retention_plan(admin)
    assert isinstance(plan, kamkor.RetentionPlan) and plan.as_of == START.date() and plan.due == []
    reg.set_legal_hold(admin, r.id, "court")
    reg.set_legal_hold(admin, r.id, None)
    out = tmp_path / "archive.bin"
    report = reg.retention_run(admin, out)
    assert isinstance(report, kamkor.RetentionReport) and report.erased_children == 0
    assert reg.archive_requests(admin) == []


def test_load_classifier(reg: kamkor.Registry, admin: kamkor.Session) -> None:
    csv = "soate,kind,parent,name_ru,name_ky,name_en\n41711201000001,ayil_aimak,41711201000000,Тест,Тест,Test\n"
    try:
        s = reg.load_classifier(admin, csv, dt.date(2026, 1, 1))
    except kamkor.ValidationError as e:
        pytest.fail(f"classifier refused: {e!r}")
    assert isinstance(s, kamkor.LoadSummary) and s.added == 1
    t = reg.territory("41711201000001")
    assert isinstance(t, kamkor.Territory) and t.kind == "ayil_aimak" and t.name("ru") == "Тест"
    assert t.parent == "41711201000000"
    assert reg.territory_path("41711201000001")[0] == "41700000000000"
    assert reg.territory_path("41711201000001")[-2:] == ["41711201000000", "41711201000001"]
    assert "41711201000001" in [c.code for c in reg.territory_children("41711201000000")]
    assert "41711000000000" in [c.code for c in reg.territory_children()]
    assert reg.territory("41799999999999") is None
    assert reg.profile()["profile"]["id"] == reg.profile_id


# ---- the GIL ---------------------------------------------------------------------------------


def test_long_calls_release_the_gil(clock: kamkor.ManualClock) -> None:
    """While a thread is inside a long core call (a costly Argon2 sign-in), the main thread runs.

    The main thread waits for the worker to start; the worker then enters the core. Were the GIL
    held, the main thread could wake only after the call returned.
    """
    costly = kamkor.kyrgyzstan_profile().replace("argon2_iterations = 2", "argon2_iterations = 40")
    assert costly != kamkor.kyrgyzstan_profile()
    admin = new_user({"login": "admin", "role": "administrator", "territory": "41700000000000",
                      "agency_inn": "00000000000001"})
    with kamkor.Registry.in_memory(KEY, admin, profile=costly, clock=clock) as reg:
        started = threading.Event()
        times: dict[str, float] = {}

        def work() -> None:
            started.set()
            times["call_start"] = time.perf_counter()
            reg.login("admin", PASSWORD)
            times["call_end"] = time.perf_counter()

        worker = threading.Thread(target=work)
        worker.start()
        started.wait()
        times["main_woke"] = time.perf_counter()
        worker.join()
        assert times["call_end"] - times["call_start"] > 0.1, "the call is too short to tell"
        assert times["main_woke"] < times["call_end"], "the main thread was blocked for the whole call"


def test_manual_clock_needs_aware_times() -> None:
    with pytest.raises(ValueError):
        kamkor.ManualClock(dt.datetime(2026, 1, 1))
    c = kamkor.ManualClock("2026-01-01T00:00:00+06:00")
    assert c.now() == dt.datetime(2025, 12, 31, 18, tzinfo=UTC)
    c.advance(dt.timedelta(minutes=-30), seconds=30)
    assert c.now() == dt.datetime(2025, 12, 31, 17, 30, 30, tzinfo=UTC)
    assert "2025-12-31T17:30:30Z" in repr(c)
