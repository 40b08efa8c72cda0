"""Complaints (pengaduan): filing with a tracking code, following it, staff's handling, limits."""

from __future__ import annotations

import re
import sqlite3

import pytest
from antre.queue_server.app import create_app
from antre.queue_server.complaints.codes import ALPHABET, new_code, shown, stored
from antre.queue_server.hall import hall_of
from antre.queue_server.issuing_access import new_kiosk_key

from tests.conftest import PASSWORD
from tests.support import SMALL_HALL, write_config

API = "/api/v1/complaints"
CODE = re.compile(r"^PGD-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{2}$")
GOOD = {"what": "Petugas loket meminta biaya tambahan.", "where_when": "Loket 2, Rabu pagi"}
# The clock starts on Wednesday 2026-11-25; the hall closes on Monday 2026-11-30.
CALENDAR = {**SMALL_HALL, "hall": {**SMALL_HALL["hall"], "closed_days": [{"date": "2026-11-30", "reason": "Cuti bersama"}]}}


@pytest.fixture
def make_client(tmp_path, clock):
    made = []

    def make(data: dict | None = None, address: str = "203.0.113.7"):
        app = create_app(write_config(tmp_path, data or CALENDAR), clock)
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


@pytest.fixture
def client(make_client):
    return make_client()


@pytest.fixture
def staff(client):
    """Tokens of a hall admin, two agency admins and an officer."""
    accounts = hall_of(client.application).accounts
    accounts.add("admin", PASSWORD, "admin")
    accounts.add("dukcapil", PASSWORD, "agency_admin", agency="Disdukcapil")
    accounts.add("imigrasi", PASSWORD, "agency_admin", agency="Kantor Imigrasi")
    accounts.add("siti", PASSWORD, "officer", ["1"])
    return {name: {"Authorization": f"Bearer {accounts.login(name, PASSWORD)[0]}"} for name in ("admin", "dukcapil", "imigrasi", "siti")}


def file(client, **body):
    return client.post(API, json={**GOOD, **body})


def stored_rows(client) -> int:
    with sqlite3.connect(hall_of(client.application).config.database) as conn:
        return conn.execute("SELECT COUNT(*) FROM complaints").fetchone()[0]


def test_a_complaint_gets_a_code_that_finds_its_status_however_it_is_typed(client):
    response = file(client, remedy="Biaya dikembalikan", contact="0812 3456 7890")
    assert response.status_code == 201
    filed = response.get_json()
    assert CODE.match(filed["code"]) and filed["status"] == "baru"
    bare = filed["code"].removeprefix("PGD-").replace("-", "")
    typed = [filed["code"].lower(), bare, bare.lower().replace("0", "o").replace("1", "l"), f" {filed['code'][:8]} {filed['code'][8:]} "]
    for code in typed:
        status = client.get(f"{API}/{code}")
        assert status.status_code == 200, code
        assert status.get_json() == {
            "code": filed["code"], "status": "baru", "filed_at": status.get_json()["filed_at"], "due_day": filed["due_day"],
            "answer": None, "answered_at": None, "agency": None, "overdue": False,
        }  # fmt: skip
    assert "0812" not in client.get(f"{API}/{bare}").get_data(as_text=True)


def test_a_malformed_code_is_not_found_exactly_as_an_unknown_one(client):
    file(client)
    unknown = client.get(f"{API}/PGD-0000-0000-00")
    malformed = client.get(f"{API}/UUUU")
    assert unknown.status_code == malformed.status_code == 404
    assert unknown.get_json() == malformed.get_json()


def test_codes_are_ten_symbols_of_crockford_base32_and_a_thousand_are_distinct():
    codes = {new_code() for _ in range(1000)}
    assert len(codes) == 1000
    assert all(len(code) == 10 and set(code) <= set(ALPHABET) for code in codes)
    assert len(ALPHABET) ** 10 >= 2**50 and not set("ILOU") & set(ALPHABET)
    code = next(iter(codes))
    assert stored(shown(code)) == code and stored(shown(code).lower()) == code
    assert stored("PGD-7K3M-Q9XA-2") is None and stored("PGD-7K3M-Q9XA-2U") is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"what": "pendek"}, "what"),
        ({"what": None}, "what"),
        ({"what": "x" * 2001}, "what"),
        ({"what": 12345678901}, "what"),
        ({"where_when": ""}, "where_when"),
        ({"where_when": "x" * 501}, "where_when"),
        ({"remedy": "x" * 1001}, "remedy"),
        ({"contact": "x" * 201}, "contact"),
        ({"confidential": "ya"}, "confidential"),
        ({"agency": "Dinas Rahasia"}, "agency"),
        ({"service": "Z"}, "service"),
        ({"agency": "Kantor Imigrasi", "service": "A"}, "service"),
        ({"ticket": "no-such-ticket"}, "ticket"),
        ({"name": "Budi"}, "name"),
    ],
)
def test_each_bad_field_is_refused_naming_it_and_nothing_is_stored(client, body, field):
    response = file(client, **body)
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == field
    assert stored_rows(client) == 0


def test_a_complaint_from_a_ticket_is_about_its_service_and_agency(client, staff):
    ticket = client.post("/api/v1/tickets", json={"service": "C"}).get_json()
    filed = file(client, ticket=ticket["id"]).get_json()
    assert client.get(f"{API}/{filed['code']}").get_json()["agency"] == "Kantor Imigrasi"
    row = client.get(f"{API}/{filed['code']}/record", headers=staff["admin"]).get_json()
    assert (row["service"], row["ticket_id"], row["channel"]) == ("C", ticket["id"], "phone")


def test_the_answer_is_due_after_working_days_skipping_the_weekend_and_a_closed_day(client, clock):
    # Filed on Wednesday: Thu 26, Fri 27, (Sat, Sun, Mon 30 closed), Tue 1, Wed 2, Thu 3 Dec.
    filed = file(client).get_json()
    assert filed["due_day"] == "2026-12-03"
    clock.advance(days=8)
    assert client.get(f"{API}/{filed['code']}").get_json()["overdue"] is False
    clock.advance(days=1)
    assert client.get(f"{API}/{filed['code']}").get_json()["overdue"] is True


def test_complaints_per_address_are_limited_but_not_a_kiosks(make_client):
    client = make_client({**CALENDAR, "complaints": {"per_address_per_hour": 2}})
    assert [file(client).status_code for _ in range(2)] == [201, 201]
    refused = file(client)
    assert refused.status_code == 429 and "60 minutes" in refused.get_json()["error"]["message"]
    other = client.post(API, json=GOOD, environ_overrides={"REMOTE_ADDR": "198.51.100.9"})
    assert other.status_code == 201
    key = new_kiosk_key(hall_of(client.application).store, "k1")
    assert [client.post(API, json=GOOD, headers={"Authorization": f"Kiosk {key}"}).status_code for _ in range(3)] == [201] * 3
    assert stored_rows(client) == 6


def test_complaints_per_ticket_are_limited_whatever_the_address(make_client):
    client = make_client({**CALENDAR, "complaints": {"per_ticket": 1}})
    ticket = client.post("/api/v1/tickets", json={"service": "A"}).get_json()
    assert file(client, ticket=ticket["id"]).status_code == 201
    again = client.post(API, json={**GOOD, "ticket": ticket["id"]}, environ_overrides={"REMOTE_ADDR": "198.51.100.9"})
    assert again.status_code == 429 and again.get_json()["error"]["code"] == "too_many_requests"
    assert stored_rows(client) == 1


def test_a_hall_that_takes_no_complaints_refuses_them(make_client):
    client = make_client({**CALENDAR, "complaints": {"enabled": False}})
    response = file(client)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "complaints_disabled"


def test_an_agency_admin_sees_and_handles_only_their_agencys_complaints(client, staff):
    own = file(client, agency="Disdukcapil").get_json()["code"]
    other = file(client, agency="Kantor Imigrasi").get_json()["code"]
    unassigned = file(client).get_json()["code"]
    listed = client.get(API, headers=staff["dukcapil"]).get_json()
    assert [c["code"] for c in listed["complaints"]] == [own] and (listed["open"], listed["overdue"]) == (1, 0)
    assert len(client.get(API, headers=staff["admin"]).get_json()["complaints"]) == 3
    assert client.get(f"{API}?agency=Kantor%20Imigrasi", headers=staff["dukcapil"]).status_code == 403
    assert client.patch(f"{API}/{other}", json={"status": "diproses"}, headers=staff["dukcapil"]).status_code == 403
    assert client.patch(f"{API}/{unassigned}", json={"status": "diproses"}, headers=staff["dukcapil"]).status_code == 403
    assert client.patch(f"{API}/{own}", json={"agency": "Kantor Imigrasi"}, headers=staff["dukcapil"]).status_code == 403
    assert client.get(API, headers=staff["siti"]).status_code == 403
    assert client.get(API).status_code == 401
    assigned = client.patch(f"{API}/{unassigned}", json={"agency": "Disdukcapil", "note": "Soal KTP"}, headers=staff["admin"])
    assert assigned.status_code == 200 and assigned.get_json()["agency"] == "Disdukcapil"
    assert len(client.get(API, headers=staff["dukcapil"]).get_json()["complaints"]) == 2


def test_staff_move_a_complaint_through_its_statuses_and_every_change_is_kept(client, staff):
    code = file(client, agency="Disdukcapil").get_json()["code"]
    done_first = client.patch(f"{API}/{code}", json={"status": "selesai"}, headers=staff["dukcapil"])
    assert done_first.status_code == 400 and done_first.get_json()["error"]["field"] == "answer"
    client.patch(f"{API}/{code}", json={"status": "diproses", "note": "Dicek ke loket"}, headers=staff["dukcapil"])
    answered = client.patch(f"{API}/{code}", json={"status": "selesai", "answer": "Biaya dikembalikan."}, headers=staff["dukcapil"])
    assert answered.status_code == 200
    public = client.get(f"{API}/{code}").get_json()
    assert (public["status"], public["answer"]) == ("selesai", "Biaya dikembalikan.") and public["answered_at"]
    assert client.patch(f"{API}/{code}", json={"status": "baru"}, headers=staff["admin"]).status_code == 400
    reopened = client.patch(f"{API}/{code}", json={"status": "diproses"}, headers=staff["admin"]).get_json()
    assert [(u["officer"], u["status"], u["changed"], u["note"]) for u in reopened["updates"]] == [
        ("dukcapil", "diproses", "status", "Dicek ke loket"),
        ("dukcapil", "selesai", "status,answer", None),
        ("admin", "diproses", "status", None),
    ]
    assert client.patch(f"{API}/{code}", json={}, headers=staff["admin"]).status_code == 400
    assert client.patch(f"{API}/{code}", json={"colour": "red"}, headers=staff["admin"]).get_json()["error"]["field"] == "colour"


def test_a_confidential_contact_and_ticket_are_for_hall_admins_only(client, staff):
    ticket = client.post("/api/v1/tickets", json={"service": "A"}).get_json()
    code = file(client, ticket=ticket["id"], contact="budi@example.id", confidential=True).get_json()["code"]
    plain = file(client, agency="Disdukcapil", contact="ani@example.id").get_json()["code"]
    by_code = {c["code"]: c for c in client.get(API, headers=staff["dukcapil"]).get_json()["complaints"]}
    assert (by_code[code]["contact"], by_code[code]["ticket_id"], by_code[code]["confidential"]) == (None, None, True)
    assert by_code[plain]["contact"] == "ani@example.id"
    assert "budi@example.id" not in client.get(f"{API}/{code}/record", headers=staff["dukcapil"]).get_data(as_text=True)
    admin = client.get(f"{API}/{code}/record", headers=staff["admin"]).get_json()
    assert (admin["contact"], admin["ticket_id"]) == ("budi@example.id", ticket["id"])
    public = client.get(f"{API}/{code}").get_data(as_text=True)
    assert "budi@example.id" not in public and ticket["id"] not in public


def test_the_overdue_filter_and_counts(client, staff, clock):
    late = file(client, agency="Disdukcapil").get_json()["code"]
    clock.advance(days=9)
    file(client, agency="Disdukcapil")
    accounts = hall_of(client.application).accounts
    staff = {
        name: {"Authorization": f"Bearer {accounts.login(name, PASSWORD)[0]}"} for name in ("admin", "dukcapil")
    }  # a new day's sign-in
    listed = client.get(f"{API}?overdue=1", headers=staff["dukcapil"]).get_json()
    assert [c["code"] for c in listed["complaints"]] == [late] and listed["complaints"][0]["overdue"] is True
    assert (listed["open"], listed["overdue"]) == (2, 1)
    assert client.get(f"{API}?status=lama", headers=staff["admin"]).get_json()["error"]["field"] == "status"


def test_of_simultaneous_complaints_from_one_ticket_no_more_than_its_limit_are_stored(make_client):
    from concurrent.futures import ThreadPoolExecutor

    client = make_client({**CALENDAR, "complaints": {"per_ticket": 2, "per_address_per_hour": 100}})
    ticket = client.post("/api/v1/tickets", json={"service": "A"}).get_json()
    app = client.application

    def send(number: int) -> int:
        own = app.test_client()  # one client per thread, each its own address
        return own.post(API, json={**GOOD, "ticket": ticket["id"]}, environ_overrides={"REMOTE_ADDR": f"198.51.100.{number}"}).status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = sorted(pool.map(send, range(8)))
    assert statuses == [201, 201] + [429] * 6
    assert stored_rows(client) == 2
