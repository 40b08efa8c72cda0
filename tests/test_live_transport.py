"""The live channel's direct WebSocket writes (queue_server/live_transport.py) against a real ``antre run``.

What is checked is what the stock writer thread per client guaranteed: a client that stops reading
holds up nobody else, and when it reads again it gets every message, intact and in order; a client
that starts with long polling and upgrades gets what was queued before the upgrade first.
"""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest
import socketio
from antre.queue_server import live_transport
from antre.queue_server.hall import hall_of
from werkzeug.serving import make_server
from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, Request, TextMessage

from tests.conftest import PASSWORD
from tests.support import http, wait_until

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
    """The app on werkzeug's threaded server in this process, so a test can reach the server side of a
    client's socket (gunicorn's is in another process); the live transport is the same."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, hall_of(app).live.server.eio, officers["admin"]
    server.shutdown()
    thread.join(timeout=5)


def stalled_client(server, eio) -> tuple[RawClient, live_transport.DirectSocket]:
    """A client that has its first ``state`` and then stops reading; its server-side send buffer is made
    small, so the kernel refuses writes after a few kilobytes instead of a few megabytes."""
    slow = RawClient(server.server_port)
    slow.read_until(lambda: any(t.startswith("0{") for t in slow.texts), "the Engine.IO open packet")
    slow.send("40")
    slow.read_until(lambda: any(name == "state" for name, _ in slow.events()), "the first state")
    (sock,) = eio.sockets.values()
    assert isinstance(sock, live_transport.DirectSocket) and sock._direct
    sock._wsock.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    return slow, sock


def ask_for_snapshots(slow: RawClient, until_closed: bool = False) -> None:
    for ack_id in range(1, FOLLOWS + 1):
        try:
            slow.send(f"42{ack_id}" + json.dumps(["follow", {}]))
        except ConnectionError:
            if until_closed:
                return
            raise
        time.sleep(0.005)  # spread over the emitter's steps, so each follow gets its own snapshot


def call_one(url: str, token: str) -> list[dict]:
    """Issue a ticket and call it, with a client that reads; returns the ``called`` messages it got."""
    fast = socketio.Client()
    calls: list[dict] = []
    fast.on("called", calls.append)
    fast.connect(url, transports=["websocket"], wait_timeout=10)
    try:
        assert http("POST", f"{url}/api/v1/tickets", {"service": "A"})[0] == 201
        assert http("POST", f"{url}/api/v1/counters/1/call-next", token=token)[0] == 200
        wait_until(lambda: calls, 10, message="called at the client that reads")
    finally:
        fast.disconnect()
    return calls


def test_a_client_that_stops_reading_holds_up_nobody_and_then_gets_everything_in_order(in_process):
    server, eio, token = in_process
    slow, sock = stalled_client(server, eio)
    ask_for_snapshots(slow)
    wait_until(lambda: sock._backlog or sock._flushing, 10, message="writes the kernel did not take")

    call_one(f"http://127.0.0.1:{server.server_port}", token)

    slow.read_until(lambda: sum(name == "ack" for name, _ in slow.events()) == FOLLOWS, "every acknowledgement")
    slow.read_until(lambda: any(name == "called" for name, _ in slow.events()), "the call at the slow client")
    events = slow.events()
    assert sorted(ack for name, ack in events if name == "ack") == list(range(1, FOLLOWS + 1))
    seqs = [body["seq"] for name, body in events if name in ("state", "called", "queue", "counter")]
    assert seqs == sorted(seqs)
    assert sum(name == "state" for name, _ in events) > FOLLOWS // 10
    slow.close()


def test_a_client_too_far_behind_is_disconnected_and_the_others_go_on(in_process, monkeypatch):
    server, eio, token = in_process
    monkeypatch.setattr(live_transport, "MAX_BACKLOG", 20_000)
    slow, sock = stalled_client(server, eio)
    ask_for_snapshots(slow, until_closed=True)
    wait_until(lambda: sock.closed, 10, message="the stalled client disconnected")

    assert call_one(f"http://127.0.0.1:{server.server_port}", token)
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


def test_install_refuses_a_server_it_was_not_written_for_and_changes_nothing(caplog):
    class NotThreading:
        def __init__(self):
            self.async_mode = "eventlet"
            self.sockets: dict = {}

    server = NotThreading()
    assert live_transport.install(server) is False
    assert type(server.sockets) is dict
    assert "keeping Engine.IO's writer thread per client" in caplog.text
    assert "async_mode is 'eventlet'" in caplog.text
