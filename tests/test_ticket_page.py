"""The visitor's live ticket page /t/<id>: rendered by the server, then followed live in a phone-sized Chromium."""

from __future__ import annotations

import re

import pytest
from antre.queue_server.app import create_app
from antre.queue_server.config import load_config
from antre.queue_server.hall import hall_of

from tests.conftest import PASSWORD
from tests.support import SMALL_HALL, ServerProcess, antre, http, write_config

API = "/api/v1"
PHONE = {"width": 390, "height": 844}
WITH_STANDARD = {
    **SMALL_HALL,
    "services": [
        {**SMALL_HALL["services"][0], "requirements": ["Fotokopi Kartu Keluarga", "Surat pengantar RT/RW"], "fee": "Gratis"},
        *SMALL_HALL["services"][1:],
    ],
}


# --- rendered by the server (no browser) ---------------------------------------------------------
@pytest.fixture
def standard_client(tmp_path):
    app = create_app(load_config(write_config(tmp_path, WITH_STANDARD)))
    app.config["TESTING"] = True
    yield app.test_client()
    hall_of(app).store.close()


def test_the_page_shows_number_service_agency_status_estimate_requirements_and_fee(standard_client):
    standard_client.post(f"{API}/tickets", json={"service": "A"})
    standard_client.post(f"{API}/tickets", json={"service": "A"})
    ticket = standard_client.post(f"{API}/tickets", json={"service": "A"}).get_json()
    page = standard_client.get(f"/t/{ticket['id']}")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    low, high = ticket["eta_range"]
    for text in (
        "A003",
        "KTP Elektronik",
        "Disdukcapil",
        "Menunggu giliran",
        "Waiting for your turn",
        "2 orang di depan Anda",
        "2 people ahead of you",
        f"sekitar {low}–{high} menit",
        "Fotokopi Kartu Keluarga",
        "Surat pengantar RT/RW",
        "Gratis",
        "Batalkan antrean",
    ):
        assert text in html, text
    assert "http://" not in html.replace(page.request.host_url, "")  # nothing from elsewhere


def test_an_unknown_or_guessed_id_gets_a_plain_not_found_page(standard_client):
    ticket = standard_client.post(f"{API}/tickets", json={"service": "A"}).get_json()
    for guess in ("A001", ticket["id"][:-1] + ("x" if ticket["id"][-1] != "x" else "y"), "nothing-here"):
        page = standard_client.get(f"/t/{guess}")
        assert page.status_code == 404
        html = page.get_data(as_text=True)
        assert "Nomor antrean tidak ditemukan" in html and "Ticket not found" in html
        assert "A001" not in html


# --- live, in a phone-sized browser against a real server ----------------------------------------
@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    config = write_config(tmp_path_factory.mktemp("ticket-page"), SMALL_HALL)
    antre(config, "officer", "add", "admin", "--role", "admin", stdin=PASSWORD + "\n")
    process = ServerProcess(config).start()
    status, body = http("POST", f"{process.url}{API}/auth/login", {"username": "admin", "password": PASSWORD})
    assert status == 200, body
    process.token = body["token"]
    yield process
    process.stop()


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="id-ID")
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def issue(server, service: str) -> dict:
    status, ticket = http("POST", f"{server.url}{API}/tickets", {"service": service})
    assert status == 201, ticket
    return ticket


def act(server, counter: str, action: str) -> dict | None:
    status, body = http("POST", f"{server.url}{API}/counters/{counter}/{action}", {}, token=server.token)
    assert status in (200, 204), body
    return body


def drain(server) -> None:
    """Leave no one waiting from an earlier test: every counter calls until nothing is left."""
    for counter in ("1", "2", "3"):
        while act(server, counter, "call-next") is not None:
            pass
        http("POST", f"{server.url}{API}/counters/{counter}/complete", {}, token=server.token)


@pytest.mark.browser
def test_the_page_follows_the_ticket_live_from_waiting_to_called_recalled_and_done(live_server, phone):
    from playwright.sync_api import expect

    drain(live_server)
    ahead = issue(live_server, "C")
    ticket = issue(live_server, "C")
    phone.goto(ticket["track_url"])
    expect(phone.locator("#number")).to_have_text(ticket["number"])
    expect(phone.locator("#ahead")).to_contain_text("1 orang di depan Anda")
    expect(phone.locator("#ahead")).to_contain_text("1 person ahead of you")
    phone.evaluate("window.reloadMarker = 1")  # gone if the page reloads

    assert act(live_server, "3", "call-next")["id"] == ahead["id"]
    expect(phone.locator("#ahead")).to_contain_text("Anda berikutnya")
    act(live_server, "3", "call-next")
    expect(phone.locator("#status")).to_contain_text("Silakan menuju Loket 3")
    expect(phone.locator("#status")).to_contain_text("Please go to Loket 3")
    expect(phone.locator("#waiting")).to_be_hidden()
    expect(phone.locator("#cancel")).to_be_hidden()  # once called, the ticket is the officer's
    act(live_server, "3", "recall")
    expect(phone.locator("#recalled")).to_be_visible()
    act(live_server, "3", "complete")
    expect(phone.locator("#status")).to_contain_text("Selesai")
    expect(phone.locator("#closing")).to_contain_text("Terima kasih")
    expect(phone.locator("#cancel")).to_be_hidden()
    assert phone.evaluate("window.reloadMarker") == 1


@pytest.mark.browser
def test_the_visitor_cancels_after_confirming_and_leaves_the_waiting_count(live_server, phone):
    from playwright.sync_api import expect

    drain(live_server)
    ticket = issue(live_server, "B")
    phone.goto(ticket["track_url"])
    assert http("GET", f"{live_server.url}{API}/state")[1]["waiting"]["B"] == 1
    phone.click("#cancel-ask")
    expect(phone.locator("#cancel-confirm")).to_be_visible()
    phone.click("#cancel-no")  # changing one's mind changes nothing
    expect(phone.locator("#cancel-confirm")).to_be_hidden()
    assert http("GET", f"{live_server.url}{API}/tickets/{ticket['id']}")[1]["status"] == "waiting"
    phone.click("#cancel-ask")
    phone.click("#cancel-yes")
    expect(phone.locator("#status")).to_contain_text("Antrean dibatalkan")
    expect(phone.locator("#cancel")).to_be_hidden()
    assert http("GET", f"{live_server.url}{API}/tickets/{ticket['id']}")[1]["status"] == "cancelled"
    assert http("GET", f"{live_server.url}{API}/state")[1]["waiting"]["B"] == 0


@pytest.mark.browser
def test_an_unknown_id_shows_the_not_found_page(live_server, phone):
    from playwright.sync_api import expect

    response = phone.goto(f"{live_server.url}/t/not-a-real-ticket-id")
    assert response.status == 404
    expect(phone.locator("h1")).to_have_text("Nomor antrean tidak ditemukan")
    assert re.search("Ticket not found", phone.content())
