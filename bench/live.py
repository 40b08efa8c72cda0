"""Live channel under load: N Socket.IO clients on a real ``antre run``, an officer calling 200 numbers.

For each N (50, 200, 500) it prints the latency from the moment a call-next response arrives to the
moment each client receives its ``called`` message (p50/p99/max over all clients and calls), the
server's CPU time and RSS, and, after restarting the server on the same port, how long until every
client has reconnected and received a fresh ``state``. Clients and server share this machine, so the
figures include the clients' own work. Calls are paced (default one every 0.25 s, some 30 times a
busy hall's rate); ``--interval 0`` calls back to back, which measures throughput, not latency.
Usage: ``python bench/live.py [--interval S] [N ...]``.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import socketio

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support import SMALL_HALL, antre, free_port, http, wait_until, write_config  # noqa: E402

CALLS = 200
INTERVAL = 0.25
PASSWORD = "rahasia-bench-1"
HALL = {**SMALL_HALL, "counters": [{"id": str(n), "name": f"Loket {n}", "services": ["A"]} for n in range(1, 9)]}


class Client:
    """One display: records when each call arrives and how many snapshots it got."""

    def __init__(self, url: str):
        self.arrivals: dict[int, float] = {}
        self.states = 0
        self.sio = socketio.Client(reconnection_delay=0.5, reconnection_delay_max=8)
        trigger = self.sio.eio._trigger_event  # handle messages in order, in the read thread (as a browser does)
        self.sio.eio._trigger_event = lambda event, *args, **kwargs: trigger(event, *args)
        self.sio.on("called", self._called)
        self.sio.on("state", self._state)
        self.url = url

    def _called(self, message: dict) -> None:
        self.arrivals[message["event_id"]] = time.perf_counter()

    def _state(self, _message: dict) -> None:
        self.states += 1

    def connect(self) -> None:
        self.sio.connect(self.url, transports=["websocket"], wait_timeout=30)


class Server:
    def __init__(self, config: Path, port: int):
        self.config, self.port = config, port
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "queue_server.cli", "--config", str(self.config), "run", "--port", str(self.port), "--threads", "1200"],
            cwd=ROOT,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self._ready, 60, 0.05, "the server")

    def _ready(self) -> bool:
        try:
            return http("GET", f"{self.url}/api/v1/services", timeout=1)[0] == 200
        except OSError:
            return False

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)

    def usage(self) -> tuple[float, float]:
        """CPU seconds (user + system) and RSS in MB of the server's processes (gunicorn master + worker)."""
        tick = os.sysconf("SC_CLK_TCK")
        cpu = rss = 0.0
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[2]) != self.process.pid:  # process group
                    continue
                cpu += (int(fields[11]) + int(fields[12])) / tick
                rss += int(fields[21]) * os.sysconf("SC_PAGE_SIZE") / 1e6
            except (OSError, IndexError, ValueError):
                continue
        return cpu, rss


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def run(n: int, interval: float) -> None:
    folder = Path(tempfile.mkdtemp(prefix="antre-bench-live-"))
    config = write_config(folder, HALL)
    antre(config, "officer", "add", "admin", "--role", "admin", stdin=PASSWORD + "\n")
    server = Server(config, free_port())
    server.start()
    try:
        measure(server, n, interval)
    finally:
        server.stop()


def measure(server: Server, n: int, interval: float) -> None:
    token = http("POST", f"{server.url}/api/v1/auth/login", {"username": "admin", "password": PASSWORD})[1]["token"]
    for _ in range(CALLS):
        http("POST", f"{server.url}/api/v1/tickets", {"service": "A"})
    clients = [Client(server.url) for _ in range(n)]
    started = time.perf_counter()
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda c: c.connect(), clients))
    wait_until(lambda: all(c.states for c in clients), 60, message="a state on every client")
    connect_seconds = time.perf_counter() - started
    cpu_before, _ = server.usage()

    answered: dict[int, float] = {}
    for i in range(CALLS):
        time.sleep(interval)
        status, ticket = http("POST", f"{server.url}/api/v1/counters/{i % 8 + 1}/call-next", token=token)
        at = time.perf_counter()
        assert status == 200, ticket
        answered[i] = at
    history = http("GET", f"{server.url}/api/v1/state")[1]
    wait_until(lambda: all(len(c.arrivals) >= CALLS for c in clients), 120, message="every call on every client")
    cpu_after, rss = server.usage()

    # event ids of the calls, in order: the n-th call is the n-th called event each client saw
    latencies = []
    for client in clients:
        for i, event_id in enumerate(sorted(client.arrivals)[:CALLS]):
            latencies.append((client.arrivals[event_id] - answered[i]) * 1000)
    print(
        f"N={n:4d}  connect {connect_seconds:5.1f} s  latency ms p50 {statistics.median(latencies):6.1f}  "
        f"p99 {percentile(latencies, 0.99):6.1f}  max {max(latencies):6.1f}  "
        f"server CPU {cpu_after - cpu_before:5.2f} s for {CALLS} calls  RSS {rss:6.1f} MB  (seq {history['seq']})"
    )

    server.stop()
    before = [c.states for c in clients]
    restart = time.perf_counter()
    server.start()
    up = time.perf_counter() - restart
    wait_until(lambda: all(c.states > b for c, b in zip(clients, before, strict=True)), 120, message="every client resynced")
    print(
        f"        restart: server up in {up:4.1f} s, all {n} clients resynced {time.perf_counter() - restart:5.1f} s after the restart began"
    )
    for client in clients:
        client.sio.disconnect()


def main() -> None:
    args = sys.argv[1:]
    interval = INTERVAL
    if args[:1] == ["--interval"]:
        interval, args = float(args[1]), args[2:]
    sizes = [int(a) for a in args] or [50, 200, 500]
    print(f"live channel: {CALLS} calls {interval:g} s apart, clients on the same machine ({os.cpu_count()} cores)")
    for n in sizes:
        run(n, interval)


if __name__ == "__main__":
    main()
