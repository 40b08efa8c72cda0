"""The console's cookie session and CSRF guard, and the counter's day figures, through Flask's test client."""

from __future__ import annotations

import re

import pytest
from antre.queue_server.hall import hall_of

from tests.conftest import PASSWORD


def csrf_from(page: str) -> str:
    match = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert match, "the page carries no CSRF meta tag"
    return match.group(1)


def log_in(client, username: str, password: str = PASSWORD, **extra):
    csrf = csrf_from(client.get("/counter/login").text)
    return client.post("/counter/login", data={"username": username, "password": password, "csrf_token": csrf, **extra})


@pytest.fixture
def siti(client, officers):
    """siti's browser, logged in; returns (client, csrf token of her console page for counter 1)."""
    assert log_in(client, "siti").status_code == 302
    return client, csrf_from(client.get("/counter/1").text)


def counter_ticket(client, counter_id: str):
    counter = next(c for c in client.get("/api/v1/state").get_json()["counters"] if c["id"] == counter_id)
    return counter["ticket"]


# --- log-in -------------------------------------------------------------------------------------
def test_session_cookie_is_httponly_samesite_and_expires(client, officers):
    response = log_in(client, "siti")
    assert response.status_code == 302 and response.headers["Location"] == "/counter"
    cookie = response.headers["Set-Cookie"]
    assert "antre_session=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie


def test_wrong_password_shows_an_error_and_no_session(client, officers):
    response = log_in(client, "siti", "salah-sekali")
    assert response.status_code == 401
    assert "Nama pengguna atau kata sandi salah" in response.text
    assert client.get("/counter").headers["Location"].startswith("/counter/login")
    assert client.post("/api/v1/counters/1/call-next").status_code == 401


def test_empty_form_says_what_is_missing(client, officers):
    response = log_in(client, "", "")
    assert response.status_code == 400 and "Isi nama pengguna dan kata sandi" in response.text


def test_login_form_without_its_csrf_token_is_refused(client, officers):
    client.get("/counter/login")
    response = client.post("/counter/login", data={"username": "siti", "password": PASSWORD})
    assert response.status_code == 400 and "Formulir kedaluwarsa" in response.text
    assert client.get("/counter").status_code == 302


def test_console_login_is_throttled_like_the_api(client, officers):
    for _ in range(5):
        assert log_in(client, "siti", "salah-sekali").status_code == 401
    response = log_in(client, "siti")
    assert response.status_code == 429
    assert "Terlalu banyak percobaan gagal" in response.text and "try again in 1 minute" in response.text
    assert client.post("/api/v1/auth/login", json={"username": "siti", "password": PASSWORD}).status_code == 429


def test_next_may_only_point_inside_the_console(client, officers):
    assert log_in(client, "siti", next="//evil.example/counter").headers["Location"] == "/counter"
    client.post("/counter/logout", data={"csrf_token": csrf_from(client.get("/counter/1").text)})
    assert log_in(client, "siti", next="/counter/2").headers["Location"] == "/counter/2"


# --- choosing a counter -------------------------------------------------------------------------
def test_officer_with_several_counters_chooses_one(client, officers):
    log_in(client, "siti")
    page = client.get("/counter").text
    assert 'href="/counter/1"' in page and 'href="/counter/2"' in page and 'href="/counter/3"' not in page


def test_officer_with_one_counter_goes_straight_to_it(client, officers):
    log_in(client, "budi")
    assert client.get("/counter").headers["Location"] == "/counter/3"


def test_admin_may_open_any_counter(client, officers):
    log_in(client, "admin")
    assert all(f'href="/counter/{c}"' in client.get("/counter").text for c in ("1", "2", "3"))
    assert client.get("/counter/3").status_code == 200


def test_console_of_another_officers_counter_is_refused(client, officers):
    log_in(client, "siti")
    response = client.get("/counter/3")
    assert response.status_code == 403 and "tidak ditugaskan" in response.text
    assert client.get("/counter/9").status_code == 404


def test_console_without_session_sends_to_login(client, officers):
    response = client.get("/counter/1")
    assert response.status_code == 302 and response.headers["Location"] == "/counter/login?next=/counter/1"


# --- the API with the session cookie --------------------------------------------------------------
def test_session_with_csrf_header_acts_on_own_counter(siti):
    client, csrf = siti
    client.post("/api/v1/tickets", json={"service": "A"})
    response = client.post("/api/v1/counters/1/call-next", headers={"X-CSRF-Token": csrf})
    assert response.status_code == 200 and response.get_json()["number"] == "A001"


def test_session_without_csrf_token_is_refused_and_changes_nothing(siti):
    client, _ = siti
    client.post("/api/v1/tickets", json={"service": "A"})
    response = client.post("/api/v1/counters/1/call-next")
    assert response.status_code == 403
    error = response.get_json()["error"]
    assert error["code"] == "csrf_failed" and "X-CSRF-Token" in error["message"]
    assert counter_ticket(client, "1") is None
    assert client.get("/api/v1/state").get_json()["waiting"]["A"] == 1


def test_session_with_wrong_csrf_token_is_refused(siti):
    client, csrf = siti
    response = client.post("/api/v1/counters/1/pause", json={"reason": "istirahat"}, headers={"X-CSRF-Token": csrf[:-2] + "xx"})
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "csrf_failed"
    assert next(c for c in client.get("/api/v1/state").get_json()["counters"] if c["id"] == "1")["status"] == "closed", "nothing changed"


def test_reads_with_the_session_need_no_csrf_token(siti):
    client, _ = siti
    assert client.get("/api/v1/auth/me").get_json()["username"] == "siti"
    assert client.get("/api/v1/counters/1/waiting").status_code == 200
    assert client.get("/api/v1/counters/1/today").status_code == 200


def test_crafted_post_to_another_counter_is_forbidden_and_changes_nothing(siti):
    client, csrf = siti
    client.post("/api/v1/tickets", json={"service": "C"})
    response = client.post("/api/v1/counters/3/call-next", headers={"X-CSRF-Token": csrf})
    assert response.status_code == 403 and "tidak ditugaskan di loket 3" in response.get_json()["error"]["message"]
    assert counter_ticket(client, "3") is None
    assert client.get("/api/v1/state").get_json()["waiting"]["C"] == 1
    assert client.get("/api/v1/counters/3/waiting").status_code == 403


def test_bearer_api_is_unchanged_and_sets_no_cookie(client, officers, auth):
    client.post("/api/v1/tickets", json={"service": "A"})
    response = client.post("/api/v1/counters/1/call-next", headers=auth(officers["siti"]))
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    assert client.post("/api/v1/counters/1/complete").status_code == 401


def test_logout_revokes_the_session_token(siti):
    client, csrf = siti
    cookie = client.get_cookie("antre_session").value
    response = client.post("/counter/logout", data={"csrf_token": csrf})
    assert response.headers["Location"] == "/counter/login?out=1"
    client.set_cookie("antre_session", cookie)
    assert client.get("/api/v1/auth/me").status_code == 401


def test_logout_without_csrf_token_does_not_log_out(siti):
    client, _ = siti
    client.post("/counter/logout")
    assert client.get("/api/v1/auth/me").status_code == 200


def test_session_expires_with_its_token(siti, clock):
    client, _ = siti
    clock.advance(hours=12, minutes=1)
    assert client.get("/api/v1/auth/me").status_code == 401
    assert client.get("/counter/1").headers["Location"].startswith("/counter/login")


def test_disabled_officer_loses_the_console(siti, app):
    client, _ = siti
    hall_of(app).accounts.disable("siti")
    assert client.get("/counter/1").status_code == 302


# --- today's figures ----------------------------------------------------------------------------
def test_today_figures_count_served_and_no_shows_with_averages(client, officers, auth, clock):
    headers = auth(officers["siti"])
    for _ in range(3):
        client.post("/api/v1/tickets", json={"service": "A"})
    clock.advance(minutes=10)
    client.post("/api/v1/counters/1/call-next", headers=headers)  # A001 waited 10 min
    clock.advance(minutes=2)
    client.post("/api/v1/counters/1/start", headers=headers)
    clock.advance(minutes=5)
    client.post("/api/v1/counters/1/complete", headers=headers)  # served in 5 min from arrival
    client.post("/api/v1/counters/1/call-next", headers=headers)  # A002 waited 17 min
    clock.advance(minutes=3)
    client.post("/api/v1/counters/1/call-next", headers=headers)  # A002 done by call-next after 3 min; A003 called
    client.post("/api/v1/counters/1/no-show", headers=headers)
    figures = client.get("/api/v1/counters/1/today", headers=headers).get_json()
    assert figures == {
        "counter": "1",
        "day": "2026-11-25",
        "served": 2,
        "no_shows": 1,
        "avg_service_seconds": 240.0,
        "avg_wait_seconds": 810.0,
    }
    assert client.get("/api/v1/counters/2/today", headers=headers).get_json()["served"] == 0


def test_today_figures_are_empty_at_opening(client, officers, auth):
    figures = client.get("/api/v1/counters/1/today", headers=auth(officers["siti"])).get_json()
    assert figures["served"] == 0 and figures["avg_service_seconds"] is None and figures["avg_wait_seconds"] is None


def test_today_figures_follow_permissions(client, officers, auth):
    assert client.get("/api/v1/counters/3/today", headers=auth(officers["siti"])).status_code == 403
    assert client.get("/api/v1/counters/9/today", headers=auth(officers["admin"])).status_code == 404
    assert client.get("/api/v1/counters/1/today").status_code == 401


def test_today_and_csrf_refusal_match_the_openapi_document(siti):
    from jsonschema import Draft202012Validator

    client, csrf = siti
    document = client.get("/api/v1/openapi.json").get_json()
    responses = document["paths"]["/counters/{counter_id}/today"]["get"]["responses"]
    today = {**responses["200"]["content"]["application/json"]["schema"], "components": document["components"]}
    forbidden = {"$ref": "#/components/schemas/ForbiddenError", "components": document["components"]}
    Draft202012Validator(today).validate(client.get("/api/v1/counters/1/today").get_json())
    Draft202012Validator(forbidden).validate(client.post("/api/v1/counters/1/call-next").get_json())
    Draft202012Validator(forbidden).validate(client.post("/api/v1/counters/3/call-next", headers={"X-CSRF-Token": csrf}).get_json())
