"""The booking figures of a report from a hand-built event log (the events part B's booking desk
records, with plan.md's shapes), computed by hand in the comments: booked against walk-in waits,
the no-show rate, check-in punctuality; and the follower's tables equal a rebuild with them."""

from __future__ import annotations

import copy
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from antre.queue_server.clock import ManualClock, iso
from antre.queue_server.config import load_config
from antre.queue_server.hall import open_hall
from antre.queue_server.reports.figures import ReportFilters, Reports

from tests.support import SMALL_HALL, write_config

DAY = "2026-11-25"
JAKARTA = ZoneInfo("Asia/Jakarta")
SESSION = "09:00-10:00"


def local(hhmm: str, day: int = 25) -> str:
    hours, minutes = map(int, hhmm.split(":"))
    return iso(datetime(2026, 11, day, hours, minutes, tzinfo=JAKARTA))


SESSION_START = local("09:00")


def booking_hall() -> dict:
    """The small hall where A (KTP) takes bookings in one session; B and C do not."""
    data = copy.deepcopy(SMALL_HALL)
    data["services"][0]["booking"] = {"sessions": [{"time": SESSION, "places": 20}]}
    return data


def booked(number: int) -> tuple:
    details = {
        "booking": number,
        "service": "A",
        "day": DAY,
        "session": SESSION,
        "session_start": SESSION_START,
        "lang": "id",
        "has_phone": number % 2 == 0,
    }
    return (local("15:00", 24), "booked", None, None, details)


def check_in(number: int, ticket: str, hhmm: str) -> tuple:
    details = {
        "service": "A",
        "priority": None,
        "kiosk": "k1",
        "target_wait_minutes": None,
        "booking": number,
        "session_start": SESSION_START,
        "checked_in_at": local(hhmm),
    }
    return (local(hhmm), "issued", ticket, None, details)


def walk_in(ticket: str, service: str, hhmm: str) -> tuple:
    return (local(hhmm), "issued", ticket, None, {"service": service, "priority": None, "kiosk": "k1", "target_wait_minutes": None})


def called(ticket: str, hhmm: str, counter: str = "1") -> tuple:
    return (local(hhmm), "called", ticket, counter, {})


# Nine bookings for A's 09:00 session. Five check in: b1 at 08:20 (40 minutes early), b2 08:45 (15
# early), b3 09:00 (on time), b4 09:10 (10 late), b5 09:40 (40 late); b6 is cancelled, b7 and b8
# expire, b9 is still pending. Four walk-ins: w1 A 08:50, w2 A 09:05, w3 A 09:20, w4 B 09:00.
HISTORY = [
    *(booked(n) for n in range(1, 10)),
    (local("16:00", 24), "booking_cancelled", None, None, {"booking": 6}),
    check_in(1, "b1", "08:20"),
    check_in(2, "b2", "08:45"),
    walk_in("w1", "A", "08:50"),
    check_in(3, "b3", "09:00"),
    walk_in("w4", "B", "09:00"),
    called("w1", "09:02"),  # w1 waited 12
    called("b2", "09:04", "2"),  # b2 waited 4: from 09:00, its session's start, not its 08:45 check-in
    walk_in("w2", "A", "09:05"),
    called("b3", "09:06"),  # 6
    called("w2", "09:08", "2"),  # 3
    called("b1", "09:10"),  # 10 (from 09:00)
    check_in(4, "b4", "09:10"),
    walk_in("w3", "A", "09:20"),
    called("w4", "09:20"),  # 20
    called("b4", "09:30", "2"),  # 20 (from its check-in, after the start)
    called("w3", "09:35"),  # 15
    check_in(5, "b5", "09:40"),
    called("b5", "09:42", "2"),  # 2
    (local("10:30"), "booking_expired", None, None, {"booking": 7}),
    (local("10:30"), "booking_expired", None, None, {"booking": 8}),
    (local("10:31"), "some_later_kind", None, None, {"booking": 9}),  # a kind reports do not know: ignored
]


def record(hall, events: list[tuple]) -> None:
    """Append the events to the log (and the bare ticket each ``issued`` names: the log refers to it)."""

    def work(tx) -> None:
        for at, kind, ticket, counter, details in events:
            if kind == "issued":
                tx.insert_ticket(
                    {
                        "id": ticket,
                        "day": DAY,
                        "prefix": details["service"],
                        "seq": tx.next_seq(DAY, details["service"]),
                        "number": ticket,
                        "service": details["service"],
                        "status": "waiting",
                        "issued_at": at,
                        "queue_at": at,
                        "call_count": 0,
                    }
                )
            tx.add_event(at, kind, ticket, counter, None, details)

    hall.store.transact(work)


@pytest.fixture
def hall(tmp_path):
    hall = open_hall(load_config(write_config(tmp_path, booking_hall())), ManualClock(datetime(2026, 11, 25, 12, 0, tzinfo=JAKARTA)))
    yield hall
    hall.store.close()


def detail(hall, **filters) -> dict:
    hall.summaries.catch_up()
    return Reports(hall.summaries.reports, hall.config, hall.engine.clock).detail(ReportFilters(DAY, DAY, **filters))["bookings"]


# Booked waits 10 4 6 20 2 → sorted 2 4 6 10 20: mean 42/5 = 8.4, median the 3rd = 6, p90 the 5th = 20.
BOOKED = {"tickets": 5, "share": 0.5556, "wait_minutes": {"mean": 8.4, "median": 6.0, "p90": 20.0}}
# Walk-in waits 12 3 20 15 → sorted 3 12 15 20: mean 50/4 = 12.5, median the 2nd = 12, p90 the 4th = 20.
WALK_IN = {"tickets": 4, "share": 0.4444, "wait_minutes": {"mean": 12.5, "median": 12.0, "p90": 20.0}}
# 9 made: 5 checked in, 1 cancelled, 2 expired, 1 pending; no-show rate 2 / (5 + 2). Check-ins at
# -40 -15 0 +10 +40 minutes: one in each band but two up to 30 early (on time counts there); median 0.
FUNNEL = {
    "made": 9,
    "checked_in": 5,
    "cancelled": 1,
    "expired": 2,
    "pending": 1,
    "no_show_rate": 0.2857,
    "punctuality": {"early_over_30": 1, "early_up_to_30": 2, "late_up_to_15": 1, "late_over_15": 1, "median_minutes": 0.0},
}


def test_booked_and_walk_in_tickets_the_no_show_rate_and_punctuality_are_what_happened(hall):
    record(hall, HISTORY)
    bookings = detail(hall)
    assert bookings["bookable"] is True
    assert bookings["summary"] == {"booked": BOOKED, "walk_in": WALK_IN, "funnel": FUNNEL}
    # Per service: only A takes bookings or had any (B's walk-in counts in the hall's whole only).
    (service,) = bookings["by_service"]
    a_walk_in = {"tickets": 3, "share": 0.375, "wait_minutes": {"mean": 10.0, "median": 12.0, "p90": 15.0}}
    assert service == {
        "service": "A",
        "name": "KTP Elektronik",
        "agency": "Disdukcapil",
        "booked": {**BOOKED, "share": 0.625},
        "walk_in": a_walk_in,
        "funnel": FUNNEL,
    }
    (agency,) = bookings["by_agency"]
    assert agency["agency"] == "Disdukcapil"
    assert agency["funnel"] == FUNNEL and agency["booked"] == {**BOOKED, "share": 0.625}


def test_a_service_or_counter_filter_narrows_the_booking_figures(hall):
    record(hall, HISTORY)
    only_b = detail(hall, service="B")
    assert only_b["bookable"] is False and only_b["by_service"] == []
    assert only_b["summary"]["booked"]["tickets"] == 0 and only_b["summary"]["funnel"]["made"] == 0
    # At counter 2: b2, w2, b4, b5 were called there; a booking is nobody's until called, so no funnel.
    at_two = detail(hall, counter="2")["summary"]
    assert (at_two["booked"]["tickets"], at_two["walk_in"]["tickets"], at_two["funnel"]) == (3, 1, None)


def test_the_follower_equals_a_rebuild_with_booking_events(hall):
    hall.summaries.batch = 2  # the bookings' rows are read back and moved on between batches
    for start in range(0, len(HISTORY), 5):
        record(hall, HISTORY[start : start + 5])
        hall.summaries.catch_up()
    reports = hall.summaries.reports

    def tables() -> tuple:
        return sorted(map(repr, reports.legs(DAY, DAY))), sorted(reports.bookings(DAY, DAY), key=lambda b: b.booking), detail(hall)

    followed = tables()
    hall.summaries.rebuild()
    assert tables() == followed
    assert {b.booking: b.status for b in followed[1]} == {
        1: "checked_in",
        2: "checked_in",
        3: "checked_in",
        4: "checked_in",
        5: "checked_in",
        6: "cancelled",
        7: "expired",
        8: "expired",
        9: "booked",
    }
    assert followed[2]["summary"]["funnel"] == FUNNEL


def test_a_hall_without_bookable_services_reports_none(tmp_path):
    hall = open_hall(load_config(write_config(tmp_path, SMALL_HALL)), ManualClock(datetime(2026, 11, 25, 12, 0, tzinfo=JAKARTA)))
    try:
        record(hall, [walk_in("w1", "A", "08:50"), called("w1", "09:02")])
        bookings = detail(hall)
        assert (bookings["bookable"], bookings["by_service"], bookings["by_agency"]) == (False, [], [])
        assert bookings["summary"]["walk_in"]["tickets"] == 1 and bookings["summary"]["funnel"]["no_show_rate"] is None
    finally:
        hall.store.close()


# --- the reports page -----------------------------------------------------------------------------
def report_server(folder, data: dict):
    """A real server on a loopback port over the hand-built history, with a hall admin."""
    from tests.conftest import PASSWORD
    from tests.support import ServerProcess

    config = write_config(folder, data)
    hall = open_hall(load_config(config), ManualClock(datetime(2026, 11, 25, 12, 0, tzinfo=JAKARTA)))
    try:
        hall.accounts.add("admin", PASSWORD, "admin")
        record(hall, HISTORY if data is not SMALL_HALL else [walk_in("w1", "A", "08:50"), called("w1", "09:02")])
    finally:
        hall.store.close()
    return ServerProcess(config).start()


@pytest.fixture(scope="module")
def booking_server(tmp_path_factory):
    process = report_server(tmp_path_factory.mktemp("booking-report"), booking_hall())
    yield process
    process.kill()


@pytest.fixture(scope="module")
def walk_in_server(tmp_path_factory):
    process = report_server(tmp_path_factory.mktemp("walk-in-report"), SMALL_HALL)
    yield process
    process.kill()


def report_page(page, server):
    from urllib.parse import urlencode

    from tests.test_admin_browser import log_in

    expect = pytest.importorskip("playwright.sync_api").expect
    log_in(page, server, f"/admin/login?{urlencode({'next': f'/admin/reports?preset=custom&from={DAY}&to={DAY}'})}", "admin")
    expect(page.locator("#report-body")).to_have_attribute("aria-busy", "false")
    expect(page.locator("#report-period")).not_to_be_empty()
    return page, expect


@pytest.mark.browser
def test_the_reports_page_shows_bookings_against_walk_ins_on_a_laptop(booking_server, new_page):
    from tests.support import axe_violations

    page, expect = report_page(new_page({"width": 1366, "height": 768}), booking_server)
    section = page.locator("#bookings-section")
    expect(section).to_be_visible()
    expect(section.locator("h2")).to_contain_text("Booking dan datang langsung")
    booked = page.locator("#bookings-lanes-table tbody tr").first
    expect(booked.locator("th")).to_have_text("Booking")
    expect(booked.locator("td").nth(0)).to_have_text("5")
    expect(booked.locator("td").nth(1)).to_contain_text("55,6")  # 5 of 9 tickets
    expect(booked.locator("td").nth(2)).to_have_text("8,4")  # the booked mean wait
    expect(page.locator("#bookings-lanes-table tbody tr").nth(1).locator("td").nth(2)).to_have_text("12,5")
    funnel = page.locator("#bookings-funnel-table tbody tr td")
    expect(funnel.nth(0)).to_have_text("9")  # made
    expect(funnel.nth(3)).to_have_text("2")  # expired
    expect(funnel.nth(5)).to_contain_text("28,6")  # the no-show rate, 2 of 7
    bands = page.locator("#bookings-punctuality-table tbody tr td")
    expect(bands).to_have_text(["1", "2", "1", "1"])
    assert page.evaluate("() => window.Chart.getChart('chart-punctuality').data.datasets[0].data") == [1, 2, 1, 1]
    expect(page.locator("#bookings-services-table tbody tr")).to_have_count(1)
    assert axe_violations(page) == []


@pytest.mark.browser
def test_a_hall_without_bookable_services_has_no_bookings_section(walk_in_server, new_page):
    page, expect = report_page(new_page({"width": 1366, "height": 768}), walk_in_server)
    expect(page.locator('#summary-table tr[data-figure="issued"] td.now')).to_have_text("1")
    expect(page.locator("#bookings-section")).to_be_hidden()


def test_the_booking_desk_s_own_events_make_the_same_figures(hall):
    """Through the real desk and engine: a booking checked in 20 minutes early waits from its
    session's start; another is cancelled; a third expires when the sweep runs."""
    from antre.queue_server.booking.desk import Bookings
    from antre.queue_server.issuing_access import Channel

    clock = hall.engine.clock
    desk = Bookings(hall.store, hall.engine, hall.config, clock)
    clock.now = datetime(2026, 11, 25, 7, 0, tzinfo=JAKARTA)
    codes = [
        desk.book({"service": "A", "date": DAY, "session": SESSION, "name": name}, None)["code"]
        for name in ("Ibu Sari", "Pak Budi", "Ibu Ani")
    ]
    desk.cancel(codes[1], None)
    clock.now = datetime(2026, 11, 25, 8, 40, tzinfo=JAKARTA)
    desk.check_in(codes[0], Channel(kiosk="k1"), None, None, "")
    clock.now = datetime(2026, 11, 25, 9, 5, tzinfo=JAKARTA)
    hall.engine.call_next("2")
    clock.now = datetime(2026, 11, 25, 11, 0, tzinfo=JAKARTA)
    desk.expire_due()
    summary = detail(hall)["summary"]
    assert summary["booked"] == {"tickets": 1, "share": 1.0, "wait_minutes": {"mean": 5.0, "median": 5.0, "p90": 5.0}}
    funnel = summary["funnel"]
    assert (funnel["made"], funnel["checked_in"], funnel["cancelled"], funnel["expired"], funnel["no_show_rate"]) == (3, 1, 1, 1, 0.5)
    assert funnel["punctuality"] == {
        "early_over_30": 0,
        "early_up_to_30": 1,
        "late_up_to_15": 0,
        "late_over_15": 0,
        "median_minutes": -20.0,
    }


# --- over HTTP: the roles read the bookings as they read every figure -----------------------------
@pytest.fixture
def config_path(tmp_path):
    return write_config(tmp_path, booking_hall())


def test_each_role_reads_the_bookings_of_its_own_scope_and_the_export_equals_the_json(app, client):
    import csv
    import io

    from antre.queue_server.hall import hall_of

    from tests.conftest import PASSWORD

    accounts = hall_of(app).accounts
    accounts.add("admin", PASSWORD, "admin")
    accounts.add("siti", PASSWORD, "officer", ["1", "2"])
    accounts.add("dukcapil", PASSWORD, "agency_admin", agency="Disdukcapil")
    accounts.add("imigrasi", PASSWORD, "agency_admin", agency="Kantor Imigrasi")
    tokens = {name: accounts.login(name, PASSWORD)[0] for name in ("admin", "siti", "dukcapil", "imigrasi")}
    record(hall_of(app), HISTORY)

    def get(path: str, who: str):
        return client.get(f"/api/v1/reports/{path}", headers={"Authorization": f"Bearer {tokens[who]}", "Accept-Language": "en"})

    def bookings(who: str, query: str = "") -> dict:
        response = get(f"detail?from={DAY}&to={DAY}{query}", who)
        assert response.status_code == 200, response.json
        return response.json["bookings"]

    hall = bookings("admin")
    assert hall["summary"]["funnel"] == FUNNEL
    assert bookings("dukcapil")["by_service"] == hall["by_service"]  # A is Disdukcapil's
    imigrasi = bookings("imigrasi")
    assert (imigrasi["bookable"], imigrasi["by_service"], imigrasi["summary"]["funnel"]["made"]) == (False, [], 0)
    assert bookings("siti")["summary"]["funnel"] is None  # an officer's own figures: no booking is theirs
    assert get(f"detail?from={DAY}&to={DAY}&agency=Disdukcapil", "imigrasi").status_code == 403  # unchanged
    table = list(
        csv.reader(io.StringIO(get(f"detail.csv?from={DAY}&to={DAY}&section=bookings", "admin").get_data(as_text=True).lstrip("\ufeff")))
    )
    assert table[0][:4] == ["Service code", "Service", "Agency", "Booked tickets"]
    assert [row[0] for row in table[1:]] == ["A", "Total"]
    made = table[0].index("Bookings made")
    assert (table[1][made], table[2][made], table[2][table[0].index("No-show rate")]) == ("9", "9", "0.2857")
