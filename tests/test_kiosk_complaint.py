"""The kiosk's complaint entry ("Pengaduan" on the start screen) in headless Chromium, on a 1080×1920
portrait totem and a 1920×1080 landscape kiosk: typed on the on-screen keyboard, filed with channel
``kiosk``, the code shown large; large touch targets, nothing out of place, axe clean; and the kiosk
goes back to its start screen when the visitor walks away."""

from __future__ import annotations

import pytest
from antre.queue_server.config import load_config
from antre.queue_server.hall import open_hall
from antre.queue_server.issuing_access import new_kiosk_key
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.support import SMALL_HALL, ServerProcess, axe_violations, http, kiosk_page, write_config
from tests.test_kiosk_real_size import assert_laid_out

pytestmark = pytest.mark.browser

SHAPES = {
    "portrait": {"width": 1080, "height": 1920},
    "landscape": {"width": 1920, "height": 1080},
    "tablet": {"width": 1280, "height": 800},
}
# The buttons a visitor cannot press: another element (the corner's helpers) lies over their middle.
COVERED = """() => [...document.querySelectorAll('button')].filter((b) => b.checkVisibility()).filter((b) => {
  const r = b.getBoundingClientRect();
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return !(hit && b.contains(hit));
}).map((b) => b.id || b.textContent.trim())"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The small hall with an admin and kiosk k1's key (``server.kiosk_key``)."""
    config = write_config(tmp_path_factory.mktemp("kiosk-complaint"), SMALL_HALL)
    hall = open_hall(load_config(config))
    try:
        hall.accounts.add("admin", PASSWORD, "admin")
        key = new_kiosk_key(hall.store, "k1")
    finally:
        hall.store.close()
    process = ServerProcess(config).start()
    process.kiosk_key = key
    yield process
    process.kill()


def type_on_screen(page, text: str) -> None:
    for character in text:
        page.click(f"#complaint-keyboard .key[data-key='{character}']")


def fits(page, where: str) -> None:
    assert_laid_out(page, where)
    assert page.evaluate(COVERED) == [], where


@pytest.mark.parametrize("shape", ["portrait", "landscape"])
def test_a_complaint_typed_at_the_kiosk_gets_its_code_on_the_screen(browser, server, shape):
    with kiosk_page(browser, server.url, SHAPES[shape]) as page:
        page.goto(f"{server.url}/kiosk/pair?id=k1&key={server.kiosk_key}")
        page.locator("#start-tiles .tile").first.wait_for()
        entry = page.locator("[data-testid=complaint-open]")
        expect(entry).to_contain_text("Pengaduan")
        assert_laid_out(page, "the start screen with its complaint entry")
        entry.click()
        expect(page.locator("#complaint-field")).to_have_text("Apa yang terjadi?")
        page.click("[data-testid=complaint-next]")  # too short: said, and the step stays
        expect(page.locator("#complaint-problem")).to_contain_text("10")
        type_on_screen(page, "petugas minta uang")
        expect(page.locator("[data-testid=complaint-text]")).to_have_text("petugas minta uang")
        fits(page, "the complaint's first step")
        assert axe_violations(page) == []
        page.click("[data-testid=complaint-next]")
        expect(page.locator("#complaint-field")).to_have_text("Di mana dan kapan?")
        type_on_screen(page, "loket 2 pagi")
        page.click("[data-testid=complaint-next]")
        page.click("[data-testid=complaint-next]")  # the remedy asked is optional
        expect(page.locator("#complaint-secret")).to_be_visible()
        page.click("#complaint-secret")
        expect(page.locator("#complaint-secret")).to_have_attribute("aria-pressed", "true")
        fits(page, "the contact step")
        page.click("[data-testid=complaint-next]")
        code = page.locator("[data-testid=complaint-code]")
        expect(code).to_be_visible()
        shown = code.inner_text()
        assert shown.startswith("PGD-") and len(shown) == 16
        expect(page.locator("#complaint-track")).to_contain_text("/pengaduan/lacak")
        fits(page, "the complaint's code")
        assert axe_violations(page) == []

        token = http("POST", f"{server.url}/api/v1/auth/login", {"username": "admin", "password": PASSWORD})[1]["token"]
        filed = http("GET", f"{server.url}/api/v1/complaints/{shown}/record", token=token)[1]
        assert (filed["channel"], filed["what"], filed["where_when"], filed["confidential"]) == (
            "kiosk",
            "petugas minta uang",
            "loket 2 pagi",
            True,
        )
        page.click("#complaint-finish")
        expect(page.locator("#start-title")).to_be_visible()


def test_the_entry_speaks_english_and_a_half_typed_complaint_is_dropped_when_the_visitor_walks_away(browser, server):
    with kiosk_page(browser, server.url, SHAPES["portrait"], fake_clock=True) as page:
        page.click("[data-testid=lang-switch]")
        expect(page.locator("[data-testid=complaint-open]")).to_contain_text("Complaints")
        page.click("[data-testid=complaint-open]")
        expect(page.locator("#complaint-field")).to_have_text("What happened?")
        type_on_screen(page, "antre")
        page.clock.run_for(61_000)  # kiosks[].idle_seconds: 60 without a kiosk id
        expect(page.locator("#start-title")).to_have_text("Ambil Nomor Antrean")
        page.click("[data-testid=complaint-open]")
        expect(page.locator("[data-testid=complaint-text]")).to_have_text("")


def test_in_audio_mode_each_step_of_the_complaint_is_said(browser, server):
    with kiosk_page(browser, server.url, SHAPES["landscape"]) as page:
        voice = page.locator("[data-testid=kiosk-voice]")
        page.keyboard.press("h")  # help: audio mode on
        expect(page.locator("[data-testid=audio-toggle]")).to_have_attribute("aria-pressed", "true")
        page.locator("[data-testid=complaint-open]").focus()
        expect(voice).to_have_attribute("data-phrase", "id/ui/complaint", timeout=15_000)
        page.keyboard.press("Enter")
        expect(voice).to_have_attribute("data-phrase", "id/ui/complaint_what", timeout=15_000)
        page.locator("[data-testid=complaint-next]").focus()
        expect(voice).to_have_attribute("data-phrase", "id/ui/complaint_next", timeout=15_000)


@pytest.mark.parametrize("shape", SHAPES)
def test_every_step_fits_in_large_type(browser, server, shape):
    with kiosk_page(browser, server.url, SHAPES[shape]) as page:
        page.click("[data-testid=large-toggle]")
        page.click("[data-testid=complaint-open]")
        type_on_screen(page, "petugas minta uang tambahan di loket dua")
        fits(page, "the first step in large type")
        page.click("[data-testid=complaint-next]")
        type_on_screen(page, "loket 2")
        page.click("[data-testid=complaint-next]")
        page.click("[data-testid=complaint-next]")
        fits(page, "the contact step in large type")
        page.click("[data-testid=complaint-next]")
        expect(page.locator("[data-testid=complaint-code]")).to_be_visible()
        fits(page, "the code in large type")
