"""A setup change reaching every open screen: 100 Socket.IO clients on a real ``antre run``.

Half the clients are lobby displays (the hall audience; on ``setup`` they read
``/display/facts.json``), half are kiosks (the ``kiosk`` audience, which is sent nothing but
``setup``; they read ``/kiosk/settings.json``), as the pages do. The bench then saves ``--changes``
setup changes (a counter renamed), one at a time, and prints, over every screen and change, the time
from the save to the screen having the ``setup`` message, and to it having its new facts:
p50/p95/p99/max. The target is p99 < 1 s.

How the change is saved (``--via``): ``api``, the admin REST API (``PATCH
/api/v1/admin/counters/{id}``, as the admin page saves it; the server publishes at its commit); or
``import``, the way ``antre config import`` saves it: ``Setup.change`` in another process on the same
database (this one), after which the running server finds the new setup within
``queue_server.setup.WATCH_SECONDS``. ``auto`` (the default) takes the API when the server has it.
The clock starts before the change is sent (or validated), so the figures include the commit.

All timestamps are ``time.monotonic()`` (CLOCK_MONOTONIC, one clock for every process on the
machine); the clients run in asyncio loops in ``--procs`` processes, so they cost the server little.
Usage: ``python bench/admin.py [--screens N] [--changes C] [--procs P] [--via auto|api|import]``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import socketio

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from antre.queue_server.config import load_config  # noqa: E402
from antre.queue_server.hall import open_hall  # noqa: E402
from antre.queue_server.setup import WATCH_SECONDS  # noqa: E402

from tests.support import SMALL_HALL, free_port, http, serving, wait_until, write_config  # noqa: E402

SCREENS = 100
CHANGES = 30
# Seconds between changes (after every screen has the previous one), drawn at random: a fixed pause
# would fall into step with the server's look every WATCH_SECONDS and measure one phase of it only.
PAUSE = (0.2, 1.5)
CONNECTING_AT_ONCE = 25
PASSWORD = "rahasia-bench-1"


# --- the screens: asyncio clients in child processes, driven over a pipe ---------------------------
class Screen:
    """One display or kiosk: on ``setup`` it reads its facts again, as the page does."""

    def __init__(self, url: str, kind: str, http: aiohttp.ClientSession):
        self.url, self.kind, self.http = url, kind, http
        self.facts_url = f"{url}/display/facts.json" if kind == "display" else f"{url}/kiosk/settings.json?id=k1"
        self.seen: dict[int, tuple[float, float]] = {}  # setup version → (message at, facts read at)
        self.sio = socketio.AsyncClient(reconnection_delay=0.5, reconnection_delay_max=8)
        self.sio.on("setup", self._setup)

    async def connect(self) -> None:
        auth = {"kiosk": "k1"} if self.kind == "kiosk" else None
        await self.sio.connect(self.url, transports=["websocket"], auth=auth, wait_timeout=60)

    async def _setup(self, message: dict) -> None:
        heard = time.monotonic()
        async with self.http.get(self.facts_url) as response:
            await response.read()
            assert response.status == 200, response.status
        self.seen[message["version"]] = (heard, time.monotonic())
        if self.kind == "display":
            await self.sio.emit("sync")  # as the page does once it has its facts: the server's load is a page's


async def _serve_parent(conn, url: str, kinds: list[str]) -> None:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=len(kinds))) as http:
        screens = [Screen(url, kind, http) for kind in kinds]
        gate = asyncio.Semaphore(CONNECTING_AT_ONCE)

        async def connect(screen: Screen) -> None:
            async with gate:
                await screen.connect()

        loop = asyncio.get_running_loop()
        while True:
            command = await loop.run_in_executor(None, conn.recv)
            if command == "connect":
                await asyncio.gather(*(connect(s) for s in screens))
                conn.send(True)
            elif isinstance(command, tuple):  # ("count", version)
                conn.send(sum(command[1] in s.seen for s in screens))
            elif command == "seen":
                conn.send([s.seen for s in screens])
            elif command == "close":
                await asyncio.gather(*(s.sio.disconnect() for s in screens))
                conn.send(True)
                return


def _client_process(conn, url: str, kinds: list[str]) -> None:
    logging.disable(logging.ERROR)
    asyncio.run(_serve_parent(conn, url, kinds))


class Fleet:
    def __init__(self, url: str, n: int, procs: int):
        kinds = ["display" if i % 2 == 0 else "kiosk" for i in range(n)]
        self.pipes = []
        for part in range(procs):
            parent, child = multiprocessing.Pipe()
            multiprocessing.Process(target=_client_process, args=(child, url, kinds[part::procs]), daemon=True).start()
            self.pipes.append(parent)

    def ask(self, command) -> list:
        for pipe in self.pipes:
            pipe.send(command)
        return [pipe.recv() for pipe in self.pipes]


# --- the server and the changes ----------------------------------------------------------------------
def start_server(config: Path, port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "antre.queue_server.cli", "--config", str(config), "run", "--port", str(port), "--threads", "400"],
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_until(lambda: serving(f"http://127.0.0.1:{port}"), 60, 0.05, "the server")
    return process


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def figures(name: str, seconds: list[float]) -> str:
    ms = [s * 1000 for s in seconds]
    return (
        f"{name:<36} p50 {percentile(ms, 0.5):6.0f}  p95 {percentile(ms, 0.95):6.0f}  "
        f"p99 {percentile(ms, 0.99):6.0f}  max {max(ms):6.0f} ms  (n={len(ms)})"
    )


class Saver:
    """Saves the n-th change through the admin API or as ``antre config import`` does."""

    def __init__(self, url: str, config: Path, via: str):
        self.url = url
        self.hall = open_hall(load_config(config))  # the other process `antre config import` would be
        self.token = http("POST", f"{url}/api/v1/auth/login", {"username": "admin", "password": PASSWORD})[1]["token"]
        if via == "auto":
            via = "api" if self._patch("Loket 2")[0] == 200 else "import"
        self.via = via

    def _patch(self, name: str) -> tuple[int, dict]:
        return http("PATCH", f"{self.url}/api/v1/admin/counters/2", {"name": name}, self.token)

    def save(self, n: int) -> int:
        """Save change ``n``; returns the setup version it makes."""
        if self.via == "api":
            status, body = self._patch(f"Loket Dua ({n})")
            assert status == 200, body
            return body["version"]
        self.hall.setup.change(_rename(n), officer_id=None, what=f"bench rename {n}", source="import")
        return self.hall.setup.version

    def describe(self) -> str:
        if self.via == "api":
            return "saved through the admin API (PATCH /api/v1/admin/counters/2)"
        return f"saved as `antre config import` saves (the server looks every {WATCH_SECONDS} s)"


def run(screens: int, changes: int, procs: int, via: str) -> None:
    with tempfile.TemporaryDirectory(prefix="antre-bench-admin-") as folder:
        config = write_config(Path(folder), {**SMALL_HALL, "kiosks": [{"id": "k1", "name": "Kiosk Lobi"}]})
        setup = open_hall(load_config(config))
        setup.accounts.add("admin", PASSWORD, "admin")
        setup.store.close()
        port = free_port()
        server = start_server(config, port)
        saver = Saver(f"http://127.0.0.1:{port}", config, via)
        hall = saver.hall
        try:
            fleet = Fleet(f"http://127.0.0.1:{port}", screens, procs)
            fleet.ask("connect")
            print(f"{screens} screens connected ({screens - screens // 2} displays, {screens // 2} kiosks);")
            print(f"{changes} changes, {saver.describe()}:")
            saved: dict[int, float] = {}
            pauses = random.Random(14)
            for n in range(changes):
                time.sleep(pauses.uniform(*PAUSE))
                started = time.monotonic()
                version = saver.save(n)
                saved[version] = started
                wait_until(lambda v=version: sum(fleet.ask(("count", v))) == screens, 30, 0.02, f"every screen at version {version}")
            heard, read, fetch = [], [], []
            for part in fleet.ask("seen"):
                for seen in part:
                    for version, (message_at, facts_at) in seen.items():
                        if version in saved:
                            heard.append(message_at - saved[version])
                            read.append(facts_at - saved[version])
                            fetch.append(facts_at - message_at)
            print(figures("saved → setup message", heard))
            print(figures("setup message → new facts read", fetch))
            print(figures("saved → new facts read (the figure)", read))
            print(f"target: p99 < 1000 ms — {'met' if percentile(read, 0.99) < 1.0 else 'NOT met'}")
            fleet.ask("close")
        finally:
            hall.store.close()
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


def _rename(n: int):
    def edit(document: dict) -> None:
        document["counters"][1]["name"] = f"Loket Dua ({n})"

    return edit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--screens", type=int, default=SCREENS)
    parser.add_argument("--changes", type=int, default=CHANGES)
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--via", choices=("auto", "api", "import"), default="auto")
    args = parser.parse_args()
    run(args.screens, args.changes, args.procs, args.via)


if __name__ == "__main__":
    main()
