"""A per-key sliding window: at most ``limit`` takes per key within ``window``, for what the public
may write (anonymous tickets, survey responses, complaints, bookings, push subscriptions), keyed by
whatever the caller counts (a client address folded by ``issuing_access.client_of``, a ticket id).

The counts live in this process's memory, and a restart forgets them, which costs at most one more
allowance; keeping them in the database would add a write per refusal. With several server
processes (``--workers N``) each counts its own: an address may get up to N allowances (README).
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from .accounts import Throttled
from .clock import Clock


class SlidingWindow:
    """``slot(key)`` around a write (or ``take(key)``, and ``give_back(key)`` for a request that turns
    out not to count); a take over the limit raises ``Throttled`` (HTTP 429), whose message says in
    how many minutes the oldest take expires."""

    def __init__(self, limit: int, window: timedelta, clock: Clock, message: str = "error.rate_limited"):
        self.limit = limit
        self.window = window
        self.clock = clock
        self.message = message
        self._lock = threading.Lock()
        self._recent: dict[str, deque[datetime]] = {}

    def take(self, key: str) -> datetime:
        """Count one for ``key`` (``Throttled`` over the limit); returns the take's time."""
        now = self.clock()
        with self._lock:
            self._forget_before(now - self.window)
            stamps = self._recent.setdefault(key, deque())
            self._refuse(stamps, now)
            stamps.append(now)
        return now

    @contextmanager
    def slot(self, key: str | None) -> Iterator[None]:
        """``take(key)`` around a write, given back if the write raises: a request that stored nothing
        costs its client nothing, and parallel requests cannot overshoot. ``None``: not counted (a
        kiosk or a paired device, one address for many visitors)."""
        if key is None:
            yield
            return
        taken = self.take(key)
        try:
            yield
        except BaseException:
            self.give_back(key, taken)
            raise

    def refuse_if_full(self, key: str) -> None:
        """Raise ``Throttled`` as ``take`` would, without taking: for limits on failures (a code
        guessed wrong), checked before the attempt so a refused client learns nothing from it."""
        now = self.clock()
        with self._lock:
            self._forget_before(now - self.window)
            self._refuse(self._recent.get(key, ()), now)

    def _refuse(self, stamps: deque[datetime] | tuple, now: datetime) -> None:
        """``Throttled`` when the key has used its limit, saying in how many minutes a take is free again."""
        if len(stamps) >= self.limit:
            minutes = max(1, math.ceil((stamps[0] + self.window - now).total_seconds() / 60))
            raise Throttled(self.message, num=minutes)

    def give_back(self, key: str, taken: datetime | None = None) -> None:
        """Return the take of ``key`` made at ``taken`` (``take``'s answer), or its latest; nothing
        when the window has already let it go."""
        with self._lock:
            stamps = self._recent.get(key)
            if stamps and (taken is None or taken in stamps):
                stamps.remove(stamps[-1] if taken is None else taken)
                if not stamps:
                    del self._recent[key]

    def _forget_before(self, moment: datetime) -> None:
        """Drop the takes older than the window, so memory holds only the last window's keys."""
        for key in list(self._recent):
            stamps = self._recent[key]
            while stamps and stamps[0] <= moment:
                stamps.popleft()
            if not stamps:
                del self._recent[key]
