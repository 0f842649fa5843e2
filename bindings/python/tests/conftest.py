"""Shared fixtures: a registry on a manual clock with a cheap password hash, and sessions."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Iterator

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import kamkor  # noqa: E402
from scenario_harness import PASSWORD, cheap_argon2, new_user  # noqa: E402

KEY = bytes([7] * 32)
START = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def clock() -> kamkor.ManualClock:
    return kamkor.ManualClock(START)


@pytest.fixture
def reg(clock: kamkor.ManualClock) -> Iterator[kamkor.Registry]:
    admin = new_user({"login": "admin", "role": "administrator", "territory": "41700000000000",
                      "agency_inn": "00000000000001"})
    with kamkor.Registry.in_memory(KEY, admin, profile=cheap_argon2(kamkor.kyrgyzstan_profile()),
                                   clock=clock, seed=42) as r:
        yield r


@pytest.fixture
def admin(reg: kamkor.Registry) -> kamkor.Session:
    return reg.login("admin", PASSWORD)


@pytest.fixture
def spec(reg: kamkor.Registry, admin: kamkor.Session) -> kamkor.Session:
    reg.add_user(admin, new_user({"login": "spec", "role": "specialist", "territory": "41711000000000",
                                  "agency_inn": "111"}))
    return reg.login("spec", PASSWORD)


def child(pin: str = "10101201500011", surname: str = "Асанова", given: str = "Айгүл") -> kamkor.NewChild:
    return kamkor.NewChild(
        record=kamkor.Child(
            surname=surname,
            given_name=given,
            sex="female",
            birth_date=dt.date(2015, 1, 1),
            pin=pin,
            identified_on=dt.date(2026, 10, 1),
            identified_in="41711201000000",
            legal_status="with_parents",
        ),
        provenance=kamkor.Provenance(source="specialist", received_on=dt.date(2026, 10, 1)),
    )
