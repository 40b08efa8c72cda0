"""Followed tickets in one pass: the batch views equal ``Engine.ticket``, ticket by ticket.

The live channel sends each phone its ticket's view after every step; it computes them all at once
(``Engine.ticket_views``: each counter's queue read and put in call order once), where the visitor's
page asks for one (``Engine.ticket``: counted from indexes). A phone and the page must never show two
different places or estimates, so on generated hall days, with several services sharing counters,
priority tickets, counters paused, busy or closed, planned breaks ahead or taken, and normal tickets
overdue, every waiting ticket's batch view must be exactly its single view.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from antre.queue_server.app import open_hall
from antre.queue_server.clock import ManualClock
from antre.queue_server.config import load_config
from antre.queue_server.engine import QueueError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import write_config

JAKARTA = ZoneInfo("Asia/Jakarta")
# Counters sharing services in a chain (A-B-C), one service with a counter of its own, and one that
# no counter serves: each ticket's estimate depends on its neighbours' queues.
COUNTERS = {"1": ["A", "B"], "2": ["A"], "3": ["B", "C"], "4": ["A", "B", "C"], "5": ["D"]}
SERVICES = ["A", "B", "C", "D", "E"]
HALL = {
    "hall": {
        "name": "MPP Sekaligus",
        "timezone": "Asia/Jakarta",
        "language": "id",
        # counter 1's lunch is due half an hour into the day, counter 3's later; a pause may be the break taken early
        "breaks": [{"time": "08:30-09:00", "counters": ["1"]}, {"time": "10:00-11:00", "counters": ["3", "4"]}],
    },
    "database": "antre.db",
    "priority": {"max_consecutive": 2, "max_normal_wait_minutes": 20},
    "services": [
        {"code": code, "name": f"Layanan {code}", "agency": "Dinas", "duration_minutes": 4 + 2 * i} for i, code in enumerate(SERVICES)
    ],
    "counters": [{"id": cid, "name": f"Loket {cid}", "services": services} for cid, services in COUNTERS.items()],
}
PRIORITIES = [None, None, "lansia", "disabilitas", True]
PAUSES = [0, 0, 1, 60, 300, 900]  # seconds between operations: ties, and waits that make normal tickets overdue

issue = st.tuples(st.just("issue"), st.sampled_from(SERVICES), st.sampled_from(PRIORITIES), st.sampled_from(PAUSES))
at_counter = st.tuples(
    st.sampled_from(["call", "call", "call", "complete", "pause", "resume", "close", "open"]),
    st.sampled_from(sorted(COUNTERS)),
    st.sampled_from([None, None, *SERVICES]),  # a call may send its visitor on (a transfer)
    st.sampled_from(PAUSES),
)
COUNTER_ACTIONS = {"complete": "complete", "resume": "resume", "close": "close_counter", "open": "open_counter"}
cancel = st.tuples(st.just("cancel"), st.integers(0, 40), st.none(), st.sampled_from(PAUSES))
days = st.lists(st.one_of(issue, issue, issue, at_counter, at_counter, cancel), min_size=20, max_size=60)


@pytest.fixture(scope="module", params=[False, True], ids=["closed counters expected", "only staffed counters count"])
def day(request) -> Iterator:
    """One hall on a RAM disk where there is one; ``day()`` moves its clock to 08:00 of the next
    day, so that each example starts from an empty queue and every counter closed. Once with closed
    counters expected to open, once with only staffed ones counting (``kiosk_requires_open_counter``)."""
    ram = Path("/dev/shm")
    with tempfile.TemporaryDirectory(dir=ram if ram.is_dir() else None) as folder:
        clock = ManualClock(datetime(2026, 11, 25, 8, 0, tzinfo=JAKARTA))
        config = write_config(Path(folder), {**HALL, "kiosk_requires_open_counter": request.param})
        hall = open_hall(load_config(config), clock)

        def next_day():
            local = clock.now.astimezone(JAKARTA).date() + timedelta(days=1)
            clock.now = datetime(local.year, local.month, local.day, 8, 0, tzinfo=JAKARTA)
            return hall.engine, clock

        yield next_day
        hall.store.close()


def play(engine, clock, operations) -> list[str]:
    """The day's operations, those the engine refuses skipped as an officer's would be; returns the
    ids of the tickets issued."""
    issued: list[str] = []
    for kind, what, extra, pause in operations:
        try:
            if kind == "issue":
                issued.append(engine.issue(what, priority=extra)["id"])
            elif kind == "cancel":
                if issued:
                    engine.cancel(issued[what % len(issued)])
            elif kind == "call":
                called = engine.call_next(what)
                if called is not None and extra not in (None, called["service"]):
                    engine.transfer(what, extra)
            elif kind == "pause":
                engine.pause(what, "istirahat")
            else:
                getattr(engine, COUNTER_ACTIONS[kind])(what)
        except QueueError:
            pass
        clock.advance(seconds=pause)
    return issued


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(operations=days)
def test_the_batch_views_of_the_waiting_tickets_are_exactly_their_single_views(day, operations):
    engine, clock = day()
    issued = play(engine, clock, operations)

    single = {ticket_id: engine.ticket(ticket_id) for ticket_id in issued}
    waiting = {ticket_id: view for ticket_id, view in single.items() if view["status"] == "waiting"}

    assert engine.waiting_views(SERVICES) == waiting
    assert engine.ticket_views([*issued, "no-such-ticket"]) == single, "called, done and cancelled tickets too; unknown ids left out"


def test_a_ticket_followed_twice_or_of_a_service_no_counter_serves_has_its_single_view(day):
    engine, _ = day()
    engine.open_counter("1")
    tickets = [engine.issue(code) for code in "AABE"]
    engine.call_next("1")
    ids = [t["id"] for t in tickets]

    views = engine.ticket_views([ids[1], ids[1], ids[3], ids[0]])

    assert views == {ticket_id: engine.ticket(ticket_id) for ticket_id in (ids[0], ids[1], ids[3])}
    assert views[ids[3]]["waiting_ahead"] == 0 and views[ids[3]]["eta_minutes"] is None, "E: nobody serves it, no estimate"
    assert views[ids[0]]["status"] == "called"
