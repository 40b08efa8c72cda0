"""Rendering ahead: the calls most likely to come next are rendered before anyone presses "next".

Why: a new sentence takes espeak-ng 10–30 ms, while the ``called`` message reaches a display and
the display asks for the audio within a few milliseconds; rendered on demand, the audio would
almost never be ready when asked for. But the next call at a counter is nearly always the head of
the queue of one of its services, so those few sentences are rendered while the queue waits.

The picture of who waits is kept from the events themselves (a ticket whose snapshot says
``waiting`` is waiting, any other status is not), in this thread, never under the store's lock. A
restarted server starts with an empty picture and learns it from the next events; a call it did not
foresee is simply rendered on demand, as before.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable

from ..config import HallConfig
from ..engine import Event

log = logging.getLogger(__name__)

DEPTH = 2  # per service and kind (normal, priority): the head and the one behind it, for back-to-back calls
REMEMBERED = 1024  # (number, counter) pairs already asked for, most recent kept


class Foresight:
    """Keeps the waiting tickets per service and asks ``ahead(number, counter_id)`` for likely calls.

    ``ahead`` returns whether it took the request. Each likely call is asked for once: the heads of a
    queue stay the same through many events (every ticket issued behind them), and asking again
    would only have the renderer look at a file it already has.
    """

    def __init__(self, hall: HallConfig, ahead: Callable[[str, str], bool]):
        self.hall = hall
        self.ahead = ahead
        # Per service, its two lanes (priority, normal): ticket id → number, oldest first, so that the
        # heads of a queue of thousands are found without walking it.
        self.waiting: dict[str, tuple[dict[str, str], dict[str, str]]] = {code: ({}, {}) for code in hall.services}
        self._where: dict[str, tuple[str, bool]] = {}  # ticket id → (the service it waits for, priority?)
        self._asked: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._queue: queue.SimpleQueue[list[Event] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def reconfigure(self, hall: HallConfig) -> None:
        """A changed setup: a new service gets its (empty) lanes; its tickets arrive as events."""
        self.hall = hall
        for code in hall.services:
            self.waiting.setdefault(code, ({}, {}))

    def on_events(self, events: Iterable[Event]) -> None:
        """Engine listener side: hand the events to this module's thread (started by the first ones)."""
        self._queue.put(list(events))
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="announce-foresight", daemon=True)
                self._thread.start()

    def close(self) -> None:
        with self._lock:
            thread = self._thread
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout=5)

    def _work(self) -> None:
        while (events := self._queue.get()) is not None:
            try:
                self._foresee(self._apply(events))
            except Exception:  # a bug here must cost at most a render ahead, never the thread
                log.exception("announcements: rendering ahead failed for events %s", [e.id for e in events])

    def _apply(self, events: list[Event]) -> set[str]:
        """Update who waits; returns the services whose queue changed."""
        touched: set[str] = set()
        for event in events:
            ticket = event.ticket
            if not ticket:
                continue
            before = self._where.pop(ticket["id"], None)
            if before is not None:
                service, is_priority = before
                self.waiting[service][0 if is_priority else 1].pop(ticket["id"], None)
                touched.add(service)
            if ticket.get("status") == "waiting" and ticket.get("service") in self.waiting:
                is_priority = bool(ticket.get("priority"))
                self.waiting[ticket["service"]][0 if is_priority else 1][ticket["id"]] = ticket["number"]
                self._where[ticket["id"]] = (ticket["service"], is_priority)
                touched.add(ticket["service"])
        return touched

    def _foresee(self, services: set[str]) -> None:
        """For every counter serving a changed queue: its likely next calls, normal and priority."""
        for counter in self.hall.counters.values():
            if services.isdisjoint(counter.services):
                continue
            for code in counter.services:
                for number in self._heads(code):
                    self._ask(number, counter.id)

    def _ask(self, number: str, counter_id: str) -> None:
        pair = (number, counter_id)
        if pair in self._asked:
            self._asked.move_to_end(pair)
        elif self.ahead(number, counter_id):
            self._asked[pair] = None
            if len(self._asked) > REMEMBERED:
                self._asked.popitem(last=False)

    def _heads(self, code: str) -> list[str]:
        priority, normal = self.waiting[code]
        return [*itertools.islice(priority.values(), DEPTH), *itertools.islice(normal.values(), DEPTH)]
