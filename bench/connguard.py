"""What one abusive address does to a hall: ticket latency while it holds as many connections as it can.

    python bench/connguard.py [--slow 1100] [--sockets 1000] [--issues 50] [--per-address N] [--off]

Starts a real ``antre run`` with its production thread count (1000) on a throwaway hall. From
127.0.0.2 an attacker keeps ``--slow`` connections sending their headers a byte at a time and
``--sockets`` Socket.IO WebSockets joined to the hall and idle (answering pings), re-opening every
one the server closes or refuses, as the adversarial test did. Meanwhile an officer at 127.0.0.1
issues ``--issues`` tickets one after another; the figure is their latency and how many timed out
(10 s). ``--off`` turns the limits off (no cap, 300 s header and join timeouts): the hall as it was.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from antre.queue_server.config import load_config  # noqa: E402
from antre.queue_server.hall import open_hall  # noqa: E402
from wsproto import ConnectionType, WSConnection  # noqa: E402
from wsproto.events import AcceptConnection, Request, TextMessage  # noqa: E402

from tests.support import SMALL_HALL, free_port, http, serving, wait_until, write_config  # noqa: E402

ABUSER = "127.0.0.2"
PASSWORD = "rahasia-petugas-1"


class Attacker:
    """Keeps ``slow`` slow-header connections and ``sockets`` joined WebSockets open from one address."""

    def __init__(self, port: int, slow: int, sockets: int):
        self.port, self.slow, self.sockets = port, slow, sockets
        self.open_slow: list[socket.socket] = []
        self.open_ws: list[tuple[socket.socket, WSConnection]] = []
        self.opened = 0
        self.held = (0, 0)
        self.stop = threading.Event()

    def _connect(self) -> socket.socket | None:
        try:
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=2, source_address=(ABUSER, 0))
        except OSError:
            return None
        sock.setblocking(False)
        self.opened += 1
        return sock

    def run(self) -> None:
        while not self.stop.is_set():
            self.open_slow = [s for s in self.open_slow if self._alive(s, b"a")]
            slow_held = len(self.open_slow)  # survivors of the last half second
            while len(self.open_slow) < self.slow and (sock := self._connect()):
                with contextlib.suppress(OSError):
                    sock.send(b"GET /api/v1/services HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                self.open_slow.append(sock)
            self.open_ws = [(s, ws) for s, ws in self.open_ws if self._alive(s, None, ws)]
            self.held = (slow_held, len(self.open_ws))
            while len(self.open_ws) < self.sockets and (sock := self._connect()):
                ws = WSConnection(ConnectionType.CLIENT)
                with contextlib.suppress(OSError):
                    sock.send(ws.send(Request(host="x", target="/socket.io/?EIO=4&transport=websocket")))
                self.open_ws.append((sock, ws))
            self.stop.wait(0.5)
        for sock in self.open_slow + [s for s, _ in self.open_ws]:
            sock.close()

    @staticmethod
    def _alive(sock: socket.socket, dribble: bytes | None, ws: WSConnection | None = None) -> bool:
        """Read what came (answering Engine.IO pings), send the next byte; False once the server closed it."""
        try:
            data = sock.recv(65536)
            if not data or data.startswith(b"HTTP/1.1 429"):
                sock.close()
                return False
            if ws is not None:
                ws.receive_data(data)
                for event in ws.events():
                    if isinstance(event, AcceptConnection):
                        sock.send(ws.send(TextMessage(data="40")))  # join the hall, then stay idle
                    elif isinstance(event, TextMessage) and event.data == "2":
                        sock.send(ws.send(TextMessage(data="3")))
        except BlockingIOError:
            pass
        except OSError:
            sock.close()
            return False
        if dribble:
            with contextlib.suppress(OSError):
                sock.send(dribble)
        return True


def http_text(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.read().decode()
    except OSError as error:
        return f"antre_live_clients{{}} unknown: /metrics did not answer ({error})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slow", type=int, default=1100)
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--issues", type=int, default=50)
    parser.add_argument("--per-address", type=int, default=None)
    parser.add_argument("--off", action="store_true", help="no cap, 300 s header and join timeouts")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        data = copy.deepcopy(SMALL_HALL)
        if args.off:
            data["connections"] = {"per_address": 0, "header_timeout_seconds": 300, "join_timeout_seconds": 300}
        elif args.per_address is not None:
            data["connections"] = {"per_address": args.per_address}
        config = write_config(Path(folder), data)
        hall = open_hall(load_config(config))
        hall.accounts.add("admin", PASSWORD, "admin")
        hall.store.close()
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [sys.executable, "-m", "antre.queue_server.cli", "--config", str(config), "run", "--port", str(port)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=open(Path(folder) / "server.log", "wb"),  # noqa: SIM115 - closed with the folder
            start_new_session=True,
        )
        try:
            wait_until(lambda: serving(url), 60, 0.1, "antre run")
            measure(url, port, args)
        finally:
            os.killpg(server.pid, 15)
            server.wait(timeout=30)


def measure(url: str, port: int, args: argparse.Namespace) -> None:
    token = http("POST", f"{url}/api/v1/auth/login", {"username": "admin", "password": PASSWORD})[1]["token"]
    attacker = Attacker(port, args.slow, args.sockets)
    thread = threading.Thread(target=attacker.run, daemon=True)
    thread.start()
    time.sleep(5)  # let the attack reach its strength
    times, failures = [], 0
    for _ in range(args.issues):
        start = time.perf_counter()
        try:
            status, _ = http("POST", f"{url}/api/v1/tickets", {"service": "A"}, token=token, timeout=10)
        except OSError:
            status = None
        if status == 201:
            times.append((time.perf_counter() - start) * 1000)
        else:
            failures += 1
    held = attacker.held
    live = [line for line in http_text(f"{url}/metrics").splitlines() if line.startswith("antre_live_clients{")]
    print("server side:", ", ".join(live))
    attacker.stop.set()
    thread.join(timeout=30)
    mode = "limits off" if args.off else f"per_address {args.per_address if args.per_address is not None else 'default'}"
    print(
        f"{mode}: attacker wanted {args.slow} slow + {args.sockets} WebSockets, held {held[0]} slow + {held[1]} WebSockets open at the end, opened {attacker.opened} in all"
    )
    if times:
        times.sort()
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
        print(
            f"tickets issued meanwhile: {len(times)} of {args.issues}, median {statistics.median(times):.1f} ms, p99 {p99:.1f} ms, max {times[-1]:.1f} ms"
        )
    print(f"ticket requests failed or timed out (10 s): {failures}")


if __name__ == "__main__":
    main()
