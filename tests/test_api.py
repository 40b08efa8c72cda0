"""The REST API of docs/CONTRACT.md through Flask's test client: what a kiosk, a display and an officer see."""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime

import pytest
import yaml
from antre.queue_server.app import create_app
from antre.queue_server.hall import hall_of

from tests.conftest import PASSWORD
from tests.support import ROOT, SMALL_HALL, write_config

API = "/api/v1"
COUNTER_ACTIONS = ["call-next", "recall", "start", "complete", "no-show", "transfer", "call", "pause", "resume"]


# --- helpers ------------------------------------------------------------------------------------
@pytest.fixture
def client(app):
    """A client that asks for English (Accept-Language), the language of the messages checked below;
    without the header the answers speak the hall's language (test_errors_speak_the_language_asked_for)."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_errors_speak_the_language_asked_for(app):
    client = app.test_client()
    body = {"service": "Z"}
    assert client.post(f"{API}/tickets", json=body).get_json()["error"]["message"] == "layanan 'Z' tidak dikenal"
    english = client.post(f"{API}/tickets", json=body, headers={"Accept-Language": "en-GB,en;q=0.9,id;q=0.5"}).get_json()["error"]
    assert english == {"code": "invalid", "message": "unknown service 'Z'", "field": "service"}
    unknown = client.post(f"{API}/tickets", json=body, headers={"Accept-Language": "fr"}).get_json()["error"]
    assert unknown["message"] == "layanan 'Z' tidak dikenal"


def assert_error(response, status: int, code: str, field: str | None = None) -> dict:
    """A JSON error of the contract's shape (never HTML), with this status, code and blamed field."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json", f"error answered as {response.mimetype}"
    assert "<html" not in response.get_data(as_text=True).lower()
    body = response.get_json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) <= {"code", "message", "field"}, error
    assert error["code"] == code, error
    assert isinstance(error["message"], str) and error["message"], error
    assert error.get("field") == field, error
    return error


def issue(client, **body) -> dict:
    response = client.post(f"{API}/tickets", json={"service": "A", **body})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def act(client, token: str, counter: str, action: str, body: dict | None = None):
    return client.post(f"{API}/counters/{counter}/{action}", json=body, headers={"Authorization": f"Bearer {token}"})


def state(client) -> dict:
    response = client.get(f"{API}/state")
    assert response.status_code == 200
    return response.get_json()


def login(client, username: str, password: str = PASSWORD):
    return client.post(f"{API}/auth/login", json={"username": username, "password": password})


# --- public: services, tickets, state -----------------------------------------------------------
def test_services_lists_every_service_with_its_waiting_count_and_open_counters(client, officers):
    issue(client)
    issue(client)
    issue(client, service="C")
    services = client.get(f"{API}/services").get_json()
    assert [s["code"] for s in services] == ["A", "B", "C"]
    by_code = {s["code"]: s for s in services}
    assert by_code["A"] == {**by_code["A"], "name": "KTP Elektronik", "agency": "Disdukcapil", "waiting": 2, "counters_open": 0}
    assert by_code["A"]["unavailable"] is None, "before officers sign in, a counter expected today keeps its services on offer"
    for counter in ("1", "2"):
        assert act(client, officers["siti"], counter, "open").get_json()["status"] == "open"
    by_code = {s["code"]: s for s in client.get(f"{API}/services").get_json()}
    assert (by_code["A"]["waiting"], by_code["A"]["counters_open"]) == (2, 2)
    assert (by_code["B"]["waiting"], by_code["B"]["counters_open"]) == (0, 1)
    assert (by_code["C"]["waiting"], by_code["C"]["counters_open"]) == (1, 0), "nobody signed in at counter 3"


def test_a_kiosk_tile_shows_the_wait_the_next_ticket_is_given(client):
    for service in ("A", "B", "A", "B", "A"):
        issue(client, service=service)
    issue(client, priority="lansia")

    for code in "ABC":
        tile = next(s for s in client.get("/kiosk/services.json").get_json()["services"] if s["code"] == code)
        assert tile["eta_minutes"] == issue(client, service=code)["eta_minutes"], code
        assert (tile["eta_minutes"] > 0) == (code != "C"), "only Paspor has nobody waiting"


def test_issuing_a_ticket_returns_201_with_every_field_the_contract_names(client):
    response = client.post(f"{API}/tickets", json={"service": "A"})
    assert response.status_code == 201
    ticket = response.get_json()
    for field in ("id", "number", "service", "status", "priority", "issued_at", "waiting_ahead", "eta_minutes", "track_url"):
        assert field in ticket, field
    assert ticket["number"] == "A001"
    assert ticket["service"] == "A"
    assert ticket["status"] == "waiting"
    assert ticket["priority"] is None
    assert ticket["waiting_ahead"] == 0
    assert ticket["eta_minutes"] == 0
    assert ticket["counter"] is None
    assert datetime.fromisoformat(ticket["issued_at"]).utcoffset().total_seconds() == 0
    assert ticket["track_url"].endswith(f"/t/{ticket['id']}")
    assert ticket["track_url"].startswith("http://localhost")


def test_numbers_look_like_a001_and_count_up_per_service(client):
    numbers = [issue(client, service=code)["number"] for code in ("A", "A", "B", "A", "C", "B")]
    assert numbers == ["A001", "A002", "B001", "A003", "C001", "B002"]
    assert all(re.fullmatch(r"[A-Z]{1,2}\d{3,}", n) for n in numbers)


def test_a_later_ticket_sees_the_people_ahead_and_an_estimated_wait(client):
    issue(client)
    issue(client)
    third = issue(client)
    assert third["waiting_ahead"] == 2
    assert third["eta_minutes"] == 6  # two people × 6 minutes, shared by the 2 open counters of service A


@pytest.mark.parametrize(
    ("sent", "returned"),
    [
        (True, True),
        ("lansia", "lansia"),
        ("disabilitas", "disabilitas"),
        ("ibu_hamil", "ibu_hamil"),
        ("anak", "anak"),
        ("korban_bencana", "korban_bencana"),
        (None, None),
        (False, None),
    ],
)
def test_priority_comes_back_as_true_the_category_or_null(client, sent, returned):
    assert issue(client, priority=sent)["priority"] == returned


def test_an_omitted_priority_means_a_normal_ticket(client):
    assert client.post(f"{API}/tickets", json={"service": "B"}).get_json()["priority"] is None


def test_a_ticket_may_name_its_kiosk_and_language(client, kiosk_k1):
    response = client.post(f"{API}/tickets", json={"service": "A", "kiosk": "k1", "lang": "en"}, headers=kiosk_k1)
    assert response.status_code == 201 and response.get_json()["number"] == "A001"


def test_track_url_uses_the_configured_public_url(tmp_path, clock):
    app = create_app(write_config(tmp_path, {**SMALL_HALL, "public_url": "http://192.168.1.10:5000"}), clock)
    try:
        ticket = app.test_client().post(f"{API}/tickets", json={"service": "A"}).get_json()
        assert ticket["track_url"] == f"http://192.168.1.10:5000/t/{ticket['id']}"
    finally:
        hall_of(app).store.close()


def test_a_ticket_reads_back_with_its_current_status_and_counter(client, officers):
    ticket = issue(client)
    assert client.get(f"{API}/tickets/{ticket['id']}").get_json() == ticket
    act(client, officers["siti"], "2", "call-next")
    now = client.get(f"{API}/tickets/{ticket['id']}").get_json()
    assert now["status"] == "called"
    assert now["counter"] == {"id": "2", "name": "Loket 2"}
    assert now["number"] == ticket["number"]
    assert now["track_url"] == ticket["track_url"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"service": "Z"}, "service"),
        ({"service": "a"}, "service"),
        ({"service": ["A"]}, "service"),
        ({"service": None}, "service"),
        ({}, "service"),
        ({"priority": "lansia"}, "service"),
        ({"service": "A", "priority": "vip"}, "priority"),
        ({"service": "A", "priority": 1}, "priority"),
        ({"service": "A", "priority": ["lansia"]}, "priority"),
        ({"service": "A", "lang": "fr"}, "lang"),
        ({"service": "A", "lang": ""}, "lang"),
        ({"service": "A", "lang": ["id"]}, "lang"),
        ({"service": "A", "kiosk": "k9"}, "kiosk"),
        ({"service": "A", "kiosk": ["k1"]}, "kiosk"),
        ({"service": "A", "kiosk": 1}, "kiosk"),
    ],
)
def test_a_bad_ticket_request_is_refused_with_400_naming_the_field_and_issues_nothing(client, body, field):
    before = state(client)
    assert_error(client.post(f"{API}/tickets", json=body), 400, "invalid", field)
    assert state(client) == before
    assert issue(client)["number"] == "A001"


@pytest.mark.parametrize("raw", ["service=A", "{not json", "[]", '[{"service": "A"}]', "null", "42", '"A"', b"\xff\xfe"])
def test_a_body_that_is_not_a_json_object_is_refused_naming_the_body(client, raw):
    error = assert_error(client.post(f"{API}/tickets", data=raw, content_type="application/json"), 400, "invalid", "body")
    assert "JSON object" in error["message"]
    assert state(client)["waiting"]["A"] == 0


def test_an_unknown_ticket_is_404(client):
    assert_error(client.get(f"{API}/tickets/no-such-ticket"), 404, "not_found", "ticket_id")


def test_a_visitor_can_cancel_a_waiting_ticket_once(client):
    ticket = issue(client)
    response = client.post(f"{API}/tickets/{ticket['id']}/cancel")
    assert response.status_code == 200
    assert response.get_json()["status"] == "cancelled"
    assert state(client)["waiting"]["A"] == 0
    error = assert_error(client.post(f"{API}/tickets/{ticket['id']}/cancel"), 409, "conflict")
    assert ticket["number"] in error["message"]
    assert_error(client.post(f"{API}/tickets/no-such-ticket/cancel"), 404, "not_found", "ticket_id")


def test_state_shows_counters_recent_calls_and_waiting_counts(client, officers):
    empty = state(client)
    assert [c["id"] for c in empty["counters"]] == ["1", "2", "3"]
    assert all(c["status"] == "closed" and c["ticket"] is None for c in empty["counters"]), "nobody is signed in yet"
    assert empty["waiting"] == {"A": 0, "B": 0, "C": 0}
    assert empty["recent_calls"] == []
    first, _second = issue(client), issue(client)
    act(client, officers["siti"], "1", "call-next")
    now = state(client)
    assert now["seq"] > empty["seq"]
    assert now["waiting"] == {"A": 1, "B": 0, "C": 0}
    counter = now["counters"][0]
    assert (counter["id"], counter["name"], counter["status"]) == ("1", "Loket 1", "open")
    assert counter["ticket"]["number"] == first["number"]
    assert now["recent_calls"][0]["ticket"]["number"] == "A001"
    assert now["recent_calls"][0]["counter"] == {"id": "1", "name": "Loket 1"}
    assert now["recent_calls"][0]["recall"] is False


def test_a_called_ticket_cannot_be_cancelled_by_whoever_learnt_its_id(client, officers):
    ticket = issue(client)
    act(client, officers["siti"], "2", "call-next")

    error = assert_error(client.post(f"{API}/tickets/{ticket['id']}/cancel"), 409, "conflict")

    assert error["message"] == "ticket A001 has been called to Loket 2 and can no longer be cancelled: the officer there finishes it"
    assert client.get(f"{API}/tickets/{ticket['id']}").get_json()["status"] == "called"
    assert state(client)["counters"][1]["ticket"]["number"] == "A001", "the officer's counter is not cleared"


def test_the_public_state_names_no_ticket_id_and_an_officers_state_does(client, officers):
    called, waiting = issue(client), issue(client)
    act(client, officers["siti"], "1", "call-next")

    public = client.get(f"{API}/state")
    assert called["id"] not in public.get_data(as_text=True) and waiting["id"] not in public.get_data(as_text=True)
    body = public.get_json()
    assert body["counters"][0]["ticket"]["number"] == "A001" and body["counters"][0]["ticket"]["id"] is None
    assert body["recent_calls"][0]["ticket"] == {"id": None, "number": "A001", "service": "A", "agency": "Disdukcapil"}

    staff = client.get(f"{API}/state", headers={"Authorization": f"Bearer {officers['siti']}"}).get_json()
    assert staff["counters"][0]["ticket"]["id"] == called["id"], "the console reprints the current ticket by its id"
    assert staff["recent_calls"][0]["ticket"]["id"] == called["id"]


# --- officers: log-in, tokens, throttling -------------------------------------------------------
def test_login_returns_a_token_that_identifies_the_officer(client, officers):
    response = login(client, "siti")
    assert response.status_code == 200
    body = response.get_json()
    assert body["officer"] == {
        "id": body["officer"]["id"],
        "username": "siti",
        "role": "officer",
        "counters": ["1", "2"],
        "agency": None,
        "active": True,
        "must_change_password": False,
    }
    me = client.get(f"{API}/auth/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.get_json()["username"] == "siti"


def test_a_wrong_password_is_401_without_saying_which_part_was_wrong(client, officers):
    wrong_password = assert_error(login(client, "siti", "salah-sandi-123"), 401, "unauthorized")
    unknown_user = assert_error(login(client, "nobody", PASSWORD), 401, "unauthorized")
    assert wrong_password["message"] == unknown_user["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [({"password": PASSWORD}, "username"), ({"username": "siti"}, "password"), ({"username": "siti", "password": 12345678}, "password")],
)
def test_login_needs_a_username_and_a_password(client, officers, body, field):
    assert_error(client.post(f"{API}/auth/login", json=body), 400, "invalid", field)


@pytest.mark.parametrize("action", COUNTER_ACTIONS)
def test_a_counter_action_without_a_token_is_401_and_says_how_to_log_in(client, action):
    issue(client)
    response = client.post(f"{API}/counters/1/{action}", json={})
    error = assert_error(response, 401, "unauthorized")
    assert "/auth/login" in error["message"]
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert state(client)["waiting"]["A"] == 1


@pytest.mark.parametrize("header", ["Bearer not-a-real-token", "Bearer ", "Basic c2l0aTpyYWhhc2lh", "bearer"])
def test_a_bad_token_is_401(client, officers, header):
    assert_error(client.post(f"{API}/counters/1/call-next", headers={"Authorization": header}), 401, "unauthorized")


def test_a_token_stops_working_when_it_expires(client, officers, clock, hall_config):
    clock.advance(hours=hall_config.token_hours - 0.1)
    assert client.get(f"{API}/auth/me", headers={"Authorization": f"Bearer {officers['siti']}"}).status_code == 200
    clock.advance(hours=0.2)
    assert_error(client.get(f"{API}/auth/me", headers={"Authorization": f"Bearer {officers['siti']}"}), 401, "unauthorized")
    issue(client)
    assert_error(act(client, officers["siti"], "1", "call-next"), 401, "unauthorized")


def test_a_logged_out_token_stops_working(client, officers):
    token = officers["siti"]
    assert client.post(f"{API}/auth/logout", headers={"Authorization": f"Bearer {token}"}).status_code == 204
    assert_error(act(client, token, "1", "call-next"), 401, "unauthorized")
    assert_error(client.post(f"{API}/auth/logout", headers={"Authorization": f"Bearer {token}"}), 401, "unauthorized")
    assert act(client, officers["admin"], "1", "call-next").status_code == 204, "other sessions go on"


def test_a_disabled_officer_is_logged_out_and_cannot_log_in(app, client, officers):
    hall_of(app).accounts.disable("siti")
    assert_error(act(client, officers["siti"], "1", "call-next"), 401, "unauthorized")
    assert_error(login(client, "siti"), 401, "unauthorized")


def test_passwords_and_tokens_are_stored_only_as_hashes(client, officers, hall_config):
    token = login(client, "budi").get_json()["token"]
    with sqlite3.connect(hall_config.database) as db:
        hashes = [row[0] for row in db.execute("SELECT password_hash FROM officers")]
        token_hashes = [row[0] for row in db.execute("SELECT token_hash FROM tokens")]
    assert len(hashes) == 3
    assert all(h.startswith(("scrypt:", "pbkdf2:")) and PASSWORD not in h for h in hashes)
    assert len(token_hashes) == 4
    assert token not in token_hashes and officers["siti"] not in token_hashes
    files = [hall_config.database, hall_config.database.with_name(hall_config.database.name + "-wal")]
    raw = b"".join(path.read_bytes() for path in files if path.exists())
    for secret in (PASSWORD, token, *officers.values()):
        assert secret.encode() not in raw, "a password or token is in the database file in plain text"


# --- counter actions ----------------------------------------------------------------------------
def test_call_next_calls_the_ticket_waiting_longest_and_names_the_counter(client, officers):
    first, second = issue(client), issue(client)
    response = act(client, officers["siti"], "1", "call-next")
    assert response.status_code == 200
    called = response.get_json()
    assert (called["id"], called["number"], called["status"]) == (first["id"], "A001", "called")
    assert called["counter"] == {"id": "1", "name": "Loket 1"}
    assert called["call_count"] == 1
    assert called["track_url"].endswith(f"/t/{first['id']}")
    assert client.get(f"{API}/tickets/{second['id']}").get_json()["waiting_ahead"] == 0


def test_call_next_with_nothing_waiting_is_204_with_an_empty_body(client, officers):
    response = act(client, officers["siti"], "1", "call-next")
    assert response.status_code == 204
    assert response.get_data() == b""


def test_call_next_finishes_the_current_ticket_as_done(client, officers):
    first, second = issue(client), issue(client)
    act(client, officers["siti"], "1", "call-next")
    assert act(client, officers["siti"], "1", "call-next").get_json()["id"] == second["id"]
    assert client.get(f"{API}/tickets/{first['id']}").get_json()["status"] == "done"
    assert act(client, officers["siti"], "1", "call-next").status_code == 204
    assert client.get(f"{API}/tickets/{second['id']}").get_json()["status"] == "done"
    assert state(client)["counters"][0]["ticket"] is None


def test_priority_tickets_are_called_first(client, officers):
    issue(client)
    elder = issue(client, priority="lansia")
    assert act(client, officers["siti"], "1", "call-next").get_json()["id"] == elder["id"]


def test_recall_calls_the_same_ticket_again(client, officers):
    ticket = issue(client)
    act(client, officers["siti"], "1", "call-next")
    response = act(client, officers["siti"], "1", "recall")
    assert response.status_code == 200
    assert (response.get_json()["id"], response.get_json()["call_count"]) == (ticket["id"], 2)
    assert state(client)["recent_calls"][0]["recall"] is True


def test_recall_with_nothing_called_is_409(client, officers):
    error = assert_error(act(client, officers["siti"], "1", "recall"), 409, "conflict")
    assert "Loket 1" in error["message"]


def test_start_then_complete_serves_a_visitor(client, officers):
    ticket = issue(client)
    act(client, officers["siti"], "1", "call-next")
    assert act(client, officers["siti"], "1", "start").get_json()["status"] == "serving"
    assert_error(act(client, officers["siti"], "1", "start"), 409, "conflict")
    assert_error(act(client, officers["siti"], "1", "no-show"), 409, "conflict")
    done = act(client, officers["siti"], "1", "complete").get_json()
    assert (done["id"], done["status"]) == (ticket["id"], "done")
    assert_error(act(client, officers["siti"], "1", "complete"), 409, "conflict")


def test_no_show_closes_a_called_ticket(client, officers):
    ticket = issue(client)
    act(client, officers["siti"], "2", "call-next")
    response = act(client, officers["siti"], "2", "no-show")
    assert (response.status_code, response.get_json()["status"]) == (200, "no_show")
    assert client.get(f"{API}/tickets/{ticket['id']}").get_json()["status"] == "no_show"
    assert_error(act(client, officers["siti"], "2", "no-show"), 409, "conflict")


def test_transfer_sends_the_visitor_to_another_service_keeping_the_number(client, officers):
    ticket = issue(client)
    act(client, officers["siti"], "1", "call-next")
    moved = act(client, officers["siti"], "1", "transfer", {"service": "C", "note": "perlu paspor"}).get_json()
    assert (moved["id"], moved["number"], moved["service"], moved["status"]) == (ticket["id"], "A001", "C", "waiting")
    assert moved["transferred_from"] == "A"
    assert state(client)["waiting"] == {"A": 0, "B": 0, "C": 1}
    called = act(client, officers["budi"], "3", "call-next").get_json()
    assert called["number"] == "A001"


@pytest.mark.parametrize(
    ("body", "field"), [({}, "service"), ({"service": ""}, "service"), ({"service": "Z"}, "service"), ({"service": "A"}, "service")]
)
def test_a_transfer_needs_another_known_service(client, officers, body, field):
    issue(client)
    act(client, officers["siti"], "1", "call-next")
    before = state(client)
    assert_error(act(client, officers["siti"], "1", "transfer", body), 400, "invalid", field)
    assert state(client) == before


def test_transfer_with_nobody_at_the_counter_is_409(client, officers):
    assert_error(act(client, officers["siti"], "1", "transfer", {"service": "C"}), 409, "conflict")


def test_call_serves_a_specific_waiting_ticket_out_of_turn(client, officers):
    issue(client)
    appointment = issue(client, service="B")
    response = act(client, officers["siti"], "1", "call", {"ticket_id": appointment["id"]})
    assert response.status_code == 200
    assert (response.get_json()["number"], response.get_json()["status"]) == ("B001", "called")
    assert_error(act(client, officers["siti"], "2", "call", {"ticket_id": appointment["id"]}), 409, "conflict")


def test_call_refuses_a_ticket_of_a_service_the_counter_does_not_serve(client, officers):
    passport = issue(client, service="C")
    error = assert_error(act(client, officers["siti"], "1", "call", {"ticket_id": passport["id"]}), 409, "conflict")
    assert "Loket 1" in error["message"]


@pytest.mark.parametrize(
    ("body", "status", "code"), [({}, 400, "invalid"), ({"ticket_id": 7}, 400, "invalid"), ({"ticket_id": "nope"}, 404, "not_found")]
)
def test_call_needs_the_id_of_an_existing_ticket(client, officers, body, status, code):
    assert_error(act(client, officers["siti"], "1", "call", body), status, code, "ticket_id")


def test_a_paused_counter_calls_nothing_until_resumed(client, officers):
    issue(client)
    paused = act(client, officers["siti"], "1", "pause", {"reason": "istirahat"})
    assert paused.status_code == 200
    assert (paused.get_json()["id"], paused.get_json()["status"], paused.get_json()["pause_reason"]) == ("1", "paused", "istirahat")
    act(client, officers["siti"], "2", "open")
    assert {s["code"]: s["counters_open"] for s in client.get(f"{API}/services").get_json()} == {"A": 1, "B": 0, "C": 0}
    error = assert_error(act(client, officers["siti"], "1", "call-next"), 409, "conflict")
    assert "paused" in error["message"]
    assert state(client)["waiting"]["A"] == 1
    assert_error(act(client, officers["siti"], "1", "pause", {"reason": "sholat"}), 409, "conflict")
    resumed = act(client, officers["siti"], "1", "resume")
    assert (resumed.status_code, resumed.get_json()["status"]) == (200, "open")
    assert_error(act(client, officers["siti"], "1", "resume"), 409, "conflict")
    assert act(client, officers["siti"], "1", "call-next").get_json()["number"] == "A001"


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}, {"reason": 5}, {"reason": "x" * 201}])
def test_pause_needs_a_short_reason(client, officers, body):
    assert_error(act(client, officers["siti"], "1", "pause", body), 400, "invalid", "reason")
    assert state(client)["counters"][0]["status"] == "closed", "a refused pause changes nothing, not even who is signed in"


def test_a_counter_with_a_visitor_cannot_pause(client, officers):
    issue(client)
    act(client, officers["siti"], "1", "call-next")
    error = assert_error(act(client, officers["siti"], "1", "pause", {"reason": "istirahat"}), 409, "conflict")
    assert "A001" in error["message"]


@pytest.mark.parametrize("action", COUNTER_ACTIONS)
def test_an_officer_cannot_act_on_a_counter_not_assigned_to_them_and_nothing_changes(client, officers, action):
    passport = issue(client, service="C")
    issue(client, service="C")
    if action in ("recall", "start", "complete", "no-show", "transfer"):
        act(client, officers["budi"], "3", "call-next")
    if action == "resume":
        act(client, officers["budi"], "3", "pause", {"reason": "rapat"})
    body = {"service": "A", "ticket_id": passport["id"], "reason": "istirahat"}
    before = state(client)
    error = assert_error(act(client, officers["siti"], "3", action, body), 403, "forbidden")
    assert "siti" in error["message"] and "3" in error["message"]
    assert state(client) == before
    assert_error(client.get(f"{API}/counters/3/waiting", headers={"Authorization": f"Bearer {officers['siti']}"}), 403, "forbidden")


def test_an_admin_may_act_on_any_counter(client, officers):
    issue(client, service="C")
    issue(client)
    assert act(client, officers["admin"], "3", "call-next").get_json()["number"] == "C001"
    assert act(client, officers["admin"], "1", "call-next").get_json()["number"] == "A001"
    assert act(client, officers["admin"], "2", "pause", {"reason": "rapat"}).get_json()["status"] == "paused"


@pytest.mark.parametrize("action", COUNTER_ACTIONS)
def test_an_unknown_counter_is_404(client, officers, action):
    assert_error(act(client, officers["admin"], "99", action, {}), 404, "not_found", "counter")


@pytest.mark.parametrize("action", COUNTER_ACTIONS)
def test_a_counter_action_with_a_body_that_is_not_an_object_is_400(client, officers, action):
    response = client.post(
        f"{API}/counters/1/{action}",
        data="[1, 2]",
        content_type="application/json",
        headers={"Authorization": f"Bearer {officers['siti']}"},
    )
    assert_error(response, 400, "invalid", "body")


def test_the_waiting_list_of_a_counter_is_in_call_order(client, officers):
    issue(client)
    issue(client, service="B")
    issue(client, priority="anak")
    issue(client, service="C")
    headers = {"Authorization": f"Bearer {officers['siti']}"}
    waiting = client.get(f"{API}/counters/1/waiting", headers=headers).get_json()
    assert [t["number"] for t in waiting] == ["A002", "A001", "B001"]
    assert [t["waiting_ahead"] for t in waiting] == [0, 1, 2]
    assert [t["number"] for t in client.get(f"{API}/counters/1/waiting?limit=1", headers=headers).get_json()] == ["A002"]
    for limit in ("0", "201", "abc", "-1"):
        assert_error(client.get(f"{API}/counters/1/waiting?limit={limit}", headers=headers), 400, "invalid", "limit")


def test_the_history_of_a_ticket_records_who_did_what(client, officers):
    ticket = issue(client)
    act(client, officers["siti"], "1", "call-next")
    act(client, officers["siti"], "1", "complete")
    headers = {"Authorization": f"Bearer {officers['admin']}"}
    history = client.get(f"{API}/tickets/{ticket['id']}/history", headers=headers).get_json()
    siti_id = client.get(f"{API}/auth/me", headers={"Authorization": f"Bearer {officers['siti']}"}).get_json()["id"]
    assert [(e["kind"], e["counter_id"], e["officer_id"]) for e in history] == [
        ("issued", None, None),
        ("called", "1", siti_id),
        ("completed", "1", siti_id),
    ]
    assert_error(client.get(f"{API}/tickets/{ticket['id']}/history"), 401, "unauthorized")
    assert_error(client.get(f"{API}/tickets/nope/history", headers=headers), 404, "not_found", "ticket_id")


# --- the web layer: unknown paths, methods, sizes ----------------------------------------------
@pytest.mark.parametrize("path", [f"{API}/nope", f"{API}/tickets/", f"{API}/counters/1", "/nope", "/api/v2/tickets"])
def test_an_unknown_path_is_a_json_404(client, path):
    assert_error(client.get(path), 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path", "allowed"), [("GET", "/tickets", "POST"), ("DELETE", "/services", "GET"), ("GET", "/counters/1/call-next", "POST")]
)
def test_a_wrong_method_is_a_json_405_listing_the_allowed_ones(client, method, path, allowed):
    response = client.open(f"{API}{path}", method=method)
    error = assert_error(response, 405, "method_not_allowed")
    assert method in error["message"]
    assert allowed in response.headers["Allow"]


def test_a_huge_body_is_refused_with_a_json_413(client):
    response = client.post(f"{API}/tickets", json={"service": "A", "note": "x" * 100_000})
    assert_error(response, 413, "request_entity_too_large")
    assert state(client)["waiting"]["A"] == 0


def test_the_openapi_document_is_served_as_json(client):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json()["openapi"].startswith("3.1")


def test_the_demo_config_loads_as_an_api(tmp_path, clock):
    """The bundled hall answers too: every service of config.yaml is listed."""
    demo = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    app = create_app(write_config(tmp_path, {**demo, "database": "demo.db"}), clock)
    try:
        services = app.test_client().get(f"{API}/services").get_json()
        assert len(services) == len(demo["services"])
    finally:
        hall_of(app).store.close()
