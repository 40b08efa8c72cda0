"""The call order through the real engine, on generated hall days.

Where one counter alone serves its services, a visitor's ``waiting_ahead`` must be exactly the
number of tickets that counter's successive call-nexts take before theirs, across its services, and
the officer's waiting list must be that sequence of calls. Each generated example is one hall day
(the next day's rollover clears the queue), with priority categories, waits that make normal tickets
overdue, transfers between counters, and several counters checked at once, all on one database.
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
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import write_config

JAKARTA = ZoneInfo("Asia/Jakarta")
# Each counter alone serves its services: one of one service, one of two, one of three.
COUNTERS = {"1": ["A"], "2": ["B", "C"], "3": ["D", "E", "F"]}
HALL = {
    "hall": {"name": "MPP Urutan", "timezone": "Asia/Jakarta", "language": "id"},
    "database": "antre.db",
    "priority": {"max_consecutive": 2, "max_normal_wait_minutes": 20},
    "services": [{"code": code, "name": f"Layanan {code}", "agency": "Dinas", "duration_minutes": 5} for code in "ABCDEF"],
    "counters": [{"id": cid, "name": f"Loket {cid}", "services": services} for cid, services in COUNTERS.items()],
}
SERVICES = [code for services in COUNTERS.values() for code in services]
PRIORITIES = [None, None, None, "lansia", "anak", "ibu_hamil", "disabilitas", True]
PAUSES = [0, 0, 1, 30, 120, 300, 900]  # seconds between operations: ties, seconds, and overdue waits

issue = st.tuples(st.just("issue"), st.sampled_from(SERVICES), st.sampled_from(PRIORITIES), st.sampled_from(PAUSES))
call = st.tuples(st.just("call"), st.sampled_from(sorted(COUNTERS)), st.sampled_from([None, None, *SERVICES]), st.sampled_from(PAUSES))
days = st.lists(st.one_of(issue, issue, call), max_size=30)


@pytest.fixture(scope="module")
def day() -> Iterator:
    """One hall on a RAM disk where there is one (each operation is a durable commit); ``day()``
    moves its clock to 08:00 of the next day, so that each example starts from an empty queue."""
    ram = Path("/dev/shm")
    with tempfile.TemporaryDirectory(dir=ram if ram.is_dir() else None) as folder:
        clock = ManualClock(datetime(2026, 11, 25, 8, 0, tzinfo=JAKARTA))
        hall = open_hall(load_config(write_config(Path(folder), HALL)), clock)

        def next_day():
            local = clock.now.astimezone(JAKARTA).date() + timedelta(days=1)
            clock.now = datetime(local.year, local.month, local.day, 8, 0, tzinfo=JAKARTA)
            return hall.engine, clock

        yield next_day
        hall.store.close()


def play(engine, clock, operations) -> None:
    """Issue tickets and call them; a call may send its visitor on to another service (a transfer)."""
    for kind, what, extra, pause in operations:
        if kind == "issue":
            engine.issue(what, priority=extra)
        else:
            called = engine.call_next(what)
            if called is not None and extra not in (None, called["service"]):
                engine.transfer(what, extra)
        clock.advance(seconds=pause)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(operations=days)
def test_waiting_ahead_is_the_number_of_calls_before_each_ticket_and_the_list_is_the_calls(day, operations):
    engine, clock = day()
    play(engine, clock, operations)

    for counter in COUNTERS:
        listed = [t["id"] for t in engine.waiting_for_counter(counter, limit=1000)]
        ahead = {ticket_id: engine.ticket(ticket_id)["waiting_ahead"] for ticket_id in listed}
        calls = []
        while (called := engine.call_next(counter)) is not None:
            calls.append(called["id"])

        assert listed == calls, "the console's list is the order call-next takes them"
        assert ahead == {ticket_id: place for place, ticket_id in enumerate(calls)}, "waiting_ahead counts the calls before"
