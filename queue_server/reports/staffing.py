"""The staffing advisor: how many counters each service needs per hour, by Erlang C, from history.

Why: a hall decides its rota by habit; the history knows how many people come when and how long
they keep a counter. For a chosen weekday the advisor takes, per service and local hour, the mean
arrivals over the matching days the hall was open, and asks Erlang C (the M/M/c queue) for the
fewest counters that serve a chosen share of visitors within the service's ``target_wait_minutes``.
Beside it: the counters the service actually had in that hour, and the share Erlang C predicts with
them. ``queue_server/staffing_check.py`` plays the same inputs through the hall-day simulator.

The choices the history leaves open, made here once:

- **Arrivals** are every leg that reached the service's queue (issued there or transferred in),
  including visitors who later gave up: they came and needed a counter. Mean per matching day.
- **Time at the counter** is what a counter is held for: from the call to the end (the walk to the
  counter included), over the legs that were served or transferred on. A **no-show** holds the
  counter only while it is called and recalled: it is a shorter service, so the mean time used is
  ``(1 - no_show_rate) x handling + no_show_rate x no-show holding``. A service without a handled
  leg in the range falls back to its configured ``duration_minutes``.
- **Counters had** in an hour: the minutes each counter was open and not paused in that hour,
  averaged over the matching days, in counters (60 minutes = 1). A counter serving several services
  is shared among them in proportion to their arrivals in that hour (equally when none came).
- **Open days** are the matching weekdays with any arrival or any counter open in the scope.

Erlang C assumes Poisson arrivals steady through the hour, exponential times at the counter, first
come first served, and nobody leaving the queue; breaks are not in it (``counters`` means counters
open for service). Everything here is pure: legs and spans in, figures out.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol

from ..config import HallConfig

DEFAULT_SHARE = 0.8
DEFAULT_WEEKS = 8
MAX_COUNTERS = 500  # a bound on the search; no hall has this many counters for one service


class LegLike(Protocol):
    """The fields of a report leg (queue_server/reports/facts.py) the advisor reads."""

    day: str
    service: str
    hour: int
    weekday: int
    outcome: str
    called_at: str | None
    started_at: str | None
    finished_at: str | None
    service_seconds: float | None


class SpanLike(Protocol):
    """The fields of a report span the advisor reads."""

    counter_id: str
    day: str
    kind: str
    start: str
    end: str | None


# --- Erlang C ---------------------------------------------------------------------------------------
def erlang_c(servers: int, traffic: float) -> float:
    """The probability that an arrival waits, with ``servers`` counters and ``traffic`` Erlangs.

    By the Erlang B recursion B(k) = a B(k-1) / (k + a B(k-1)), then C = c B / (c - a (1 - B)):
    no factorials or powers, so it stays exact for hundreds of counters. 1.0 when the queue is
    unstable (traffic >= servers)."""
    if traffic <= 0:
        return 0.0
    if servers <= traffic:
        return 1.0
    blocking = 1.0
    for k in range(1, servers + 1):
        blocking = traffic * blocking / (k + traffic * blocking)
    return servers * blocking / (servers - traffic * (1 - blocking))


def service_level(arrivals_per_hour: float, mean_service_minutes: float, servers: int, target_minutes: float) -> float:
    """The share of arrivals whose wait is within ``target_minutes``: 1 - C e^(-(c mu - lambda) t).
    Nobody coming, or nobody holding a counter for any time, waits for nothing."""
    if arrivals_per_hour <= 0 or mean_service_minutes <= 0:
        return 1.0
    traffic = arrivals_per_hour * mean_service_minutes / 60
    if servers <= traffic:
        return 0.0
    waiting = erlang_c(servers, traffic)
    return 1 - waiting * math.exp(-(servers - traffic) * target_minutes / mean_service_minutes)


def counters_needed(arrivals_per_hour: float, mean_service_minutes: float, target_minutes: float, share: float = DEFAULT_SHARE) -> int:
    """The least number of counters c with traffic < c and a service level of at least ``share``;
    0 when nobody comes."""
    if arrivals_per_hour <= 0:
        return 0
    traffic = arrivals_per_hour * mean_service_minutes / 60
    servers = math.floor(traffic) + 1
    while servers < MAX_COUNTERS and service_level(arrivals_per_hour, mean_service_minutes, servers, target_minutes) < share:
        servers += 1
    return servers


def service_level_between(arrivals_per_hour: float, mean_service_minutes: float, counters: float, target_minutes: float) -> float:
    """The service level for a fractional number of counters (an hour's average, 2.5 when a third
    counter was open half the hour): linear between the whole numbers either side."""
    low = math.floor(counters)
    below = service_level(arrivals_per_hour, mean_service_minutes, low, target_minutes) if low else 0.0
    if counters == low:
        return below
    above = service_level(arrivals_per_hour, mean_service_minutes, low + 1, target_minutes)
    return below + (above - below) * (counters - low)


# --- the inputs, from history ----------------------------------------------------------------------
@dataclass(frozen=True)
class ServiceInputs:
    """What the history says about one service on the chosen weekday."""

    service: str
    target_wait_minutes: float
    service_minutes: float  # mean from the start of service to its end (served legs)
    service_minutes_sd: float  # its standard deviation (0 with fewer than two)
    handling_minutes: float  # mean from the call to the end, served or transferred legs
    no_show_rate: float  # no-shows among the legs called
    no_show_minutes: float  # mean from the call to the no-show
    arrivals: dict[int, float] = field(default_factory=dict)  # local hour -> mean arrivals
    counters_had: dict[int, float] = field(default_factory=dict)  # local hour -> mean counters

    @property
    def counter_minutes(self) -> float:
        """The mean time a counter is held per leg called: a no-show is a shorter service."""
        return (1 - self.no_show_rate) * self.handling_minutes + self.no_show_rate * self.no_show_minutes


def open_days(legs: Iterable[LegLike], spans: Iterable[SpanLike], weekday: int) -> set[str]:
    """The local days of ``weekday`` with an arrival or a counter open."""
    days = {leg.day for leg in legs if leg.weekday == weekday}
    days |= {span.day for span in spans if span.kind == "open" and date.fromisoformat(span.day).weekday() == weekday}
    return days


def history_inputs(
    legs: list[LegLike], spans: list[SpanLike], hall: HallConfig, weekday: int, services: Iterable[str]
) -> list[ServiceInputs]:
    """Per service (in ``services``' order), the advisor's inputs from the legs and spans of a range."""
    days = open_days(legs, spans, weekday)
    if not days:
        return []
    chosen = [leg for leg in legs if leg.weekday == weekday]
    arrivals: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    for leg in chosen:
        arrivals[leg.service][leg.hour] += 1 / len(days)
    had = counters_had(spans, hall, weekday, len(days), arrivals)
    return [_service_inputs(hall, code, [leg for leg in chosen if leg.service == code], arrivals[code], had[code]) for code in services]


def _service_inputs(hall: HallConfig, code: str, legs: list[LegLike], arrivals: dict[int, float], had: dict[int, float]) -> ServiceInputs:
    configured = hall.services[code].duration_minutes
    service = [leg.service_seconds / 60 for leg in legs if leg.outcome == "served" and leg.service_seconds is not None]
    handled = [
        _minutes(leg.called_at, leg.finished_at)
        for leg in legs
        if leg.outcome in ("served", "transferred") and leg.called_at and leg.finished_at
    ]
    missed = [_minutes(leg.called_at, leg.finished_at) for leg in legs if leg.outcome == "no_show" and leg.called_at and leg.finished_at]
    called = len(handled) + len(missed)
    return ServiceInputs(
        service=code,
        target_wait_minutes=hall.services[code].target_wait_minutes,
        service_minutes=statistics.fmean(service) if service else configured,
        service_minutes_sd=statistics.stdev(service) if len(service) > 1 else 0.0,
        handling_minutes=statistics.fmean(handled) if handled else configured,
        no_show_rate=len(missed) / called if called else 0.0,
        no_show_minutes=statistics.fmean(missed) if missed else 0.0,
        arrivals=dict(sorted(arrivals.items())),
        counters_had=dict(sorted(had.items())),
    )


def _minutes(start: str, end: str) -> float:
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds() / 60


def counters_had(
    spans: Iterable[SpanLike], hall: HallConfig, weekday: int, days: int, arrivals: dict[str, dict[int, float]]
) -> dict[str, dict[int, float]]:
    """Per service and local hour, the mean counters open and not paused, a shared counter split by
    the services' arrivals in that hour."""
    minutes: dict[tuple[str, int], float] = defaultdict(float)  # (counter, hour) -> open minutes, all days
    for span in spans:
        if span.kind in ("open", "paused") and span.counter_id in hall.counters:
            sign = 1 if span.kind == "open" else -1
            for hour, length in _hour_pieces(span, hall, weekday):
                minutes[span.counter_id, hour] += sign * length
    had: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    for (counter_id, hour), total in minutes.items():
        served = [code for code in hall.counters[counter_id].services if code in hall.services]
        shares = _split([arrivals.get(code, {}).get(hour, 0.0) for code in served])
        for code, part in zip(served, shares, strict=True):
            had[code][hour] += max(total, 0.0) / 60 / days * part
    return had


def _split(weights: list[float]) -> list[float]:
    """Each weight's part of the whole; equal parts when all are nought."""
    whole = sum(weights)
    return [w / whole for w in weights] if whole else [1 / len(weights)] * len(weights)


def _hour_pieces(span: SpanLike, hall: HallConfig, weekday: int) -> Iterable[tuple[int, float]]:
    """The minutes of a span in each local hour of the chosen weekday; a span not ended yet runs
    to the end of its local day."""
    start = datetime.fromisoformat(span.start).astimezone(hall.timezone)
    end = datetime.fromisoformat(span.end).astimezone(hall.timezone) if span.end else _day_end(span.day, hall)
    moment = start
    while moment < end:
        next_hour = moment.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        piece_end = min(end, next_hour)
        if moment.weekday() == weekday:
            yield moment.hour, (piece_end - moment).total_seconds() / 60
        moment = piece_end


def _day_end(day: str, hall: HallConfig) -> datetime:
    return datetime.combine(date.fromisoformat(day) + timedelta(days=1), datetime.min.time(), hall.timezone)


class HistoryReader(Protocol):
    """What the advisor reads of the reports' store (queue_server/reports/store.py)."""

    def legs(self, from_day: str, to_day: str, *, services: Iterable[str] | None = None) -> list: ...

    def spans(self, from_day: str, to_day: str, *, counters: Iterable[str] | None = None) -> list: ...


def advice_from_history(
    reports: HistoryReader, hall: HallConfig, services: list[str], from_day: str, to_day: str, weekday: int, share: float
) -> tuple[list[ServiceAdvice], int]:
    """The advice for ``services`` from local days ``from_day``..``to_day``, and the open days it
    averages over. Reads the counters serving those services and the arrivals of every service they
    serve (a shared counter is split by all of its services' arrivals, seen or not)."""
    counters = [c.id for c in hall.counters.values() if set(c.services) & set(services)]
    shared = {code for c in counters for code in hall.counters[c].services if code in hall.services} | set(services)
    legs = reports.legs(from_day, to_day, services=sorted(shared))
    spans = reports.spans(from_day, to_day, counters=counters)
    inputs = history_inputs(legs, spans, hall, weekday, services)
    return advise(inputs, share), len(open_days(legs, spans, weekday))


# --- the advice -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class HourAdvice:
    """One service-hour: None shares where nobody came (nothing to serve, nothing to predict)."""

    hour: int
    arrivals: float
    counters_needed: int
    counters_had: float
    share_advised: float | None
    share_had: float | None

    @property
    def short(self) -> bool:
        """Fewer counters than advised: the hour's average, to a tenth (as shown), below the advice."""
        return round(self.counters_had, 1) < self.counters_needed


@dataclass(frozen=True)
class ServiceAdvice:
    inputs: ServiceInputs
    hours: list[HourAdvice]


def advise(inputs: list[ServiceInputs], share: float = DEFAULT_SHARE, hours: Iterable[int] | None = None) -> list[ServiceAdvice]:
    """Per service and hour (``hours``, or every hour anyone came to a service in ``inputs``)."""
    shown = sorted(set(hours) if hours is not None else {h for i in inputs for h, n in i.arrivals.items() if n > 0})
    return [ServiceAdvice(i, [_hour_advice(i, hour, share) for hour in shown]) for i in inputs]


def _hour_advice(inputs: ServiceInputs, hour: int, share: float) -> HourAdvice:
    arrivals = inputs.arrivals.get(hour, 0.0)
    had = inputs.counters_had.get(hour, 0.0)
    minutes, target = inputs.counter_minutes, inputs.target_wait_minutes
    needed = counters_needed(arrivals, minutes, target, share)
    return HourAdvice(
        hour=hour,
        arrivals=arrivals,
        counters_needed=needed,
        counters_had=had,
        share_advised=service_level(arrivals, minutes, needed, target) if arrivals > 0 else None,
        share_had=service_level_between(arrivals, minutes, had, target) if arrivals > 0 else None,
    )


def advice_json(advice: list[ServiceAdvice], simulated: dict[str, dict[int, float]] | None = None) -> list[dict]:
    """The advice as the API gives it: minutes and counters to 0.01, shares 0..1 to 0.001; with a
    simulator check, each hour's ``simulated_share`` (null where no visitor was simulated)."""
    return [
        {
            "service": a.inputs.service,
            "target_wait_minutes": a.inputs.target_wait_minutes,
            "service_minutes": round(a.inputs.service_minutes, 2),
            "service_minutes_sd": round(a.inputs.service_minutes_sd, 2),
            "handling_minutes": round(a.inputs.handling_minutes, 2),
            "no_show_rate": round(a.inputs.no_show_rate, 3),
            "no_show_minutes": round(a.inputs.no_show_minutes, 2),
            "counter_minutes": round(a.inputs.counter_minutes, 2),
            "hours": [_hour_json(h, None if simulated is None else simulated.get(a.inputs.service, {}).get(h.hour)) for h in a.hours],
        }
        for a in advice
    ]


def _hour_json(hour: HourAdvice, simulated: float | None) -> dict:
    return {
        "hour": hour.hour,
        "arrivals": round(hour.arrivals, 2),
        "counters_needed": hour.counters_needed,
        "counters_had": round(hour.counters_had, 2),
        "short": hour.short,
        "share_advised": _share(hour.share_advised),
        "share_had": _share(hour.share_had),
        "simulated_share": _share(simulated),
    }


def _share(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def agreement(advice: list[ServiceAdvice], simulated: dict[str, dict[int, float]]) -> dict:
    """How Erlang C's predicted share (advised counters) and the simulated one agree over the
    service-hours both have: their count and the mean absolute difference (null with none)."""
    pairs = [
        (h.share_advised, simulated[a.inputs.service][h.hour])
        for a in advice
        for h in a.hours
        if h.share_advised is not None and h.hour in simulated.get(a.inputs.service, {})
    ]
    difference = statistics.fmean(abs(p - s) for p, s in pairs) if pairs else None
    return {"service_hours": len(pairs), "mean_absolute_difference": _share(difference)}
