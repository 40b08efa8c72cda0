"""Can this service issue now, and if not why: the one rule the kiosk, the API and the estimate share.

A counter is *open* while an officer is signed in at it, *paused* while they pause, *closed*
otherwise. Whether a closed counter still counts depends on the hall (config
``kiosk_requires_open_counter``): many halls issue numbers from 07:30 for counters that open at
08:00, so by default a closed counter is *expected* today and its services stay on offer; a hall
that wants numbers only for agencies actually present sets the key, and then only counters with an
officer signed in (open or paused) count. Until an operating calendar exists, every configured
counter is expected every day the hall is open.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from .config import HallConfig

OPEN, PAUSED, CLOSED = "open", "paused", "closed"


def status_of(state: Mapping | None) -> str:
    """A counter's status from its stored state; a counter never signed in at is closed."""
    return (state or {}).get("status") or CLOSED


def counts(hall: HallConfig, state: Mapping | None) -> bool:
    """Whether this counter counts for its services today: staffed (open or paused), or closed but
    expected to open (unless the hall requires an officer signed in)."""
    return status_of(state) != CLOSED or not hall.kiosk_requires_open_counter


def serving(hall: HallConfig, state: Mapping | None) -> bool:
    """Whether this counter is serving or will serve the queue now: counted, and not on a pause."""
    return counts(hall, state) and status_of(state) != PAUSED


def unavailable(hall: HallConfig, service: str, states: Mapping[str, Mapping], now: datetime) -> str | None:
    """Why ``service`` cannot be issued now: ``closed`` (outside ``hall.opening_hours``),
    ``no_counter`` (none of its counters counts, see ``counts``), or None when it can."""
    if not hall.is_open(now):
        return "closed"
    if not any(counts(hall, states.get(c.id)) for c in hall.counters_for_service(service)):
        return "no_counter"
    return None
