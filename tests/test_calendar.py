"""The operating calendar and the daily quota: one rule (queue_server/availability.py) for the kiosk,
the API and the issuing transaction."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from antre.queue_server import availability
from antre.queue_server.app import create_app
from antre.queue_server.clock import ManualClock
from antre.queue_server.config import ConfigError, load_config, parse_config
from antre.queue_server.engine import Conflict
from antre.queue_server.hall import hall_of
from antre.queue_server.issuing_access import Channel

from tests.conftest import PASSWORD
from tests.support import SMALL_HALL, write_config

JAKARTA = ZoneInfo("Asia/Jakarta")
SAMSAT = "Badan Pendapatan Daerah"
CALENDAR_HALL = {
    **SMALL_HALL,
    "hall": {
        **SMALL_HALL["hall"],
        "opening_hours": "08:00-16:00",
        "weekly_hours": {"friday": "08:00-11:30", "saturday": "closed", "sunday": "closed"},
        "closed_days": [{"date": "2026-12-25", "reason": "Hari Raya Natal"}],
    },
    "agencies": [
        {"name": "Disdukcapil"},
        {
            "name": SAMSAT,
            "short_name": "Samsat",
            "weekly_hours": dict.fromkeys(("monday", "tuesday", "wednesday", "thursday"), "08:00-14:00"),
        },
        {"name": "Kantor Imigrasi", "closed_days": [{"date": "2026-12-24", "reason": "Cuti bersama"}]},
    ],
    "services": [
        {"code": "A", "name": "KTP Elektronik", "agency": "Disdukcapil", "cutoff_minutes": 30},
        {"code": "Q", "name": "Akta Kelahiran", "agency": "Disdukcapil", "daily_quota": 2},
        {"code": "W", "name": "Layanan Sabtu", "agency": "Disdukcapil", "weekly_hours": {"saturday": "08:00-12:00"}},
        {"code": "S", "name": "Pajak Kendaraan", "agency": "Samsat"},
        {"code": "C", "name": "Paspor", "agency": "Kantor Imigrasi"},
    ],
    "counters": [
        {"id": "1", "name": "Loket 1", "services": ["A", "Q", "W"]},
        {"id": "2", "name": "Loket 2", "services": ["S"]},
        {"id": "3", "name": "Loket 3", "services": ["C"]},
    ],
}


def at(day: str, clock: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=JAKARTA)


WEDNESDAY, FRIDAY, SATURDAY = "2026-11-25", "2026-11-27", "2026-11-28"
# (service, moment, tickets issued today, what the rule says: None or (code, details))
CASES = {
    "a weekday within the hours": ("A", at(WEDNESDAY, "10:00"), 0, None),
    "before the hall opens": ("A", at(WEDNESDAY, "07:59"), 0, ("closed", {"opens": "08:00", "closes": "16:00"})),
    "Samsat closes at 14:00": ("S", at(WEDNESDAY, "14:00"), 0, ("closed", {"opens": "08:00", "closes": "14:00"})),
    "Samsat just before 14:00": ("S", at(WEDNESDAY, "13:59"), 0, None),
    "Friday is shorter for the hall": ("S", at(FRIDAY, "11:30"), 0, ("closed", {"opens": "08:00", "closes": "11:30"})),
    "Friday morning": ("S", at(FRIDAY, "11:15"), 0, None),
    "the cut-off before a Friday close": ("A", at(FRIDAY, "11:00"), 0, ("cutoff", {"minutes": 30, "closes": "11:30"})),
    "just before the cut-off": ("A", at(FRIDAY, "10:59"), 0, None),
    "the cut-off before a weekday close": ("A", at(WEDNESDAY, "15:45"), 0, ("cutoff", {"minutes": 30, "closes": "16:00"})),
    "Saturday closed for the hall": ("A", at(SATURDAY, "09:00"), 0, ("closed_today", {})),
    "a service's own Saturday hours": ("W", at(SATURDAY, "09:00"), 0, None),
    "a holiday of the hall": ("W", at("2026-12-25", "09:00"), 0, ("holiday", {"reason": "Hari Raya Natal"})),
    "a closed day of one agency": ("C", at("2026-12-24", "09:00"), 0, ("holiday", {"reason": "Cuti bersama"})),
    "another agency that day": ("A", at("2026-12-24", "09:00"), 0, None),
    "quota 2, one issued": ("Q", at(WEDNESDAY, "10:00"), 1, None),
    "quota 2, two issued": ("Q", at(WEDNESDAY, "10:00"), 2, ("quota_reached", {"quota": 2})),
}


@pytest.fixture(scope="module")
def calendar_hall():
    return parse_config(CALENDAR_HALL, Path("/tmp/hall.yaml"))


@pytest.mark.parametrize("case", list(CASES))
def test_the_rule_says_whether_and_why_a_service_cannot_issue(case, calendar_hall):
    service, moment, issued, expected = CASES[case]
    refusal = availability.unavailable(calendar_hall, service, {}, moment, issued)
    assert (tuple(refusal) if refusal else None) == expected


def test_the_hall_counts_as_closed_only_while_no_service_keeps_hours_of_its_own(calendar_hall):
    assert availability.hall_closed(calendar_hall, at(SATURDAY, "09:00")) is None, "W is on offer on Saturdays"
    assert availability.hall_closed(calendar_hall, at(SATURDAY, "13:00")) == ("closed_today", {})
    assert availability.hall_closed(calendar_hall, at("2026-12-25", "09:00")) == ("holiday", {"reason": "Hari Raya Natal"})
    assert availability.hall_closed(calendar_hall, at(WEDNESDAY, "09:00")) is None


def test_the_kiosk_is_told_when_a_service_closes_today_and_when_a_wait_runs_past_it(calendar_hall):
    assert availability.closes_today(calendar_hall, "S", at(WEDNESDAY, "09:00")) == "14:00"
    assert availability.closes_today(calendar_hall, "A", at(SATURDAY, "09:00")) is None
    assert availability.past_closing(calendar_hall, at(WEDNESDAY, "13:00"), "14:00", 75)
    assert not availability.past_closing(calendar_hall, at(WEDNESDAY, "13:00"), "14:00", 45)
    assert not availability.past_closing(calendar_hall, at(WEDNESDAY, "13:00"), None, 600), "no hours, no closing"


MISTAKES = {
    "a day that is no day": (
        {"hall": {**CALENDAR_HALL["hall"], "weekly_hours": {"jumat": "08:00-11:00"}}},
        "hall.weekly_hours.jumat: unknown key (known keys: monday, tuesday, wednesday, thursday, friday, saturday, sunday)",
    ),
    "hours backwards": (
        {"hall": {**CALENDAR_HALL["hall"], "weekly_hours": {"friday": "11:30-08:00"}}},
        "hall.weekly_hours.friday: must look like 08:00-15:00 or be closed, got '11:30-08:00'",
    ),
    "a date that is no date": (
        {"hall": {**CALENDAR_HALL["hall"], "closed_days": [{"date": "25-12-2026", "reason": "Natal"}]}},
        "hall.closed_days[0].date: must be a date YYYY-MM-DD such as 2026-12-25, got '25-12-2026'",
    ),
    "a closed day without its reason": (
        {"hall": {**CALENDAR_HALL["hall"], "closed_days": [{"date": "2026-12-25"}]}},
        "hall.closed_days[0].reason: is required",
    ),
    "a closed day twice": (
        {"hall": {**CALENDAR_HALL["hall"], "closed_days": [{"date": "2026-12-25", "reason": "a"}, {"date": "2026-12-25", "reason": "b"}]}},
        "hall.closed_days[1].date: duplicate date 2026-12-25 (also hall.closed_days[0])",
    ),
    "a quota of none": (
        {"services": [{**CALENDAR_HALL["services"][0], "daily_quota": 0}, *CALENDAR_HALL["services"][1:]]},
        "services[0].daily_quota: must be between 1 and 1000000, got 0",
    ),
    "a cut-off in hours": (
        {"services": [{**CALENDAR_HALL["services"][0], "cutoff_minutes": "1 jam"}, *CALENDAR_HALL["services"][1:]]},
        "services[0].cutoff_minutes: must be a whole number",
    ),
    "an agency's hours misspelt": (
        {
            "agencies": [
                *CALENDAR_HALL["agencies"][:1],
                {**CALENDAR_HALL["agencies"][1], "weekly_hours": {"monday": "8-14"}},
                *CALENDAR_HALL["agencies"][2:],
            ]
        },
        "agencies[1].weekly_hours.monday: must look like 08:00-15:00 or be closed, got '8-14'",
    ),
}


@pytest.mark.parametrize("case", list(MISTAKES))
def test_a_calendar_mistake_is_one_line_naming_the_key_path(case):
    change, line = MISTAKES[case]
    with pytest.raises(ConfigError) as raised:
        parse_config({**CALENDAR_HALL, **change}, Path("/tmp/hall.yaml"))
    assert raised.value.problems == [line]


def test_yaml_dates_and_closed_days_load_as_a_hall_manager_types_them(tmp_path):
    path = tmp_path / "hall.yaml"
    path.write_text(
        "hall: {name: MPP, timezone: Asia/Jakarta, weekly_hours: {saturday: closed},"
        " closed_days: [{date: 2026-12-25, reason: Hari Raya Natal}]}\n"
        "database: antre.db\nservices: [{code: A, name: KTP, agency: Disdukcapil}]\ncounters: [{id: '1', name: Loket 1, services: [A]}]\n",
        encoding="utf-8",
    )
    hall = load_config(path)
    assert availability.calendar(hall, "A", at("2026-12-25", "09:00")) == ("holiday", {"reason": "Hari Raya Natal"})
    assert availability.calendar(hall, "A", at(SATURDAY, "09:00")) == ("closed_today", {})


# --- through the API ----------------------------------------------------------------------------
@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(at(WEDNESDAY, "09:00"))


@pytest.fixture
def app(tmp_path, clock):
    app = create_app(load_config(write_config(tmp_path, CALENDAR_HALL)), clock)
    app.config["TESTING"] = True
    yield app
    hall = hall_of(app)
    hall.presence.close()
    hall.announcer.close()
    hall.printing.stop()
    hall.store.close()


@pytest.fixture
def client(app):
    return app.test_client()


def take(client, service: str, lang: str = "id"):
    return client.post("/api/v1/tickets", json={"service": service}, headers={"Accept-Language": lang})


def unavailable(client, code: str):
    return next(s for s in client.get("/api/v1/services").get_json() if s["code"] == code)


def test_a_quota_of_two_lets_two_tickets_through_and_refuses_the_third_with_409_quota_reached(client, clock):
    assert [take(client, "Q").status_code for _ in range(2)] == [201, 201]
    refused = take(client, "Q")
    assert refused.status_code == 409
    assert refused.get_json()["error"] == {"code": "quota_reached", "message": "kuota hari ini untuk layanan Q habis"}
    assert take(client, "Q", "en").get_json()["error"]["message"] == "today's quota for service Q is used up"
    assert unavailable(client, "Q")["unavailable"] == "quota_reached"
    assert unavailable(client, "Q")["waiting"] == 2, "the refused tickets were never issued"
    clock.now = at("2026-11-26", "08:00")
    assert take(client, "Q").get_json()["number"] == "Q001", "a new day, a new quota"


def test_an_officer_at_a_desk_may_still_issue_over_the_quota(app, client):
    hall_of(app).accounts.add("siti", PASSWORD, "officer", ["1"])
    token = client.post("/api/v1/auth/login", json={"username": "siti", "password": PASSWORD}).get_json()["token"]
    for _ in range(2):
        take(client, "Q")
    desk = client.post("/api/v1/tickets", json={"service": "Q"}, headers={"Authorization": f"Bearer {token}"})
    assert desk.status_code == 201 and desk.get_json()["number"] == "Q003"


def test_two_kiosks_cannot_both_take_the_last_ticket_of_a_quota(app):
    issuer = hall_of(app).issuer
    barrier = threading.Barrier(8)

    def tap(_: int) -> str:
        barrier.wait(timeout=30)
        try:
            return issuer.issue("Q", None, Channel(kiosk="k1"), "id", None, "http://hall")[0]["number"]
        except Conflict as refused:
            return refused.code

    with ThreadPoolExecutor(8) as pool:
        outcomes = sorted(pool.map(tap, range(8)))
    assert outcomes == ["Q001", "Q002"] + ["quota_reached"] * 6


@pytest.mark.parametrize(
    ("moment", "service", "why", "code", "message"),
    [
        (at("2026-12-25", "09:00"), "A", "holiday", "holiday", "hari ini libur (Hari Raya Natal); tidak ada pengambilan nomor"),
        (at(FRIDAY, "11:10"), "A", "cutoff", "cutoff", "pengambilan nomor ditutup 30 menit sebelum layanan tutup pukul 11:30"),
        (at(SATURDAY, "09:00"), "A", "closed_today", "conflict", "layanan A tidak buka hari ini"),
        (at(WEDNESDAY, "14:30"), "S", "closed", "conflict", "layanan sedang tutup; nomor diberikan pukul 08:00 sampai 14:00"),
    ],
)
def test_each_calendar_refusal_has_its_code_and_its_words(client, clock, moment, service, why, code, message):
    clock.now = moment
    refused = take(client, service)
    assert refused.status_code == 409
    assert refused.get_json()["error"] == {"code": code, "message": message}
    assert unavailable(client, service)["unavailable"] == why


def test_the_kiosk_hears_of_a_holiday_and_when_a_service_closes(client, clock):
    live = client.get("/kiosk/services.json").get_json()
    assert live["open"] and live["closed"] is None
    assert next(s for s in live["services"] if s["code"] == "S")["closes"] == "14:00"
    clock.now = at("2026-12-25", "09:00")
    live = client.get("/kiosk/services.json").get_json()
    assert not live["open"]
    assert live["closed"] == {"code": "holiday", "details": {"reason": "Hari Raya Natal"}}
    assert {s["unavailable_details"]["reason"] for s in live["services"]} == {"Hari Raya Natal"}
