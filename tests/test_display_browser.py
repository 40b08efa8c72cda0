"""The lobby and counter displays in headless Chromium, against a real ``antre run``."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page

from tests.conftest import PASSWORD
from tests.support import SMALL_HALL, TV, ServerProcess, antre, http, tv_page, wait_until, write_config

pytestmark = [pytest.mark.browser, pytest.mark.slow]

JAKARTA = ZoneInfo("Asia/Jakarta")  # SMALL_HALL's timezone
MIN_NUMBER_PX = 60  # ticket numbers on the tiles: about 3 cm tall on a 55" TV, legible from 10 m
MIN_NAME_PX = 30

AGENCIES = ["Disdukcapil", "DPMPTSP", "BPJS Kesehatan", "Samsat", "Kantor Imigrasi", "KPP Pratama", "Polres", "Bank Daerah"]
BIG_HALL = {
    **SMALL_HALL,
    "services": [{"code": chr(ord("A") + i), "name": f"Layanan {agency}", "agency": agency} for i, agency in enumerate(AGENCIES)],
    "counters": [{"id": str(n), "name": f"Loket {n}", "services": [chr(ord("A") + (n - 1) // 5)]} for n in range(1, 41)],
    "displays": [{"id": "lantai2", "name": "Layar Lantai 2", "agencies": ["Samsat", "Polres"]}],
}


@pytest.fixture
def page(browser):
    with tv_page(browser) as page:
        yield page


def login(server: ServerProcess) -> str:
    return http("POST", f"{server.url}/api/v1/auth/login", {"username": "admin", "password": PASSWORD})[1]["token"]


def act(server: ServerProcess, token: str, counter: str, action: str, body: dict | None = None) -> int:
    return http("POST", f"{server.url}/api/v1/counters/{counter}/{action}", body, token)[0]


def issue(server: ServerProcess, service: str = "A") -> dict:
    return http("POST", f"{server.url}/api/v1/tickets", {"service": service})[1]


def open_display(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_function("window.antreDisplay && window.antreDisplay.live.base !== null", timeout=10_000)


def text(page: Page, selector: str) -> str:
    return page.locator(selector).inner_text()


def test_the_lobby_shows_a_call_at_once_and_a_recall_again(server, page):
    open_display(page, f"{server.url}/display")
    page.evaluate("window.calls = []; document.addEventListener('antre:called', (e) => window.calls.push(e.detail))")
    token = login(server)
    issue(server)
    assert act(server, token, "1", "call-next") == 200
    page.wait_for_function("document.getElementById('now-number').textContent === 'A001'", timeout=5_000)
    assert text(page, "#now-counter") == "Loket 1"
    assert "fresh" in page.get_attribute("#calling", "class")
    page.wait_for_function("document.querySelector('.tile[data-counter=\"1\"] .number').textContent === 'A001'", timeout=5_000)
    assert act(server, token, "1", "recall") == 200
    page.wait_for_function("window.calls.length === 2", timeout=5_000)
    assert page.evaluate("window.calls.map((c) => [c.ticket.number, c.recall])") == [["A001", False], ["A001", True]]
    assert text(page, "#now-number") == "A001" and "Recall" in text(page, "#now-caption")
    assert page.locator("#recent li").count() == 2 and "recall" in page.get_attribute("#recent li >> nth=0", "class")
    # A001 was the one waiting: the strip no longer lists A, and says that nobody waits.
    page.locator("#waiting-none").wait_for(state="visible", timeout=5_000)
    assert page.locator('.chip[data-service="A"]').count() == 0


def test_forty_counters_are_all_legible_at_1920x1080(tmp_path: Path, page):
    config = write_config(tmp_path, BIG_HALL)
    antre(config, "officer", "add", "admin", "--role", "admin", stdin=PASSWORD + "\n")
    server = ServerProcess(config).start()
    try:
        token = login(server)
        for n in range(1, 41):
            issue(server, BIG_HALL["counters"][n - 1]["services"][0])
            assert act(server, token, str(n), "call-next") == 200
        open_display(page, f"{server.url}/display")
        page.wait_for_function("document.querySelector('.tile[data-counter=\"40\"] .number').textContent === 'H005'", timeout=5_000)
        pages = page.evaluate("window.antreDisplay.counterPages.pages.length")
        seen: set[str] = set()
        for index in range(pages):
            page.evaluate(f"window.antreDisplay.counterPages.show({index})")
            page.screenshot(path=str(tmp_path / f"lobby-40-counters-page{index + 1}.png"))
            tiles = page.evaluate(
                """(index) => [...window.antreDisplay.counterPages.pages[index].querySelectorAll('.tile')].map((tile) => {
                    const number = tile.querySelector('.number'), name = tile.querySelector('.name');
                    const box = tile.getBoundingClientRect(), numberBox = number.getBoundingClientRect();
                    return {id: tile.dataset.counter, text: number.textContent, numberPx: parseFloat(getComputedStyle(number).fontSize),
                            namePx: parseFloat(getComputedStyle(name).fontSize), box: [box.left, box.top, box.right, box.bottom],
                            numberHeight: numberBox.height, clipped: number.scrollWidth > number.clientWidth + 1};
                })""",
                index,
            )
            for tile in tiles:
                left, top, right, bottom = tile["box"]
                assert left >= 0 and right <= TV["width"] and top >= 0 and bottom <= TV["height"] - 76, tile  # above the ticker
                assert tile["numberPx"] >= MIN_NUMBER_PX and tile["numberHeight"] >= MIN_NUMBER_PX, tile
                assert tile["namePx"] >= MIN_NAME_PX and not tile["clipped"], tile
                seen.add(tile["id"])
        assert seen == {str(n) for n in range(1, 41)}
        assert pages <= 3
    finally:
        server.stop()


def test_a_floor_screen_shows_only_its_agencies_and_an_unknown_screen_says_so(tmp_path: Path, page):
    server = ServerProcess(write_config(tmp_path, BIG_HALL)).start()
    try:
        open_display(page, f"{server.url}/display?screen=lantai2")
        agencies = page.evaluate("[...document.querySelectorAll('.group')].map((g) => g.dataset.agency)")
        assert set(agencies) == {"Samsat", "Polres"}
        assert text(page, "#screen-name") == "Layar Lantai 2"
        response = page.goto(f"{server.url}/display?screen=lantai9")
        assert response.status == 404
        assert "lantai9" in text(page, "[data-missing]") and "lantai2" in text(page, "[data-missing]")
    finally:
        server.stop()


def test_the_counter_page_shows_only_its_own_counter(server, page):
    open_display(page, f"{server.url}/display/counter/2")
    assert text(page, "#counter-name") == "Loket 2" and text(page, "#agency") == "Disdukcapil"
    token = login(server)
    issue(server)
    issue(server)
    assert act(server, token, "1", "call-next") == 200  # A001 at counter 1: not shown here
    assert act(server, token, "2", "call-next") == 200
    page.wait_for_function("document.getElementById('number').textContent === 'A002'", timeout=5_000)
    assert "A001" not in page.content()
    assert act(server, token, "2", "complete") == 200
    assert act(server, token, "2", "pause", {"reason": "sholat"}) == 200
    page.wait_for_function("document.body.classList.contains('paused')", timeout=5_000)
    assert text(page, "#number") == "Sholat" and "Sholat / Prayer" in text(page, "#status")
    response = page.goto(f"{server.url}/display/counter/99")
    assert response.status == 404 and "99" in text(page, "[data-missing]")


def test_a_server_restart_shows_the_banner_then_the_right_state_without_a_reload(server, page):
    open_display(page, f"{server.url}/display")
    page.evaluate("window.notReloaded = true")
    assert page.locator("#offline").is_hidden()
    server.stop()
    page.locator("#offline").wait_for(state="visible", timeout=10_000)
    assert "Koneksi terputus" in text(page, "#offline")
    server.start()
    page.locator("#offline").wait_for(state="hidden", timeout=20_000)
    token = login(server)
    issue(server, "C")
    assert act(server, token, "3", "call-next") == 200
    page.wait_for_function("document.getElementById('now-number').textContent === 'C001'", timeout=5_000)
    # The tile follows the counter message, sent just after the call itself.
    page.wait_for_function("document.querySelector('.tile[data-counter=\"3\"] .number').textContent === 'C001'", timeout=5_000)
    assert page.evaluate("window.notReloaded") is True


def test_a_lobby_that_missed_a_message_resyncs_to_get_state(server, page):
    open_display(page, f"{server.url}/display")
    page.evaluate(
        """() => { const live = window.antreDisplay.live, handle = live.handle.bind(live); let drop = 1; window.syncs = 0;
                   const sync = live.sync.bind(live); live.sync = () => { window.syncs += 1; sync(); };
                   live.handle = (name, msg) => { if (drop && name !== 'state' && msg.seq > live.base) { drop -= 1; return; } handle(name, msg); }; }"""
    )
    token = login(server)
    for service in "AAC":
        issue(server, service)
    assert act(server, token, "1", "call-next") == 200
    assert act(server, token, "3", "call-next") == 200
    page.wait_for_function("window.syncs === 1", timeout=5_000)
    state = http("GET", f"{server.url}/api/v1/state")[1]
    expected = {
        "waiting": state["waiting"],
        "recent": [call["ticket"]["number"] for call in state["recent_calls"]],
        # A counter nobody has signed in at since shows the word for closed in place of a number.
        "tiles": {
            c["id"]: c["ticket"]["number"] if c["ticket"] else {"open": "—", "closed": "Tutup"}[c["status"]] for c in state["counters"]
        },
    }

    def shown_now() -> dict:
        return page.evaluate(
            """() => ({waiting: window.antreDisplay.model.waiting,
                       recent: window.antreDisplay.model.recent.map((c) => c.ticket.number),
                       tiles: Object.fromEntries([...document.querySelectorAll('.tile')].map((t) => [t.dataset.counter, t.querySelector('.number').textContent || t.querySelector('.word').textContent]))})"""
        )

    # A call and what it changed arrive as separate messages with the same seq: wait for all of them.
    wait_until(
        lambda: page.evaluate("window.antreDisplay.live.last") == state["seq"] and shown_now() == expected, message="the page catching up"
    )
    shown = shown_now()
    assert shown["waiting"] == expected["waiting"]
    assert shown["recent"] == expected["recent"]
    assert shown["tiles"] == expected["tiles"]


def test_a_lobby_left_running_overnight_drops_yesterdays_calls_at_midnight(server, page):
    now = datetime.now(JAKARTA)
    page.clock.install(time=now)
    open_display(page, f"{server.url}/display")
    token = login(server)
    issue(server)
    assert act(server, token, "2", "call-next") == 200
    page.wait_for_function("document.querySelectorAll('#recent li').length === 1", timeout=5_000)
    assert text(page, "#now-number") == "A001"

    midnight = datetime.combine(now.date() + timedelta(days=1), time(), JAKARTA)
    page.clock.set_system_time(midnight + timedelta(seconds=1))

    page.wait_for_function("document.querySelectorAll('#recent li').length === 0", timeout=5_000)
    assert text(page, "#now-number") == "—", "yesterday's A001 -> Loket 2 is not today's call"
    page.evaluate("window.antreDisplay.live.sync()")  # a fresh snapshot from the server keeps it so
    page.wait_for_function("window.antreDisplay.live.syncing === false", timeout=5_000)
    assert page.locator("#recent li").count() == 0
