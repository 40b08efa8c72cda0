"""A synthetic hall day, driven through the real engine on a simulated clock.

Why: the wait estimate is only honest if it can be measured, and a real hall's history is slow to
come by. The simulator plays visitors and officers against the same ``Engine`` the server uses (no
copy of its rules), with a ``ManualClock`` that jumps from one happening to the next, so a full day
of a 16-counter hall takes seconds.

What a day holds: arrivals per service with an hourly profile (a morning peak, a lunch dip), a share
of priority visitors, service times drawn from a lognormal distribution whose mean differs from the
configured ``duration_minutes`` (a hall's config is a guess; the estimate must learn), the walk to
the counter, the officers' short pause between visitors, lunch and prayer breaks (the hall's
``hall.breaks`` rota when it has one), visitors who do
not come when called (recalled once, then marked no-show), visitors who give up waiting, and
transfers to another service. Everything random comes from one seeded generator: the same seed
gives the same day.

A scenario may instead give the day's inputs outright, as the staffing advisor's check does
(queue_server/staffing_check.py): the mean arrivals per service per local hour, the mean and spread
of each service's time, and the local hours each counter is staffed (closed the rest of the day).

For every ticket that gets called it compares, at issue time, the engine's ``eta_minutes`` and a
naive baseline (people ahead × the hall's mean service time so far ÷ open counters) with the wait
that actually happened.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
import statistics
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path

from .clock import ManualClock
from .config import PRIORITY_CATEGORIES, HallConfig
from .engine import Engine
from .hall import open_hall

DEFAULT_HOURS = (time(7, 30), time(16, 0))
# Relative arrival rate by local hour: people come early, the hall is quiet at lunch and late on.
HOURLY_PROFILE = {7: 1.0, 8: 1.7, 9: 1.9, 10: 1.6, 11: 1.2, 12: 0.6, 13: 0.9, 14: 0.8, 15: 0.5}
SERVICE_SIGMA = 0.5  # lognormal shape of service times: a few visitors take much longer
LUNCH_MINUTES = 60
PRAYER_MINUTES = 15


@dataclass(frozen=True)
class Scenario:
    """The knobs of a simulated day; the defaults are a busy but ordinary working day."""

    seed: int = 1
    first_day: date = date(2026, 11, 2)
    days: int = 1
    hours: tuple[time, time] | None = None  # arrivals window; the hall's opening hours without it
    load: float = 0.7  # visitors over what the counters could serve in the window (breaks and no-shows not counted)
    priority_share: float = 0.10
    no_show_share: float = 0.05
    impatient_share: float = 0.10  # of these, those whose patience runs out cancel
    transfer_share: float = 0.03
    breaks: bool = True
    # Given inputs instead of the made-up day: service -> {local hour: mean arrivals in that hour}
    # (replaces load and the hourly profile), service -> (mean, standard deviation) of its service
    # minutes (replaces the drawn mean and SERVICE_SIGMA), counter -> the local hours it is staffed.
    arrivals: Mapping[str, Mapping[int, float]] | None = None
    service_minutes: Mapping[str, tuple[float, float]] | None = None
    staffing: Mapping[str, tuple[int, ...]] | None = None


@dataclass
class Outcome:
    """One ticket as the simulator saw it: what was promised at issue and what happened."""

    service: str
    issued: datetime
    estimate: int | None
    estimate_range: list[int] | None
    baseline: float | None
    called: datetime | None = None

    @property
    def wait(self) -> float | None:
        return None if self.called is None else (self.called - self.issued).total_seconds() / 60


@dataclass
class ServiceFigures:
    code: str
    tickets: int
    called: int
    mean_wait: float
    p90_wait: float
    mae_estimate: float
    mae_baseline: float
    in_range: float


@dataclass
class Result:
    services: list[ServiceFigures]
    total: ServiceFigures
    days: int
    database: Path | None = None
    outcomes: list[Outcome] = field(default_factory=list)

    def table(self) -> str:
        """The figures as aligned text, one line per service and a total."""
        head = (
            f"{'service':<8}{'tickets':>8}{'called':>8}{'mean wait':>11}{'p90 wait':>10}{'MAE est.':>10}{'MAE naive':>11}{'in range':>10}"
        )
        rows = [head, "-" * len(head)]
        for f in [*self.services, self.total]:
            rows.append(
                f"{f.code:<8}{f.tickets:>8}{f.called:>8}{f.mean_wait:>9.1f} m{f.p90_wait:>8.1f} m"
                f"{f.mae_estimate:>8.1f} m{f.mae_baseline:>9.1f} m{f.in_range:>9.0%}"
            )
        t = self.total
        better = 1 - t.mae_estimate / t.mae_baseline if t.mae_baseline else 0.0
        share = t.mae_estimate / t.mean_wait if t.mean_wait else 0.0
        rows.append(
            f"estimate MAE {t.mae_estimate:.1f} min = {share:.0%} of the mean wait; "
            f"{better:.0%} below the naive baseline's {t.mae_baseline:.1f} min"
        )
        return "\n".join(rows)


@dataclass(order=True)
class _Happening:
    at: datetime
    order: int
    action: Callable[[], None] = field(compare=False)


class HallDay:
    """Visitors and officers of one hall, playing through the engine until everyone has left."""

    def __init__(self, engine: Engine, clock: ManualClock, hall: HallConfig, scenario: Scenario, rng: random.Random):
        self.engine, self.clock, self.hall, self.scenario, self.rng = engine, clock, hall, scenario, rng
        self._queue: list[_Happening] = []
        self._order = itertools.count()
        self.paused: set[str] = set()
        self.idle: set[str] = set(hall.counters)
        self.outcomes: dict[str, Outcome] = {}
        self.served_minutes: list[float] = []
        self.current: dict[str, str] = {}
        self.breaks: dict[str, list[tuple[datetime, float, str]]] = {}
        self.true_mean = {code: s.duration_minutes * rng.uniform(0.75, 1.35) for code, s in hall.services.items()}
        self.sigma = dict.fromkeys(hall.services, SERVICE_SIGMA)
        for code, (mean, spread) in (scenario.service_minutes or {}).items():
            self.true_mean[code], self.sigma[code] = mean, math.sqrt(math.log(1 + (spread / mean) ** 2))

    # --- the event loop ---------------------------------------------------------------------------
    def at(self, moment: datetime, action: Callable[[], None]) -> None:
        heapq.heappush(self._queue, _Happening(moment, next(self._order), action))

    def later(self, minutes: float, action: Callable[[], None]) -> None:
        self.at(self.clock.now + timedelta(minutes=minutes), action)

    def run(self, day: date) -> None:
        opens, closes = self.scenario.hours or self.hall.opening_hours or DEFAULT_HOURS
        start = datetime.combine(day, opens, self.hall.timezone)
        end = datetime.combine(day, closes, self.hall.timezone)
        self.clock.now = start
        self.idle = set(self.hall.counters)
        if self.scenario.arrivals is None:
            self._plan_arrivals(start, end)
        else:
            self._plan_given_arrivals(day)
        if self.scenario.staffing is not None:
            self._plan_shifts(day)
        if self.scenario.breaks:
            self._plan_breaks(day)
        while self._queue:
            happening = heapq.heappop(self._queue)
            self.clock.now = max(self.clock.now, happening.at)
            happening.action()

    # --- visitors ---------------------------------------------------------------------------------
    def _plan_arrivals(self, start: datetime, end: datetime) -> None:
        window = (end - start).total_seconds() / 60
        for code in self.hall.services:
            expected = self.scenario.load * self._capacity_share(code) * window / self.true_mean[code]
            for _ in range(_poisson(self.rng, expected)):
                self.at(self._arrival_time(start, end), lambda code=code: self.arrive(code))

    def _plan_given_arrivals(self, day: date) -> None:
        """The scenario's arrivals: a Poisson count per service and hour, spread evenly in the hour."""
        for code, hours in self.scenario.arrivals.items():
            for hour, mean in hours.items():
                begins = datetime.combine(day, time(hour), self.hall.timezone)
                for _ in range(_poisson(self.rng, mean)):
                    self.at(begins + timedelta(minutes=self.rng.uniform(0, 60)), lambda code=code: self.arrive(code))

    def _capacity_share(self, code: str) -> float:
        """Counter-equivalents for a service: a counter serving n services gives each 1/n of itself."""
        return sum(1 / len(c.services) for c in self.hall.counters_for_service(code))

    def _arrival_time(self, start: datetime, end: datetime) -> datetime:
        minutes = (end - start).total_seconds() / 60
        while True:  # rejection sampling against the hourly profile; the top weight bounds it
            moment = start + timedelta(minutes=self.rng.uniform(0, minutes))
            weight = HOURLY_PROFILE.get(moment.astimezone(self.hall.timezone).hour, 0.5)
            if self.rng.uniform(0, max(HOURLY_PROFILE.values())) < weight:
                return moment

    def arrive(self, code: str) -> None:
        priority = self.rng.choice(PRIORITY_CATEGORIES) if self.rng.random() < self.scenario.priority_share else None
        ticket = self.engine.issue(code, priority)
        self.outcomes[ticket["id"]] = Outcome(code, self.clock.now, ticket["eta_minutes"], ticket["eta_range"], self._baseline(ticket))
        if self.rng.random() < self.scenario.impatient_share:
            self.later(self.rng.expovariate(1 / 45), lambda: self._give_up(ticket["id"]))
        self._wake(code)

    def _wake(self, code: str) -> None:
        """Idle officers who serve this service notice the new ticket on their console."""
        for counter in sorted(self.idle):
            if code in self.hall.counters[counter].services and self._on_duty(counter):
                self.idle.discard(counter)
                self.later(self.rng.uniform(0.05, 0.3), lambda counter=counter: self.counter_free(counter))

    def _baseline(self, ticket: dict) -> float | None:
        open_counters = sum(1 for c in self.hall.counters_for_service(ticket["service"]) if c.id not in self.paused)
        if not open_counters or ticket["waiting_ahead"] is None:
            return None
        mean = statistics.fmean(self.served_minutes) if self.served_minutes else self._configured_mean()
        return ticket["waiting_ahead"] * mean / open_counters

    def _configured_mean(self) -> float:
        return statistics.fmean(s.duration_minutes for s in self.hall.services.values())

    def _give_up(self, ticket_id: str) -> None:
        if self.outcomes[ticket_id].called is None:
            self.engine.cancel(ticket_id)

    # --- officers ---------------------------------------------------------------------------------
    def counter_free(self, counter: str) -> None:
        """The officer is ready for the next visitor: take a due break, or call the next number."""
        if self._take_break(counter):
            return
        if not self._on_duty(counter):
            self.engine.close_counter(counter)
            self.idle.add(counter)
            return
        ticket = self.engine.call_next(counter)
        if ticket is None:
            self.idle.add(counter)
            return
        outcome = self.outcomes[ticket["id"]]
        if outcome.called is None:
            outcome.called = self.clock.now
        called_at = self.clock.now
        if self.rng.random() < self.scenario.no_show_share:
            self.later(self.rng.uniform(1, 2), lambda: self.engine.recall(counter))
            self.later(self.rng.uniform(3, 4), lambda: self._leave(counter, called_at, self.engine.no_show))
            return
        self.current[counter] = ticket["service"]
        walk = self.rng.uniform(0.3, 1.2)
        service_minutes = self._service_minutes(ticket["service"])
        self.later(walk, lambda: self.engine.start(counter))
        self.later(walk + service_minutes, lambda: self._leave(counter, called_at, self._finish))

    def _service_minutes(self, code: str) -> float:
        mu = math.log(self.true_mean[code]) - self.sigma[code] ** 2 / 2
        return self.rng.lognormvariate(mu, self.sigma[code])

    def _finish(self, counter: str) -> None:
        """Most visitors are done; a few are sent on to another service (of the same agency if it has one)."""
        code = self.current.pop(counter)
        if self.rng.random() >= self.scenario.transfer_share or len(self.hall.services) < 2:
            self.engine.complete(counter)
            return
        agency = self.hall.services[code].agency
        others = [s for s in self.hall.services if s != code]
        siblings = [s for s in others if self.hall.services[s].agency == agency]
        target = self.rng.choice(siblings or others)
        self.engine.transfer(counter, target)
        self._wake(target)

    def _leave(self, counter: str, called_at: datetime, action: Callable[[str], dict]) -> None:
        action(counter)
        self.served_minutes.append((self.clock.now - called_at).total_seconds() / 60)
        self.later(self.rng.uniform(0.1, 0.6), lambda: self.counter_free(counter))

    # --- shifts and breaks ---------------------------------------------------------------------------
    def _on_duty(self, counter: str) -> bool:
        """Always, without a staffing plan; with one, in the local hours it gives the counter. An
        officer whose hour ends finishes the visitor at hand, then closes the counter."""
        if self.scenario.staffing is None:
            return True
        return self.clock.now.astimezone(self.hall.timezone).hour in self.scenario.staffing.get(counter, ())

    def _plan_shifts(self, day: date) -> None:
        """An officer looks up at the start of each staffed hour, and at the end of a shift (an idle
        officer then closes the counter, as one serving does after the visitor at hand)."""
        for counter, hours in self.scenario.staffing.items():
            for hour in sorted({*hours, *(h + 1 for h in hours if h + 1 not in hours and h < 23)}):
                self.at(datetime.combine(day, time(hour), self.hall.timezone), lambda counter=counter: self._wake_counter(counter))

    def _plan_breaks(self, day: date) -> None:
        """The hall's rota (``hall.breaks``) when it has one; without it, lunch in two shifts so half the hall
        keeps serving, and one counter in three also pauses for prayer."""
        for i, counter in enumerate(self.hall.counters):
            if self.hall.breaks:
                rota = sorted((b.start, b.minutes, b.reason) for b in self.hall.breaks if counter in b.counters)
                plan = [(datetime.combine(day, start, self.hall.timezone), minutes, reason) for start, minutes, reason in rota]
            else:
                lunch = datetime.combine(day, time(11, 45) if i % 2 == 0 else time(12, 45), self.hall.timezone)
                plan = [(lunch, LUNCH_MINUTES, "istirahat")]
                if i % 3 == 0:
                    plan.append((datetime.combine(day, time(15, 0), self.hall.timezone), PRAYER_MINUTES, "sholat"))
            self.breaks[counter] = plan
            for moment, _, _ in plan:
                self.at(moment, lambda counter=counter: self._wake_counter(counter))

    def _wake_counter(self, counter: str) -> None:
        """An idle officer looks up at a break's time or a shift's start."""
        if counter in self.idle:
            self.idle.discard(counter)
            self.counter_free(counter)

    def _take_break(self, counter: str) -> bool:
        plan = self.breaks.get(counter)
        if not plan or plan[0][0] > self.clock.now:
            return False
        _, minutes, reason = plan.pop(0)
        self.engine.pause(counter, reason)
        self.paused.add(counter)
        self.later(minutes, lambda: self._resume(counter))
        return True

    def _resume(self, counter: str) -> None:
        self.engine.resume(counter)
        self.paused.discard(counter)
        self.counter_free(counter)


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson count; a normal approximation beyond small means (the stdlib has no Poisson)."""
    if mean < 30:
        limit, k, product = math.exp(-mean), 0, rng.random()
        while product > limit:
            k += 1
            product *= rng.random()
        return k
    return max(0, round(rng.gauss(mean, math.sqrt(mean))))


def simulate(hall: HallConfig, scenario: Scenario, into: Path | None = None) -> Result:
    """Play ``scenario.days`` working days on a fresh database (``into``, or a temporary file)."""
    if into is not None:
        return _simulate(hall, scenario, into)
    with tempfile.TemporaryDirectory(prefix="antre-simulate-") as folder:
        return _simulate(hall, scenario, Path(folder) / "antre.db")


def _simulate(hall: HallConfig, scenario: Scenario, database: Path) -> Result:
    rng = random.Random(scenario.seed)
    clock = ManualClock(datetime.combine(scenario.first_day, time(0, 0), hall.timezone))
    opened = open_hall(replace(hall, database=database), clock)
    try:
        day = HallDay(opened.engine, clock, hall, scenario, rng)
        for current in working_days(scenario.first_day, scenario.days):
            day.run(current)
    finally:
        opened.store.close()
    return summarise(list(day.outcomes.values()), hall, scenario.days, database)


def working_days(first: date, count: int) -> list[date]:
    """``count`` days from ``first``, skipping Saturdays and Sundays."""
    days, current = [], first
    while len(days) < count:
        if current.weekday() < 5:
            days.append(current)
        current += timedelta(days=1)
    return days


def summarise(outcomes: list[Outcome], hall: HallConfig, days: int, database: Path | None = None) -> Result:
    services = [_figures(code, [o for o in outcomes if o.service == code]) for code in hall.services]
    return Result([f for f in services if f.tickets], _figures("total", outcomes), days, database, outcomes)


def _figures(code: str, outcomes: list[Outcome]) -> ServiceFigures:
    called = [o for o in outcomes if o.wait is not None]
    waits = sorted(o.wait for o in called)
    judged = [o for o in called if o.estimate is not None and o.baseline is not None]
    return ServiceFigures(
        code=code,
        tickets=len(outcomes),
        called=len(called),
        mean_wait=statistics.fmean(waits) if waits else 0.0,
        p90_wait=waits[min(len(waits) - 1, math.ceil(0.9 * len(waits)) - 1)] if waits else 0.0,
        mae_estimate=statistics.fmean(abs(o.estimate - o.wait) for o in judged) if judged else 0.0,
        mae_baseline=statistics.fmean(abs(o.baseline - o.wait) for o in judged) if judged else 0.0,
        in_range=statistics.fmean(o.estimate_range[0] <= o.wait <= o.estimate_range[1] for o in judged) if judged else 0.0,
    )
