"""The follower's tables, brought up to date a few events at a time at random moments of a random
mix of operations (bookings made, checked in, cancelled and expired among them), equal a rebuild
from the whole log; and a running server keeps them current."""

from __future__ import annotations

import contextlib
import copy
import tempfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from antre.queue_server.booking.desk import Bookings
from antre.queue_server.clock import ManualClock
from antre.queue_server.config import load_config
from antre.queue_server.engine import QueueError
from antre.queue_server.hall import open_hall
from antre.queue_server.issuing_access import Channel
from antre.queue_server.reports.figures import ReportFilters, Reports
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import SMALL_HALL, write_config

START = datetime(2026, 11, 23, 7, 30, tzinfo=ZoneInfo("Asia/Jakarta"))
COUNTERS = ("1", "2", "3")
SESSIONS = ("08:00-09:00", "09:00-10:00", "10:00-11:00")
BOOKING_HALL = copy.deepcopy(SMALL_HALL)
BOOKING_HALL["services"][0]["booking"] = {"sessions": [{"time": t, "places": 5} for t in SESSIONS], "grace_minutes": 15}
OPERATIONS = st.one_of(
    st.tuples(st.just("issue"), st.sampled_from("ABC"), st.sampled_from([None, "lansia", "disabilitas"])),
    st.tuples(
        st.sampled_from(["call_next", "start", "complete", "no_show", "resume", "close_counter", "open_counter"]), st.sampled_from(COUNTERS)
    ),
    st.tuples(st.just("transfer"), st.sampled_from(COUNTERS), st.sampled_from("ABC")),
    st.tuples(st.just("pause"), st.sampled_from(COUNTERS), st.sampled_from(["istirahat", "sholat"])),
    st.tuples(st.just("cancel"), st.integers(0, 30)),
    st.tuples(st.just("book"), st.sampled_from(SESSIONS)),
    st.tuples(st.sampled_from(["check_in", "cancel_booking"]), st.integers(0, 30)),
    st.tuples(st.just("expire_bookings")),
    st.tuples(st.just("wait"), st.integers(1, 40)),
    st.tuples(st.just("next_day")),
    st.tuples(st.just("catch_up")),
)


def play(hall, clock: ManualClock, operation: tuple, issued: list[str], codes: list[str]) -> None:
    e, name, args = hall.engine, operation[0], operation[1:]
    desk = Bookings(hall.store, e, hall.config, clock)
    if name == "book":
        body = {"service": "A", "date": e.today(), "session": args[0], "name": "Ibu Sari"}
        codes.append(desk.book(body, None)["code"])
    elif name in ("check_in", "cancel_booking"):
        if codes:
            code = codes[args[0] % len(codes)]
            desk.check_in(code, Channel(kiosk="k1"), None, None, "") if name == "check_in" else desk.cancel(code, None)
    elif name == "expire_bookings":
        desk.expire_due()
    elif name == "issue":
        issued.append(e.issue(args[0], priority=args[1])["id"])
    elif name == "cancel":
        if issued:
            e.cancel(issued[args[0] % len(issued)])
    elif name == "wait":
        clock.advance(minutes=args[0])
    elif name == "next_day":
        clock.advance(days=1)
        e.services()
    elif name == "catch_up":
        hall.summaries.catch_up()
    elif name in ("transfer", "pause"):
        getattr(e, name)(args[0], args[1], 1)
    else:
        getattr(e, name)(args[0], 1)


def rows(hall) -> tuple[list[str], list[str], list[str]]:
    reports = hall.summaries.reports
    return tuple(sorted(map(repr, read("2000-01-01", "2100-01-01"))) for read in (reports.legs, reports.spans, reports.bookings))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations=st.lists(OPERATIONS, min_size=5, max_size=60), batch=st.integers(1, 7))
def test_the_follower_equals_a_rebuild_after_any_mix_of_operations(operations, batch):
    with tempfile.TemporaryDirectory() as folder:
        clock = ManualClock(START)
        hall = open_hall(load_config(write_config(Path(folder), BOOKING_HALL)), clock)
        try:
            hall.accounts.add("admin", "rahasia-petugas-1", "admin")
            hall.summaries.batch = batch
            issued: list[str] = []
            codes: list[str] = []
            for operation in operations:
                with contextlib.suppress(QueueError):  # refused (nothing to call, already paused, a full session, ...): nothing recorded
                    play(hall, clock, operation, issued, codes)
            hall.summaries.catch_up()
            followed = rows(hall)
            reports = Reports(hall.summaries.reports, hall.config, clock)
            period = ReportFilters("2026-11-20", "2026-12-31")
            followed_detail = reports.detail(period)
            hall.summaries.rebuild()
            assert rows(hall) == followed
            assert reports.detail(period) == followed_detail
        finally:
            hall.store.close()


def test_a_running_hall_keeps_the_tables_current_by_itself(app, clock):
    """The server's follower applies commits about a second later, with no report asked for."""
    from antre.queue_server.hall import hall_of

    from tests.support import wait_until

    hall = hall_of(app)
    hall.summaries.start()  # as ``antre run`` does
    try:
        hall.engine.issue("A")
        reports = hall.summaries.reports
        wait_until(lambda: len(reports.legs("2026-11-25", "2026-11-25")) == 1, message="the follower applied the issue")
    finally:
        hall.summaries.close()


def test_antre_reports_rebuild_recomputes_the_tables(tmp_path):
    from tests.support import antre

    config = write_config(tmp_path, SMALL_HALL)
    hall = open_hall(load_config(config), ManualClock(START))
    try:
        hall.engine.issue("A")
        hall.engine.call_next("1")
    finally:
        hall.store.close()
    done = antre(config, "reports", "rebuild")
    assert done.returncode == 0, done.stderr
    assert "reports rebuilt from" in done.stdout
    hall = open_hall(load_config(config), ManualClock(START))
    try:
        (leg,) = hall.summaries.reports.legs("2026-11-23", "2026-11-23")
        assert (leg.service, leg.outcome, leg.counter_id) == ("A", "called", "1")
        help_text = " ".join(antre(config, "reports", "rebuild", "--help").stdout.split())
        assert "whenever a report looks wrong" in help_text  # the help says when to run it
    finally:
        hall.store.close()
