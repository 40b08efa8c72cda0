"""Live channel under load: N Socket.IO clients on a real ``antre run``, an officer calling 200 numbers.

For each N (50, 200, 500) it prints the latency from the moment a call-next response arrives to the
moment each client receives its ``called`` message (p50/p99/max over all clients and calls), the
latency of taking a ticket (``POST /api/v1/tickets``, one every interval during the calls, in a service
no call reaches, as a kiosk or a phone would), the CPU time and RSS of the server's processes (all of
them: with ``--workers`` each worker's) during the calls, and, after restarting the server on the same
port, how long until every client has reconnected and received a fresh ``state``.

Why it is built this way: the clients share the machine with the server, so they must cost as little
as possible, or the figures measure them. They are ``socketio.AsyncClient`` on aiohttp, hundreds per
asyncio event loop (no thread per client), spread over a few processes (``--procs``, default 2) so that
one loop's backlog does not add to the latency of the clients behind it. All timestamps are
``time.monotonic()``, which on Linux is CLOCK_MONOTONIC, one clock for every process on the machine.
Calls are paced (default one every 0.25 s, some 30 times a busy hall's rate); ``--interval 0`` calls
back to back, which measures throughput, not latency.

``--phones P`` adds P visitors' phones, each following a waiting ticket (``ticket`` audience), in the
same client processes as the screens. The queue then starts with ``--waiting W`` (default 300)
tickets more than the calls take, and the phones follow those W (one phone per ticket, round again
when P > W), so every call moves every phone's place and each phone is sent a ``ticket`` message.
A phone's latency for a call runs from the call-next response to the first ``ticket`` message whose
``seq`` reaches the call's event; it is printed beside the screens' (call → ``called``).

``--connections C`` (one or more) holds C live clients at once, a tenth of them screens and the rest
phones following the ``--waiting`` tickets (the busiest step's mix: 100 screens, 1,000 phones), and
prints the same figures for each C; with it, the N screens are not run unless given too.

``--workers W`` serves the hall with ``antre run --workers W`` and, for W > 1, config
``live: {workers: W, message_queue: …}`` pointing at a redis-server the bench starts on a free loopback
port (tests/support.py ``RedisServer``), so that one worker versus two is the same run side by side.
Usage: ``python bench/live.py [--interval S] [--procs P] [--workers W] [--phones P] [--waiting W]
[--connections C ...] [N ...]``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from bisect import bisect_left
from collections.abc import Sequence
from pathlib import Path

import socketio

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support import SMALL_HALL, RedisServer, antre, free_port, http, serving, wait_until, write_config  # noqa: E402

CALLS = 200
INTERVAL = 0.25
PASSWORD = "rahasia-bench-1"
CONNECTING_AT_ONCE = 25  # per process: a hall's displays do not all connect in the same millisecond either
RESYNC_SECONDS = 120  # how long the restart figure waits for every client before it says how many made it
SCREEN_SHARE = 0.1  # of --connections: the busiest step has 100 screens for 1,000 phones
THREADS = 1200  # antre run --threads: gunicorn held each WebSocket on threads; the asyncio server sizes its Flask pool with it
HALL = {
    **SMALL_HALL,
    # counters 1-8 call A; 9 serves B, the service of the tickets taken during the calls, and never calls
    "counters": [{"id": str(n), "name": f"Loket {n}", "services": ["A"]} for n in range(1, 9)]
    + [{"id": "9", "name": "Loket 9", "services": ["B"]}],
    "connections": {"per_address": 0},  # every client comes from 127.0.0.1: the per-address cap would refuse all past 300
}


# --- the clients: one asyncio loop per process, driven by the parent over a pipe ---------------------
class Client:
    """One display, or with ``ticket`` a visitor's phone: records when each call (a display) or each
    ``ticket`` message's ``seq`` (a phone) arrives, and how many snapshots it got (a phone's first
    ``ticket`` message after each connect is its snapshot)."""

    def __init__(self, ticket: str | None = None) -> None:
        self.ticket = ticket
        self.arrivals: dict[int, float] = {}
        self.states = 0
        self._fresh = False
        self.sio = socketio.AsyncClient(reconnection_delay=0.5, reconnection_delay_max=8)
        self.sio.on("called", self._called)
        self.sio.on("state", self._state)
        self.sio.on("ticket", self._ticket)
        self.sio.on("connect", self._connected)

    async def _called(self, message: dict) -> None:
        self.arrivals[message["event_id"]] = time.monotonic()

    async def _state(self, _message: dict) -> None:
        self.states += 1

    async def _connected(self) -> None:
        self._fresh = True

    async def _ticket(self, message: dict) -> None:
        if self._fresh:  # the snapshot on (re)connecting, like a screen's ``state``: no call's message
            self._fresh = False
            self.states += 1
        else:
            self.arrivals.setdefault(message["seq"], time.monotonic())


async def _serve_parent(conn, url: str, followed: list[str | None]) -> None:
    clients = [Client(ticket) for ticket in followed]
    gate = asyncio.Semaphore(CONNECTING_AT_ONCE)

    async def connect(client: Client) -> None:
        async with gate:
            where = f"{url}/?ticket={client.ticket}" if client.ticket else url
            await client.sio.connect(where, transports=["websocket"], wait_timeout=60)

    loop = asyncio.get_running_loop()
    while True:
        command = await loop.run_in_executor(None, conn.recv)
        if command == "connect":
            await asyncio.gather(*(connect(c) for c in clients))
            conn.send(True)
        elif command == "counts":
            conn.send(([len(c.arrivals) for c in clients], [c.states for c in clients]))
        elif command == "arrivals":
            conn.send([c.arrivals for c in clients])
        elif command == "kinds":
            conn.send([c.ticket is not None for c in clients])
        elif command == "close":
            await asyncio.gather(*(c.sio.disconnect() for c in clients))
            conn.send(True)
            return


def _client_process(conn, url: str, followed: list[str | None]) -> None:
    logging.disable(logging.ERROR)  # a dropped connection is counted in the figures, not logged 500 times
    asyncio.run(_serve_parent(conn, url, followed))


class Fleet:
    """N screens and a phone per id of ``followed``, spread over P processes; the parent asks them for figures."""

    def __init__(self, url: str, n: int, procs: int, followed: Sequence[str] = ()):
        everyone = [None] * n + list(followed)  # None: a screen; an id: a phone following that ticket
        self.pipes, self.processes = [], []
        for share in filter(None, (everyone[i::procs] for i in range(procs))):
            parent, child = multiprocessing.Pipe()
            process = multiprocessing.Process(target=_client_process, args=(child, url, share), daemon=True)
            process.start()
            self.pipes.append(parent)
            self.processes.append(process)

    def ask(self, command: str) -> list:
        for pipe in self.pipes:
            pipe.send(command)
        return [pipe.recv() for pipe in self.pipes]

    def counts(self) -> tuple[list[int], list[int]]:
        arrivals, states = [], []
        for a, s in self.ask("counts"):
            arrivals += a
            states += s
        return arrivals, states

    def arrivals(self) -> tuple[list[dict[int, float]], list[dict[int, float]]]:
        """Each screen's arrival time per call (by event id), and each phone's per ``ticket`` ``seq``."""
        screens, phones = [], []
        for batch, kinds in zip(self.ask("arrivals"), self.ask("kinds"), strict=True):
            for arrivals, phone in zip(batch, kinds, strict=True):
                (phones if phone else screens).append(arrivals)
        return screens, phones

    def close(self) -> None:
        self.ask("close")
        for process in self.processes:
            process.join(timeout=10)


# --- the server ------------------------------------------------------------------------------------
class Server:
    """``antre run`` (with ``workers`` > 1: ``--workers``) in its own process group, restartable on its port."""

    def __init__(self, config: Path, port: int, workers: int = 1):
        self.config, self.port, self.workers = config, port, workers
        self.url = f"http://127.0.0.1:{port}"
        self.log = config.parent / "server.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [sys.executable, "-m", "antre.queue_server.cli", "--config", str(self.config), "run"]
        command += ["--port", str(self.port), "--threads", str(THREADS)]
        if self.workers > 1:
            command += ["--workers", str(self.workers)]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, start_new_session=True, stdout=log, stderr=log)
        wait_until(self._ready, 60, 0.05, f"the server (log: {self.log})")

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"antre run exited with {self.process.returncode}: {self.log.read_text()[-2000:]}")
        return serving(self.url)

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)

    def processes(self) -> list[int]:
        """Every process serving the hall: ``antre run`` and its children (gunicorn's worker, or the
        workers of ``--workers``, the report process), and theirs."""
        found, todo = [], [self.process.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            for task in Path(f"/proc/{pid}/task").glob("*"):
                todo += map(int, (task / "children").read_text().split())
        return found

    def usage(self) -> tuple[float, float]:
        """CPU seconds (user + system) and RSS in MB, summed over the server's processes."""
        return usage(self.processes())


def usage(pids: Sequence[int]) -> tuple[float, float]:
    """CPU seconds (user + system) and RSS in MB, summed over these processes."""
    cpu = rss = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:  # a process that ended since it was listed
            continue
        cpu += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        rss += int(fields[21]) * os.sysconf("SC_PAGE_SIZE") / 1e6
    return cpu, rss


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, every core (/proc/stat): the share of
    the cores the server and the clients left idle shows whether the machine, not the code, is the limit."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    ticks = os.sysconf("SC_CLK_TCK")
    return (sum(values) - idle) / ticks, sum(values) / ticks


class Issuing(threading.Thread):
    """Tickets taken while the officer calls, one every ``interval`` s, each timed from request to
    answer: what a visitor at the kiosk waits. Service B, which no bench counter serves, so the calls
    and the phones' places are not changed by them."""

    def __init__(self, url: str, interval: float):
        super().__init__(daemon=True)
        self.url, self.interval = url, max(interval, 0.05)
        self.latencies: list[float] = []
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(self.interval):
            started = time.monotonic()
            status, ticket = http("POST", f"{self.url}/api/v1/tickets", {"service": "B"})
            assert status == 201, ticket
            self.latencies.append((time.monotonic() - started) * 1000)

    def stop(self) -> list[float]:
        self._done.set()
        self.join()
        return self.latencies


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _wait_for_arrivals(fleet: Fleet, quiet: float = 5.0, limit: float = 120.0) -> None:
    """Until every client has every call, or nothing has arrived for ``quiet`` seconds (a client that
    lost its connection during the calls never gets the calls it missed: it resyncs through ``state``)."""
    deadline = time.monotonic() + limit
    last, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        arrivals = fleet.counts()[0]
        if min(arrivals) >= CALLS:
            return
        if sum(arrivals) != last:
            last, since = sum(arrivals), time.monotonic()
        elif time.monotonic() - since > quiet:
            return
        time.sleep(0.2)


def run(n: int, phones: int, args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="antre-bench-live-") as folder:
        redis = RedisServer(Path(folder) / "redis").start() if args.workers > 1 else None
        hall = {**HALL, "live": {"workers": args.workers, "message_queue": redis.url}} if redis else HALL
        config = write_config(Path(folder), hall)
        antre(config, "officer", "add", "admin", "--role", "admin", stdin=PASSWORD + "\n")
        server = Server(config, free_port(), args.workers)
        server.start()
        try:
            measure(server, n, args.interval, args.procs, phones, args.waiting if phones else 0)
        finally:
            server.stop()
            if redis:
                redis.stop()


def measure(server: Server, n: int, interval: float, procs: int, phones: int = 0, waiting: int = 0) -> None:
    token = http("POST", f"{server.url}/api/v1/auth/login", {"username": "admin", "password": PASSWORD})[1]["token"]
    queue = [http("POST", f"{server.url}/api/v1/tickets", {"service": "A"})[1]["id"] for _ in range(CALLS + waiting)]
    followed = [queue[CALLS + i % waiting] for i in range(phones)] if phones else []  # tickets no call reaches
    fleet = Fleet(server.url, n, procs, followed)
    started = time.monotonic()
    fleet.ask("connect")
    wait_until(lambda: all(fleet.counts()[1]), 300, 0.2, "a snapshot on every client")
    connect_seconds = time.monotonic() - started
    cpu_before, _ = server.usage()
    clients_before, _ = usage([p.pid for p in fleet.processes])
    busy_before, total_before = machine_busy()

    issuing = Issuing(server.url, interval)
    issuing.start()
    answered: list[float] = []
    for i in range(CALLS):
        time.sleep(interval)
        status, ticket = http("POST", f"{server.url}/api/v1/counters/{i % 8 + 1}/call-next", token=token)
        answered.append(time.monotonic())
        assert status == 200, ticket
    issued = issuing.stop()
    history = http("GET", f"{server.url}/api/v1/state")[1]
    _wait_for_arrivals(fleet)
    cpu_after, rss = server.usage()
    clients_after, _ = usage([p.pid for p in fleet.processes])
    busy_after, total_after = machine_busy()
    _, states = fleet.counts()

    screens, phone_arrivals = fleet.arrivals()
    calls = sorted(set().union(*screens))  # every call reached some screen: the i-th event id is the i-th call
    index = {event_id: i for i, event_id in enumerate(calls)}
    latencies = [(at - answered[index[e]]) * 1000 for arrivals in screens for e, at in arrivals.items()]
    missed = n * CALLS - len(latencies)
    print(
        f"N={n:4d}  connect {connect_seconds:5.1f} s  latency ms p50 {statistics.median(latencies):6.1f}  "
        f"p99 {percentile(latencies, 0.99):6.1f}  max {max(latencies):6.1f}  "
        f"server CPU {cpu_after - cpu_before:5.2f} s for {CALLS} calls  RSS {rss:6.1f} MB  (seq {history['seq']})\n"
        f"        issuing ms p50 {statistics.median(issued):6.1f}  p99 {percentile(issued, 0.99):6.1f}  max {max(issued):6.1f} "
        f"over {len(issued)} tickets taken during the calls\n"
        f"        missed {missed} of {n * CALLS} calls; {sum(s > 1 for s in states)} clients reconnected during the calls\n"
        f"        machine {100 * (busy_after - busy_before) / (total_after - total_before):3.0f} % busy over its {os.cpu_count()} cores "
        f"during the calls: server {cpu_after - cpu_before:5.1f} s, clients {clients_after - clients_before:5.1f} s of CPU",
        flush=True,
    )
    if phones:
        reached = [_phone_latencies(arrivals, calls, answered) for arrivals in phone_arrivals]
        phone_latencies = [ms for each in reached for ms in each]
        print(
            f"        phones {phones:4d} following {min(phones, waiting)} tickets ({waiting + CALLS} → {waiting} waiting): call → phone ms "
            f"p50 {statistics.median(phone_latencies):6.1f}  p99 {percentile(phone_latencies, 0.99):6.1f}  max {max(phone_latencies):6.1f}; "
            f"missed {phones * CALLS - len(phone_latencies)} of {phones * CALLS}",
            flush=True,
        )

    server.stop()
    before = fleet.counts()[1]
    restart = time.monotonic()
    server.start()
    up = time.monotonic() - restart
    try:
        wait_until(lambda: all(s > b for s, b in zip(fleet.counts()[1], before, strict=True)), RESYNC_SECONDS, 0.1, "every client resynced")
        resynced = f"all {n + phones} clients resynced {time.monotonic() - restart:5.1f} s after the restart began"
    except AssertionError:
        done = sum(s > b for s, b in zip(fleet.counts()[1], before, strict=True))
        resynced = f"{done} of {n + phones} clients resynced within {RESYNC_SECONDS} s (target: all within 10 s)"
    print(f"        restart: server up in {up:4.1f} s, {resynced}", flush=True)
    fleet.close()


def _phone_latencies(arrivals: dict[int, float], calls: list[int], answered: list[float]) -> list[float]:
    """Per call, from its answer to the phone's first ``ticket`` message that reflects it (``seq`` at or
    past the call's event: a message may reflect several calls when the emitter fell behind); calls
    no message reflects are left out, and counted as missed."""
    seqs = sorted(arrivals)
    latencies = []
    for event_id, at in zip(calls, answered, strict=False):  # a call no screen got shortens ``calls``
        i = bisect_left(seqs, event_id)
        if i < len(seqs):
            latencies.append((arrivals[seqs[i]] - at) * 1000)
    return latencies


def _raise_open_files_limit() -> None:
    """Thousands of connections need as many descriptors in the clients and the server (which inherit it)."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interval", type=float, default=INTERVAL, help="seconds between calls (0: back to back)")
    parser.add_argument("--procs", type=int, default=2, help="client processes (one asyncio loop each)")
    parser.add_argument("--workers", type=int, default=1, help="server processes (antre run --workers; > 1 starts a redis-server)")
    parser.add_argument("--phones", type=int, default=0, help="phones following waiting tickets, besides the screens")
    parser.add_argument("--waiting", type=int, default=300, help="tickets still waiting after the calls, which the phones follow")
    parser.add_argument(
        "--connections", type=int, nargs="+", default=[], help="live clients held at once, a tenth screens and the rest phones"
    )
    parser.add_argument("sizes", type=int, nargs="*", help="numbers of screens (default 50 200 500 unless --connections)")
    args = parser.parse_args()
    sizes = args.sizes or ([] if args.connections else [50, 200, 500])
    if args.phones and not all(sizes):
        parser.error("phones need at least one screen: the screens' calls say which event each call was")
    if args.workers > 1 and shutil.which("redis-server") is None:
        parser.error("--workers > 1 needs redis-server (Debian: apt-get install redis-server)")
    _raise_open_files_limit()
    print(
        f"live channel: {CALLS} calls {args.interval:g} s apart, clients in {args.procs} asyncio processes "
        f"on the same machine ({os.cpu_count()} cores), server: antre run with {args.workers} worker(s)",
        flush=True,
    )
    for n in sizes:
        run(n, args.phones, args)
    for connections in args.connections:
        screens = max(1, round(connections * SCREEN_SHARE))
        print(f"C={connections}: {screens} screens and {connections - screens} phones", flush=True)
        run(screens, connections - screens, args)


if __name__ == "__main__":
    main()
