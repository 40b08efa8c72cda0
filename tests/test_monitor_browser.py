"""The live monitor in headless Chromium, on the real-size hall (300 services, 60 counters).

The hall is served in this process (Werkzeug's threaded server in front of the real app, Socket.IO
and all) rather than by ``antre run``, so that the test holds the hall's clock: a wait passes its
target because the test moves time, not because it waits half an hour.
"""

from __future__ import annotations

import pytest
from antre.queue_server.app import create_app
from antre.queue_server.config import load_config
from antre.queue_server.hall import hall_of

from tests.conftest import PASSWORD
from tests.support import TV, axe_violations, serve_in_thread, tv_page, write_real_size_config

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

LAPTOP = {"width": 1280, "height": 800}


@pytest.fixture
def served(tmp_path, clock):
    """The real-size hall on a loopback port with the test's clock; yields (url, hall)."""
    app = create_app(load_config(write_real_size_config(tmp_path)), clock)
    hall = hall_of(app)
    hall.accounts.add("admin", PASSWORD, "admin")
    url, stop = serve_in_thread(app)
    yield url, hall
    stop()
    for part in (hall.monitor, hall.presence, hall.announcer):
        part.close()
    hall.printing.stop()
    hall.store.close()


def open_monitor(page, url: str) -> None:
    page.goto(f"{url}/admin/login?next=/admin/monitor")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/monitor")
    expect(page.locator("#monitor-rest li").first).to_be_visible()


def test_a_wait_past_its_target_shows_the_banner_live_and_it_clears_when_the_visitor_is_called(served, browser, clock):
    url, hall = served
    engine = hall.engine
    service = next(iter(hall.config.services.values()))
    counter = hall.config.counters_for_service(service.code)[0]
    engine.open_counter(counter.id)
    with tv_page(browser, TV) as page:
        open_monitor(page, url)
        engine.issue(service.code)
        row = page.locator(f'#monitor-active tr[data-service="{service.code}"]')
        expect(row).to_contain_text("Sesuai target")  # read again on the live message, no reload
        expect(page.locator("#monitor-calm")).to_be_visible()

        clock.advance(minutes=service.target_wait_minutes + 1)
        hall.monitor.wake()  # what the watcher's tick does every 15 s
        banner = page.locator(f'#monitor-alert-list li[data-service="{service.code}"]')
        expect(banner).to_contain_text(service.name)
        expect(banner).to_contain_text("melewati target")
        expect(row).to_contain_text("Melewati target")
        expect(page.locator("#monitor-log tbody tr")).to_contain_text("masih berlangsung")
        assert axe_violations(page) == []

        engine.call_next(counter.id)
        expect(banner).to_have_count(0)
        expect(page.locator("#monitor-calm")).to_be_visible()
        expect(page.locator("#monitor-log tbody tr")).not_to_contain_text("masih berlangsung")


def test_on_a_laptop_the_agency_filter_keeps_one_agencys_services_and_the_sound_choice_is_remembered(served, browser):
    url, hall = served
    agency = next(iter(hall.config.services.values())).agency
    with tv_page(browser, LAPTOP) as page:
        open_monitor(page, url)
        page.select_option("#monitor-agency", agency)
        shown = page.locator("#monitor-rest li")
        expected = [s.code for s in hall.config.services.values() if s.agency == agency]
        expect(shown).to_have_count(len(expected))
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert axe_violations(page) == []
        sound = page.get_by_label("Bunyi peringatan")
        expect(sound).not_to_be_checked()  # off until chosen
        sound.check()
        page.reload()
        expect(sound).to_be_checked()  # remembered in this browser
