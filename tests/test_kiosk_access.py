"""The accessible kiosk on the real-size hall, in headless Chromium against one real server:
axe-core finds nothing on any screen in either language, a blind visitor takes a ticket with a keypad
alone in audio mode (hearing real espeak-ng WAVs), the focus survives the live refresh, every control
is within reach on a portrait totem, and the confirmation can be kept longer."""

from __future__ import annotations

import re
from urllib.parse import quote
from urllib.request import urlopen

import pytest
from playwright.sync_api import expect

from tests.support import ServerProcess, axe_violations, http, kiosk_page, write_real_size_config

pytestmark = pytest.mark.browser

PORTRAIT = {"width": 1080, "height": 1920}
LANDSCAPE = {"width": 1920, "height": 1080}
REACH = 0.75  # kiosks[].reach_fraction's default


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    process = ServerProcess(write_real_size_config(tmp_path_factory.mktemp("kiosk-access"))).start()
    yield process
    process.kill()


def kiosk(browser, server, viewport: dict, fake_clock: bool = False):
    return kiosk_page(browser, server.url, viewport, fake_clock)


def to_confirm(page) -> None:
    """From the start screen to the confirm step of the first service of the first agency."""
    page.locator("#start-tiles .tile:visible").first.click()
    page.locator("#start-tiles .tile:visible:enabled").first.click()
    expect(page.locator("[data-testid=take]")).to_be_visible()


@pytest.mark.parametrize("lang", ["id", "en"])
def test_no_axe_violations_on_any_kiosk_screen(browser, server, lang):
    with kiosk(browser, server, LANDSCAPE) as page:
        if lang == "en":
            page.click("[data-testid=lang-switch]")
            expect(page.locator("html")).to_have_attribute("lang", "en")
        found = {"start": axe_violations(page)}
        page.click("[data-testid=search-open]")
        page.click("#keyboard .key[data-key='k']")
        expect(page.locator("#results-tiles .tile").first).to_be_visible()
        found["search"] = axe_violations(page)
        page.click("#search-back")
        to_confirm(page)
        found["confirm"] = axe_violations(page)
        page.click("[data-testid=priority-open]")
        expect(page.locator("[data-priority=lansia]")).to_be_visible()
        found["priority"] = axe_violations(page)
        page.click("[data-priority=lansia]")
        expect(page.locator("[data-testid=ticket-number]")).to_be_visible()
        found["ticket"] = axe_violations(page)
        page.click("[data-testid=large-toggle]")
        found["ticket, large type"] = axe_violations(page)
    assert {screen: problems for screen, problems in found.items() if problems} == {}


def test_a_blind_visitor_takes_a_ticket_with_a_keypad_in_audio_mode(browser, server):
    asked: set[str] = set()  # the phrases the kiosk fetched, as /kiosk/speech/ URLs answered 200
    with kiosk(browser, server, LANDSCAPE) as page:
        page.on("response", lambda r: "/kiosk/speech/" in r.url and r.ok and asked.add(r.url.split("/kiosk/speech/")[1]))
        voice = page.locator("[data-testid=kiosk-voice]")

        def focused_and_spoken(key: str) -> str:
            page.keyboard.press(key)
            say = page.evaluate("document.activeElement.dataset.say")
            assert say, page.evaluate("document.activeElement.outerHTML.slice(0, 200)")
            expect(voice).to_have_attribute("data-phrase", f"id/{say}", timeout=15_000)
            return say

        page.keyboard.press("h")  # help: audio mode on
        expect(page.locator("[data-testid=audio-toggle]")).to_have_attribute("aria-pressed", "true")
        spoken = [focused_and_spoken("ArrowRight")]  # "Cari layanan"
        spoken.append(focused_and_spoken("ArrowRight"))  # the first agency
        assert spoken[-1].startswith("agency/")
        page.keyboard.press("Enter")
        agency_service = page.evaluate("document.activeElement.dataset.say")  # the focus went to its first service
        assert agency_service.startswith("service/")
        expect(voice).to_have_attribute("data-phrase", f"id/{agency_service}", timeout=15_000)
        spoken.append(agency_service)
        while not page.evaluate("document.activeElement.dataset.say || ''").endswith("/name") or page.evaluate(
            "document.activeElement.disabled"
        ):
            spoken.append(focused_and_spoken("ArrowRight"))
        page.keyboard.press("Enter")
        expect(page.locator("[data-testid=confirm-name]")).to_be_focused()
        code = page.locator("[data-testid=confirm-name] .code").text_content()
        expect(voice).to_have_attribute("data-phrase", f"id/service/{code}/requirements", timeout=15_000)  # requirements and fee
        while page.evaluate("document.activeElement.id") != "take":
            spoken.append(focused_and_spoken("ArrowRight"))
        page.keyboard.press("Enter")
        expect(page.locator("[data-testid=ticket-number]")).to_be_focused()
        number = page.locator("[data-testid=ticket-number]").text_content()
        expect(page.locator("[data-testid=ticket-live]")).to_contain_text(number)
        ticket_id = page.locator("#ticket-qr").get_attribute("src").split("/")[-1].removesuffix(".svg")
        expect(voice).to_have_attribute("data-phrase", f"id/ticket/{ticket_id}", timeout=15_000)
    sounds = {}
    for phrase in [*spoken, f"service/{code}/requirements", f"ticket/{ticket_id}"]:
        url = "id/" + "/".join(quote(part) for part in phrase.split("/")) + ".wav"
        assert url in asked, f"{phrase} was not asked for"
        # what the kiosk got, read again from the server's cache (Playwright cannot read a body a script consumed)
        with urlopen(f"{server.url}/kiosk/speech/{url}") as response:
            sounds[phrase] = response.read()
        assert sounds[phrase][:4] == b"RIFF" and sounds[phrase][8:12] == b"WAVE" and len(sounds[phrase]) > 10_000, phrase
    assert len(sounds[f"ticket/{ticket_id}"]) > 5 * len(sounds["ui/search"])  # the number twice, slowly, and where to wait


def test_a_first_touch_offers_the_audio_help_and_in_audio_mode_one_touch_speaks_a_second_chooses(browser, server):
    with kiosk(browser, server, LANDSCAPE) as page:
        voice = page.locator("[data-testid=kiosk-voice]")
        page.mouse.click(5, 400)  # anywhere, not a button: a visitor feeling for the screen
        expect(voice).to_have_attribute("data-phrase", re.compile(r"^(id|en)/ui/audio_offer$"), timeout=15_000)
        page.click("[data-testid=audio-toggle]")
        expect(page.locator("[data-testid=audio-toggle]")).to_have_attribute("aria-pressed", "true")
        tile = page.locator("#start-tiles .tile:visible").first
        say = tile.get_attribute("data-say")
        tile.click()  # the first touch: its name, nothing chosen
        expect(voice).to_have_attribute("data-phrase", f"id/{say}", timeout=15_000)
        expect(tile).to_be_visible()
        expect(page.locator("#start-tiles .tile[data-say^='service/']:visible")).to_have_count(0)
        tile.click()  # the second: chosen, the agency's services shown
        expect(page.locator("#start-tiles .tile[data-say^='service/']:visible").first).to_be_visible()


def test_the_focus_stays_on_its_tile_through_the_live_refresh(browser, server):
    with kiosk(browser, server, LANDSCAPE) as page:
        tile = page.locator("#start-tiles .tile:visible").nth(1)
        tile.focus()
        before = tile.text_content()
        services = tile.get_attribute("data-say").removeprefix("agency/")
        code = next(s["code"] for s in http("GET", f"{server.url}/api/v1/services")[1] if s.get("agency") == services)
        assert http("POST", f"{server.url}/api/v1/tickets", {"service": code})[0] == 201
        expect(tile).not_to_have_text(before, timeout=12_000)  # the figures of the next poll
        expect(tile).to_be_focused()


def test_every_control_is_within_reach_on_a_portrait_kiosk(browser, server):
    out_of_reach = """(top) => [...document.querySelectorAll('button')].filter((b) => b.checkVisibility())
      .map((b) => [b.id || b.dataset.testid || b.textContent.trim().slice(0, 30), b.getBoundingClientRect()])
      .filter(([, box]) => box.top < top || box.bottom > innerHeight).map(([name, box]) => `${name}: ${Math.round(box.top)}–${Math.round(box.bottom)}`)"""
    top = (1 - REACH) * PORTRAIT["height"]
    with kiosk(browser, server, PORTRAIT) as page:
        found = {"start": page.evaluate(out_of_reach, top)}
        page.locator("#start-tiles .tile:visible").first.click()
        found["an agency"] = page.evaluate(out_of_reach, top)
        page.click("#back")
        page.click("[data-testid=search-open]")
        page.click("#keyboard .key[data-key='k']")
        found["search"] = page.evaluate(out_of_reach, top)
        page.click("#search-back")
        to_confirm(page)
        found["confirm"] = page.evaluate(out_of_reach, top)
        page.click("[data-testid=priority-open]")
        found["priority"] = page.evaluate(out_of_reach, top)
        page.click("[data-priority=lansia]")
        expect(page.locator("[data-testid=ticket-number]")).to_be_visible()
        found["ticket"] = page.evaluate(out_of_reach, top)
    assert {screen: boxes for screen, boxes in found.items() if boxes} == {}


def test_more_time_keeps_the_number_on_the_screen_longer(browser, server):
    with kiosk(browser, server, LANDSCAPE, fake_clock=True) as page:
        to_confirm(page)
        page.click("[data-testid=take]")
        number = page.locator("[data-testid=ticket-number]")
        expect(number).to_be_visible()
        page.click("[data-testid=more-time]")
        page.clock.run_for(25_000)  # past return_seconds (20)
        expect(number).to_be_visible()
        page.clock.run_for(60_000)
        expect(page.locator("#start-title")).to_be_visible()


def test_large_type_makes_the_words_larger_and_ends_with_the_visitor(browser, server):
    with kiosk(browser, server, LANDSCAPE) as page:
        size = "parseFloat(getComputedStyle(document.querySelector('#start-title')).fontSize)"
        before = page.evaluate(size)
        page.click("[data-testid=large-toggle]")
        expect(page.locator("[data-testid=large-toggle]")).to_have_attribute("aria-pressed", "true")
        assert page.evaluate(size) > 1.25 * before
        to_confirm(page)
        page.click("[data-testid=take]")
        page.click("#done")
        expect(page.locator("[data-testid=large-toggle]")).to_have_attribute("aria-pressed", "false")
        assert page.evaluate(size) == before
