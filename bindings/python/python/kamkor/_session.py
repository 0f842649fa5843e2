"""The clock a host sets and moves, and sessions."""

from __future__ import annotations

import datetime as _dt
from typing import Optional, Union

from . import _native
from ._common import _aware
from ._records import format_datetime


class ManualClock:
    """A clock the host sets and moves. Without one, a registry uses the system clock.

    >>> clock = ManualClock("2026-11-23T09:00:00Z")
    >>> clock.advance(hours=25)
    """

    def __init__(self, at: Union[_dt.datetime, str]) -> None:
        self._native = _native.ManualClock(_aware(at))

    def now(self) -> _dt.datetime:
        """The current time (aware, UTC)."""
        return self._native.now()

    def set(self, at: Union[_dt.datetime, str]) -> None:
        """Sets the clock."""
        self._native.set(_aware(at))

    def advance(
        self,
        delta: Optional[_dt.timedelta] = None,
        *,
        days: float = 0,
        hours: float = 0,
        minutes: float = 0,
        seconds: float = 0,
    ) -> None:
        """Moves the clock by a timedelta and/or days, hours, minutes, seconds (negative moves back)."""
        total = (delta or _dt.timedelta(0)) + _dt.timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
        self._native.advance(total)

    def __repr__(self) -> str:
        return f"ManualClock({format_datetime(self.now())!r})"


class Session:
    """A signed-in user's session. Pass it to every call; its token is a secret (hidden in repr)."""

    __slots__ = ("token",)

    def __init__(self, token: str) -> None:
        self.token = token

    def __repr__(self) -> str:
        return "Session(<token hidden>)"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Session) and other.token == self.token

    def __hash__(self) -> int:
        return hash(self.token)
