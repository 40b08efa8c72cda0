"""The lobby display plays announcements in order, one at a time, and never replays old calls.

Headless Chromium with autoplay allowed (the flag a dedicated display uses). The page's media
elements are watched through their play/ended events, captured on the document.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest

from tests.conftest import PASSWORD
from tests.support import SMALL_HALL, http, launch_chromium, wait_until, write_config

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which("espeak-ng") is None or not Path("/usr/bin/chromium").exists(), reason="needs espeak-ng and chromium"),
]

PLAY_DEADLINE = 30.0
WATCH_MEDIA = """
window.__media = [];
for (const kind of ["play", "ended"]) {
  document.addEventListener(kind, (e) => window.__media.push({kind, event: Number(e.target.dataset.event), src: e.target.src}), true);
}
"""


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    """A hall that speaks briefly and fast, so three calls play in a few seconds."""
    data = copy.deepcopy(SMALL_HALL)
    data["announcements"] = {"template": "{number} {counter}", "rate": 320}
    return write_config(tmp_path, data)


@pytest.fixture(scope="module")
def browser(playwright):
    """A Chromium of its own, set as on a dedicated display: sound may play without a tap."""
    browser = launch_chromium(playwright, "--autoplay-policy=no-user-gesture-required")
    yield browser
    browser.close()


def media(page) -> list[dict]:
    return page.evaluate("window.__media")


def ended(page, count: int) -> list[dict]:
    try:
        return wait_until(
            lambda: (m := media(page)) and sum(e["kind"] == "ended" for e in m) >= count and m, PLAY_DEADLINE, 0.1, f"{count} ended"
        )
    except AssertionError as timeout:
        raise AssertionError(f"{timeout}; heard {media(page)}, announcer {page.evaluate('window.antreAnnouncer.status()')}") from None


def open_lobby(browser, url: str):
    page = browser.new_page()
    page.add_init_script(WATCH_MEDIA)
    page.goto(f"{url}/display")
    announcer_ready(page)
    return page


def announcer_ready(page) -> None:
    """announcer.js is loaded and knows the hall's seq (so what came before is not played), and the
    lobby is on the live channel. A call made before it connects arrives in the snapshot sent on
    connect, not as a call, and is rightly not played."""
    page.locator("body[data-live=connected]").wait_for(state="attached", timeout=10_000)
    page.evaluate(
        "async () => { while (!window.antreAnnouncer) await new Promise((r) => setTimeout(r, 20)); await window.antreAnnouncer.ready; }"
    )


def test_calls_play_in_order_one_at_a_time_a_reload_replays_nothing_and_a_recall_plays_again(server, browser):
    token = http("POST", f"{server.url}/api/v1/auth/login", {"username": "admin", "password": PASSWORD})[1]["token"]
    page = open_lobby(browser, server.url)
    try:
        for _ in range(3):
            http("POST", f"{server.url}/api/v1/tickets", {"service": "A"})
        calls = [http("POST", f"{server.url}/api/v1/counters/{counter}/call-next", token=token) for counter in ("1", "2", "1")]
        assert [status for status, _ in calls] == [200, 200, 200]

        played = ended(page, 3)
        kinds = [m["kind"] for m in played]
        assert kinds == ["play", "ended"] * 3, f"two announcements overlapped: {played}"
        events = [m["event"] for m in played[::2]]
        assert events == sorted(events) and len(set(events)) == 3, "not played in the order called"
        assert not page.locator(".antre-unmute").is_visible()

        page.reload()
        announcer_ready(page)
        assert http("POST", f"{server.url}/api/v1/counters/1/recall", token=token)[0] == 200
        after = ended(page, 1)
        assert [m["kind"] for m in after] == ["play", "ended"], f"a call made before the reload was played: {after}"
        assert after[0]["event"] > events[-1], "the first sound after a reload must be the new recall"
        assert after[0]["src"] == played[4]["src"], "a recall speaks the same announcement again"
    finally:
        page.close()
