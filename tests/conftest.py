"""Shared fixtures: every test gets its own hall, database file and (when asked) its own server."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from antre.printer.loopback import LoopbackPrinter
from antre.queue_server.app import create_app
from antre.queue_server.clock import ManualClock
from antre.queue_server.config import load_config
from antre.queue_server.hall import hall_of, open_hall
from antre.queue_server.issuing_access import new_kiosk_key

from tests.support import SMALL_HALL, RedisServer, ServerProcess, launch_chromium, redis_server_or_skip, write_config

OPENING = datetime(2026, 11, 25, 8, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
PASSWORD = "rahasia-petugas-1"
DESK = {"width": 1366, "height": 768}  # the desk PC of a console or the administration


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    return write_config(tmp_path, SMALL_HALL)


@pytest.fixture
def hall_config(config_path: Path):
    return load_config(config_path)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(OPENING)


@pytest.fixture
def hall(hall_config, clock):
    hall = open_hall(hall_config, clock)
    yield hall
    hall.store.close()


@pytest.fixture
def engine(hall):
    return hall.engine


@pytest.fixture
def app(hall_config, clock):
    app = create_app(hall_config, clock)
    app.config["TESTING"] = True
    yield app
    hall_of(app).presence.close()
    hall_of(app).announcer.close()
    hall_of(app).printing.stop()  # its worker must not read while the store closes
    hall_of(app).store.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def officers(app):
    """An admin, an officer of counters 1 and 2, and an officer of counter 3; returns their tokens."""
    accounts = hall_of(app).accounts
    accounts.add("admin", PASSWORD, "admin")
    accounts.add("siti", PASSWORD, "officer", ["1", "2"])
    accounts.add("budi", PASSWORD, "officer", ["3"])
    return {name: accounts.login(name, PASSWORD)[0] for name in ("admin", "siti", "budi")}


@pytest.fixture
def kiosk_k1(app) -> dict[str, str]:
    """The headers kiosk k1 sends: its device key, as ``antre kiosk-key k1`` makes it."""
    return {"Authorization": f"Kiosk {new_kiosk_key(hall_of(app).store, 'k1')}"}


@pytest.fixture
def printer():
    """A fake network printer on a loopback port, bound but off until the test calls ``start()``."""
    printer = LoopbackPrinter()
    printer.bind()
    yield printer
    printer.stop()


@pytest.fixture
def auth():
    def header(token: str) -> dict:
        return {"Authorization": f"Bearer {token}"}

    return header


LIVE_MODULES = ("tests.test_live", "tests.test_live_transport")  # their tests run against one and two workers


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """The live channel's tests, unchanged, against one ``antre run`` process and against two sharing
    the channel through Redis (each client and each request lands on either)."""
    if "server" in metafunc.fixturenames and metafunc.module.__name__ in LIVE_MODULES:
        metafunc.parametrize("server", [1, 2], indirect=True, ids=["one-worker", "two-workers"])


def start_server(config_path: Path, workers: int = 1, message_queue: str | None = None) -> ServerProcess:
    """A real ``antre run`` on a free loopback port, with officers admin, siti (1, 2) and budi (3).
    The accounts are made in-process, not with ``antre officer add`` (test_cli's subject): two
    command start-ups fewer per test. Several ``workers`` share the live channel through the Redis at
    ``message_queue``."""
    if message_queue:
        data = yaml.safe_load(config_path.read_text(encoding="utf-8"))
        data["live"] = {"workers": workers, "message_queue": message_queue}
        config_path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    hall = open_hall(load_config(config_path))
    try:
        hall.accounts.add("admin", PASSWORD, "admin")
        hall.accounts.add("siti", PASSWORD, "officer", ["1", "2"])
        hall.accounts.add("budi", PASSWORD, "officer", ["3"])
    finally:
        hall.store.close()
    return ServerProcess(config_path, workers=workers).start()


@pytest.fixture
def server(request: pytest.FixtureRequest, config_path: Path):
    """The small hall served by a real ``antre run`` of its own (see ``start_server``); with
    ``request.param`` workers (``pytest_generate_tests``), more than one sharing a Redis of the test's."""
    workers = getattr(request, "param", 1)
    redis = request.getfixturevalue("redis_server") if workers > 1 else None
    process = start_server(config_path, workers, redis.url if redis else None)
    yield process
    process.kill()  # nothing is checked after the test, and a graceful stop costs half a second per test


@pytest.fixture
def redis_server(tmp_path: Path):
    """A redis-server of the test's own on a free loopback port (skipped without the package, except under CI)."""
    redis_server_or_skip()
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()


@pytest.fixture
def new_page(browser):
    """Pages in fresh browser contexts (separate cookies, like separate PCs), by default at the desk
    PC's size; a script error on any of them fails the test, since a user would meet it."""
    contexts, errors = [], []

    def make(viewport: dict = DESK, **options):
        context = browser.new_context(viewport=viewport, **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, errors


@pytest.fixture(scope="session")
def playwright():
    """One Playwright for the whole run: its sync API allows only one at a time."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright):
    """One headless Chromium for every browser test; each test opens its own pages or contexts."""
    browser = launch_chromium(playwright)
    yield browser
    browser.close()
