"""The live channel shared by two ``antre run`` worker processes through a real Redis (the bus).

A client's WebSocket and an officer's request each land on whichever worker accepted the
connection; a kept-alive HTTP connection stays with its worker, so ``Pinned`` makes the calls through
a chosen one, and ``/healthz`` (``worker``, ``checks.live.clients``) tells which worker holds a display.
What is checked: a display on one worker gets every call made through the other, in order and with
no gap; Redis stopped, or frozen with its connections open (the known failure of pub/sub: messages
silently stop while the sockets stay up), loses no call and is logged once; a killed worker's
displays reconnect and resync; phones on either worker show what ``GET /api/v1/tickets/{id}`` shows.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
from itertools import pairwise
from typing import Any

import pytest

from tests.conftest import PASSWORD, start_server
from tests.support import RedisServer, ServerProcess, wait_until
from tests.test_live import Follower

pytestmark = pytest.mark.slow

BUS_DOWN = "is unreachable"  # the bus's one warning per outage (queue_server/live_bus.py)


class Pinned:
    """An HTTP connection kept open to one worker process: the requests on it are all answered there."""

    def __init__(self, server: ServerProcess, want: Any = lambda pid: True):
        for _ in range(200):
            self.conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=15)
            self.pid = self.health()["worker"]["pid"]
            if want(self.pid):
                return
            self.conn.close()
        raise AssertionError("no worker to pin a connection to")

    def request(self, method: str, path: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.conn.request(method, path, json.dumps(body) if body is not None else None, headers)
        response = self.conn.getresponse()
        return response.status, json.loads(response.read() or b"null")

    def health(self) -> dict:
        return self.request("GET", "/healthz")[1]

    def clients(self) -> int:
        return self.health()["checks"]["live"]["clients"]

    def login(self) -> str:
        return self.request("POST", "/api/v1/auth/login", {"username": "admin", "password": PASSWORD})[1]["token"]

    def issue_and_call(self, token: str, service: str = "A", counter: str = "1") -> None:
        assert self.request("POST", "/api/v1/tickets", {"service": service})[0] == 201
        assert self.request("POST", f"/api/v1/counters/{counter}/call-next", token=token)[0] == 200

    def close(self) -> None:
        self.conn.close()


@pytest.fixture
def two(config_path, redis_server: RedisServer):
    process = start_server(config_path, 2, redis_server.url)
    yield process
    process.kill()


@pytest.fixture
def workers(two):
    """A connection pinned to each of the two workers."""
    first = Pinned(two)
    second = Pinned(two, lambda pid: pid != first.pid)
    yield first, second
    first.close()
    second.close()


def displays_on_both(two: ServerProcess, workers: tuple[Pinned, Pinned], most: int = 12) -> list[Follower]:
    """Displays connected until each worker holds at least one."""
    displays: list[Follower] = []
    for _ in range(most):
        displays.append(Follower(two.url).connect())
        wait_until(lambda: displays[-1].of("state"), 10, message="the display's snapshot")
        if all(worker.clients() for worker in workers):
            return displays
    raise AssertionError(f"{most} displays all landed on one worker")


def holder_and_other(display_count: int, workers: tuple[Pinned, Pinned]) -> tuple[Pinned, Pinned]:
    first, second = workers
    wait_until(lambda: first.clients() + second.clients() == display_count, 10, message="the display counted by its worker")
    return (first, second) if first.clients() else (second, first)


def caught_up(display: Follower, state: dict) -> bool:
    shown = {k: v for k, v in state.items() if k != "seq"}
    return display.last == state["seq"] and display.model == shown


def unbroken(display: Follower) -> bool:
    """Every message after the snapshot follows the one before it (its ``prev`` is that one's ``seq``)."""
    chain = [m for name, m in display.messages if name in ("called", "counter", "queue")]
    return all(later["prev"] == earlier["seq"] for earlier, later in pairwise(chain))


def test_a_display_on_one_worker_gets_every_call_made_through_the_other_in_order_without_gaps(two, workers):
    display = Follower(two.url).connect()
    try:
        wait_until(lambda: display.of("state"), 10, message="the display's snapshot")
        holder, other = holder_and_other(1, workers)
        token = other.login()
        for _ in range(5):
            other.issue_and_call(token)
        wait_until(lambda: len(display.of("called")) == 5, 10, message="five calls made through the other worker")
        assert [call["ticket"]["number"] for call in display.of("called")] == [f"A{n:03d}" for n in range(1, 6)]
        assert unbroken(display) and display.syncs == 0
        state = holder.request("GET", "/api/v1/state")[1]
        wait_until(lambda: caught_up(display, state), 10, message="the display showing what GET /state shows")
    finally:
        display.close()


@pytest.fixture
def displays(two, workers):
    """Displays on both workers."""
    shown = displays_on_both(two, workers)
    yield shown
    for display in shown:
        display.close()


def call_through(callers: tuple[Pinned, ...], token: str, displays: list[Follower], total: int, meanwhile: str) -> None:
    """A call through each of ``callers``; then every display has seen ``total`` calls."""
    for caller in callers:
        caller.issue_and_call(token)
    wait_until(lambda: all(len(d.of("called")) == total for d in displays), 15, message=f"every call on every display {meanwhile}")


def test_redis_stopped_and_started_during_calls_loses_no_call_and_is_logged_once(two, workers, displays, redis_server):
    first, second = workers
    token = first.login()
    call_through((first,), token, displays, 1, "before")
    redis_server.stop()
    call_through((second, first, second), token, displays, 4, "while Redis is away")
    redis_server.start()
    call_through((first, second), token, displays, 6, "after Redis is back")
    state = first.request("GET", "/api/v1/state")[1]
    wait_until(lambda: all(caught_up(d, state) for d in displays), 15, message="every display showing what GET /state shows")
    assert all(len(d.of("state")) == 1 for d in displays)  # never reloaded nor reconnected
    log = two.log_path.read_text()
    assert log.count(BUS_DOWN) <= 2 and BUS_DOWN in log, log[-3000:]  # once per worker that noticed, not per retry


def test_a_frozen_redis_does_not_silence_the_displays_while_their_pings_go_on(workers, displays, redis_server):
    """The pub/sub socket stays open and nothing arrives on it: the calls still reach every display."""
    first, second = workers
    token = first.login()
    redis_server.pause()
    try:
        call_through((first, second, first, second), token, displays, 4, "with Redis frozen")
        assert all(d.client.connected and len(d.of("state")) == 1 for d in displays)
    finally:
        redis_server.resume()


def test_a_killed_workers_displays_reconnect_to_a_worker_and_resync(two, workers):
    display = Follower(two.url).connect()
    try:
        wait_until(lambda: display.of("state"), 10, message="the display's snapshot")
        holder, other = holder_and_other(1, workers)
        os.kill(holder.pid, signal.SIGKILL)
        wait_until(lambda: len(display.of("state")) == 2, 20, message="a snapshot after reconnecting")
        token = other.login()
        other.issue_and_call(token)
        state = other.request("GET", "/api/v1/state")[1]
        wait_until(lambda: caught_up(display, state), 10, message="the display caught up after the kill")
    finally:
        display.close()


def place(view: dict | None) -> tuple | None:
    return (view["status"], view["waiting_ahead"]) if view else None


def test_phones_on_either_worker_show_the_place_get_ticket_gives_after_each_step(two, workers):
    first, second = workers
    token = first.login()
    tickets = [first.request("POST", "/api/v1/tickets", {"service": "A"})[1] for _ in range(8)]
    phones = {t["id"]: Follower(two.url, ticket=t["id"]).connect() for t in tickets}

    def shown() -> dict[str, tuple | None]:
        return {tid: place(phone.of("ticket")[-1]["ticket"] if phone.of("ticket") else None) for tid, phone in phones.items()}

    try:
        for caller in (first, second, first):
            assert caller.request("POST", "/api/v1/counters/1/call-next", token=token)[0] == 200
            expected = {tid: place(caller.request("GET", f"/api/v1/tickets/{tid}")[1]) for tid in phones}
            wait_until(lambda expected=expected: shown() == expected, 10, message="every phone showing its ticket's place")
    finally:
        for phone in phones.values():
            phone.close()
