"""Where the app's threads meet the asyncio loop that holds the live connections.

Why this exists: the live connections are tasks of one asyncio loop (python-socketio's AsyncServer
under uvicorn: an open WebSocket costs no thread), but what the live channel sends is worked out by
ordinary threads — the live channel's emitter reads the database, the printer-agents' pusher lays out
tickets — and the Socket.IO handlers must check sessions, keys and tickets in the database, which
blocks. ``LoopBridge`` carries both ways:

  - ``send(messages)`` from any thread: the messages of one call go to the loop as one batch, and one
    sender task emits every batch in the order they were handed over, so a client receives what the
    emitter sent in the emitter's order (seq/prev stay a chain). It returns a future done once the
    batch is handed to the clients' connections, so the emitter can wait for the loop (``settle``)
    instead of piling up work it cannot send: with the loop behind, the emitter's next step then
    takes every event committed meanwhile at once, and each phone gets its newest view, not a queue
    of stale ones;
  - ``call(work, ..., environ=...)`` from a handler: the blocking work runs in the loop's thread pool, in a
    Flask request context made of the connection's environ (its cookies, its query string), so the
    code that reads ``request`` and the session is the code the HTTP side uses;
  - ``run(coroutine)`` from a thread: something only the loop may do (closing connections).

The loop is learned from the first request the ASGI app sees (``attach``): uvicorn makes it, and with
several worker processes each has its own.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import io
import logging
from collections.abc import Callable, Coroutine
from functools import partial
from typing import Any, TypeVar

import socketio
from flask import Flask

log = logging.getLogger(__name__)

T = TypeVar("T")
Message = tuple[str, Any, str | None, str | None]  # (event, body, to: room or sid or None for all, namespace)


class LoopBridge:
    def __init__(self, app: Flask, sio: socketio.AsyncServer):
        self.app = app
        self.sio = sio
        self.loop: asyncio.AbstractEventLoop | None = None
        self._outbox: asyncio.Queue[tuple[list[Message], concurrent.futures.Future]] | None = None
        self._sender: asyncio.Task | None = None

    def attach(self) -> None:
        """Learn the running loop and start the sender (called in the loop, by every request: cheap)."""
        if self.loop is None:
            self.loop = asyncio.get_running_loop()
            self._outbox = asyncio.Queue()
            self._sender = self.loop.create_task(self._send_forever(), name="antre-live-sender")

    @property
    def attached(self) -> bool:
        return self.loop is not None and not self.loop.is_closed()

    def send(self, messages: list[Message]) -> concurrent.futures.Future | None:
        """Hand a batch over for sending, in order after every earlier batch; from any thread. Before
        the loop exists nobody is connected, so there is nobody to tell (None)."""
        if not messages or not self.attached:
            return None
        sent: concurrent.futures.Future = concurrent.futures.Future()
        try:
            self.loop.call_soon_threadsafe(self._outbox.put_nowait, (messages, sent))
        except RuntimeError:  # the loop closed meanwhile: the server is stopping
            log.debug("live: %d messages not sent, the server is stopping", len(messages))
            return None
        return sent

    async def _send_forever(self) -> None:
        while True:
            messages, sent = await self._outbox.get()
            for event, body, to, namespace in messages:
                try:
                    await self.sio.emit(event, body, to=to, namespace=namespace)
                except Exception:
                    log.exception("live: sending %s to %s failed", event, to or "everyone")
            sent.set_result(len(messages))
            await asyncio.sleep(0)  # the clients' writers, woken by this batch, go before the next one

    async def call(self, work: Callable[..., T], *args: Any, environ: dict | None = None) -> T:
        """``work(*args)`` in the loop's thread pool; inside a request context of ``environ`` if given
        (the connection's: its cookies, its query string)."""

        def in_context() -> T:
            with self.app.request_context(wsgi_environ(environ)):
                return work(*args)

        return await asyncio.get_running_loop().run_in_executor(None, in_context if environ is not None else partial(work, *args))

    @staticmethod
    def settle(sent: concurrent.futures.Future | None, timeout: float) -> None:
        """Wait up to ``timeout`` seconds until the batch ``send`` returned ``sent`` for is handed over."""
        if sent is not None:
            with contextlib.suppress(concurrent.futures.TimeoutError):
                sent.result(timeout)

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float | None = None) -> T | None:
        """Run ``coroutine`` on the loop from another thread; wait up to ``timeout`` seconds for it
        (None: do not wait). Nothing happens before the loop exists."""
        if not self.attached:
            coroutine.close()
            return None
        future = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        if timeout is None:
            return None
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            return None


def wsgi_environ(environ: dict) -> dict:
    """The environ python-engineio made of the ASGI scope, as a WSGI app expects one: what it lacks
    (the URL scheme, the host) filled in, its awaitable body replaced by an empty one."""
    scope = environ.get("asgi.scope") or {}
    server = scope.get("server") or ("localhost", 80)
    client = scope.get("client") or ("127.0.0.1", 0)
    return {
        **environ,
        "wsgi.input": io.BytesIO(),
        "wsgi.url_scheme": scope.get("scheme", "http").replace("ws", "http"),
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1]),
        "REMOTE_ADDR": str(client[0]),
        "REMOTE_PORT": str(client[1]),
    }
