"""The call order: the one rule for which waiting ticket a counter calls next.

Everything that says or guesses who comes next asks this module: call-next's choice, the officer's
waiting list, a ticket's ``waiting_ahead``, the wait estimate's replay and the kiosk's wait for a
ticket taken now. Plain Python, no SQL: the store feeds it the lane heads, the waiting list, or
counts (``Lanes``), and the rule does the rest.

The rule, for one counter and the waiting tickets of its services:

- Two lanes, priority (any category) and normal, each in *queue order*: the time the ticket joined
  the queue (a transfer keeps its original time), then its number (``call_key``).
- Priority goes first, but never more than ``max_consecutive`` priority calls in a row at this
  counter while a normal ticket waits (``streak`` counts the run, per counter).
- A normal ticket waiting longer than ``max_normal_wait`` (*overdue*) is not passed: it goes before
  every priority ticket that joined the queue after it.

``order`` replays successive call-nexts with time standing still; ``position`` gives the same
answer for one ticket from counts, without reading the queue. A booked visitor's ticket
(queue_server/booking/) joins at the later of its check-in and its session's start: one more source
of queue times, not a new rule.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from .clock import iso

Key = tuple[str, str, str, int]
Ticket = Mapping[str, Any]


def call_key(ticket: Ticket) -> Key:
    """A ticket's place within its lane; the store's ``ORDER BY queue_at, day, prefix, seq``."""
    return (ticket["queue_at"], ticket["day"], ticket["prefix"], ticket["seq"])


class Lanes(Protocol):
    """One counter's waiting tickets as the rule counts them (the store answers with indexed counts)."""

    def total(self, priority: bool) -> int:
        """Tickets waiting in the priority lane, or in the normal lane."""

    def before(self, ticket: Ticket) -> int:
        """Tickets of the ticket's own lane that come before it in queue order."""

    def overdue_normals(self, cutoff: str) -> int:
        """Normal tickets that joined the queue before ``cutoff``: those waiting too long."""

    def old_priority(self, cutoff: str) -> list[int]:
        """For each priority ticket that joined before ``cutoff``, in queue order: how many normal
        tickets come before it. Only these can meet an overdue normal ticket."""


@dataclass(frozen=True)
class CallRule:
    """The hall's ``priority`` settings, applied."""

    max_consecutive: int
    max_normal_wait: timedelta | None = None

    @classmethod
    def of(cls, max_consecutive: int, max_normal_wait_minutes: float | None) -> CallRule:
        wait = None if max_normal_wait_minutes is None else timedelta(minutes=max_normal_wait_minutes)
        return cls(max_consecutive, wait)

    def cutoff(self, now: datetime) -> str | None:
        """Normal tickets that joined the queue before this moment are overdue (stored-time text)."""
        return None if self.max_normal_wait is None else iso(now - self.max_normal_wait)

    def normal_first(self, normal: Ticket, priority: Ticket, streak: int, now: datetime) -> bool:
        """Between the two lane heads: does the normal ticket go first?"""
        cutoff = self.cutoff(now)
        overdue = cutoff is not None and normal["queue_at"] < cutoff and call_key(normal) < call_key(priority)
        return overdue or streak >= self.max_consecutive

    def order(self, tickets: Iterable[Ticket], streak: int, now: datetime) -> Iterator[Ticket]:
        """The tickets in the order successive call-nexts take them, time standing still at ``now``.

        Lazy: the first k calls need only the first k tickets of each lane, so a caller wanting the
        next few passes each lane's head and stops early.
        """
        priority = deque(sorted((t for t in tickets if t["priority"]), key=call_key))
        normal = deque(sorted((t for t in tickets if not t["priority"]), key=call_key))
        while priority and normal:
            if self.normal_first(normal[0], priority[0], streak, now):
                streak = 0
                yield normal.popleft()
            else:
                streak += 1
                yield priority.popleft()
        yield from priority
        yield from normal

    def first(self, heads: Iterable[Ticket | None], streak: int, now: datetime) -> Ticket | None:
        """What call-next takes, given the head of each lane (None for an empty lane)."""
        return next(self.order([t for t in heads if t is not None], streak, now), None)

    def position(self, ticket: Ticket, lanes: Lanes, streak: int, now: datetime) -> int:
        """How many tickets successive call-nexts take before ``ticket``: its index in ``order``, from counts.

        While some normal ticket is overdue the calls are walked one priority ticket at a time (only
        priority tickets older than the cutoff can meet one, and they are few: priority goes first);
        after that the calls repeat a fixed pattern (up to ``max_consecutive`` priority, one normal),
        which is counted, not walked. Cost: a few counts, plus one per old priority ticket.
        """
        walk = _Walk(streak)
        is_priority, mine = bool(ticket["priority"]), lanes.before(ticket)
        cutoff = self.cutoff(now)
        if cutoff is not None:
            placed = self._while_overdue(is_priority, mine, lanes, cutoff, walk)
            if placed is not None:
                return placed
        return self._in_pattern(is_priority, mine, lanes, walk)

    def _while_overdue(self, is_priority: bool, mine: int, lanes: Lanes, cutoff: str, walk: _Walk) -> int | None:
        """Walk the calls until no normal ticket is overdue; the ticket's place if it is called meanwhile.

        ``mine``: the tickets before it in its own lane.
        """
        overdue = lanes.overdue_normals(cutoff)
        if overdue == 0:
            return None
        old = lanes.old_priority(cutoff)
        while walk.normal < overdue:
            older_normals = old[walk.priority] if walk.priority < len(old) else overdue
            if walk.normal < older_normals:  # overdue and older than the priority head: not passed
                if not is_priority and walk.normal <= mine < older_normals:
                    return mine + walk.priority
                walk.normal, walk.streak = older_normals, 0
            elif walk.streak >= self.max_consecutive:
                if not is_priority and mine == walk.normal:
                    return mine + walk.priority
                walk.normal, walk.streak = walk.normal + 1, 0
            else:
                if is_priority and mine == walk.priority:
                    return mine + walk.normal
                walk.priority, walk.streak = walk.priority + 1, walk.streak + 1
        return None

    def _in_pattern(self, is_priority: bool, mine: int, lanes: Lanes, walk: _Walk) -> int:
        """No normal ticket is overdue: runs of up to ``max_consecutive`` priority tickets, each
        followed by one normal ticket (the first run shortened by the streak so far)."""
        first_run = max(0, self.max_consecutive - walk.streak)
        if is_priority:
            runs_before = mine - walk.priority
            normals_between = 0 if runs_before < first_run else 1 + (runs_before - first_run) // self.max_consecutive
            return mine + walk.normal + min(lanes.total(False) - walk.normal, normals_between)
        normals_before = mine - walk.normal
        priority_between = first_run + normals_before * self.max_consecutive
        return mine + walk.priority + min(lanes.total(True) - walk.priority, priority_between)


@dataclass
class _Walk:
    """Calls replayed so far: from each lane, and the priority run at their end."""

    streak: int
    priority: int = 0
    normal: int = 0
