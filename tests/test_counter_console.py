"""The officer console in headless Chromium against a real ``antre run``: log in, serve, refuse.

One server per hall for the whole module (the small hall, and the real-size one): starting one per
test took most of this file's time. Each small-hall test begins from an emptied hall (``server``), so
ticket numbers run on from test to test and the tests use the numbers they were given.
"""

from __future__ import annotations

import os
import re
import signal

import pytest
import requests
import yaml
from antre.queue_server.config import load_config
from antre.queue_server.hall import open_hall

from tests.conftest import PASSWORD, start_server
from tests.support import REAL_SIZE_HALL, TEST_PASSWORD_HASH, ServerProcess, http, write_config

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect


@pytest.fixture(scope="module")
def small_hall(tmp_path_factory):
    process = start_server(write_config(tmp_path_factory.mktemp("small-hall")))
    yield process
    process.kill()


@pytest.fixture
def server(small_hall):
    """The module's small-hall server as a test expects to find it: nobody waiting, no ticket at a
    counter, every counter closed. (The day's figures and ticket numbers carry on.)"""
    token = admin_token(small_hall)
    for counter in state(small_hall)["counters"]:
        act = f"{small_hall.url}/api/v1/counters/{counter['id']}"
        if counter["ticket"]:
            http("POST", f"{act}/complete", {}, token=token)
        if counter["status"] == "paused":
            http("POST", f"{act}/resume", {}, token=token)
        assert http("POST", f"{act}/close", {}, token=token)[0] == 200
    http("POST", f"{small_hall.url}/api/v1/tickets/void", {"reason": "the next test", "issued_from": "00:00"}, token=token)
    assert not any(state(small_hall)["waiting"].values())
    return small_hall


def admin_token(server) -> str:
    return http("POST", f"{server.url}/api/v1/auth/login", {"username": "admin", "password": PASSWORD})[1]["token"]


def open_console(page, server, username: str, counter_id: str):
    page.goto(f"{server.url}/counter/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    if page.url.rstrip("/").endswith("/counter"):
        page.click(f'a[href="/counter/{counter_id}"]')
    expect(page.locator("#counter-name")).to_be_visible()
    expect(page.locator("#connection")).not_to_have_text("Memuat… Loading…")
    return page


def issue(server, service: str, priority=None) -> dict:
    status, ticket = http("POST", f"{server.url}/api/v1/tickets", {"service": service, "priority": priority})
    assert status == 201, ticket
    return ticket


def state(server) -> dict:
    return http("GET", f"{server.url}/api/v1/state")[1]


def counter_state(server, counter_id: str) -> dict:
    return next(c for c in state(server)["counters"] if c["id"] == counter_id)


def current_number(server, counter_id: str):
    ticket = counter_state(server, counter_id)["ticket"]
    return ticket and ticket["number"]


def waiting_numbers(page) -> list[str]:
    return page.locator("#waiting-list li .number").all_inner_texts()


def figure(page, name: str) -> int:
    """One of today's figures as the console shows it: the day's figures carry on from test to test."""
    return int(page.locator(f"#today-{name}").inner_text())


def csrf_fetch(page, path: str, with_token: bool = True) -> dict:
    """A request crafted in the officer's own logged-in page, as a curious officer could do from dev tools."""
    return page.evaluate(
        """async ([path, withToken]) => {
            const headers = withToken ? {'X-CSRF-Token': document.querySelector('meta[name=csrf-token]').content} : {};
            const response = await fetch(path, {method: 'POST', headers});
            return {status: response.status, body: await response.json()};
        }""",
        [path, with_token],
    )


# --- log-in -------------------------------------------------------------------------------------
def test_wrong_password_shows_an_error_and_no_console(server, new_page):
    page = new_page()
    page.goto(f"{server.url}/counter")
    page.fill("#username", "siti")
    page.fill("#password", "bukan-sandinya")
    page.click("button[type=submit]")
    expect(page.locator("#login-error")).to_contain_text("kata sandi salah")
    assert page.locator(".console").count() == 0
    assert "/login" in page.url


def test_right_password_opens_the_console_and_next_shows_the_called_ticket(server, new_page):
    number = issue(server, "A")["number"]
    page = open_console(new_page(), server, "siti", "1")
    expect(page.locator("#counter-name")).to_have_text("Loket 1")
    expect(page.locator("#waiting-count")).to_have_text("1")
    display = None
    if requests.get(f"{server.url}/display", timeout=10).status_code == 200:
        display = new_page()
        display.goto(f"{server.url}/display")
    page.click("#btn-next")
    expect(page.locator("#ticket-number")).to_have_text(number)
    expect(page.locator("#ticket-service")).to_contain_text("KTP Elektronik")
    expect(page.locator("#fact-calls")).to_have_text("1×")
    expect(page.locator("#message")).to_contain_text(f"{number} dipanggil")
    assert current_number(server, "1") == number
    if display is not None:
        expect(display.locator("body")).to_contain_text(number)


def test_space_and_enter_do_what_next_does(server, new_page):
    first, second = (issue(server, "A")["number"] for _ in range(2))
    page = open_console(new_page(), server, "siti", "1")
    expect(page.locator("#waiting-count")).to_have_text("2")
    page.keyboard.press("Space")
    expect(page.locator("#ticket-number")).to_have_text(first)
    page.keyboard.press("Enter")
    expect(page.locator("#ticket-number")).to_have_text(second)
    assert current_number(server, "1") == second


def test_a_double_click_calls_one_ticket(server, new_page):
    first, _, _ = (issue(server, "A")["number"] for _ in range(3))
    page = open_console(new_page(), server, "siti", "1")
    expect(page.locator("#waiting-count")).to_have_text("3")
    page.dblclick("#btn-next")
    expect(page.locator("#ticket-number")).to_have_text(first)
    expect(page.locator("#waiting-count")).to_have_text("2")
    assert state(server)["waiting"]["A"] == 2
    assert current_number(server, "1") == first


def test_twenty_visitors_served_with_the_keyboard_alone(server, new_page):
    numbers = [issue(server, "B")["number"] for _ in range(20)]
    page = open_console(new_page(), server, "siti", "1")
    expect(page.locator("#waiting-count")).to_have_text("20")
    served = figure(page, "served")
    for number in numbers:
        page.keyboard.press("Space")
        expect(page.locator("#ticket-number")).to_have_text(number)
        page.keyboard.press("a")
        expect(page.locator("#ticket-status")).to_contain_text("Dilayani")
    page.keyboard.press("d")
    expect(page.locator("#today-served")).to_have_text(str(served + 20))
    expect(page.locator("#waiting-empty")).to_be_visible()
    assert state(server)["waiting"]["B"] == 0 and current_number(server, "1") is None


def test_priority_tickets_are_marked_and_listed_in_call_order(server, new_page):
    a = issue(server, "A")["number"]
    b = issue(server, "B")["number"]
    priority = issue(server, "A", "lansia")["number"]
    page = open_console(new_page(), server, "siti", "1")
    expect(page.locator("#waiting-count")).to_have_text("3")
    assert waiting_numbers(page) == [priority, a, b]
    expect(page.locator("#waiting-list li.priority")).to_have_count(1)
    expect(page.locator("#waiting-list li.priority")).to_contain_text("Lansia")
    page.keyboard.press("Space")
    expect(page.locator("#ticket-priority")).to_contain_text("Lansia")


def test_waiting_list_follows_the_queue_live(server, new_page):
    page = open_console(new_page(), server, "siti", "2")
    expect(page.locator("#waiting-empty")).to_be_visible()
    number = issue(server, "A")["number"]
    issue(server, "B")  # counter 2 does not serve B
    expect(page.locator("#waiting-list li .number")).to_have_text([number])
    expect(page.locator("#waiting-count")).to_have_text("1")
    expect(page.locator("#connection")).to_have_attribute("data-state", re.compile("live|polling"))


# --- serving --------------------------------------------------------------------------------------
def test_transfer_moves_the_ticket_to_the_other_services_waiting_list(server, new_page):
    number = issue(server, "A")["number"]
    siti = open_console(new_page(), server, "siti", "1")
    admin = open_console(new_page(), server, "admin", "3")
    expect(admin.locator("#waiting-empty")).to_be_visible()
    siti.keyboard.press("Space")
    expect(siti.locator("#ticket-number")).to_have_text(number)
    siti.keyboard.press("t")
    expect(siti.locator("#transfer-dialog")).to_be_visible()
    siti.fill("#transfer-search", "paspor")
    expect(siti.locator("#transfer-services [role=option]:visible")).to_have_text(["C Paspor"])
    siti.fill("#transfer-note", "bawa paspor lama")
    siti.keyboard.press("Enter")
    expect(siti.locator("#current-empty")).to_be_visible()
    expect(siti.locator("#message")).to_contain_text("dialihkan")
    assert state(server)["waiting"]["C"] == 1
    expect(admin.locator("#waiting-list li .number")).to_have_text([number])  # live, without a reload
    admin.keyboard.press("Space")
    expect(admin.locator("#ticket-number")).to_have_text(number)
    expect(admin.locator("#fact-from")).to_contain_text("A · KTP Elektronik")


def test_done_call_specific_no_show_and_pause_resume(server, new_page):
    first, second, third = (issue(server, "A")["number"] for _ in range(3))
    page = open_console(new_page(), server, "siti", "1")
    expect(page.locator("#waiting-count")).to_have_text("3")
    served, no_shows = figure(page, "served"), figure(page, "no-shows")
    above = None  # the screen above the counter, once the display pages exist
    if requests.get(f"{server.url}/display/counter/1", timeout=10).status_code == 200:
        above = new_page()
        above.goto(f"{server.url}/display/counter/1")

    page.keyboard.press("Space")
    expect(page.locator("#ticket-number")).to_have_text(first)
    page.keyboard.press("a")
    expect(page.locator("#ticket-status")).to_contain_text("Dilayani")
    assert counter_state(server, "1")["ticket"]["status"] == "serving"
    page.keyboard.press("d")
    expect(page.locator("#current-empty")).to_be_visible()
    expect(page.locator("#today-served")).to_have_text(str(served + 1))
    assert counter_state(server, "1")["ticket"] is None

    page.keyboard.press("c")
    expect(page.locator("#call-choices li")).to_have_count(2)
    page.keyboard.press("2")
    expect(page.locator("#ticket-number")).to_have_text(third)
    assert current_number(server, "1") == third
    if above is not None:
        expect(above.locator("body")).to_contain_text(third)

    page.keyboard.press("r")
    expect(page.locator("#fact-calls")).to_have_text("2×")
    page.keyboard.press("n")
    expect(page.locator("#today-no-shows")).to_have_text(str(no_shows + 1))
    assert http("GET", f"{server.url}/api/v1/tickets/{page_ticket_id(server, third)}")[1]["status"] == "no_show"

    page.keyboard.press("p")
    page.click("[data-reason=sholat]")
    expect(page.locator("#counter-status")).to_contain_text("Jeda · Sholat")
    expect(page.locator("#btn-next")).to_be_disabled()
    assert counter_state(server, "1")["status"] == "paused" and counter_state(server, "1")["pause_reason"] == "sholat"
    page.keyboard.press("p")
    expect(page.locator("#counter-status")).to_contain_text("Buka")
    assert counter_state(server, "1")["status"] == "open"
    page.click("#waiting-list [data-call-ticket]")
    expect(page.locator("#ticket-number")).to_have_text(second)


def page_ticket_id(server, number: str) -> str:
    calls = http("GET", f"{server.url}/api/v1/state", token=admin_token(server))[1]["recent_calls"]  # the public state names no ids
    return next(c["ticket"]["id"] for c in calls if c["ticket"]["number"] == number)


def test_server_refusals_are_shown_in_words(server, new_page):
    page = open_console(new_page(), server, "siti", "1")
    page.keyboard.press("Space")
    expect(page.locator("#message")).to_contain_text("Tidak ada yang menunggu")
    page.keyboard.press("r")
    expect(page.locator("#message")).to_contain_text("Panggil ulang tidak tersedia")
    issue(server, "A")
    http("POST", f"{server.url}/api/v1/counters/1/pause", {"reason": "dipanggil kepala dinas"}, token=admin_token(server))
    page.keyboard.press("Space")  # whether or not the page has heard of the pause yet, the refusal is in words
    expect(page.locator("#message")).to_have_text(re.compile("Loket 1 sedang dijeda|Panggil berikutnya tidak tersedia"))
    assert counter_state(server, "1")["ticket"] is None
    expect(page.locator("#counter-status")).to_have_text("Jeda · Lainnya Paused · Other")  # a reason not in the list, in words


# --- refusals -----------------------------------------------------------------------------------
def test_crafted_post_to_another_counter_gets_403_and_changes_nothing(server, new_page):
    issue(server, "C")
    page = open_console(new_page(), server, "siti", "1")
    response = csrf_fetch(page, "/api/v1/counters/3/call-next")
    assert response["status"] == 403 and response["body"]["error"]["code"] == "forbidden"
    assert current_number(server, "3") is None and state(server)["waiting"]["C"] == 1
    page.goto(f"{server.url}/counter/3")
    expect(page.locator("[role=alert]")).to_contain_text("tidak ditugaskan")


def test_post_without_the_csrf_token_is_refused(server, new_page):
    issue(server, "A")
    page = open_console(new_page(), server, "siti", "1")
    response = csrf_fetch(page, "/api/v1/counters/1/call-next", with_token=False)
    assert response["status"] == 403 and response["body"]["error"]["code"] == "csrf_failed"
    assert current_number(server, "1") is None and state(server)["waiting"]["A"] == 1


def test_log_out_ends_the_session(server, new_page):
    page = open_console(new_page(), server, "siti", "1")
    page.keyboard.press("Shift+L")
    expect(page.locator(".message.info")).to_contain_text("sudah keluar")
    page.goto(f"{server.url}/counter/1")
    assert "/counter/login" in page.url


def test_the_console_reprints_its_current_ticket_though_the_public_state_names_no_id(server, new_page):
    ticket = issue(server, "A")
    page = open_console(new_page(), server, "siti", "1")
    page.click("#btn-next")
    expect(page.locator("#ticket-number")).to_have_text(ticket["number"])
    assert counter_state(server, "1")["ticket"]["id"] is None, "what anyone reads names no id"

    page.keyboard.press("k")

    expect(page.locator("#message")).to_contain_text(f"Ticket {ticket['number']} reprinted")
    jobs = http("GET", f"{server.url}/api/v1/printers", token=admin_token(server))[1]["jobs"]
    assert [job["ticket_id"] for job in jobs] == [ticket["id"]], "the reprint job of the called ticket"


def test_an_admin_voids_a_flood_from_the_choose_page_and_an_officer_has_no_such_form(new_page, server):
    flood = [issue(server, "AB"[i % 2]) for i in range(6)]
    siti = new_page()
    siti.goto(f"{server.url}/counter/login")
    siti.fill("#username", "siti")
    siti.fill("#password", PASSWORD)
    siti.click("button[type=submit]")
    expect(siti.locator(".counter-choices")).to_be_visible()
    expect(siti.locator("#void-form")).to_have_count(0)
    admin = new_page()
    admin.goto(f"{server.url}/counter/login")
    admin.fill("#username", "admin")
    admin.fill("#password", PASSWORD)
    admin.click("button[type=submit]")
    admin.fill("#void-from", "00:00")
    admin.select_option("#void-service", "A")
    admin.fill("#void-reason", "banjir tiket palsu")
    admin.click("#void-submit")
    expect(admin.locator("#void-result")).to_have_text("3 tiket dibatalkan. / 3 tickets voided.")
    assert state(server)["waiting"] == {"A": 0, "B": 3, "C": 0}
    history = http("GET", f"{server.url}/api/v1/tickets/{flood[0]['id']}/history", token=admin_token(server))[1]
    assert history[-1]["kind"] == "cancelled" and history[-1]["details"]["reason"] == "banjir tiket palsu"


# --- staying connected, taking and leaving the counter ---------------------------------------------
def test_the_offline_banner_shows_when_the_server_stops_and_the_console_resumes_without_a_reload(server, new_page):
    page = open_console(new_page(), server, "siti", "1")
    page.evaluate("window.sameDocument = true")  # a reload would lose it
    banner = page.locator("#offline-banner")
    expect(banner).to_be_hidden()

    os.killpg(server.process.pid, signal.SIGSTOP)  # a hung server closes no socket: only asking finds it
    expect(banner).to_be_visible(timeout=5_000)
    expect(banner).to_contain_text("Tidak tersambung ke server — mencoba lagi…")
    expect(banner).to_contain_text("Not connected to the server — retrying…")
    expect(page.locator("#btn-next")).to_be_disabled()
    expect(page.locator("#leave")).to_be_disabled()
    page.keyboard.press("Space")  # held, not sent into the void

    server.kill()
    server.start()  # the same port and database, as after a power cut (and the next tests' server again)
    expect(banner).to_be_hidden(timeout=15_000)
    number = issue(server, "A")["number"]
    expect(page.locator("#waiting-count")).to_have_text("1")
    page.keyboard.press("Space")
    expect(page.locator("#ticket-number")).to_have_text(number)
    assert current_number(server, "1") == number
    assert page.evaluate("window.sameDocument") is True


def real_size_config(folder) -> dict:
    """examples/mpp-besar.yaml in a test's folder, open all day and with the tests' cheap password hash."""
    data = yaml.safe_load(REAL_SIZE_HALL.read_text(encoding="utf-8"))
    data["hall"].pop("opening_hours", None)
    data["hall"].pop("breaks", None)
    data["database"] = "antre.db"
    data["auth"] = {**(data.get("auth") or {}), "password_hash": TEST_PASSWORD_HASH}
    data["issuing"] = {"anonymous": True, "per_address_per_hour": 100000, "anonymous_per_day": 1000000}
    return data


@pytest.fixture(scope="module")
def big_hall(tmp_path_factory):
    """One ``antre run`` on the real-size hall for this module's tests (each on counters of its own):
    a start per test would cost more than the tests. Officers: admin, and rina of one counter."""
    folder = tmp_path_factory.mktemp("big-hall")
    config_path = folder / "config.yaml"
    config_path.write_text(yaml.safe_dump(real_size_config(folder), allow_unicode=True, sort_keys=False), encoding="utf-8")
    config = load_config(config_path)
    rina_counter = list(config.counters)[1]
    hall = open_hall(config)
    try:
        hall.accounts.add("admin", PASSWORD, "admin")
        hall.accounts.add("rina", PASSWORD, "officer", [rina_counter])
    finally:
        hall.store.close()
    process = ServerProcess(config_path).start()
    process.hall = config
    process.rina_counter = rina_counter
    yield process
    process.kill()


def passport_like(service) -> bool:
    """What "paspor" should find: the word in the service's name, keywords or agency's names."""
    return "paspor" in " ".join([service.name, *service.keywords, service.agency]).lower()


def test_opening_the_console_opens_the_counter_and_leaving_closes_it(big_hall, new_page):
    counter_id = big_hall.rina_counter
    assert counter_state(big_hall, counter_id)["status"] == "closed", "nobody has signed in at it yet"
    page = open_console(new_page(), big_hall, "rina", counter_id)
    expect(page.locator("#counter-status")).to_contain_text("Buka")
    assert counter_state(big_hall, counter_id)["status"] == "open"

    page.click("#leave")

    expect(page.locator("#left-message")).to_contain_text(big_hall.hall.counters[counter_id].name)
    assert counter_state(big_hall, counter_id)["status"] == "closed"
    assert page.url.split("?")[0].endswith("/counter"), "the chooser, not straight back into the counter"


def test_transfer_search_for_paspor_lists_the_passport_services_and_transfers_there(big_hall, new_page):
    hall = big_hall.hall
    counter = next(c for c in hall.counters.values() if c.id != big_hall.rina_counter and not any(passport_like(hall.services[s]) for s in c.services))
    passports = {code for code, service in hall.services.items() if passport_like(service)}
    assert passports, "the real-size hall has passport services"
    ticket = issue(big_hall, counter.services[0])
    page = open_console(new_page(), big_hall, "admin", counter.id)
    page.keyboard.press("Space")
    expect(page.locator("#ticket-number")).to_have_text(ticket["number"])
    page.keyboard.press("t")
    options = page.locator("#transfer-services [role=option]")
    expect(options.filter(visible=True)).to_have_count(len(hall.services) - 1)
    agencies = {s.agency for code, s in hall.services.items() if code != ticket["service"]}
    expect(page.locator("#transfer-services [role=group]").filter(visible=True)).to_have_count(len(agencies))

    page.keyboard.type("paspor")

    expect(options.filter(visible=True)).to_have_count(len(passports))
    shown = set(options.evaluate_all("all => all.filter(o => !o.hidden).map(o => o.dataset.code)"))
    assert shown == passports
    page.keyboard.press("ArrowDown")
    chosen = page.locator("#transfer-services [aria-selected=true]").get_attribute("data-code")
    page.keyboard.press("Enter")
    expect(page.locator("#message")).to_contain_text("dialihkan")
    assert state(big_hall)["waiting"][chosen] == 1


def test_the_chooser_filters_sixty_counters_grouped_by_agency(big_hall, new_page):
    hall = big_hall.hall
    page = new_page()
    page.goto(f"{big_hall.url}/counter/login")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    choices = page.locator(".counter-choices li")
    expect(choices).to_have_count(len(hall.counters))
    assert page.locator(".counter-group").count() > 1

    page.fill("#counter-filter", "imigrasi")

    immigration = [c for c in hall.counters.values() if any("imigrasi" in hall.services[s].agency.lower() for s in c.services)]
    expect(choices.filter(visible=True)).to_have_count(len(immigration))
    page.keyboard.press("Enter")
    expect(page.locator("#counter-name")).to_have_text(immigration[0].name)


def test_call_specific_finds_a_number_beyond_the_first_ten(big_hall, new_page):
    hall = big_hall.hall
    counter = list(hall.counters.values())[-1]
    tickets = [issue(big_hall, counter.services[0]) for _ in range(13)]
    page = open_console(new_page(), big_hall, "admin", counter.id)
    page.keyboard.press("c")
    expect(page.locator("#call-choices li")).to_have_count(13)
    wanted = tickets[12]["number"]

    page.keyboard.type(wanted)

    expect(page.locator("#call-choices li")).to_have_text([re.compile(wanted)])
    page.keyboard.press("Enter")
    expect(page.locator("#ticket-number")).to_have_text(wanted)
    assert current_number(big_hall, counter.id) == wanted
