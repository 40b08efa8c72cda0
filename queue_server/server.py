"""Serving a hall in production: uvicorn, one asyncio loop per process, the Flask app in a thread pool.

Why this server: a display or a phone keeps a WebSocket open all day. Under the threaded server each
one held about four threads, and 1,000 of them stopped the hall (README "Why uvicorn, and several
processes"). Under uvicorn an open
WebSocket is a task on the process's event loop, which costs memory, not a thread. The Flask app stays
as it is, blocking and threaded (SQLite, espeak-ng and the printer sockets are ordinary blocking code:
no monkey-patching), in a2wsgi's pool of ``--threads`` threads (``hall_asgi``, queue_server/asgi.py).

Several processes (``--workers N``): the parent binds the socket, holds the ``ServingClaim`` and keeps
N workers alive; each worker builds its own app after the fork (no SQLite connection or thread crosses
a fork) and accepts on the shared socket. The kernel spreads new connections over them; a client talks
WebSocket from its first packet, so no sticky sessions are needed.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import logging
import os
import signal
import socket
import threading
import time
import traceback
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import FrameType

import uvicorn
from flask import Flask

from .config import ConfigError
from .connguard import ConnectionGuard
from .ops import WorkerSlot

log = logging.getLogger(__name__)
GRACE_SECONDS = 5  # what a request in flight gets to finish once the server stops
PR_SET_PDEATHSIG = 1  # from <sys/prctl.h>
YOUNG_SECONDS = 2  # a worker dying sooner than this after its start is restarted a second later, not at once


class AlreadyServed(RuntimeError):
    """Another ``antre run`` serves this database; the message says which one and what to do."""


class ServingClaim:
    """The one ``antre run`` of a database, held as an exclusive ``flock`` on ``DATABASE.serving``.

    Why: two servers on one database both issue and call correctly (SQLite serialises them), but each
    has its own live channel, so every display saw only the calls made through its own server
    (464 and 436 of 900). A lock, not a pid file: the kernel lets go of it however the server ends,
    SIGKILL included, so a crash never leaves a hall that refuses to start. With ``--workers N`` the
    parent claims once for all of its workers (they share one live channel through the event log and
    Redis); the workers inherit the descriptor (a fork), so the claim lasts while any of them serves;
    programs they exec (espeak-ng) do not, as Python opens files close-on-exec. The lock file stays after a stop:
    removing it would race with the next server opening it. Only ``run`` claims; ``backup`` and the
    officer commands work beside a running server as before.
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


class HallUvicorn(uvicorn.Server):
    """uvicorn's server that drops the live channel's connections as soon as it is told to stop.

    uvicorn stops by waiting for every open connection; dropping the displays and phones at once (from
    a thread of its own: a signal handler must not block) ends the stop in a moment while the requests
    in flight still finish, within ``GRACE_SECONDS``. The signal is not raised again after the stop, as
    uvicorn's own handler does, so the process ends by returning, with status 0."""

    def __init__(self, config: uvicorn.Config, on_stop: Callable[[], None]):
        super().__init__(config)
        self.on_stop = on_stop

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self.should_exit and sig == signal.SIGINT:
            self.force_exit = True  # a second Ctrl-C: stop waiting for the requests in flight
        self.should_exit = True
        threading.Thread(target=self.on_stop, name="antre-stop", daemon=True).start()


def serve(config_path: Path, host: str = "127.0.0.1", port: int = 5000, threads: int = 1000, workers: int = 1) -> None:
    """Serve the hall until SIGTERM or SIGINT: in this process with one worker, else through a ``Supervisor``."""
    sock = listen(host, port)
    url = own_url(host, port)
    if workers == 1:
        run_worker(config_path, sock, url, threads, WorkerSlot())
    else:
        Supervisor(workers, lambda index: run_worker(config_path, sock, url, threads, WorkerSlot(index, workers))).run()


def listen(host: str, port: int) -> socket.socket:
    """The listening socket every worker accepts on, bound before any fork."""
    family, kind, proto, _, address = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as error:
        sock.close()
        raise ConfigError([f"cannot listen on {host}:{port} ({error.strerror or error}): another program uses that port?"]) from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def run_worker(config_path: Path, sock: socket.socket, url: str, threads: int, slot: WorkerSlot) -> None:
    """One worker: the hall's app built in this process, served by uvicorn on ``sock`` until told to stop."""
    from .hall import hall_of

    app = build_app(config_path, url, slot)
    hall = hall_of(app)
    serve_app(app, sock, threads, ConnectionGuard(hall.config.connections, hall.config.language), hall.live.disconnect_all)


def serve_app(app: Flask, sock: socket.socket, threads: int, guard: ConnectionGuard, on_stop: Callable[[], None]) -> None:
    """``app`` served as a hall is, on ``sock``, until SIGTERM or SIGINT (``on_stop`` is then called)."""
    HallUvicorn(uvicorn_config(app, threads, guard), on_stop).run(sockets=[sock])


def uvicorn_config(app: Flask, threads: int, guard: ConnectionGuard) -> uvicorn.Config:
    """How uvicorn serves a hall: the hall's ASGI app (``threads`` for Flask) under ``guard``'s limits."""
    from .asgi import hall_asgi

    http, ws = guard.protocols()
    return uvicorn.Config(
        app=hall_asgi(app, threads),
        loop="uvloop",
        http=http,
        ws=ws,
        lifespan="off",
        log_level="warning",
        access_log=False,
        proxy_headers=False,  # the client's address is the connection's: a header must not set it
        server_header=False,
        ws_per_message_deflate=False,  # a compressor per connection costs memory thousands of screens add up
        ws_ping_interval=None,  # Engine.IO pings each client already
        ws_max_size=1_000_000,  # as Engine.IO's own limit on a message
        backlog=2048,
        timeout_graceful_shutdown=GRACE_SECONDS,
    )


def build_app(config_path: Path, url: str, slot: WorkerSlot) -> Flask:
    """The hall's app with what only a serving process starts (speech, reports; the live channel
    starts its own watch at the first request, on uvicorn's loop)."""
    from .app import create_app
    from .hall import hall_of
    from .reports.worker import ReportWorker

    app = create_app(config_path, own_url=url)
    hall = hall_of(app)
    hall.ops.worker = slot
    hall.announcer.warm_up()  # the speech process starts now, not at the first call
    hall.report_worker = ReportWorker(hall.config.database)  # reports never hold up an officer's Next
    hall.summaries.start()  # the reports' tables follow the log a second behind
    if hall.live_bus is not None:
        hall.live_bus.start()  # commits of the other worker processes wake this one's live channel
    return app


class Supervisor:
    """Keeps ``workers`` forked worker processes running until SIGTERM or SIGINT, then stops them all.

    A worker that dies (a crash, the OOM killer, a kill -9) is logged and replaced by a new one at the
    same index; its clients reconnect, to whichever worker the kernel gives them. A small supervisor of
    our own rather than uvicorn's ``Multiprocess``: that one spawns (not forks) its workers from a
    picklable uvicorn config, and a worker here needs its index and builds the hall itself."""

    def __init__(self, workers: int, start: Callable[[int], None]):
        self.workers = workers
        self.start = start
        self.children: dict[int, tuple[int, float]] = {}  # pid: (index, started at)
        self.stopping = threading.Event()

    def run(self) -> None:
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        for index in range(self.workers):
            self._spawn(index)
        while self.children:
            try:
                pid, status = os.waitpid(-1, 0)
            except ChildProcessError:
                break
            index, started = self.children.pop(pid, (None, 0.0))
            if index is None or self.stopping.is_set():
                continue
            log.warning("worker %d (pid %d) ended (%s); starting another", index, pid, _ending(status))
            if time.monotonic() - started < YOUNG_SECONDS:
                self.stopping.wait(1)  # a worker that cannot start: try once a second, not in a tight loop
            if not self.stopping.is_set():
                self._spawn(index)

    def _spawn(self, index: int) -> None:
        """Fork one worker; signals stay blocked across the fork so the child never runs the parent's handler."""
        stops = {signal.SIGTERM, signal.SIGINT}
        signal.pthread_sigmask(signal.SIG_BLOCK, stops)
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:
            _end_with(parent)
            for sig in stops:
                signal.signal(sig, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, stops)
            os._exit(self._worker(index))
        self.children[pid] = (index, time.monotonic())
        signal.pthread_sigmask(signal.SIG_UNBLOCK, stops)

    def _worker(self, index: int) -> int:
        """The child's whole life; its exit status."""
        try:
            self.start(index)
        except SystemExit as error:
            return error.code if isinstance(error.code, int) else 1
        except BaseException:
            traceback.print_exc()
            return 1
        return 0

    def _stop(self, sig: int, frame: FrameType | None) -> None:
        self.stopping.set()
        for pid in list(self.children):
            with contextlib.suppress(ProcessLookupError):  # it ended meanwhile
                os.kill(pid, signal.SIGTERM)


def _end_with(parent: int) -> None:
    """Have this worker told to stop (SIGTERM) when its parent dies, even by SIGKILL, rather than serve
    on alone, holding the serving claim, with nobody to restart it (Linux's PR_SET_PDEATHSIG)."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # it died before the request took effect
        os._exit(0)


def _ending(status: int) -> str:
    """How a worker ended, for the log: its exit status or the signal that killed it."""
    if os.WIFSIGNALED(status):
        return f"killed by {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"


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
