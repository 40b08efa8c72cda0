"""What one client may hold of the server: connections per address, and time to send a request's headers.

Why: gunicorn's threaded worker gives each request a thread from the moment it starts reading the
headers, and keeps it for a WebSocket's whole life. In the adversarial test one address holding
1,000 idle WebSockets, or 1,100 connections sending their headers a byte at a time, took every
thread (and every connection slot, ``worker_connections``), and each ticket request timed out.
``AddressCap`` refuses a connection beyond ``connections.per_address`` open ones from its address,
before it costs a thread; ``HeaderDeadlines`` drops a connection still sending its headers after
``connections.header_timeout_seconds``. Unjoined Socket.IO connections are the live channel's
(``LiveChannel.close_unjoined``). Both classes here are used by the worker (queue_server/server.py):
``admit`` and ``expire`` from its main loop, ``watch`` and ``done`` from its request threads.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from typing import Any

WARN_EVERY_SECONDS = 60.0  # one log line per refused address per minute, not one per connection


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


class HeaderDeadlines:
    """Connections whose request thread is reading headers, each with the moment it must be done by.

    A deadline for the whole head, not a timeout per ``recv``: a client sending one byte every few
    seconds never trips a per-read timeout. Expiring shuts the socket down, which ends the blocked
    ``recv`` in the request thread with end-of-file, so gunicorn closes the connection as if the client
    had left and the thread is free again.
    """

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._due: dict[Any, float] = {}
        self._lock = threading.Lock()

    def watch(self, conn: Any) -> None:
        with self._lock:
            self._due[conn] = time.monotonic() + self.seconds

    def done(self, conn: Any) -> None:
        with self._lock:
            self._due.pop(conn, None)

    def expire(self) -> list[Any]:
        """Shut down the connections past their deadline; returns them (for the log)."""
        now = time.monotonic()
        with self._lock:
            late = [conn for conn, due in self._due.items() if due <= now]
            for conn in late:
                del self._due[conn]
        for conn in late:
            with contextlib.suppress(OSError):  # the client left meanwhile
                conn.sock.shutdown(socket.SHUT_RDWR)
        return late


def address_of(peer: Any) -> str:
    """The address a connection counts against: the IP for TCP, "" for a Unix socket's peer."""
    return str(peer[0]) if isinstance(peer, tuple) and peer else ""
