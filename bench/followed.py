"""Followed tickets after a step, in-process: one ticket at a time against one pass for them all.

    python bench/followed.py [--steps 20] [N ...]

After each step the live channel's emitter recomputes the view (place and estimate) of every
followed ticket of the services the step touched, on the thread that also serves every display.
For each N (default 50, 150, 300) tickets waiting in one service with eight counters, one in ten a
priority ticket, eight visitors at the counters and half of the waiting tickets followed by a phone,
each step calls the next ticket and issues one (the queue stays at N), then times both ways of
computing the followed views: ``Engine.ticket`` per ticket (what the emitter did before) and one
``Engine.ticket_views`` (what it does now), and checks they give the same views. Prints the median
per step and per ticket. The clock is a manual one, so the two ways see the same moment.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from antre.queue_server.clock import ManualClock  # noqa: E402
from antre.queue_server.config import load_config  # noqa: E402
from antre.queue_server.hall import open_hall  # noqa: E402

from tests.support import SMALL_HALL, write_config  # noqa: E402

COUNTERS = 8
HALL = {**SMALL_HALL, "counters": [{"id": str(n), "name": f"Loket {n}", "services": ["A"]} for n in range(1, COUNTERS + 1)]}
OPENING = datetime(2026, 11, 25, 8, 0, tzinfo=ZoneInfo("Asia/Jakarta"))


def measure(waiting: int, steps: int) -> tuple[float, float, int]:
    """Median milliseconds per step one at a time and in one pass, and how many tickets were followed."""
    with tempfile.TemporaryDirectory(prefix="antre-bench-followed-") as folder:
        clock = ManualClock(OPENING)
        hall = open_hall(load_config(write_config(Path(folder), HALL)), clock)
        engine = hall.engine
        issued = 0

        def issue() -> None:
            nonlocal issued
            engine.issue("A", priority="lansia" if issued % 10 == 9 else None)
            issued += 1
            clock.advance(seconds=20)

        try:
            for _ in range(waiting + COUNTERS):
                issue()
            for counter in range(1, COUNTERS + 1):
                engine.call_next(str(counter))
            one_at_a_time, one_pass, followed = [], [], []
            for step in range(steps):
                engine.call_next(str(step % COUNTERS + 1))
                issue()
                clock.advance(seconds=10)
                followed = sorted(engine.waiting_views(["A"]))[::2]
                started = time.perf_counter()
                single = {ticket_id: engine.ticket(ticket_id) for ticket_id in followed}
                one_at_a_time.append(time.perf_counter() - started)
                started = time.perf_counter()
                batch = engine.ticket_views(followed)
                one_pass.append(time.perf_counter() - started)
                assert batch == single, "the pass must give exactly the views one at a time gives"
            return statistics.median(one_at_a_time) * 1000, statistics.median(one_pass) * 1000, len(followed)
        finally:
            hall.store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20, help="steps timed per size (the median is printed)")
    parser.add_argument("sizes", type=int, nargs="*", default=[50, 150, 300], help="tickets waiting")
    args = parser.parse_args()
    print(f"followed tickets after a step: {COUNTERS} counters, half the waiting tickets followed, median of {args.steps} steps")
    print(f"{'waiting':>8}{'followed':>10}{'one at a time':>16}{'per ticket':>12}{'one pass':>11}{'per ticket':>12}{'faster':>9}")
    for n in args.sizes:
        before, after, followed = measure(n, args.steps)
        print(
            f"{n:>8}{followed:>10}{before:>13.1f} ms{before / followed:>9.2f} ms{after:>8.1f} ms{after / followed:>9.3f} ms{before / after:>8.0f}×",
            flush=True,
        )


if __name__ == "__main__":
    main()
