"""The shipped examples run: the quick tour, and the household book migration on the sample file."""

from __future__ import annotations

import csv
import importlib.util
import io
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

import kamkor

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_quickstart_runs(capsys: pytest.CaptureFixture[str]) -> None:
    load("quickstart").tour(None)
    out = capsys.readouterr().out
    assert "CONFLICT/DUPLICATE_PIN" in out and "after a day: [('identified', True)]" in out
    assert "ok=True" in out


def test_the_sample_is_what_make_sample_generates(tmp_path: Path) -> None:
    out = tmp_path / "book.csv"
    sys.argv = ["make_sample.py", "200", str(out)]
    load("make_sample").main()
    assert out.read_bytes() == (EXAMPLES / "sample_household_book.csv").read_bytes()


def test_migration_of_the_sample_produces_signals_and_row_errors(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    book = tmp_path / "sample_household_book.csv"
    shutil.copy(EXAMPLES / "sample_household_book.csv", book)
    migration = load("household_migration")
    rc = migration.main([str(book), "--registry", str(tmp_path / "registry"), "--lang", "ru"])
    assert rc == 4, "rows were rejected"
    out = capsys.readouterr().out
    assert "signal both_parents_abroad" in out and "open signals now in the registry" in out
    signals = list(csv.DictReader(io.StringIO((tmp_path / "sample_household_book.signals.csv").read_text("utf-8"))))
    rules = {s["rule"] for s in signals}
    assert {"both_parents_abroad", "many_children_low_income", "lost_a_parent"} <= rules
    rejects = list(csv.DictReader(io.StringIO((tmp_path / "sample_household_book.rejects.csv").read_text("utf-8"))))
    reasons = {r["kamkor_reason"] for r in rejects}
    assert {"DATE_FORMAT", "DUPLICATE_ROW", "ROW_TOO_SHORT", "HOUSEHOLD_REJECTED"} <= reasons
    assert all(r["kamkor_message"] for r in rejects)
    assert list(rejects[0])[5:] == kamkor.household_book_columns(), "the rows come back in the book's columns"
    # Feeding the same book again into the same registry duplicates nothing.
    rc = migration.main([str(book), "--registry", str(tmp_path / "registry")])
    out = capsys.readouterr().out
    assert "0 families and 0 children created" in out
    # A dry run into a fresh (in-memory) registry writes nothing but still names the signals.
    migration.main([str(book), "--mode", "validate"])
    assert "(written: False)" in capsys.readouterr().out


def test_benchmark_script_runs_small(capsys: pytest.CaptureFixture[str]) -> None:
    load("bench_import").main(["1000"])
    out = capsys.readouterr().out
    assert out.startswith("generated ") and '"rows_per_second"' in out
