"""The setup's REST API under /api/v1/admin (admin/setup_api.py): items of the setup's lists added,
changed and removed while the hall runs, refused as config.yaml's validation words it, the tickets of
a removed service kept, the roles, and the audit trail of it all."""

from __future__ import annotations

import pytest
import socketio
from antre.admin.setup_api import _require_item, may_manage_agency
from antre.queue_server import setup_edits as edits
from antre.queue_server.clock import iso
from antre.queue_server.engine import InvalidInput
from antre.queue_server.hall import hall_of
from antre.queue_server.roles import Forbidden
from antre.queue_server.store import AuditScope
from flask import g

from tests.conftest import PASSWORD
from tests.support import http, wait_until
from tests.test_openapi import Checker

ADMIN = "/api/v1/admin"
AKTA = {"code": "D", "name": "Akta Kelahiran", "agency": "Disdukcapil"}


@pytest.fixture
def admin(client, officers, auth):
    """Requests as the hall admin: ``admin("post", "/services", json=...)``; every answer of the
    admin API is checked against the OpenAPI document."""
    checker = Checker(client.get("/api/v1/openapi.json").get_json())

    def call(method: str, path: str, json=None, token: str = officers["admin"]):
        url = path if path.startswith("/api/") else f"{ADMIN}{path}"
        response = client.open(url, method=method.upper(), json=json, headers=auth(token))
        if url.startswith(ADMIN):
            checker.check(method.lower(), url, response)
        return response

    return call


def issue(client, service: str) -> dict:
    response = client.post("/api/v1/tickets", json={"service": service})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def agency_admin_token(app, agency: str = "Disdukcapil") -> str:
    """The token of ``dukcapil``, agency admin of ``agency``."""
    hall = hall_of(app)
    hall.accounts.add("dukcapil", PASSWORD, "agency_admin", agency=agency)
    return hall.accounts.login("dukcapil", PASSWORD)[0]


# --- items ----------------------------------------------------------------------------------------


def test_a_new_service_is_offered_at_once_and_takes_tickets(admin, client):
    added = admin("post", "/services", json=AKTA)
    assert added.status_code == 201, added.get_json()
    assert added.get_json()["item"] == AKTA
    assert "D" in {s["code"] for s in client.get("/api/v1/services").get_json()}
    admin("patch", "/counters/2", json={"services": ["A", "D"]})
    assert issue(client, "D")["number"] == "D001"
    listed = admin("get", "/services").get_json()
    assert [s["code"] for s in listed["items"]] == ["A", "B", "C", "D"]
    assert listed["version"] == 3


def test_a_renamed_counter_shows_its_new_name_in_the_state(admin, client):
    renamed = admin("patch", "/counters/3", json={"name": "Loket Paspor"})
    assert renamed.status_code == 200, renamed.get_json()
    names = {c["id"]: c["name"] for c in client.get("/api/v1/state").get_json()["counters"]}
    assert names["3"] == "Loket Paspor"


def test_a_field_set_to_null_is_removed(admin):
    changed = admin("patch", "/services/A", json={"duration_minutes": None, "fee": "Gratis"})
    assert changed.get_json()["item"] == {"code": "A", "name": "KTP Elektronik", "agency": "Disdukcapil", "fee": "Gratis"}


def test_a_service_code_cannot_be_renamed_but_an_agency_can_and_its_services_follow(admin, client):
    refused = admin("patch", "/services/A", json={"code": "K"})
    assert refused.status_code == 400
    assert refused.get_json()["error"]["field"] == "code"
    renamed = admin("patch", "/agencies/Kantor Imigrasi", json={"name": "Imigrasi"})
    assert renamed.status_code == 200, renamed.get_json()
    agencies = {s["code"]: s["agency"] for s in client.get("/api/v1/services").get_json()}
    assert agencies["C"] == "Imigrasi"


def test_an_invalid_item_is_refused_naming_its_field_and_the_rule(admin):
    refused = admin("post", "/services", json={"code": "D", "name": "", "agency": "Disdukcapil"})
    assert refused.status_code == 400
    error = refused.get_json()["error"]
    assert error["code"] == "invalid_setup"
    assert error["problems"] == [{"field": "name", "message": "services[3].name: must be a non-empty text", "text": "harus berisi teks, tidak boleh kosong"}]
    duplicate = admin("post", "/services", json={**AKTA, "code": "A"})
    assert duplicate.get_json()["error"]["problems"][0]["field"] == "code"
    assert "duplicate service code 'A'" in duplicate.get_json()["error"]["message"]


def test_an_unknown_field_is_refused_by_name(admin):
    refused = admin("post", "/services", json={**AKTA, "colour": "red"})
    assert refused.status_code == 400
    assert refused.get_json()["error"]["field"] == "colour"


def test_a_change_from_a_stale_page_is_refused(admin):
    version = admin("get", "/counters").get_json()["version"]
    admin("patch", "/counters/1", json={"name": "Loket Satu", "version": version})
    stale = admin("patch", "/counters/1", json={"name": "Loket Uno", "version": version})
    assert stale.status_code == 409
    assert admin("get", "/counters/1").get_json()["item"]["name"] == "Loket Satu"


def test_a_removal_from_a_stale_page_is_refused_too(admin):
    version = admin("get", "/kiosks").get_json()["version"]
    admin("patch", "/kiosks/k1", json={"name": "Kiosk Depan"})
    assert admin("delete", f"/kiosks/k1?version={version}").status_code == 409
    assert admin("delete", f"/kiosks/k1?version={version + 1}").status_code == 200


def test_names_are_stored_as_typed(admin):
    admin("patch", "/counters/1", json={"name": "<b>Loket</b> & 1"})
    assert admin("get", "/counters/1").get_json()["item"]["name"] == "<b>Loket</b> & 1"


def test_settings_merge_one_level_and_are_validated(admin, app):
    changed = admin("patch", "/settings", json={"hall": {"ticker": "Selamat datang"}, "counter_idle_minutes": 20})
    assert changed.status_code == 200, changed.get_json()
    assert hall_of(app).config.ticker == "Selamat datang"
    assert changed.get_json()["settings"]["hall"]["name"] == "MPP Uji"
    refused = admin("patch", "/settings", json={"hall": {"opening_hours": "15:00-08:00"}})
    assert refused.get_json()["error"]["problems"][0]["field"] == "hall.opening_hours"


def test_the_whole_setup_is_read_and_replaced(admin, app):
    whole = admin("get", "/setup").get_json()
    whole["setup"]["hall"]["name"] = "MPP Baru"
    replaced = admin("put", "/setup", json={"setup": whole["setup"], "version": whole["version"]})
    assert replaced.status_code == 200, replaced.get_json()
    assert hall_of(app).config.name == "MPP Baru"


# --- removing -------------------------------------------------------------------------------------


def test_removing_a_service_with_waiting_tickets_asks_what_to_do_with_them(admin, client):
    issue(client, "B")
    refused = admin("delete", "/services/B")
    assert refused.status_code == 409
    assert refused.get_json()["error"] == {**refused.get_json()["error"], "code": "tickets_waiting", "count": 1}
    assert "B" in {s["code"] for s in client.get("/api/v1/services").get_json()}


def test_waiting_tickets_moved_off_a_removed_service_keep_their_order(admin, client, clock):
    issued = []
    for code in ("B", "A", "B"):
        issued.append(issue(client, code))
        clock.advance(minutes=1)
    first_b, first_a, second_b = issued
    removed = admin("delete", "/services/B?waiting=transfer&to=A")
    assert removed.status_code == 200, removed.get_json()
    assert "B" not in {s["code"] for s in client.get("/api/v1/services").get_json()}
    assert client.get(f"/api/v1/tickets/{second_b['id']}").get_json()["service"] == "A"
    order = []
    for _ in range(3):
        order.append(admin("post", "/api/v1/counters/1/call-next").get_json()["number"])
    assert order == [first_b["number"], first_a["number"], second_b["number"]]


def test_closing_a_removed_service_tickets_ends_each_with_an_event(admin, client):
    ticket = issue(client, "C")
    admin("patch", "/counters/3", json={"services": ["A", "C"]})
    removed = admin("delete", "/services/C?waiting=close")
    assert removed.status_code == 200, removed.get_json()
    assert removed.get_json()["tickets"] == 1
    assert client.get(f"/api/v1/tickets/{ticket['id']}").get_json()["status"] == "cancelled"
    history = admin("get", f"/api/v1/tickets/{ticket['id']}/history").get_json()
    assert history[-1]["kind"] == "cancelled"


def test_a_service_that_is_a_counter_s_only_one_cannot_go(admin):
    refused = admin("delete", "/services/C")
    assert refused.status_code == 409
    assert "Loket 3" in refused.get_json()["error"]["message"]


def test_an_open_counter_is_closed_before_it_is_removed(admin):
    admin("post", "/api/v1/counters/1/open")
    refused = admin("delete", "/counters/1")
    assert refused.status_code == 409
    admin("post", "/api/v1/counters/1/close")
    assert admin("delete", "/counters/1").status_code == 200


def test_an_agency_with_services_cannot_be_removed(admin):
    refused = admin("delete", "/agencies/Disdukcapil")
    assert refused.status_code == 409


# --- roles ----------------------------------------------------------------------------------------


def test_officers_are_refused_and_anonymous_callers_asked_to_log_in(admin, client, officers):
    assert admin("get", "/services", token=officers["siti"]).status_code == 403
    assert client.get(f"{ADMIN}/services").status_code == 401


def test_an_agency_admin_manages_only_their_agency():
    dukcapil = {"role": "agency_admin", "agency": "Disdukcapil"}
    assert may_manage_agency(dukcapil, "Disdukcapil")
    assert not may_manage_agency(dukcapil, "Kantor Imigrasi")
    assert not may_manage_agency({"role": "officer", "agency": "Disdukcapil"}, "Disdukcapil")
    assert may_manage_agency({"role": "admin"}, "Kantor Imigrasi")


def test_an_agency_admin_may_not_change_another_agency_s_service_or_the_hall(admin, app):
    token = agency_admin_token(app)
    listed = admin("get", "/services", token=token).get_json()["items"]
    assert [s["code"] for s in listed] == ["A", "B"], "only Disdukcapil's services"
    assert admin("patch", "/services/A", json={"name": "KTP-el"}, token=token).status_code == 200
    assert admin("patch", "/services/C", json={"name": "Paspor X"}, token=token).status_code == 403
    assert admin("patch", "/settings", json={"hall": {"ticker": "x"}}, token=token).status_code == 403
    assert admin("post", "/agencies", json={"name": "BPJS"}, token=token).status_code == 403
    assert admin("get", "/setup", token=token).status_code == 403


def test_an_agency_admin_s_items_are_their_agency_s_services_and_the_counters_serving_only_those(app):
    dukcapil = {"id": 9, "role": "agency_admin", "agency": "Disdukcapil"}
    document = hall_of(app).setup.document()
    with app.test_request_context():
        g.officer = dukcapil
        _require_item(document, "services", edits.find(document, "services", "A"))
        _require_item(document, "counters", edits.find(document, "counters", "1"))
        refused = [
            ("services", edits.find(document, "services", "C")),
            ("services", {**edits.find(document, "services", "A"), "agency": "Kantor Imigrasi"}),
            ("counters", edits.find(document, "counters", "3")),
            ("counters", {"id": "9", "name": "Loket Campur", "services": ["A", "C"]}),
            ("kiosks", edits.find(document, "kiosks", "k1")),
        ]
        for kind, item in refused:
            with pytest.raises(Forbidden):
                _require_item(document, kind, item)


# --- the audit trail ------------------------------------------------------------------------------


def test_every_change_reads_well_in_the_audit_trail_newest_first(admin):
    admin("post", "/services", json=AKTA)
    admin("patch", "/counters/3", json={"name": "Loket Paspor"})
    trail = admin("get", "/audit").get_json()["events"]
    assert [e["what"] for e in trail[:2]] == ["counter 3 renamed", "service D Akta Kelahiran added"]
    assert trail[0]["officer"] == "admin"
    assert trail[0]["before"]["name"] == "Loket 3" and trail[0]["after"]["name"] == "Loket Paspor"
    found = admin("get", "/audit?q=akta").get_json()["events"]
    assert [e["what"] for e in found] == ["service D Akta Kelahiran added"]
    page = admin("get", "/audit?limit=1").get_json()
    assert admin("get", f"/audit?limit=1&before={page['next_before']}").get_json()["events"][0]["what"] == trail[1]["what"]


# --- a running hall -------------------------------------------------------------------------------


def test_a_phone_following_a_ticket_of_a_removed_service_is_told_it_ended(server):
    _, token = http("POST", f"{server.url}/api/v1/auth/login", {"username": "admin", "password": PASSWORD})
    _, ticket = http("POST", f"{server.url}/api/v1/tickets", {"service": "C"})
    http("PATCH", f"{server.url}{ADMIN}/counters/3", {"services": ["A", "C"]}, token=token["token"])
    heard: list[dict] = []
    phone = socketio.Client()
    phone.on("ticket", heard.append)
    phone.connect(server.url, transports=["websocket"], auth={"ticket": ticket["id"]}, wait_timeout=10)
    try:
        wait_until(lambda: heard, message="the ticket on connect")
        status, removed = http("DELETE", f"{server.url}{ADMIN}/services/C?waiting=close", token=token["token"])
        assert (status, removed["tickets"]) == (200, 1)
        ended = wait_until(lambda: [m for m in heard if m["ticket"]["status"] == "cancelled"], message="the cancelled ticket")
        assert ended[0]["events"] == ["cancelled"]
        _, services = http("GET", f"{server.url}/api/v1/services")
        assert "C" not in {s["code"] for s in services}
    finally:
        phone.disconnect()


def test_an_agency_s_audit_trail_holds_the_changes_to_its_services_counters_and_itself(admin, app):
    admin("patch", "/services/C", json={"fee": "Rp 350.000"})
    admin("patch", "/counters/3", json={"name": "Loket Paspor"})
    admin("patch", "/counters/1", json={"name": "Loket Satu"})
    admin("patch", "/kiosks/k1", json={"name": "Kiosk Depan"})
    admin("patch", "/agencies/Kantor Imigrasi", json={"short_name": "Imigrasi"})
    scope = AuditScope("Kantor Imigrasi", ("Kantor Imigrasi", "Imigrasi"), ("3",))
    with hall_of(app).store.read() as tx:
        trail = [event["details"]["what"] for event in tx.audit_events(("setup_changed",), 50, about=scope)]
    assert trail == ["agency Kantor Imigrasi changed (short_name)", "counter 3 renamed", "service C changed (fee)"]


def test_no_ticket_is_issued_for_a_service_between_its_removal_and_the_hall_running_without_it(hall):
    """The engine's config is swapped after the removal's commit: the removal itself stops issuing."""
    with hall.store.write() as tx:
        hall.engine.retire_service(tx, iso(hall.engine.clock()), "B", None, True, None)
    with pytest.raises(InvalidInput):
        hall.engine.issue("B")
    hall.reconfigure(hall.config)
    assert hall.engine.issue("B")["number"] == "B001", "a removal never committed stops nothing for long"


def test_the_audit_trail_filters_by_kind_officer_and_time(admin, app):
    admin("patch", "/counters/3", json={"name": "Loket Paspor"})
    admin_id = hall_of(app).accounts.list()[0]["id"]
    mine = admin("get", f"/audit?officer={admin_id}").get_json()["events"]
    assert [e["what"] for e in mine] == ["counter 3 renamed"], "the seed from config.yaml has no officer"
    assert admin("get", "/audit?kind=officer_changed&q=counter").get_json()["events"] == []
    assert len(admin("get", "/audit?kind=setup_changed&since=2026-11-25").get_json()["events"]) == 2
    assert admin("get", "/audit?until=2026-11-25T07:00").get_json()["events"] == []
    assert admin("get", "/audit?limit=0").status_code == 400
