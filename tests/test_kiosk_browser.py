"""The kiosk page in headless Chromium against a real server and a loopback network printer."""

from __future__ import annotations

import pytest
from antre.printer.loopback import LoopbackPrinter
from playwright.sync_api import expect

from tests.support import SMALL_HALL, ServerProcess, antre, http, wait_until, write_config

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def printer():
    with LoopbackPrinter() as printer:
        yield printer


@pytest.fixture(scope="module")
def server(tmp_path_factory, printer):
    folder = tmp_path_factory.mktemp("kiosk")
    data = {
        **SMALL_HALL,
        "printer": {"kind": "network", "host": "127.0.0.1", "port": printer.port, "timeout_seconds": 2},
        "kiosks": [{"id": "k1", "name": "Kiosk Lobi", "return_seconds": 60}],
        "kiosk_requires_open_counter": True,  # counter 3 stays closed: its only service, C, is not offered
    }
    config = write_config(folder, data)
    antre(config, "officer", "add", "admin", "--role", "admin", stdin="rahasia-petugas-1\n")
    key = antre(config, "kiosk-key", "k1").stdout.strip()
    process = ServerProcess(config).start()
    process.kiosk_key = key
    token = http("POST", f"{process.url}/api/v1/auth/login", {"username": "admin", "password": "rahasia-petugas-1"})[1]["token"]
    for counter in ("1", "2"):
        assert http("POST", f"{process.url}/api/v1/counters/{counter}/open", {}, token=token)[0] == 200
    yield process
    process.stop()


@pytest.fixture
def page(browser, server):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{server.url}/kiosk/pair?id=k1&key={server.kiosk_key}")  # once per kiosk PC, as the README says
    assert page.url == f"{server.url}/kiosk?id=k1"
    expect(page.locator("[data-testid=service-A]")).to_be_enabled()
    yield page
    page.close()


def waiting(server, code: str) -> int:
    return next(s["waiting"] for s in http("GET", f"{server.url}/api/v1/services")[1] if s["code"] == code)


def test_a_tap_shows_the_number_the_api_has_and_the_printer_got(page, server, printer):
    before = len(printer.tickets)
    page.click("[data-testid=service-B]")
    expect(page.locator("[data-testid=confirm-name]")).to_contain_text("Kartu Keluarga")
    page.click("[data-testid=priority-open]")  # priority is a step of its own, after the service
    page.click("[data-priority=lansia]")
    number = page.locator("[data-testid=ticket-number]")
    expect(number).to_have_text("B001")
    ticket_id = page.locator("#ticket-qr").get_attribute("alt").rsplit("/", 1)[1]
    assert http("GET", f"{server.url}/api/v1/tickets/{ticket_id}")[1]["number"] == "B001"
    tickets = printer.wait_for_tickets(before + 1)
    assert b"B001" in tickets[-1] and b"\x1dV" in tickets[-1]
    expect(page.locator("#ticket-priority")).to_contain_text("Lansia")
    expect(page.locator("[data-testid=print-status]")).to_have_text("Silakan ambil tiket Anda di bawah layar.")
    page.wait_for_function(  # the QR code is an image of its own, loaded after the ticket's text
        "() => { const img = document.querySelector('#ticket-qr'); return img && img.complete && img.naturalWidth > 0; }", timeout=10_000
    )
    page.click("#done")
    expect(page.locator("[data-testid=service-A]")).to_be_visible()


def test_a_rapid_triple_tap_takes_one_ticket(page, server):
    before = waiting(server, "A")
    page.click("[data-testid=service-A]")
    page.locator("[data-testid=take]").evaluate("button => { button.click(); button.click(); button.click(); }")
    expect(page.locator("[data-testid=ticket-number]")).to_be_visible()
    wait_until(lambda: waiting(server, "A") >= before + 1, message="the ticket counted")
    assert waiting(server, "A") == before + 1
    assert page.locator("[data-testid=ticket-number]").text_content() == f"A{before + 1:03d}"


def test_an_unavailable_service_cannot_be_tapped(page, server):
    tile = page.locator("[data-testid=service-C]")
    expect(tile).to_be_disabled(timeout=10_000)
    expect(tile).to_contain_text("Belum ada loket buka")
    before = waiting(server, "C")
    tile.click(force=True)
    expect(page.locator("#screen-start")).to_be_visible()
    assert waiting(server, "C") == before


def test_the_english_switch_translates_the_kiosk(page):
    expect(page.locator("#start-title")).to_have_text("Ambil Nomor Antrean")
    page.click("[data-testid=lang-switch]")
    expect(page.locator("#start-title")).to_have_text("Take a Queue Number")
    expect(page.locator("[data-priority-label=ibu_hamil]")).to_have_text("Pregnant")
    expect(page.locator("[data-testid=lang-switch]")).to_have_text("Bahasa Indonesia")
    page.click("[data-testid=service-A]")
    expect(page.locator("[data-testid=take]")).to_contain_text("Take a number")
    page.click("[data-testid=take]")
    expect(page.locator(".ticket-label")).to_have_text("Your queue number")
    page.click("#done")
    expect(page.locator("#start-title")).to_have_text("Ambil Nomor Antrean")


def test_an_unknown_kiosk_id_says_which_ones_exist(browser, server):
    page = browser.new_page()
    response = page.goto(f"{server.url}/kiosk?id=k9")
    assert response.status == 404
    expect(page.locator("body")).to_contain_text("Known kiosks: k1")
    page.close()


def test_a_kiosk_pc_not_paired_says_how_to_pair_and_the_paired_page_never_shows_its_key(browser, server, page):
    stranger = browser.new_page()
    response = stranger.goto(f"{server.url}/kiosk?id=k1")
    assert response.status == 403
    expect(stranger.locator("h1")).to_have_text("Kiosk “k1” belum dipasangkan")
    expect(stranger.locator("body")).to_contain_text("antre kiosk-key k1")
    assert stranger.goto(f"{server.url}/kiosk/pair?id=k1&key=not-the-key").status == 403
    stranger.close()
    assert server.kiosk_key not in page.content()
    assert page.evaluate("document.cookie") == ""  # the key's cookie is HttpOnly: no script can read it


def test_a_hall_without_bookable_services_shows_no_check_in_on_the_kiosk(page):
    # SMALL_HALL books nothing: "Saya sudah booking" would only send visitors looking for a code
    # they cannot have (tests/test_booking_browser.py checks it is there in a hall that books).
    expect(page.locator("[data-testid=complaint-open]")).to_be_visible()
    expect(page.locator("[data-testid=booking-open]")).to_be_hidden()
