"""A short tour of the kamkor package (also the typed usage file mypy checks in the tests).

Run: python quickstart.py [DIRECTORY]  (without a directory the registry lives in memory)
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import Optional

import kamkor

# The host owns the master key (32 bytes); keep it in a key store, never next to the data.
MASTER_KEY = bytes(range(32))
PASSWORD = "correct horse battery"


def first_admin() -> kamkor.NewUser:
    return kamkor.NewUser(
        login="admin",
        surname="Асанова",
        given_name="Гүлзат",
        position="Администратор",
        agency="Агентство",
        agency_inn="00000000000001",
        address="Бишкек",
        territory="41700000000000",
        role="administrator",
        valid_from=dt.date(2000, 1, 1),
        valid_until=dt.date(2099, 12, 31),
        password=PASSWORD,
    )


def tour(directory: Optional[str]) -> None:
    clock = kamkor.ManualClock(dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc))
    make = kamkor.Registry.create if directory else None
    reg = (
        make(directory, MASTER_KEY, first_admin(), clock=clock)
        if make is not None
        else kamkor.Registry.in_memory(MASTER_KEY, first_admin(), clock=clock)
    )
    with reg:
        admin = reg.login("admin", PASSWORD)
        spec_user = first_admin().replace(
            login="spec", role="specialist", territory="41711000000000", agency_inn="111", position="Специалист"
        )
        reg.add_user(admin, spec_user)
        spec = reg.login("spec", PASSWORD)
        print(reg.whoami(spec))

        child = kamkor.NewChild(
            record=kamkor.Child(
                surname="Асанова",
                given_name="Айгүл",
                sex="female",
                birth_date=dt.date(2015, 1, 1),
                pin="10101201500011",
                identified_on=dt.date(2026, 10, 1),
                identified_in="41711201000000",
                legal_status="with_parents",
            ),
            provenance=kamkor.Provenance(source="specialist", received_on=dt.date(2026, 10, 1)),
        )
        registered = reg.register_child(spec, child)
        print(registered)
        try:
            reg.register_child(spec, child)
        except kamkor.Conflict as e:
            print(f"refused: {e.code}/{e.reason} on {e.field}: {e.message}")
            print("по-русски:", e.localized("ru"))

        case = reg.open_case(
            spec,
            kamkor.OpenCase(
                child=registered.id,
                opening="signal",
                ground="signal_danger",
                document=kamkor.BasisDocument("signal_record", "S-17", dt.date(2026, 11, 23), "Телефон доверия 111"),
            ),
        )
        print(case.case.state, case.available)
        for item in reg.due(spec):
            print(f"due {item.due_at:%Y-%m-%d %H:%M} UTC: {item.reason['en']} (overdue: {item.overdue})")
        clock.advance(hours=25)
        try:
            reg.due(spec)
        except kamkor.SessionExpired as e:  # sessions last 8 hours in the Kyrgyz profile
            print("session:", e.message)
            spec = reg.login("spec", PASSWORD)
        print("after a day:", [(d.reference, d.overdue) for d in reg.due(spec)])

        for view in reg.iter_children(spec, under="41711000000000"):
            print(view.id, view.record.surname, view.record.birth_date.isoformat(), view.created_at.isoformat())
        print(reg.verify_audit_chain())


if __name__ == "__main__":
    tour(sys.argv[1] if len(sys.argv) > 1 else None)
