"""Reports on a year of history, timed server side while a stream of call-nexts runs.

    python bench/reports.py [--config config.yaml] [--days 250] [--history data/bench-reports-250d.db] [--repeat 5]

The history is the demo hall played by the simulator (queue_server/simulate.py) for ``--days``
working days (about 180,000 tickets for 250 days of config.yaml), kept in ``--history`` so reruns
skip the fill; each run works on a copy. The bench first rebuilds the reports' tables from the whole
log (``antre reports rebuild``, timed), then, through the real app (``create_app``, Flask's test
client, an admin's Bearer token), times each request ``--repeat`` times: the month report
(``/api/v1/reports/detail``, the last full month of the history) and the year report (its last 365
days), for the hall and for one agency, and the month's XLSX export. Meanwhile one thread issues a
ticket and calls it with ``call_next`` (which completes the one before) in a loop, as an officer's
Next does, and the bench prints that call's p50/p99 latency while reports run, and without them.
Reports run in the report process, as under ``antre run``; ``--in-process`` computes them in the
server's own process instead, to see what that process spares the officers.
Targets (README.md, Reports and monitoring): month < 300 ms, year < 2 s, call-next p99 < 10 ms.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from antre.queue_server.app import create_app  # noqa: E402
from antre.queue_server.clock import system_clock  # noqa: E402
from antre.queue_server.config import load_config  # noqa: E402
from antre.queue_server.hall import hall_of  # noqa: E402
from antre.queue_server.reports.worker import ReportWorker  # noqa: E402
from antre.queue_server.simulate import Scenario, simulate  # noqa: E402

PASSWORD = "rahasia-bench-1"


def fill(config, days: int, history: Path) -> None:
    """Play the history once into ``history``. The simulator commits every operation durably, as the
    hall does; in RAM (/dev/shm, when the machine has it) those fsyncs cost nothing, which makes the
    fill about twice as fast on this machine's disk. The file is the same."""
    if history.exists():
        return
    print(f"filling {history}: {days} simulated working days (once; reruns reuse it)", flush=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="antre-fill-", dir="/dev/shm" if Path("/dev/shm").is_dir() else None) as folder:
        database = Path(folder) / "history.db"
        simulate(config, Scenario(days=days), database)
        history.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(database, history)
    print(f"  filled in {time.perf_counter() - started:.0f} s", flush=True)


class CallStream(threading.Thread):
    """An officer pressing Next as fast as the server answers: issue one ticket, then call it."""

    def __init__(self, engine, counter: str, service: str):
        super().__init__(daemon=True)
        self.engine, self.counter, self.service = engine, counter, service
        self.times: list[float] = []
        self.recording = False
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.engine.issue(self.service)
            started = time.perf_counter()
            self.engine.call_next(self.counter)
            if self.recording:
                self.times.append(time.perf_counter() - started)

    def take(self) -> list[float]:
        times, self.times = self.times, []
        return times


def pct(values: list[float], share: float) -> float:
    values = sorted(values)
    return values[max(0, int(len(values) * share + 0.999999) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", type=Path, default=ROOT / "config.yaml")
    parser.add_argument("--days", type=int, default=250)
    parser.add_argument("--history", type=Path, default=ROOT / "data" / "bench-reports-250d.db")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--in-process", action="store_true", help="compute reports in the server's process, not the report process")
    args = parser.parse_args()
    config = load_config(args.config)
    fill(config, args.days, args.history)
    with tempfile.TemporaryDirectory(prefix="antre-bench-reports-") as folder:
        database = Path(folder) / "antre.db"
        shutil.copyfile(args.history, database)
        run(replace(config, database=database), args.repeat, not args.in_process)


def run(config, repeat: int, worker: bool) -> None:
    app = create_app(config, system_clock)
    hall = hall_of(app)
    if worker:
        hall.report_worker = ReportWorker(config.database)  # as ``antre run`` does (queue_server/server.py)
        hall.report_worker.start()
    hall.summaries.start()
    with hall.store.read() as tx:
        tickets = tx.conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0]
        first, last = tx.conn.execute("SELECT MIN(day), MAX(day) FROM tickets").fetchone()
    started = time.perf_counter()
    events = hall.summaries.rebuild()
    print(f"history: {tickets} tickets, {events} events, days {first}..{last}")
    print(f"rebuild of the reports' tables from the whole log: {time.perf_counter() - started:.1f} s")
    hall.accounts.add("bench", PASSWORD, "admin")
    token = hall.accounts.login("bench", PASSWORD)[0]
    client = app.test_client()
    end = date.fromisoformat(last)
    month_last = end.replace(day=1) - timedelta(days=1)
    month = (month_last.replace(day=1).isoformat(), month_last.isoformat())
    year = ((end - timedelta(days=364)).isoformat(), end.isoformat())
    agency = next(iter(config.agencies))
    requests = [
        ("month, hall", f"detail?from={month[0]}&to={month[1]}"),
        (f"month, {agency}", f"detail?from={month[0]}&to={month[1]}&agency={agency}"),
        ("year, hall", f"detail?from={year[0]}&to={year[1]}"),
        (f"year, {agency}", f"detail?from={year[0]}&to={year[1]}&agency={agency}"),
        ("month XLSX, hall", f"detail.xlsx?from={month[0]}&to={month[1]}"),
    ]
    counter = next(iter(config.counters.values()))
    stream = CallStream(hall.engine, counter.id, counter.services[0])
    stream.start()
    stream.recording = True
    time.sleep(3)  # the stream alone, for the baseline
    alone = stream.take()
    print(f"\n{'request (server side, ' + str(repeat) + ' runs)':<40} {'median':>9} {'max':>9}")
    for name, path in requests:
        seconds = []
        for _ in range(repeat):
            began = time.perf_counter()
            response = client.get(f"/api/v1/reports/{path}", headers={"Authorization": f"Bearer {token}"})
            seconds.append(time.perf_counter() - began)
            assert response.status_code == 200, response.get_data(as_text=True)
        print(f"{name:<40} {statistics.median(seconds) * 1000:>7.0f} ms {max(seconds) * 1000:>6.0f} ms")
    during = stream.take()
    stream.stop.set()
    stream.join()
    print(f"\ncall_next latency   {'calls':>6} {'p50':>8} {'p99':>8} {'max':>8}")
    for name, times in (("stream alone", alone), ("during reports", during)):
        print(
            f"{name:<19} {len(times):>6} {pct(times, 0.5) * 1000:>5.1f} ms {pct(times, 0.99) * 1000:>5.1f} ms {max(times) * 1000:>5.1f} ms"
        )
    print(f"(reports {'in the report process' if worker else 'in-process'}; run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC)")
    hall.summaries.close()
    if worker:
        hall.report_worker.close()
    hall.presence.close()
    hall.announcer.close()
    hall.printing.stop()
    hall.store.close()


if __name__ == "__main__":
    main()
