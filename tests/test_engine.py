"""The engine's operations as an officer at a counter experiences them.

The small hall (tests/support.py): Loket 1 serves A and B, Loket 2 serves A, Loket 3 serves C.
The clock only moves when a test says so, so "waiting longest" is decided by the test.
"""

from __future__ import annotations

import pytest
from antre.queue_server.engine import Conflict, InvalidInput, NotFound
from sqlite_utils import Database

from tests.conftest import PASSWORD


@pytest.fixture
def siti(hall) -> int:
    """An officer of Loket 1 and 2; events name her by id."""
    return hall.accounts.add("siti", PASSWORD, "officer", ["1", "2"])["id"]


@pytest.fixture
def heard(engine) -> list:
    """Every event the engine hands to its listeners (live channel, announcer, printer)."""
    events: list = []
    engine.subscribe(lambda batch: events.append(list(batch)))
    return events


def snapshot(hall) -> dict:
    """Everything an operation could change: tickets, the event log, counters, the day marker."""
    with hall.store.read() as tx:
        db = Database(tx.conn)
        return {table: list(db[table].rows) for table in ("tickets", "events", "counter_state", "meta")}


def kinds(engine, ticket_id: str) -> list[str]:
    return [e["kind"] for e in engine.history(ticket_id)]


# --- calling -----------------------------------------------------------------------------------


def test_call_next_takes_the_ticket_waiting_longest_among_the_counters_services(engine, clock):
    first_a = engine.issue("A")
    clock.advance(minutes=1)
    engine.issue("C")
    clock.advance(minutes=1)
    first_b = engine.issue("B")
    clock.advance(minutes=1)
    second_a = engine.issue("A")
    clock.advance(minutes=1)

    called = [engine.call_next("1")["number"] for _ in range(3)]

    assert called == [first_a["number"], first_b["number"], second_a["number"]] == ["A001", "B001", "A002"]
    assert engine.call_next("1") is None, "Loket 1 does not serve C"
    assert engine.call_next("3")["number"] == "C001"


def test_a_called_ticket_shows_the_counter_and_is_no_longer_waiting(engine):
    ticket = engine.issue("A")

    called = engine.call_next("2")

    assert called["id"] == ticket["id"]
    assert called["status"] == "called"
    assert called["counter"] == {"id": "2", "name": "Loket 2"}
    assert called["call_count"] == 1
    assert engine.state()["waiting"]["A"] == 0


def test_call_next_finishes_the_current_visitor_and_calls_the_next_in_one_transaction(engine, clock, heard, siti):
    first = engine.issue("A")
    second = engine.issue("A")
    engine.call_next("2", siti)
    clock.advance(minutes=4)
    heard.clear()

    engine.call_next("2", siti)

    assert engine.ticket(first["id"])["status"] == "done"
    assert engine.ticket(second["id"])["status"] == "called"
    assert len(heard) == 1, "one transaction, so listeners hear one batch"
    (batch,) = heard
    assert [(e.kind, e.ticket["number"]) for e in batch] == [("completed", "A001"), ("called", "A002")]
    assert batch[0].at == batch[1].at
    assert batch[0].details == {"by": "call_next"}


def test_call_next_with_nothing_waiting_returns_none_but_still_finishes_the_visitor_at_the_counter(engine, heard):
    ticket = engine.issue("A")
    engine.call_next("2")
    heard.clear()

    assert engine.call_next("2") is None

    assert engine.ticket(ticket["id"])["status"] == "done"
    assert [e.kind for batch in heard for e in batch] == ["completed"]
    assert engine.state()["counters"][1]["ticket"] is None


def test_call_next_on_an_empty_queue_returns_none_and_announces_nothing(hall, engine, heard):
    engine.open_counter("1")
    heard.clear()
    before = snapshot(hall)

    assert engine.call_next("1") is None

    assert heard == []
    assert snapshot(hall)["events"] == before["events"]


def test_recall_calls_the_same_ticket_again_and_counts_the_calls(engine, clock, heard):
    engine.issue("A")
    engine.call_next("2")
    clock.advance(minutes=2)

    again = engine.recall("2")
    again = engine.recall("2")

    assert again["number"] == "A001"
    assert again["status"] == "called"
    assert again["call_count"] == 3
    assert again["called_at"] == heard[-1][0].at
    assert kinds(engine, again["id"]) == ["issued", "called", "recalled", "recalled"]
    assert heard[-1][0].details == {"counter_name": "Loket 2"}


def test_start_then_complete_moves_a_ticket_through_serving_to_done(engine, clock):
    ticket = engine.issue("A")
    engine.call_next("2")
    clock.advance(minutes=1)

    serving = engine.start("2")
    assert serving["status"] == "serving"
    assert engine.state(with_ids=True)["counters"][1]["ticket"]["id"] == ticket["id"], "the visitor is still at Loket 2"

    clock.advance(minutes=6)
    done = engine.complete("2")
    assert done["status"] == "done"
    assert engine.state()["counters"][1]["ticket"] is None
    assert kinds(engine, ticket["id"]) == ["issued", "called", "started", "completed"]


def test_no_show_closes_the_ticket_and_frees_the_counter(engine):
    absent = engine.issue("A")
    engine.issue("A")
    engine.call_next("2")
    engine.recall("2")

    result = engine.no_show("2")

    assert result["status"] == "no_show"
    assert engine.state()["counters"][1]["ticket"] is None
    assert engine.call_next("2")["number"] == "A002"
    assert engine.ticket(absent["id"])["status"] == "no_show", "calling the next one does not turn a no-show into done"
    assert kinds(engine, absent["id"]) == ["issued", "called", "recalled", "no_show"]


def test_calling_a_specific_waiting_ticket_serves_it_out_of_turn(engine, clock, siti):
    engine.issue("A")
    clock.advance(minutes=1)
    later = engine.issue("B")

    called = engine.call_ticket("1", later["id"], siti)

    assert called["number"] == "B001"
    assert called["status"] == "called"
    assert called["counter"]["id"] == "1"
    assert engine.call_next("1")["number"] == "A001", "the skipped ticket is next in line"
    assert engine.ticket(later["id"])["status"] == "done"


def test_calling_a_specific_ticket_is_refused_when_it_is_not_waiting_or_not_served_at_that_counter(engine):
    passport = engine.issue("C")
    ktp = engine.issue("A")
    engine.call_next("2")

    with pytest.raises(Conflict, match="Loket 1 does not serve service C"):
        engine.call_ticket("1", passport["id"])
    with pytest.raises(Conflict, match="A001 is called, not waiting"):
        engine.call_ticket("1", ktp["id"])
    with pytest.raises(NotFound) as missing:
        engine.call_ticket("1", "no-such-ticket")
    assert missing.value.field == "ticket_id"


# --- transfer ------------------------------------------------------------------------------------


def test_a_transferred_visitor_keeps_the_number_and_the_place_they_earned_by_issue_time(engine, clock, siti):
    earlier_a = engine.issue("A")  # 08:00
    clock.advance(minutes=1)
    passport = engine.issue("C")  # 08:01, sent on to KTP after Loket 3
    clock.advance(minutes=1)
    later_a = engine.issue("A")  # 08:02
    clock.advance(minutes=10)
    engine.call_next("3")

    moved = engine.transfer("3", "A", siti, note="perlu cetak ulang KTP")

    assert moved["number"] == "C001", "the visitor keeps the number printed on the slip"
    assert moved["service"] == "A"
    assert moved["status"] == "waiting"
    assert moved["transferred_from"] == "C"
    assert moved["counter"] is None
    assert engine.state()["counters"][2]["ticket"] is None, "Loket 3 is free again"
    order = [engine.call_next("2")["id"] for _ in range(3)]
    assert order == [earlier_a["id"], passport["id"], later_a["id"]]
    (event,) = [e for e in engine.history(passport["id"]) if e["kind"] == "transferred"]
    assert event["details"] == {"from_service": "C", "to_service": "A", "note": "perlu cetak ulang KTP", "target_wait_minutes": 30}
    assert (event["counter_id"], event["officer_id"]) == ("3", siti)


def test_transfer_is_refused_for_an_unknown_or_the_same_service_and_without_a_visitor(engine):
    with pytest.raises(Conflict, match="Loket 3 has no current ticket to transfer"):
        engine.transfer("3", "A")
    engine.issue("C")
    engine.call_next("3")
    with pytest.raises(InvalidInput, match="already for service C") as same:
        engine.transfer("3", "C")
    assert same.value.field == "service"
    with pytest.raises(InvalidInput, match="unknown service 'Z'") as unknown:
        engine.transfer("3", "Z")
    assert unknown.value.field == "service"


# --- pause, resume, cancel -------------------------------------------------------------------------


def test_a_paused_counter_calls_nothing_until_it_resumes(engine, heard, siti):
    ticket = engine.issue("A")

    paused = engine.pause("2", "  istirahat  ", siti)
    assert paused["status"] == "paused"
    assert paused["pause_reason"] == "istirahat"
    with pytest.raises(Conflict, match="Loket 2 is paused"):
        engine.call_next("2")
    with pytest.raises(Conflict, match="Loket 2 is paused"):
        engine.call_ticket("2", ticket["id"])
    assert engine.ticket(ticket["id"])["status"] == "waiting"
    assert [s["counters_open"] for s in engine.services() if s["code"] == "A"] == [0], "2 paused, nobody at 1"

    resumed = engine.resume("2", siti)
    assert resumed["status"] == "open"
    assert resumed["pause_reason"] is None
    assert engine.call_next("2")["id"] == ticket["id"]
    counter_events = [(e.kind, e.counter_id, e.officer_id, e.details) for batch in heard for e in batch if e.ticket is None]
    assert counter_events == [("paused", "2", siti, {"reason": "istirahat"}), ("resumed", "2", siti, {})]


def test_pausing_needs_a_reason(engine):
    for reason in ("", "   ", None, "x" * 201):
        with pytest.raises(InvalidInput, match="reason") as error:
            engine.pause("2", reason)
        assert error.value.field == "reason"
    assert engine.state()["counters"][1]["status"] == "closed"


def test_a_cancelled_ticket_is_never_called(engine):
    gone = engine.issue("A")
    stays = engine.issue("A")

    cancelled = engine.cancel(gone["id"])

    assert cancelled["status"] == "cancelled"
    assert engine.call_next("2")["id"] == stays["id"]
    assert kinds(engine, gone["id"]) == ["issued", "cancelled"]


def test_a_called_ticket_can_no_longer_be_cancelled_so_its_counter_keeps_it(engine):
    ticket = engine.issue("A")
    engine.call_next("2")

    with pytest.raises(Conflict) as refused:
        engine.cancel(ticket["id"])

    assert refused.value.message == "ticket A001 has been called to Loket 2 and can no longer be cancelled: the officer there finishes it"
    assert engine.state()["counters"][1]["ticket"]["number"] == "A001", "the officer's counter still shows the visitor"
    assert kinds(engine, ticket["id"]) == ["issued", "called"]
    assert engine.complete("2")["status"] == "done"


# --- the event log -----------------------------------------------------------------------------------


def test_every_change_to_a_ticket_is_in_its_history_with_counter_officer_time_and_details(hall, engine, clock, siti):
    ticket = engine.issue("A", priority="lansia", kiosk="k1", lang="en")
    clock.advance(minutes=3)
    engine.call_next("1", siti)
    clock.advance(minutes=1)
    engine.recall("1", siti)
    clock.advance(minutes=1)
    engine.start("1", siti)
    clock.advance(minutes=5)
    engine.complete("1", siti)

    history = engine.history(ticket["id"])

    assert [(e["kind"], e["counter_id"], e["officer_id"]) for e in history] == [
        ("issued", None, None),
        ("called", "1", siti),
        ("recalled", "1", siti),
        ("started", "1", siti),
        ("completed", "1", siti),
    ]
    assert [e["at"][11:16] for e in history] == ["01:00", "01:03", "01:04", "01:05", "01:10"], "UTC times, as stored"
    assert history[0]["details"] == {"service": "A", "priority": "lansia", "kiosk": "k1", "target_wait_minutes": 30}
    assert all(e["ticket_id"] == ticket["id"] for e in history)
    queue_events = [e["kind"] for e in snapshot(hall)["events"] if e["kind"] not in ("officer_changed", "setup_changed")]  # adding siti and the setup are audited too
    assert queue_events == ["issued", "opened", "called", "recalled", "started", "completed"], (
        "the log holds exactly these rows (the first call opened the counter), nothing is rewritten"
    )


# --- refusals change nothing -------------------------------------------------------------------------


def _serving_at_2(engine):
    engine.issue("A")
    engine.call_next("2")
    engine.start("2")


def _done(engine):
    ticket = engine.issue("A")
    engine.call_next("2")
    engine.complete("2")
    return ticket


def _called_at_2(engine):
    engine.issue("A")
    return engine.call_next("2")


REFUSALS = {
    "start twice": (_serving_at_2, lambda e, _: e.start("2"), "A001 is serving; cannot start it now"),
    "recall a visitor already being served": (_serving_at_2, lambda e, _: e.recall("2"), "A001 is serving; cannot recall it now"),
    "no-show for a visitor already being served": (_serving_at_2, lambda e, _: e.no_show("2"), "A001 is serving; cannot mark it as a no-show now"),
    "complete with nobody at the counter": (lambda e: None, lambda e, _: e.complete("2"), "Loket 2 has no current ticket to complete"),
    "recall with nobody at the counter": (lambda e: None, lambda e, _: e.recall("2"), "Loket 2 has no current ticket to recall"),
    "cancel a finished ticket": (_done, lambda e, t: e.cancel(t["id"]), "A001 is done and can no longer be cancelled"),
    "call a ticket that was already called": (_called_at_2, lambda e, t: e.call_ticket("1", t["id"]), "A001 is called, not waiting"),
    "pause with a visitor at the counter": (_called_at_2, lambda e, _: e.pause("2", "rapat"), "finish or transfer ticket A001"),
    "pause twice": (lambda e: e.pause("2", "sholat"), lambda e, _: e.pause("2", "rapat"), "Loket 2 is already paused"),
    "resume an open counter": (lambda e: None, lambda e, _: e.resume("2"), "Loket 2 is not paused"),
    "call next at a paused counter": (lambda e: e.pause("2", "sholat"), lambda e, _: e.call_next("2"), "Loket 2 is paused"),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_an_operation_in_the_wrong_state_is_refused_with_a_clear_message_and_changes_nothing(case, hall, engine, clock, heard):
    prepare, operation, message = REFUSALS[case]
    ticket = prepare(engine)
    engine.issue("A")  # someone waiting, so a wrongly allowed call would show
    clock.advance(minutes=5)
    before = snapshot(hall)
    heard.clear()

    with pytest.raises(Conflict) as refused:
        operation(engine, ticket)

    assert message in refused.value.message
    assert snapshot(hall) == before
    assert heard == [], "nothing is announced, displayed or printed for a refused operation"


def test_a_refused_operation_on_a_new_morning_does_not_even_expire_yesterdays_tickets(hall, engine, clock, heard):
    engine.issue("A")
    clock.advance(hours=17)
    before = snapshot(hall)
    heard.clear()

    with pytest.raises(Conflict):
        engine.resume("2")

    assert snapshot(hall) == before
    assert heard == []


# --- bad input names the field -----------------------------------------------------------------------

BAD_INPUT = {
    "unknown service": (lambda e: e.issue("Z"), InvalidInput, "service", "unknown service 'Z'"),
    "service of the wrong type": (lambda e: e.issue(7), InvalidInput, "service", "unknown service 7"),
    "unknown priority category": (lambda e: e.issue("A", priority="vip"), InvalidInput, "priority", "lansia, disabilitas, ibu_hamil, anak"),
    "unknown kiosk": (lambda e: e.issue("A", kiosk="k9"), InvalidInput, "kiosk", "unknown kiosk 'k9'"),
    "unknown language": (lambda e: e.issue("A", lang="fr"), InvalidInput, "lang", "lang must be one of id, en"),
    "unknown counter for call-next": (lambda e: e.call_next("99"), NotFound, "counter", "unknown counter '99'"),
    "unknown counter for pause": (lambda e: e.pause("99", "rapat"), NotFound, "counter", "unknown counter '99'"),
    "unknown ticket": (lambda e: e.cancel("A001"), NotFound, "ticket_id", "no ticket with that id"),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_is_refused_naming_the_field_and_changes_nothing(case, hall, engine, heard):
    operation, error_type, field, message = BAD_INPUT[case]
    engine.issue("A")
    before = snapshot(hall)
    heard.clear()

    with pytest.raises(error_type) as refused:
        operation(engine)

    assert refused.value.field == field
    assert message in refused.value.message
    assert snapshot(hall) == before
    assert heard == []


def test_each_priority_category_and_an_unnamed_priority_are_accepted(engine):
    categories = ["lansia", "disabilitas", "ibu_hamil", "anak", True, None, False]

    issued = [engine.issue("A", priority=p)["priority"] for p in categories]

    assert issued == ["lansia", "disabilitas", "ibu_hamil", "anak", True, None, None]
