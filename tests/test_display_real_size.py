"""The lobby and counter screens on the real-size hall (examples/mpp-besar.yaml) in headless Chromium
at 1920×1080: nothing clipped or overflowing, six-character numbers and the longest counter name
whole, every floor's counters in at most two pages, type read from 5 m, pauses and closed counters
in words.

One server for the module: the hall is prepared once (1000 tickets of the longest-named counter's
first service, so that its number has six characters), then each test opens its own page.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from antre.queue_server.config import load_config
from antre.queue_server.hall import open_hall
from playwright.sync_api import Page

from tests.conftest import PASSWORD
from tests.support import REAL_SIZE_HALL, SMALL_HALL, TEST_PASSWORD_HASH, TV, ServerProcess, http, tv_page, write_config

pytestmark = [pytest.mark.browser, pytest.mark.slow]

READ_FROM_5_M_PX = 32  # agency headings and the waiting strip
MAX_FLOOR_PAGES = 2
MAX_HALL_PAGES = 3  # 60 counters of 36 agencies

# Every element of the lobby's panels inside its panel, and every fitted box (numbers, names) whole:
# nothing wider than its box, nor a wrapping text with more lines than its box holds (counted in
# lines: glyphs may pass a tight line-height without a line being lost).
OVERFLOWS = """() => {
  const out = [];
  const describe = (node) => `${node.className || node.tagName} "${node.textContent.slice(0, 40)}"`;
  for (const panel of document.querySelectorAll('.top, .stage > section, .head, .body')) {
    const box = panel.getBoundingClientRect();
    for (const node of panel.querySelectorAll('*')) {
      const r = node.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1) {
        out.push(`${describe(node)} outside ${panel.className}`);
      }
    }
  }
  for (const node of document.querySelectorAll('.fit')) {
    const style = getComputedStyle(node);
    const wide = node.scrollWidth > node.clientWidth + 1;
    const line = parseFloat(style.lineHeight) || 1.2 * parseFloat(style.fontSize);
    const tall = style.whiteSpace !== 'nowrap' && Math.round(node.scrollHeight / line) > Math.floor((node.clientHeight + 1) / line);
    if (wide || tall) out.push(`${describe(node)} cut`);
  }
  const page = document.scrollingElement;
  if (page.scrollWidth > window.innerWidth) out.push(`page scrolls sideways: ${page.scrollWidth} > ${window.innerWidth}`);
  return out;
}"""


def real_size_hall() -> dict[str, Any]:
    """The example hall with its database beside its config, the tests' cheap password hash, a dummy
    printer and tickets taken as a phone would; everything the screens show is the example's own."""
    data = yaml.safe_load(REAL_SIZE_HALL.read_text(encoding="utf-8"))
    data.update(database="antre.db", printer={"kind": "dummy"}, auth={"password_hash": TEST_PASSWORD_HASH}, issuing=SMALL_HALL["issuing"])
    data["hall"].pop("opening_hours", None)  # the screens are tested at whatever hour the tests run
    return data


@pytest.fixture(scope="module")
def hall(tmp_path_factory) -> dict[str, Any]:
    """The running hall: its server, config, an admin token, the longest-named counter with a
    six-character number called at it, a counter paused for a meeting, one paused for a reason of
    its officer's own words, one open with nobody called and one nobody signed in at (closed)."""
    folder = tmp_path_factory.mktemp("real-size")
    config_path = write_config(folder, real_size_hall())
    config = load_config(config_path)
    longest = max(config.counters.values(), key=lambda c: len(c.name))
    prepared = open_hall(config)
    try:
        prepared.accounts.add("admin", PASSWORD, "admin")
        for _ in range(1000):  # a service's thousandth ticket of the day: two letters and four digits
            ticket = prepared.engine.issue(longest.services[0])
    finally:
        prepared.store.close()
    server = ServerProcess(config_path).start()
    token = http("POST", f"{server.url}/api/v1/auth/login", {"username": "admin", "password": PASSWORD})[1]["token"]
    assert http("POST", f"{server.url}/api/v1/counters/{longest.id}/call", {"ticket_id": ticket["id"]}, token)[0] == 200
    others = [c for c in config.counters.values() if c.id != longest.id]
    meeting, idle, other, closed = others[0], others[1], others[2], others[-1]
    assert http("POST", f"{server.url}/api/v1/counters/{meeting.id}/pause", {"reason": "rapat"}, token)[0] == 200
    assert http("POST", f"{server.url}/api/v1/counters/{other.id}/pause", {"reason": "ke bank sebentar"}, token)[0] == 200
    assert http("POST", f"{server.url}/api/v1/counters/{idle.id}/open", {}, token)[0] == 200
    yield {
        "server": server,
        "config": config,
        "token": token,
        "number": ticket["number"],
        "longest": longest,
        "meeting": meeting,
        "idle": idle,
        "other": other,
        "closed": closed,
    }
    server.kill()


@pytest.fixture
def page(browser):
    with tv_page(browser) as page:
        yield page


def open_screen(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_function("window.antreDisplay && window.antreDisplay.live.base !== null", timeout=10_000)


def pages_of(page: Page, pager: str) -> int:
    return page.evaluate(f"window.antreDisplay.{pager}.pages.length")


def show_page(page: Page, pager: str, index: int) -> None:
    page.evaluate(f"window.antreDisplay.{pager}.show({index})")


def shown_tiles(page: Page) -> list[str]:
    """The counters on the page of tiles now shown."""
    return page.evaluate("[...document.querySelectorAll('#pages .page.on .tile')].map((tile) => tile.dataset.counter)")


def test_the_lobby_shows_a_six_character_number_and_the_longest_counter_name_whole(hall, page):
    number, longest = hall["number"], hall["longest"]
    assert len(number) == 6
    open_screen(page, f"{hall['server'].url}/display")
    page.wait_for_function(f"document.getElementById('now-number').textContent === {number!r}", timeout=5_000)
    assert page.locator("#now-counter").text_content() == longest.name
    first = page.locator("#recent li").first
    assert first.locator(".number").text_content() == number and first.locator(".to").text_content() == longest.name
    tile = page.locator(f'.tile[data-counter="{longest.id}"]')
    assert tile.locator(".number").text_content() == number and tile.locator(".name").text_content() == longest.name
    assert page.evaluate(OVERFLOWS) == []
    page.screenshot(path=str(hall["server"].config.parent / "lobby-real-size.png"))


def test_every_page_of_counters_fits_and_the_whole_hall_takes_at_most_three(hall, page):
    open_screen(page, f"{hall['server'].url}/display")
    seen: list[str] = []
    for index in range(pages_of(page, "counterPages")):
        show_page(page, "counterPages", index)
        seen += shown_tiles(page)
        assert page.evaluate(OVERFLOWS) == [], f"page {index + 1}"
    assert sorted(seen) == sorted(hall["config"].counters), "every counter once"
    assert pages_of(page, "counterPages") <= MAX_HALL_PAGES


def test_each_floor_screen_shows_all_its_counters_in_at_most_two_pages(hall, page):
    config = hall["config"]
    assert len(config.displays) >= 3
    for screen in config.displays.values():
        open_screen(page, f"{hall['server'].url}/display?screen={screen.id}")
        expected = {c.id for c in config.counters.values() if config.services[c.services[0]].agency in screen.agencies}
        pages = pages_of(page, "counterPages")
        seen: set[str] = set()
        for index in range(pages):
            show_page(page, "counterPages", index)
            seen |= set(shown_tiles(page))
            assert page.evaluate(OVERFLOWS) == [], f"{screen.id} page {index + 1}"
        assert seen == expected, screen.id
        assert pages <= MAX_FLOOR_PAGES, f"{screen.id}: {len(expected)} counters in {pages} pages"


def test_agency_headings_and_the_waiting_strip_read_from_5_m_and_the_strip_pages_instead_of_cutting(hall, page):
    server, config = hall["server"], hall["config"]
    codes = [code for code, service in config.services.items() if service.agency in config.displays["lantai1"].agencies][:12]
    for code in codes:
        assert http("POST", f"{server.url}/api/v1/tickets", {"service": code})[0] in (200, 201)
    open_screen(page, f"{server.url}/display?screen=lantai1")
    page.wait_for_function(f"document.querySelector('.chip[data-service=\"{codes[-1]}\"]') !== null", timeout=5_000)
    sizes = page.evaluate(
        """() => [...document.querySelectorAll('.group-name, .waiting *')]
                 .filter((node) => [...node.childNodes].some((c) => c.nodeType === 3 && c.textContent.trim()))
                 .map((node) => [node.textContent.trim().slice(0, 30), parseFloat(getComputedStyle(node).fontSize)])"""
    )
    assert sizes and all(px >= READ_FROM_5_M_PX for _, px in sizes), [s for s in sizes if s[1] < READ_FROM_5_M_PX]
    on_strip: set[str] = set()
    for index in range(pages_of(page, "waitingPages")):
        show_page(page, "waitingPages", index)
        on_strip |= set(page.evaluate("[...document.querySelectorAll('#waiting .page.on .chip')].map((c) => c.dataset.service)"))
        assert page.evaluate(OVERFLOWS) == [], f"waiting page {index + 1}"
    waiting = http("GET", f"{server.url}/api/v1/state")[1]["waiting"]
    floor = config.displays["lantai1"].agencies
    assert on_strip == {code for code, n in waiting.items() if n and config.services[code].agency in floor}
    assert set(codes) <= on_strip


def test_a_meeting_reads_rapat_and_a_counter_nobody_signed_in_at_reads_closed(hall, page):
    server, meeting, other, closed = hall["server"], hall["meeting"], hall["other"], hall["closed"]
    open_screen(page, f"{server.url}/display")
    expected = ((meeting, "paused", ["Rapat", "Meeting"]), (other, "paused", ["Lainnya", "Other"]), (closed, "closed", ["Tutup", "Closed"]))
    for counter, mode, words in expected:
        tile = page.locator(f'.tile[data-counter="{counter.id}"]')
        assert mode in tile.get_attribute("class")
        assert [tile.locator(".word").text_content(), tile.locator(".word2").text_content()] == words
        assert tile.locator(".number").text_content() == ""
    assert "ke bank" not in page.locator("body").inner_text()  # an officer's own words stay off the screen
    idle = page.locator(f'.tile[data-counter="{hall["idle"].id}"]')  # open and idle looks otherwise: its number slot, no words
    assert "idle" in idle.get_attribute("class") and "closed" not in idle.get_attribute("class")
    assert idle.locator(".number").text_content() == "—" and idle.locator(".word").text_content() == ""

    open_screen(page, f"{server.url}/display/counter/{meeting.id}")
    assert page.locator("#number").text_content() == "Rapat" and "Rapat / Meeting" in page.locator("#status").text_content()
    assert "rapat" not in page.locator("body").inner_text()  # the word, never the raw code
    open_screen(page, f"{server.url}/display/counter/{closed.id}")
    assert page.locator("#number").text_content() == "Tutup" and "closed" in page.get_attribute("body", "class")


@pytest.mark.parametrize("size", [TV, {"width": 1080, "height": 1920}, {"width": 1280, "height": 720}])
def test_the_counter_screen_shows_the_longest_name_and_a_six_character_number_whole(hall, browser, size):
    context = browser.new_context(viewport=size)
    try:
        page = context.new_page()
        open_screen(page, f"{hall['server'].url}/display/counter/{hall['longest'].id}")
        page.wait_for_function(f"document.getElementById('number').textContent === {hall['number']!r}", timeout=5_000)
        assert page.locator("#counter-name").text_content() == hall["longest"].name
        assert page.evaluate(OVERFLOWS) == []
        # Whole, and still as large as the screen allows: the number spans at least half its width.
        width = page.evaluate(
            "(() => { const r = document.createRange(); r.selectNodeContents(document.getElementById('number')); return r.getBoundingClientRect().width; })()"
        )
        assert width >= size["width"] / 2
    finally:
        context.close()
