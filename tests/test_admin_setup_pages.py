"""The setup's list pages (admin/setup_views.py) through the app: who gets which page, the sections
each role is shown, and the pages' field specs naming only keys the config's schema accepts (so
every input saves to a real setup key). What the pages do is tests/test_admin_setup_browser.py's."""

from __future__ import annotations

import json
import re

import pytest
from antre.admin.setup_api import SCHEMAS
from antre.admin.setup_views import PAGES
from antre.queue_server.hall import hall_of

from tests.conftest import PASSWORD
from tests.test_admin_officers import admin_login

LISTS = ("/admin/services", "/admin/counters", "/admin/agencies", "/admin/screens")


def specs_of(page: str) -> list[dict]:
    return json.loads(re.search(r'<script type="application/json" id="collection-specs">(.*?)</script>', page, re.S).group(1))


@pytest.mark.parametrize("name", PAGES)
def test_every_field_of_the_pages_is_a_key_of_its_schema(name):
    for spec in PAGES[name]:
        schema = SCHEMAS[spec["kind"]]
        assert {f["name"] for f in spec["fields"]} <= set(schema), spec["kind"]
        assert set(spec["columns"]) <= set(schema), spec["kind"]
        required = {key for key, (_, needed) in schema.items() if needed}
        assert required <= {f["name"] for f in spec["fields"] if f.get("required")}, spec["kind"]


def test_a_hall_admin_gets_every_list_page_with_its_lists(client, officers):
    admin_login(client, "admin")
    home = client.get("/admin").text
    for path in LISTS:
        assert f'href="{path}"' in home
        page = client.get(path)
        assert page.status_code == 200, path
        assert "collection.js" in page.text
    assert [s["kind"] for s in specs_of(client.get("/admin/screens").text)] == ["kiosks", "displays"]


def test_an_agency_admin_gets_services_and_counters_but_a_403_page_for_the_halls_own(client, officers):
    hall_of(client.application).accounts.add("dukcapil", PASSWORD, "agency_admin", agency="Disdukcapil")
    admin_login(client, "dukcapil")
    home = client.get("/admin").text
    assert 'href="/admin/services"' in home and 'href="/admin/counters"' in home
    assert 'href="/admin/agencies"' not in home and 'href="/admin/screens"' not in home
    assert client.get("/admin/services").status_code == 200
    for path in ("/admin/agencies", "/admin/screens"):
        refused = client.get(path)
        assert refused.status_code == 403 and "hanya untuk admin gedung" in refused.text, path


def test_an_officer_gets_the_403_page_for_every_list(client, officers):
    admin_login(client, "siti")
    for path in LISTS:
        assert client.get(path).status_code == 403, path


def test_the_pages_ask_for_a_log_in_first(client):
    for path in LISTS:
        assert client.get(path).headers["Location"].startswith("/admin/login"), path
