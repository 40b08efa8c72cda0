"""Priority for vulnerable groups (UU 25/2009 Pasal 29), without starving everyone else.

Priority tickets go first, but a counter never calls more than ``priority.max_consecutive`` of them
in a row while normal tickets wait, and a normal ticket that has waited longer than
``priority.max_normal_wait_minutes`` is not passed over.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator

import pytest
from antre.queue_server.config import load_config
from antre.queue_server.hall import open_hall

from tests.support import SMALL_HALL, write_config


@pytest.fixture
def hall_with(tmp_path, clock) -> Iterator:
    """Open the small hall with other priority settings: ``hall_with(max_consecutive=2)``."""
    opened = []

    def make(**priority):
        folder = tmp_path / f"hall-{len(opened)}"
        folder.mkdir()
        data = copy.deepcopy(SMALL_HALL)
        data["priority"] = priority
        hall = open_hall(load_config(write_config(folder, data)), clock)
        opened.append(hall)
        return hall.engine

    yield make
    for hall in opened:
        hall.store.close()


def issue_in_order(engine, clock, plan: str, category: str = "lansia") -> dict[str, dict]:
    """Issue one A ticket per letter a minute apart: 'n' normal, 'p' priority; returns them by label."""
    tickets = {}
    counts = {"n": 0, "p": 0}
    for kind in plan:
        counts[kind] += 1
        tickets[f"{kind.upper()}{counts[kind]}"] = engine.issue("A", priority=category if kind == "p" else None)
        clock.advance(minutes=1)
    return tickets


def call_all(engine, counter: str, tickets: dict[str, dict]) -> list[str]:
    label = {t["id"]: name for name, t in tickets.items()}
    order = []
    while (ticket := engine.call_next(counter)) is not None:
        order.append(label[ticket["id"]])
    return order


def test_a_priority_ticket_is_called_before_normal_tickets_that_came_earlier(engine, clock):
    tickets = issue_in_order(engine, clock, "nnp")

    assert call_all(engine, "2", tickets) == ["P1", "N1", "N2"]


def test_priority_tickets_among_themselves_are_called_oldest_first(engine, clock):
    categories = ["anak", "lansia", "korban_bencana", "ibu_hamil", "disabilitas"]
    issued = []
    for category in categories:
        issued.append(engine.issue("A", priority=category)["id"])
        clock.advance(minutes=1)

    assert [engine.call_next("2")["id"] for _ in categories] == issued


def test_with_the_default_of_three_a_normal_ticket_is_called_after_every_three_priority_tickets(engine, clock):
    assert engine.hall.max_consecutive_priority == 3
    tickets = issue_in_order(engine, clock, "nnppppppp")

    assert call_all(engine, "2", tickets) == ["P1", "P2", "P3", "N1", "P4", "P5", "P6", "N2", "P7"]


@pytest.mark.parametrize(
    ("limit", "expected"),
    [
        (1, ["P1", "N1", "P2", "N2", "P3", "P4", "P5"]),
        (2, ["P1", "P2", "N1", "P3", "P4", "N2", "P5"]),
        (5, ["P1", "P2", "P3", "P4", "P5", "N1", "N2"]),
    ],
)
def test_max_consecutive_sets_how_many_priority_tickets_may_go_in_a_row(hall_with, clock, limit, expected):
    engine = hall_with(max_consecutive=limit)
    tickets = issue_in_order(engine, clock, "nnppppp")

    assert call_all(engine, "2", tickets) == expected


def test_victims_of_disasters_go_first_within_the_same_fairness_cap_and_are_audited_like_the_others(engine, clock):
    tickets = issue_in_order(engine, clock, "nnpppp", category="korban_bencana")

    assert call_all(engine, "2", tickets) == ["P1", "P2", "P3", "N1", "P4", "N2"]
    issued = engine.history(tickets["P1"]["id"])[0]
    assert (issued["kind"], issued["details"]["priority"]) == ("issued", "korban_bencana"), "Pasal 29's audit trail"
    assert engine.ticket(tickets["P1"]["id"])["priority"] == "korban_bencana"


def test_priority_tickets_go_on_back_to_back_when_no_normal_ticket_waits(engine, clock):
    tickets = issue_in_order(engine, clock, "ppppp")

    assert call_all(engine, "2", tickets) == ["P1", "P2", "P3", "P4", "P5"]


def test_the_run_of_priority_calls_is_counted_per_counter(engine, clock):
    tickets = issue_in_order(engine, clock, "nppppp")
    label = {t["id"]: name for name, t in tickets.items()}

    at_1 = [label[engine.call_next("1")["id"]] for _ in range(2)]
    at_2 = [label[engine.call_next("2")["id"]] for _ in range(2)]

    assert (at_1, at_2) == (["P1", "P2"], ["P3", "P4"]), "neither counter has called three in a row yet"


def test_a_normal_ticket_waiting_longer_than_the_limit_is_not_passed_over(hall_with, clock):
    engine = hall_with(max_consecutive=10, max_normal_wait_minutes=20)
    normal = engine.issue("A")
    clock.advance(minutes=5)
    lansia = [engine.issue("A", priority="lansia") for _ in range(3)]

    assert engine.call_next("2")["id"] == lansia[0]["id"]  # 08:05, the normal ticket waited 5 minutes
    clock.advance(minutes=15)  # 08:20: exactly 20 minutes is not yet longer than the limit
    assert engine.call_next("2")["id"] == lansia[1]["id"]
    clock.advance(seconds=1)
    assert engine.call_next("2")["id"] == normal["id"]
    assert engine.call_next("2")["id"] == lansia[2]["id"]


def test_an_overdue_normal_ticket_does_not_jump_ahead_of_a_priority_ticket_that_came_before_it(hall_with, clock):
    engine = hall_with(max_consecutive=10, max_normal_wait_minutes=20)
    lansia = engine.issue("A", priority="lansia")
    clock.advance(minutes=1)
    normal = engine.issue("A")
    clock.advance(minutes=45)  # both have waited far past the limit

    assert [engine.call_next("2")["id"] for _ in range(2)] == [lansia["id"], normal["id"]]


def test_without_a_wait_limit_only_the_run_length_protects_normal_tickets(hall_with, clock):
    engine = hall_with(max_consecutive=2)
    normal = engine.issue("A")
    clock.advance(hours=3)
    lansia = [engine.issue("A", priority="lansia")["id"] for _ in range(2)]

    assert [engine.call_next("2")["id"] for _ in range(3)] == [*lansia, normal["id"]]


def test_the_waiting_list_shows_tickets_in_exactly_the_order_call_next_takes_them(hall_with, clock):
    """A property check over a seeded random mix of services, priorities, gaps and calls."""
    rng = random.Random(20261125)
    engine = hall_with(max_consecutive=2, max_normal_wait_minutes=30)
    priorities = [None, None, None, "lansia", "anak", "ibu_hamil", "disabilitas", True]
    seen = {"calls": 0, "priority went ahead": 0, "normal went ahead": 0}

    def note(listed: list[dict]) -> None:
        seen["calls"] += 1
        head, rest = listed[0], listed[1:]
        if head["priority"] and any(not t["priority"] and t["issued_at"] < head["issued_at"] for t in rest):
            seen["priority went ahead"] += 1
        if not head["priority"] and any(t["priority"] for t in rest):
            seen["normal went ahead"] += 1

    for _round in range(60):
        for _ in range(rng.randint(0, 8)):
            engine.issue(rng.choice("AABC"), priority=rng.choice(priorities))
            clock.advance(seconds=rng.choice([1, 20, 60, 120, 900]))
        for _ in range(rng.randint(0, 5)):
            counter = rng.choice(["1", "1", "2"])
            listed = engine.waiting_for_counter(counter, limit=1000)
            called = engine.call_next(counter)
            assert (called["id"] if called else None) == (listed[0]["id"] if listed else None)
            if listed:
                note(listed)
        clock.advance(seconds=rng.choice([1, 600, 2400]))
        if rng.random() < 0.25:  # drain Loket 1 at one instant: the whole list must match, not only its head
            listed = engine.waiting_for_counter("1", limit=1000)
            drained = []
            while (ticket := engine.call_next("1")) is not None:
                note(listed[len(drained) :])
                drained.append(ticket["id"])
            assert drained == [t["id"] for t in listed]
    assert seen["calls"] > 100
    assert seen["priority went ahead"] > 5 and seen["normal went ahead"] > 5, f"the mix exercised both rules: {seen}"


def test_the_waiting_list_numbers_each_tickets_place(engine, clock):
    issue_in_order(engine, clock, "npn")

    listed = engine.waiting_for_counter("2")

    assert [(t["number"], t["waiting_ahead"]) for t in listed] == [("A002", 0), ("A001", 1), ("A003", 2)]
    assert engine.waiting_for_counter("2", limit=2) == listed[:2]
