"""Booking from home in headless Chromium against a real ``antre run`` and a loopback network printer:
a visit booked on a phone (390×844), checked in at the kiosk (1080×1920) by typing the code on the
on-screen keyboard and by a scanner typing it with Enter, the ticket printed and linked from the
booking's page; the kiosk's message for an expired and an unknown code; the staff's bookings page on
the real-size hall; the services editor saving sessions and naming a malformed or overlapping one."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import yaml
from antre.queue_server.booking.desk import Bookings
from antre.queue_server.clock import ManualClock
from antre.queue_server.config import load_config
from antre.queue_server.hall import open_hall
from antre.queue_server.issuing_access import new_kiosk_key
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.support import SMALL_HALL, ServerProcess, axe_violations, http, kiosk_page, tv_page, write_config, write_real_size_config
from tests.test_admin_browser import log_in
from tests.test_admin_setup_browser import admin_page, api_token, edit
from tests.test_kiosk_real_size import assert_laid_out

pytestmark = pytest.mark.browser

JAKARTA = ZoneInfo("Asia/Jakarta")  # the hall's time zone (SMALL_HALL)
PHONE = {"width": 390, "height": 844}
TOTEM = {"width": 1080, "height": 1920}
DESK = {"width": 1366, "height": 768}
BOXES = "(nodes) => nodes.map((node) => node.getBoundingClientRect().toJSON())"
WIDER_THAN_THE_SCREEN = "() => document.documentElement.scrollWidth > document.documentElement.clientWidth"


def bookable_hall(printer_port: int) -> dict:
    """The small hall with bookings for KTP (today's sessions: one until noon, one after, so one is
    always under way whatever the hour) and a session at midnight for Paspor, long over."""
    data = copy.deepcopy(SMALL_HALL)
    data["services"][0]["booking"] = {"sessions": [{"time": "00:00-12:00", "places": 20}, {"time": "12:00-23:59", "places": 20}]}
    data["services"][2]["booking"] = {"sessions": [{"time": "00:00-00:01", "places": 5}], "grace_minutes": 0}
    data["printer"] = {"kind": "network", "host": "127.0.0.1", "port": printer_port, "timeout_seconds": 2}
    data["kiosks"] = [{"id": "k1", "name": "Kiosk Lobi", "return_seconds": 60}]
    data["booking"] = {"per_address_per_hour": 1000}  # every booking here comes from the test's one address
    return data


@pytest.fixture(scope="module")
def module_printer():
    from antre.printer.loopback import LoopbackPrinter

    with LoopbackPrinter() as printer:
        yield printer


@pytest.fixture(scope="module")
def server(tmp_path_factory, module_printer):
    """The bookable hall with an admin, kiosk k1's key and a Paspor booking made at midnight (so
    expired by now)."""
    config = write_config(tmp_path_factory.mktemp("booking"), bookable_hall(module_printer.port))
    hall_config = load_config(config)
    midnight = datetime.now(hall_config.timezone).replace(hour=0, minute=0, second=0, microsecond=0)
    clock = ManualClock(midnight)
    hall = open_hall(hall_config, clock)
    try:
        hall.accounts.add("admin", PASSWORD, "admin")
        key = new_kiosk_key(hall.store, "k1")
        desk = Bookings(hall.store, hall.engine, hall.config, clock)
        expired = desk.book({"service": "C", "date": midnight.date().isoformat(), "session": "00:00-00:01", "name": "Pak Telat"}, None)
    finally:
        hall.store.close()
    process = ServerProcess(config).start()
    process.kiosk_key, process.expired = key, expired["code"]
    yield process
    process.kill()


def today_session() -> str:
    return "00:00-12:00" if datetime.now(JAKARTA).hour < 12 else "12:00-23:59"


def book_on_a_phone(page, server, name: str) -> str:
    """Agency, service, today, the session under way, a name: the booking's code."""
    page.goto(f"{server.url}/booking")
    assert page.locator("#booking-search").bounding_box()["height"] >= 44  # a field a thumb can hit
    page.get_by_role("link", name="Disdukcapil").click()
    page.get_by_role("link", name="KTP Elektronik").click()
    page.locator("[data-testid=days] a").first.click()
    session = page.locator(f'[data-testid=session][data-session="{today_session()}"]')
    expect(session).to_contain_text("tempat")
    session.locator("input").check()
    page.get_by_label("Nama untuk dipanggil").fill(name)
    assert page.locator("input[type=tel]").bounding_box()["height"] >= 44
    assert not page.evaluate(WIDER_THAN_THE_SCREEN)
    assert axe_violations(page) == []
    page.click("[data-testid=booking-send]")
    code = page.locator("[data-testid=booking-code]")
    expect(code).to_be_visible()
    return code.inner_text()


def open_check_in(page, server) -> None:
    page.goto(f"{server.url}/kiosk/pair?id=k1&key={server.kiosk_key}")
    page.locator("#start-tiles .tile").first.wait_for()
    page.click("[data-testid=booking-open]")
    expect(page.locator("#booking-title")).to_be_visible()
    expect(page.locator("#booking-title")).to_have_text("Kode booking Anda")


def test_a_visit_booked_on_a_phone_is_checked_in_at_the_kiosk_printed_and_linked(browser, server, module_printer, new_page):
    phone = new_page(PHONE)
    code = book_on_a_phone(phone, server, "Ibu Sari")
    expect(phone.locator("#booking-status")).to_contain_text("Terdaftar")
    expect(phone.locator("#booking-come")).to_contain_text("Datang pukul")
    phone.wait_for_function(  # the QR code is an image of its own, loaded after the page's text
        "() => { const img = document.querySelector('.booking-qr'); return img && img.complete && img.naturalWidth > 0; }", timeout=10_000
    )
    assert not phone.evaluate(WIDER_THAN_THE_SCREEN)
    assert axe_violations(phone) == []

    before = len(module_printer.tickets)
    with tv_page(browser, TOTEM) as page:
        open_check_in(page, server)
        for key in code.replace("-", ""):
            page.click(f"#booking-keyboard .key[data-key='{key.lower()}']")
        expect(page.locator("[data-testid=booking-code]")).to_have_text(code.replace("-", ""))
        assert axe_violations(page) == []
        page.click("[data-testid=booking-next]")
        expect(page.locator("[data-testid=confirm-name]")).to_contain_text("KTP Elektronik")
        expect(page.locator("[data-testid=confirm-booking]")).to_contain_text(f"{code} · sesi {today_session()} · atas nama Ibu Sari")
        page.click("[data-testid=take]")
        number = page.locator("[data-testid=ticket-number]")
        expect(number).to_have_text("A001")
        printed = module_printer.wait_for_tickets(before + 1)
        assert b"A001" in printed[-1]

    phone.reload()
    expect(phone.locator("#booking-status")).to_contain_text("Sudah check-in")
    link = phone.locator("[data-testid=booking-ticket]")
    expect(link).to_contain_text("A001")
    link.click()
    expect(phone.locator("body")).to_contain_text("A001")
    assert "/t/" in phone.url


def test_a_scanner_typing_the_code_and_enter_checks_in_as_a_priority_visitor(browser, server, new_page):
    code = book_on_a_phone(new_page(PHONE), server, "Pak Joko")
    with tv_page(browser, TOTEM) as page:
        open_check_in(page, server)
        page.keyboard.type(code)  # a scanner is a keyboard that types fast...
        page.keyboard.press("Enter")  # ...and ends with Enter
        expect(page.locator("[data-testid=confirm-name]")).to_contain_text("KTP Elektronik")
        page.click("[data-testid=priority-open]")
        page.click("[data-priority=lansia]")
        expect(page.locator("#ticket-priority")).to_contain_text("Lansia")
    status, booking = http("GET", f"{server.url}/api/v1/bookings/{code}")
    assert status == 200 and booking["status"] == "checked_in"


def test_the_kiosk_says_why_an_expired_or_unknown_code_cannot_check_in(browser, server):
    with tv_page(browser, TOTEM) as page:
        open_check_in(page, server)
        page.keyboard.type(server.expired)
        page.keyboard.press("Enter")
        expect(page.locator("#error-text")).to_contain_text("kedaluwarsa")
        assert axe_violations(page) == []
        page.click("#error-back")
        page.click("[data-testid=booking-open]")
        page.keyboard.type("BKG-0000-0000-00\n")
        expect(page.locator("#error-text")).to_contain_text("tidak ditemukan")


def test_the_code_screen_fits_the_totem_and_the_idle_timeout_returns_to_the_start(browser, server):
    with kiosk_page(browser, server.url, TOTEM, fake_clock=True) as page:
        entry = page.locator("[data-testid=booking-open]")
        expect(entry).to_contain_text("Saya sudah booking")
        assert entry.bounding_box()["height"] >= 64
        assert_laid_out(page, "the start screen with its booking entry")
        entry.click()
        expect(page.locator("#booking-title")).to_be_visible()
        page.keyboard.type("BKG7K3M")
        expect(page.locator("[data-testid=booking-code]")).to_have_text("BKG7K3M")
        assert_laid_out(page, "the booking code's screen")
        assert all(box["height"] >= 64 for box in page.locator("#booking-keyboard .key, #screen-booking .action").evaluate_all(BOXES))
        page.clock.run_for(61_000)  # kiosks[].idle_seconds: 60 without a kiosk id
        expect(page.locator("#start-title")).to_be_visible()


def test_in_audio_mode_the_entry_and_the_refusal_are_said(browser, server):
    with tv_page(browser, TOTEM) as page:
        page.goto(f"{server.url}/kiosk/pair?id=k1&key={server.kiosk_key}")
        page.locator("#start-tiles .tile").first.wait_for()
        voice = page.locator("[data-testid=kiosk-voice]")
        page.keyboard.press("h")  # help: audio mode on
        expect(page.locator("[data-testid=audio-toggle]")).to_have_attribute("aria-pressed", "true")
        page.locator("[data-testid=booking-open]").focus()
        expect(voice).to_have_attribute("data-phrase", "id/ui/booking", timeout=15_000)
        page.keyboard.press("Enter")
        expect(voice).to_have_attribute("data-phrase", "id/ui/booking_code", timeout=15_000)
        page.keyboard.type(server.expired + "\n")
        expect(page.locator("#error-text")).to_contain_text("kedaluwarsa")
        expect(voice).to_have_attribute("data-phrase", "id/ui/booking_error_expired", timeout=15_000)


def test_a_full_session_shows_full_and_a_cancel_frees_the_place(server, new_page):
    phone = new_page(PHONE)
    later = (datetime.now(JAKARTA).date() + timedelta(days=1)).isoformat()
    codes = [
        http("POST", f"{server.url}/api/v1/bookings", {"service": "A", "date": later, "session": "00:00-12:00", "name": f"Warga {n}"})[1][
            "code"
        ]
        for n in range(20)
    ]
    phone.goto(f"{server.url}/booking?service=A&date={later}")
    full = phone.locator('[data-testid=session][data-session="00:00-12:00"]')
    expect(full).to_contain_text("Penuh")
    expect(full.locator("input")).to_be_disabled()
    phone.goto(f"{server.url}/booking/{codes[0]}")
    phone.click("[data-testid=booking-cancel]")
    phone.click("[data-testid=booking-cancel-yes]")
    expect(phone.locator("#booking-status")).to_contain_text("Dibatalkan")
    phone.goto(f"{server.url}/booking?service=A&date={later}")
    expect(full).to_contain_text("Sisa 1 tempat")


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """The real-size hall with booking sessions on its first services, and its hall admin."""
    folder = tmp_path_factory.mktemp("booking-big")
    config = write_real_size_config(folder)
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    for service in data["services"][:40]:
        service["booking"] = {"sessions": [{"time": "08:00-10:00", "places": 20}, {"time": "10:00-12:00", "places": 20}]}
    config.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    hall = open_hall(load_config(config))
    try:
        hall.accounts.add("admin", PASSWORD, "admin")
    finally:
        hall.store.close()
    process = ServerProcess(config).start()
    yield process
    process.kill()


def test_the_staff_page_of_the_real_size_hall(big, new_page):
    page = log_in(new_page(DESK), big, "/admin/login", "admin")
    page.click('nav a[href="/admin/bookings"]')
    rows = page.locator("#bookings-table tbody tr")
    expect(rows).to_have_count(80)
    assert page.locator("#bookings-agency option").count() > 1
    assert not page.evaluate(WIDER_THAN_THE_SCREEN)
    assert axe_violations(page) == []


def test_the_services_editor_saves_sessions_and_names_a_malformed_or_overlapping_one(server, new_page):
    page = admin_page(new_page, server, "/admin/services")
    form = edit(page, "B")
    sessions = form.locator('[data-field="booking"]')
    sessions.get_by_role("button", name="Tambah sesi").click()
    sessions.get_by_label("Jam sesi").last.fill("08:00-10:00")
    sessions.get_by_label("Jumlah tempat").last.fill("12")
    sessions.get_by_role("button", name="Tambah sesi").click()
    sessions.get_by_label("Jam sesi").last.fill("10.00 sampai 12")
    sessions.get_by_label("Jumlah tempat").last.fill("12")
    form.get_by_role("button", name="Simpan").click()
    problem = sessions.locator(".problem")
    expect(problem).to_be_visible()
    expect(form.locator(".problems")).to_contain_text("Sesi booking")
    assert axe_violations(page) == []
    sessions.get_by_label("Jam sesi").last.fill("09:00-11:00")  # well formed, but over the first
    form.get_by_role("button", name="Simpan").click()
    expect(problem).to_contain_text("09:00-11:00")
    sessions.get_by_label("Jam sesi").last.fill("10:00-12:00")
    form.get_by_role("button", name="Simpan").click()
    expect(page.locator("#setup-message")).not_to_contain_text("Tidak disimpan")
    status, body = http("GET", f"{server.url}/api/v1/admin/services/B", token=api_token(server))
    assert status == 200 and body["item"]["booking"]["sessions"] == [
        {"time": "08:00-10:00", "places": 12},
        {"time": "10:00-12:00", "places": 12},
    ]
