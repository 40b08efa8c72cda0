"""Whether an officer is still at a counter: closing the counters their console stopped asking about.

A counter is open while an officer is signed in at it (queue_server/availability.py). Officers do
not always sign out: a console closed with the browser, a PC switched off at the end of the day.
Each console asks the server for its counter every few seconds, so a counter that is open or
paused but whose console has made no request for ``counter_idle_minutes`` is closed by the server
(event ``closed`` with ``by: idle``), and screens stop showing it open with nobody there.

What was seen is kept in memory: after a restart every held counter gets the full idle time again,
which the consoles, reconnecting within seconds, renew. A counter with a visitor called or served is
left open: closing it would strand that ticket, and the officer will be back to finish it.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from .engine import Conflict, Engine

log = logging.getLogger(__name__)

IDLE = "idle"
SIGN_OUT = "sign_out"


class CounterPresence:
    def __init__(self, engine: Engine):
        self.engine = engine
        self.idle = timedelta(minutes=engine.hall.counter_idle_minutes)
        self._started = engine.clock()
        self._seen: dict[str, datetime] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def seen(self, counter_id: str) -> None:
        """A console of this counter made a request just now."""
        with self._lock:
            self._seen[counter_id] = self.engine.clock()

    def last_seen(self, counter_id: str) -> datetime | None:
        """When a console of this counter last made a request (since this server started)."""
        with self._lock:
            return self._seen.get(counter_id)

    def sweep(self) -> list[str]:
        """Close every held counter idle for longer than ``counter_idle_minutes``; the ids closed."""
        deadline = self.engine.clock() - self.idle
        closed = []
        for counter_id, state in self.engine.counters_held().items():
            with self._lock:
                last = self._seen.get(counter_id, self._started)
            if last < deadline and not state["ticket_id"] and self._close(counter_id, IDLE):
                closed.append(counter_id)
        return closed

    def signed_out(self, officer_id: int) -> None:
        """The officer logged out: the counters they hold (and serve nobody at) close now."""
        for counter_id, state in self.engine.counters_held().items():
            if state["officer_id"] == officer_id and not state["ticket_id"]:
                self._close(counter_id, SIGN_OUT)

    def _close(self, counter_id: str, by: str) -> bool:
        try:
            self.engine.close_counter(counter_id, by=by)
        except Conflict:  # a visitor was called there meanwhile: the officer is back
            return False
        log.info("counter %s closed (%s)", counter_id, by)
        return True

    def start(self) -> None:
        """Sweep in a thread, often enough that a counter closes within a tenth of the idle time of its due."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="antre-presence", daemon=True)
            self._thread.start()

    def close(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        interval = max(5.0, self.idle.total_seconds() / 10)
        while not self._stop.wait(interval):
            try:
                self.sweep()
            except Exception:  # a database hiccup must not end the sweeping for good
                log.exception("closing idle counters failed; trying again in %.0f s", interval)
