"""Serving a hall in production: gunicorn, one process, many threads.

Why this server: Flask-SocketIO needs a single worker process (Socket.IO sessions live in memory),
and its "threading" mode runs WebSockets through simple-websocket on gunicorn's threaded
(gthread) worker. Threads, not greenlets, because SQLite, pyttsx3 and the printer sockets are
ordinary blocking code: no monkey-patching, no surprises. Each open WebSocket holds a thread, so
the thread count bounds the number of live displays and phones (default 1000).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from gunicorn.app.base import BaseApplication
from gunicorn.workers.gthread import ThreadWorker


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
