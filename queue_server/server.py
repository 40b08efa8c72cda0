"""Serving a hall in production: gunicorn, one process, many threads.

Why this server: Flask-SocketIO needs a single worker process (Socket.IO sessions live in memory),
and its "threading" mode runs WebSockets through simple-websocket on gunicorn's threaded
(gthread) worker. Threads, not greenlets, because SQLite, pyttsx3 and the printer sockets are
ordinary blocking code: no monkey-patching, no surprises. Each open WebSocket holds a thread, so
the thread count bounds the number of live displays and phones (default 1000).
"""

from __future__ import annotations

from pathlib import Path

from gunicorn.app.base import BaseApplication


class HallServer(BaseApplication):
    def __init__(self, config_path: Path, host: str, port: int, threads: int):
        self.config_path = config_path
        self.options = {
            "bind": f"{host}:{port}",
            "workers": 1,
            "worker_class": "gthread",
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
        hall_of(app).announcer.warm_up()  # the speech process starts now, not at the first call
        return app


def serve(config_path: Path, host: str = "127.0.0.1", port: int = 5000, threads: int = 1000) -> None:
    HallServer(config_path, host, port, threads).run()
