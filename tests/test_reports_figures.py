"""Every figure of a report for one small day, played through the real engine on a manual clock and
computed by hand (the comments give the arithmetic); the follower's tables equal a rebuild."""

from __future__ import annotations

import copy
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from antre.queue_server.clock import ManualClock
from antre.queue_server.config import load_config
from antre.queue_server.hall import open_hall
from antre.queue_server.reports.figures import ReportFilters, Reports, percentile

from tests.support import SMALL_HALL, write_config

DAY = "2026-11-25"  # a Wednesday: weekday 2
START = datetime(2026, 11, 25, 8, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
EMPTY_SPREAD = {"mean": None, "median": None, "p90": None}


def targeted_hall() -> dict:
    """The small hall with targets that tell the waits apart: A 5 minutes, B 30, C 10."""
    data = copy.deepcopy(SMALL_HALL)
    for service, target in zip(data["services"], (5, 30, 10), strict=True):
        service["target_wait_minutes"] = target
    return data


def at(clock: ManualClock, hhmm: str) -> None:
    hours, minutes = map(int, hhmm.split(":"))
    clock.now = START.replace(hour=hours, minute=minutes).astimezone(clock.now.tzinfo)


@pytest.fixture
def day(tmp_path):
    """The day (local times; siti at counter 1, budi at counter 3):

    08:00 t1 A · 08:02 t2 A lansia · 08:04 t3 B · 08:05 t4 C
    08:05 siti calls t2 (wait 3) · 08:06 starts · 08:10 next: t2 done (service 4), t1 called (wait 10)
    08:10 budi calls t4 (wait 5) · 08:12 siti transfers t1 to C, pauses (sholat) · 08:22 resumes,
    calls t3 (wait 18) · 08:25 t3 no-show; budi completes t4 unstarted (service 15 from the call)
    08:26 budi calls t1 in C (wait 14 from the transfer) · 08:30 completes it (service 4)
    08:40 t5 A, cancelled 08:45 · 08:50 t6 B, left waiting (expired the next morning)
    09:00 both close.
    """
    clock = ManualClock(START)
    hall = open_hall(load_config(write_config(tmp_path, targeted_hall())), clock)
    siti = hall.accounts.add("siti", "rahasia-petugas-1", "officer", ["1", "2"])["id"]
    budi = hall.accounts.add("budi", "rahasia-petugas-1", "officer", ["3"])["id"]
    e = hall.engine
    t1 = e.issue("A", kiosk="k1")["id"]
    at(clock, "08:02")
    e.issue("A", priority="lansia")
    at(clock, "08:04")
    e.issue("B")
    at(clock, "08:05")
    e.issue("C")
    e.call_next("1", siti)
    at(clock, "08:06")
    e.start("1", siti)
    at(clock, "08:10")
    assert e.call_next("1", siti)["id"] == t1
    e.call_next("3", budi)
    at(clock, "08:12")
    e.transfer("1", "C", siti)
    e.pause("1", "sholat", siti)
    at(clock, "08:22")
    e.resume("1", siti)
    e.call_next("1", siti)
    at(clock, "08:25")
    e.no_show("1", siti)
    e.complete("3", budi)
    at(clock, "08:26")
    assert e.call_next("3", budi)["id"] == t1
    at(clock, "08:30")
    e.complete("3", budi)
    at(clock, "08:40")
    t5 = e.issue("A")["id"]
    at(clock, "08:45")
    e.cancel(t5)
    at(clock, "08:50")
    e.issue("B")
    at(clock, "09:00")
    e.close_counter("1", siti)
    e.close_counter("3", budi)
    clock.advance(days=1)
    e.services()  # the next morning's first look expires t6
    hall.summaries.catch_up()
    yield hall, Reports(hall.summaries.reports, hall.config, clock), siti, budi
    hall.store.close()


def figures(issued, served, no_show, cancelled, expired, transferred, within, wait, service, priority_share) -> dict:
    return {
        "issued": issued,
        "served": served,
        "no_show": no_show,
        "cancelled": cancelled,
        "expired": expired,
        "within_target_share": within,
        "wait_minutes": dict(zip(("mean", "median", "p90", "max"), wait, strict=True)),
        "service_minutes": dict(zip(("mean", "median", "p90"), service, strict=True)),
        "transferred": transferred,
        "priority_share": priority_share,
    }


NOTHING = figures(0, 0, 0, 0, 0, 0, None, (None,) * 4, (None,) * 3, None)
# Waits of the called legs: 3 (t2), 10 (t1 in A), 18 (t3), 5 (t4), 14 (t1 in C) → sorted 3 5 10 14 18:
# mean 50/5 = 10, median rank ceil(2.5) = 3rd = 10, p90 rank ceil(4.5) = 5th = 18. Within target:
# t2 3 ≤ 5, t3 18 ≤ 30, t4 5 ≤ 10 yes; t1 10 > 5, 14 > 10 no → 3/5. Service: 4 (t2), 15 (t4), 4 (t1
# in C) → mean 23/3 = 7.67, median 2nd of 4 4 15 = 4, p90 3rd = 15. Priority: 1 of 6 tickets.
HALL_DAY = figures(6, 3, 1, 1, 1, 1, 0.6, (10.0, 10.0, 18.0, 18.0), (7.7, 4.0, 15.0), 0.1667)


def test_the_summary_of_the_day_is_what_happened(day):
    _, reports, _, _ = day
    assert reports.summary(ReportFilters(DAY, DAY)) == HALL_DAY


def test_every_section_of_the_detail(day):
    _, reports, siti, budi = day
    detail = reports.detail(ReportFilters(DAY, DAY))
    assert detail["period"] == {"from": DAY, "to": DAY}
    assert detail["previous_period"] == {"from": "2026-11-24", "to": "2026-11-24"}
    assert detail["previous"] == NOTHING
    assert detail["daily"] == [{"day": DAY, "issued": 6, "served": 3, "within_target_share": 0.6}]
    service_a = figures(3, 1, 0, 1, 0, 1, 0.5, (6.5, 3.0, 10.0, 10.0), (4.0, 4.0, 4.0), 0.3333)  # t1, t2, t5: waits 10, 3
    service_b = figures(2, 0, 1, 0, 1, 0, 1.0, (18.0, 18.0, 18.0, 18.0), (None,) * 3, 0.0)  # t3, t6
    service_c = figures(1, 2, 0, 0, 0, 0, 0.5, (9.5, 5.0, 14.0, 14.0), (9.5, 4.0, 15.0), 0.0)  # t4 and t1's second leg
    assert detail["by_service"] == [
        {"service": "A", "name": "KTP Elektronik", "agency": "Disdukcapil", "target_wait_minutes": 5, **service_a},
        {"service": "B", "name": "Kartu Keluarga", "agency": "Disdukcapil", "target_wait_minutes": 30, **service_b},
        {"service": "C", "name": "Paspor", "agency": "Kantor Imigrasi", "target_wait_minutes": 10, **service_c},
    ]
    # Disdukcapil: A and B together: waits 3 10 18 → mean 10.3, median 10, p90 18; within 2/3.
    assert detail["by_agency"] == [
        {"agency": "Disdukcapil", **figures(5, 1, 1, 1, 1, 1, 0.6667, (10.3, 10.0, 18.0, 18.0), (4.0, 4.0, 4.0), 0.2)},
        {"agency": "Kantor Imigrasi", **service_c},
    ]
    cells = [[0] for _ in range(7)]
    cells[2] = [6]  # Wednesday, 08:00-08:59: all six tickets
    assert detail["heatmap"] == {"weekdays": list(range(7)), "hours": [8], "cells": cells}
    assert detail["priority"] == [{"category": "lansia", "tickets": 1, "share": 0.1667}]
    assert detail["transfers"] == [{"from": "A", "to": "C", "count": 1}]
    # siti: signed in 08:05-09:00 = 55; paused 10 (sholat); busy 5 (t2) + 2 (t1) + 3 (t3) = 10; idle 35.
    # budi: 08:10-09:00 = 50; busy 15 (t4) + 4 (t1) = 19; idle 31; served t4 (15) and t1 (4): mean 9.5.
    assert detail["officers"] == [
        {
            "officer_id": budi,
            "username": "budi",
            "served": 2,
            "service_minutes_mean": 9.5,
            "signed_in_minutes": 50.0,
            "paused_minutes": {},
            "idle_minutes": 31.0,
        },
        {
            "officer_id": siti,
            "username": "siti",
            "served": 1,
            "service_minutes_mean": 4.0,
            "signed_in_minutes": 55.0,
            "paused_minutes": {"sholat": 10.0},
            "idle_minutes": 35.0,
        },
    ]


def test_filters_narrow_the_figures(day):
    _, reports, _, budi = day
    assert reports.summary(ReportFilters(DAY, DAY, service="B"))["issued"] == 2
    assert reports.summary(ReportFilters(DAY, DAY, agency="Kantor Imigrasi"))["served"] == 2
    by_budi = reports.summary(ReportFilters(DAY, DAY, officer=budi))  # the legs budi called: t4, t1 in C
    assert (by_budi["served"], by_budi["wait_minutes"]["max"]) == (2, 14.0)
    assert [o["username"] for o in reports.detail(ReportFilters(DAY, DAY, counter="1"))["officers"]] == ["siti"]
    # The next day holds only its own morning: t6 expired then, but it arrived (and counts) on the 25th.
    assert reports.summary(ReportFilters("2026-11-26", "2026-11-26")) == NOTHING


def test_the_previous_period_has_the_same_length(day):
    _, reports, _, _ = day
    detail = reports.detail(ReportFilters("2026-11-25", "2026-11-27"))
    assert detail["previous_period"] == {"from": "2026-11-22", "to": "2026-11-24"}
    assert detail["summary"] == HALL_DAY
    later = reports.detail(ReportFilters("2026-11-26", "2026-11-26"))
    assert later["previous"] == HALL_DAY


def test_a_target_changed_later_does_not_change_past_compliance(day, tmp_path):
    """The target is read from the event: a service standard tightened today leaves yesterday's
    compliance as it was measured."""
    hall, reports, _, _ = day
    data = targeted_hall()
    data["services"][1]["target_wait_minutes"] = 1  # B: t3's 18-minute wait would now be late
    (tmp_path / "tighter").mkdir()
    hall.summaries.reconfigure(load_config(write_config(tmp_path / "tighter", data)))
    hall.summaries.rebuild()
    assert reports.summary(ReportFilters(DAY, DAY))["within_target_share"] == 0.6


def test_the_follower_and_the_rebuild_keep_the_same_rows(day):
    hall, reports, _, _ = day
    followed = (reports.reports.legs("2000-01-01", "2100-01-01"), reports.reports.spans("2000-01-01", "2100-01-01"))
    hall.summaries.rebuild()
    rebuilt = (reports.reports.legs("2000-01-01", "2100-01-01"), reports.reports.spans("2000-01-01", "2100-01-01"))
    assert sorted(map(repr, followed[0])) == sorted(map(repr, rebuilt[0]))
    assert sorted(map(repr, followed[1])) == sorted(map(repr, rebuilt[1]))


@pytest.mark.parametrize(
    ("values", "median", "p90"),
    [
        ([1], 1, 1),
        ([1, 2], 1, 2),
        ([1, 2, 3, 4], 2, 4),
        ([3, 5, 10, 14, 18], 10, 18),
        (list(range(1, 11)), 5, 9),
        (list(range(1, 21)), 10, 18),
    ],
)
def test_percentiles_are_nearest_rank(values, median, p90):
    assert (percentile(values, 0.5), percentile(values, 0.9)) == (median, p90)
