"""Test helpers: a small hall, a real ``antre run`` process on a free loopback port, waiting with deadlines."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
REAL_SIZE_HALL = ROOT / "examples" / "mpp-besar.yaml"  # 36 agencies, 300 services, 60 counters: every screen is tested on it
RENDER_DEADLINE = 15.0  # seconds an announcement may take to render (espeak-ng takes tens of milliseconds)
needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")

# Debian's Chromium, never a downloaded one; the flags keep it off the (closed) network.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

TEST_PASSWORD_HASH = "scrypt:128:8:1"
SMALL_HALL: dict[str, Any] = {
    "hall": {"name": "MPP Uji", "timezone": "Asia/Jakarta", "language": "id"},
    "database": "antre.db",
    "priority": {"max_consecutive": 3},
    "services": [
        {"code": "A", "name": "KTP Elektronik", "agency": "Disdukcapil", "duration_minutes": 6},
        {"code": "B", "name": "Kartu Keluarga", "agency": "Disdukcapil", "duration_minutes": 8},
        {"code": "C", "name": "Paspor", "agency": "Kantor Imigrasi", "duration_minutes": 12},
    ],
    "counters": [
        {"id": "1", "name": "Loket 1", "services": ["A", "B"]},
        {"id": "2", "name": "Loket 2", "services": ["A"]},
        {"id": "3", "name": "Loket 3", "services": ["C"]},
    ],
    "kiosks": [{"id": "k1", "name": "Kiosk Lobi"}],
    # The cheapest scrypt the config accepts: a full-strength hash costs 0.1 s, and the tests make
    # hundreds. test_cli keeps one hall at the production default.
    "auth": {"password_hash": TEST_PASSWORD_HASH},
    # Most tests take tickets as a phone would; tests/test_issuing_access.py checks the shipped limits.
    "issuing": {"anonymous": True, "per_address_per_hour": 100000, "anonymous_per_day": 1000000},
}
# The small hall with booking from home: A books two sessions, B one with a shorter grace time; C
# takes no bookings. Tests book as one address: tests/test_booking.py checks the shipped limits.
BOOKABLE_HALL: dict[str, Any] = {
    **SMALL_HALL,
    "services": [
        {
            **SMALL_HALL["services"][0],
            "booking": {"sessions": [{"time": "08:00-10:00", "places": 5}, {"time": "10:00-12:00", "places": 5}]},
        },
        {**SMALL_HALL["services"][1], "booking": {"sessions": [{"time": "08:00-10:00", "places": 5}], "grace_minutes": 15}},
        SMALL_HALL["services"][2],
    ],
    "booking": {"per_address_per_hour": 100000},
}


def write_config(folder: Path, data: dict[str, Any] | None = None) -> Path:
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(data or SMALL_HALL, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(condition: Callable[[], Any], timeout: float = 10.0, interval: float = 0.02, message: str = "condition") -> Any:
    """Poll ``condition`` until it returns something truthy; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {message}")
        time.sleep(interval)


def antre(config: Path, *args: str, stdin: str = "", timeout: float = 60) -> subprocess.CompletedProcess:
    """Run the real ``antre`` command line."""
    return subprocess.run(
        [sys.executable, "-m", "antre.queue_server.cli", "--config", str(config), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )


def http(
    method: str, url: str, body: Any = None, token: str | None = None, timeout: float = 10, kiosk_key: str | None = None
) -> tuple[int, Any]:
    """A JSON request with the standard library; returns (status, parsed body or None)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if kiosk_key:
        request.add_header("Authorization", f"Kiosk {kiosk_key}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        raw = error.read()
        return error.code, json.loads(raw) if raw else None


def serving(url: str) -> bool:
    """Whether a hall server (or bench/_bare_server.py) at ``url`` answers yet."""
    try:
        return http("GET", f"{url}/api/v1/services", timeout=1)[0] == 200
    except OSError:
        return False


class ServerProcess:
    """``antre run`` in its own process group, on a fixed port so it can be restarted in place
    (``workers``: its ``--workers``; more than one needs ``live.message_queue`` in the config)."""

    def __init__(self, config: Path, port: int | None = None, log_path: Path | None = None, workers: int = 1):
        self.config = config
        self.workers = workers
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path or config.parent / f"server-{self.port}.log"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> ServerProcess:
        log = open(self.log_path, "ab")  # noqa: SIM115 - kept open for the child's lifetime
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "antre.queue_server.cli",
                "--config",
                str(self.config),
                "run",
                "--port",
                str(self.port),
                "--threads",
                "64",
                "--workers",
                str(self.workers),
            ],
            stdout=log,
            stderr=log,
            cwd=ROOT,
            start_new_session=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        wait_until(self._ready, timeout, 0.05, f"antre run on port {self.port} (log: {self.log_path})")
        return self

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"antre run exited with {self.process.returncode}: {self.log_path.read_text()[-2000:]}")
        return serving(self.url)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            self.process.wait(timeout=15)
        self.process = None

    def kill(self) -> None:
        self.stop(signal.SIGKILL)


def serve_in_thread(app: Any, threads: int = 16) -> tuple[str, Callable[[], None]]:
    """``app`` served as ``antre run`` serves a hall (uvicorn, the hall's ASGI app and connection limits)
    from a thread of the test process, on a free loopback port: for the tests that drive the app's
    clock or parts directly. Returns its URL and the function that stops it."""
    import uvicorn
    from antre.queue_server.connguard import ConnectionGuard
    from antre.queue_server.hall import hall_of
    from antre.queue_server.server import listen, uvicorn_config

    hall = hall_of(app)
    sock = listen("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn_config(app, threads, ConnectionGuard(hall.config.connections, hall.config.language)))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="test-server", daemon=True)
    thread.start()
    wait_until(lambda: server.started, 15, message="the hall served from a thread")

    def stop() -> None:
        hall.live.disconnect_all()  # as antre run does on SIGTERM: the displays' WebSockets never end by themselves
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()

    return f"http://127.0.0.1:{sock.getsockname()[1]}", stop


class RedisServer:
    """Debian's ``redis-server`` of a test's (or a benchmark's) own, on a loopback port: nothing saved
    to disk, its files in ``folder``. ``stop()`` and ``start()`` again on the same port give the live
    bus an outage and a recovery; ``pause()`` freezes it with its connections left open (the silent
    failure: a socket that stays up while nothing arrives on it)."""

    def __init__(self, folder: Path, port: int | None = None):
        self.folder = folder
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 10) -> RedisServer:
        self.folder.mkdir(parents=True, exist_ok=True)
        options = {"port": self.port, "bind": "127.0.0.1", "save": "", "appendonly": "no", "dir": self.folder, "logfile": "redis.log"}
        self.process = subprocess.Popen(
            ["redis-server", *(item for name, value in options.items() for item in (f"--{name}", str(value)))],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_until(self._ready, timeout, 0.02, f"redis-server on port {self.port} (log: {self.folder / 'redis.log'})")
        return self

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"redis-server exited with {self.process.returncode}: {self._log()[-2000:]}")
        return self.answers()

    def answers(self) -> bool:
        """Whether it answers a PING now (one plain RESP command: no client library needed)."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16) == b"+PONG\r\n"
        except OSError:
            return False

    def _log(self) -> str:
        path = self.folder / "redis.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def pause(self) -> None:
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # a paused server would never act on SIGTERM
            self.process.terminate()
            self.process.wait(timeout=15)
        self.process = None


def redis_server_or_skip() -> None:
    """Tests that need ``redis-server`` skip without it on a developer's machine, and fail under CI
    (``CI`` set), where a skipped test would hide that the package list lost it."""
    if shutil.which("redis-server") is None:
        message = "redis-server is not installed (Debian: apt-get install redis-server; `make test` installs it as root)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def launch_chromium(playwright: Any, *extra_args: str) -> Any:
    """Headless Chromium from the given Playwright, with the flags every test uses (plus ``extra_args``)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *extra_args])


def real_size_hall() -> dict[str, Any]:
    """The real-size example hall as shipped (30+ agencies, 300 services, 60 counters)."""
    return yaml.safe_load(REAL_SIZE_HALL.read_text(encoding="utf-8"))


def write_real_size_config(folder: Path) -> Path:
    """The real-size hall in ``folder``, open at any hour and taking anonymous tickets without a kiosk
    key, so that its screens can be tried at any time of day with every service on offer."""
    data = real_size_hall()
    data["hall"].pop("opening_hours", None)
    data.update(
        database="antre.db",
        kiosk_requires_open_counter=False,
        auth={"password_hash": TEST_PASSWORD_HASH},
        issuing=SMALL_HALL["issuing"],
    )
    return write_config(folder, data)


TV = {"width": 1920, "height": 1080}  # the lobby display's screen


@contextmanager
def tv_page(browser: Any, viewport: dict | None = None) -> Iterator[Any]:
    """A page of its own at the lobby's size (or ``viewport``); a script error on it fails the test."""
    context = browser.new_context(viewport=viewport or TV)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, errors


@contextmanager
def kiosk_page(browser: Any, url: str, viewport: dict, fake_clock: bool = False) -> Iterator[Any]:
    """The kiosk of the server at ``url`` on a page of its own, its first tiles shown (Playwright's
    clock installed first with ``fake_clock``, for the idle timers); a script error fails the test."""
    with tv_page(browser, viewport) as page:
        if fake_clock:
            page.clock.install()
        page.goto(f"{url}/kiosk")
        page.locator("#start-tiles .tile").first.wait_for()
        yield page


# The rules of the accessibility audit (tests/test_accessibility.py): WCAG 2.1 levels A and AA, and
# axe's best practices, which hold what WCAG leaves to judgement but a screen-reader user relies on
# (one level-one heading per page, every text in a landmark, headings in order, no zoom lock).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
SETTLED = "document.getAnimations().every((a) => a.effect?.getComputedTiming().iterations === Infinity)"


def axe_violations(page: Any, tags: list[str] | None = None) -> list[dict[str, Any]]:
    """The page's accessibility violations as axe-core finds them (shipped inside
    axe-playwright-python: nothing is downloaded), each with what a failing assert needs to say what
    to fix: the rule, its summary, how much it matters and the elements at fault."""
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": tags or AXE_TAGS}, "resultTypes": ["violations"]}
    # Contrast is measured on the colours shown: a page fading in or a tile changing colour would be
    # measured half-way. Wait until only endless animations (a ticker) still run.
    page.wait_for_function(SETTLED, timeout=10_000)
    results = Axe().run(page, options=options)
    return [
        {
            "rule": violation["id"],
            "impact": violation["impact"],
            "summary": violation["help"],
            "targets": [" ".join(map(str, node["target"])) for node in violation["nodes"]],
            "detail": [node["failureSummary"] for node in violation["nodes"]][:3],
        }
        for violation in results.response["violations"]
    ]
