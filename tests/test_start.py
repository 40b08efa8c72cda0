"""The first run: a start page at / that links every screen, `antre run` printing the same, and a
demo officer whose password is generated at the first start, never written in the repository."""

from __future__ import annotations

import copy
import os
import re
import stat
from datetime import datetime
from zoneinfo import ZoneInfo

from antre.queue_server.app import create_app
from antre.queue_server.config import load_config
from antre.queue_server.hall import hall_of, open_hall

from tests.support import ROOT, SMALL_HALL, antre, wait_until, write_config

JAKARTA = ZoneInfo("Asia/Jakarta")


def test_the_start_page_links_every_kiosk_display_counter_screen_the_console_and_the_api(client):
    page = client.get("/")
    assert page.status_code == 200 and "MPP Uji" in page.text
    links = re.findall(r'<a href="([^"]+)"', page.text)
    assert links == [
        "/kiosk?id=k1",
        "/kiosk",
        "/display",
        "/display/counter/1",
        "/display/counter/2",
        "/display/counter/3",
        "/counter",
        "/admin",
        "/api/v1/openapi.json",
    ]
    for link in links:
        answer = client.get(link.replace("&amp;", "&"))
        assert answer.status_code in (200, 302, 403), (link, answer.status_code)  # 403: the kiosk says how to pair
    assert "kiosk-key k1" in page.text, "it says how a kiosk PC is paired"
    assert "sedang tutup" not in page.text, "a hall without opening hours is never closed"


def test_outside_the_opening_hours_the_start_page_says_why_nothing_is_issued_and_where_to_change_it(tmp_path, clock):
    data = copy.deepcopy(SMALL_HALL)
    data["hall"]["opening_hours"] = "07:30-16:00"
    app = create_app(load_config(write_config(tmp_path, data)), clock)
    clock.now = datetime(2026, 11, 25, 21, 48, tzinfo=JAKARTA)
    page = app.test_client().get("/").text
    hall_of(app).presence.close()
    hall_of(app).printing.stop()
    assert "Aula sedang tutup" in page and "The hall is closed now" in page
    assert "Jam buka 07:30–16:00; sekarang 21:48 WIB" in page
    assert "hall.opening_hours" in page and "config.yaml" in page
    assert str(tmp_path) not in page, "the public page does not show where the server keeps its files"


def test_on_a_holiday_the_start_page_gives_its_reason_and_the_key_that_sets_it(tmp_path, clock):
    data = copy.deepcopy(SMALL_HALL)
    data["hall"]["closed_days"] = [{"date": "2026-11-25", "reason": "Cuti bersama"}]
    app = create_app(load_config(write_config(tmp_path, data)), clock)
    page = app.test_client().get("/").text
    hall_of(app).presence.close()
    hall_of(app).printing.stop()
    assert "Hari ini libur: Cuti bersama." in page and "Today is a closed day: Cuti bersama." in page
    assert "hall.closed_days" in page


def test_the_demo_officer_gets_a_generated_password_kept_beside_the_database_and_shown_at_each_init(tmp_path):
    config = write_config(tmp_path, SMALL_HALL)
    first = antre(config, "init", "--demo-officer")
    again = antre(config, "init", "--demo-officer")
    assert first.returncode == 0 and again.returncode == 0, first.stderr + again.stderr
    line = next(line for line in first.stdout.splitlines() if "demo officer" in line)
    password = line.rsplit("password ", 1)[1]
    assert len(password) >= 12 and password not in (ROOT / "config.yaml").read_text() and password not in (ROOT / "Makefile").read_text()
    assert line in again.stdout, "the same password on the next start"
    hall = open_hall(load_config(config))
    try:
        stored = hall.config.database.with_suffix(".demo-officer")
        assert stat.S_IMODE(os.stat(stored).st_mode) == 0o600, "readable by the server's user only"
        _token, officer = hall.accounts.login("demo", password)
        assert officer["counters"] == ["1", "2", "3"] and officer["role"] == "officer"
    finally:
        hall.store.close()
    assert antre(config, "officer", "disable", "demo").returncode == 0
    after = antre(config, "init", "--demo-officer").stdout
    assert password not in after and "was changed or it was disabled" in after


def test_a_plain_init_makes_no_officer(tmp_path):
    config = write_config(tmp_path, SMALL_HALL)
    assert antre(config, "init").returncode == 0
    assert "no officers yet" in antre(config, "officer", "list").stdout


def test_antre_run_prints_the_start_page_and_every_screen(server):
    wait_until(lambda: "start page" in server.log_path.read_text(), message="the start-up lines")
    printed = server.log_path.read_text().split()
    for path in ("/", "/kiosk?id=k1", "/kiosk", "/display", "/counter", "/admin", "/api/v1/openapi.json", "/display/counter/ID"):
        assert f"{server.url}{path}" in printed, path
