"""Wait-time estimates: when will this ticket be called, given as a range.

A constant "people ahead × configured minutes" is wrong in both directions in a real hall, so the
estimate is built from what the hall is doing now:

- position: the tickets call-next will take before this one (the call order, call_order.py), per
  service, on every counter that serves this ticket's service;
- capacity: the counters of the service, each busy one freeing up after its expected remaining
  time, a paused one after what is left of a typical pause (and none of them open: no estimate);
  a counter shared with other services first takes its share of their older tickets; and the
  hall's planned breaks (``hall.breaks``, the lunch rota) still to come: a counter due for one stops
  at its next free moment, so a ticket issued at 11:00 is not promised the capacity of a hall
  that will be half at lunch by the time its turn comes;
- pace: an exponentially weighted mean and spread of how long a counter is taken per ticket
  (call to completion, no-shows included), per service, learned from what actually happened, with
  the configured ``duration_minutes`` as the prior; plus the officers' pause between tickets;
- what is still to come: a normal ticket is passed by priority visitors who arrive while it waits,
  in the share priority tickets have of what is issued.

The model part (``ServiceTimes``, ``estimate``) is pure arithmetic and unit-tested on hand-computed
queues; ``WaitEstimator`` gathers its inputs from a store transaction and learns from the committed
event log (every process's commits, in the log's order: ``Engine`` feeds it). Everything here is cheap enough for ``Engine.issue``: when the call order puts every
waiting ticket ahead (a new normal ticket, as a rule) it reads only the waiting counts and the counter
states, never the waiting list. How many tickets of each service come first is places.py's answer:
counted for one ticket, read off one ordered pass for many (the phones following their tickets).
"""

from __future__ import annotations

import heapq
import math
import threading
from collections import Counter as Tally
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from . import availability
from .call_order import CallRule
from .clock import Clock, parse_iso
from .config import Counter, HallConfig
from .places import Standing
from .store import Tx

ALPHA = 0.08  # weight of the newest observation: about the last 25 tickets of a service count
PRIOR_CV = 0.5  # spread of service times before any are observed (sd / mean)
PRIOR_PAUSES = {"istirahat": 60.0, "sholat": 15.0}  # minutes a pause lasts, by reason, before any is observed
PRIOR_PAUSE = 30.0  # any other reason (rapat, gangguan sistem …)
PRIOR_PRIORITY_SHARE = 0.0  # learned from what is issued; nobody is assumed to pass before any is seen
RESIDUAL_FLOOR = 0.3  # a busy counter still needs at least this share of a mean service
REL_UNCERTAINTY = 0.15  # what the model cannot see: pauses ahead, priority visitors still to come
MIN_SPREAD = 1.0  # minutes: never a range narrower than this
GAP_CAP = 5.0  # minutes: a longer wait between two calls is an idle counter, not a working pause
HISTORY = 30  # finished tickets per service read at start-up to warm the means
LEAVING = ("completed", "no_show", "transferred")
NEW_DAY = "new_day"  # the engine's ``by`` on what the day rollover does to counters: not a real pause ending


@dataclass(frozen=True)
class Estimate:
    """Minutes until the ticket is likely called: a central value and a range around it."""

    minutes: int
    low: int
    high: int

    def fields(self) -> dict:
        return {"eta_minutes": self.minutes, "eta_range": [self.low, self.high]}


NO_ESTIMATE = {"eta_minutes": None, "eta_range": None}


class CounterNow(NamedTuple):
    """A counter as the estimate sees it: the ticket it is busy with (service, minutes since called),
    or for how long it has been paused. A tuple, because an estimate builds one per counter."""

    services: frozenset[str]
    busy_service: str | None = None
    busy_minutes: float = 0.0
    paused_minutes: float | None = None
    pause_reason: str | None = None
    breaks: tuple[tuple[float, float], ...] = ()  # planned breaks to come: (minutes until due, minutes long), in order


class ServiceTimes:
    """Exponentially weighted mean and variance of counter minutes per ticket, per service; and, for
    the hall, the pause between tickets, the length of a counter's pause and the share of priority tickets.

    Written only by ``WaitEstimator.learn`` (one thread at a time, under its lock); read from any
    thread. A torn read cannot happen: each update replaces whole floats.
    """

    def __init__(self, priors: Mapping[str, float], alpha: float = ALPHA):
        self.alpha = alpha
        self._mean = dict(priors)
        self._var = {code: (PRIOR_CV * m) ** 2 for code, m in priors.items()}
        self.gap = 0.0
        self._pause = dict(PRIOR_PAUSES)
        self.priority_share = PRIOR_PRIORITY_SHARE
        self._lock = threading.Lock()

    def set_prior(self, service: str, minutes: float) -> None:
        """Start a service afresh from ``minutes`` (a new service, or its configured minutes changed)."""
        with self._lock:
            self._mean[service] = minutes
            self._var[service] = (PRIOR_CV * minutes) ** 2

    def mean(self, service: str) -> float:
        return self._mean[service]

    def sd(self, service: str) -> float:
        return math.sqrt(self._var[service])

    def cycle(self, service: str) -> float:
        """Counter minutes one ticket of this service costs, the pause before the next call included."""
        return self._mean[service] + self.gap

    def observe(self, service: str, minutes: float) -> None:
        """Learn from one ticket that left a counter after ``minutes``; absurd values are clipped, not trusted."""
        if service not in self._mean or minutes < 0:
            return
        with self._lock:
            mean = self._mean[service]
            x = min(minutes, 6 * mean + 10)
            delta = x - mean
            self._mean[service] = mean + self.alpha * delta
            self._var[service] = (1 - self.alpha) * (self._var[service] + self.alpha * delta * delta)

    def observe_gap(self, minutes: float) -> None:
        with self._lock:
            self.gap += self.alpha * (min(minutes, GAP_CAP) - self.gap)

    def pause(self, reason: str | None) -> float:
        """Typical length of a pause for this reason (istirahat, sholat, …), in minutes."""
        return self._pause.get(_reason(reason), PRIOR_PAUSE)

    def observe_pause(self, reason: str | None, minutes: float) -> None:
        with self._lock:
            mean = self.pause(reason)
            self._pause[_reason(reason)] = mean + 2 * self.alpha * (min(minutes, 4 * 60) - mean)

    def observe_issued(self, priority: bool) -> None:
        with self._lock:
            self.priority_share += self.alpha / 4 * (float(priority) - self.priority_share)


def estimate(
    service: str,
    ahead: Mapping[str, int],
    counters: Sequence[CounterNow],
    times: ServiceTimes,
    priority: bool = False,
    passing_limit: float | None = None,
) -> Estimate | None:
    """When the ticket is called, as a range; None when no open counter serves the service."""
    model = model_minutes(service, ahead, counters, times, priority, passing_limit)
    return None if model is None else _as_range(*model)


def model_minutes(
    service: str,
    ahead: Mapping[str, int],
    counters: Sequence[CounterNow],
    times: ServiceTimes,
    priority: bool = False,
    passing_limit: float | None = None,
) -> tuple[float, float] | None:
    """The model's minutes until the ticket is called, and their variance.

    ``ahead`` counts, per service, the tickets call-next takes first; ``passing_limit`` is the
    hall's ``priority.max_normal_wait_minutes``.

    Each counter of the service first finishes its current ticket (or its pause) and its share of
    the older tickets of its other services (shared equally by the counters of each such service);
    the tickets of this service ahead then go to whichever counter frees up first, each counter
    stopping for its planned breaks still to come. None when every counter of the service is
    paused: there is nothing honest to promise.
    """
    pool = [c for c in counters if service in c.services]
    if all(c.paused_minutes is not None for c in pool):
        return None
    open_per_service = Tally(code for c in counters for code in c.services)
    ahead_here = ahead.get(service, 0)
    free = []
    variance = ahead_here * times.sd(service) ** 2
    for counter in pool:
        residual = _residual(counter, times)
        start, variance = residual, variance + (PRIOR_CV * residual) ** 2
        for code in counter.services - {service}:
            share = ahead.get(code, 0) / open_per_service[code]
            start += share * times.cycle(code)
            variance += share * times.sd(code) ** 2
        free.append(start)
    minutes = _slot_with_breaks(free, [c.breaks for c in pool], times.cycle(service), ahead_here)
    if not priority:
        minutes += _passed_by_priority(minutes, times.priority_share, passing_limit)
    return minutes, variance / len(pool) ** 2


def _passed_by_priority(minutes: float, share: float, limit: float | None) -> float:
    """Minutes a normal ticket loses to priority visitors who arrive while it waits.

    They pass it in the share they have of what is issued, but the engine never lets them pass a
    normal ticket that has waited ``limit`` minutes (``priority.max_normal_wait_minutes``): once
    waits run past it, the head of the queue is overdue most of the time and priority visitors line
    up instead, so the loss fades out between ``limit`` and twice that.
    """
    share = min(share, 0.5)
    per_minute = share / (1 - share)
    if limit is None or minutes <= limit:
        return minutes * per_minute
    return max(0.0, 2 * limit - minutes) * per_minute


def _as_range(minutes: float, variance: float) -> Estimate:
    spread = max(MIN_SPREAD, math.sqrt(variance + (REL_UNCERTAINTY * minutes) ** 2))
    # Waits are skewed: one slow visitor ahead delays everyone, while nobody is much faster than quick.
    return Estimate(round(minutes), math.floor(max(0.0, minutes - spread)), math.ceil(minutes + 1.5 * spread))


def _residual(counter: CounterNow, times: ServiceTimes) -> float:
    """Expected minutes until a counter is free: what is left of a mean service or pause, at least a floor of it."""
    if counter.paused_minutes is not None:
        typical = times.pause(counter.pause_reason)
        return max(typical - counter.paused_minutes, RESIDUAL_FLOOR * typical)
    if counter.busy_service is None:
        return 0.0
    mean = times.cycle(counter.busy_service)
    return max(mean - counter.busy_minutes, RESIDUAL_FLOOR * mean)


def _slot_with_breaks(free: list[float], breaks: list[tuple[tuple[float, float], ...]], cycle: float, n: int) -> float:
    """Like ``_slot``, with each counter stopping for its planned breaks.

    An officer takes a break that is due at the first free moment (after the visitor at the counter),
    so a break due at ``s`` delays every start from the first one at or after ``s`` by its length.
    The starts are walked one by one only while some counter still has a break ahead; from then on
    ``_slot``'s arithmetic takes over. Cost: O((b + k) log k) for b tickets before the last break.
    """
    pending = [list(b) for b in breaks]
    starts = [_after_breaks(f, p) for f, p in zip(free, pending, strict=True)]
    if not any(pending):
        return _slot(starts, cycle, n)
    heap = [(t, i) for i, t in enumerate(starts)]
    heapq.heapify(heap)
    while n and any(pending):
        t, i = heap[0]
        heapq.heapreplace(heap, (_after_breaks(t + cycle, pending[i]), i))
        n -= 1
    return _slot([t for t, _ in heap], cycle, n)


def _after_breaks(moment: float, pending: list[tuple[float, float]]) -> float:
    """When a counter free at ``moment`` starts its next ticket: after every break that is due by then (taken from ``pending``)."""
    while pending and pending[0][0] <= moment:
        moment += pending.pop(0)[1]
    return moment


def _slot(free: list[float], cycle: float, n: int) -> float:
    """The (n+1)-th start among the sequences ``f, f + cycle, f + 2·cycle …`` of every counter.

    Between two consecutive first starts the counters already started repeat every ``cycle``, so
    each such stretch is arithmetic: find the stretch holding the (n+1)-th start, then index into
    its period. Cost: O(k²) for k counters, whatever ``n`` (a queue of a thousand costs the same).
    """
    free = sorted(free)
    for started in range(1, len(free) + 1):
        if started < len(free) and n >= _starts_before(free[started], free[:started], cycle):
            continue
        active, last = free[:started], free[started - 1]
        following = sorted(f + math.ceil((last - f) / cycle) * cycle for f in active)
        rounds, index = divmod(n - _starts_before(last, active, cycle), started)
        return following[index] + rounds * cycle
    raise AssertionError("unreachable: the last stretch is unbounded")


def _starts_before(moment: float, free: list[float], cycle: float) -> int:
    return sum(math.ceil((moment - f) / cycle) for f in free if f < moment)


class WaitEstimator:
    """Gathers the estimate's inputs from the store and learns service times from committed events."""

    def __init__(self, hall: HallConfig, clock: Clock, rule: CallRule):
        self.hall = hall
        self.clock = clock
        self.rule = rule
        self.times = ServiceTimes({code: s.duration_minutes for code, s in hall.services.items()})
        self._idle = {c.id: CounterNow(frozenset(c.services)) for c in hall.counters.values()}
        self._last_free: dict[str, datetime] = {}
        self._paused_at: dict[str, tuple[str | None, datetime]] = {}
        self._last_pause: dict[str, datetime] = {}  # when each counter last paused: a planned break it took
        self.seen = 0  # the newest event of the log learnt from (``learn``)
        self.day: str | None = None  # the local day whose events it learns, from its start (the engine's)
        self._learning = threading.Lock()

    def reconfigure(self, hall: HallConfig, rule: CallRule) -> None:
        """A changed setup: new services start from their configured minutes, a service whose minutes
        were changed starts again from them, and counters serve what the setup now gives them; what
        was learnt of the rest is kept. Several server processes each start a changed service again
        when they take up the change (within a second or two of each other), so their estimates of
        that service may differ a little until the next day or the next start (``Engine._anchored``)."""
        old = self.hall
        self.hall, self.rule = hall, rule
        for code, service in hall.services.items():
            if code not in old.services or old.services[code].duration_minutes != service.duration_minutes:
                self.times.set_prior(code, service.duration_minutes)
        self._idle = {c.id: CounterNow(frozenset(c.services)) for c in hall.counters.values()}

    # --- learning -----------------------------------------------------------------------------------
    def warm(self, finished: Iterable[dict]) -> None:
        """Start from the latest finished tickets in the database (oldest first), not from the priors."""
        for row in finished:
            self.times.observe(row["service"], _minutes(parse_iso(row["called_at"]), parse_iso(row["finished_at"])))
            self.times.observe_issued(row["priority"] is not None)

    def learn(self, events: list) -> None:
        """Learn from the events of the log after ``seen`` (the engine reads them, committed by this
        process or any other), in the log's order, each once: so every server process on the database
        learns the same things in the same order and gives the same estimates. Several threads may
        read the same events; the first to get here learns them, the others skip them."""
        with self._learning:
            fresh = [event for event in events if event.id > self.seen]
            if fresh:
                self.observe(fresh)
                self.seen = fresh[-1].id

    def observe(self, events: list) -> None:
        """Learn from these events, in memory (``learn`` gives them in the log's order)."""
        for event in events:
            if event.kind in LEAVING and event.ticket and event.ticket.get("called_at"):
                service = event.details.get("from_service") or event.ticket["service"]
                at = parse_iso(event.at)
                self.times.observe(service, _minutes(parse_iso(event.ticket["called_at"]), at))
                self._last_free[event.counter_id] = at
            elif event.kind == "called" and event.counter_id in self._last_free:
                self.times.observe_gap(_minutes(self._last_free.pop(event.counter_id), parse_iso(event.at)))
            elif event.kind == "issued":
                self.times.observe_issued(event.details.get("priority") is not None)
            elif event.kind == "resumed" and event.counter_id in self._paused_at:
                reason, since = self._paused_at.pop(event.counter_id)
                if event.details.get("by") != NEW_DAY:
                    self.times.observe_pause(reason, _minutes(since, parse_iso(event.at)))
            elif event.kind == "closed":  # a pause ended by leaving says nothing of how long pauses last
                self._paused_at.pop(event.counter_id, None)
            if event.kind == "paused":
                self._paused_at[event.counter_id] = (event.details.get("reason"), parse_iso(event.at))
                self._last_pause[event.counter_id] = parse_iso(event.at)
            if event.kind in ("paused", "closed", "cancelled", "expired"):
                self._last_free.pop(event.counter_id, None)

    # --- estimating ---------------------------------------------------------------------------------
    def fields(self, standing: Standing, ticket: dict, places: Mapping[str, int]) -> dict:
        """``eta_minutes`` and ``eta_range`` for a waiting ticket (or one about to be taken: no ``id``).

        ``places``: per counter of its service, the tickets that counter calls before it (the call
        order's count); ``standing`` says how many of each service that is (places.py), and holds
        what every ticket estimated in the same transaction shares: the service's pool of counters
        and their state now, made once.
        """
        service = ticket["service"]
        pool = standing.kept(("pool", service), lambda: self._pool(service, standing.states))
        if all(availability.status_of(standing.states.get(c.id)) == availability.PAUSED for c in pool):
            return dict(NO_ESTIMATE)
        ahead = standing.ahead(ticket, pool, places)
        counters = standing.kept(("counters now", service), lambda: self._counters_now(standing, {c.id for c in pool}))
        result = estimate(service, ahead, counters, self.times, ticket["priority"] is not None, self.hall.max_normal_wait_minutes)
        return dict(NO_ESTIMATE) if result is None else result.fields()

    def _pool(self, service: str, states: dict[str, dict]) -> list[Counter]:
        """The counters that count for the service today (availability.counts)."""
        return [c for c in self.hall.counters_for_service(service) if availability.counts(self.hall, states.get(c.id))]

    def _counters_now(self, standing: Standing, pool: set[str]) -> list[CounterNow]:
        """Every counter; only those of the ticket's service (``pool``) with their live state, since the
        others count only for how their services' tickets are shared, and reading their current
        tickets would cost a query each on every estimate."""
        states = standing.states
        return [
            self._counter_now(standing.tx, counter_id, idle, states.get(counter_id), standing.now) if counter_id in pool else idle
            for counter_id, idle in self._idle.items()
            if availability.counts(self.hall, states.get(counter_id))
        ]

    def _counter_now(self, tx: Tx, counter_id: str, idle: CounterNow, state: dict | None, now: datetime) -> CounterNow:
        if state is None:
            return idle._replace(breaks=self._breaks_ahead(counter_id, None, now))
        if state["status"] == availability.PAUSED:
            since = parse_iso(state["updated_at"]) if state["updated_at"] else now
            return idle._replace(
                paused_minutes=_minutes(since, now),
                pause_reason=state["pause_reason"],
                breaks=self._breaks_ahead(counter_id, since, now),
            )
        breaks = self._breaks_ahead(counter_id, self._last_pause.get(counter_id), now)
        current = tx.ticket_in_service(state["ticket_id"]) if state["ticket_id"] else None
        if current is None:
            return idle._replace(breaks=breaks)
        service, called_at = current
        return idle._replace(busy_service=service, busy_minutes=_minutes(parse_iso(called_at), now), breaks=breaks)

    def _breaks_ahead(self, counter_id: str, last_pause: datetime | None, now: datetime) -> tuple[tuple[float, float], ...]:
        """The counter's planned breaks of today still to come, as (minutes until due, minutes long).

        A break is still to come until its planned end, unless the counter paused since a break's
        length before its start: that pause was the break, taken a little early or late.
        """
        if not self.hall.breaks:
            return ()
        local = now.astimezone(self.hall.timezone)
        ahead = []
        for planned in self.hall.breaks:
            if counter_id not in planned.counters:
                continue
            start = datetime.combine(local.date(), planned.start, self.hall.timezone)
            end = datetime.combine(local.date(), planned.end, self.hall.timezone)
            taken = last_pause is not None and last_pause >= start - (end - start)
            if now < end and not taken:
                ahead.append((_minutes(now, start), planned.minutes))
        return tuple(sorted(ahead))


def _reason(text: str | None) -> str:
    """Pauses are learned by their first word, lower case: "Sholat Dzuhur" and "sholat" are one kind."""
    words = (text or "").lower().split()
    return words[0] if words else ""


def _minutes(start: datetime, end: datetime) -> float:
    return max(0.0, (end - start).total_seconds() / 60)
