"""The kiosk on the real-size example hall (30+ agencies, 300 services), in headless Chromium at the
three screen shapes halls use: a 1080×1920 portrait totem, a 1920×1080 landscape TV-sized kiosk and a
1280×800 tablet. One server for the module: every test reads the same hall."""

from __future__ import annotations

import contextlib
import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from tests.support import ServerProcess, http, kiosk_page, real_size_hall, write_real_size_config

pytestmark = pytest.mark.browser

SCREENS = {"portrait": (1080, 1920), "landscape": (1920, 1080), "tablet": (1280, 800)}
MIN_TOUCH_PX = 64

# What a visitor would see as broken, as a list of sentences: the page scrolls sideways, a button is
# smaller than a fingertip, or some text runs out of its button, out of a box that clips it, or off
# the screen.
LAYOUT_PROBLEMS = """() => {
  const problems = [];
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth) problems.push(`the page scrolls sideways (${root.scrollWidth} > ${root.clientWidth})`);
  const label = (el) => `<${el.tagName.toLowerCase()}${el.id ? ' #' + el.id : ''}${el.dataset.testid ? ' ' + el.dataset.testid : ''}> "${el.textContent.trim().slice(0, 50)}"`;
  const inside = (inner, outer) => inner.left >= outer.left - 1 && inner.right <= outer.right + 1 && inner.top >= outer.top - 1 && inner.bottom <= outer.bottom + 1;
  const screen = { left: 0, top: 0, right: innerWidth, bottom: innerHeight };
  for (const button of document.querySelectorAll('button')) {
    if (!button.checkVisibility()) continue;
    const box = button.getBoundingClientRect();
    if (box.width < MIN || box.height < MIN) problems.push(`${label(button)} is ${Math.round(box.width)}×${Math.round(box.height)} px`);
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!node.textContent.trim() || !parent.checkVisibility() || parent.closest('script, .visually-hidden')) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const boxes = [...range.getClientRects()];
    const button = parent.closest('button');
    for (let holder = parent; holder; holder = holder.parentElement) {
      const style = getComputedStyle(holder);
      const clips = ['hidden', 'clip'].includes(style.overflowY) || /paint|strict|content/.test(style.contain);
      if (holder !== button && !clips) continue;
      if (!boxes.every((b) => inside(b, holder.getBoundingClientRect()))) problems.push(`the text of ${label(parent)} runs out of ${label(holder)}`);
    }
    if (!boxes.every((b) => inside(b, screen))) problems.push(`the text of ${label(parent)} runs off the screen`);
  }
  return problems;
}""".replace("MIN", str(MIN_TOUCH_PX))


def passport(hall: dict) -> dict:
    return next(s for s in hall["services"] if s["name"].lower().startswith("paspor") or "paspor" in s.get("keywords", []))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    process = ServerProcess(write_real_size_config(tmp_path_factory.mktemp("real-size"))).start()
    yield process
    process.kill()


def kiosk(browser, server, shape: str, fake_clock: bool = False):
    """The kiosk on one of SCREENS, its first tiles shown; a script error on it fails the test."""
    width, height = SCREENS[shape]
    return kiosk_page(browser, server.url, {"width": width, "height": height}, fake_clock)


def assert_laid_out(page, where: str) -> None:
    """No layout problem, once the page has settled (a poll's figures or a resize may re-page it)."""
    with contextlib.suppress(PlaywrightTimeout):  # the assertion below names the problems
        page.wait_for_function(f"({LAYOUT_PROBLEMS})().length === 0", timeout=5_000)
    assert page.evaluate(LAYOUT_PROBLEMS) == [], where


def type_on_screen(page, text: str) -> None:
    for character in text:
        page.click(f"#keyboard .key[data-key='{character}']")


@pytest.mark.parametrize("shape", SCREENS)
def test_every_screen_fits_with_large_buttons_and_pages_the_agencies_with_a_cue(browser, server, shape):
    agencies = real_size_hall().get("agencies", [])
    with kiosk(browser, server, shape) as page:
        assert_laid_out(page, "the agencies, first page")
        cue = page.locator("[data-testid=start-cue]")
        expect(cue).to_be_visible()
        pages = int(cue.text_content().rsplit(" ", 1)[1])
        assert pages > 1 and cue.text_content() == f"Halaman 1 dari {pages}"
        seen = set(page.locator("#start-tiles .tile:visible .tile-title").all_text_contents())
        for number in range(2, pages + 1):
            page.click("[data-testid=start-next]")
            expect(cue).to_have_text(f"Halaman {number} dari {pages}")
            assert_laid_out(page, f"the agencies, page {number}")
            seen |= set(page.locator("#start-tiles .tile:visible .tile-title").all_text_contents())
        expect(page.locator("[data-testid=start-next]")).to_be_disabled()
        assert len(seen) == len(agencies)  # every agency on some page, none twice

        page.locator("#start-tiles .tile:visible").first.click()
        expect(page.locator("#agency-title")).not_to_be_empty()
        assert_laid_out(page, "an agency's services")

        page.click("[data-testid=search-open]")
        type_on_screen(page, "k")
        expect(page.locator("#results-tiles .tile").first).to_be_visible()
        assert_laid_out(page, "search results for k")
        page.locator("#results-tiles .tile:visible").first.click()
        expect(page.locator("[data-testid=confirm-name]")).to_be_visible()
        assert_laid_out(page, "the confirm step")
        page.click("[data-testid=priority-open]")
        expect(page.locator("[data-priority=lansia]")).to_be_visible()
        assert_laid_out(page, "the priority step")
        page.click("[data-priority=lansia]")
        expect(page.locator("[data-testid=ticket-number]")).to_be_visible()
        assert_laid_out(page, "the ticket")


def test_paspor_is_two_taps_and_some_typing_away_and_its_confirm_step_says_what_to_bring_and_pay(browser, server):
    service = passport(real_size_hall())
    with kiosk(browser, server, "portrait") as page:
        page.click("[data-testid=search-open]")  # tap 1
        type_on_screen(page, "pas")
        result = page.locator(f"#results-tiles [data-testid=service-{service['code']}]")
        expect(result).to_be_visible()  # a word's first letters are enough
        type_on_screen(page, "por")
        expect(page.locator("[data-testid=query]")).to_have_text("paspor")
        expect(page.locator("#results-tiles .tile-title").first).to_have_text(re.compile("^Paspor"))  # names starting so first
        result.click()  # tap 2
        expect(page.locator("[data-testid=confirm-name]")).to_contain_text(service["name"])
        expect(page.locator("[data-testid=confirm-requirements] li")).to_have_text(service["requirements"])
        expect(page.locator("[data-testid=confirm-fee]")).to_have_text(service["fee"])
        page.click("[data-testid=take]")
        expect(page.locator("[data-testid=ticket-number]")).to_contain_text(service["code"])


def test_before_officers_sign_in_the_counters_show_closed_and_their_services_stay_on_offer_as_expected_today(browser, server):
    """The hall's default (``kiosk_requires_open_counter: false``): numbers are taken from 07:30 for
    counters that open at 08:00; the server says which counters are staffed, the kiosk still offers."""
    service = passport(real_size_hall())
    statuses = {c["id"]: c["status"] for c in http("GET", f"{server.url}/api/v1/state")[1]["counters"]}
    own = [c["id"] for c in real_size_hall()["counters"] if service["code"] in c["services"]]
    assert {statuses[counter_id] for counter_id in own} == {"closed"}, "nobody has signed in at the passport counters"
    offered = next(s for s in http("GET", f"{server.url}/api/v1/services")[1] if s["code"] == service["code"])
    assert (offered["counters_open"], offered["unavailable"]) == (0, None)
    with kiosk(browser, server, "landscape") as page:
        page.click("[data-testid=search-open]")
        type_on_screen(page, "paspor")
        expect(page.locator(f"#results-tiles [data-testid=service-{service['code']}]")).to_be_enabled()


@pytest.mark.parametrize("word", ["SIM", "NPWP"])
def test_search_finds_services_by_the_words_visitors_use(browser, server, word):
    hall = real_size_hall()
    wanted = {
        s["code"] for s in hall["services"] if word.lower() in [k.lower() for k in s.get("keywords", [])] or word in s["name"].split()
    }
    with kiosk(browser, server, "tablet") as page:
        page.click("[data-testid=search-open]")
        page.keyboard.type(word)  # a keyboard plugged into the kiosk PC types too
        expect(page.locator("[data-testid=query]")).to_have_text(word.lower())
        expect(page.locator("#results-note")).to_contain_text("layanan ditemukan")
        found = set(page.locator("#results-tiles .tile").evaluate_all("tiles => tiles.map((t) => t.dataset.service)"))
        assert wanted and wanted <= found
        page.click("#keyboard .key-backspace")
        page.click("#search-clear")
        expect(page.locator("#results-tiles .tile")).to_have_count(0)


def test_a_portrait_kiosk_uses_type_read_at_arms_length(browser, server):
    with kiosk(browser, server, "portrait") as page:
        sizes = page.evaluate("""() => {
          const px = (el) => parseFloat(getComputedStyle(el).fontSize);
          const tiles = [...document.querySelectorAll('#start-tiles .tile')].filter((t) => t.checkVisibility());
          return {
            names: Math.min(...tiles.map((t) => px(t.querySelector('.tile-title')))),
            body: Math.min(...tiles.flatMap((t) => [...t.querySelectorAll(':scope > span:not(.tile-title)')].map(px))),
            usedHeight: Math.max(...tiles.map((t) => t.getBoundingClientRect().bottom)) / innerHeight,
          };
        }""")
        assert sizes["names"] >= 32 and sizes["body"] >= 26
        # the tiles fill what lies between the reach line (the top quarter holds no control: kiosks[].reach_fraction) and the corner's buttons
        assert sizes["usedHeight"] > 0.68


def test_a_screen_turned_to_portrait_pages_its_tiles_again(browser, server):
    with kiosk(browser, server, "landscape") as page:
        page.click("[data-testid=start-next]")
        page.set_viewport_size({"width": 1080, "height": 1920})
        assert_laid_out(page, "turned from landscape to portrait")
        expect(page.locator("[data-testid=start-cue]")).to_contain_text("Halaman 2 dari")


def test_a_visitor_who_walks_away_mid_choice_leaves_the_start_screen_for_the_next(browser, server):
    with kiosk(browser, server, "tablet", fake_clock=True) as page:
        page.click("[data-testid=lang-switch]")
        page.click("[data-testid=search-open]")
        type_on_screen(page, "pas")
        page.locator("#results-tiles .tile").first.click()
        expect(page.locator("[data-testid=take]")).to_be_visible()
        page.clock.run_for(61_000)  # kiosks[].idle_seconds: 60 without a kiosk id
        expect(page.locator("#start-title")).to_have_text("Ambil Nomor Antrean")
        expect(page.locator("[data-testid=start-cue]")).to_contain_text("Halaman 1 dari")


def test_the_english_kiosk_fits_the_smallest_screen_too(browser, server):
    with kiosk(browser, server, "tablet") as page:
        page.click("[data-testid=lang-switch]")
        expect(page.locator("[data-testid=start-cue]")).to_contain_text("Page 1 of")
        assert_laid_out(page, "the agencies in English")
        page.click("[data-testid=search-open]")
        expect(page.locator("#results-note")).to_contain_text("Touch the letters below")
        assert_laid_out(page, "the empty search in English")
        type_on_screen(page, "s")
        expect(page.locator("#results-note")).to_contain_text("services found")
        assert_laid_out(page, "search results in English")
        page.locator("#results-tiles .tile:visible").first.click()
        expect(page.locator("[data-testid=take]")).to_contain_text("Take a number")
        assert_laid_out(page, "the confirm step in English")
