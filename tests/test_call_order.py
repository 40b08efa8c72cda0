"""The call-order rule on its own: counting a ticket's place gives its index in the replayed order.

``position`` answers from counts (what the store can count with its indexes) so that a ticket's
place costs no walk over a long queue; ``order`` replays call after call. They must never disagree.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from antre.queue_server.call_order import CallRule, Ticket, call_key
from antre.queue_server.clock import iso
from hypothesis import given, settings
from hypothesis import strategies as st

NOW = datetime(2026, 11, 25, 5, 0, tzinfo=UTC)


class ListLanes:
    """The ``Lanes`` counts over a plain list: the definition the store's SQL must match."""

    def __init__(self, tickets: list[Ticket]):
        self.tickets = sorted(tickets, key=call_key)

    def _lane(self, priority: bool) -> list[Ticket]:
        return [t for t in self.tickets if bool(t["priority"]) == priority]

    def total(self, priority: bool) -> int:
        return len(self._lane(priority))

    def before(self, ticket: Ticket) -> int:
        return sum(1 for t in self._lane(bool(ticket["priority"])) if call_key(t) < call_key(ticket))

    def overdue_normals(self, cutoff: str) -> int:
        return sum(1 for t in self._lane(False) if t["queue_at"] < cutoff)

    def old_priority(self, cutoff: str) -> list[int]:
        normals = self._lane(False)
        return [sum(1 for n in normals if call_key(n) < call_key(p)) for p in self._lane(True) if p["queue_at"] < cutoff]


@st.composite
def queues(draw) -> tuple[CallRule, list[dict], int]:
    """A counter's waiting tickets (minutes waited, priority or not, several services), its rule and its streak."""
    rule = CallRule.of(draw(st.integers(1, 4)), draw(st.one_of(st.none(), st.sampled_from([5, 20, 30]))))
    waited = draw(st.lists(st.tuples(st.integers(0, 60), st.booleans(), st.sampled_from("AB")), max_size=24))
    tickets = [
        {
            "id": f"t{i}",
            "queue_at": iso(NOW - timedelta(minutes=minutes)),
            "day": "2026-11-25",
            "prefix": service,
            "seq": i + 1,
            "priority": "lansia" if priority else None,
        }
        for i, (minutes, priority, service) in enumerate(waited)
    ]
    return rule, tickets, draw(st.integers(0, 6))


@settings(max_examples=1000, deadline=None)
@given(queues())
def test_counting_a_tickets_place_agrees_with_replaying_the_calls(queue):
    rule, tickets, streak = queue
    lanes = ListLanes(tickets)

    replayed = [t["id"] for t in rule.order(tickets, streak, NOW)]

    assert [replayed.index(t["id"]) for t in tickets] == [rule.position(t, lanes, streak, NOW) for t in tickets]


def test_an_overdue_normal_ticket_goes_before_younger_priority_tickets_only():
    rule = CallRule.of(10, 20)
    ticket = {"day": "2026-11-25", "prefix": "A"}
    older_priority = {**ticket, "id": "p1", "queue_at": iso(NOW - timedelta(minutes=40)), "seq": 1, "priority": "anak"}
    overdue = {**ticket, "id": "n1", "queue_at": iso(NOW - timedelta(minutes=30)), "seq": 2, "priority": None}
    younger_priority = {**ticket, "id": "p2", "queue_at": iso(NOW - timedelta(minutes=10)), "seq": 3, "priority": "lansia"}

    order = rule.order([younger_priority, overdue, older_priority], 0, NOW)

    assert [t["id"] for t in order] == ["p1", "n1", "p2"]
