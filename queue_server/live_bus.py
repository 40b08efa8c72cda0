"""The bus between a hall's server processes: a commit in one wakes the live channel of every other.

Each process's live channel follows the committed event log itself and reads it every 0.5 s anyway,
so the bus carries no events, only "look now": a Redis pub/sub message on one channel per hall
database. That is why losing Redis loses nothing: calls still reach every screen, a little later.

Two threads of its own, so a commit's thread never waits on the network: the publisher sends one
message per burst of ``publish()`` calls, and the subscriber calls ``on_wake()`` for each message of
another process (a process ignores its own: its commits wake its live channel directly).

While Redis is away both threads retry with a growing pause (0.5 s to 5 s); the outage is logged
once, and its end once. A subscription can also die silently (a firewall or a frozen server: the
socket stays open and nothing arrives), so the subscriber PINGs on its own connection whenever it
has heard nothing for a second and makes a new connection when no answer comes.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

if TYPE_CHECKING:
    from .config import HallConfig

log = logging.getLogger(__name__)

FIRST_PAUSE = 0.5  # seconds before the first retry while Redis is away; doubled each time
LAST_PAUSE = 5.0  # the longest pause between retries
QUIET = 1.0  # seconds without a word on the subscription before it is PINGed
PING_ANSWER = 2.0  # seconds a PING may wait for its answer before the connection counts as dead
CONNECT_TIMEOUT = 1.0
IO_TIMEOUT = 2.0
FIRST_CONTACT = 2.0  # seconds start() waits for the first subscription, so health() starts truthful
WATCH = "antre-bus-watch"  # the subscriber's own PING message


def hall_channel(database: Path) -> str:
    """The hall's pub/sub channel: one per database file, so two halls sharing a Redis never wake each other."""
    return "antre:" + hashlib.sha256(str(Path(database).resolve()).encode()).hexdigest()[:16]


def hall_bus(config: HallConfig, on_wake: Callable[[], None]) -> LiveBus | None:
    """The hall's bus, not started, when ``live.message_queue`` is set (config.py makes several workers
    need one); None otherwise: a single process needs no Redis."""
    url = config.live.message_queue
    return LiveBus(url, hall_channel(config.database), on_wake) if url else None


def shown_url(url: str) -> str:
    """The URL without its password, for logs and ``/healthz`` (which say nothing secret)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


class LiveBus:
    """One per server process (built after the fork); ``publish()`` after each commit, ``on_wake``
    called on the bus's own thread when another process has committed."""

    def __init__(self, url: str, channel: str, on_wake: Callable[[], None]):
        self.url, self.channel, self.on_wake = url, channel, on_wake
        self.sender = f"{os.getpid()}-{uuid.uuid4().hex[:12]}".encode()  # in each message: its own are skipped
        self._wanted = threading.Event()  # a publish is owed
        self._closed = threading.Event()
        self._contact = threading.Event()  # the subscriber has subscribed or failed once
        self._lock = threading.Lock()
        self._failing: dict[str, str] = {}  # role (publish, subscribe) -> its last error, while Redis is away
        self._down_since: float | None = None
        self._retries = 0
        self._standing = False  # the current connection has subscribed (and answered a PING)
        self._threads = [
            threading.Thread(target=self._publishing, name="live-bus-publish", daemon=True),
            threading.Thread(target=self._subscribing, name="live-bus-subscribe", daemon=True),
        ]

    def start(self) -> LiveBus:
        for thread in self._threads:
            thread.start()
        self._contact.wait(FIRST_CONTACT)
        return self

    def publish(self) -> None:
        """Tell the other processes to look at the log: returns at once, never raises (a commit's thread calls it)."""
        self._wanted.set()

    def close(self) -> None:
        self._closed.set()
        self._wanted.set()
        for thread in self._threads:
            if thread.is_alive():
                thread.join(timeout=QUIET + IO_TIMEOUT)

    def health(self) -> dict[str, Any]:
        """The ``live_bus`` check of ``/healthz``: down while Redis is away (screens still get every call,
        from the log, a little later, but processes no longer wake each other at once)."""
        with self._lock:
            check: dict[str, Any] = {"ok": not self._failing, "state": "down" if self._failing else "up", "url": shown_url(self.url)}
            if self._failing:
                check["error"] = (
                    f"Redis unreachable ({'; '.join(sorted(set(self._failing.values())))}); screens get calls from the event log"
                )
                check["down_seconds"] = round(time.monotonic() - self._down_since, 1)
                check["retries"] = self._retries
        return check

    # --- the two threads ---------------------------------------------------------------------------
    def _publishing(self) -> None:
        client = self._client(retries=1)
        pause = FIRST_PAUSE
        while True:
            self._wanted.wait()
            if self._closed.is_set():
                break
            self._wanted.clear()  # commits from now on owe another message; those so far share this one
            try:
                client.publish(self.channel, self.sender)
            except Exception as error:  # whatever it is, the thread retries rather than die (see _subscribing)
                self._wanted.set()  # the other processes read the log meanwhile; wake them once Redis is back
                self._failed("publish", error)
                self._closed.wait(pause)
                pause = min(pause * 2, LAST_PAUSE)
            else:
                self._recovered("publish")
                pause = FIRST_PAUSE
        client.close()

    def _subscribing(self) -> None:
        pause, first = FIRST_PAUSE, True
        while not self._closed.is_set():
            pubsub = self._client(retries=0).pubsub(ignore_subscribe_messages=True)
            self._standing = False
            try:
                pubsub.subscribe(self.channel)
                pubsub.ping(WATCH)  # its answer proves the subscription stands before it counts as up
                self._listen(pubsub, first)
            except Exception as error:  # not only RedisError: a dead thread would leave health() saying up
                if self._standing:
                    continue  # one that stood, then broke (a killed client): made again at once; failing that is an outage
                self._failed("subscribe", error)
                self._contact.set()
                self._closed.wait(pause)
                pause = min(pause * 2, LAST_PAUSE)
            else:
                pause = FIRST_PAUSE
            finally:
                pubsub.close()
                first = False

    def _listen(self, pubsub: Any, first: bool) -> None:
        """Deliver wakes until the bus closes; raise when the connection fails or stops answering."""
        heard, asked = time.monotonic(), None
        while not self._closed.is_set():
            message = pubsub.get_message(timeout=QUIET / 2)
            now = time.monotonic()
            if message is not None:
                heard, asked = now, None
                if message["type"] == "pong" and not self._standing:
                    self._subscribed(first)
                elif message["type"] == "message" and message["data"] != self.sender:
                    self._wake()
            elif asked is not None and now - asked > PING_ANSWER:
                raise redis.ConnectionError(f"no answer to PING within {PING_ANSWER:g} s")
            elif asked is None and now - heard > QUIET:
                pubsub.ping(WATCH)
                asked = now

    def _subscribed(self, first: bool) -> None:
        self._standing = True
        self._recovered("subscribe")
        self._contact.set()
        if not first:
            self._wake()  # the others' messages while it was away are lost: look at the log once now

    def _wake(self) -> None:
        try:
            self.on_wake()
        except Exception:
            log.exception("live bus: waking the live channel failed")

    def _client(self, retries: int) -> redis.Redis:
        """Connections that fail fast and leave the retrying to the bus (redis-py's own backoff would hide
        an outage from the log and from ``health()``); ``retries=1`` makes a stale connection again at once."""
        return redis.Redis.from_url(
            self.url,
            socket_connect_timeout=CONNECT_TIMEOUT,
            socket_timeout=IO_TIMEOUT,
            retry=Retry(NoBackoff(), retries),
        )

    # --- one log line per outage, one per recovery ------------------------------------------------
    def _failed(self, role: str, error: Exception) -> None:
        with self._lock:
            first = not self._failing
            self._failing[role] = str(error) or type(error).__name__
            if first:
                self._down_since, self._retries = time.monotonic(), 0
            else:
                self._retries += 1
        if first:
            log.warning(
                "live bus: Redis at %s is unreachable (%s); meanwhile each server process reads the event log every "
                "0.5 s, so calls still reach every screen, a little later. Retrying every few seconds; one line will say when it is back",
                shown_url(self.url),
                error,
            )

    def _recovered(self, role: str) -> None:
        with self._lock:
            if self._failing.pop(role, None) is None or self._failing:
                return
            seconds = time.monotonic() - self._down_since
        log.info(
            "live bus: Redis at %s is back after %.0f s; the server processes wake each other at once again", shown_url(self.url), seconds
        )
