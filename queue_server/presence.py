"""Whether an officer is still at a counter: closing the counters their console stopped asking about.

A counter is open while an officer is signed in at it (queue_server/availability.py). Officers do
not always sign out: a console closed with the browser, a PC switched off at the end of the day.
Each console asks the server for its counter every few seconds, so a counter that is open or
paused but whose console has made no request for ``counter_idle_minutes`` is closed by the server
(event ``closed`` with ``by: idle``), and screens stop showing it open with nobody there.

What was seen is kept in memory: after a restart every held counter gets the full idle time again,
which the consoles, reconnecting within seconds, renew. A counter with a visitor called or served is
left open: closing it would strand that ticket, and the officer will be back to finish it.

Several server processes on one database: a console's requests reach any of them, and only one, the
leader (queue_server/leader.py), sweeps. So each process also writes when it last saw each counter's
console to the database (``meta``, at most every ``SHARE_SECONDS`` per counter, without waiting for
the disk), and the sweep takes the latest of its own memory and what the database has.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from .clock import iso, parse_iso
from .engine import Conflict, Engine
from .periodic import Periodic
from .store import Store

log = logging.getLogger(__name__)

IDLE = "idle"
SIGN_OUT = "sign_out"
SHARE_SECONDS = 30  # a process writes a counter's latest request to the database at most this often
SHARED = "presence:"  # the meta key of a counter's latest request, as the processes share it


class CounterPresence:
    def __init__(self, engine: Engine, store: Store):
        self.engine = engine
        self.store = store
        self.idle = timedelta(minutes=engine.hall.counter_idle_minutes)
        self._started = engine.clock()
        self._seen: dict[str, datetime] = {}
        self._shared: dict[str, datetime] = {}  # when this process last wrote each counter's request
        self._lock = threading.Lock()
        interval = max(5.0, self.idle.total_seconds() / 10)
        self._periodic = Periodic(
            "antre-presence",
            interval,
            self.sweep,
            failure=f"closing idle counters failed; trying again in {interval:.0f} s",
            log=log,
        )

    def seen(self, counter_id: str) -> None:
        """A console of this counter made a request just now (shared with the other processes now
        and then: a write that does not wait for the disk, since losing it in a power cut harms nothing)."""
        now = self.engine.clock()
        with self._lock:
            self._seen[counter_id] = now
            shared = self._shared.get(counter_id)
            share = shared is None or abs((now - shared).total_seconds()) >= SHARE_SECONDS
            if share:
                self._shared[counter_id] = now
        if share:
            with self.store.write(durable=False) as tx:
                tx.set_meta(SHARED + counter_id, iso(now))

    def last_seen(self, counter_id: str) -> datetime | None:
        """When a console of this counter last made a request (since this server started), to this
        process or, as shared, to another."""
        with self._lock:
            own = self._seen.get(counter_id)
        with self.store.read() as tx:
            shared = tx.meta(SHARED + counter_id)
        return _latest(own, shared)

    def sweep(self) -> list[str]:
        """Close every held counter idle for longer than ``counter_idle_minutes``; the ids closed."""
        deadline = self.engine.clock() - self.idle
        closed = []
        held = self.engine.counters_held()
        with self.store.read() as tx:
            shared = {counter_id: tx.meta(SHARED + counter_id) for counter_id in held}
        for counter_id, state in held.items():
            with self._lock:
                last = _latest(self._seen.get(counter_id, self._started), shared[counter_id])
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
        self._periodic.start()

    def close(self) -> None:
        self._periodic.close()


def _latest(own: datetime | None, shared: str | None) -> datetime | None:
    """The later of what this process saw and what the processes shared (either may be missing)."""
    seen = [moment for moment in (own, parse_iso(shared) if shared else None) if moment is not None]
    return max(seen) if seen else None
