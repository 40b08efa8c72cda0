"""*Beri tahu saya* on a phone: the ticket page offers it in a browser that has push, and the
service worker it registers covers the whole site (headless Chromium at a phone's size against a
real server). Subscribing itself needs the browser's own push service, which a test cannot reach:
tests/test_notify.py delivers to a loopback one instead."""

from __future__ import annotations

import copy

import pytest
from playwright.sync_api import expect

from tests.support import SMALL_HALL, ServerProcess, http, write_config
from tests.test_ticket_page import PHONE

pytestmark = pytest.mark.browser


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="id-ID")
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def serve_hall(tmp_path, push: bool) -> ServerProcess:
    hall = copy.deepcopy(SMALL_HALL)
    hall["notifications"] = {"push": push}
    return ServerProcess(write_config(tmp_path, hall)).start()


def test_the_ticket_page_offers_notifications_and_its_worker_covers_the_site(tmp_path, phone):
    server = serve_hall(tmp_path, push=True)
    try:
        ticket = http("POST", f"{server.url}/api/v1/tickets", {"service": "A"})[1]
        phone.goto(f"{server.url}/t/{ticket['id']}")
        expect(phone.locator("#notify-on")).to_be_visible()
        expect(phone.locator("#notify-on")).to_contain_text("Beri tahu saya")
        scope = phone.evaluate("navigator.serviceWorker.register('/sw.js').then((r) => r.scope)")
        assert scope == f"{server.url}/"
    finally:
        server.stop()


def test_a_hall_without_push_does_not_offer_it(tmp_path, phone):
    server = serve_hall(tmp_path, push=False)
    try:
        ticket = http("POST", f"{server.url}/api/v1/tickets", {"service": "A"})[1]
        phone.goto(f"{server.url}/t/{ticket['id']}")
        expect(phone.locator("#number")).to_have_text(ticket["number"])
        assert phone.locator("#notify").count() == 0
        assert http("GET", f"{server.url}/api/v1/push/key")[0] == 404
    finally:
        server.stop()
