"""The pages of the hall's calendar, settings, lobby content and audit trail through the app: who
gets which page (the hall's own settings are the hall admin's; an agency admin's calendar holds
their agency only), and the navigation that matches."""

from __future__ import annotations

import pytest
from antre.queue_server.hall import hall_of

from tests.conftest import PASSWORD
from tests.test_admin_officers import admin_login

HALL_PAGES = ("/admin/settings", "/admin/lobby")
SHARED_PAGES = ("/admin/calendar", "/admin/audit")


@pytest.fixture
def dukcapil(app, officers):
    hall_of(app).accounts.add("dukcapil", PASSWORD, "agency_admin", agency="Disdukcapil")


def test_a_hall_admin_gets_every_page_and_the_navigation_links_them(client, officers):
    admin_login(client, "admin")
    for path in (*HALL_PAGES, *SHARED_PAGES):
        page = client.get(path)
        assert page.status_code == 200, path
        assert page.headers["Cache-Control"] == "no-store"
        for linked in (*HALL_PAGES, *SHARED_PAGES):
            assert f'href="{linked}"' in page.text
    calendar = client.get("/admin/calendar").text
    assert 'id="hall-calendar"' in calendar and "Kantor Imigrasi" in calendar


def test_an_agency_admin_gets_403_on_the_halls_pages_and_their_agency_on_the_calendar(client, dukcapil):
    admin_login(client, "dukcapil")
    for path in HALL_PAGES:
        page = client.get(path)
        assert page.status_code == 403 and "hanya untuk admin gedung" in page.text, path
    calendar = client.get("/admin/calendar")
    assert calendar.status_code == 200
    assert 'id="hall-calendar"' not in calendar.text
    assert '<option value="Disdukcapil">' in calendar.text and "Kantor Imigrasi" not in calendar.text
    assert 'href="/admin/settings"' not in calendar.text and 'href="/admin/lobby"' not in calendar.text
    assert client.get("/admin/audit").status_code == 200


def test_an_officer_gets_403_on_every_page(client, officers):
    admin_login(client, "siti")
    for path in (*HALL_PAGES, *SHARED_PAGES):
        assert client.get(path).status_code == 403, path
