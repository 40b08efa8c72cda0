"""Serving a hall in production: gunicorn, one process, many threads.

Why this server: Flask-SocketIO needs a single worker process (Socket.IO sessions live in memory),
and its "threading" mode runs WebSockets through simple-websocket on gunicorn's threaded
(gthread) worker. Threads, not greenlets, because SQLite, pyttsx3 and the printer sockets are
ordinary blocking code: no monkey-patching, no surprises. Each open WebSocket holds a thread, so
the thread count bounds the number of live displays and phones (default 1000).
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from gunicorn.app.base import BaseApplication
from gunicorn.workers.gthread import ThreadWorker

from .config import ConfigError


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
    """gunicorn's gthread worker that, on SIGTERM, also drops the live channel's connections.

    gthread stops by waiting for every open connection, up to ``graceful_timeout``; a display's
    WebSocket never closes by itself, so each stop or restart took the whole 5 s while any screen was
    connected, and the screens only noticed when the process died. Dropping them from a thread of
    its own (a signal handler must not block) lets the requests in flight finish as before.
    """

    def handle_exit(self, sig, frame) -> None:
        super().handle_exit(sig, frame)
        threading.Thread(target=self.app.disconnect_clients, name="antre-stop", daemon=True).start()


class HallServer(BaseApplication):
    def __init__(self, config_path: Path, host: str, port: int, threads: int):
        self.config_path = config_path
        self.disconnect_clients: Callable[[], None] = lambda: None  # set in the worker by load()
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

        app = create_app(self.config_path)
        hall = hall_of(app)
        hall.announcer.warm_up()  # the speech process starts now, not at the first call
        self.disconnect_clients = hall.live.disconnect_all
        return app


def serve(config_path: Path, host: str = "127.0.0.1", port: int = 5000, threads: int = 1000) -> None:
    HallServer(config_path, host, port, threads).run()
