"""Phones following their tickets over the live channel: after every step each phone shows what the
visitor's page shows.

Fifteen phones, each a real Socket.IO client, follow tickets of three services that share counters;
after each step (issue, call, transfer, cancel, pause, resume) every phone's latest ``ticket`` message
must equal ``GET /api/v1/tickets/{id}``. The server runs in this process on a loopback port with the
tests' manual clock: with time standing still, an estimate cannot drift between the step and the
page's read (with the real clock a busy counter's estimate moves every few seconds, and a phone is
sent nothing for that), so any difference is a wrong message.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import socketio

from tests.support import http, serve_in_thread, wait_until
from tests.test_live import in_order

pytestmark = pytest.mark.slow

# Counter 1 serves A and B, counter 2 A alone, counter 3 C (tests/support.py's small hall).
FOLLOWED = ["A", "B", "C", "A", "B", "C", "A", "A", "B", "C", "A", "B", "C", "B", "C"]
PRIORITY = {3: "lansia", 8: "disabilitas", 11: "ibu_hamil"}  # which of them are priority tickets


class Phone:
    """A visitor's phone on their ticket's page: keeps the latest ``ticket`` message (they are whole
    snapshots; the newest ``seq`` wins)."""

    def __init__(self, url: str, ticket_id: str):
        self.ticket_id = ticket_id
        self.messages: list[dict] = []
        self.lock = threading.Lock()
        self.client = in_order(socketio.Client())
        self.client.on("ticket", self._ticket)
        self.client.connect(f"{url}/?ticket={ticket_id}", transports=["websocket"], wait_timeout=10)

    def _ticket(self, message: dict) -> None:
        with self.lock:
            self.messages.append(message)

    def shown(self) -> dict | None:
        with self.lock:
            return max(self.messages, key=lambda m: m["seq"])["ticket"] if self.messages else None


@pytest.fixture
def hall_server(app, officers):
    """The app served from a thread of this process (the tests' manual clock), and an admin's token."""
    url, stop = serve_in_thread(app)
    yield url, officers["admin"]
    stop()


def page_view(url: str, ticket_id: str) -> dict:
    """The ticket as its page reads it, less what a ``ticket`` message leaves out: its own link and the printing status."""
    status, body = http("GET", f"{url}/api/v1/tickets/{ticket_id}")
    assert status == 200, body
    return {k: v for k, v in body.items() if k not in ("track_url", "print")}


def every_phone_shows_its_page(url: str, phones: list[Phone], step: str) -> None:
    def agree() -> bool:
        return all(phone.shown() == page_view(url, phone.ticket_id) for phone in phones)

    wait_until(agree, 15, 0.05, f"every phone showing its ticket's page after {step}")


def post(url: str, path: str, token: str, body: Any = None) -> Any:
    status, answer = http("POST", f"{url}/api/v1{path}", body, token)
    assert status in (200, 201), (path, answer)
    return answer


def test_after_each_step_every_phone_shows_what_its_ticket_page_shows(hall_server, clock):
    url, admin = hall_server
    tickets = []
    for i, service in enumerate(FOLLOWED):
        tickets.append(post(url, "/tickets", admin, {"service": service, "priority": PRIORITY.get(i)}))
        clock.advance(seconds=30)
    phones = [Phone(url, ticket["id"]) for ticket in tickets]
    try:
        every_phone_shows_its_page(url, phones, "connecting")
        post(url, "/counters/1/open", admin)
        post(url, "/counters/2/open", admin)
        every_phone_shows_its_page(url, phones, "two counters opening")

        post(url, "/tickets", admin, {"service": "A"})
        every_phone_shows_its_page(url, phones, "a ticket issued behind them")
        called = post(url, "/counters/1/call-next", admin)
        every_phone_shows_its_page(url, phones, f"counter 1 calling {called['number']}")
        post(url, "/counters/3/call-next", admin)
        every_phone_shows_its_page(url, phones, "counter 3 calling")
        post(url, "/counters/1/transfer", admin, {"service": "C"})
        every_phone_shows_its_page(url, phones, f"{called['number']} sent on to C, keeping its place by queue time")
        leaving = next(ticket for ticket in tickets[4:] if ticket["service"] == "A")
        post(url, f"/tickets/{leaving['id']}/cancel", admin)
        every_phone_shows_its_page(url, phones, f"{leaving['number']} giving up its place")
        post(url, "/counters/2/pause", admin, {"reason": "sholat"})
        every_phone_shows_its_page(url, phones, "counter 2 pausing")
        post(url, "/counters/2/resume", admin)
        every_phone_shows_its_page(url, phones, "counter 2 back")
    finally:
        with ThreadPoolExecutor(len(phones)) as closing:  # each waits some 3 s for werkzeug's side to close
            list(closing.map(lambda phone: phone.client.disconnect(), phones))

    cancelled = next(phone for phone in phones if phone.ticket_id == leaving["id"])
    assert cancelled.shown()["status"] == "cancelled" and cancelled.messages[-1]["events"] == ["cancelled"]
    moved = [phone for phone in phones if len({m["ticket"]["waiting_ahead"] for m in phone.messages}) > 1]
    assert len(moved) >= 10, "most phones saw their place move"
