"""Can this service issue now, and if not why: the one rule the kiosk, the API, the displays and the estimate share.

The operating calendar comes first. A day in ``hall.closed_days`` (or the agency's ``closed_days``)
is a holiday: nothing is issued, and the kiosk shows its reason. Otherwise a service's hours today
are the first of: its own ``weekly_hours`` for the weekday, its agency's, the hall's, the hall's
``opening_hours``, all day; a weekday marked ``closed`` at that level closes it for the day. Within
its hours, no ticket is issued in the last ``cutoff_minutes`` before it closes, nor once
``daily_quota`` tickets were issued for it today.

Then the counters. A counter is *open* while an officer is signed in at it, *paused* while they
pause, *closed* otherwise. Whether a closed counter still counts depends on the hall (config
``kiosk_requires_open_counter``): many halls issue numbers from 07:30 for counters that open at
08:00, so by default a closed counter is *expected* today and its services stay on offer; a hall
that wants numbers only for agencies actually present sets the key, and then only counters with an
officer signed in (open or paused) count.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any, NamedTuple

from .config import DAYS, HallConfig

OPEN, PAUSED, CLOSED = "open", "paused", "closed"
# Why a service cannot issue (``GET /services`` ``unavailable``), in the order they are decided.
HOLIDAY, CLOSED_TODAY, OUTSIDE_HOURS, CUTOFF, QUOTA_REACHED, NO_COUNTER = (
    "holiday",
    "closed_today",
    "closed",
    "cutoff",
    "quota_reached",
    "no_counter",
)
ALL_DAY = (time.min, time.max)  # no hours set at any level: the service is on offer all day


class Refusal(NamedTuple):
    """Why a service cannot issue now: ``code`` as above, and what its message needs (``details``):
    ``reason`` of a holiday; ``opens``/``closes`` (HH:MM) outside the hours; ``minutes``/``closes``
    of a cut-off; ``quota`` when it is reached."""

    code: str
    details: dict[str, Any]


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


def holiday(hall: HallConfig, service: str | None, day: date) -> str | None:
    """The reason the hall, or the service's agency, is closed on ``day``; None on a working day."""
    reason = hall.closed_days.get(day)
    if reason is None and service is not None:
        reason = hall.agency(hall.services[service].agency).closed_days.get(day)
    return reason


def hours_on(hall: HallConfig, service: str | None, day: date) -> tuple[time, time] | None:
    """The service's (or, for None, the hall's) hours on ``day``'s weekday, from the narrowest level
    that names the day; None when that level marks the day closed."""
    weekday = DAYS[day.weekday()]
    levels = [hall.weekly_hours]
    if service is not None:
        own = hall.services[service]
        levels[:0] = [own.weekly_hours, hall.agency(own.agency).weekly_hours]
    for level in levels:
        if weekday in level:
            return level[weekday]
    return hall.opening_hours or ALL_DAY


def closes_today(hall: HallConfig, service: str | None, now: datetime) -> str | None:
    """When the service stops today (HH:MM), for the kiosk to say so; None when it has no hours set
    or does not open today."""
    moment = now.astimezone(hall.timezone)
    hours = None if holiday(hall, service, moment.date()) else hours_on(hall, service, moment.date())
    return None if hours in (None, ALL_DAY) else _hhmm(hours[1])


def past_closing(hall: HallConfig, now: datetime, closes: str | None, minutes: float | None) -> bool:
    """Whether a ticket taken now and called in ``minutes`` would come after ``closes`` (the
    service's ``closes_today``): the kiosk then says so instead of promising a wait it cannot keep."""
    if closes is None or minutes is None:
        return False
    moment = now.astimezone(hall.timezone)
    return _minutes(moment.time()) + minutes >= _minutes(time.fromisoformat(closes))


def calendar(hall: HallConfig, service: str | None, now: datetime) -> Refusal | None:
    """What the operating calendar says of ``service`` (None: the hall as a whole) at ``now``: a
    holiday, a day it is closed, outside its hours, past its cut-off; None when it is open. Needs
    no database: the issuing path asks it before taking the write lock."""
    moment = now.astimezone(hall.timezone)
    reason = holiday(hall, service, moment.date())
    if reason is not None:
        return Refusal(HOLIDAY, {"reason": reason})
    hours = hours_on(hall, service, moment.date())
    if hours is None:
        return Refusal(CLOSED_TODAY, {})
    opens, closes = hours
    if not opens <= moment.time() < closes:
        return Refusal(OUTSIDE_HOURS, {"opens": _hhmm(opens), "closes": _hhmm(closes)})
    cutoff = hall.services[service].cutoff_minutes if service is not None else 0
    if cutoff and _minutes(closes) - _minutes(moment.time()) <= cutoff:
        return Refusal(CUTOFF, {"minutes": cutoff, "closes": _hhmm(closes)})
    return None


def hall_closed(hall: HallConfig, now: datetime) -> Refusal | None:
    """Why the hall as a whole issues nothing now (for the kiosk's start screen and the start page):
    the hall's own calendar refusal, unless some service keeps hours of its own then (a Saturday
    service in a hall closed on Saturdays)."""
    refusal = calendar(hall, None, now)
    if refusal is None or any(calendar(hall, code, now) is None for code in hall.services):
        return None
    return refusal


def unavailable(hall: HallConfig, service: str, states: Mapping[str, Mapping], now: datetime, issued: int = 0) -> Refusal | None:
    """Why ``service`` cannot be issued now, ``issued`` tickets of it having been issued today:
    the calendar's refusal, ``quota_reached`` (``daily_quota`` issued), ``no_counter`` (none of its
    counters counts, see ``counts``), or None when it can."""
    refusal = calendar(hall, service, now)
    if refusal is not None:
        return refusal
    quota = hall.services[service].daily_quota
    if quota is not None and issued >= quota:
        return Refusal(QUOTA_REACHED, {"quota": quota})
    if not any(counts(hall, states.get(c.id)) for c in hall.counters_for_service(service)):
        return Refusal(NO_COUNTER, {})
    return None


def _minutes(moment: time) -> float:
    return moment.hour * 60 + moment.minute + moment.second / 60


def _hhmm(moment: time) -> str:
    return f"{moment.hour:02d}:{moment.minute:02d}"  # strftime costs more, times 300 services per poll
