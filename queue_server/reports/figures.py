"""Every figure of a report, from the legs and spans of a period and the hall's setup.

Definitions (one place; README "Reports and monitoring" repeats them for the reader):

* **issued**: tickets taken (legs 0: a transferred ticket counts once, in the service it was issued
  for); **served**, **no_show**, **cancelled**, **expired** (left unserved at the end of the day),
  **transferred**: legs by how they ended.
* **wait**: from a leg's arrival (issue, or transfer) to its first call; **service time**: from
  ``started`` to ``completed`` (from the call when the officer completed without starting).
* **within_target_share**: the called legs whose wait was at most the target wait their service had
  when they arrived, over the called legs (null when none was called).
* **median** and **p90** are nearest-rank percentiles: the smallest value with at least p % of the
  values at or below it (the median of 1, 2, 3, 4 is 2). Every figure is a value that happened.
* Minutes are rounded to 0.1, shares (0..1) to 4 decimals.
* The previous period is the one of equal length just before.
* **Bookings** (booking from home): a **booked** ticket was issued by a booking's check-in, every other is a
  **walk-in**; a booked ticket's wait runs from when it joined the queue, the later of its check-in
  and its session's start (reports/facts.py). Bookings count by their session's day: **made**, then
  **checked_in**, **cancelled**, **expired** (not checked in by the session's end plus its grace: a
  no-show) or still **pending**; the **no-show rate** is expired over checked in plus expired (a
  cancellation is not a no-show, a pending booking not yet either). **Punctuality** is a check-in's
  minutes after its session's start (negative: before), in bands: more than 30 early (< -30), up to
  30 early (-30..0, on time included), up to 15 late (0..15], more than 15 late (> 15), and its median.
  With a counter or officer filter the bookings' own figures are null: a booking is nobody's until called.
"""

from __future__ import annotations

import math
from collections import Counter as Tally
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from operator import itemgetter
from typing import Any

from ..clock import iso
from ..config import HallConfig
from ..engine import InvalidInput
from ..roles import counter_agency
from .facts import midnight_after, seconds_between
from .store import BOOKING_FACT_COLUMNS, FACT_COLUMNS, ReportStore

MAX_DAYS = 3 * 366  # a longer range is refused: nobody reads it, and it costs the server seconds


@dataclass(frozen=True)
class ReportFilters:
    """What a report covers: local days ``from_day``..``to_day`` and at most one of each filter."""

    from_day: str
    to_day: str
    agency: str | None = None
    service: str | None = None
    counter: str | None = None
    officer: int | None = None

    @property
    def days(self) -> int:
        return (date.fromisoformat(self.to_day) - date.fromisoformat(self.from_day)).days + 1

    def previous(self) -> ReportFilters:
        """The period of equal length just before."""
        first = date.fromisoformat(self.from_day)
        return replace(self, from_day=(first - timedelta(days=self.days)).isoformat(), to_day=(first - timedelta(days=1)).isoformat())

    @classmethod
    def parse(cls, args: dict[str, Any], config: HallConfig, officer_exists: Callable[[int], bool]) -> ReportFilters:
        """From a request's query: each bad parameter is a 400 naming it."""
        from_day, to_day = _day(args, "from"), _day(args, "to")
        if to_day < from_day:
            raise InvalidInput("error.report_range", "to")
        if (to_day - from_day).days + 1 > MAX_DAYS:
            raise InvalidInput("error.report_too_long", "to", days=MAX_DAYS)
        agency, service, counter = args.get("agency") or None, args.get("service") or None, args.get("counter") or None
        if agency is not None and agency not in hall_agencies(config):
            raise InvalidInput("error.unknown_agency", "agency", agency=agency, known=", ".join(hall_agencies(config)))
        if service is not None and service not in config.services:
            raise InvalidInput("error.unknown_service", "service", service=service)
        if counter is not None and counter not in config.counters:
            raise InvalidInput("error.unknown_counter", "counter", counter=counter)
        officer = args.get("officer") or None
        if officer is not None:
            if not str(officer).isdigit() or not officer_exists(int(officer)):
                raise InvalidInput("error.unknown_officer", "officer", officer=officer)
            officer = int(officer)
        return cls(from_day.isoformat(), to_day.isoformat(), agency, service, counter, officer)


def _day(args: dict[str, Any], name: str) -> date:
    try:
        return date.fromisoformat(args[name])
    except (KeyError, TypeError, ValueError):
        raise InvalidInput("error.report_day", name, name=name) from None


def hall_agencies(config: HallConfig) -> list[str]:
    """Every agency of the hall, in the setup's order (also those named only by a service)."""
    names = list(config.agencies)
    for service in config.services.values():
        if service.agency not in names:
            names.append(service.agency)
    return names


def services_of(config: HallConfig, filters: ReportFilters) -> list[str]:
    """The services a report covers (all of the hall's, the agency's, or the one asked for)."""
    codes = [code for code, service in config.services.items() if filters.agency is None or service.agency == filters.agency]
    return [c for c in codes if filters.service is None or c == filters.service]


def counters_of(config: HallConfig, filters: ReportFilters) -> list[str] | None:
    """The counters whose time a report covers; None for all (no agency filter)."""
    if filters.counter is not None:
        return [filters.counter]
    if filters.agency is None:
        return None
    return [c for c in config.counters if counter_agency(config, c) == filters.agency]


# --- arithmetic, defined once ---------------------------------------------------------------------
def percentile(values: list[float], share: float) -> float | None:
    """Nearest rank on sorted ``values``: the smallest value with ``share`` of them at or below it."""
    if not values:
        return None
    return values[max(0, math.ceil(share * len(values)) - 1)]


def minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _spread(seconds: list[float], with_max: bool) -> dict[str, float | None]:
    seconds = sorted(seconds)
    figures = {
        "mean": minutes(sum(seconds) / len(seconds)) if seconds else None,
        "median": minutes(percentile(seconds, 0.5)),
        "p90": minutes(percentile(seconds, 0.9)),
    }
    if with_max:
        figures["max"] = minutes(seconds[-1]) if seconds else None
    return figures


# Where each figure reads its value in a fact row (reports/store.py FACT_COLUMNS).
LEG, DAY, SERVICE, PRIORITY, HOUR, WEEKDAY, WAIT, WITHIN, SERVICE_TIME, OUTCOME, TRANSFERRED_TO, OFFICER, BOOKED = range(len(FACT_COLUMNS))
# ... and in a booking's row (BOOKING_FACT_COLUMNS).
B_SERVICE, B_STATUS, B_PUNCTUALITY = range(len(BOOKING_FACT_COLUMNS))
# Punctuality bands: (name, lowest minutes after the session's start excluded, highest included).
PUNCTUALITY_BANDS = (
    ("early_over_30", None, -30.0),
    ("early_up_to_30", -30.0, 0.0),
    ("late_up_to_15", 0.0, 15.0),
    ("late_over_15", 15.0, None),
)


def summarise(facts: list[tuple]) -> dict[str, Any]:
    """The contract's summary object (plus ``transferred`` and ``priority_share``) of fact rows.

    A pass per figure with comprehensions: a year of a big hall is summarised several times (the
    hall, each agency, each service), and this is several times faster than one Python loop."""
    outcomes = Tally(map(itemgetter(OUTCOME), facts))
    issued = [f[PRIORITY] for f in facts if f[LEG] == 0]
    judged = [f[WITHIN] for f in facts if f[WITHIN] is not None]
    return {
        "issued": len(issued),
        "served": outcomes["served"],
        "no_show": outcomes["no_show"],
        "cancelled": outcomes["cancelled"],
        "expired": outcomes["expired"],
        "within_target_share": share(sum(judged), len(judged)),
        "wait_minutes": _spread([f[WAIT] for f in facts if f[WAIT] is not None], with_max=True),
        "service_minutes": _spread([f[SERVICE_TIME] for f in facts if f[SERVICE_TIME] is not None], with_max=False),
        "transferred": outcomes["transferred"],
        "priority_share": share(len(issued) - issued.count(None), len(issued)),
    }


def _lane(facts: list[tuple], booked: bool, issued: int) -> dict[str, Any]:
    """Booked or walk-in tickets: how many, their share of all issued, and their waits (every leg's)."""
    legs = [f for f in facts if bool(f[BOOKED]) == booked]
    tickets = sum(1 for f in legs if f[LEG] == 0)
    return {
        "tickets": tickets,
        "share": share(tickets, issued),
        "wait_minutes": _spread([f[WAIT] for f in legs if f[WAIT] is not None], with_max=False),
    }


def _band(late: float) -> str:
    return next(name for name, low, high in PUNCTUALITY_BANDS if (low is None or late > low) and (high is None or late <= high))


def funnel(bookings: list[tuple]) -> dict[str, Any]:
    """Bookings made and how they ended, the no-show rate, and check-in punctuality."""
    statuses = Tally(map(itemgetter(B_STATUS), bookings))
    # Rounded to the second's hundredth: julianday() arithmetic must not move an on-the-minute check-in across a band's edge.
    late = sorted(round(b[B_PUNCTUALITY], 2) for b in bookings if b[B_PUNCTUALITY] is not None)
    bands = Tally(map(_band, late))
    median = percentile(late, 0.5)
    return {
        "made": len(bookings),
        "checked_in": statuses["checked_in"],
        "cancelled": statuses["cancelled"],
        "expired": statuses["expired"],
        "pending": statuses["booked"],
        "no_show_rate": share(statuses["expired"], statuses["checked_in"] + statuses["expired"]),
        "punctuality": {
            **{name: bands[name] for name, _, _ in PUNCTUALITY_BANDS},
            "median_minutes": None if median is None else round(median, 1),
        },
    }


def booking_figures(facts: list[tuple], bookings: list[tuple] | None) -> dict[str, Any]:
    """Booked against walk-in tickets, and (``bookings`` None: not attributable) the bookings' funnel."""
    issued = sum(1 for f in facts if f[LEG] == 0)
    return {
        "booked": _lane(facts, True, issued),
        "walk_in": _lane(facts, False, issued),
        "funnel": None if bookings is None else funnel(bookings),
    }


def _grouped(facts: list[tuple], column: int) -> dict[Any, list[tuple]]:
    groups: dict[Any, list[tuple]] = defaultdict(list)
    for fact in facts:
        groups[fact[column]].append(fact)
    return groups


# --- reading a period ------------------------------------------------------------------------------
class Reports:
    """Reports for one hall: ``summary`` (the contract's object) and ``detail`` (every section)."""

    def __init__(self, reports: ReportStore, config: HallConfig, now: Callable[[], datetime]):
        self.reports = reports
        self.config = config
        self.now = now

    def facts(self, filters: ReportFilters) -> list[tuple]:
        return self.reports.facts(
            filters.from_day,
            filters.to_day,
            services=services_of(self.config, filters) if filters.agency or filters.service else None,
            counter=filters.counter,
            officer=filters.officer,
        )

    def summary(self, filters: ReportFilters) -> dict[str, Any]:
        return summarise(self.facts(filters))

    def detail(self, filters: ReportFilters) -> dict[str, Any]:
        facts, previous = self.facts(filters), filters.previous()
        by_service = _grouped(facts, SERVICE)
        return {
            "period": {"from": filters.from_day, "to": filters.to_day},
            "previous_period": {"from": previous.from_day, "to": previous.to_day},
            "summary": summarise(facts),
            "previous": summarise(self.facts(previous)),
            "daily": daily(facts, filters),
            "by_agency": self.by_agency(by_service, filters),
            "by_service": self.by_service(by_service, filters),
            "heatmap": heatmap(facts),
            "priority": priority(facts),
            "transfers": transfers(facts),
            "officers": self.officers(facts, filters),
            "bookings": self.bookings(facts, by_service, filters),
        }

    def bookings(self, facts: list[tuple], by_service: dict[str, list[tuple]], filters: ReportFilters) -> dict[str, Any]:
        """The bookings object: the whole, then each agency and service that takes bookings or had any."""
        codes = services_of(self.config, filters)
        attributable = filters.counter is None and filters.officer is None
        rows = (
            self.reports.booking_facts(filters.from_day, filters.to_day, services=codes if filters.agency or filters.service else None)
            if attributable
            else []
        )
        of_service = _grouped(rows, B_SERVICE)
        services = [
            c
            for c in codes
            if self.config.services[c].booking is not None or c in of_service or any(f[BOOKED] for f in by_service.get(c, []))
        ]
        agencies = [name for name in hall_agencies(self.config) if any(self.config.services[c].agency == name for c in services)]

        def figures(codes: list[str]) -> dict[str, Any]:
            return booking_figures(
                [f for c in codes for f in by_service.get(c, [])],
                [b for c in codes for b in of_service.get(c, [])] if attributable else None,
            )

        return {
            "bookable": any(self.config.services[c].booking is not None for c in codes),
            "summary": booking_figures(facts, rows if attributable else None),
            "by_agency": [
                {"agency": name, **figures([c for c in services if self.config.services[c].agency == name])} for name in agencies
            ],
            "by_service": [
                {"service": c, "name": self.config.services[c].name, "agency": self.config.services[c].agency, **figures([c])}
                for c in services
            ],
        }

    def by_agency(self, by_service: dict[str, list[tuple]], filters: ReportFilters) -> list[dict[str, Any]]:
        grouped: dict[str, list[tuple]] = defaultdict(list)
        for code, facts in by_service.items():
            service = self.config.services.get(code)
            grouped[service.agency if service else ""].extend(facts)
        covered = {self.config.services[c].agency for c in services_of(self.config, filters)}
        return [{"agency": name, **summarise(grouped[name])} for name in hall_agencies(self.config) if name in covered]

    def by_service(self, by_service: dict[str, list[tuple]], filters: ReportFilters) -> list[dict[str, Any]]:
        rows = []
        for code in services_of(self.config, filters):
            service = self.config.services[code]
            head = {"service": code, "name": service.name, "agency": service.agency, "target_wait_minutes": service.target_wait_minutes}
            rows.append({**head, **summarise(by_service.get(code, []))})
        return rows

    def officers(self, facts: list[tuple], filters: ReportFilters) -> list[dict[str, Any]]:
        """Per officer: served, mean service time, signed-in, paused by reason, idle (signed in,
        neither paused nor busy with a visitor). A span still open counts until now."""
        served: dict[int, list[float]] = defaultdict(list)
        for fact in facts:
            if fact[OUTCOME] == "served" and fact[OFFICER] is not None:
                served[fact[OFFICER]].append(fact[SERVICE_TIME] or 0.0)
        sums, still_open = self.reports.span_seconds(
            filters.from_day, filters.to_day, counters=counters_of(self.config, filters), officer=filters.officer
        )
        now = iso(self.now())
        sums += [
            (
                span.officer_id,
                span.kind,
                span.reason,
                max(0.0, seconds_between(span.start, min(now, midnight_after(span.day, self.config.timezone)))),
            )
            for span in still_open
        ]
        times: dict[int, dict[str, Any]] = defaultdict(lambda: {"open": 0.0, "busy": 0.0, "paused": defaultdict(float)})
        for officer_id, kind, reason, seconds in sums:
            if kind == "paused":
                times[officer_id]["paused"][reason or ""] += seconds
            else:
                times[officer_id][kind] += seconds
        names = self.reports.officer_names()
        rows = []
        for officer_id in sorted(set(served) | set(times), key=lambda i: names.get(i, "")):
            t = times[officer_id]
            paused = sum(t["paused"].values())
            rows.append(
                {
                    "officer_id": officer_id,
                    "username": names.get(officer_id, str(officer_id)),
                    "served": len(served[officer_id]),
                    "service_minutes_mean": minutes(sum(served[officer_id]) / len(served[officer_id])) if served[officer_id] else None,
                    "signed_in_minutes": minutes(t["open"]),
                    "paused_minutes": {reason: minutes(s) for reason, s in sorted(t["paused"].items())},
                    "idle_minutes": minutes(max(0.0, t["open"] - paused - t["busy"])),
                }
            )
        return rows


def daily(facts: list[tuple], filters: ReportFilters) -> list[dict[str, Any]]:
    grouped = _grouped(facts, DAY)
    first = date.fromisoformat(filters.from_day)
    rows = []
    for offset in range(filters.days):
        day = (first + timedelta(days=offset)).isoformat()
        of_day = grouped.get(day, [])
        judged = [f[WITHIN] for f in of_day if f[WITHIN] is not None]
        rows.append(
            {
                "day": day,
                "issued": sum(1 for f in of_day if f[LEG] == 0),
                "served": sum(1 for f in of_day if f[OUTCOME] == "served"),
                "within_target_share": share(sum(judged), len(judged)),
            }
        )
    return rows


def heatmap(facts: list[tuple]) -> dict[str, Any]:
    """Tickets issued by local weekday (rows, 0 = Monday) and hour (columns, the hours any arrived)."""
    counts = Tally((f[WEEKDAY], f[HOUR]) for f in facts if f[LEG] == 0)
    hours = list(range(min(h for _, h in counts), max(h for _, h in counts) + 1)) if counts else []
    return {"weekdays": list(range(7)), "hours": hours, "cells": [[counts[(day, hour)] for hour in hours] for day in range(7)]}


def priority(facts: list[tuple]) -> list[dict[str, Any]]:
    """Priority tickets per category (the Pasal 29 audit), as a share of all tickets issued."""
    issued = [f[PRIORITY] for f in facts if f[LEG] == 0]
    counts = Tally(category for category in issued if category is not None)
    return [{"category": category, "tickets": n, "share": share(n, len(issued))} for category, n in sorted(counts.items())]


def transfers(facts: list[tuple]) -> list[dict[str, Any]]:
    counts = Tally((f[SERVICE], f[TRANSFERRED_TO]) for f in facts if f[OUTCOME] == "transferred")
    return [{"from": source, "to": target, "count": n} for (source, target), n in sorted(counts.items())]
