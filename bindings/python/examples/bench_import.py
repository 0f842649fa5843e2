"""Benchmark: importing a household book through the Python API (validation, matching, audit).

Generates a synthetic Sanarip aimak household book of about MEMBERS rows, imports it into an
in-memory registry with ``Registry.import_household_book`` and prints rows per second; with
``--rust BIN`` (the ``bench_import`` example binary) it runs the same import through the Rust API
and prints the ratio. Build both in release mode for meaningful figures:

    cd bindings/python && maturin build --release && pip install ../../target/wheels/kamkor-*.whl
    cargo build --release -p kamkor-python --example bench_import
    python examples/bench_import.py 1000000 --rust ../../target/release/examples/bench_import
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, Optional

import kamkor

PASSWORD = "correct horse battery"


def user(login: str, role: str, inn: str) -> kamkor.NewUser:
    return kamkor.NewUser(
        login=login, surname="Асанова", given_name="Гүлзат", position="Специалист", agency="Агентство",
        agency_inn=inn, address="Бишкек", territory="41700000000000", role=role,
        valid_from=dt.date(2000, 1, 1), valid_until=dt.date(2099, 12, 31), password=PASSWORD,
    )


def python_import(book: Path, mode: str) -> Dict[str, Any]:
    clock = kamkor.ManualClock("2026-11-23T09:00:00Z")
    with kamkor.Registry.in_memory(bytes([7] * 32), user("admin", "administrator", "00000000000001"),
                                   clock=clock, seed=42) as reg:
        admin = reg.login("admin", PASSWORD)
        reg.add_user(admin, user("migration", "specialist", "00000000000002"))
        session = reg.login("migration", PASSWORD)
        t0 = time.perf_counter()
        report = reg.import_household_book(session, book, mode=mode)
        secs = time.perf_counter() - t0
        return {"rows": report.rows, "created": report.created, "rejected": len(report.rejected),
                "signals": len(report.signals), "seconds": secs, "rows_per_second": report.rows / secs}


def main(argv: Optional[list[str]] = None) -> None:
    p = argparse.ArgumentParser(description="household book import benchmark")
    p.add_argument("members", nargs="?", type=int, default=100_000, help="about this many rows (members)")
    p.add_argument("--mode", default="row_by_row", choices=kamkor.IMPORT_MODES)
    p.add_argument("--rust", help="the bench_import example binary, for the ratio")
    a = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        book = Path(tmp) / "book.csv"
        t0 = time.perf_counter()
        text = kamkor.synth_household_book(max(1, round(a.members / 4.5)), seed=2026)
        book.write_text(text, encoding="utf-8")
        print(f"generated {text.count(chr(10)) - 1} rows ({book.stat().st_size / 1e6:.1f} MB) "
              f"in {time.perf_counter() - t0:.1f}s")
        py = python_import(book, a.mode)
        print("python:", json.dumps(py))
        if a.rust:
            out = subprocess.run([a.rust, str(book), a.mode], check=True, capture_output=True, text=True).stdout
            rust = json.loads(out.strip().splitlines()[-1])
            print("rust:  ", json.dumps(rust))
            print(f"python/rust time ratio: {py['seconds'] / rust['seconds']:.3f}")


if __name__ == "__main__":
    main()
