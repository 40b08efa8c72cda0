"""One client cannot exhaust the server: slow headers are dropped, one address gets a share of the
connections, and Socket.IO connections that join nothing are closed.

Everything runs against a real ``antre run`` (64 threads, as ServerProcess starts it). The abuse comes
from 127.0.0.2 and the hall's own requests from 127.0.0.1: Linux routes all of 127/8 to loopback, so
the server sees two different clients, as it would see a phone and an attacker.
"""

from __future__ import annotations

import contextlib
import copy
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, CloseConnection, Request, TextMessage

from tests.conftest import PASSWORD, start_server
from tests.support import SMALL_HALL, ServerProcess, http, wait_until, write_config

ABUSER = "127.0.0.2"
THREADS = 64  # ServerProcess's --threads
CAP = 20


def start_hall(folder: Path, **connections: float) -> ServerProcess:
    data = copy.deepcopy(SMALL_HALL)
    data["connections"] = connections
    return start_server(write_config(folder, data))


@pytest.fixture
def running(request, tmp_path: Path) -> Iterator[ServerProcess]:
    server = start_hall(tmp_path, **request.param)
    yield server
    server.stop()


def issue_at_desk(server: ServerProcess) -> dict:
    """A ticket made by an officer: the hall's own, ordinary work (a Bearer token always issues)."""
    status, body = http("POST", f"{server.url}/api/v1/auth/login", {"username": "admin", "password": PASSWORD}, timeout=15)
    assert status == 200, body
    status, ticket = http("POST", f"{server.url}/api/v1/tickets", {"service": "A"}, token=body["token"], timeout=15)
    assert status == 201, ticket
    return ticket


def connect_from_abuser(port: int) -> socket.socket:
    """Blocking once connected: a socket with a timeout would wait that long before each MSG_DONTWAIT read."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(ABUSER, 0))
    sock.settimeout(None)
    return sock


def start_slow_request(port: int) -> socket.socket:
    """A request whose headers never end: the line and one header, then nothing (or a byte at a time)."""
    sock = connect_from_abuser(port)
    sock.sendall(b"GET /api/v1/services HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
    return sock


def ended(sock: socket.socket) -> bool:
    """Whether the server has closed or refused this connection (end of file, a reset, or its 429 answer)."""
    try:
        data = sock.recv(4096, socket.MSG_DONTWAIT)
    except BlockingIOError:
        return False
    except OSError:
        return True
    return data == b"" or data.startswith(b"HTTP/1.1 429")


def answer_to_abuser(port: int) -> bytes:
    """The status line a complete, ordinary request from the abuser's address gets."""
    with connect_from_abuser(port) as sock:
        sock.settimeout(10)
        sock.sendall(b"GET /api/v1/services HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        try:
            return sock.recv(4096).split(b"\r\n", 1)[0]
        except ConnectionResetError:
            return b"reset"


def dribble(socks: list[socket.socket]) -> None:
    """One more header byte on every connection the server still holds open."""
    for sock in socks:
        with contextlib.suppress(OSError):
            sock.send(b"a")


@pytest.mark.parametrize("running", [{"header_timeout_seconds": 2, "per_address": CAP}], indirect=True)
def test_a_request_whose_headers_never_end_is_dropped_even_if_it_keeps_sending(running):
    socks = [start_slow_request(running.port) for _ in range(CAP)]
    try:

        def all_dropped() -> bool:
            dribble(socks)
            return all(ended(sock) for sock in socks)

        wait_until(all_dropped, timeout=15, interval=0.3, message="the slow-header connections to be closed")
        issue_at_desk(running)
        # dropped connections give their places under the cap back
        wait_until(
            lambda: answer_to_abuser(running.port) == b"HTTP/1.1 200 OK", timeout=10, message="the abuser's address to be served again"
        )
    finally:
        for sock in socks:
            sock.close()


@pytest.mark.parametrize("running", [{"header_timeout_seconds": 300, "per_address": CAP}], indirect=True)
def test_one_address_holding_more_connections_than_threads_does_not_stop_the_hall(running):
    """More slow-header connections from one address than the server has threads: beyond the cap they
    are refused at once, and a ticket issued from elsewhere meanwhile still succeeds."""
    socks = [start_slow_request(running.port) for _ in range(THREADS + 16)]
    try:
        wait_until(
            lambda: sum(ended(sock) for sock in socks) >= len(socks) - CAP,
            timeout=15,
            message="the connections beyond the cap to be refused",
        )
        assert issue_at_desk(running)["number"] == "A001"
        assert sum(not ended(sock) for sock in socks) == CAP  # the abuse goes on: the held ones are still open
        assert issue_at_desk(running)["number"] == "A002"
    finally:
        for sock in socks:
            sock.close()
    wait_until(lambda: answer_to_abuser(running.port) == b"HTTP/1.1 200 OK", timeout=10, message="the places to come back once closed")


class RawSocketIO:
    """A bare Engine.IO WebSocket from the abuser's address: it joins the live channel only if told to."""

    def __init__(self, port: int):
        self.sock = connect_from_abuser(port)
        self.ws = WSConnection(ConnectionType.CLIENT)
        self.sock.sendall(self.ws.send(Request(host=f"127.0.0.1:{port}", target="/socket.io/?EIO=4&transport=websocket")))
        self.messages: list[str] = []
        self.closed = False
        wait_until(lambda: self._read() and self.messages, timeout=10, message="the Engine.IO open packet")
        assert self.messages[0].startswith("0")

    def join_hall(self) -> None:
        self.sock.sendall(self.ws.send(TextMessage(data="40")))

    def _read(self) -> bool:
        """Take what has arrived; answer Engine.IO pings as a live client does."""
        try:
            data = self.sock.recv(65536, socket.MSG_DONTWAIT)
        except BlockingIOError:
            return True
        except OSError:
            data = b""
        if not data:
            self.closed = True
            return True
        self.ws.receive_data(data)
        for event in self.ws.events():
            if isinstance(event, TextMessage):
                self.messages.append(event.data)
                if event.data == "2":
                    self.sock.sendall(self.ws.send(TextMessage(data="3")))
            elif isinstance(event, CloseConnection):
                self.closed = True
            elif not isinstance(event, AcceptConnection):
                pass
        return True

    def is_closed(self) -> bool:
        self._read()
        return self.closed

    def got(self, prefix: str) -> bool:
        self._read()
        return any(message.startswith(prefix) for message in self.messages)

    def close(self) -> None:
        self.sock.close()


@pytest.mark.parametrize("running", [{"join_timeout_seconds": 2}], indirect=True)
def test_a_socketio_connection_that_joins_nothing_is_closed_and_a_joined_one_stays(running):
    """Well within Engine.IO's own 20 s ping timeout, so it is the join rule that closes it."""
    idle, display = RawSocketIO(running.port), RawSocketIO(running.port)
    try:
        display.join_hall()
        wait_until(lambda: display.got('42["state"'), timeout=10, message="the joined client's snapshot")
        wait_until(idle.is_closed, timeout=10, message="the unjoined connection to be closed")
        issue_at_desk(running)
        wait_until(lambda: display.got('42["queue"'), timeout=10, message="the joined client to see the new ticket")
        assert not display.is_closed()
    finally:
        idle.close()
        display.close()
