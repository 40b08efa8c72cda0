"""The thread that expires bookings not checked in by their session's end plus the grace time, and
forgets the names and phone numbers of old bookings (``Bookings.expire_due``).

A minute apart is soon enough: a check-in refuses an expired booking itself, whether or not the
sweep has marked it yet; the sweep is what puts ``booking_expired`` in the log for the reports and
the notifications.
"""

from __future__ import annotations

import logging

from ..periodic import Periodic
from ..store import Store
from .desk import Bookings

log = logging.getLogger(__name__)
SWEEP_SECONDS = 60


class ExpirySweep:
    def __init__(self, bookings: Bookings, store: Store, seconds: float = SWEEP_SECONDS):
        self._periodic = Periodic(
            "antre-booking-sweep",
            seconds,
            bookings.expire_due,
            failure="booking sweep failed; trying again",
            log=log,
            store=store,
            first=True,
        )

    def start(self) -> None:
        self._periodic.start()

    def close(self) -> None:
        """Stop, and wait for a sweep under way (the store closes after this returns)."""
        self._periodic.close()
