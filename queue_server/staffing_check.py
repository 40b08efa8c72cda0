"""The staffing advisor's answer and its check: the advised counters played through the hall-day simulator.

Why: Erlang C is a formula with assumptions (Poisson arrivals, exponential service, nobody leaving,
nobody pausing); the simulator drives the real engine with the hall's own call order. Given the same
inputs, the two should agree where the assumptions hold, and where they differ the hall sees by how
much before trusting the advice.

The simulated hall has, for every service, counters of its own (Erlang C's queue per service), as
many in each hour as advised; the officers of the last hour stay until everyone has been served, as
a hall's do. Arrivals per hour, the mean and spread of the service time and the no-show rate are
the advisor's; nobody gives up, nobody is transferred, nobody has priority, nobody pauses: what the
formula assumes, so that the comparison measures the formula's other assumptions (the service time's
shape, the walk to the counter, a day that starts empty), not a different day. The no-show rate is
one for the day (the simulator's), the mean of the services' weighted by their arrivals.

``staffing_answer`` puts the advice and the check together as the API gives them; under ``antre run``
it runs in the report process (queue_server/reports/worker.py), since a check plays thousands of
engine operations for seconds to a minute.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import time

from .config import Counter, HallConfig
from .reports import staffing
from .reports.staffing import HistoryReader, ServiceAdvice
from .simulate import Outcome, Scenario, simulate

DEFAULT_DAYS = 5
SHORTEST = 0.1  # minutes: a history of services done the moment they start still takes a lognormal's mean
MAX_DAYS = 30


def simulator_check(hall: HallConfig, advice: list[ServiceAdvice], days: int = DEFAULT_DAYS, seed: int = 1) -> dict[str, dict[int, float]]:
    """Per service and local hour of arrival, the simulated share of visitors called within the
    service's target wait, over ``days`` simulated days of the advised counters."""
    staffed = [a for a in advice if any(h.counters_needed for h in a.hours)]
    if not staffed:
        return {}
    counters, staffing = _counters(staffed)
    scenario = Scenario(
        seed=seed,
        days=days,
        hours=(time(min(h.hour for a in staffed for h in a.hours)), time(23, 59)),
        priority_share=0.0,
        no_show_share=_no_show_share(staffed),
        impatient_share=0.0,
        transfer_share=0.0,
        breaks=False,
        arrivals={a.inputs.service: {h.hour: h.arrivals for h in a.hours if h.arrivals > 0} for a in staffed},
        service_minutes={a.inputs.service: (max(a.inputs.service_minutes, SHORTEST), a.inputs.service_minutes_sd) for a in staffed},
        staffing=staffing,
    )
    result = simulate(replace(hall, counters=counters, breaks=()), scenario)
    targets = {a.inputs.service: a.inputs.target_wait_minutes for a in staffed}
    return _shares(result.outcomes, targets, hall)


def staffing_answer(
    reports: HistoryReader,
    hall: HallConfig,
    services: list[str],
    from_day: str,
    to_day: str,
    weekday: int,
    share: float,
    simulate_days: int | None,
) -> dict:
    """``GET /api/v1/reports/staffing``'s answer (docs/CONTRACT.md); the simulator check when
    ``simulate_days`` is given. Plain arguments: the server runs it in its report process."""
    advice, days = staffing.advice_from_history(reports, hall, services, from_day, to_day, weekday, share)
    simulated = simulator_check(hall, advice, simulate_days) if simulate_days else None
    return {
        "weekday": weekday,
        "share": share,
        "period": {"from": from_day, "to": to_day},
        "open_days": days,
        "hours": sorted({h.hour for a in advice for h in a.hours}),
        "services": [
            {**item, "name": hall.services[item["service"]].name, "agency": hall.services[item["service"]].agency}
            for item in staffing.advice_json(advice, simulated)
        ],
        "simulation": None if simulated is None else {"days": simulate_days, **staffing.agreement(advice, simulated)},
    }


def _counters(advice: list[ServiceAdvice]) -> tuple[dict[str, Counter], dict[str, tuple[int, ...]]]:
    """Each service's own counters, ``S-1``, ``S-2``, ...: counter i is staffed in the hours that
    need at least i; those staffed in the last hour stay on to the end of the day."""
    counters: dict[str, Counter] = {}
    staffing: dict[str, tuple[int, ...]] = {}
    for a in advice:
        last = max(h.hour for h in a.hours if h.counters_needed)
        for i in range(1, max(h.counters_needed for h in a.hours) + 1):
            counter_id = f"{a.inputs.service}-{i}"
            counters[counter_id] = Counter(counter_id, counter_id, (a.inputs.service,))
            hours = [h.hour for h in a.hours if h.counters_needed >= i]
            if last in hours:
                hours += range(last + 1, 24)
            staffing[counter_id] = tuple(hours)
    return counters, staffing


def _no_show_share(advice: list[ServiceAdvice]) -> float:
    weights = [(sum(h.arrivals for h in a.hours), a.inputs.no_show_rate) for a in advice]
    total = sum(w for w, _ in weights)
    return sum(w * rate for w, rate in weights) / total if total else 0.0


def _shares(outcomes: list[Outcome], targets: dict[str, float], hall: HallConfig) -> dict[str, dict[int, float]]:
    """A visitor never called (the day ended first) counts as not within the target."""
    counts: dict[str, dict[int, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for outcome in outcomes:
        cell = counts[outcome.service][outcome.issued.astimezone(hall.timezone).hour]
        cell[0] += outcome.wait is not None and outcome.wait <= targets[outcome.service]
        cell[1] += 1
    return {code: {hour: within / arrived for hour, (within, arrived) in sorted(hours.items())} for code, hours in counts.items()}
