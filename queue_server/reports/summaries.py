"""Keeps the reports' facts up to date with the log: the follower, and the exact rebuild.

The tables hold what ``facts.Facts`` makes of every event up to a cursor (``meta``). ``catch_up``
applies the events committed after it in small batches, each a short write sharing the engine's
group commit, so an officer's call-next never waits long behind it; a background thread runs it about a second after
commits (the engine's listener only wakes it; the server starts it, ``HallServer.load``), and every
report request runs it first, so a report includes everything committed before it was asked for. ``rebuild`` recomputes everything from the
whole log (``antre reports rebuild``); the tests check the two agree.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from ..config import HallConfig
from ..periodic import Periodic
from ..store import Store
from .facts import Facts, booking_of
from .store import ReportStore

log = logging.getLogger(__name__)
BATCH = 200  # events per follower write: a few milliseconds inside the engine's group commit
REBUILD_CHUNK = 20_000  # events read at a time by the rebuild
DEBOUNCE_SECONDS = 1.0
IDLE_LOOK_SECONDS = 5.0


class Summaries:
    def __init__(self, store: Store, config: HallConfig):
        self.reports = ReportStore(store)
        self.config = config
        self.batch = BATCH
        self._lock = threading.Lock()  # one catch-up at a time in this process (the thread, a request)
        self._leading: Callable[[], bool] = lambda: True
        self._periodic = Periodic(
            "antre-reports",
            IDLE_LOOK_SECONDS,  # only to notice a closed store, and end with it
            self._follow,
            failure="reports: could not apply the latest events",  # the next wake tries again; reports catch up on request meanwhile
            log=log,
            store=store,
            settle=DEBOUNCE_SECONDS,
            woken_only=True,
        )

    def reconfigure(self, config: HallConfig) -> None:
        self.config = config

    def _facts(self) -> Facts:
        services = self.config.services
        return Facts(self.config.timezone, lambda code: services[code].target_wait_minutes if code in services else None)

    def catch_up(self) -> int:
        """Apply every event committed before this call (not those committed meanwhile: a stream of
        them must not keep a report waiting for good); returns how many were applied."""
        applied = 0
        until = self.reports.last_event_id()
        with self._lock:
            if self.reports.cursor() == 0:  # never filled (a hall upgraded with its history): one pass
                return self._rebuild()
            while True:
                after = self.reports.cursor()
                events = self.reports.events_after(after, self.batch, until)
                if not events:
                    return applied
                facts = self._facts()
                tickets = {e["ticket_id"] for e in events if e["ticket_id"]}
                counters = {e["counter_id"] for e in events if e["counter_id"]}
                bookings = {number for number in map(booking_of, events) if number is not None}
                facts.load(*self.reports.open_rows(tickets, counters, bookings))
                for event in events:
                    facts.apply(event)
                if self.reports.save(*facts.take_changes(), after, events[-1]["id"]):
                    applied += len(events)

    def rebuild(self) -> int:
        """Every leg and span anew from the whole log, replacing the tables at once; returns the
        number of events read."""
        with self._lock:
            return self._rebuild()

    def _rebuild(self) -> int:
        facts = self._facts()
        cursor = 0
        while events := self.reports.events_after(cursor, REBUILD_CHUNK):
            for event in events:
                facts.apply(event)
            cursor = events[-1]["id"]
        self.reports.replace_all(*facts.take_changes(), cursor)
        return cursor

    # --- the background follower --------------------------------------------------------------
    def wake(self, _events: object = None) -> None:
        """The engine's listener: cheap, it only tells the thread there is work."""
        self._periodic.wake()

    def follow_while(self, leading: Callable[[], bool]) -> None:
        """Let the background follower work only while ``leading()``: of several server processes on
        the database, the leader (queue_server/leader.py) keeps the tables; every process still
        catches up before a report it is asked for."""
        self._leading = leading

    def start(self) -> None:
        self._periodic.start()

    def close(self) -> None:
        """Stop the thread and wait for it: it must not be inside a write when the store closes."""
        self._periodic.close()

    def _follow(self) -> None:
        if self._leading():
            self.catch_up()
