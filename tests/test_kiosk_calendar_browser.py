"""The operating calendar on a real kiosk: a daily quota used up, a holiday, the closing time."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.conftest import start_server
from tests.support import SMALL_HALL, http, kiosk_page, write_config

pytestmark = pytest.mark.browser

SCREEN = {"width": 1280, "height": 800}
ALL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@pytest.fixture
def served(tmp_path):
    """Start a real server for the small hall changed by ``change``; killed after the test."""
    processes = []

    def serve(**change):
        processes.append(start_server(write_config(tmp_path, {**SMALL_HALL, **change})))
        return processes[-1]

    yield serve
    for process in processes:
        process.kill()


def test_a_quota_of_two_lets_two_tickets_through_and_the_third_tap_shows_the_quota_message(browser, served):
    a, b, c = SMALL_HALL["services"]
    # B is on offer until 23:59 every day: the confirm step says so (not at the minute before midnight)
    server = served(services=[{**a, "daily_quota": 2}, {**b, "weekly_hours": dict.fromkeys(ALL_DAYS, "00:00-23:59")}, c])
    with kiosk_page(browser, server.url, SCREEN) as page:
        for number in ("A001", "A002"):
            page.click("[data-testid=service-A]")
            page.click("[data-testid=take]")
            expect(page.locator("[data-testid=ticket-number]")).to_have_text(number)
            page.click("#done")
        tile = page.locator("[data-testid=service-A]")
        expect(tile).to_contain_text("Kuota hari ini habis")
        expect(tile).to_be_disabled()
        tile.click(force=True)  # the third tap
        expect(page.locator("#screen-start")).to_be_visible()
        expect(tile).to_contain_text("Kuota hari ini habis")
        page.click("[data-testid=service-B]")
        expect(page.locator("[data-testid=confirm-closes]")).to_have_text("Layanan ini tutup pukul 23:59")
    status, body = http("POST", f"{server.url}/api/v1/tickets", {"service": "A"})
    assert status == 409 and body["error"]["code"] == "quota_reached"


def test_a_holiday_closes_the_kiosk_with_its_reason(browser, served):
    today = datetime.now(ZoneInfo(SMALL_HALL["hall"]["timezone"])).date()
    holiday = [{"date": day.isoformat(), "reason": "Hari Raya Natal"} for day in (today, today + timedelta(days=1))]
    server = served(hall={**SMALL_HALL["hall"], "closed_days": holiday})
    with kiosk_page(browser, server.url, SCREEN) as page:
        banner = page.locator("#closed-banner")
        expect(banner).to_have_text("Libur: Hari Raya Natal")
        for code in ("A", "B", "C"):
            tile = page.locator(f"[data-testid=service-{code}]")
            expect(tile).to_be_disabled()
            expect(tile).to_contain_text("Libur: Hari Raya Natal")
        page.click("[data-testid=lang-switch]")
        expect(banner).to_have_text("Closed: Hari Raya Natal")
