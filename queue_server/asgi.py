"""The hall as one ASGI app: the live channel's Socket.IO server on ``/socket.io/``, the Flask app
everywhere else.

Why two parts: the live connections must not cost a thread each (thousands of screens and phones),
so they live on an asyncio loop (queue_server/live.py); the Flask app's handlers are ordinary blocking
code (SQLite, the printer, the speech process) and stay so, run by a2wsgi in a pool of ``threads``
threads, as gunicorn's threads ran them. uvicorn serves the result (queue_server/server.py).
"""

from __future__ import annotations

from typing import Any

import socketio
from a2wsgi import WSGIMiddleware
from flask import Flask

from .hall import hall_of

Scope = dict[str, Any]


def hall_asgi(app: Flask, threads: int = 100) -> Any:
    """The ASGI app serving ``app`` (made by ``create_app``) and its live channel."""
    live = hall_of(app).live
    composed = socketio.ASGIApp(live.sio, other_asgi_app=WSGIMiddleware(app, workers=threads))

    async def serve(scope: Scope, receive: Any, send: Any) -> None:
        live.attach()  # the loop is uvicorn's, known from the first request on
        await composed(scope, receive, send)

    return serve
