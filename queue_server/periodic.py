"""One background thread that does a piece of the hall's work every so often, or sooner when woken.

The log watch, the event follower, the reports' follower, the booking sweep, the monitor and the
idle-counter sweep all need the same few things, and each getting one of them subtly wrong is how
a server hangs at shutdown or writes into a closed database: a daemon thread started once; a wake
that only sets an event (it is called from the engine's listener, under the store's write lock); a
round that never runs once the thread is stopped or its store closed; a failing round that is
logged and tried again rather than ending the thread for good; and a ``close`` that waits for a
round under way (the store closes after it returns) yet does not deadlock when the round itself
closes the store.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from .store import Store


class Periodic:
    """Runs ``work`` in a daemon thread named ``name``: every ``every`` seconds, or as soon as woken.

    ``failure`` is what is logged (on ``log``, with the traceback) when a round raises; the next round
    tries again. With a ``store``, the thread ends once the store is closed and ``close`` runs before
    the store closes. ``first`` does a round as soon as the thread starts, before the first wait.
    ``settle`` waits that much longer before each later round, so that a burst of wakes makes one
    round. ``woken_only`` does a round only when woken, the wait then serving only to notice a
    closed store.
    """

    def __init__(
        self,
        name: str,
        every: float,
        work: Callable[[], object],
        *,
        failure: str,
        log: logging.Logger,
        store: Store | None = None,
        first: bool = False,
        settle: float = 0.0,
        woken_only: bool = False,
    ):
        self.name = name
        self.every = every
        self.work = work
        self.failure = failure
        self.log = log
        self.store = store
        self.first = first
        self.settle = settle
        self.woken_only = woken_only
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if store is not None:
            store.before_close(self.close)

    @property
    def started(self) -> bool:
        return self._thread is not None

    @property
    def stopped(self) -> bool:
        """Closed, or its store is: no round may start any more."""
        return self._stop.is_set() or (self.store is not None and self.store.closed)

    def start(self) -> None:
        """Start the thread, once: a second call (leadership regained, a reload) does nothing."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self._thread.start()

    def wake(self) -> None:
        """Do a round now rather than at the next interval: cheap, it only sets an event."""
        self._wake.set()

    def close(self) -> None:
        """Stop, and wait for a round under way, unless called from that round (which then ends)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()

    def _run(self) -> None:
        if self.first and not self.stopped:
            self._round()
        while True:
            woken = self._wake.wait(self.every)
            if self.stopped:
                return
            if self.woken_only and not woken:
                continue
            if (self.settle and self._stop.wait(self.settle)) or self.stopped:
                return
            self._wake.clear()
            self._round()

    def _round(self) -> None:
        try:
            self.work()
        except Exception:  # a database hiccup must not end the thread; the next round tries again
            self.log.exception(self.failure)
