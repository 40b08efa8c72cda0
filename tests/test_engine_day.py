"""Ticket numbers and the local day: what a visitor reads on the slip, and what a new morning resets."""

from __future__ import annotations

import re
from datetime import UTC

from antre.queue_server.config import load_config
from antre.queue_server.hall import open_hall

from tests.support import write_config


def statuses(engine, tickets) -> list[str]:
    return [engine.ticket(t["id"])["status"] for t in tickets]


def test_numbers_count_up_per_service_and_each_service_starts_at_001(engine):
    issued = [engine.issue(code)["number"] for code in ("A", "A", "B", "A", "C", "B")]

    assert issued == ["A001", "A002", "B001", "A003", "C001", "B002"]


def test_a_priority_ticket_takes_the_next_number_of_its_service_like_any_other(engine):
    engine.issue("A")
    lansia = engine.issue("A", priority="lansia")

    assert lansia["number"] == "A002"
    assert lansia["priority"] == "lansia"


def test_numbering_keeps_counting_past_999_as_a1000(hall, engine):
    # Seed the day as if 998 tickets had been issued already (issuing them one by one adds nothing).
    day = engine.local_day(engine.clock())
    seeded = {
        "id": "seeded-ticket-0998",
        "day": day,
        "prefix": "A",
        "seq": 998,
        "number": "A998",
        "service": "A",
        "status": "done",
        "issued_at": "2026-11-25T00:59:00.000000+00:00",
        "queue_at": "2026-11-25T00:59:00.000000+00:00",
        "call_count": 1,
    }
    with hall.store.write() as tx:
        tx.set_meta("day", day)
        tx.insert_ticket(seeded)

    assert [engine.issue("A")["number"] for _ in range(3)] == ["A999", "A1000", "A1001"]
    assert engine.issue("B")["number"] == "B001"


def test_ticket_ids_sort_in_issue_order_so_their_indexes_grow_at_the_end(engine, clock):
    ids = []
    for _ in range(5):
        ids.append(engine.issue("A")["id"])
        clock.advance(milliseconds=1)
    clock.advance(days=400)
    ids.append(engine.issue("A")["id"])
    assert ids == sorted(ids)
    assert all(len(i) == 19 for i in ids)
    assert not any(i.startswith("-") for i in ids), "an id never looks like a command-line option (until 2109)"


def test_ticket_ids_are_long_random_and_not_derivable_from_the_number(engine, tmp_path, clock):
    tickets = [engine.issue("A") for _ in range(50)]
    ids = [t["id"] for t in tickets]

    assert len(set(ids)) == len(ids)
    for ticket in tickets:
        assert len(ticket["id"]) >= 12
        assert re.fullmatch(r"[A-Za-z0-9_-]+", ticket["id"])
        assert ticket["number"] not in ticket["id"]

    other_folder = tmp_path / "other-hall"
    other_folder.mkdir()
    other = open_hall(load_config(write_config(other_folder)), clock)
    try:
        same_number_elsewhere = other.engine.issue("A")
    finally:
        other.store.close()
    assert same_number_elsewhere["number"] == tickets[0]["number"] == "A001"
    assert same_number_elsewhere["id"] != tickets[0]["id"], "knowing 'A001' must not let anyone open another visitor's ticket"


def test_a_new_local_day_starts_at_midnight_in_the_halls_timezone_not_in_utc(engine, clock):
    clock.advance(hours=15, minutes=59)  # 08:00 -> 23:59 WIB, 16:59 UTC
    assert engine.issue("A")["number"] == "A001"
    assert engine.issue("A")["number"] == "A002"

    clock.advance(minutes=2)  # 00:01 WIB on the 26th; still the 25th in UTC
    assert clock().astimezone(UTC).day == 25

    fresh = engine.issue("A")
    assert fresh["number"] == "A001"
    assert fresh["issued_at"].startswith("2026-11-25T17:01")


def test_utc_midnight_at_seven_in_the_morning_wib_does_not_restart_numbering(engine, clock):
    clock.advance(hours=22, minutes=59)  # 06:59 WIB on the 26th = 23:59 UTC on the 25th
    assert engine.issue("A")["number"] == "A001"

    clock.advance(minutes=2)  # 07:01 WIB = 00:01 UTC on the 26th
    assert engine.issue("A")["number"] == "A002"


def test_yesterdays_open_tickets_expire_at_the_first_operation_of_the_new_day(engine, clock):
    called = engine.issue("A")  # A001: called at counter 2, the visitor never came
    done = engine.issue("A")  # A002: served at counter 1
    clock.advance(minutes=1)
    serving = engine.issue("B")  # B001: still at counter 1 when the hall closed
    clock.advance(minutes=1)
    waiting = engine.issue("A")  # A003: never called
    assert engine.call_next("2")["id"] == called["id"]
    assert engine.call_next("1")["id"] == done["id"]
    assert engine.call_next("1")["id"] == serving["id"]  # finishes A002 as done
    engine.start("1")
    assert statuses(engine, [called, done, serving, waiting]) == ["called", "done", "serving", "waiting"]

    clock.advance(hours=16, minutes=1)  # 00:01 WIB the next day
    heard = []
    engine.subscribe(heard.extend)
    first_today = engine.issue("A")

    assert first_today["number"] == "A001"
    assert statuses(engine, [called, serving, waiting]) == ["expired"] * 3
    assert engine.ticket(done["id"])["status"] == "done", "a finished ticket stays finished"
    expired = {e.ticket["id"]: e.details["previous_status"] for e in heard if e.kind == "expired"}
    assert expired == {called["id"]: "called", serving["id"]: "serving", waiting["id"]: "waiting"}
    assert engine.history(waiting["id"])[-1]["kind"] == "expired"
    assert all(c["ticket"] is None for c in engine.state()["counters"]), "no counter still shows yesterday's ticket"
    assert engine.state()["waiting"] == {"A": 1, "B": 0, "C": 0}


def test_after_midnight_call_next_serves_only_today_and_does_not_complete_yesterdays_ticket(engine, clock):
    yesterday = engine.issue("A")
    engine.issue("A")
    engine.call_next("2")

    clock.advance(hours=16, minutes=1)
    assert engine.call_next("2") is None, "yesterday's leftovers are not called the next morning"

    today = engine.issue("A")
    assert engine.call_next("2")["id"] == today["id"]
    kinds = [e["kind"] for e in engine.history(yesterday["id"])]
    assert kinds == ["issued", "called", "expired"]


def test_the_first_look_of_a_new_morning_already_shows_yesterdays_queue_gone(engine, clock):
    left_over = [engine.issue("A"), engine.issue("C")]
    clock.advance(hours=16, minutes=1)  # 00:01 WIB the next day, before anyone issues or calls

    assert engine.state()["waiting"] == {"A": 0, "B": 0, "C": 0}
    assert all(s["waiting"] == 0 for s in engine.services())
    assert statuses(engine, left_over) == ["expired", "expired"]
    assert engine.waiting_for_counter("1") == []


def test_counters_left_open_or_paused_overnight_are_closed_the_next_morning_and_say_so(engine, clock):
    engine.pause("1", "istirahat")
    engine.open_counter("2")
    typical_break = engine.estimates.times.pause("istirahat")
    heard = []
    engine.subscribe(heard.extend)

    clock.advance(hours=16, minutes=1)  # 00:01 WIB the next day
    counters = {c["id"]: c for c in engine.state()["counters"]}

    assert [(c["status"], c["pause_reason"]) for c in counters.values()] == [("closed", None)] * 3, "nobody has signed in yet today"
    closed = [e for e in heard if e.kind == "closed"]
    assert [(e.counter_id, e.details) for e in closed] == [("1", {"by": "new_day"}), ("2", {"by": "new_day"})], "displays hear it"
    assert engine.estimates.times.pause("istirahat") == typical_break, "a pause that ran overnight teaches nothing about breaks"
    assert engine.call_next("1") is None, "the first call of the day signs the officer in: it finds nobody waiting"
    assert engine.state()["counters"][0]["status"] == "open"


def test_yesterdays_calls_are_not_among_the_recent_calls_of_a_new_morning(engine, clock):
    engine.issue("A")
    engine.call_next("2")  # yesterday's A001 -> Loket 2
    clock.advance(hours=16, minutes=1)  # 00:01 WIB the next day

    assert engine.state()["recent_calls"] == [], "the lobby must not show yesterday's A001 while today's A001 waits"

    engine.issue("A")
    engine.call_next("1")
    calls = engine.state()["recent_calls"]
    assert [(c["ticket"]["number"], c["counter"]["name"]) for c in calls] == [("A001", "Loket 1")]
    assert calls[0]["at"].startswith("2026-11-25T17:01"), "today's own call, at 00:01 WIB"


def test_a_clock_stepped_back_across_midnight_keeps_the_new_day_and_its_called_ticket(engine, clock):
    clock.advance(hours=16, seconds=30)  # 00:00:30 WIB on the 26th: the new day has begun
    first = engine.issue("A")
    assert engine.call_next("2")["id"] == first["id"]

    clock.advance(seconds=-40)  # the clock is corrected back to 23:59:50 on the 25th
    second = engine.issue("A")

    assert second["number"] == "A002", "numbering goes on in the day already begun"
    assert engine.ticket(first["id"])["status"] == "called", "the visitor called at Loket 2 is still called"
    counter = engine.state(with_ids=True)["counters"][1]
    assert counter["ticket"]["id"] == first["id"], "Loket 2 still shows the ticket it called"
    assert [c["ticket"]["number"] for c in engine.state()["recent_calls"]] == ["A001"]

    clock.advance(minutes=1)  # past midnight again
    assert engine.call_next("2")["id"] == second["id"], "call-next finishes A001 as done and calls A002"
    assert engine.ticket(first["id"])["status"] == "done"
    assert engine.issue("A")["number"] == "A003"
