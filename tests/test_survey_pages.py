"""The SKM survey where the visitor is: the phone page /t/<id> once the ticket is done, and the
tablet beside a counter (/survey?counter=ID, paired with ``antre survey-key``), with the live
channel's ``survey=ID`` audience that only a paired tablet may join."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
import socketio
from antre.queue_server.hall import hall_of
from antre.queue_server.skm.tablet import COOKIE, new_tablet_key

from tests.conftest import PASSWORD
from tests.support import SMALL_HALL, ServerProcess, antre, axe_violations, http, wait_until, write_config

API = "/api/v1"
PHONE = {"width": 390, "height": 844}
TABLET = {"width": 1280, "height": 800}
PORTRAIT = {"width": 800, "height": 1280}
ALL_FOUR = {f"u{n}": 4 for n in range(1, 10)}


def serve_one(client, auth, token: str, counter: str = "1", service: str = "A") -> dict:
    """A ticket issued, called and completed at ``counter``: served, so its survey is open."""
    ticket = client.post(f"{API}/tickets", json={"service": service}).get_json()
    assert client.post(f"{API}/counters/{counter}/call-next", headers=auth(token)).get_json()["id"] == ticket["id"]
    assert client.post(f"{API}/counters/{counter}/complete", headers=auth(token)).status_code == 200
    return ticket


def stored(database: Path, ticket_id: str) -> dict | None:
    """The response row as the reports will read it (the survey's table, read-only here)."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
        conn.row_factory = sqlite3.Row
        row = conn.execute("SELECT * FROM survey_responses WHERE ticket_id = ?", (ticket_id,)).fetchone()
    return dict(row) if row else None


# --- the phone page, rendered by the server ------------------------------------------------------
def test_a_waiting_ticket_s_page_carries_no_survey(client):
    ticket = client.post(f"{API}/tickets", json={"service": "A"}).get_json()
    html = client.get(f"/t/{ticket['id']}").get_data(as_text=True)
    assert "Bagaimana pelayanan kami?" not in html
    assert 'id="survey-form"' not in html
    section = client.get(f"/t/{ticket['id']}/survey")
    assert section.status_code == 200 and 'id="survey-form"' not in section.get_data(as_text=True)


def test_a_served_ticket_s_page_offers_the_nine_elements_in_order_then_thanks_once_answered(client, officers, auth):
    ticket = serve_one(client, auth, officers["siti"])
    html = client.get(f"/t/{ticket['id']}").get_data(as_text=True)
    assert "Bagaimana pelayanan kami?" in html and "How was our service?" in html
    titles = ["Persyaratan", "Sistem, Mekanisme, dan Prosedur", "Waktu Penyelesaian", "Biaya/Tarif"]
    titles += ["Produk Spesifikasi Jenis Pelayanan", "Kompetensi Pelaksana", "Perilaku Pelaksana"]
    titles += ["Penanganan Pengaduan, Saran dan Masukan", "Sarana dan Prasarana"]
    places = [html.index(title) for title in titles]
    assert places == sorted(places)
    assert "Tidak sesuai" in html and "Sangat sesuai" in html  # u1's own answers, not a generic scale
    assert html.index("Tidak sesuai") < html.index("Sangat sesuai")  # worst first
    assert 'maxlength="1000"' in html

    assert client.post(f"{API}/tickets/{ticket['id']}/survey", json={"answers": ALL_FOUR, "profile": {}}).status_code == 201
    html = client.get(f"/t/{ticket['id']}").get_data(as_text=True)
    assert "Terima kasih atas penilaian Anda." in html and 'id="survey-form"' not in html
    again = client.post(f"{API}/tickets/{ticket['id']}/survey", json={"answers": ALL_FOUR, "profile": {}})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_answered"


def test_the_survey_section_alone_is_404_for_an_unknown_ticket_and_never_cached(client, officers, auth):
    ticket = serve_one(client, auth, officers["siti"])
    section = client.get(f"/t/{ticket['id']}/survey")
    assert section.status_code == 200 and section.headers["Cache-Control"] == "no-store"
    assert 'id="survey-form"' in section.get_data(as_text=True)
    assert client.get("/t/nothing-here/survey").status_code == 404


def test_a_disabled_survey_shows_nothing_on_the_page(client, officers, auth, app):
    hall = hall_of(app)
    ticket = serve_one(client, auth, officers["siti"])
    hall.reconfigure(replace(hall.config, survey=replace(hall.config.survey, enabled=False)))
    html = client.get(f"/t/{ticket['id']}").get_data(as_text=True)
    assert "Bagaimana pelayanan kami?" not in html


# --- the tablet's pairing and its channel --------------------------------------------------------
def test_an_unpaired_tablet_gets_how_to_pair_and_no_data(client, officers, auth):
    serve_one(client, auth, officers["siti"])
    page = client.get("/survey?counter=1")
    assert page.status_code == 403
    html = page.get_data(as_text=True)
    assert "antre survey-key 1" in html and "/survey/pair?counter=1" in html
    assert "survey-form" not in html and "A001" not in html
    assert client.get("/survey?counter=99").status_code == 404
    assert client.get("/survey/pair?counter=1&key=wrong").status_code == 403


def test_pairing_keeps_the_key_in_an_httponly_cookie_and_opens_the_tablet(client, app):
    key = new_tablet_key(hall_of(app).store, "1")
    paired = client.get(f"/survey/pair?counter=1&key={key}")
    assert paired.status_code == 302 and paired.headers["Location"].endswith("/survey?counter=1")
    cookie = paired.headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    page = client.get("/survey?counter=1")
    assert page.status_code == 200 and 'id="tablet-form"' in page.get_data(as_text=True)
    assert client.get("/survey?counter=3").status_code == 403  # the key is counter 1's alone


def test_a_response_with_the_serving_counter_s_tablet_key_is_the_tablet_s(client, officers, auth, app, hall_config):
    hall = hall_of(app)
    client.set_cookie(COOKIE, new_tablet_key(hall.store, "1"))
    by_tablet = serve_one(client, auth, officers["siti"])
    assert client.post(f"{API}/tickets/{by_tablet['id']}/survey", json={"answers": {"u1": 3}}).status_code == 201
    client.set_cookie(COOKIE, new_tablet_key(hall.store, "3"))  # another counter's tablet
    elsewhere = serve_one(client, auth, officers["siti"])
    assert client.post(f"{API}/tickets/{elsewhere['id']}/survey", json={"answers": {"u1": 3}}).status_code == 201
    assert stored(hall_config.database, by_tablet["id"])["channel"] == "tablet"
    assert stored(hall_config.database, elsewhere["id"])["channel"] == "phone"


def test_survey_key_prints_a_key_for_a_known_counter_only(tmp_path):
    config = write_config(tmp_path)
    made = antre(config, "survey-key", "1")
    assert made.returncode == 0 and len(made.stdout.strip()) >= 32
    refused = antre(config, "survey-key", "99")
    assert refused.returncode == 1 and "counter '99' is not in the config" in refused.stderr


# --- against a real server, with the Socket.IO client and Chromium --------------------------------
@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    hall = {**SMALL_HALL, "survey": {"tablet_seconds": 10}}
    config = write_config(tmp_path_factory.mktemp("survey-pages"), hall)
    antre(config, "officer", "add", "admin", "--role", "admin", stdin=PASSWORD + "\n")
    process = ServerProcess(config).start()
    process.token = http("POST", f"{process.url}{API}/auth/login", {"username": "admin", "password": PASSWORD})[1]["token"]
    process.database = config.parent / "antre.db"
    yield process
    process.stop()


def act(server, counter: str, action: str) -> dict | None:
    status, body = http("POST", f"{server.url}{API}/counters/{counter}/{action}", {}, token=server.token)
    assert status in (200, 204), body
    return body


def served_at(server, counter: str, service: str) -> dict:
    """Issue a ticket and serve it at ``counter`` (which has nobody else waiting: each test drains)."""
    for other in ("1", "2", "3"):
        while act(server, other, "call-next") is not None:
            pass
    status, ticket = http("POST", f"{server.url}{API}/tickets", {"service": service})
    assert status == 201, ticket
    assert act(server, counter, "call-next")["id"] == ticket["id"]
    act(server, counter, "complete")
    return ticket


def tablet_key(server, counter: str) -> str:
    made = antre(server.config, "survey-key", counter)
    assert made.returncode == 0, made.stderr
    return made.stdout.strip()


@pytest.mark.slow
def test_only_a_tablet_with_its_counter_s_key_may_join_the_survey_audience(live_server):
    key = tablet_key(live_server, "3")
    for cookie in (None, f"{COOKIE}=wrong", f"{COOKIE}={tablet_key(live_server, '1')}"):
        refusals: list = []
        client = socketio.Client(reconnection=False)
        client.on("connect_error", refusals.append)
        with pytest.raises(socketio.exceptions.ConnectionError):
            client.connect(live_server.url, auth={"survey": "3"}, headers={"Cookie": cookie} if cookie else {}, transports=["websocket"])
        assert refusals and "unauthorized" in refusals[0]["message"]
    offers: list[dict] = []
    client = socketio.Client(reconnection=False)
    client.on("survey_offer", offers.append)
    client.connect(live_server.url, auth={"survey": "3"}, headers={"Cookie": f"{COOKIE}={key}"}, transports=["websocket"])
    try:
        ticket = served_at(live_server, "3", "C")
        wait_until(lambda: any(offer["ticket"]["id"] == ticket["id"] for offer in offers), message="the offer of the ticket just served")
        offer = next(offer for offer in offers if offer["ticket"]["id"] == ticket["id"])
        assert offer["ticket"] == {"id": ticket["id"], "number": ticket["number"], "service_name": "Paspor"}
        assert 0 < offer["seconds"] <= 10
    finally:
        client.disconnect()


@pytest.fixture
def phone(new_page):
    return new_page(PHONE, is_mobile=True, has_touch=True, locale="id-ID")


@pytest.mark.browser
def test_the_phone_offers_the_survey_when_the_ticket_is_done_and_takes_one_response_by_keyboard(live_server, phone):
    from playwright.sync_api import expect

    for other in ("1", "2", "3"):
        while act(live_server, other, "call-next") is not None:
            pass
    status, ticket = http("POST", f"{live_server.url}{API}/tickets", {"service": "C"})
    phone.goto(ticket["track_url"])
    expect(phone.locator("#survey")).to_be_hidden()
    act(live_server, "3", "call-next")
    act(live_server, "3", "complete")  # the page is open: the survey arrives live
    expect(phone.locator("#survey-heading")).to_contain_text("Bagaimana pelayanan kami?")
    expect(phone.locator("#survey-form")).to_be_visible()
    assert axe_violations(phone) == []
    unlabelled = phone.evaluate(
        """() => [...document.querySelectorAll('#survey-form input, #survey-form select, #survey-form textarea')]
             .filter((control) => control.labels.length === 0).map((control) => control.id)"""
    )
    assert unlabelled == []
    small = phone.evaluate(
        "() => [...document.querySelectorAll('#survey-form .answer')].filter((row) => row.getBoundingClientRect().height < 48).length"
    )
    assert small == 0

    phone.locator("#survey-comment").fill("x" * 1001)
    assert len(phone.locator("#survey-comment").input_value()) == 1000  # the field holds no more than the server takes
    expect(phone.locator("#survey-comment-count")).to_contain_text("Sisa 0 karakter")
    phone.locator("#survey-comment").fill("")

    # keyboard only: Tab into each element's group, the arrow keys choose its best answer
    phone.locator("#large-text").focus()
    wait_until(lambda: phone.keyboard.press("Tab") or phone.evaluate("document.activeElement.id") == "survey-u1-1", 5, message="u1 by Tab")
    for n in range(1, 10):
        for _ in range(3):
            phone.keyboard.press("ArrowDown")
        assert phone.evaluate("document.activeElement.id") == f"survey-u{n}-4"
        phone.keyboard.press("Tab")
    phone.keyboard.press("ArrowRight")  # sex: from L to P
    phone.keyboard.press("Tab")
    phone.keyboard.type("34")
    for _ in range(3):  # education, occupation: left as they are; then the comment
        phone.keyboard.press("Tab")
    phone.keyboard.type("Petugas ramah <b>sekali</b>")
    phone.keyboard.press("Tab")
    phone.keyboard.press("Enter")
    expect(phone.locator("#survey-thanks")).to_be_visible()
    expect(phone.locator("#survey-form")).to_have_count(0)

    row = stored(live_server.database, ticket["id"])
    assert [row[f"u{n}"] for n in range(1, 10)] == [4] * 9
    assert (row["sex"], row["age"], row["education"], row["channel"]) == ("P", 34, None, "phone")
    assert row["comment"] == "Petugas ramah <b>sekali</b>"

    phone.reload()
    expect(phone.locator("#survey-thanks")).to_be_visible()
    expect(phone.locator("#survey-form")).to_have_count(0)
    status, body = http("POST", f"{live_server.url}{API}/tickets/{ticket['id']}/survey", {"answers": ALL_FOUR})
    assert status == 409 and body["error"]["code"] == "already_answered"


@pytest.mark.browser
def test_a_value_the_server_refuses_is_named_in_the_summary_and_gets_the_focus(live_server, phone):
    from playwright.sync_api import expect

    ticket = served_at(live_server, "3", "C")
    phone.goto(ticket["track_url"])
    phone.locator("label[for=survey-u1-2]").click()
    phone.locator("label[for=survey-u3-2]").click()
    phone.evaluate("document.getElementById('survey-u3-2').value = '7'")  # what a tampered page would send
    phone.locator(".survey-submit").click()
    expect(phone.locator("#survey-errors")).to_be_visible()
    expect(phone.locator("#survey-errors li")).to_contain_text("Waktu Penyelesaian")
    assert phone.evaluate("document.activeElement.closest('fieldset').dataset.field") == "u3"
    assert stored(live_server.database, ticket["id"]) is None

    phone.locator("#survey-age").fill("5")  # outside the form's range: stopped in the browser
    phone.locator("label[for=survey-u3-1]").click()
    phone.locator(".survey-submit").click()
    expect(phone.locator("#survey-errors li")).to_contain_text("Umur (tahun)")
    assert phone.evaluate("document.activeElement.id") == "survey-age"


@pytest.mark.browser
def test_the_tablet_offers_the_ticket_its_counter_completed_resets_on_timeout_and_takes_an_answer(live_server, new_page):
    from playwright.sync_api import expect

    unpaired = new_page(TABLET)
    unpaired.goto(f"{live_server.url}/survey?counter=1")
    expect(unpaired.locator("h1")).to_contain_text("belum dipasangkan")
    assert axe_violations(unpaired) == []

    tablets = {}  # counters 1 and 2: the module's other tests serve at counter 3
    for counter, viewport in (("1", TABLET), ("2", PORTRAIT)):
        page = new_page(viewport, has_touch=True)
        page.goto(f"{live_server.url}/survey/pair?counter={counter}&key={tablet_key(live_server, counter)}")
        expect(page.locator("body")).to_have_attribute("data-screen", "idle")
        expect(page.locator("#idle")).to_contain_text("MPP Uji")
        tablets[counter] = page

    ticket = served_at(live_server, "1", "A")
    one = tablets["1"]
    expect(one.locator("#offer-number")).to_have_text(ticket["number"])
    expect(one.locator("#offer")).to_contain_text("KTP Elektronik")
    expect(tablets["2"].locator("body")).to_have_attribute("data-screen", "idle")  # another counter's visitor
    small = one.evaluate(
        "() => [...document.querySelectorAll('#tablet-form .answer')].filter((row) => row.getBoundingClientRect().height < 64).length"
    )
    assert small == 0
    assert axe_violations(one) == []
    one.locator("label[for=tablet-u1-4]").click()
    # one touch, then the visitor walks away: the offer ends survey.tablet_seconds (10 s here) after the last touch
    expect(one.locator("body")).to_have_attribute("data-screen", "idle", timeout=25_000)
    assert stored(live_server.database, ticket["id"]) is None
    assert http("GET", f"{live_server.url}{API}/tickets/{ticket['id']}/survey")[1]["state"] == "open"

    portrait = tablets["2"]
    visitor = served_at(live_server, "2", "A")
    expect(portrait.locator("#offer-number")).to_have_text(visitor["number"])
    portrait.reload()  # a tablet (re)joining while the offer lasts is sent it again
    expect(portrait.locator("#offer-number")).to_have_text(visitor["number"])
    small = portrait.evaluate(
        "() => [...document.querySelectorAll('#tablet-form .answer')].filter((row) => row.getBoundingClientRect().height < 64).length"
    )
    assert small == 0
    assert portrait.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # nothing sideways
    portrait.locator("label[for=tablet-u1-3]").click()
    portrait.locator("label[for=tablet-u9-2]").click()
    portrait.locator(".survey-submit").click()
    expect(portrait.locator("#done")).to_be_visible()
    row = stored(live_server.database, visitor["id"])
    assert (row["u1"], row["u2"], row["u9"], row["channel"], row["counter_id"]) == (3, None, 2, "tablet", "2")
    expect(portrait.locator("body")).to_have_attribute("data-screen", "idle", timeout=15_000)
    expect(portrait.locator("#tablet-u1-3")).not_to_be_checked()  # the next visitor starts afresh
