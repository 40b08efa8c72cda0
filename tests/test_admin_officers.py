"""The administration's skeleton and officers area through the app: pages and REST, roles enforced
by the server (403 for officers and for other agencies), a reset's one-time password, bad input."""

from __future__ import annotations

import pytest
from antre.queue_server.app import create_app
from antre.queue_server.config import load_config
from antre.queue_server.hall import hall_of

from tests.conftest import PASSWORD
from tests.support import SMALL_HALL, write_config
from tests.test_session_auth import csrf_from

API = "/api/v1/admin"


@pytest.fixture
def dukcapil(app, officers, auth):
    """The Disdukcapil agency admin's Bearer header (Disdukcapil: counters 1 and 2, siti's)."""
    accounts = hall_of(app).accounts
    accounts.add("dukcapil", PASSWORD, "agency_admin", agency="Disdukcapil")
    return auth(accounts.login("dukcapil", PASSWORD)[0])


def admin_login(client, username: str, password: str = PASSWORD, next: str = ""):
    csrf = csrf_from(client.get("/admin/login").text)
    return client.post("/admin/login", data={"username": username, "password": password, "csrf_token": csrf, "next": next})


def test_the_home_page_says_who_you_are_and_links_the_sections(client, officers):
    assert client.get("/admin").headers["Location"].startswith("/admin/login")
    response = admin_login(client, "admin")
    assert response.headers["Location"] == "/admin"
    home = client.get("/admin")
    assert home.status_code == 200
    assert "admin" in home.text and "Admin gedung" in home.text and "Anda admin gedung" in home.text
    assert 'href="/admin/officers"' in home.text


def test_an_officer_gets_a_readable_403_page_and_403_from_the_api(client, officers, auth):
    admin_login(client, "siti")
    page = client.get("/admin/officers")
    assert page.status_code == 403 and page.mimetype == "text/html"
    assert "hanya untuk admin gedung dan admin instansi" in page.text
    api = client.get(f"{API}/officers", headers=auth(officers["siti"]))
    assert api.status_code == 403 and api.get_json()["error"]["code"] == "forbidden"


def test_an_agency_admin_sees_only_their_agency_and_is_refused_the_rest(client, dukcapil):
    listed = client.get(f"{API}/officers", headers=dukcapil).get_json()
    assert [o["username"] for o in listed] == ["dukcapil", "siti"]
    crafted = [
        client.patch(f"{API}/officers/budi", json={"counters": ["1"]}, headers=dukcapil),
        client.delete(f"{API}/officers/budi", headers=dukcapil),
        client.post(f"{API}/officers/budi/password", headers=dukcapil),
        client.delete(f"{API}/officers/admin/sessions", headers=dukcapil),
        client.post(f"{API}/officers", json={"username": "boss", "role": "admin"}, headers=dukcapil),
        client.post(f"{API}/officers", json={"username": "rina", "counters": ["3"]}, headers=dukcapil),
        client.patch(f"{API}/officers/siti", json={"counters": ["3"]}, headers=dukcapil),
    ]
    assert [r.status_code for r in crafted] == [403] * len(crafted)
    assert all(r.get_json()["error"]["code"] == "forbidden" for r in crafted)
    assert client.patch(f"{API}/officers/siti", json={"counters": ["2"]}, headers=dukcapil).get_json()["counters"] == ["2"]


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"username": "Siti Rahma", "counters": ["1"]}, "username", "nama pengguna"),
        ({"username": "rina", "counters": ["1"], "password": "pendek"}, "password", "paling sedikit 8"),
        ({"username": "rina", "counters": ["9"]}, "counters", "loket '9' tidak dikenal"),
        ({"username": "rina", "role": "agency_admin", "agency": "Samsat"}, "agency", "instansi 'Samsat' tidak dikenal"),
        ({"username": "rina", "role": "agency_admin"}, "agency", "memerlukan instansi"),
        ({"username": "rina", "counters": "1"}, "counters", "daftar id loket"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(client, officers, auth, body, field, words):
    response = client.post(f"{API}/officers", json=body, headers=auth(officers["admin"]))
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["field"] == field and words in error["message"]


def test_the_last_active_hall_admin_cannot_disable_themself(client, officers, auth):
    response = client.delete(f"{API}/officers/admin", headers=auth(officers["admin"]))
    assert response.status_code == 409
    assert "admin gedung aktif terakhir" in response.get_json()["error"]["message"]


def test_the_list_says_where_an_officer_is_signed_in(client, officers, auth):
    assert client.post("/api/v1/counters/1/open", headers=auth(officers["siti"])).status_code == 200
    listed = {o["username"]: o for o in client.get(f"{API}/officers", headers=auth(officers["admin"])).get_json()}
    assert listed["siti"]["signed_in"]["sessions"] == 1
    assert [c["id"] for c in listed["siti"]["signed_in"]["counters"]] == ["1"]
    assert listed["siti"]["signed_in"]["counters"][0]["seen_at"]
    ended = client.delete(f"{API}/officers/siti/sessions", headers=auth(officers["admin"]))
    assert ended.status_code == 200
    listed = {o["username"]: o for o in client.get(f"{API}/officers", headers=auth(officers["admin"])).get_json()}
    assert listed["siti"]["signed_in"] is None
    assert client.get("/api/v1/auth/me", headers=auth(officers["siti"])).status_code == 401


def test_a_one_time_password_leads_the_administration_to_the_change_form_first(app, client, officers, auth):
    one_time = client.post(f"{API}/officers", json={"username": "kepala2", "role": "admin"}, headers=auth(officers["admin"])).get_json()
    admin_login(client, "kepala2", one_time["one_time_password"], next="/admin/officers")
    going = client.get("/admin/officers")
    assert going.status_code == 302 and going.headers["Location"].startswith("/counter/password")
    form = client.get(going.headers["Location"])
    changed = client.post(
        "/counter/password",
        data={
            "csrf_token": csrf_from(form.text),
            "current_password": one_time["one_time_password"],
            "new_password": "sandi-kepala-dua",
            "repeat_password": "sandi-kepala-dua",
            "next": "/admin/officers",
        },
    )
    assert changed.headers["Location"] == "/admin/officers"
    assert client.get("/admin/officers").status_code == 200


def test_the_cookie_session_needs_its_csrf_token_for_changes(client, officers):
    admin_login(client, "admin")
    refused = client.post(f"{API}/officers/siti/password")
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "csrf_failed"
    csrf = csrf_from(client.get("/admin/officers").text)
    assert client.post(f"{API}/officers/siti/password", headers={"X-CSRF-Token": csrf}).status_code == 200


def test_an_officer_on_a_one_time_password_may_only_change_it(client, officers, auth):
    one_time = client.post(f"{API}/officers/siti/password", headers=auth(officers["admin"])).get_json()["one_time_password"]
    token = client.post("/api/v1/auth/login", json={"username": "siti", "password": one_time}).get_json()["token"]
    refused = [
        client.post("/api/v1/counters/1/call-next", headers=auth(token)),
        client.post("/api/v1/tickets", json={"service": "A"}, headers=auth(token)),
        client.get("/api/v1/counters/1/waiting", headers=auth(token)),
    ]
    assert [r.status_code for r in refused] == [403, 403, 403]
    assert {r.get_json()["error"]["code"] for r in refused} == {"password_change_required"}
    assert client.get("/api/v1/auth/me", headers=auth(token)).get_json()["must_change_password"] is True
    changed = client.post(
        "/api/v1/auth/password", json={"current_password": one_time, "new_password": "sandi-baru-siti"}, headers=auth(token)
    )
    assert changed.status_code == 200
    assert client.get("/api/v1/counters/1/waiting", headers=auth(token)).status_code == 200


def test_names_with_markup_are_shown_as_text(tmp_path):
    data = {
        **SMALL_HALL,
        "hall": {**SMALL_HALL["hall"], "name": "<b>MPP</b>"},
        "agencies": [{"name": "<script>Dinas</script>"}, {"name": "Kantor Imigrasi"}],
    }
    data["services"] = [
        {**s, "agency": "<script>Dinas</script>" if s["agency"] == "Disdukcapil" else s["agency"]} for s in SMALL_HALL["services"]
    ]
    app = create_app(load_config(write_config(tmp_path, data)))
    hall = hall_of(app)
    try:
        hall.accounts.add("admin", PASSWORD, "admin")
        hall.accounts.add("dinas", PASSWORD, "agency_admin", agency="<script>Dinas</script>")
        client = app.test_client()
        admin_login(client, "dinas")
        for path in ("/admin", "/admin/officers"):
            page = client.get(path).text
            assert "<script>Dinas" not in page and "&lt;script&gt;Dinas&lt;/script&gt;" in page, path
            assert "<b>MPP" not in page and "&lt;b&gt;MPP&lt;/b&gt;" in page, path
    finally:
        hall.presence.close()
        hall.announcer.close()
        hall.printing.stop()
        hall.store.close()
