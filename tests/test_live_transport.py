"""The live channel's connections on the asyncio loop (queue_server/live.py, live_loop.py, asgi.py).

What is checked: a client that stops reading holds up nobody else, and when it reads again it gets
every message, intact and in order; one that falls too far behind is disconnected and the others go
on; a client that starts with long polling and upgrades gets what was queued before the upgrade first.
"""

from __future__ import annotations

import contextlib
import json
import socket
import time

import pytest
import socketio
from antre.queue_server import live
from antre.queue_server.app import create_app
from antre.queue_server.config import load_config
from antre.queue_server.hall import hall_of
from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, Request, TextMessage

from tests.conftest import PASSWORD
from tests.support import http, serve_in_thread, wait_until, write_real_size_config

pytestmark = pytest.mark.slow

FOLLOWS = 150  # each answered by an ack and a ``state`` snapshot: far more than a small send buffer holds


class RawClient:
    """A Socket.IO client on a bare socket with a tiny receive window, so it can stop reading."""

    def __init__(self, port: int):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.settimeout(10)
        self.sock.connect(("127.0.0.1", port))
        self.ws = WSConnection(ConnectionType.CLIENT)
        self.sock.sendall(self.ws.send(Request(host="127.0.0.1", target="/socket.io/?EIO=4&transport=websocket")))
        self.texts: list[str] = []
        self._partial = ""
        self.received = 0
        self._read_until(lambda: self.accepted)

    accepted = False

    def send(self, text: str) -> None:
        self.sock.sendall(self.ws.send(TextMessage(data=text)))

    def read_until(self, condition, message: str) -> None:
        self._read_until(condition, message)

    def _read_until(self, condition, message: str = "the handshake") -> None:
        deadline = time.monotonic() + 20
        while not condition():
            assert time.monotonic() < deadline, f"timed out waiting for {message}"
            data = self.sock.recv(65536)
            assert data, f"the server closed the connection while waiting for {message}"
            self.received += len(data)
            self.ws.receive_data(data)
            for event in self.ws.events():
                if isinstance(event, AcceptConnection):
                    self.accepted = True
                elif isinstance(event, TextMessage):
                    self._partial += event.data  # a message larger than one read comes in pieces
                    if event.message_finished:
                        self.texts.append(self._partial)
                        self._partial = ""

    def events(self) -> list[tuple[str, object]]:
        """Socket.IO events (``42[...]``) and acks (``43N[...]``) in the order they came."""
        found: list[tuple[str, object]] = []
        for text in self.texts:
            if text.startswith("42"):
                name, *args = json.loads(text[2:])
                found.append((name, args[0] if args else None))
            elif text.startswith("43"):
                ack_id = int(text[2 : text.index("[")])
                found.append(("ack", ack_id))
        return found

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def admin(server) -> str:
    return http("POST", f"{server.url}/api/v1/auth/login", {"username": "admin", "password": PASSWORD})[1]["token"]


@pytest.fixture
def in_process(app, officers):
    """The app served by uvicorn in this process, so a test can change the live channel's limits (an
    ``antre run`` is another process); the serving is the same."""
    url, stop = serve_in_thread(app)
    yield url, officers["admin"], hall_of(app).live
    stop()


@pytest.fixture
def real_size_in_process(tmp_path, monkeypatch):
    """The real-size hall (60 counters: a ``state`` of some 20 kB) served in this process, with a
    limit of 50 packets behind: a client that stops reading passes it once the kernel's and the
    WebSocket's buffers are full, after a few megabytes."""
    monkeypatch.setattr(live, "MAX_QUEUED", 50)
    app = create_app(load_config(write_real_size_config(tmp_path)))
    hall_of(app).accounts.add("admin", PASSWORD, "admin")
    url, stop = serve_in_thread(app)
    yield url, hall_of(app).live
    stop()
    hall_of(app).store.close()


def stalled_client(url: str) -> RawClient:
    """A client that has its first ``state`` and then stops reading."""
    slow = RawClient(int(url.rsplit(":", 1)[1]))
    slow.read_until(lambda: any(t.startswith("0{") for t in slow.texts), "the Engine.IO open packet")
    slow.send("40")
    slow.read_until(lambda: any(name == "state" for name, _ in slow.events()), "the first state")
    return slow


def ask_for_snapshots(slow: RawClient, until_closed: bool = False) -> None:
    for ack_id in range(1, FOLLOWS + 1):
        try:
            slow.send(f"42{ack_id}" + json.dumps(["follow", {}]))
        except ConnectionError:
            if until_closed:
                return
            raise
        time.sleep(0.005)  # spread over the emitter's steps, so each follow gets its own snapshot


def call_one(url: str, token: str, service: str = "A", counter: str = "1") -> list[dict]:
    """Issue a ticket and call it, with a client that reads; returns the ``called`` messages it got."""
    fast = socketio.Client()
    calls: list[dict] = []
    fast.on("called", calls.append)
    fast.connect(url, transports=["websocket"], wait_timeout=10)
    try:
        assert http("POST", f"{url}/api/v1/tickets", {"service": service})[0] == 201
        assert http("POST", f"{url}/api/v1/counters/{counter}/call-next", token=token)[0] == 200
        wait_until(lambda: calls, 10, message="called at the client that reads")
    finally:
        fast.disconnect()
    return calls


def test_a_client_that_stops_reading_holds_up_nobody_and_then_gets_everything_in_order(server, admin):
    slow = stalled_client(server.url)
    ask_for_snapshots(slow)

    call_one(server.url, admin)

    slow.read_until(lambda: sum(name == "ack" for name, _ in slow.events()) == FOLLOWS, "every acknowledgement")
    slow.read_until(lambda: any(name == "called" for name, _ in slow.events()), "the call at the slow client")
    events = slow.events()
    assert sorted(ack for name, ack in events if name == "ack") == list(range(1, FOLLOWS + 1))
    seqs = [body["seq"] for name, body in events if name in ("state", "called", "queue", "counter")]
    assert seqs == sorted(seqs)
    assert sum(name == "state" for name, _ in events) > FOLLOWS // 10
    slow.close()


def test_a_client_too_far_behind_is_disconnected_and_the_others_go_on(real_size_in_process):
    """Disconnected by the server: it forgets the client and what was queued for it, and drops its
    connection (a close would wait for ever to flush to a client that does not read)."""
    url, channel = real_size_in_process
    slow = stalled_client(url)
    wait_until(lambda: channel.clients()["hall"] == 1, 10, message="the stalled client counted")
    for ack_id in range(1, 2001):  # each follow is answered by a snapshot (some 20 kB): 40 MB at most
        if channel.clients()["hall"] == 0:
            break
        with contextlib.suppress(ConnectionError):
            slow.send(f"42{ack_id}" + json.dumps(["follow", {}]))
        time.sleep(0.005)  # spread over the emitter's steps, so each follow gets its own snapshot
    wait_until(lambda: channel.clients()["hall"] == 0 and not channel.sio.eio.sockets, 10, message="the stalled client dropped")

    token = http("POST", f"{url}/api/v1/auth/login", {"username": "admin", "password": PASSWORD})[1]["token"]
    assert call_one(url, token, service="AA", counter="101")
    with pytest.raises((AssertionError, ConnectionError), match=r"closed the connection|reset"):
        slow.read_until(lambda: False, "the end of the connection")
    slow.close()


def test_a_client_that_upgrades_from_polling_gets_what_was_queued_first(server, admin):
    client = socketio.Client()
    received: list[tuple[str, dict]] = []
    client.on("state", lambda body: received.append(("state", body)))
    client.on("called", lambda body: received.append(("called", body)))
    client.connect(server.url, wait_timeout=10)
    try:
        wait_until(lambda: client.transport() == "websocket", 10, message="the upgrade to websocket")
        assert http("POST", f"{server.url}/api/v1/tickets", {"service": "A"})[0] == 201
        assert http("POST", f"{server.url}/api/v1/counters/1/call-next", token=admin)[0] == 200
        wait_until(lambda: any(name == "called" for name, _ in received), 10, message="called after the upgrade")
    finally:
        client.disconnect()
    assert received[0][0] == "state"
