"""Accessibility: every page a visitor or an officer uses, outside the kiosk's own screens, passes an
axe-core audit (WCAG 2.1 A/AA and best practices, tests/support.py ``axe_violations``) in the states
that matter, plus what axe cannot see: the language of every English run, sub-labels large enough to
read, live regions, focus kept through live refreshes, zoom allowed, the console's keys, and the phone
page's large type.

One server for the module, on the real-size hall (examples/mpp-besar.yaml), prepared once: a counter
with a ticket called and two waiting behind it (one of them elderly), a ticket already served, a counter paused, one open
and idle, and one nobody signed in at.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from antre.queue_server.config import load_config
from antre.queue_server.hall import open_hall
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD
from tests.support import REAL_SIZE_HALL, SMALL_HALL, TEST_PASSWORD_HASH, ServerProcess, axe_violations, http, write_config

pytestmark = pytest.mark.browser

TV = {"width": 1920, "height": 1080}
PHONE = {"width": 390, "height": 844}
API = "/api/v1"

# The runs of English text on a page: each must carry lang="en" (or sit inside an element that does).
ENGLISH = ".en, .second, .word2, [data-second]"


def real_size_hall() -> dict[str, Any]:
    data = yaml.safe_load(REAL_SIZE_HALL.read_text(encoding="utf-8"))
    data.update(database="antre.db", printer={"kind": "dummy"}, auth={"password_hash": TEST_PASSWORD_HASH}, issuing=SMALL_HALL["issuing"])
    data["hall"].pop("opening_hours", None)  # the pages are audited at whatever hour the tests run
    return data


def post(hall: dict, path: str, body: dict | None = None) -> Any:
    status, answer = http("POST", f"{hall['server'].url}{API}{path}", body or {}, token=hall["token"])
    assert status in (200, 201, 204), answer
    return answer


@pytest.fixture(scope="module")
def hall(tmp_path_factory) -> dict[str, Any]:
    config_path = write_config(tmp_path_factory.mktemp("a11y"), real_size_hall())
    config = load_config(config_path)
    counters = list(config.counters.values())
    busy, keys, paused, idle, closed = counters[0], counters[3], counters[6], counters[9], counters[-1]
    prepared = open_hall(config)
    try:
        prepared.accounts.add("admin", PASSWORD, "admin")
        served, called = (prepared.engine.issue(busy.services[0]) for _ in range(2))
        waiting = prepared.engine.issue(busy.services[0], priority="lansia")  # its page names the priority too
        later = prepared.engine.issue(busy.services[0])
        recall, behind = (prepared.engine.issue(keys.services[0]) for _ in range(2))
    finally:
        prepared.store.close()
    server = ServerProcess(config_path).start()
    hall = {"server": server, "config": config, "busy": busy, "keys": keys, "paused": paused, "idle": idle, "closed": closed}
    hall["token"] = http("POST", f"{server.url}{API}/auth/login", {"username": "admin", "password": PASSWORD})[1]["token"]
    post(hall, f"/counters/{busy.id}/call", {"ticket_id": served["id"]})
    post(hall, f"/counters/{busy.id}/complete")
    post(hall, f"/counters/{busy.id}/call", {"ticket_id": called["id"]})
    post(hall, f"/counters/{keys.id}/call", {"ticket_id": recall["id"]})
    post(hall, f"/counters/{paused.id}/pause", {"reason": "istirahat"})
    post(hall, f"/counters/{idle.id}/open")
    hall.update(served=served, called=called, waiting=waiting, later=later, recall=recall, behind=behind)
    yield hall
    server.kill()


def assert_accessible(page: Page, state: str) -> None:
    """The audit, and the checks by hand every page shares: a level-one heading, zoom allowed, and
    every English run marked as English."""
    violations = axe_violations(page)
    assert violations == [], f"{state}: {len(violations)} accessibility violations: {violations}"
    assert page.locator("h1").count() >= 1, f"{state}: no level-one heading"
    viewport = page.get_attribute("meta[name=viewport]", "content") or ""
    assert "user-scalable=no" not in viewport.replace(" ", "") and "maximum-scale=1" not in viewport.replace(" ", ""), viewport
    unmarked = page.evaluate(
        f"""[...document.querySelectorAll({ENGLISH!r})]
            .filter((node) => node.textContent.trim() && node.closest('[lang]')?.lang !== 'en')
            .map((node) => node.outerHTML.slice(0, 120))"""
    )
    assert unmarked == [], f"{state}: English without lang=en: {unmarked}"


def smallest_english_px(page: Page) -> float:
    return page.evaluate(
        f"""Math.min(...[...document.querySelectorAll({ENGLISH!r})]
            .filter((node) => node.getClientRects().length && node.textContent.trim())
            .map((node) => parseFloat(getComputedStyle(node).fontSize)))"""
    )


def log_in(page: Page, hall: dict) -> None:
    page.goto(f"{hall['server'].url}/counter/login")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def open_console(page: Page, hall: dict, counter) -> None:
    page.goto(f"{hall['server'].url}/counter/{counter.id}")
    expect(page.locator("#counter-status")).to_be_visible()


# --- the visitor's phone page -------------------------------------------------------------------
def test_the_phone_page_waiting_called_and_done_passes_the_audit_with_english_of_16_px(hall, new_page):
    page = new_page(PHONE, is_mobile=True, has_touch=True, locale="id-ID")
    for ticket, status in ((hall["waiting"], "waiting"), (hall["called"], "called"), (hall["served"], "done")):
        page.goto(f"{hall['server'].url}/t/{ticket['id']}")
        expect(page.locator("#ticket")).to_have_attribute("data-status", status)
        assert_accessible(page, f"phone page, {status}")
        assert smallest_english_px(page) >= 16
    assert page.locator("#status").get_attribute("aria-live") in ("assertive", "polite")  # the call is announced


def test_the_phone_page_large_text_is_remembered_and_raises_type_and_contrast(hall, new_page):
    page = new_page(PHONE, is_mobile=True, has_touch=True, locale="id-ID")
    page.goto(f"{hall['server'].url}/t/{hall['waiting']['id']}")
    toggle = page.locator("#large-text")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    before = page.evaluate("parseFloat(getComputedStyle(document.getElementById('status')).fontSize)")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    page.reload()
    expect(page.locator("#large-text")).to_have_attribute("aria-pressed", "true")  # remembered on this phone
    after = page.evaluate("parseFloat(getComputedStyle(document.getElementById('status')).fontSize)")
    assert after >= 1.25 * before
    assert smallest_english_px(page) >= 20
    assert_accessible(page, "phone page, large text")
    # Raised contrast: the WCAG AAA rule (7:1) holds too.
    assert [v for v in axe_violations(page, ["wcag2aaa"]) if v["rule"] == "color-contrast-enhanced"] == []
    page.locator("#large-text").click()
    expect(page.locator("#large-text")).to_have_attribute("aria-pressed", "false")


# --- the screens in the hall ----------------------------------------------------------------------
def test_the_lobby_at_1920x1080_with_calls_pauses_and_closed_counters_passes_the_audit(hall, new_page):
    page = new_page(TV)
    page.goto(f"{hall['server'].url}/display?rotate=3600")  # the pages turn only when the test turns them
    page.wait_for_function("window.antreDisplay && window.antreDisplay.live.base !== null")
    expect(page.locator("#now-number")).to_have_text(hall["recall"]["number"])
    for counter, mode in ((hall["paused"], "paused"), (hall["closed"], "closed")):
        expect(page.locator(f'.tile[data-counter="{counter.id}"]')).to_have_class(f"tile {mode}")
    for counter in (hall["paused"], hall["closed"]):  # axe measures what is shown: the pages of tiles with both
        page.evaluate(
            """(id) => window.antreDisplay.counterPages.show(
                 [...document.querySelectorAll('#pages .page')].findIndex((p) => p.querySelector(`[data-counter="${id}"]`)))""",
            counter.id,
        )
        expect(page.locator(f'#pages .page.on .tile[data-counter="{counter.id}"]')).to_be_visible()
        assert_accessible(page, f"lobby, the page with {counter.name}")


@pytest.mark.parametrize("which", ["busy", "paused", "closed"])
def test_the_counter_display_passes_the_audit(hall, new_page, which):
    page = new_page(TV)
    page.goto(f"{hall['server'].url}/display/counter/{hall[which].id}")
    page.wait_for_function("window.antreDisplay && window.antreDisplay.live.base !== null")
    if which == "busy":
        expect(page.locator("#number")).to_have_text(hall["called"]["number"])
    assert_accessible(page, f"counter display, {which}")


def test_the_start_page_the_kiosk_setup_pages_and_the_not_found_pages_pass_the_audit(hall, new_page):
    page = new_page()
    url = hall["server"].url
    pages = (
        ("/", "start page"),
        ("/kiosk?id=nowhere", "unknown kiosk"),
        ("/kiosk?id=lobi", "unpaired kiosk"),
        ("/t/no-such-ticket", "phone page, ticket not found"),
        ("/display?screen=nowhere", "unknown screen"),
        ("/display/counter/nowhere", "unknown counter screen"),
    )
    for path, state in pages:
        page.goto(url + path)
        assert_accessible(page, state)
    page.goto(f"{url}/kiosk/pair?id=lobi&key=wrong")
    assert_accessible(page, "kiosk paired with a wrong key")


# --- the officer's console -----------------------------------------------------------------------
def test_the_console_log_in_and_chooser_pass_the_audit(hall, new_page):
    page = new_page()
    page.goto(f"{hall['server'].url}/counter/login")
    assert_accessible(page, "log-in")
    page.fill("#username", "admin")
    page.fill("#password", "wrong password")
    page.click("button[type=submit]")
    expect(page.locator("#login-error")).to_be_visible()
    assert_accessible(page, "log-in, wrong password")
    log_in(page, hall)
    assert_accessible(page, "chooser")


def test_the_console_open_paused_closed_with_a_ticket_and_its_dialogs_pass_the_audit(hall, new_page):
    page = new_page()
    log_in(page, hall)
    open_console(page, hall, hall["idle"])
    expect(page.locator("#counter-status")).to_have_attribute("data-status", "open")
    assert_accessible(page, "console, open and idle")
    assert smallest_english_px(page) >= 14

    page.keyboard.press("p")
    expect(page.locator("#pause-dialog")).to_be_visible()
    assert_accessible(page, "console, pause dialog")
    page.keyboard.press("Escape")

    open_console(page, hall, hall["paused"])
    expect(page.locator("#counter-status")).to_have_attribute("data-status", "paused")
    assert_accessible(page, "console, paused")

    open_console(page, hall, hall["busy"])
    expect(page.locator("#ticket-number")).to_have_text(hall["called"]["number"])
    assert_accessible(page, "console, with a ticket")
    page.keyboard.press("t")
    expect(page.locator("#transfer-dialog")).to_be_visible()
    assert_accessible(page, "console, transfer dialog")
    page.keyboard.press("Escape")

    post(hall, f"/counters/{hall['idle'].id}/close")  # the counter's state as a closed counter shows it
    open_console(page, hall, hall["idle"])
    post(hall, f"/counters/{hall['idle'].id}/close")
    expect(page.locator("#counter-status")).to_have_attribute("data-status", "closed")
    assert_accessible(page, "console, closed")


def test_enter_on_a_focused_recall_recalls_and_the_result_is_announced(hall, new_page):
    page = new_page()
    log_in(page, hall)
    open_console(page, hall, hall["keys"])
    expect(page.locator("#ticket-number")).to_have_text(hall["recall"]["number"])
    page.focus("#btn-recall")
    page.keyboard.press("Enter")
    message = page.locator("#message")
    expect(message).to_contain_text(hall["recall"]["number"])
    assert message.get_attribute("role") in ("alert", "status") or message.get_attribute("aria-live")
    counter = next(c for c in http("GET", f"{hall['server'].url}{API}/state")[1]["counters"] if c["id"] == hall["keys"].id)
    assert counter["ticket"]["number"] == hall["recall"]["number"] and counter["ticket"]["call_count"] == 2  # recalled, nobody new called
    expect(page.locator("#btn-recall")).to_be_focused()  # the officer's place is kept for the next key
    page.keyboard.press("r")  # the letters stay global
    expect(page.locator("#fact-calls")).to_have_text("3×")


def test_a_focused_call_this_button_keeps_the_focus_when_the_waiting_list_refreshes(hall, new_page):
    page = new_page()
    log_in(page, hall)
    open_console(page, hall, hall["busy"])
    later = page.locator(f'[data-call-ticket="{hall["later"]["id"]}"]')
    later.focus()
    count = int(page.locator("#waiting-count").text_content())
    post(hall, "/tickets", {"service": hall["busy"].services[0]})  # the queue moves: the list is drawn again
    expect(page.locator("#waiting-count")).to_have_text(str(count + 1))
    expect(page.locator(f'[data-call-ticket="{hall["later"]["id"]}"]')).to_be_focused()


# --- the administration --------------------------------------------------------------------------
def test_the_administration_log_in_home_officers_and_password_pages_pass_the_audit(hall, new_page):
    page = new_page()
    url = hall["server"].url
    page.goto(f"{url}/admin/login")
    assert_accessible(page, "administration log-in")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda address: "/login" not in address)
    assert_accessible(page, "administration home")
    page.goto(f"{url}/admin/officers")
    expect(page.locator('tr[data-username="admin"]')).to_be_visible()
    page.locator("#add-form input[name=username]").fill("petugas-a11y")
    page.locator("#add-form input[name=counters]").fill(hall["idle"].id)
    page.locator("#add-form button[type=submit]").click()
    expect(page.locator("#one-time")).to_be_visible()
    assert_accessible(page, "officers, with a one-time password shown")
    page.goto(f"{url}/counter/password")
    assert_accessible(page, "change password")


def test_the_setup_list_pages_with_a_form_open_pass_the_audit(hall, new_page):
    """Services, counters (300 services in checkbox groups), agencies and the kiosks and displays."""
    page = new_page()
    url = hall["server"].url
    page.goto(f"{url}/admin/login")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda address: "/login" not in address)
    for path in ("/admin/services", "/admin/counters", "/admin/agencies", "/admin/screens"):
        page.goto(f"{url}{path}")
        page.locator("tbody tr button").first.click()
        expect(page.locator(".item-form")).to_be_visible()
        assert_accessible(page, f"{path} with an item's form open")
