"""The thread that expires bookings not checked in by their session's end plus the grace time, and
forgets the names and phone numbers of old bookings (``Bookings.expire_due``).

A minute apart is soon enough: a check-in refuses an expired booking itself, whether or not the
sweep has marked it yet; the sweep is what puts ``booking_expired`` in the log for the reports and
the notifications.
"""

from __future__ import annotations

import logging
import threading

from ..store import Store
from .desk import Bookings

log = logging.getLogger(__name__)
SWEEP_SECONDS = 60


class ExpirySweep:
    def __init__(self, bookings: Bookings, store: Store, seconds: float = SWEEP_SECONDS):
        self.bookings = bookings
        self.store = store
        self.seconds = seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        store.before_close(self.close)

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="antre-booking-sweep", daemon=True)
            self._thread.start()

    def close(self) -> None:
        """Stop, and wait for a sweep under way (the store closes after this returns)."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set() and not self.store.closed:
            try:
                self.bookings.expire_due()
            except Exception:  # a database hiccup must not end the sweep; the next round tries again
                log.exception("booking sweep failed; trying again")
            self._stop.wait(self.seconds)
