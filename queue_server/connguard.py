"""What one client may hold of the server: connections per address, and time to send a request's head.

Why: in the adversarial test one address holding 1,000 idle WebSockets, or 1,100 connections sending
their headers a byte at a time, took every thread of the old threaded server and each ticket request
timed out. uvicorn holds a connection as a task, not a thread, but each still costs a descriptor and
memory, so one address still gets only its share: ``AddressCap`` refuses a connection beyond
``connections.per_address`` open ones from its address before a byte of it is parsed, and a
connection still sending its request head after ``connections.header_timeout_seconds`` is closed.
Unjoined Socket.IO connections are the live channel's to close (``LiveChannel._sweep``).

The rules live in ``GuardedHttp`` and ``GuardedWebSocket``, uvicorn's httptools and websockets
(sans-I/O) protocols with the hall's limits: uvicorn makes one protocol object per connection, on the
event loop, and hands an upgraded connection to a new WebSocket protocol object (the HTTP one then
never hears that the connection ended), so the place under the cap moves with it. These subclasses
rely on uvicorn internals: queue_server/tested_versions.py names them.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from http import HTTPStatus
from typing import Any, ClassVar

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from .config import ConnectionLimits
from .i18n import gettext

log = logging.getLogger(__name__)
WARN_EVERY_SECONDS = 60.0  # one log line per refused address per minute, not one per connection
MAX_HEADER_LINE = 8190  # bytes of one header line or of the request target, as gunicorn allowed
MAX_HEAD = 65536  # bytes of a whole request head: no request of the hall's pages comes near it


class AddressCap:
    """Counts open connections per client address and refuses those beyond ``limit`` (0: no cap)."""

    def __init__(self, limit: int):
        self.limit = limit
        self._open: dict[str, int] = {}
        self._warned: dict[str, float] = {}
        self._lock = threading.Lock()

    def admit(self, address: str) -> bool:
        """Count a new connection from ``address``; False (and nothing counted) if it is one too many."""
        with self._lock:
            count = self._open.get(address, 0)
            if self.limit and count >= self.limit:
                return False
            self._open[address] = count + 1
            return True

    def release(self, address: str) -> None:
        with self._lock:
            count = self._open.get(address, 0) - 1
            if count > 0:
                self._open[address] = count
            else:
                self._open.pop(address, None)

    def open_from(self, address: str) -> int:
        with self._lock:
            return self._open.get(address, 0)

    def should_warn(self, address: str) -> bool:
        """Whether to log this refusal: the first for an address in ``WARN_EVERY_SECONDS``."""
        now = time.monotonic()
        with self._lock:
            if now - self._warned.get(address, -WARN_EVERY_SECONDS) < WARN_EVERY_SECONDS:
                return False
            self._warned = {a: t for a, t in self._warned.items() if now - t < WARN_EVERY_SECONDS}
            self._warned[address] = now
            return True


class ConnectionGuard:
    """One process's limits: the cap's counts, the head deadline, and the language its answers speak."""

    def __init__(self, limits: ConnectionLimits, language: str):
        self.cap = AddressCap(limits.per_address)
        self.head_seconds = limits.header_timeout_seconds
        self.language = language

    def protocols(self) -> tuple[type[GuardedHttp], type[GuardedWebSocket]]:
        """The protocol classes to give uvicorn's ``Config(http=..., ws=...)``, bound to this guard."""
        return type("HallHttp", (GuardedHttp,), {"guard": self}), GuardedWebSocket

    def refusal(self, address: str) -> bytes:
        """The 429 a connection one too many gets, logging the first of each address per minute."""
        if self.cap.should_warn(address):
            log.warning(
                "refusing connections from %s: %d open, connections.per_address is %d", address, self.cap.open_from(address), self.cap.limit
            )
        message = gettext(self.language, "error.too_many_connections", limit=self.cap.limit)
        return json_answer(HTTPStatus.TOO_MANY_REQUESTS, "too_many_connections", message)

    def bad_request(self, status: HTTPStatus) -> bytes:
        """The web server's own refusal of a request it cannot or will not parse, in the API's error shape."""
        return json_answer(status, "bad_request", gettext(self.language, "error.bad_request", status=status.value))


class _HeadRefused(Exception):
    """Raised from a parser callback to stop reading a request head that breaks a limit."""


class GuardedHttp(HttpToolsProtocol):
    """uvicorn's httptools protocol under the hall's limits (see the module's docstring)."""

    guard: ClassVar[ConnectionGuard]

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._counted: str | None = None
        self._head_deadline: asyncio.TimerHandle | None = None
        self._head_bytes = 0
        self._refused_status = HTTPStatus.BAD_REQUEST
        address = address_of(self.client)
        if not self.guard.cap.admit(address):
            self.transport.write(self.guard.refusal(address))
            self.transport.close()
            return
        self._counted = address
        self._start_head_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        try:
            super().connection_lost(exc)
        finally:
            self._stop_head_deadline()
            self._give_back()

    def handle_websocket_upgrade(self) -> None:
        """The WebSocket protocol takes the connection over, and its place under the cap with it."""
        self._stop_head_deadline()
        super().handle_websocket_upgrade()
        websocket = self.transport.get_protocol()
        if isinstance(websocket, GuardedWebSocket):
            websocket.hand_over(self.guard.cap, self._counted)
            self._counted = None

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_bytes = 0
        self._start_head_deadline()

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        self._head_bytes += len(url)
        self._limit(len(self.url) > MAX_HEADER_LINE, HTTPStatus.REQUEST_URI_TOO_LONG)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._head_bytes += len(name) + len(value) + 4  # ": " and the line's end
        self._limit(len(name) + len(value) > MAX_HEADER_LINE or self._head_bytes > MAX_HEAD, HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        """From here on the request (or WebSocket) has no deadline: a body or a display may take long."""
        self._stop_head_deadline()
        super().on_headers_complete()

    def send_400_response(self, msg: str) -> None:
        """uvicorn's plain-text refusal of a request it cannot parse, in the API's JSON error shape."""
        log.info("refused a request from %s: %s (HTTP %d)", address_of(self.client), msg, self._refused_status)
        self.transport.write(self.guard.bad_request(self._refused_status))
        self.transport.close()

    def _limit(self, broken: bool, status: HTTPStatus) -> None:
        if broken:
            self._refused_status = status
            raise _HeadRefused(status.phrase)

    def _start_head_deadline(self) -> None:
        if self._head_deadline is None and self.guard.head_seconds > 0:
            self._head_deadline = self.loop.call_later(self.guard.head_seconds, self._head_too_slow)

    def _stop_head_deadline(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_too_slow(self) -> None:
        """A deadline for the whole head, not a timeout per read: a client sending one byte every few
        seconds never trips a per-read timeout."""
        self._head_deadline = None
        log.info("closed a connection from %s: no complete request headers within %s s", address_of(self.client), self.guard.head_seconds)
        self.transport.close()

    def _give_back(self) -> None:
        if self._counted is not None:
            self.guard.cap.release(self._counted)
            self._counted = None


ABORT = "antre.abort"  # the ASGI scope extension that drops a WebSocket's connection at once


class GuardedWebSocket(WebSocketsSansIOProtocol):
    """uvicorn's websockets protocol that gives the connection's place under the cap back when it ends,
    and offers the app a way to drop the connection at once (the scope's ``extensions["antre.abort"]``,
    called on the loop): a client that stopped reading keeps a WebSocket's close waiting for ever, since
    closing flushes first, so the live channel drops such a client with it (queue_server/live.py)."""

    _cap: AddressCap | None = None
    _counted: str | None = None

    async def run_asgi(self) -> None:
        self.scope.setdefault("extensions", {})[ABORT] = self.transport.abort
        await super().run_asgi()

    def hand_over(self, cap: AddressCap, address: str | None) -> None:
        self._cap, self._counted = cap, address

    def connection_lost(self, exc: Exception | None) -> None:
        try:
            super().connection_lost(exc)
        finally:
            if self._cap is not None and self._counted is not None:
                self._cap.release(self._counted)
                self._counted = None


def json_answer(status: HTTPStatus, code: str, message: str) -> bytes:
    """A whole HTTP answer in the API's error shape, closing the connection."""
    body = json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False).encode()
    head = f"HTTP/1.1 {status.value} {status.phrase}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode("latin-1") + body


def address_of(peer: Any) -> str:
    """The address a connection counts against: the IP for TCP, "" for a Unix socket's peer."""
    return str(peer[0]) if isinstance(peer, tuple) and peer else ""
