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
    composed = socketio.ASGIApp(live.sio, other_asgi_app=WSGIMiddleware(_input_terminated(app), workers=threads))

    async def serve(scope: Scope, receive: Any, send: Any) -> None:
        live.attach()  # the loop is uvicorn's, known from the first request on
        await composed(scope, receive, send)

    return serve


def _input_terminated(app: Flask) -> Any:
    """``app`` told that its request body ends where the stream ends. uvicorn de-chunks a chunked body
    and a2wsgi's stream ends with it, but a2wsgi does not say so (``wsgi.input_terminated``), and
    without it Flask reads a body with no Content-Length as empty: a chunked request was a bad JSON
    body, not the 413 of any body over 64 KB."""

    def wsgi(environ: dict, start_response: Any) -> Any:
        environ["wsgi.input_terminated"] = True
        return app(environ, start_response)

    return wsgi
