"""Engine and API throughput, measured side by side on one disk in one run.

    python bench/engine.py [--tickets 3000] [--history 100000] [--calls 1000] [--interval 0.05] [--clients 8]

Prints (a) the raw durable SQLite commit rate with Antre's pragmas, (b) tickets/s through the
engine, (c) tickets/s through HTTP on loopback against a real ``antre run``, (d) call-next latency
over HTTP with a large history in the database, (e) the server's resident memory.
Targets (README.md, The engine and the API): b ≥ 80 % of a, c ≥ 50 % of a, call-next p99 < 10 ms, RSS < 150 MB.

Beside (b), (c) and (d) it prints the limits this machine sets them: (b) with the disk taken out
(the same engine on a RAM disk, where a commit waits for nothing); (c) for a Flask endpoint that
does nothing, served as ``antre run`` serves (bench/_bare_server.py); (d) the latency of a bare
durable commit, paced the same way, measured right after it.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlite_utils

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from antre.queue_server.config import load_config  # noqa: E402
from antre.queue_server.hall import open_hall  # noqa: E402
from antre.queue_server.store import BUSY_TIMEOUT_MS  # noqa: E402

from tests.support import SMALL_HALL, ServerProcess, antre, free_port, serving, wait_until, write_config  # noqa: E402

PASSWORD = "bench-password-1"
RAM_DISK = Path("/dev/shm")


def raw_commit_rate(folder: Path, n: int) -> float:
    """(a): the ceiling: one durable commit per row, same pragmas as the store."""
    conn = _raw_database(folder / "raw.db")
    started = time.perf_counter()
    for i in range(n):
        _raw_commit(conn, i)
    rate = n / (time.perf_counter() - started)
    conn.close()
    return rate


def raw_commit_latency(folder: Path, n: int, interval: float) -> list[float]:
    """(d)'s floor: the same bare commit, paced like the officer's presses; no call can be quicker than its commit."""
    conn = _raw_database(folder / "raw-paced.db")
    latencies = []
    for i in range(n):
        time.sleep(interval)
        started = time.perf_counter()
        _raw_commit(conn, i)
        latencies.append((time.perf_counter() - started) * 1000)
    conn.close()
    return latencies


def _raw_database(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", f"busy_timeout={BUSY_TIMEOUT_MS}"):
        conn.execute(f"PRAGMA {pragma}")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, number TEXT, at TEXT)")
    return conn


def _raw_commit(conn: sqlite3.Connection, i: int) -> None:
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO t (number, at) VALUES (?, ?)", (f"A{i:03d}", "2026-01-01T00:00:00"))
    conn.execute("COMMIT")


def engine_rate(folder: Path, n: int, threads: int) -> float:
    """(b): the same commits, but each one a full ticket issue through the engine, from ``threads`` callers."""
    config = load_config(write_config(_subfolder(folder, f"engine-{threads}")))
    hall = open_hall(config)
    services = list(config.services)
    per_thread = n // threads

    def caller(offset: int) -> None:
        for i in range(per_thread):
            hall.engine.issue(services[(i + offset) % len(services)])

    workers = [threading.Thread(target=caller, args=(k,)) for k in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    rate = per_thread * threads / (time.perf_counter() - started)
    hall.store.close()
    return rate


def engine_ceiling(n: int, threads: int) -> float | None:
    """(b) with no disk wait: the engine's own work is then all that limits it. None without a RAM disk."""
    if not RAM_DISK.is_dir():
        return None
    with tempfile.TemporaryDirectory(prefix="antre-bench-", dir=RAM_DISK) as scratch:
        return engine_rate(Path(scratch), n, threads)


def bare_http_rate(n: int, clients: int) -> float:
    """(c)'s ceiling: the same server and clients, with an endpoint that does nothing."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "_bare_server.py"), str(port)], stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        wait_until(lambda: serving(f"http://127.0.0.1:{port}"), 30, 0.05, "bench/_bare_server.py")
        return http_rate(port, n, clients)
    finally:
        server.terminate()
        server.wait(timeout=15)


class Client:
    """A keep-alive HTTP/1.1 connection; the bench must not measure connection set-up."""

    def __init__(self, port: int, token: str | None = None):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        self.headers = {"Content-Type": "application/json"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def post(self, path: str, body: dict | None = None) -> tuple[int, bytes]:
        self.conn.request("POST", path, body=json.dumps(body or {}), headers=self.headers)
        response = self.conn.getresponse()
        return response.status, response.read()


def http_rate(port: int, n: int, clients: int) -> float:
    """(c): tickets/s with several kiosks posting at once over keep-alive connections."""
    per_client = n // clients
    errors: list[str] = []

    def kiosk() -> None:
        client = Client(port)
        for _ in range(per_client):
            status, body = client.post("/api/v1/tickets", {"service": "C"})
            if status != 201:
                errors.append(f"{status} {body[:200]!r}")

    threads = [threading.Thread(target=kiosk) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise SystemExit(f"HTTP issue failed: {errors[0]}")
    return per_client * clients / elapsed


def fill_history(database: Path, tickets: int) -> None:
    """Past days of served tickets, written in bulk with sqlite-utils (the engine would take minutes)."""
    db = sqlite_utils.Database(database)
    start = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
    rng = random.Random(7)
    rows, events = [], []
    for i in range(tickets):
        day = start + timedelta(days=i // 2000)
        issued = day + timedelta(seconds=(i % 2000) * 12)
        service = "AB"[rng.random() < 0.4]
        ticket_id = f"h{i:09d}"
        rows.append(
            {
                "id": ticket_id,
                "day": day.date().isoformat(),
                "prefix": service,
                "seq": i % 2000 + 1,
                "number": f"{service}{i % 2000 + 1:03d}",
                "service": service,
                "status": "done",
                "priority": None,
                "lang": "id",
                "issued_at": issued.isoformat(timespec="microseconds"),
                "queue_at": issued.isoformat(timespec="microseconds"),
                "called_at": (issued + timedelta(minutes=9)).isoformat(timespec="microseconds"),
                "finished_at": (issued + timedelta(minutes=15)).isoformat(timespec="microseconds"),
                "counter_id": "1",
                "call_count": 1,
            }
        )
        for kind, minutes in (("issued", 0), ("called", 9), ("completed", 15)):
            at = (issued + timedelta(minutes=minutes)).isoformat(timespec="microseconds")
            events.append({"at": at, "kind": kind, "ticket_id": ticket_id, "counter_id": "1", "details": "{}"})
    db["tickets"].insert_all(rows, batch_size=5000)
    db["events"].insert_all(events, batch_size=5000)
    db.close()


def call_next_latency(port: int, token: str, calls: int, interval: float) -> list[float]:
    """(d): an officer pressing Next every ``interval`` seconds; each press completes the last ticket and calls one.

    Paced like a (very busy) hall rather than back to back: each call is also spoken, and presses
    with no pause would measure the speech process's queue rather than the answer an officer waits for.
    """
    kiosk, officer = Client(port), Client(port, token)
    for _ in range(calls):
        kiosk.post("/api/v1/tickets", {"service": "A"})
    latencies = []
    for _ in range(calls):
        time.sleep(interval)
        started = time.perf_counter()
        status, body = officer.post("/api/v1/counters/1/call-next")
        latencies.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise SystemExit(f"call-next answered {status}: {body[:200]!r}")
    return latencies


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def worker_pid(master: int) -> int:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return int(children[0]) if children else master


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def _subfolder(folder: Path, name: str) -> Path:
    path = folder / name
    path.mkdir()
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=3000, help="tickets per throughput measurement")
    parser.add_argument("--history", type=int, default=100_000, help="past tickets in the database for (d)")
    parser.add_argument("--calls", type=int, default=1000, help="call-next presses measured in (d)")
    parser.add_argument("--interval", type=float, default=0.05, help="seconds between call-next presses in (d)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent callers in (b) and HTTP clients in (c)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="antre-bench-") as scratch:
        folder = Path(scratch)
        raw = raw_commit_rate(folder, args.tickets)
        sequential = engine_rate(folder, args.tickets, 1)
        through_engine = engine_rate(folder, args.tickets, args.clients)
        engine_limit = engine_ceiling(args.tickets, args.clients)
        http_limit = bare_http_rate(args.tickets, args.clients)

        server_folder = _subfolder(folder, "server")
        config = write_config(server_folder, {**SMALL_HALL, "auth": {"token_hours": 24}})
        load_config(config)  # validate before filling
        antre(config, "init")
        fill_history(server_folder / "antre.db", args.history)
        antre(config, "officer", "add", "bench", "--role", "admin", stdin=PASSWORD + "\n")
        server = ServerProcess(config).start()
        try:
            through_http = http_rate(server.port, args.tickets, args.clients)
            login = Client(server.port).post("/api/v1/auth/login", {"username": "bench", "password": PASSWORD})
            token = json.loads(login[1])["token"]
            latencies = call_next_latency(server.port, token, args.calls, args.interval)
            worker = worker_pid(server.process.pid)
            rss_worker, rss_master = rss_mb(worker), rss_mb(server.process.pid)
        finally:
            server.stop()
        floor = raw_commit_latency(folder, args.calls, args.interval)

    print(f"machine: {os.cpu_count()} cores; databases under {tempfile.gettempdir()}")
    print(f"(a) raw SQLite durable commits     {raw:8.0f} /s")
    print(
        f"(b) tickets through the engine     {through_engine:8.0f} /s   {through_engine / raw:6.1%} of (a)   target >= 80 %  "
        f"({args.clients} threads; one thread alone: {sequential:.0f} /s)"
    )
    if engine_limit is not None:
        print(f"    ceiling: no disk wait (RAM disk) {engine_limit:8.0f} /s   {engine_limit / raw:6.1%} of (a)")
    print(
        f"(c) tickets through HTTP           {through_http:8.0f} /s   {through_http / raw:6.1%} of (a)   target >= 50 %  ({args.clients} clients)"
    )
    print(
        f"    ceiling: a bare Flask endpoint   {http_limit:8.0f} /s   {http_limit / raw:6.1%} of (a)   (bench/_bare_server.py, same server)"
    )
    print(
        f"(d) call-next over HTTP            p50 {statistics.median(latencies):.2f} ms   p99 {percentile(latencies, 99):.2f} ms   "
        f"max {max(latencies):.2f} ms   target p99 < 10 ms  ({args.history} tickets of history, a press every {args.interval:g} s)"
    )
    print(
        f"    floor: a bare commit, same pace p50 {statistics.median(floor):.2f} ms   p99 {percentile(floor, 99):.2f} ms   "
        f"max {max(floor):.2f} ms   (the disk's own tail: no call-next is quicker than its commit)"
    )
    print(f"(e) server RSS                     worker {rss_worker:.0f} MB, master {rss_master:.0f} MB   target < 150 MB")


if __name__ == "__main__":
    main()
