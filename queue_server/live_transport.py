"""WebSocket messages written by the thread that emits them, not by a writer thread per client.

Why this exists: in Engine.IO's threading mode every WebSocket client has its own writer thread
(``engineio.socket.Socket._websocket_handler`` → ``writer()``), which waits on the socket's queue and
sends what it finds. One call sends three messages (``called``, ``counter``, ``queue``) to every hall
client, so at 500 clients one call wakes some 1,500 threads that all want the one GIL; more than half
of the worker's CPU went to the kernel's futex and scheduler code, and the p99 latency at 500 clients
was about 0.5 s. Here a message to a WebSocket client is framed and written at once by the thread
that emits it (the live channel's emitter, a request thread, the ping thread), which costs one
non-blocking ``send`` system call and wakes nobody.

What stays as it was:
  - order: every packet for a client (connect packet, pings, acks, messages, close) goes through
    ``send`` and is framed and written under that client's lock, in the order of ``send`` calls;
    packets queued before the switch (during an upgrade, the connect packet) are written first;
  - nothing is lost: a write the kernel cannot take at once (client reads slowly) goes, with
    everything after it, to the client's backlog, which the client's own writer thread (the stock
    one, otherwise idle) writes with blocking ``sendall``;
  - a dead or stuck client never blocks the others: the emitting thread never waits on a socket;
    a client whose backlog grows beyond ``MAX_BACKLOG`` bytes is disconnected (socket shut down);
  - Engine.IO's idle rule: the stock writer closes a WebSocket when nothing was sent to it for
    ``ping_interval + ping_timeout`` seconds (the client stopped answering pings); so does this one;
  - long polling and anything this module does not recognise keep the stock code path.

How it is installed: ``install(engineio_server)`` gives one Engine.IO server a ``sockets`` dict
that turns each new ``engineio.socket.Socket`` into a ``DirectSocket`` (same object, subclass with the
overrides below). Nothing global is patched. It relies on internals of the libraries it was written
against — python-engineio (``Socket.poll``/``send``/``queue``/``_websocket_handler``, the writer loop
calling ``poll``), simple-websocket (``Server.ws`` is the wsproto connection, ``Server.sock`` the
socket, ``Server.connected``) and wsproto; their tested versions are in tested_versions.py. ``install``
checks the versions and the shapes it uses and, if anything differs, logs a warning and leaves the
stock behaviour.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import socket
import threading
import time
from typing import Any

from .tested_versions import outside_tested

log = logging.getLogger(__name__)

RELIED_ON = ("python-engineio", "simple-websocket", "wsproto")  # whose internals this module uses
MAX_BACKLOG = 1 << 20  # bytes a client may fall behind before it is disconnected
_FLUSH = object()  # put on a socket's queue to wake its writer thread for the backlog

try:
    import engineio.socket
    from engineio import exceptions as eio_exceptions
    from engineio import packet as eio_packet
    from wsproto.events import Message, TextMessage
    from wsproto.utilities import LocalProtocolError
except ImportError:  # pragma: no cover - reported by install()
    engineio = None  # type: ignore[assignment]


class DirectSocket(engineio.socket.Socket if engineio else object):  # type: ignore[misc]
    """An Engine.IO socket whose WebSocket packets are written by the sending thread."""

    def _adopt(self) -> None:
        self._out_lock = threading.Lock()
        self._wsock: Any = None  # the simple_websocket.Server once the WebSocket is open
        self._direct = False  # True while send() writes straight to the socket
        self._dead = False
        self._backlog = bytearray()
        self._flushing = False
        self._last_out = time.monotonic()

    # --- Engine.IO entry points ---------------------------------------------------------------------
    def _websocket_handler(self, ws):
        wsock = getattr(ws, "ws", None)
        if _usable(wsock):
            self._wsock = wsock
        return super()._websocket_handler(ws)

    def send(self, pkt):
        """The stock ``send`` (ping check, queue, log), except that once the writer has taken over the
        packet is written at once; deciding under the lock keeps one thread's packets in order."""
        if not self.check_ping_timeout():
            return
        with self._out_lock:
            if self._direct:
                self._last_out = time.monotonic()
                self._write(pkt)
            else:
                self.queue.put(pkt)
        self.server.logger.info(
            "%s: Sending packet %s data %s",
            self.sid,
            eio_packet.packet_names[pkt.packet_type],
            pkt.data if not isinstance(pkt.data, bytes) else "<binary>",
        )

    def poll(self):
        """The stock writer thread calls this in a loop; once the WebSocket is up it stays here."""
        if self._wsock is None or not self.upgraded:
            return super().poll()
        return self._serve()

    # --- the client's own writer thread -------------------------------------------------------------
    def _serve(self) -> list:
        """Take over (write what was queued, then switch send() to direct), then wait for a flush
        request, the close marker, or the idle limit; returning [] makes the stock writer close."""
        with self._out_lock:
            stop = self._drain_queue()
            self._direct = not stop
            self._last_out = time.monotonic()
        self._flush()  # the drain may have left a backlog (and taken its own wake-up marker)
        idle = self.server.ping_interval + self.server.ping_timeout
        while not stop:
            wait = idle - (time.monotonic() - self._last_out)
            try:
                item = self.queue.get(timeout=max(wait, 0.01))
            except queue.Empty:
                if time.monotonic() - self._last_out >= idle:
                    self._leave()
                    raise eio_exceptions.QueueEmpty() from None
                continue
            self.queue.task_done()
            if item is None:
                stop = True
            elif item is not _FLUSH:
                with self._out_lock:
                    self._write(item)
            self._flush()
        self._leave()
        self._flush()
        return []

    def _drain_queue(self) -> bool:
        """Write what was queued before the switch; True if the close marker was among it."""
        while True:
            try:
                item = self.queue.get_nowait()
            except queue.Empty:
                return False
            self.queue.task_done()
            if item is None:
                return True
            if item is not _FLUSH:
                self._write(item)

    def _leave(self) -> None:
        with self._out_lock:
            self._direct = False

    def _flush(self) -> None:
        """Write the backlog with blocking sendall: only this client's thread waits on this client."""
        while True:
            with self._out_lock:
                if not self._backlog or self._dead:
                    self._flushing = False
                    return
                chunk = bytes(self._backlog)
                self._backlog.clear()
                self._flushing = True
            try:
                self._wsock.sock.sendall(chunk)
            except OSError:
                with self._out_lock:
                    self._kill()

    # --- writing (caller holds _out_lock) -----------------------------------------------------------
    def _write(self, pkt) -> None:
        wsock = self._wsock
        if self._dead or not wsock.connected:
            return  # the stock writer would stop here too; the reader is ending the connection
        data = pkt.encode()
        try:
            frame = wsock.ws.send(Message(data=data) if isinstance(data, bytes) else TextMessage(data=str(data)))
        except LocalProtocolError:  # the reader has just seen the client's close: as if disconnected
            return
        if self._backlog or self._flushing:
            self._queue_bytes(frame)
            return
        try:
            sent = wsock.sock.send(frame, socket.MSG_DONTWAIT)
        except BlockingIOError:
            sent = 0
        except OSError:
            self._kill()
            return
        if sent < len(frame):
            self._queue_bytes(frame[sent:])

    def _queue_bytes(self, data: bytes) -> None:
        wake = not self._backlog and not self._flushing
        self._backlog += data
        if len(self._backlog) > MAX_BACKLOG:
            self.server.logger.warning("%s: client fell %d bytes behind, disconnecting it", self.sid, len(self._backlog))
            self._kill()
        elif wake:
            self.queue.put(_FLUSH)

    def _kill(self) -> None:
        """Drop what is pending and shut the socket: the reader sees the end and Engine.IO cleans up."""
        self._dead = True
        self._backlog.clear()
        with contextlib.suppress(OSError):  # already closed by the reader
            self._wsock.sock.shutdown(socket.SHUT_RDWR)


def _usable(wsock: Any) -> bool:
    """A simple-websocket server of the expected shape, on a blocking socket (so MSG_DONTWAIT is the
    only thing that makes a write non-blocking and a write never waits on a socket timeout)."""
    sock = getattr(wsock, "sock", None)
    return (
        hasattr(wsock, "ws")
        and hasattr(wsock.ws, "send")
        and hasattr(wsock, "connected")
        and isinstance(sock, socket.socket)
        and sock.gettimeout() is None
    )


class _AdoptingSockets(dict):
    """Engine.IO's ``sockets`` dict: a socket stored here becomes a DirectSocket before its first send."""

    def __setitem__(self, sid: str, sock: Any) -> None:
        if type(sock) is engineio.socket.Socket:
            sock.__class__ = DirectSocket
            sock._adopt()
        super().__setitem__(sid, sock)


def _problems(eio: Any) -> list[str]:
    if engineio is None:
        return ["python-engineio, simple-websocket or wsproto cannot be imported"]
    problems = [problem for name in RELIED_ON if (problem := outside_tested(name))]
    if getattr(eio, "async_mode", None) != "threading":
        problems.append(f"async_mode is {getattr(eio, 'async_mode', None)!r}, not 'threading'")
    for name in ("poll", "send", "check_ping_timeout", "_websocket_handler", "close"):
        if not callable(getattr(engineio.socket.Socket, name, None)):
            problems.append(f"engineio.socket.Socket.{name} is missing")
    for name in ("ping_interval", "ping_timeout", "logger"):
        if not hasattr(eio, name):
            problems.append(f"the Engine.IO server has no {name}")
    if type(getattr(eio, "sockets", None)) is not dict or eio.sockets:
        problems.append("the Engine.IO server's sockets is not an empty dict")
    return problems


def install(eio: Any) -> bool:
    """Make ``eio`` (an ``engineio.Server`` in threading mode, before any client connects) write
    WebSocket packets directly; returns False, with a warning, and changes nothing if the library
    internals are not the ones this was written against."""
    problems = _problems(eio)
    if problems:
        log.warning("live transport: keeping Engine.IO's writer thread per client (%s)", "; ".join(problems))
        return False
    eio.sockets = _AdoptingSockets()
    return True
