"""A counter is open only while an officer is signed in at it: what the screens, the kiosk and the
estimate see when officers take a counter, leave it, log out, or walk away."""

from __future__ import annotations

import copy

import pytest
from antre.queue_server.app import create_app
from antre.queue_server.config import load_config
from antre.queue_server.hall import hall_of
from sqlite_utils import Database

from tests.conftest import PASSWORD
from tests.support import SMALL_HALL, write_config

API = "/api/v1"


def act(client, token: str, counter: str, action: str, body: dict | None = None):
    return client.post(f"{API}/counters/{counter}/{action}", json=body or {}, headers={"Authorization": f"Bearer {token}"})


def statuses(client) -> dict[str, str]:
    return {c["id"]: c["status"] for c in client.get(f"{API}/state").get_json()["counters"]}


def services(client) -> dict[str, dict]:
    return {s["code"]: s for s in client.get(f"{API}/services").get_json()}


def test_a_counter_is_closed_until_an_officer_takes_it_and_closed_again_when_they_leave(client, officers):
    assert statuses(client) == {"1": "closed", "2": "closed", "3": "closed"}
    opened = act(client, officers["siti"], "1", "open")
    assert (opened.status_code, opened.get_json()["status"]) == (200, "open")
    assert statuses(client)["1"] == "open"
    assert act(client, officers["siti"], "1", "open").get_json()["status"] == "open", "taking it twice changes nothing"
    closed = act(client, officers["siti"], "1", "close")
    assert (closed.status_code, closed.get_json()["status"]) == (200, "closed")
    assert statuses(client) == {"1": "closed", "2": "closed", "3": "closed"}


def test_only_an_officer_of_the_counter_may_take_or_leave_it(client, officers):
    assert client.post(f"{API}/counters/3/open", json={}).status_code == 401
    refused = act(client, officers["siti"], "3", "open")
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    assert act(client, officers["budi"], "9", "open").status_code == 404
    assert statuses(client)["3"] == "closed"


def test_reopening_the_console_of_a_paused_counter_keeps_the_pause(client, officers):
    act(client, officers["siti"], "1", "pause", {"reason": "rapat"})
    again = act(client, officers["siti"], "1", "open").get_json()
    assert (again["status"], again["pause_reason"]) == ("paused", "rapat")


def test_a_counter_with_a_visitor_called_cannot_be_left_until_the_ticket_ends(client, officers):
    client.post(f"{API}/tickets", json={"service": "A"})
    called = act(client, officers["siti"], "1", "call-next").get_json()
    assert statuses(client)["1"] == "open", "calling someone signs the officer in"
    refused = act(client, officers["siti"], "1", "close")
    assert refused.status_code == 409 and called["number"] in refused.get_json()["error"]["message"]
    assert statuses(client)["1"] == "open"
    act(client, officers["siti"], "1", "complete")
    assert act(client, officers["siti"], "1", "close").get_json()["status"] == "closed"


def test_logging_out_closes_the_counters_the_officer_held_but_not_one_with_a_visitor(client, officers):
    client.post(f"{API}/tickets", json={"service": "C"})
    act(client, officers["siti"], "1", "open")
    act(client, officers["siti"], "2", "pause", {"reason": "istirahat"})
    act(client, officers["budi"], "3", "call-next")
    assert client.post(f"{API}/auth/logout", headers={"Authorization": f"Bearer {officers['siti']}"}).status_code == 204
    assert client.post(f"{API}/auth/logout", headers={"Authorization": f"Bearer {officers['budi']}"}).status_code == 204
    assert statuses(client) == {"1": "closed", "2": "closed", "3": "open"}, "C001 is still called at Loket 3"


def test_the_console_s_own_log_out_closes_its_counter(client, officers):
    client.post("/counter/login", data={"username": "siti", "password": PASSWORD, "csrf_token": _csrf(client.get("/counter/login").text)})
    page = client.get("/counter/1").text
    act(client, officers["siti"], "1", "open")
    client.post("/counter/logout", data={"csrf_token": _csrf(page)})
    assert statuses(client)["1"] == "closed"


def _csrf(page: str) -> str:
    return page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def test_a_counter_whose_console_went_quiet_is_closed_after_the_idle_time(client, officers, clock):
    presence = hall_of(client.application).presence
    act(client, officers["siti"], "1", "open")
    act(client, officers["siti"], "2", "open")
    for _ in range(5):  # counter 1's console keeps asking; counter 2's browser was closed
        clock.advance(minutes=10)
        client.get(f"{API}/counters/1/waiting", headers={"Authorization": f"Bearer {officers['siti']}"})
        presence.sweep()
    assert statuses(client) == {"1": "open", "2": "closed", "3": "closed"}
    with hall_of(client.application).store.read() as tx:
        closing = list(Database(tx.conn)["events"].rows_where("kind = 'closed'"))
    assert [(e["counter_id"], e["details"]) for e in closing] == [("2", '{"by": "idle"}')]


def test_an_idle_counter_with_a_visitor_called_stays_open(client, officers, clock):
    client.post(f"{API}/tickets", json={"service": "C"})
    act(client, officers["budi"], "3", "call-next")
    clock.advance(hours=2)
    assert hall_of(client.application).presence.sweep() == []
    assert statuses(client)["3"] == "open"


@pytest.fixture
def strict_client(tmp_path, clock):
    """A hall that offers a service only while an officer is signed in at one of its counters."""
    data = copy.deepcopy(SMALL_HALL)
    data["kiosk_requires_open_counter"] = True
    app = create_app(load_config(write_config(tmp_path, data)), clock)
    app.config["TESTING"] = True
    accounts = hall_of(app).accounts
    accounts.add("siti", PASSWORD, "officer", ["1", "2", "3"])
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    yield client, accounts.login("siti", PASSWORD)[0]
    hall_of(app).presence.close()
    hall_of(app).printing.stop()
    hall_of(app).store.close()


def test_by_default_a_service_stays_on_offer_before_its_officers_sign_in(client):
    offered = services(client)
    assert all(s["unavailable"] is None and s["counters_open"] == 0 for s in offered.values())
    ticket = client.post(f"{API}/tickets", json={"service": "C"}).get_json()
    assert ticket["eta_minutes"] is not None, "the estimate counts the counters expected today"


def test_where_the_hall_asks_a_service_is_offered_only_while_one_of_its_counters_is_staffed(strict_client):
    client, token = strict_client
    assert {code: s["unavailable"] for code, s in services(client).items()} == {"A": "no_counter", "B": "no_counter", "C": "no_counter"}
    refused = client.post(f"{API}/tickets", json={"service": "A"})
    assert refused.status_code == 409 and refused.get_json()["error"]["message"] == "no counter is open for service A now"
    act(client, token, "2", "open")
    assert {code: s["unavailable"] for code, s in services(client).items()} == {"A": None, "B": "no_counter", "C": "no_counter"}
    ticket = client.post(f"{API}/tickets", json={"service": "A"}).get_json()
    assert ticket["eta_minutes"] is not None
    act(client, token, "2", "close")
    waiting = client.get(f"{API}/tickets/{ticket['id']}").get_json()
    assert (waiting["status"], waiting["eta_minutes"]) == ("waiting", None), "nobody to serve it: no promise, but the ticket stays"
