"""Migrates a Sanarip aimak household book into a registry and screens the children.

A data engineer's script: opens (or creates) a registry, imports the book in the chosen mode with
a progress bar, writes the rejected rows (to fix and feed back), the rows to review and the
screening signals as CSV beside the book, and prints a summary by screening rule.

Run:
    python household_migration.py [BOOK] [--registry DIR] [--mode validate|all_or_nothing|row_by_row]
                                  [--encoding auto|utf-8|cp1251] [--lang ru|ky|en]

Without ``--registry`` the registry lives in memory (a rehearsal). With it, the registry in DIR is
opened (created on first use); the master key comes from ``KAMKOR_MASTER_KEY`` (64 hex digits).
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import os
import sys
import time
from pathlib import Path
from typing import Optional

import kamkor

PASSWORD = os.environ.get("KAMKOR_PASSWORD", "correct horse battery")


def admin_user() -> kamkor.NewUser:
    return kamkor.NewUser(
        login="admin", surname="Асанова", given_name="Гүлзат", position="Администратор", agency="Агентство",
        agency_inn="00000000000001", address="Бишкек", territory="41700000000000", role="administrator",
        valid_from=dt.date(2000, 1, 1), valid_until=dt.date(2099, 12, 31), password=PASSWORD,
    )


def open_registry(directory: Optional[str], lang: str) -> kamkor.Registry:
    key_hex = os.environ.get("KAMKOR_MASTER_KEY", "07" * 32)
    key = bytes.fromhex(key_hex)
    if directory is None:
        return kamkor.Registry.in_memory(key, admin_user(), lang=lang)
    try:
        return kamkor.Registry.open(directory, key, lang=lang)
    except kamkor.NotFound:
        return kamkor.Registry.create(directory, key, admin_user(), lang=lang)


def specialist(reg: kamkor.Registry) -> kamkor.Session:
    """The migration's account: a specialist of the national agency (scope: the whole country)."""
    admin = reg.login("admin", PASSWORD)
    if reg.user_id_by_login(admin, "migration") is None:
        reg.add_user(admin, admin_user().replace(login="migration", role="specialist", agency_inn="00000000000002",
                                                 position="Миграция данных"))
    return reg.login("migration", PASSWORD)


class Bar:
    """A text progress bar on stderr."""

    def __init__(self) -> None:
        self.start = time.perf_counter()

    def __call__(self, done: int, total: int) -> None:
        width = 40
        filled = width * done // max(total, 1)
        rate = done / max(time.perf_counter() - self.start, 1e-9)
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} rows {rate:,.0f}/s")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def beside(book: Path, suffix: str) -> Path:
    return book.with_name(f"{book.stem}.{suffix}.csv")


def migrate(book: Path, registry: Optional[str], mode: str, encoding: Optional[str], lang: str) -> kamkor.ImportReport:
    with open_registry(registry, lang) as reg:
        session = specialist(reg)
        report = reg.import_household_book(session, book, mode=mode, encoding=encoding, progress=Bar())
        for name, text, has in (
            ("rejects", report.rejects_csv(lang, kamkor.household_book_columns()), report.rejected),
            ("review", report.review_csv(), report.review),
            ("signals", report.signals_csv(lang), report.signals),
        ):
            if has:
                beside(book, name).write_text(text, encoding="utf-8")
        print(f"{report.file} ({report.encoding}): {report.rows} rows, {report.accepted} accepted, "
              f"{len(report.rejected)} rejected, {len(report.review)} to review; "
              f"{report.families} families and {report.created} children created (written: {report.written})")
        for e in report.rejected[:5]:
            print(f"  line {e.line}: {e.field or '-'}: {e.message(lang)} [{e.code}/{e.reason}]")
        by_rule = collections.Counter(s.rule for s in report.signals)
        labels = {s.rule: s.label.get(lang, s.rule) for s in report.signals}
        for rule, n in by_rule.most_common():
            print(f"  signal {rule}: {n} children — {labels[rule]}")
        if report.written:
            print(f"open signals now in the registry: {len(reg.signals(session))}")
        return report


def main(argv: Optional[list[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    p.add_argument("book", nargs="?", default=str(Path(__file__).with_name("sample_household_book.csv")))
    p.add_argument("--registry", help="registry directory (default: in memory)")
    p.add_argument("--mode", default="row_by_row", choices=kamkor.IMPORT_MODES)
    p.add_argument("--encoding", choices=("auto", "utf-8", "cp1251"))
    p.add_argument("--lang", default="en", choices=kamkor.LANGS)
    a = p.parse_args(argv)
    report = migrate(Path(a.book), a.registry, a.mode, a.encoding, a.lang)
    return 0 if not report.rejected else 4


if __name__ == "__main__":
    sys.exit(main())
