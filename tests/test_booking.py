"""Booking from home through the API: sessions with places, codes, cancelling, the rules a hostile
client meets (bad fields, limits, guessing), check-in at the kiosk, expiry, and the event log.

The clock is the tests' (Wednesday 25 November 2026, 08:00 in Jakarta) except for the concurrent
bookings, which go to a real server on a loopback port.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from antre.queue_server.app import create_app
from antre.queue_server.booking.desk import Bookings
from antre.queue_server.booking.sweep import ExpirySweep
from antre.queue_server.codes import BOOKINGS
from antre.queue_server.config import ConfigError, load_config
from antre.queue_server.hall import hall_of
from antre.queue_server.issuing_access import Channel, new_kiosk_key

from tests.support import BOOKABLE_HALL, http, wait_until, write_config
from tests.test_openapi import Checker

API = "/api/v1"
JAKARTA = ZoneInfo("Asia/Jakarta")
TODAY = "2026-11-25"
BOOKING = {"service": "A", "date": TODAY, "session": "10:00-12:00", "name": "Ibu Sari"}


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    return write_config(tmp_path, BOOKABLE_HALL)


@pytest.fixture
def make_app(tmp_path, clock):
    """An app for a variant of the bookable hall (another limit, a closed day)."""
    made = []

    def make(**changes):
        folder = tmp_path / f"hall{len(made)}"
        folder.mkdir()
        app = create_app(write_config(folder, {**BOOKABLE_HALL, **changes}), clock)
        app.config["TESTING"] = True
        made.append(app)
        return app

    yield make
    for app in made:
        hall_of(app).presence.close()
        hall_of(app).printing.stop()
        hall_of(app).store.close()


def book(client, **changes):
    return client.post(f"{API}/bookings", json={**BOOKING, **changes})


def booked(client, **changes) -> dict:
    response = book(client, **changes)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def sessions(client, service: str = "A", day: str = TODAY) -> dict:
    response = client.get(f"{API}/services/{service}/sessions?date={day}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def places_left(client, session: str = "10:00-12:00", day: str = TODAY) -> int:
    return next(s["places_left"] for s in sessions(client, day=day)["sessions"] if s["session"] == session)


def error(response) -> tuple[int, str, str | None]:
    body = response.get_json()["error"]
    return response.status_code, body["code"], body.get("field")


def count_bookings(app) -> int:
    with hall_of(app).store.read() as tx:
        return tx.conn.execute("SELECT COUNT(*) FROM bookings").fetchone()[0]


def log(app, kinds: tuple[str, ...]) -> list[dict]:
    with hall_of(app).store.read() as tx:
        rows = tx.conn.execute(
            f"SELECT kind, ticket_id, details FROM events WHERE kind IN ({','.join('?' for _ in kinds)}) ORDER BY id", kinds
        )
        return [{"kind": kind, "ticket_id": ticket_id, **json.loads(details)} for kind, ticket_id, details in rows]


# --- sessions and booking ----------------------------------------------------------------------
def test_sessions_show_the_places_left_and_a_booking_takes_one(client):
    listed = sessions(client)
    assert listed["closed"] is None and listed["service"] == "A" and listed["date"] == TODAY
    assert [(s["session"], s["places"], s["places_left"], s["bookable"]) for s in listed["sessions"]] == [
        ("08:00-10:00", 5, 5, True),
        ("10:00-12:00", 5, 5, True),
    ]
    assert listed["sessions"][0]["start"] == "2026-11-25T01:00:00.000000+00:00"  # 08:00 in Jakarta
    booked(client)
    assert places_left(client) == 4
    assert places_left(client, "08:00-10:00") == 5


def test_a_booking_answers_its_code_and_what_to_bring(client):
    booking = booked(client, phone="0812-3456-7890", name="  Ibu Sari  ")
    code = booking["code"]
    assert BOOKINGS.stored(code) is not None and code.startswith("BKG-") and len(code) == len("BKG-XXXX-XXXX-XX")
    assert booking["name"] == "Ibu Sari" and booking["status"] == "booked" and booking["has_phone"] is True
    assert booking["service_name"] == "KTP Elektronik" and booking["date"] == TODAY and booking["session"] == "10:00-12:00"
    assert booking["booking_url"] == f"/booking/{code}" and booking["ticket"] is None
    assert "phone" not in booking and "0812" not in json.dumps(booking)
    assert client.get(f"{API}/bookings/{code}").get_json() == booking


def test_a_service_without_booking_has_no_sessions_and_cannot_be_booked(client):
    assert sessions(client, "C")["sessions"] == []
    assert error(book(client, service="C")) == (400, "invalid", "service")
    assert error(client.get(f"{API}/services/Z/sessions?date={TODAY}"))[0] == 404


@pytest.mark.parametrize("day", ["2026-11-24", "2026-12-09", "25-11-2026", "2026-02-30", ""])
def test_a_day_in_the_past_beyond_the_days_ahead_or_malformed_is_refused(client, day):
    assert error(client.get(f"{API}/services/A/sessions?date={day}")) == (400, "invalid", "date")
    assert error(book(client, date=day)) == (400, "invalid", "date")


def test_the_last_of_the_days_ahead_can_be_booked(client):
    assert booked(client, date="2026-12-08")["date"] == "2026-12-08"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("service", "Z"),
        ("service", 7),
        ("date", None),
        ("session", "09:00-10:00"),
        ("session", None),
        ("name", "S"),
        ("name", "x" * 61),
        ("name", "   "),
        ("name", None),
        ("name", "Sari\nBudi"),
        ("phone", "12345"),
        ("phone", "0812"),
        ("phone", "+1 555 123 4567"),
        ("phone", 812345678),
        ("lang", "fr"),
        ("nik", "3201010101010001"),
    ],
)
def test_every_bad_field_is_400_naming_it_and_nothing_is_stored(app, client, field, value):
    response = book(client, **{field: value})
    assert error(response) == (400, "invalid", field)
    assert response.get_json()["error"]["message"]
    assert count_bookings(app) == 0


@pytest.mark.parametrize(
    ("typed", "stored"), [("0812 3456 7890", "+6281234567890"), ("62812345678", "+62812345678"), ("+62 812-3456-789", "+628123456789")]
)
def test_phone_numbers_are_stored_in_one_form(app, client, typed, stored):
    booked(client, phone=typed)
    with hall_of(app).store.read() as tx:
        assert tx.conn.execute("SELECT phone FROM bookings").fetchone()[0] == stored


def test_a_closed_day_says_why_and_cannot_be_booked(make_app):
    client = make_app(hall={**BOOKABLE_HALL["hall"], "closed_days": [{"date": "2026-11-27", "reason": "Cuti bersama"}]}).test_client()
    assert sessions(client, day="2026-11-27")["closed"] == "Cuti bersama"
    assert not any(s["bookable"] for s in sessions(client, day="2026-11-27")["sessions"])
    assert error(book(client, date="2026-11-27")) == (409, "holiday", None)


def test_a_weekday_the_service_is_closed_cannot_be_booked(make_app):
    client = make_app(hall={**BOOKABLE_HALL["hall"], "weekly_hours": {"saturday": "closed", "sunday": "closed"}}).test_client()
    assert sessions(client, day="2026-11-28")["closed"]  # a Saturday
    assert error(book(client, date="2026-11-28")) == (409, "holiday", None)


def test_a_session_that_has_ended_is_not_bookable(client, clock):
    clock.advance(hours=2, minutes=30)  # 10:30
    bookable = {s["session"]: s["bookable"] for s in sessions(client)["sessions"]}
    assert bookable == {"08:00-10:00": False, "10:00-12:00": True}
    assert error(book(client, session="08:00-10:00")) == (409, "session_over", None)
    assert booked(client)["session"] == "10:00-12:00"  # under way: still bookable


def test_overlapping_sessions_are_a_config_problem_naming_the_path(tmp_path):
    service = {
        **BOOKABLE_HALL["services"][0],
        "booking": {"sessions": [{"time": "08:00-10:00", "places": 5}, {"time": "09:30-11:00", "places": 5}]},
    }
    with pytest.raises(ConfigError) as refused:
        load_config(write_config(tmp_path, {**BOOKABLE_HALL, "services": [service, *BOOKABLE_HALL["services"][1:]]}))
    assert any(line.startswith("services[0].booking.sessions[1].time:") and "overlap" in line for line in refused.value.problems)


# --- places under concurrency ------------------------------------------------------------------
def test_eight_clients_booking_the_last_five_places_exactly_five_get_one(server):
    day = (datetime.now(JAKARTA).date() + timedelta(days=1)).isoformat()  # the real server's clock
    url = f"{server.url}{API}/bookings"
    start = threading.Barrier(8)
    answers: list[tuple[int, dict]] = []

    def one(i: int) -> None:
        start.wait()
        answers.append(http("POST", url, {**BOOKING, "date": day, "session": "08:00-10:00", "name": f"Pengunjung {i}"}))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(status for status, _ in answers) == [201] * 5 + [409] * 3
    assert {body["error"]["code"] for status, body in answers if status == 409} == {"full"}
    assert len({body["code"] for status, body in answers if status == 201}) == 5
    listed = http("GET", f"{server.url}{API}/services/A/sessions?date={day}")[1]
    assert listed["sessions"][0]["places_left"] == 0 and listed["sessions"][0]["bookable"] is False


# --- codes -------------------------------------------------------------------------------------
def test_codes_are_read_as_people_type_them(client):
    code = booked(client)["code"]
    bare = code.removeprefix("BKG-").replace("-", "")
    for typed in (bare.lower(), f"bkg {bare[:4]} {bare[4:8]} {bare[8:]}", code.replace("0", "O").replace("1", "l")):
        assert client.get(f"{API}/bookings/{typed}").get_json()["code"] == code


def test_codes_cannot_be_guessed_or_walked_through(client):
    codes = {booked(client, date=f"2026-12-0{1 + i % 8}", session=("08:00-10:00", "10:00-12:00")[i % 2])["code"] for i in range(10)}
    assert len(codes) == 10
    symbols = [BOOKINGS.stored(code) for code in codes]
    assert all(len(s) == 10 for s in symbols) and len({s[:3] for s in symbols}) > 1  # drawn, not counted up
    for code in ("BKG-0000-0000-00", "BKG-ZZZZ-ZZZZ-ZZ", "not a code", "BKG-" + "U" * 10):
        assert error(client.get(f"{API}/bookings/{code}")) == (404, "not_found", "code")


def test_an_address_guessing_codes_is_stopped_even_for_a_right_one(client):
    code = booked(client)["code"]
    for i in range(30):
        assert client.get(f"{API}/bookings/BKG-0000-0000-{i:02d}").status_code == 404
    assert error(client.get(f"{API}/bookings/BKG-0000-0000-99"))[:2] == (429, "too_many_requests")
    assert error(client.get(f"{API}/bookings/{code}"))[:2] == (429, "too_many_requests")
    assert error(client.post(f"{API}/bookings/{code}/cancel"))[:2] == (429, "too_many_requests")


def test_the_booking_limit_per_address_answers_429_and_a_refusal_costs_nothing(make_app):
    client = make_app(booking={"per_address_per_hour": 3}).test_client()
    assert error(book(client, name="S"))[0] == 400  # refused: costs no allowance
    for i in range(3):
        booked(client, name=f"Pengunjung {i}")
    assert error(book(client, name="Pengunjung 4"))[:2] == (429, "too_many_requests")


# --- one phone, one booking ----------------------------------------------------------------------
def test_one_active_booking_per_phone_per_service_per_day(client):
    first = booked(client, phone="081234567890")
    assert error(book(client, phone="+62 812 3456 7890", session="08:00-10:00")) == (409, "phone_has_booking", None)
    booked(client, phone="081234567890", service="B", session="08:00-10:00")  # another service
    booked(client, phone="081234567890", date="2026-11-26")  # another day
    client.post(f"{API}/bookings/{first['code']}/cancel")
    booked(client, phone="081234567890", session="08:00-10:00")  # the cancelled one is not active


def test_a_phone_number_makes_at_most_five_bookings_a_day(client):
    for i in range(5):
        booked(client, phone="081234567890", date=f"2026-11-2{5 + i}")
    assert error(book(client, phone="081234567890", date="2026-11-30"))[:2] == (429, "too_many_requests")


# --- cancelling ----------------------------------------------------------------------------------
def test_cancelling_frees_the_place_and_only_a_booked_booking_can_be_cancelled(client):
    code = booked(client)["code"]
    assert places_left(client) == 4
    cancelled = client.post(f"{API}/bookings/{code}/cancel").get_json()
    assert cancelled["status"] == "cancelled" and places_left(client) == 5
    assert error(client.post(f"{API}/bookings/{code}/cancel")) == (409, "booking_cancelled", None)
    assert client.get(f"{API}/bookings/{code}").get_json()["status"] == "cancelled"


def test_a_full_session_says_so_and_a_cancellation_opens_it_again(client):
    codes = [booked(client, name=f"Pengunjung {i}")["code"] for i in range(5)]
    assert error(book(client)) == (409, "full", None)
    assert "10:00-12:00" in book(client).get_json()["error"]["message"]
    client.post(f"{API}/bookings/{codes[2]}/cancel")
    booked(client)


# --- check-in ----------------------------------------------------------------------------------
def stored_ticket(app, ticket_id: str) -> dict:
    with hall_of(app).store.read() as tx:
        return tx.ticket(ticket_id)


def test_check_in_answers_a_ticket_and_the_booking_shows_it(app, client, kiosk_k1):
    code = booked(client)["code"]
    ticket = client.post(f"{API}/bookings/{code}/check-in", json={}, headers=kiosk_k1).get_json()
    assert ticket["number"] == "A001" and ticket["status"] == "waiting" and ticket["service"] == "A"
    stored = stored_ticket(app, ticket["id"])
    assert stored["kiosk"] == "k1" and stored["queue_at"] == "2026-11-25T03:00:00.000000+00:00"  # 10:00 in Jakarta: the session's start
    booking = client.get(f"{API}/bookings/{code}").get_json()
    assert booking["status"] == "checked_in" and booking["ticket"] == {
        "id": ticket["id"],
        "number": "A001",
        "track_url": f"/t/{ticket['id']}",
    }
    assert error(client.post(f"{API}/bookings/{code}/check-in", headers=kiosk_k1)) == (409, "already_checked_in", None)
    assert error(client.post(f"{API}/bookings/{code}/cancel")) == (409, "already_checked_in", None)


def test_check_in_is_for_a_kiosk_or_an_officer(app, client, officers, kiosk_k1):
    code = booked(client)["code"]
    assert error(client.post(f"{API}/bookings/{code}/check-in"))[0] == 401
    assert error(client.post(f"{API}/bookings/{code}/check-in", headers={"Authorization": "Kiosk wrong"}))[0] == 401
    ticket = client.post(f"{API}/bookings/{code}/check-in", headers={"Authorization": f"Bearer {officers['siti']}"})
    assert ticket.status_code == 201 and stored_ticket(app, ticket.get_json()["id"])["kiosk"] is None


def test_a_booking_for_another_day_cannot_check_in_today(client, kiosk_k1):
    code = booked(client, date="2026-11-26")["code"]
    assert error(client.post(f"{API}/bookings/{code}/check-in", headers=kiosk_k1)) == (409, "not_today", None)


def test_yesterdays_booking_has_expired_by_today(client, clock, kiosk_k1):
    code = booked(client)["code"]
    clock.advance(days=1)
    assert error(client.post(f"{API}/bookings/{code}/check-in", headers=kiosk_k1)) == (409, "booking_expired", None)


def test_a_cancelled_booking_cannot_check_in(client, kiosk_k1):
    code = booked(client)["code"]
    client.post(f"{API}/bookings/{code}/cancel")
    assert error(client.post(f"{API}/bookings/{code}/check-in", headers=kiosk_k1)) == (409, "booking_cancelled", None)


def test_an_expired_booking_cannot_check_in_even_before_the_sweep(app, client, clock, kiosk_k1):
    code = booked(client, service="B", session="08:00-10:00")["code"]  # B's grace: 15 minutes
    clock.advance(hours=2, minutes=14)  # 10:14: within the grace time
    assert error(book(client, service="B", session="08:00-10:00", name="Terlambat")) == (409, "session_over", None)
    clock.advance(minutes=1)  # 10:15: expired, and the sweep has not run
    assert error(client.post(f"{API}/bookings/{code}/check-in", headers=kiosk_k1)) == (409, "booking_expired", None)
    assert client.get(f"{API}/bookings/{code}").get_json()["status"] == "booked"
    assert hall_of(app).bookings.expire_due() == 1
    assert client.get(f"{API}/bookings/{code}").get_json()["status"] == "expired"
    assert error(client.post(f"{API}/bookings/{code}/cancel")) == (409, "booking_expired", None)
    assert places_left(client, "08:00-10:00") == 5  # A's; B's expired places stay taken
    assert sessions(client, "B")["sessions"][0]["places_left"] == 4


def test_a_check_in_within_the_grace_time_joins_at_once(app, client, clock, kiosk_k1):
    code = booked(client, service="B", session="08:00-10:00")["code"]
    clock.advance(hours=2, minutes=10)  # 10:10, the session ended ten minutes ago
    ticket = client.post(f"{API}/bookings/{code}/check-in", headers=kiosk_k1).get_json()
    assert stored_ticket(app, ticket["id"])["queue_at"] == ticket["issued_at"]


def test_a_kiosk_check_in_is_printed_on_the_kiosks_printer(make_app, printer):
    network = {"kind": "network", "host": "127.0.0.1", "port": printer.port, "timeout_seconds": 2}
    app = make_app(printer=network)
    client = app.test_client()
    key = {"Authorization": f"Kiosk {new_kiosk_key(hall_of(app).store, 'k1')}"}
    printer.start()
    code = booked(client)["code"]
    ticket = client.post(f"{API}/bookings/{code}/check-in", headers=key).get_json()
    assert ticket["print"]["status"] in ("pending", "sent")
    (data,) = printer.wait_for_tickets(1)
    assert ticket["number"].encode() in data


def test_a_booked_check_in_is_outside_the_walk_in_daily_quota(make_app, kiosk_k1):
    services = [{**BOOKABLE_HALL["services"][0], "daily_quota": 2}, *BOOKABLE_HALL["services"][1:]]
    app = make_app(services=services)
    client = app.test_client()
    key = {"Authorization": f"Kiosk {new_kiosk_key(hall_of(app).store, 'k1')}"}
    codes = [booked(client, name=f"Pengunjung {i}")["code"] for i in range(2)]
    assert client.post(f"{API}/tickets", json={"service": "A"}).status_code == 201
    assert client.post(f"{API}/bookings/{codes[0]}/check-in", headers=key).status_code == 201
    assert client.post(f"{API}/tickets", json={"service": "A"}).status_code == 201  # the booked one did not count
    assert error(client.post(f"{API}/tickets", json={"service": "A"}))[:2] == (409, "quota_reached")
    assert client.post(f"{API}/bookings/{codes[1]}/check-in", headers=key).status_code == 201


# --- the log, privacy, staff ---------------------------------------------------------------------
def test_the_log_holds_each_step_and_never_the_code_name_or_phone(app, client, clock, kiosk_k1):
    kept = booked(client, phone="081234567890")
    dropped = booked(client, name="Pak Budi", session="08:00-10:00")
    client.post(f"{API}/bookings/{dropped['code']}/cancel")
    missed = booked(client, service="B", session="08:00-10:00", name="Bu Tini")
    ticket = client.post(f"{API}/bookings/{kept['code']}/check-in", headers=kiosk_k1).get_json()
    clock.advance(hours=3)
    hall_of(app).bookings.expire_due()
    events = log(app, ("booked", "booking_cancelled", "booking_expired", "issued"))
    assert [e["kind"] for e in events] == ["booked", "booked", "booking_cancelled", "booked", "issued", "booking_expired"]
    first = events[0]
    assert {k: first[k] for k in ("service", "day", "session", "lang", "has_phone")} == {
        "service": "A",
        "day": TODAY,
        "session": "10:00-12:00",
        "lang": "id",
        "has_phone": True,
    }
    assert first["session_start"] == "2026-11-25T03:00:00.000000+00:00" and first["ticket_id"] is None
    issued = events[4]
    assert issued["ticket_id"] == ticket["id"] and issued["booking"] == first["booking"]
    assert issued["session_start"] == first["session_start"] and issued["checked_in_at"] == ticket["issued_at"]
    assert events[2]["booking"] == events[1]["booking"] and events[5]["booking"] == events[3]["booking"]
    text = json.dumps(events)
    codes = [BOOKINGS.stored(booking["code"]) for booking in (kept, dropped, missed)]
    for secret in (*codes, "Ibu Sari", "Pak Budi", "Bu Tini", "812345"):
        assert secret not in text


def test_names_and_phones_are_forgotten_after_the_keep_days(app, client, clock):
    code = booked(client, phone="081234567890")["code"]
    clock.advance(days=30)
    hall_of(app).bookings.expire_due()
    assert client.get(f"{API}/bookings/{code}").get_json()["name"] == "Ibu Sari"
    clock.advance(days=1)
    hall_of(app).bookings.expire_due()
    booking = client.get(f"{API}/bookings/{code}").get_json()
    assert booking["name"] is None and booking["has_phone"] is False and booking["status"] == "expired"


def test_staff_see_the_days_bookings_per_session(app, client, officers, auth):
    booked(client, phone="081234567890")
    accounts = hall_of(app).accounts
    accounts.add("imigrasi", "rahasia-petugas-1", "agency_admin", agency="Kantor Imigrasi")
    listing = client.get(f"{API}/bookings?date={TODAY}", headers=auth(officers["admin"])).get_json()
    assert [s["service"] for s in listing["services"]] == ["A", "B"]
    session = listing["services"][0]["sessions"][1]
    assert (
        session["places_left"] == 4 and session["bookings"][0]["name"] == "Ibu Sari" and session["bookings"][0]["phone"] == "+6281234567890"
    )
    assert client.get(f"{API}/bookings", headers=auth(officers["siti"])).status_code == 403
    other = accounts.login("imigrasi", "rahasia-petugas-1")[0]
    assert client.get(f"{API}/bookings", headers=auth(other)).get_json()["services"] == []
    assert client.get(f"{API}/bookings?service=A", headers=auth(other)).status_code == 403


def test_the_reports_and_the_live_channel_read_past_the_booking_kinds(app, client, kiosk_k1, caplog):
    code = booked(client)["code"]
    client.post(f"{API}/bookings/{booked(client, name='Pak Budi')['code']}/cancel")
    client.post(f"{API}/bookings/{code}/check-in", headers=kiosk_k1)
    hall = hall_of(app)
    assert hall.summaries.rebuild() > 0
    with hall.store.read() as tx:
        legs = tx.conn.execute("SELECT COUNT(*) FROM report_legs").fetchone()[0]
    assert legs == 1  # the checked-in ticket; the bookings themselves are no legs
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]  # no listener (live channel, monitor) failed


def test_the_booking_endpoints_answer_as_the_openapi_document_says(app, client, clock, officers, auth, kiosk_k1):
    checker = Checker(client.get(f"{API}/openapi.json").get_json())

    def call(method: str, path: str, expect: int, **options) -> dict:
        response = client.open(f"{API}{path}", method=method.upper(), **options)
        checker.check(method, f"{API}{path}", response)
        assert response.status_code == expect, response.get_json()
        return response.get_json()

    call("get", f"/services/A/sessions?date={TODAY}", 200)
    call("get", f"/services/C/sessions?date={TODAY}", 200)
    call("get", "/services/A/sessions?date=kemarin", 400)
    call("get", f"/services/Z/sessions?date={TODAY}", 404)
    code = call("post", "/bookings", 201, json={**BOOKING, "phone": "081234567890"})["code"]
    other = call("post", "/bookings", 201, json={**BOOKING, "session": "08:00-10:00"})["code"]
    call("post", "/bookings", 400, json={**BOOKING, "name": "S"})
    call("post", "/bookings", 409, json={**BOOKING, "phone": "081234567890"})
    call("get", f"/bookings/{code}", 200)
    call("get", "/bookings/BKG-0000-0000-00", 404)
    call("post", f"/bookings/{other}/cancel", 200)
    call("post", f"/bookings/{other}/cancel", 409)
    call("post", "/bookings/BKG-0000-0000-00/cancel", 404)
    call("post", f"/bookings/{code}/check-in", 401)
    call("post", f"/bookings/{code}/check-in", 400, json={"priority": "raja"}, headers=kiosk_k1)
    call("post", f"/bookings/{code}/check-in", 201, json={"priority": "lansia"}, headers=kiosk_k1)
    call("post", f"/bookings/{code}/check-in", 409, headers=kiosk_k1)
    call("post", "/bookings/BKG-0000-0000-00/check-in", 404, headers=kiosk_k1)
    call("get", f"/bookings/{code}", 200)
    call("get", f"/bookings?date={TODAY}", 200, headers=auth(officers["admin"]))
    call("get", "/bookings?date=besok", 400, headers=auth(officers["admin"]))
    call("get", "/bookings", 401)
    call("get", "/bookings", 403, headers=auth(officers["siti"]))
    for i in range(28):  # 2 wrong codes so far from this address (a kiosk's are not counted): 30 in all
        client.get(f"{API}/bookings/BKG-0000-0001-{i:02d}")
    call("get", "/bookings/BKG-0000-0002-00", 429)


def test_the_sweep_thread_expires_bookings_on_its_own(app, client, clock):
    code = booked(client, service="B", session="08:00-10:00")["code"]
    clock.advance(hours=3)
    ExpirySweep(hall_of(app).bookings, hall_of(app).store, seconds=0.05).start()  # stopped when the store closes
    wait_until(lambda: client.get(f"{API}/bookings/{code}").get_json()["status"] == "expired", message="the sweep expired it")
    assert [e["kind"] for e in log(app, ("booking_expired",))] == ["booking_expired"]


def test_without_a_web_server_a_check_in_issues_an_unprinted_ticket(hall, clock):
    bookings = Bookings(hall.store, hall.engine, hall.config, clock)
    code = bookings.book(dict(BOOKING), None)["code"]
    ticket, job = bookings.check_in(code, Channel(), None, None, "http://localhost")
    assert job is None and ticket["number"] == "A001"
    assert bookings.get(code, None)["ticket"]["number"] == "A001"
