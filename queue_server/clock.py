"""Time as the engine sees it: an injectable clock returning aware UTC datetimes.

Tests pass their own clock to move across a day boundary; everything stored is UTC in one
fixed ISO format, so that text order equals time order in SQL.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """UTC, microseconds always present: '2026-11-25T04:51:31.000123+00:00'."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


class ManualClock:
    """A clock that only moves when told to; for tests, the simulator and benchmarks."""

    def __init__(self, start: datetime):
        self.now = start.astimezone(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now
