"""Where waiting tickets stand, read in one transaction: what a waiting ticket's view is made of.

A waiting ticket's view (``Engine.ticket``) needs, for each counter of its service, how many tickets
that counter's successive call-nexts take before it (its *places*; ``waiting_ahead`` is the fewest),
and for the estimate, per service, the most tickets any of those counters takes before it (its
*ahead*). Both come from the one call order (call_order.py), found in one of two ways:

- ``Counted``, for one ticket at a time (a visitor's page, the kiosk's tiles, a console's next ten):
  the rule's ``position`` from the store's indexed counts, and a replay of only as many lane heads as
  the ticket's place, so that one ticket costs the same with 10,000 waiting as with ten;
- ``Ranked``, for many tickets at once (every phone following a ticket, after each step): each
  counter's waiting tickets are read once and put in call order once (``CallRule.order``), and every
  ticket's places and ahead are read off its rank. Following 150 tickets of a queue of 300 costs one
  pass over the queue, not 150 counts and replays.

They agree because ``position`` is the index in ``order`` (tests/test_call_order.py). Everything
else in a view (the pool of counters, their state now, the estimate's arithmetic) is the same code
for both, and tests/test_followed.py checks whole views against each other on generated halls.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from bisect import bisect_left, insort
from collections import Counter as Tally
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from .call_order import CallRule, Ticket, call_key
from .config import Counter, HallConfig
from .store import Tx

T = TypeVar("T")


class Standing(ABC):
    """One transaction's counter states and moment, shared by every ticket viewed in it."""

    def __init__(self, tx: Tx, hall: HallConfig, rule: CallRule, now: datetime):
        self.tx = tx
        self.hall = hall
        self.rule = rule
        self.now = now
        self.states = tx.counter_states()
        self._kept: dict[Hashable, Any] = {}

    def kept(self, key: Hashable, make: Callable[[], T]) -> T:
        """What every ticket viewed in this transaction shares (a service's pool of counters, their
        state now), made for the first one that needs it."""
        if key not in self._kept:
            self._kept[key] = make()
        return self._kept[key]

    def streak(self, counter_id: str) -> int:
        return self.states.get(counter_id, {}).get("priority_streak", 0)

    def places(self, ticket: Ticket) -> dict[str, int]:
        """For each counter of the ticket's service: how many tickets its successive call-nexts take
        before this one. Counters serving the same services with the same priority run share one
        answer. A service no counter serves yet: its place in its own queue (key ``""``)."""
        counters = self.hall.counters_for_service(ticket["service"])
        if not counters:
            return {"": self._place(ticket, (ticket["service"],), 0)}
        known: dict[tuple[tuple[str, ...], int], int] = {}
        places = {}
        for counter in counters:
            key = (counter.services, self.streak(counter.id))
            if key not in known:
                known[key] = self._place(ticket, *key)
            places[counter.id] = known[key]
        return places

    @abstractmethod
    def _place(self, ticket: Ticket, services: tuple[str, ...], streak: int) -> int:
        """How many tickets the call-nexts of a counter serving ``services`` take before this one."""

    @abstractmethod
    def ahead(self, ticket: Ticket, pool: Sequence[Counter], places: Mapping[str, int]) -> Mapping[str, int]:
        """Per service, the most tickets any counter of ``pool`` calls before this one (``places``:
        the ticket's places at those counters)."""


class Counted(Standing):
    """One ticket at a time, from counts: its cost does not grow with the queue behind it."""

    def _place(self, ticket: Ticket, services: tuple[str, ...], streak: int) -> int:
        return self.rule.position(ticket, self.tx.lanes(services), streak, self.now)

    def ahead(self, ticket: Ticket, pool: Sequence[Counter], places: Mapping[str, int]) -> Mapping[str, int]:
        """When every counter calls everything it serves before the ticket, as for a new normal ticket,
        the waiting counts say how many of each service without reading the waiting list; otherwise
        the calls before it are replayed. ``ticket`` may be one about to be taken (no ``id``)."""
        counts = self.tx.waiting_counts()
        others = {code: counts.get(code, 0) for code in {s for c in pool for s in c.services}}
        if ticket["id"] is not None:
            others[ticket["service"]] -= 1
        if all(places[c.id] == sum(others[code] for code in c.services) for c in pool):
            return others
        return self._replayed(ticket, pool, places)

    def _replayed(self, ticket: Ticket, pool: Sequence[Counter], places: Mapping[str, int]) -> dict[str, int]:
        """A counter calls ``places[counter]`` tickets before this one, so the replay needs only that
        many plus one from the head of each lane (priority and normal), not the whole waiting list:
        the console's list of the next ten stays as fast with 10,000 waiting as with ten."""
        ahead: dict[str, int] = {}
        heads_by_counter: dict[tuple[tuple[str, ...], int], list[Ticket]] = {}
        for counter in pool:
            calls = places[counter.id] + 1
            waiting = heads_by_counter.get((counter.services, calls))
            if waiting is None:
                lanes = (self.tx.waiting(counter.services, priority=lane, limit=calls) for lane in (True, False))
                waiting = sorted((t for lane in lanes for t in lane if t["id"] != ticket["id"]), key=call_key)
                insort(waiting, ticket, key=call_key)
                heads_by_counter[counter.services, calls] = waiting
            before = Tally()
            for called in self.rule.order(waiting, self.streak(counter.id), self.now):
                if called is ticket:
                    break
                before[called["service"]] += 1
            for code, n in before.items():
                ahead[code] = max(ahead.get(code, 0), n)
        return ahead


class Ranked(Standing):
    """Many waiting tickets at once: each counter's queue is read and put in call order once, and
    every ticket's places and ahead are read off its rank in it."""

    def _calls(self, services: tuple[str, ...], streak: int) -> _Calls:
        """The calls of the counters serving ``services`` with this priority run so far."""
        return self.kept(("calls", services, streak), lambda: _Calls(self.rule.order(self._waiting(services), streak, self.now)))

    def _waiting(self, services: tuple[str, ...]) -> list[Ticket]:
        """The queue of these services, read once, whatever the counters' priority runs."""
        return self.kept(("waiting", services), lambda: self.tx.waiting(services))

    def _place(self, ticket: Ticket, services: tuple[str, ...], streak: int) -> int:
        return self._calls(services, streak).rank[ticket["id"]]

    def ahead(self, ticket: Ticket, pool: Sequence[Counter], places: Mapping[str, int]) -> Mapping[str, int]:
        ahead: dict[str, int] = {}
        for counter in pool:
            calls = self._calls(counter.services, self.streak(counter.id))
            for code, n in calls.before(places[counter.id]).items():
                ahead[code] = max(ahead.get(code, 0), n)
        return ahead


class _Calls:
    """One counter's waiting tickets in the order its call-nexts take them: each ticket's rank, and
    per service the ranks its tickets are called at, so that "how many of each service come before
    rank r" is a bisection, not a walk."""

    def __init__(self, called: Iterable[Ticket]):
        self.rank: dict[str, int] = {}
        self._ranks: dict[str, list[int]] = {}
        for i, ticket in enumerate(called):
            self.rank[ticket["id"]] = i
            self._ranks.setdefault(ticket["service"], []).append(i)

    def before(self, rank: int) -> dict[str, int]:
        """Per service, the tickets called before the one at ``rank``."""
        return {code: bisect_left(ranks, rank) for code, ranks in self._ranks.items()}
