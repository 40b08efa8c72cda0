"""Open screens follow a change of the hall's setup without a reload: the kiosk, the lobby
and the counter display, in headless Chromium against a real ``antre run``, the change made with
``antre config import`` as a hall's version-controlled setup would be."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD
from tests.support import ServerProcess, antre, http, kiosk_page, tv_page, write_real_size_config

pytestmark = [pytest.mark.browser, pytest.mark.slow]

KIOSK_SCREEN = {"width": 1280, "height": 800}
MARK = "window.notReloaded = true"  # gone if the page were loaded again
STILL_MARKED = "window.notReloaded === true"


def change_setup(server: ServerProcess, folder: Path, edit: Callable[[dict], None]) -> None:
    """Export the running hall's setup, edit it, and import it, as an admin keeping it in git would."""
    document = yaml.safe_load(antre(server.config, "config", "export").stdout)
    edit(document)
    path = folder / "setup.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    result = antre(server.config, "config", "import", str(path))
    assert result.returncode == 0, result.stderr


def add_service_d(document: dict) -> None:
    document["services"].append({"code": "D", "name": "Akta Kelahiran", "agency": "Disdukcapil"})
    document["counters"][1]["services"].append("D")


def service_named(code: str, name: str) -> Callable[[dict], None]:
    def edit(document: dict) -> None:
        next(s for s in document["services"] if s["code"] == code)["name"] = name

    return edit


def remove_service_c(document: dict) -> None:
    document["services"] = [s for s in document["services"] if s["code"] != "C"]
    document["counters"] = [c for c in document["counters"] if c["id"] != "3"]


def counter_named(counter_id: str, name: str) -> Callable[[dict], None]:
    def edit(document: dict) -> None:
        next(c for c in document["counters"] if c["id"] == counter_id)["name"] = name

    return edit


def open_display(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_function("window.antreDisplay && window.antreDisplay.live.base !== null", timeout=10_000)
    page.evaluate(MARK)


def test_an_open_kiosk_shows_a_new_service_and_the_new_hall_name_without_reload(server, browser, tmp_path):
    with kiosk_page(browser, server.url, KIOSK_SCREEN) as page:
        page.evaluate(MARK)
        expect(page.get_by_test_id("service-D")).to_have_count(0)

        def edit(document: dict) -> None:
            add_service_d(document)
            document["hall"]["name"] = "MPP Kota Baru"

        change_setup(server, tmp_path, edit)
        expect(page.get_by_test_id("service-D")).to_contain_text("Akta Kelahiran")
        expect(page.locator("#hall-name")).to_have_text("MPP Kota Baru")
        assert page.evaluate(STILL_MARKED)


def test_a_visitors_choice_survives_a_change_unless_its_service_is_removed(server, browser, tmp_path):
    with kiosk_page(browser, server.url, KIOSK_SCREEN) as page:
        page.evaluate(MARK)
        page.get_by_test_id("service-A").click()
        expect(page.locator("#confirm-name")).to_contain_text("KTP Elektronik")

        change_setup(server, tmp_path, service_named("A", "KTP-el"))
        expect(page.locator("#confirm-name")).to_contain_text("KTP-el")  # still on the confirm step, new name
        expect(page.locator("#screen-confirm")).to_be_visible()

        page.locator("#confirm-back").click()
        page.get_by_test_id("service-C").click()
        expect(page.locator("#confirm-name")).to_contain_text("Paspor")
        change_setup(server, tmp_path, remove_service_c)
        expect(page.locator("#screen-start")).to_be_visible()
        expect(page.get_by_test_id("setup-notice")).to_contain_text("tidak tersedia lagi")
        expect(page.get_by_test_id("service-C")).to_have_count(0)
        assert page.evaluate(STILL_MARKED)


def test_the_lobby_and_the_counter_screen_show_a_renamed_counter_and_a_new_service_without_reload(server, browser, tmp_path):
    token = http("POST", f"{server.url}/api/v1/auth/login", {"username": "admin", "password": PASSWORD})[1]["token"]
    assert http("POST", f"{server.url}/api/v1/tickets", {"service": "A"})[0] == 201
    assert http("POST", f"{server.url}/api/v1/counters/2/call-next", {}, token)[0] == 200
    with tv_page(browser) as lobby, tv_page(browser) as above:
        open_display(lobby, f"{server.url}/display")
        open_display(above, f"{server.url}/display/counter/2")
        expect(lobby.locator("#recent")).to_contain_text("Loket 2")

        def edit(document: dict) -> None:
            counter_named("2", "Loket Dua Baru")(document)
            add_service_d(document)
            document["hall"]["ticker"] = "Layanan akta kelahiran kini tersedia"

        change_setup(server, tmp_path, edit)
        expect(lobby.locator('.tile[data-counter="2"] .name')).to_have_text("Loket Dua Baru")
        expect(lobby.locator("#recent")).to_contain_text("Loket Dua Baru")
        expect(lobby.locator('.tile[data-counter="2"] .number')).to_have_text("A001")  # its ticket is still shown
        expect(above.locator("#counter-name")).to_have_text("Loket Dua Baru")
        expect(lobby.locator("#ticker")).to_have_text("Layanan akta kelahiran kini tersedia")

        assert http("POST", f"{server.url}/api/v1/tickets", {"service": "D"})[0] == 201
        expect(lobby.locator('.chip[data-service="D"]')).to_be_visible()

        # the same page goes on calling, and announcing: its audio hook still hears the calls
        lobby.evaluate("window.calls = []; document.addEventListener('antre:called', (e) => window.calls.push(e.detail))")
        assert http("POST", f"{server.url}/api/v1/counters/2/call-next", {}, token)[0] == 200
        expect(lobby.locator("#now-number")).to_have_text("D001")
        expect(lobby.locator("#now-counter")).to_have_text("Loket Dua Baru")
        assert lobby.evaluate("window.calls.map((c) => c.counter.name)") == ["Loket Dua Baru"]
        assert lobby.evaluate(STILL_MARKED) and above.evaluate(STILL_MARKED)


def test_a_screen_whose_counter_was_removed_says_so(server, browser, tmp_path):
    with tv_page(browser) as above:
        open_display(above, f"{server.url}/display/counter/3")
        change_setup(server, tmp_path, remove_service_c)
        expect(above.locator("[data-missing]")).to_contain_text("1, 2")  # the missing page lists the counters there are


def open_console(page: Page, server: ServerProcess, username: str, counter_id: str) -> None:
    page.goto(f"{server.url}/counter/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    if page.url.rstrip("/").endswith("/counter"):
        page.click(f'a[href="/counter/{counter_id}"]')
    expect(page.locator("#connection")).to_contain_text("Langsung")
    page.evaluate(MARK)


def test_the_console_shows_its_renamed_counter_and_offers_the_choice_when_its_counter_is_removed(server, browser, tmp_path):
    with tv_page(browser, {"width": 1366, "height": 768}) as page:
        open_console(page, server, "budi", "3")
        change_setup(server, tmp_path, counter_named("3", "Loket Paspor"))
        expect(page.locator("#counter-name")).to_have_text("Loket Paspor")
        assert page.evaluate(STILL_MARKED)

        change_setup(server, tmp_path, remove_service_c)
        expect(page.locator("#message")).to_contain_text("baru saja dihapus")
        page.get_by_test_id("choose-counter").click()
        page.wait_for_url(f"{server.url}/counter")


def test_a_kiosk_without_the_live_channel_still_follows_a_change_through_its_poll(server, browser, tmp_path):
    with tv_page(browser, KIOSK_SCREEN) as page:
        page.route("**/socket.io.min.js", lambda route: route.abort())
        page.goto(f"{server.url}/kiosk")
        page.get_by_test_id("service-A").wait_for()
        page.evaluate(MARK)
        change_setup(server, tmp_path, add_service_d)
        expect(page.get_by_test_id("service-D")).to_contain_text("Akta Kelahiran", timeout=15_000)  # the next poll
        assert page.evaluate(STILL_MARKED)


@pytest.fixture
def real_size_server(tmp_path):
    process = ServerProcess(write_real_size_config(tmp_path)).start()
    yield process
    process.kill()


def test_in_a_real_size_hall_a_change_keeps_the_kiosks_open_agency_and_the_lobbys_pages(real_size_server, browser, tmp_path):
    server = real_size_server
    with kiosk_page(browser, server.url, {"width": 1920, "height": 1080}) as kiosk, tv_page(browser) as lobby:
        kiosk.locator("#start-tiles .tile:visible", has_text="Disdukcapil").click()
        expect(kiosk.get_by_test_id("service-AA")).to_be_visible()
        kiosk.evaluate(MARK)
        open_display(lobby, f"{server.url}/display")
        pages = lobby.evaluate("window.antreDisplay.counterPages.pages.length")
        counters = lobby.evaluate("window.antreDisplay.facts().counters.length")

        def edit(document: dict) -> None:
            service_named("AA", "Perekaman KTP-el Baru")(document)
            counter_named("101", "Loket Kependudukan 1")(document)

        change_setup(server, tmp_path, edit)
        expect(kiosk.get_by_test_id("service-AA")).to_contain_text("Perekaman KTP-el Baru")
        expect(kiosk.locator("#agency-title")).to_have_text("Disdukcapil")  # still in the agency the visitor opened
        expect(lobby.locator('.tile[data-counter="101"] .name')).to_have_text("Loket Kependudukan 1")
        assert lobby.locator(".tile[data-counter]").count() == counters  # laid out anew, not added to
        assert lobby.evaluate("window.antreDisplay.counterPages.pages.length") == pages
        assert kiosk.evaluate(STILL_MARKED) and lobby.evaluate(STILL_MARKED)
