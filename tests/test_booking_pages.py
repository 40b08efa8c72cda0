"""The booking pages as plain forms (no script): /booking step by step, /booking/<code> with its QR
and a confirmed cancel, the refusals each said with what to do, and the staff's /admin/bookings.
The browser tests (tests/test_booking_browser.py) do the same at phone and kiosk size."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
from antre.queue_server.hall import hall_of

from tests.conftest import PASSWORD
from tests.support import SMALL_HALL, write_config
from tests.test_admin_officers import admin_login

BOOKABLE_HALL = copy.deepcopy(SMALL_HALL)
BOOKABLE_HALL["services"][0]["booking"] = {"sessions": [{"time": "08:00-10:00", "places": 2}, {"time": "10:00-12:00", "places": 1}]}
BOOKABLE_HALL["services"][2]["booking"] = {"sessions": [{"time": "13:00-15:00", "places": 3}]}
BOOKABLE_HALL["hall"]["closed_days"] = [{"date": "2026-11-27", "reason": "Cuti bersama"}]
DAY = "2026-11-25"  # the conftest clock's day, 08:00 in Jakarta


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    return write_config(tmp_path, BOOKABLE_HALL)


def book(client, session="10:00-12:00", name="Ibu Sari", phone="", day=DAY, service="A"):
    return client.post("/booking", data={"service": service, "date": day, "session": session, "name": name, "phone": phone})


def code_of(response) -> str:
    assert response.status_code == 303, response.text
    return response.headers["Location"].rsplit("/", 1)[1]


def test_the_steps_go_from_agency_to_service_to_a_days_sessions_with_their_places(client):
    start = client.get("/booking")
    assert start.status_code == 200 and start.headers["Cache-Control"] == "no-store"
    assert "Disdukcapil" in start.text and "Kantor Imigrasi" in start.text
    agency = client.get("/booking?agency=Disdukcapil").text
    assert "KTP Elektronik" in agency and "Kartu Keluarga" not in agency  # B takes no bookings
    found = client.get("/booking?q=paspor").text
    assert "Paspor" in found and "KTP Elektronik" not in found
    days = client.get("/booking?service=A").text
    assert len(re.findall(r'href="/booking\?service=A&amp;date=', days)) == 14  # booking.days_ahead
    sessions = client.get(f"/booking?service=A&date={DAY}").text
    assert "08:00-10:00" in sessions and "Sisa 2 tempat" in sessions and "Sisa 1 tempat" in sessions


def test_a_booking_gets_its_page_with_code_qr_and_when_to_come_and_a_full_session_shows_full(client):
    code = code_of(book(client))
    assert re.fullmatch(r"BKG-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{2}", code)
    page = client.get(f"/booking/{code}")
    assert page.status_code == 200 and page.headers["X-Robots-Tag"] == "noindex"
    assert code in page.text and "Datang pukul 10:00" in page.text and "KTP Elektronik" in page.text
    qr = client.get(f"/booking/{code}/qr.svg")
    assert qr.mimetype == "image/svg+xml" and b"<svg" in qr.data
    sessions = client.get(f"/booking?service=A&date={DAY}").text
    full = re.search(r'data-session="10:00-12:00">(.*?)</div>', sessions, re.S).group(1)
    assert "Penuh" in full and "disabled" in full  # shown, not hidden, and not choosable
    refused = book(client, name="Pak Budi")
    assert refused.status_code == 409 and 'data-code="full"' in refused.text and "Pilih sesi atau hari lain" in refused.text
    assert 'value="Pak Budi"' in refused.text  # what was typed stays


def test_a_cancel_asks_first_then_frees_the_place(client):
    code = code_of(book(client))
    confirm = client.get(f"/booking/{code}/cancel").text
    assert "Batalkan booking ini?" in confirm and 'method="post"' in confirm
    assert client.get(f"/booking/{code}").text.count("Batalkan booking ini?") == 0  # the link alone frees nothing
    done = client.post(f"/booking/{code}/cancel")
    assert done.status_code == 303
    assert "Dibatalkan" in client.get(f"/booking/{code}").text
    assert "Sisa 1 tempat" in client.get(f"/booking?service=A&date={DAY}").text
    code_of(book(client, name="Pak Budi"))  # the place is free again


def test_each_refusal_says_what_to_do(client, clock):
    code_of(book(client, session="08:00-10:00", phone="0812-3456-7890"))
    again = book(client, session="08:00-10:00", phone="+6281234567890", name="Sari lagi")
    assert again.status_code == 409 and "Buka booking yang ada, atau batalkan dulu" in again.text
    closed = client.get("/booking?service=A&date=2026-11-27").text
    assert "Tutup pada hari ini: Cuti bersama" in closed and "booking-send" not in closed
    assert book(client, day="2026-11-27").status_code == 409
    short = book(client, name="S")
    assert short.status_code == 400 and 'id="b-name"' in short.text and 'aria-invalid="true"' in short.text
    clock.advance(minutes=125)  # 10:05: the first session is over
    over = client.get(f"/booking?service=A&date={DAY}").text
    assert re.search(r'data-session="08:00-10:00">.*?Sudah lewat', over, re.S)
    assert book(client, session="08:00-10:00", name="Pak Budi").status_code == 409


def test_an_unknown_or_malformed_code_gets_the_same_not_found_page(client):
    for code in ("BKG-0000-0000-00", "bukan-kode", "x" * 40):
        page = client.get(f"/booking/{code}")
        assert page.status_code == 404 and "tidak ada" in page.text
    assert client.get("/booking/BKG-0000-0000-00/qr.svg").status_code == 404


def test_the_staff_page_counts_a_days_bookings_per_session_for_whom_it_may(client, officers):
    first = code_of(book(client, session="08:00-10:00"))
    code_of(book(client, session="08:00-10:00", name="Pak Budi"))
    client.post(f"/booking/{first}/cancel")
    code_of(book(client, session="13:00-15:00", service="C"))
    admin_login(client, "admin")
    page = client.get("/admin/bookings").text
    row = re.search(r'<tr data-service="A" data-session="08:00-10:00">(.*?)</tr>', page, re.S).group(1)
    counts = dict(re.findall(r'data-status="(\w+)">(\d+)<', row))
    assert counts == {"booked": "1", "checked_in": "0", "expired": "0", "cancelled": "1", "places_left": "1"}
    assert 'data-service="C"' in page
    hall_of(client.application).accounts.add("imigrasi", PASSWORD, "agency_admin", agency="Kantor Imigrasi")
    agency = client.application.test_client()
    admin_login(agency, "imigrasi")
    theirs = agency.get("/admin/bookings").text
    assert 'data-service="C"' in theirs and 'data-service="A"' not in theirs


def test_too_many_bookings_from_one_address_are_refused_with_what_to_do(client):
    days = ["2026-11-25", "2026-11-26", "2026-11-28", "2026-11-29"]  # Paspor's session has 3 places a day; the 27th is closed
    for n in range(10):  # booking.per_address_per_hour
        code_of(book(client, service="C", session="13:00-15:00", name=f"Warga {n}", day=days[n // 3]))
    refused = book(client, service="C", session="13:00-15:00", name="Warga 10", day="2026-11-30")
    assert refused.status_code == 429 and "Tunggu satu jam" in refused.text


@pytest.mark.parametrize("path", ["/booking", "/pengaduan", "/pengaduan/lacak", "/survey?counter=1", "/t/no-such-ticket"])
def test_the_visitors_and_devices_pages_are_never_cached_indexed_or_sent_on_as_a_referrer(client, path):
    # Their URL is a token (a ticket, a booking, a complaint, a tablet's pairing): it must stay out of
    # caches, search engines and the Referer header of any link followed from them.
    headers = client.get(path).headers
    assert headers["Cache-Control"] == "no-store"
    assert headers["X-Robots-Tag"] == "noindex"
    assert headers["Referrer-Policy"] == "no-referrer"
