"""The staffing advisor: Erlang C against hand computation, the inputs read from a hand-built history,
and the simulator check agreeing with the formula on a steady single-service day."""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from antre.queue_server.clock import iso
from antre.queue_server.reports.facts import Leg, Span
from antre.queue_server.reports.staffing import (
    ServiceInputs,
    advise,
    agreement,
    counters_needed,
    erlang_c,
    history_inputs,
    service_level,
    service_level_between,
)
from antre.queue_server.staffing_check import simulator_check

JAKARTA = ZoneInfo("Asia/Jakarta")
MONDAY, NEXT_MONDAY, TUESDAY = "2026-11-02", "2026-11-09", "2026-11-03"


def direct_erlang_c(c: int, a: float) -> float:
    """The textbook form, independent of the module's recursion:
    C = (a^c / c!) (c / (c - a)) / (sum_{k<c} a^k / k! + (a^c / c!) (c / (c - a)))."""
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


def test_erlang_c_for_ten_visitors_an_hour_of_five_minutes():
    # lambda = 10/h, 5 min each: a = 10 * 5 / 60 = 0.8333 Erlang.
    # c = 1: C = a = 0.8333 (M/M/1 waits with probability rho).
    # c = 2: C = (0.3472 * 2 / 1.1667) / (1 + 0.8333 + 0.5952) = 0.5952 / 2.4286 = 0.2451.
    # c = 3: C = (0.09645 * 3 / 2.1667) / (1 + 0.8333 + 0.3472 + 0.1335) = 0.1335 / 2.3141 = 0.0577.
    assert erlang_c(1, 10 * 5 / 60) == pytest.approx(0.8333, abs=1e-4)
    assert erlang_c(2, 10 * 5 / 60) == pytest.approx(0.2451, abs=1e-4)
    assert erlang_c(3, 10 * 5 / 60) == pytest.approx(0.0577, abs=1e-4)
    for c in (1, 2, 3):
        assert erlang_c(c, 10 * 5 / 60) == pytest.approx(direct_erlang_c(c, 10 * 5 / 60), rel=1e-12)
    # Service level within 2 minutes, c = 2: 1 - 0.2451 e^(-(2 - 0.8333) * 2 / 5) = 1 - 0.2451 * 0.6271 = 0.8463.
    assert service_level(10, 5, 2, 2) == pytest.approx(0.8463, abs=1e-4)


def test_erlang_c_for_a_hundred_visitors_an_hour_of_three_minutes():
    # lambda = 100/h, 3 min: a = 5 Erlang. c = 6: a^6/6! = 21.701, x 6 / 1 = 130.21;
    # sum_{k<6} 5^k/k! = 1 + 5 + 12.5 + 20.833 + 26.042 + 26.042 = 91.417; C = 130.21 / 221.63 = 0.5875.
    # Within 20 s: 1 - 0.5875 e^(-(6 - 5) * (1/3) / 3) = 1 - 0.5875 * 0.8948 = 0.4743.
    # c = 7: C = (15.501 * 7 / 2) / (113.118 + 54.25) = 0.3241; within 20 s: 1 - 0.3241 e^(-2/9) = 0.7405.
    assert erlang_c(6, 5.0) == pytest.approx(0.5875, abs=1e-4)
    assert service_level(100, 3, 6, 1 / 3) == pytest.approx(0.4743, abs=1e-4)
    assert erlang_c(7, 5.0) == pytest.approx(0.3241, abs=1e-4)
    assert service_level(100, 3, 7, 1 / 3) == pytest.approx(0.7405, abs=1e-4)
    assert counters_needed(100, 3, 1 / 3, 0.8) == 8  # c = 7 gives 0.74, c = 8 the first above 0.8


def test_erlang_c_stays_finite_where_factorials_would_overflow():
    # 300 counters at 290 Erlang: 290^300 / 300! overflows a float; the recursion does not.
    assert 0 < erlang_c(300, 290.0) < 1
    assert erlang_c(3, 3.0) == 1.0 and service_level(36, 5, 3, 10) == 0.0  # a >= c: the queue grows without end


def test_counters_needed_is_the_least_count_that_reaches_the_share():
    for arrivals, minutes, target, share in [(10, 5, 2, 0.8), (60, 8, 15, 0.8), (45, 12, 30, 0.9), (3, 20, 45, 0.8)]:
        needed = counters_needed(arrivals, minutes, target, share)
        assert needed > arrivals * minutes / 60
        assert service_level(arrivals, minutes, needed, target) >= share
        fewer = needed - 1
        assert fewer <= arrivals * minutes / 60 or service_level(arrivals, minutes, fewer, target) < share
    assert counters_needed(0, 5, 10) == 0  # nobody comes: no counter
    assert service_level(10, 0, 1, 5) == 1.0 and counters_needed(10, 0, 5) == 1  # done in no time: nobody waits


def test_a_fractional_count_of_counters_lies_between_its_neighbours():
    two, three = service_level(30, 5, 2, 5), service_level(30, 5, 3, 5)
    assert service_level_between(30, 5, 2.25, 5) == pytest.approx(two + 0.25 * (three - two))
    assert service_level_between(30, 5, 0.5, 5) == pytest.approx(0.5 * service_level(30, 5, 1, 5))


# --- the inputs from a hand-built history ------------------------------------------------------------
def at(day: str, hour: int, minute: float = 0) -> str:
    return iso(datetime.combine(date.fromisoformat(day), time(hour), JAKARTA) + timedelta(minutes=minute))


def leg(n: int, day: str, service: str, outcome: str, hour: int = 9, held: float | None = None, served: float | None = None) -> Leg:
    """A leg arrived at ``hour``, called 10 minutes later, held ``held`` minutes at the counter
    (``served`` of them in service)."""
    called = at(day, hour, 10) if held is not None else None
    return Leg(
        ticket_id=f"t{n}",
        leg=0,
        day=day,
        service=service,
        priority=None,
        kiosk=None,
        arrived_at=at(day, hour),
        hour=hour,
        weekday=date.fromisoformat(day).weekday(),
        called_at=called,
        wait_seconds=600.0 if called else None,
        started_at=at(day, hour, 11) if served is not None else None,
        finished_at=at(day, hour, 10 + held) if held is not None else None,
        service_seconds=served * 60 if served is not None else None,
        outcome=outcome,
    )


def span(counter: str, day: str, kind: str, start: str, end: str | None) -> Span:
    return Span(officer_id=1, counter_id=counter, day=day, kind=kind, reason="sholat" if kind == "paused" else None, start=start, end=end)


HISTORY_LEGS = [
    # Service A on two Mondays at 09: three arrivals, then one -> 2.0 an hour.
    leg(1, MONDAY, "A", "served", held=6, served=4),
    leg(2, MONDAY, "A", "served", held=8, served=6),
    leg(3, MONDAY, "A", "no_show", held=3),
    leg(4, NEXT_MONDAY, "A", "transferred", held=4),
    # Service B: two arrivals on one of the two Mondays -> 1.0 an hour; nobody served yet.
    leg(5, MONDAY, "B", "waiting"),
    leg(6, MONDAY, "B", "cancelled"),
    # A Tuesday does not count for Mondays.
    leg(7, TUESDAY, "A", "served", held=30, served=29),
]
HISTORY_SPANS = [
    # Counter 2 (A only): Monday open 09:00-10:00 with a 15-minute pause; next Monday 09:00-09:30.
    span("2", MONDAY, "open", at(MONDAY, 9), at(MONDAY, 10)),
    span("2", MONDAY, "paused", at(MONDAY, 9, 30), at(MONDAY, 9, 45)),
    span("2", NEXT_MONDAY, "open", at(NEXT_MONDAY, 9), at(NEXT_MONDAY, 9, 30)),
    # Counter 1 (A and B): Monday 08:30-10:00.
    span("1", MONDAY, "open", at(MONDAY, 8, 30), at(MONDAY, 10)),
    # Busy spans and the Tuesday do not add counters.
    span("1", MONDAY, "busy", at(MONDAY, 9, 10), at(MONDAY, 9, 16)),
    span("2", TUESDAY, "open", at(TUESDAY, 8), at(TUESDAY, 16)),
]


def test_the_inputs_of_a_hand_built_history(hall_config):
    a, b, c = history_inputs(HISTORY_LEGS, HISTORY_SPANS, hall_config, weekday=0, services=["A", "B", "C"])
    assert a.arrivals == {9: 2.0} and b.arrivals == {9: 1.0} and c.arrivals == {}
    assert a.service_minutes == 5.0 and a.service_minutes_sd == pytest.approx(math.sqrt(2))
    assert a.handling_minutes == 6.0  # served 6 and 8, transferred 4: the counter is held from the call
    assert a.no_show_rate == 0.25 and a.no_show_minutes == 3.0
    assert a.counter_minutes == 0.75 * 6 + 0.25 * 3  # a no-show is a shorter service
    assert (b.service_minutes, b.handling_minutes) == (8, 8)  # nobody served: the configured duration
    # Counters at 09: counter 2 gives (45 + 30) min / 2 Mondays = 0.625 to A; counter 1 is open the
    # whole hour on one Monday (0.5) and shared by arrivals, A 2.0 : B 1.0 -> A 1/3, B 1/6.
    assert a.counters_had[9] == pytest.approx(0.625 + 0.5 * 2 / 3)
    assert b.counters_had[9] == pytest.approx(0.5 / 3)
    # At 08 counter 1 was open half an hour on one Monday and nobody came: shared equally.
    assert a.counters_had[8] == pytest.approx(0.125) and b.counters_had[8] == pytest.approx(0.125)


def test_the_advice_of_a_hand_built_history(hall_config):
    inputs = history_inputs(HISTORY_LEGS, HISTORY_SPANS, hall_config, weekday=0, services=["A", "B"])
    advice_a, advice_b = advise(inputs, share=0.8)
    assert [h.hour for h in advice_a.hours] == [9]  # the hours anyone came
    nine = advice_a.hours[0]
    minutes = 0.75 * 6 + 0.25 * 3
    assert nine.counters_needed == counters_needed(2.0, minutes, 30, 0.8) == 1
    assert nine.share_advised == pytest.approx(service_level(2.0, minutes, 1, 30))
    assert nine.share_had == pytest.approx(nine.counters_had * service_level(2.0, minutes, 1, 30))
    assert not nine.short  # 0.96 of a counter is 1.0 to a tenth
    assert advice_b.hours[0].counters_needed == 1 and advice_b.hours[0].short


def test_no_history_gives_no_advice(hall_config):
    assert history_inputs([], [], hall_config, weekday=0, services=["A"]) == []
    assert history_inputs(HISTORY_LEGS, HISTORY_SPANS, hall_config, weekday=3, services=["A"]) == []  # no Thursday


# --- the simulator check -----------------------------------------------------------------------------
def test_the_simulator_agrees_with_erlang_c_on_a_steady_single_service_day(hall_config):
    """24 visitors an hour for 8 hours, 5-minute services spread like an exponential (sd = mean) and a
    target of 10 minutes: the advice (3 counters) sits near the share, where the two could part.

    The simulator adds what the formula leaves out (a walk of 0.3-1.2 min to the counter, taken into
    the time held as the history would measure it, a breather of 0.1-0.6 min between visitors, a
    day that begins with nobody waiting, lognormal instead of exponential times): within 0.1 of
    each other over the day is the agreement the README states."""
    hall = hall_config
    steady = ServiceInputs("A", 10, 5.0, 5.0, 5.75, 0.0, 0.0, dict.fromkeys(range(8, 16), 24.0), {})
    advice = advise([steady], share=0.8)
    assert {h.counters_needed for h in advice[0].hours} == {3}
    predicted = advice[0].hours[0].share_advised
    simulated = simulator_check(hall, advice, days=4, seed=3)
    assert set(simulated["A"]) == set(range(8, 16))
    day_share = sum(simulated["A"].values()) / len(simulated["A"])
    assert abs(day_share - predicted) < 0.1, (day_share, predicted)
    figures = agreement(advice, simulated)
    assert figures["service_hours"] == 8 and figures["mean_absolute_difference"] < 0.25
