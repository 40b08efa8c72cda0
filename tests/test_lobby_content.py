"""Lobby content and agency branding on the real-size hall (examples/mpp-besar.yaml) in headless
Chromium: a notice with an uploaded picture shows in the lobby's counters area and everything still
fits at 1920×1080; the agencies' colours and logos show on the lobby's headings and on the kiosk's
tiles at the three kiosk shapes, without breaking their layout.

One server for the module: the uploads are made in the hall's database before it starts, and the
config names them (the setup's agencies[].logo and hall.notices)."""

from __future__ import annotations

import io
from typing import Any

import pytest
import yaml
from antre.queue_server import media
from antre.queue_server.config import load_config
from antre.queue_server.hall import open_hall
from PIL import Image

from tests.support import ServerProcess, axe_violations, kiosk_page, tv_page, write_config, write_real_size_config
from tests.test_display_real_size import OVERFLOWS
from tests.test_kiosk_real_size import SCREENS, assert_laid_out
from tests.test_media import WEBM

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DUKCAPIL = "Dinas Kependudukan dan Pencatatan Sipil Kota Besar"
DUKCAPIL_BLUE = "rgb(31, 111, 178)"  # its colour in the example hall, #1F6FB2
NOTICE = "Bawa KTP-el asli dan fotokopi Kartu Keluarga untuk setiap layanan kependudukan"


def png(size: tuple[int, int], colour: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def hall(tmp_path_factory) -> dict[str, Any]:
    """The example hall with a logo for Disdukcapil and three notices: a picture with words, words alone, a video."""
    folder = tmp_path_factory.mktemp("lobby-content")
    config_path = write_real_size_config(folder)
    prepared = open_hall(load_config(config_path))
    try:
        logo = media.save(prepared, png((96, 64), "#1F6FB2"), "dukcapil.png", None)
        poster = media.save(prepared, png((1280, 720), "#E0A100"), "poster.png", None)
        clip = media.save(prepared, WEBM, "iklan.webm", None)
    finally:
        prepared.store.close()
    data = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    next(a for a in data["agencies"] if a["name"] == DUKCAPIL)["logo"] = logo["id"]
    data["hall"]["notices"] = [
        {"text": NOTICE, "media": poster["id"]},
        {"text": "Samsat tutup pukul 14.00", "seconds": 5},
        {"media": clip["id"], "seconds": 15},
    ]
    write_config(folder, data)
    server = ServerProcess(config_path).start()
    yield {"server": server, "logo": logo, "poster": poster, "clip": clip}
    server.kill()


def open_lobby(page, url: str) -> None:
    """The lobby with its rotation slowed right down: the test decides what the counters' area shows."""
    page.goto(f"{url}/display?rotate=600")
    page.wait_for_function("window.antreDisplay && window.antreDisplay.live.base !== null", timeout=10_000)


def test_a_notice_with_an_uploaded_picture_shows_in_the_lobby_and_the_layout_still_fits(hall, browser):
    with tv_page(browser) as page:
        open_lobby(page, hall["server"].url)
        assert page.locator("#notices").is_hidden()
        page.evaluate("window.antreDisplay.notices.show()")
        picture = page.locator("#notices img")
        page.wait_for_function(
            "(() => { const i = document.querySelector('#notices img'); return i && i.complete && i.naturalWidth > 0; })()"
        )
        assert picture.get_attribute("src") == hall["poster"]["url"]
        assert page.locator("#notices .notice-text").text_content() == NOTICE
        area = page.locator("#notices").bounding_box()
        shown = picture.bounding_box()
        assert area["width"] > 1000 and shown["height"] > 300, (area, shown)
        assert page.evaluate(OVERFLOWS) == []
        assert axe_violations(page) == []
        page.screenshot(path=str(hall["server"].config.parent / "lobby-notice.png"))

        page.evaluate("window.antreDisplay.notices.show()")
        assert page.locator("#notices .notice-text").text_content() == "Samsat tutup pukul 14.00"
        assert page.locator("#notices img").count() == 0
        assert page.evaluate(OVERFLOWS) == []

        page.evaluate("window.antreDisplay.notices.show()")
        video = page.locator("#notices video").evaluate("(v) => [v.muted, v.loop, v.playsInline, v.autoplay, new URL(v.src).pathname]")
        assert video == [True, True, True, True, hall["clip"]["url"]], "muted, looped, inline, from this server"
        assert page.locator("#notices .notice-text").count() == 0
        page.evaluate("window.antreDisplay.notices.hide()")
        assert page.locator("#notices").is_hidden()


def test_the_lobby_headings_show_the_agency_colour_and_logo_and_every_page_still_fits(hall, browser):
    with tv_page(browser) as page:
        open_lobby(page, hall["server"].url)
        heading = page.locator(f'.group[data-agency="{DUKCAPIL}"] .group-name').first
        assert heading.evaluate("(node) => getComputedStyle(node).borderBottomColor") == DUKCAPIL_BLUE
        logo = heading.locator("img.agency-logo")
        assert logo.get_attribute("alt") == "" and logo.get_attribute("src") == hall["logo"]["url"]
        page.wait_for_function("[...document.querySelectorAll('img.agency-logo')].every((i) => i.complete && i.naturalWidth > 0)")
        for index in range(page.evaluate("window.antreDisplay.counterPages.pages.length")):
            page.evaluate(f"window.antreDisplay.counterPages.show({index})")
            assert page.evaluate(OVERFLOWS) == [], f"page {index + 1}"


@pytest.mark.parametrize("shape", SCREENS)
def test_kiosk_agency_tiles_show_the_colour_as_a_stripe_and_the_logo(hall, browser, shape):
    width, height = SCREENS[shape]
    with kiosk_page(browser, hall["server"].url, {"width": width, "height": height}) as page:
        tile = page.locator("#start-tiles .tile", has_text="Disdukcapil").first
        stripe = tile.evaluate("(node) => { const s = getComputedStyle(node); return [s.borderLeftColor, s.backgroundColor]; }")
        assert stripe[0] == DUKCAPIL_BLUE and stripe[1] != DUKCAPIL_BLUE, "the colour is a stripe, the text stays on the card"
        logo = tile.locator("img.agency-logo")
        assert logo.get_attribute("alt") == ""
        page.wait_for_function(
            "(() => { const i = document.querySelector('#start-tiles img.agency-logo'); return i.complete && i.naturalWidth > 0; })()"
        )
        assert_laid_out(page, shape)
        page.screenshot(path=str(hall["server"].config.parent / f"kiosk-{shape}.png"))
