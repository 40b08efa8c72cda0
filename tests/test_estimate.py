"""The wait-time estimate on small queues computed by hand.

The small hall (tests/support.py): Loket 1 serves A and B, Loket 2 serves A, Loket 3 serves C;
A takes 6 minutes, B 8 and C 12 (the configured priors, until tickets are observed).
"""

from __future__ import annotations

import copy

import pytest
from antre.queue_server.config import load_config
from antre.queue_server.engine import Engine
from antre.queue_server.estimate import CounterNow, ServiceTimes, estimate
from antre.queue_server.hall import open_hall

from tests.support import SMALL_HALL, write_config


def eta(engine: Engine, ticket: dict) -> tuple[int | None, list[int] | None]:
    view = engine.ticket(ticket["id"])
    return view["eta_minutes"], view["eta_range"]


def test_one_counter_each_visitor_ahead_costs_one_service_time(engine, clock):
    first, second, third = (engine.issue("C") for _ in range(3))
    assert (first["eta_minutes"], second["eta_minutes"], third["eta_minutes"]) == (0, 12, 24)
    engine.call_next("3")
    clock.advance(minutes=4)
    assert eta(engine, second)[0] == 8  # Loket 3 has 12 − 4 minutes left with the first visitor
    assert eta(engine, third)[0] == 20


def test_the_range_holds_the_central_value_and_widens_with_the_queue(engine):
    tickets = [engine.issue("C") for _ in range(6)]
    ranges = [t["eta_range"] for t in tickets]
    for ticket, (low, high) in zip(tickets, ranges, strict=True):
        assert low <= ticket["eta_minutes"] <= high
    widths = [high - low for low, high in ranges]
    assert widths == sorted(widths) and widths[-1] > widths[1]
    assert ranges[0][0] == 0


def issue_in_turn(engine: Engine, clock, *services: str) -> list[dict]:
    """Visitors a few seconds apart, so that the order of arrival is the order of the queue."""
    tickets = []
    for code in services:
        clock.advance(seconds=5)
        tickets.append(engine.issue(code))
    return tickets


def test_a_counter_shared_with_another_service_first_takes_that_services_older_tickets(engine, clock):
    a = issue_in_turn(engine, clock, "B", "B", "A", "A", "A", "A")[2:]
    # Loket 2 takes A1, A2, A3 at 0, 6, 12; Loket 1 clears B1 and B2 (16 minutes) and then takes A4.
    assert a[3]["eta_minutes"] == 16
    assert eta(engine, a[3])[0] == 16  # read back through the call order, not the waiting counts
    assert eta(engine, a[0])[0] == 0  # Loket 2 is free now
    assert eta(engine, a[2])[0] == 12


def test_a_service_shared_with_counters_elsewhere_is_split_between_them():
    times = ServiceTimes({"A": 6, "B": 8})
    counters = [CounterNow(frozenset("AB")), CounterNow(frozenset("B"))]
    # Four B tickets ahead are shared by two counters: Loket 1 spends 2 × 8 minutes on them.
    assert estimate("A", {"B": 4}, counters, times).minutes == 16


def test_a_priority_visitor_ahead_counts_and_a_priority_visitor_goes_first(engine, clock):
    engine.issue("C")
    engine.call_next("3")
    normal_1, normal_2 = engine.issue("C"), engine.issue("C")
    clock.advance(minutes=3)
    elderly = engine.issue("C", priority="lansia")
    assert elderly["eta_minutes"] == 9  # next at Loket 3, when its current visitor is done
    # Normal tickets also expect to be passed by priority visitors still to come, in their share so far.
    share = engine.estimates.times.priority_share
    assert 0 < share < 0.1
    assert eta(engine, normal_1)[0] == round(21 / (1 - share))
    assert eta(engine, normal_2)[0] == round(33 / (1 - share))


def test_a_paused_counter_gives_no_capacity_and_no_counter_open_gives_no_estimate(engine, clock):
    a = issue_in_turn(engine, clock, "B", "B", "A", "A", "A", "A")[2:]
    engine.open_counter("1")
    engine.pause("2", "istirahat")
    assert eta(engine, a[3])[0] == 16 + 3 * 6  # only Loket 1: two B, then three A ahead
    assert engine.services()[0]["counters_open"] == 1
    engine.pause("1", "sholat")
    assert eta(engine, a[3]) == (None, None)
    engine.resume("2")
    # Loket 1 is expected back after a typical prayer pause (15 minutes), then has two B to serve:
    # Loket 2 alone takes A1, A2, A3 at 0, 6 and 12, and A4 at 18.
    assert eta(engine, a[3])[0] == 18


def test_a_paused_counter_is_expected_back_after_a_typical_pause_for_its_reason(engine, clock):
    a = issue_in_turn(engine, clock, "A", "A", "A", "A", "A", "A")
    engine.pause("2", "istirahat")
    clock.advance(minutes=10)
    # Loket 1 takes A1…A5 every 6 minutes; Loket 2 returns from lunch in 60 − 10 minutes, too late to matter.
    assert eta(engine, a[5])[0] == 30
    engine.pause("1", "sholat")
    clock.advance(minutes=5)
    # Now both are paused: nothing is open, so nothing is promised.
    assert eta(engine, a[5]) == (None, None)
    engine.resume("1")
    clock.advance(minutes=35)
    engine.resume("2")
    assert engine.estimates.times.pause("istirahat") < 60  # a 60-minute prior moved toward the 50 observed
    assert engine.estimates.times.pause("Sholat Ashar") == engine.estimates.times.pause("sholat")


def test_a_counter_busy_longer_than_expected_is_still_expected_to_need_some_time(engine, clock):
    engine.issue("C")
    engine.call_next("3")
    waiting = engine.issue("C")
    clock.advance(minutes=30)
    assert eta(engine, waiting)[0] == pytest.approx(0.3 * 12, abs=0.5)


def test_service_times_are_learned_from_completed_tickets_and_survive_a_restart(hall, engine, clock):
    for _ in range(40):
        engine.issue("C")
        engine.call_next("3")
        clock.advance(minutes=20)
        engine.complete("3")
    learned = engine.estimates.times.mean("C")
    assert 19 < learned <= 20
    waiting = [engine.issue("C") for _ in range(2)]
    assert waiting[1]["eta_minutes"] == round(learned)
    restarted = Engine(hall.store, hall.config, clock)
    assert restarted.estimates.times.mean("C") > 18


def test_the_officers_pause_between_tickets_is_part_of_each_cycle(engine, clock):
    for _ in range(40):
        engine.issue("C")
        engine.call_next("3")
        clock.advance(minutes=12)
        engine.complete("3")
        clock.advance(minutes=2)
    assert engine.estimates.times.gap == pytest.approx(2, abs=0.1)
    engine.issue("C")
    assert engine.issue("C")["eta_minutes"] == round(engine.estimates.times.cycle("C"))


def test_a_wild_observation_is_clipped_and_moves_the_mean_only_a_little():
    times = ServiceTimes({"A": 6})
    times.observe("A", 600)
    assert times.mean("A") < 6 + 0.1 * (6 * 6 + 10)
    times.observe("Z", 5)  # unknown service: ignored
    times.observe("A", -3)  # clock trouble: ignored
    assert times.mean("A") < 10


def test_transferred_and_no_show_tickets_teach_the_service_they_left(engine, clock):
    before = engine.estimates.times.mean("C")
    engine.issue("C")
    engine.call_next("3")
    clock.advance(minutes=1)
    engine.no_show("3")
    assert engine.estimates.times.mean("C") < before
    engine.issue("C")
    engine.call_next("3")
    clock.advance(minutes=30)
    engine.transfer("3", "A")
    assert engine.estimates.times.mean("A") == 6


@pytest.fixture
def rota_engine(tmp_path, clock):
    """The small hall with a lunch rota: Loket 3 is planned off from 08:30 to 09:30 (the clock starts at 08:00)."""
    data = copy.deepcopy(SMALL_HALL)
    data["hall"]["breaks"] = [{"time": "08:30-09:30", "reason": "istirahat", "counters": ["3"]}]
    hall = open_hall(load_config(write_config(tmp_path, data)), clock)
    yield hall.engine
    hall.store.close()


def test_a_planned_break_delays_the_tickets_its_counter_would_reach_after_it_is_due(rota_engine, clock):
    tickets = [rota_engine.issue("C") for _ in range(4)]
    # Loket 3 starts C1, C2, C3 at 0, 12 and 24; the break is due at 30, so after C3 it stops for 60 minutes.
    assert [t["eta_minutes"] for t in tickets] == [0, 12, 24, 96]
    clock.advance(minutes=20)
    rota_engine.pause("3", "makan siang")  # a little early, under another name: it is still the planned break
    clock.advance(minutes=60)
    rota_engine.resume("3")
    assert eta(rota_engine, tickets[3])[0] == 36  # back at 09:20, before the planned end: not counted twice


def test_a_restarted_server_remembers_which_planned_breaks_were_taken(rota_engine, clock):
    tickets = [rota_engine.issue("C") for _ in range(4)]
    clock.advance(minutes=20)
    rota_engine.pause("3", "makan siang")  # the planned 08:30 break, taken at 08:20
    clock.advance(minutes=60)
    rota_engine.resume("3")
    assert eta(rota_engine, tickets[3])[0] == 36

    restarted = Engine(rota_engine.store, rota_engine.hall, clock)
    assert eta(restarted, tickets[3])[0] == 36, "the break is not expected a second time after a restart"


def test_a_pause_that_spans_a_restart_still_teaches_how_long_pauses_last(engine, clock):
    engine.pause("3", "sholat")
    clock.advance(minutes=40)
    restarted = Engine(engine.store, engine.hall, clock)
    restarted.resume("3")
    assert restarted.estimates.times.pause("sholat") > engine.estimates.times.pause("sholat")


def test_a_counter_due_for_a_break_leaves_the_queue_to_the_others():
    times = ServiceTimes({"A": 6})
    both = [CounterNow(frozenset("A")), CounterNow(frozenset("A"))]
    lunch_soon = [CounterNow(frozenset("A")), CounterNow(frozenset("A"), breaks=((10.0, 60.0),))]
    # Starts without the break: 0, 0, 6, 6, 12, 12. With it, the second counter stops after its start at 6.
    assert estimate("A", {"A": 5}, both, times).minutes == 12
    assert estimate("A", {"A": 5}, lunch_soon, times).minutes == 18
    assert estimate("A", {"A": 1}, lunch_soon, times).minutes == 0


def test_priority_visitors_pass_a_normal_ticket_only_until_it_would_be_overdue():
    times = ServiceTimes({"A": 6})
    times.priority_share = 0.2  # a quarter of a minute lost for every minute waited
    counters = [CounterNow(frozenset("A"))]
    assert estimate("A", {"A": 4}, counters, times).minutes == 24 + 6  # no limit configured: passed all along
    assert estimate("A", {"A": 4}, counters, times, passing_limit=60).minutes == 24 + 6
    assert estimate("A", {"A": 4}, counters, times, passing_limit=20).minutes == 24 + 4  # fading out past the limit
    assert estimate("A", {"A": 4}, counters, times, passing_limit=10).minutes == 24
    assert estimate("A", {"A": 4}, counters, times, priority=True, passing_limit=60).minutes == 24


def test_the_kiosk_tiles_estimates_follow_every_change_of_the_queue_at_once(engine, clock):
    """They are kept between the kiosks' polls, but never past a change."""
    empty = engine.new_ticket_estimates()["A"]["eta_minutes"]
    for _ in range(6):
        engine.issue("A")
    busier = engine.new_ticket_estimates()["A"]["eta_minutes"]
    assert busier > empty
    for counter in ("1", "2"):
        engine.call_next(counter)
        engine.complete(counter)
    assert engine.new_ticket_estimates()["A"]["eta_minutes"] < busier, "two served: four left"
