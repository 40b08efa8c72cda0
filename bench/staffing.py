"""How the staffing advisor's Erlang C and the hall-day simulator agree on the demo history.

    python bench/staffing.py [--config config.yaml] [--history data/demo-40d.db] [--weekday 0] [--share 0.8] [--sim-days 5] [--exponential]

The history is the demo hall played by the simulator for 40 working days (``antre simulate --days 40
--into FILE``; made here into ``--history`` when the file is missing, a few minutes). The bench
works on a copy: it rebuilds the reports' tables from the log (``antre reports rebuild``), takes the
advice for ``--weekday`` over the whole history (queue_server/reports/staffing.py), plays the advised
counters through the simulator for ``--sim-days`` days (queue_server/staffing_check.py) and prints,
per service and hour: arrivals, counters needed and had, Erlang C's share within target with the
advised counters against the simulated one, and, for the counters the hall had, Erlang C's share
against the share the history really had; then the mean absolute differences. ``--exponential``
gives the simulator service times as spread as Erlang C assumes (standard deviation = mean) instead
of the history's, to tell the service time's shape from the other differences.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from antre.queue_server.config import load_config  # noqa: E402
from antre.queue_server.hall import open_hall  # noqa: E402
from antre.queue_server.reports.staffing import advice_from_history  # noqa: E402
from antre.queue_server.simulate import Scenario, simulate  # noqa: E402
from antre.queue_server.staffing_check import simulator_check  # noqa: E402

EVERYTHING = ("2000-01-01", "2999-12-31")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=ROOT / "config.yaml")
    parser.add_argument("--history", type=Path, default=ROOT / "data" / "demo-40d.db")
    parser.add_argument("--weekday", type=int, default=0, help="0 = Monday")
    parser.add_argument("--share", type=float, default=0.8)
    parser.add_argument("--sim-days", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--exponential", action="store_true", help="simulate service times with sd = mean")
    args = parser.parse_args()
    config = load_config(args.config)
    if not args.history.exists():
        print(f"making the history: 40 simulated days into {args.history}", flush=True)
        args.history.parent.mkdir(parents=True, exist_ok=True)
        simulate(config, Scenario(days=40), args.history)
    with tempfile.TemporaryDirectory(prefix="antre-bench-staffing-") as folder:
        copy = Path(folder) / "history.db"
        shutil.copy(args.history, copy)
        hall = open_hall(replace(config, database=copy))
        try:
            hall.summaries.rebuild()
            compare(hall, config, args)
        finally:
            hall.store.close()


def compare(hall, config, args) -> None:
    reports = hall.summaries.reports
    legs = reports.legs(*EVERYTHING)
    first, last = min(leg.day for leg in legs), max(leg.day for leg in legs)
    advice, days = advice_from_history(reports, config, list(config.services), first, last, args.weekday, args.share)
    played = (
        [replace(a, inputs=replace(a.inputs, service_minutes_sd=a.inputs.service_minutes)) for a in advice] if args.exponential else advice
    )
    simulated = simulator_check(config, played, args.sim_days, args.seed)
    history = _history_shares([leg for leg in legs if leg.weekday == args.weekday], config)
    spread = "sd = mean" if args.exponential else "the history's sd"
    print(
        f"{config.name}: history {first}..{last}, weekday {args.weekday}, {days} open days; share {args.share}; "
        f"simulator {args.sim_days} days, service times with {spread}"
    )
    head = f"{'svc':<4}{'hour':>5}{'arr/h':>7}{'need':>6}{'had':>6}{'C adv':>8}{'sim':>7}{'diff':>7}{'C had':>8}{'hist':>7}{'diff':>7}"
    print(head)
    print("-" * len(head))
    advised, had = [], []
    for a in advice:
        for h in a.hours:
            if not h.arrivals:
                continue
            sim = simulated.get(a.inputs.service, {}).get(h.hour)
            real = history.get((a.inputs.service, h.hour))
            if sim is not None:
                advised.append(sim - h.share_advised)
            if real is not None:
                had.append(real - h.share_had)
            print(
                f"{a.inputs.service:<4}{h.hour:>5}{h.arrivals:>7.1f}{h.counters_needed:>6}{h.counters_had:>6.1f}"
                f"{h.share_advised:>8.2f}{_cell(sim)}{_cell(sim, h.share_advised)}{h.share_had:>8.2f}{_cell(real)}{_cell(real, h.share_had)}"
            )
    print(f"simulator vs Erlang C, advised counters: {_differences(advised)}")
    print(f"history vs Erlang C, counters had: {_differences(had)}")


def _differences(values: list[float]) -> str:
    absolute = [abs(v) for v in values]
    return (
        f"mean |difference| {statistics.fmean(absolute):.3f}, mean difference {statistics.fmean(values):+.3f} over {len(values)} "
        f"service-hours ({sum(d <= 0.05 for d in absolute)} within 0.05, {sum(d <= 0.1 for d in absolute)} within 0.1, "
        f"{sum(v < -0.005 for v in values)} below Erlang C)"
    )


def _history_shares(legs, config) -> dict[tuple[str, int], float]:
    """The share of the called legs of each service-hour whose wait was within the target."""
    cells: dict[tuple[str, int], list[bool]] = {}
    for leg in legs:
        if leg.wait_seconds is not None:
            cells.setdefault((leg.service, leg.hour), []).append(leg.wait_seconds <= config.services[leg.service].target_wait_minutes * 60)
    return {key: statistics.fmean(values) for key, values in cells.items()}


def _cell(value: float | None, other: float | None = None) -> str:
    if value is None:
        return f"{'–':>7}"
    return f"{value:>7.2f}" if other is None else f"{value - other:>+7.2f}"


if __name__ == "__main__":
    main()
