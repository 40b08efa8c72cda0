"""Who may take a ticket: kiosks with their device key, officers at a desk, and
anonymous clients only where the hall allows it, a few per address and per day; the hall's opening
hours and open counters hold for every channel but the desk."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from antre.queue_server.app import create_app
from antre.queue_server.hall import hall_of
from antre.queue_server.issuing_access import COOKIE, new_kiosk_key

from tests.conftest import PASSWORD
from tests.support import SMALL_HALL, antre, write_config

API = "/api/v1"
SHIPPED = {key: value for key, value in SMALL_HALL.items() if key != "issuing"}  # the defaults a real hall gets
JAKARTA = ZoneInfo("Asia/Jakarta")


@pytest.fixture
def make_client(tmp_path, clock):
    made = []

    def make(data: dict, address: str = "203.0.113.7"):
        app = create_app(write_config(tmp_path, data), clock)
        app.config["TESTING"] = True
        made.append(app)
        client = app.test_client()
        client.environ_base.update(REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="en")
        return client

    yield make
    for app in made:
        hall_of(app).announcer.close()
        hall_of(app).printing.stop()
        hall_of(app).store.close()


def take(client, headers: dict | None = None, **body):
    return client.post(f"{API}/tickets", json={"service": "A", **body}, headers=headers or {})


def officer_token(client) -> str:
    accounts = hall_of(client.application).accounts
    accounts.add("siti", PASSWORD, "officer", ["1"])
    return accounts.login("siti", PASSWORD)[0]


def waiting(client) -> int:
    return sum(client.get(f"{API}/state").get_json()["waiting"].values())


def test_a_shipped_hall_issues_only_to_kiosks_with_their_key_and_to_officers(make_client):
    client = make_client(SHIPPED)
    anonymous = take(client)
    assert anonymous.status_code == 401 and anonymous.get_json()["error"]["code"] == "unauthorized"
    assert take(client, kiosk="k1").status_code == 401  # naming a kiosk proves nothing
    assert take(client, {"Authorization": "Kiosk wrong-key"}, kiosk="k1").status_code == 401
    assert waiting(client) == 0
    key = new_kiosk_key(hall_of(client.application).store, "k1")
    kiosk_ticket = take(client, {"Authorization": f"Kiosk {key}"}, kiosk="k1")
    assert kiosk_ticket.status_code == 201 and kiosk_ticket.get_json()["print"] is not None  # printed on k1's printer
    unnamed = take(client, {"Authorization": f"Kiosk {key}"})  # the key alone says which kiosk
    assert unnamed.status_code == 201 and unnamed.get_json()["print"] is not None
    desk = take(client, {"Authorization": f"Bearer {officer_token(client)}"})
    assert desk.status_code == 201 and desk.get_json()["print"] is None
    assert take(client, {"Authorization": "Bearer not-a-token"}).status_code == 401
    assert waiting(client) == 3


def test_a_new_key_replaces_the_old_one_and_a_key_is_only_its_own_kiosks(make_client):
    client = make_client({**SHIPPED, "kiosks": [{"id": "k1", "name": "Satu"}, {"id": "k2", "name": "Dua"}]})
    store = hall_of(client.application).store
    old, other = new_kiosk_key(store, "k1"), new_kiosk_key(store, "k2")
    assert take(client, {"Authorization": f"Kiosk {other}"}, kiosk="k1").status_code == 401
    new = new_kiosk_key(store, "k1")
    assert take(client, {"Authorization": f"Kiosk {old}"}, kiosk="k1").status_code == 401
    assert take(client, {"Authorization": f"Kiosk {new}"}, kiosk="k1").status_code == 201


def test_anonymous_tickets_are_limited_per_address_per_hour(make_client, clock):
    data = {**SHIPPED, "issuing": {"anonymous": True, "per_address_per_hour": 3}}
    client = make_client(data)
    assert take(client, service="Z").status_code == 400  # a refused request costs no allowance
    assert [take(client).status_code for _ in range(4)] == [201, 201, 201, 429]
    refused = take(client).get_json()["error"]
    assert refused["code"] == "too_many_requests" and refused["message"] == "too many tickets from this address; try again in 60 minutes"
    neighbour = client.application.test_client()
    neighbour.environ_base.update(REMOTE_ADDR="203.0.113.8")
    assert take(neighbour).status_code == 201
    clock.advance(minutes=61)
    assert take(client).status_code == 201
    assert waiting(client) == 5


def test_an_ipv6_client_cannot_escape_the_limit_by_changing_its_address_within_its_64(make_client):
    client = make_client({**SHIPPED, "issuing": {"anonymous": True, "per_address_per_hour": 2}}, address="2001:db8:1:2::10")
    assert [take(client).status_code for _ in range(2)] == [201, 201]
    client.environ_base["REMOTE_ADDR"] = "2001:db8:1:2:ffff:1234:5678:9abc"
    assert take(client).status_code == 429
    client.environ_base["REMOTE_ADDR"] = "2001:db8:1:3::10"  # another /64: another household
    assert take(client).status_code == 201


def test_anonymous_tickets_stop_at_the_daily_cap_and_kiosks_and_desks_go_on(make_client, clock):
    data = {**SHIPPED, "issuing": {"anonymous": True, "per_address_per_hour": 100, "anonymous_per_day": 2}}
    client = make_client(data)
    spoofed = [client.application.test_client() for _ in range(3)]
    for number, other in enumerate(spoofed):
        other.environ_base.update(REMOTE_ADDR=f"198.51.100.{number}")
    assert [take(other).status_code for other in spoofed] == [201, 201, 429]
    assert "today's tickets without a kiosk are all taken" in take(client).get_json()["error"]["message"]
    key = new_kiosk_key(hall_of(client.application).store, "k1")
    assert take(client, {"Authorization": f"Kiosk {key}"}, kiosk="k1").status_code == 201
    assert take(client, {"Authorization": f"Bearer {officer_token(client)}"}).status_code == 201
    clock.advance(days=1)
    assert take(spoofed[2]).status_code == 201


def test_opening_hours_and_staffed_counters_hold_for_anonymous_tickets_but_not_at_a_desk(make_client, clock):
    data = {
        **SHIPPED,
        "hall": {**SHIPPED["hall"], "opening_hours": "08:00-15:00"},
        "issuing": {"anonymous": True},
        "kiosk_requires_open_counter": True,
    }
    client = make_client(data)
    clock.now = datetime(2026, 11, 25, 22, 0, tzinfo=JAKARTA)
    late = take(client)
    assert late.status_code == 409 and "closed" in late.get_json()["error"]["message"]
    token = officer_token(client)
    assert take(client, {"Authorization": f"Bearer {token}"}).status_code == 201  # a visitor still at a desk
    clock.now = datetime(2026, 11, 26, 9, 0, tzinfo=JAKARTA)
    admin = hall_of(client.application).accounts
    admin.add("kepala", PASSWORD, "admin")
    boss = admin.login("kepala", PASSWORD)[0]
    assert take(client, service="C").status_code == 409, "nobody is signed in at Loket 3"
    assert take(client, {"Authorization": f"Bearer {boss}"}, service="C").status_code == 201
    assert client.post(f"{API}/counters/3/pause", json={"reason": "rapat"}, headers={"Authorization": f"Bearer {boss}"}).status_code == 200
    assert take(client, service="C").status_code == 201, "a paused counter is staffed"


def test_a_kiosk_pc_pairs_once_and_its_browser_keeps_the_key_in_an_httponly_cookie(make_client):
    client = make_client(SHIPPED)
    key = new_kiosk_key(hall_of(client.application).store, "k1")
    assert client.get("/kiosk?id=k1").status_code == 403
    wrong = client.get("/kiosk/pair?id=k1&key=guess")
    assert wrong.status_code == 403 and "Set-Cookie" not in wrong.headers
    assert client.get(f"/kiosk/pair?id=k9&key={key}").status_code == 404
    paired = client.get(f"/kiosk/pair?id=k1&key={key}")
    assert paired.status_code == 302 and paired.headers["Location"].endswith("/kiosk?id=k1")
    cookie = paired.headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE}={key};") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    page = client.get("/kiosk?id=k1")
    assert page.status_code == 200 and key not in page.get_data(as_text=True)
    assert take(client, kiosk="k1").status_code == 201  # the browser sends the cookie by itself


def test_the_kiosk_key_command_prints_the_key_alone_and_refuses_an_unknown_kiosk(tmp_path):
    config = write_config(tmp_path, SHIPPED)
    assert antre(config, "init").returncode == 0
    made = antre(config, "kiosk-key", "k1")
    assert made.returncode == 0 and len(made.stdout.splitlines()) == 1 and len(made.stdout.strip()) >= 32
    unknown = antre(config, "kiosk-key", "k9")
    assert unknown.returncode != 0 and len(unknown.stderr.strip().splitlines()) == 1 and "k9" in unknown.stderr


def test_an_admin_voids_a_flood_in_one_step_with_the_reason_in_each_history(make_client, clock):
    client = make_client(SMALL_HALL)
    accounts = hall_of(client.application).accounts
    accounts.add("kepala", PASSWORD, "admin")
    boss = {"Authorization": f"Bearer {accounts.login('kepala', PASSWORD)[0]}"}
    visitor = take(client).get_json()  # 08:00, before the flood
    clock.advance(minutes=5)
    flood = [take(client, service="AB"[i % 2]).get_json() for i in range(30)]
    clock.advance(minutes=5)
    later = take(client).get_json()  # 08:10, after it
    siti = {"Authorization": f"Bearer {officer_token(client)}"}
    assert client.post(f"{API}/tickets/void", json={"reason": "banjir", "issued_from": "08:04"}, headers=siti).status_code == 403
    assert client.post(f"{API}/tickets/void", json={"reason": "banjir"}, headers=boss).status_code == 400
    assert client.post(f"{API}/tickets/void", json={"reason": " ", "issued_from": "08:04"}, headers=boss).status_code == 400
    window = {"reason": "banjir tiket palsu dari satu ponsel", "issued_from": "08:04", "issued_until": "08:06"}
    response = client.post(f"{API}/tickets/void", json=window, headers=boss)
    assert response.status_code == 200 and response.get_json()["voided"] == 30, response.get_json()
    assert {t["number"] for t in response.get_json()["tickets"]} == {t["number"] for t in flood}
    assert client.get(f"{API}/state").get_json()["waiting"] == {"A": 2, "B": 0, "C": 0}
    assert client.get(f"{API}/tickets/{visitor['id']}").get_json()["status"] == "waiting"
    assert client.get(f"{API}/tickets/{later['id']}").get_json()["status"] == "waiting"
    last = client.get(f"{API}/tickets/{flood[0]['id']}/history", headers=boss).get_json()[-1]
    assert last["kind"] == "cancelled" and last["details"]["reason"] == window["reason"] and last["details"]["voided"] is True
    by_id = client.post(f"{API}/tickets/void", json={"reason": "salah cetak", "ticket_ids": [later["id"]]}, headers=boss)
    assert by_id.get_json()["voided"] == 1 and client.get(f"{API}/state").get_json()["waiting"]["A"] == 1


def test_the_console_session_issues_a_desk_ticket_with_its_csrf_token_and_is_anyone_without(make_client):
    data = {**SHIPPED, "hall": {**SHIPPED["hall"], "opening_hours": "09:00-15:00"}, "issuing": {"anonymous": True}}
    client = make_client(data)
    officer_token(client)
    page = client.get("/counter/login").get_data(as_text=True)
    csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
    form = {"username": "siti", "password": PASSWORD, "csrf_token": csrf, "next": "/counter/1"}
    assert client.post("/counter/login", data=form).status_code == 302
    csrf = client.get("/counter/1").get_data(as_text=True).split('name="csrf-token" content="')[1].split('"')[0]
    assert take(client).status_code == 409  # 08:00, closed: only a desk ticket is issued
    assert take(client, {"X-CSRF-Token": csrf}).status_code == 201


def test_a_hall_chooses_the_priority_categories_its_kiosks_offer_and_the_server_holds_to_them(make_client):
    client = make_client({**SMALL_HALL, "kiosk_priority_categories": ["lansia", "disabilitas", "korban_bencana"]})
    page = client.get("/kiosk").text
    assert 'data-priority="korban_bencana"' in page and 'data-priority="anak"' not in page
    refused = take(client, priority="anak")
    error = refused.get_json()["error"]
    assert (refused.status_code, error["field"]) == (400, "priority")
    assert error["message"] == (
        "priority category anak is not offered at this hall's kiosks (offered: lansia, disabilitas, korban_bencana); "
        "an officer at a desk can give it"
    )
    assert waiting(client) == 0
    assert take(client, priority="korban_bencana").status_code == 201
    desk = take(client, {"Authorization": f"Bearer {officer_token(client)}"}, priority="anak")
    assert desk.status_code == 201 and desk.get_json()["priority"] == "anak"
