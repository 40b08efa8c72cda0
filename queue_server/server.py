"""Serving a hall in production: gunicorn, one process, many threads.

Why this server: Flask-SocketIO needs a single worker process (Socket.IO sessions live in memory),
and its "threading" mode runs WebSockets through simple-websocket on gunicorn's threaded
(gthread) worker. Threads, not greenlets, because SQLite, pyttsx3 and the printer sockets are
ordinary blocking code: no monkey-patching, no surprises. Each open WebSocket holds a thread, so
the thread count bounds the number of live displays and phones (default 1000).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import socket
import threading
from collections.abc import Callable
from datetime import datetime
from http import HTTPStatus
from pathlib import Path

from gunicorn import util
from gunicorn.app.base import BaseApplication
from gunicorn.workers.gthread import TConn, ThreadWorker

from .config import ConfigError, ConnectionLimits
from .connguard import AddressCap, HeaderDeadlines, address_of
from .i18n import gettext


class AlreadyServed(RuntimeError):
    """Another ``antre run`` serves this database; the message says which one and what to do."""


class ServingClaim:
    """The one ``antre run`` of a database, held as an exclusive ``flock`` on ``DATABASE.serving``.

    Why: two servers on one database both issue and call correctly (SQLite serialises them), but each
    has its own live channel, so every display saw only the calls made through its own server
    (464 and 436 of 900). A lock, not a pid file: the kernel lets go of it however the server ends,
    SIGKILL included, so a crash never leaves a hall that refuses to start. gunicorn's worker inherits
    the descriptor (a fork), so the claim lasts while either process serves; programs it execs
    (espeak-ng) do not, as Python opens files close-on-exec. The lock file stays after a stop:
    removing it would race with the next server opening it. Only ``run`` claims; ``backup`` and the
    officer commands work beside a running server as before. (Several servers sharing one live
    channel, when that is configured, would not claim.)
    """

    def __init__(self, database: Path, url: str):
        self.database = database.resolve()
        self.path = self.database.with_name(self.database.name + ".serving")
        self.url = url
        self._fd: int | None = None

    def __enter__(self) -> ServingClaim:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)  # as opening the database would
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise ConfigError([f"database: cannot open {self.path} ({error.strerror or error})"]) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 500, 0).decode(errors="replace").strip() or "details not written yet"
            os.close(fd)
            raise AlreadyServed(
                f"database {self.database} is already served by another 'antre run' ({holder}); "
                "a second server would show each display only part of the calls: stop that one first, or keep using it"
            ) from None
        since = datetime.now().astimezone().isoformat(timespec="seconds")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, {self.url}, since {since}\n".encode(), 0)
        self._fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            os.close(self._fd)  # lets go: the worker, which shared the descriptor, has ended by now
            self._fd = None


class HallWorker(ThreadWorker):
    """gunicorn's gthread worker with the hall's limits on what one client may hold
    (queue_server/connguard.py), that also drops the live channel's connections on SIGTERM.

    gthread stops by waiting for every open connection, up to ``graceful_timeout``; a display's
    WebSocket never closes by itself, so each stop or restart took the whole 5 s while any screen was
    connected, and the screens only noticed when the process died. Dropping them from a thread of
    its own (a signal handler must not block) lets the requests in flight finish as before.
    """

    def run(self) -> None:
        """Set up the limits (the config is read by ``load``, in this process) and serve."""
        limits: ConnectionLimits = self.app.limits
        self.cap = AddressCap(limits.per_address)
        self.heads = HeaderDeadlines(limits.header_timeout_seconds)
        if limits.per_address >= self.cfg.threads:
            self.log.warning(
                "connections.per_address (%d) is not below --threads (%d): one address can still take every thread",
                limits.per_address,
                self.cfg.threads,
            )
        super().run()

    def handle_exit(self, sig, frame) -> None:
        super().handle_exit(sig, frame)
        threading.Thread(target=self.app.disconnect_clients, name="antre-stop", daemon=True).start()

    def accept(self, listener) -> None:
        """gthread's accept, with the cap: a connection beyond its address's share is answered 429
        and closed at once, from this loop, so it never waits for or holds a thread."""
        try:
            client_sock, client_addr = listener.accept()
        except OSError as e:
            if e.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        address = address_of(client_addr)
        if not self.cap.admit(address):
            self._refuse(client_sock, address)
            return
        self.nr_conns += 1
        client_sock.setblocking(True)
        self.enqueue_req(_CountedConn(self.cfg, client_sock, client_addr, listener.getsockname(), self.cap))

    def _refuse(self, client_sock: socket.socket, address: str) -> None:
        if self.cap.should_warn(address):
            self.log.warning(
                "refusing connections from %s: %d open, connections.per_address is %d", address, self.cap.open_from(address), self.cap.limit
            )
        message = gettext(self.app.language, "error.too_many_connections", limit=self.cap.limit)
        with contextlib.suppress(OSError):  # the client's buffer is full or it left: closing is the answer
            util.write_nonblock(client_sock, _json_answer(HTTPStatus.TOO_MANY_REQUESTS, "too_many_connections", message))
        util.close(client_sock)

    def handle(self, conn):
        """The request thread's work; its headers must arrive within ``header_timeout_seconds``."""
        self.heads.watch(conn)
        try:
            return super().handle(conn)
        finally:
            self.heads.done(conn)

    def handle_request(self, req, conn):
        """Called once the headers are in: from here on the request (or WebSocket) has no deadline."""
        self.heads.done(conn)
        return super().handle_request(req, conn)

    def murder_pending(self) -> None:
        """Runs every second in the worker's main loop: drops the connections too slow with their headers too."""
        super().murder_pending()
        for conn in self.heads.expire():
            self.log.info(
                "closed a connection from %s: no complete request headers within %s s", address_of(conn.client), self.heads.seconds
            )

    def handle_error(self, req, client, addr, exc) -> None:
        """gunicorn's own answers (a request it cannot parse, a header too large, a crash outside
        Flask) in the API's JSON error shape instead of its HTML page. gunicorn still decides the
        status and logs; only the page it writes is caught and replaced."""
        page = _CapturedPage()
        super().handle_error(req, page, addr, exc)
        status = page.status()
        key = "error.internal" if status >= 500 else "error.bad_request"
        code = "internal_error" if status >= 500 else "bad_request"
        message = gettext(self.app.language, key, status=status)
        try:
            util.write_nonblock(client, _json_answer(HTTPStatus(status), code, message))
        except OSError:
            self.log.debug("Failed to send error message.")


def _json_answer(status: HTTPStatus, code: str, message: str) -> bytes:
    """A whole HTTP answer in the API's error shape, closing the connection."""
    body = json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False).encode()
    head = f"HTTP/1.1 {status.value} {status.phrase}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode("latin-1") + body


class _CountedConn(TConn):
    """A connection that gives its place under its address's cap back when gunicorn closes it (every
    way a gthread connection ends goes through ``close``: finished, kept-alive too long, never spoke)."""

    def __init__(self, cfg, sock, client, server, cap: AddressCap):
        super().__init__(cfg, sock, client, server)
        self._cap: AddressCap | None = cap

    def close(self, graceful: bool = False) -> None:
        try:
            super().close(graceful)
        finally:
            if self._cap is not None:
                self._cap.release(address_of(self.client))
                self._cap = None


class _CapturedPage:
    """Stands in for the client's socket while gunicorn writes its error page, to read its status."""

    def __init__(self) -> None:
        self.written = b""

    def gettimeout(self) -> float:
        return 0.0  # already non-blocking: gunicorn writes at once

    def sendall(self, data: bytes) -> None:
        self.written += data

    def status(self) -> int:
        """The status on the page's first line, ``HTTP/1.1 400 Bad Request``; 500 if none."""
        parts = self.written.split(b" ", 2)
        return int(parts[1]) if len(parts) > 2 and parts[1].isdigit() else 500


class HallServer(BaseApplication):
    def __init__(self, config_path: Path, host: str, port: int, threads: int):
        self.config_path = config_path
        self.disconnect_clients: Callable[[], None] = lambda: None  # set in the worker by load()
        self.language = "id"  # of gunicorn's own error answers; the hall's, set by load()
        self.limits = ConnectionLimits()  # the hall's connections section, set by load()
        self.own_url = own_url(host, port)
        self.options = {
            "bind": f"{host}:{port}",
            "workers": 1,
            "worker_class": HallWorker,
            "threads": threads,
            "worker_connections": threads + 100,
            "timeout": 60,
            "graceful_timeout": 5,
            "keepalive": 5,
            "accesslog": None,
            "errorlog": "-",
            "loglevel": "warning",
        }
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        """Runs in the worker after the fork, so no SQLite connection or thread crosses a fork."""
        from .app import create_app
        from .hall import hall_of
        from .reports.worker import ReportWorker

        app = create_app(self.config_path, own_url=self.own_url)
        hall = hall_of(app)
        hall.announcer.warm_up()  # the speech process starts now, not at the first call
        hall.report_worker = ReportWorker(hall.config.database)  # reports never hold up an officer's Next
        hall.summaries.start()  # the reports' tables follow the log a second behind
        self.disconnect_clients = hall.live.disconnect_all
        self.language = hall.config.language
        self.limits = hall.config.connections
        hall.live.close_unjoined(self.limits.join_timeout_seconds)
        return app


def own_url(host: str, port: int) -> str:
    """The server's own address as phones on the hall network reach it: the bind address, or for a
    wildcard bind (0.0.0.0) the address of the interface that routes outwards (a UDP "connect" sends
    nothing), else the host name."""
    if host not in ("0.0.0.0", "::", ""):
        return f"http://{host}:{port}"
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never reached, only routed
            address = probe.getsockname()[0]
    except OSError:
        address = socket.gethostname()
    return f"http://{address}:{port}"


def serve(config_path: Path, host: str = "127.0.0.1", port: int = 5000, threads: int = 1000) -> None:
    HallServer(config_path, host, port, threads).run()
