"""The SKM's follow-up plans (rencana tindak lanjut) through the REST API: added, edited, moved
through their statuses, refused when wrong, audited, and kept to each administrator's agency."""

from __future__ import annotations

import pytest
from antre.queue_server.hall import hall_of

from tests.conftest import PASSWORD

PLAN = {
    "period_from": "2026-10-01",
    "period_to": "2026-12-31",
    "agency": "Disdukcapil",
    "element": "u3",
    "finding": "Waktu penyelesaian KTP melebihi standar pelayanan",
    "plan": "Tambah satu loket perekaman pada jam sibuk",
    "owner": "Kepala Seksi Pelayanan",
    "due_day": "2026-12-15",
}


@pytest.fixture
def admins(app, officers):
    """The officers' tokens, and an agency admin of Disdukcapil's (``dukcapil``)."""
    accounts = hall_of(app).accounts
    accounts.add("dukcapil", PASSWORD, "agency_admin", agency="Disdukcapil")
    return {**officers, "dukcapil": accounts.login("dukcapil", PASSWORD)[0]}


def listed(client, auth, token, **query):
    params = {"from": "2026-10-01", "to": "2026-12-31", **query}
    response = client.get("/api/v1/skm/followups", query_string=params, headers=auth(token))
    assert response.status_code == 200, response.json
    return response.json["followups"]


def test_a_plan_is_added_edited_and_done_and_each_change_is_in_the_audit_trail(client, auth, admins):
    added = client.post("/api/v1/skm/followups", json=PLAN, headers=auth(admins["admin"]))
    assert added.status_code == 201, added.json
    plan = added.json
    assert plan["status"] == "rencana" and plan["element"] == "u3" and plan["overdue"] is False
    assert [p["id"] for p in listed(client, auth, admins["admin"])] == [plan["id"]]

    edited = client.patch(
        f"/api/v1/skm/followups/{plan['id']}", json={"status": "berjalan", "owner": "Kasi Pelayanan"}, headers=auth(admins["admin"])
    )
    assert edited.status_code == 200, edited.json
    assert edited.json["status"] == "berjalan" and edited.json["owner"] == "Kasi Pelayanan" and edited.json["plan"] == PLAN["plan"]
    done = client.patch(f"/api/v1/skm/followups/{plan['id']}", json={"status": "selesai"}, headers=auth(admins["admin"]))
    assert done.json["status"] == "selesai"

    trail = client.get("/api/v1/admin/audit", query_string={"kind": "skm_followup_changed"}, headers=auth(admins["admin"])).json["events"]
    assert [e["after"]["status"] for e in trail] == ["selesai", "berjalan", "rencana"]
    assert trail[1]["before"]["owner"] == PLAN["owner"] and trail[1]["officer"] == "admin"
    assert client.get("/api/v1/admin/audit", query_string={"kind": "skm_followup_changed"}, headers=auth(admins["dukcapil"])).json["events"]


def test_a_plan_past_its_due_day_and_not_done_is_overdue(client, auth, admins):
    """The hall's today is 25 November 2026 (tests/conftest.py OPENING)."""
    late = client.post("/api/v1/skm/followups", json={**PLAN, "due_day": "2026-11-24"}, headers=auth(admins["admin"])).json
    due_today = client.post("/api/v1/skm/followups", json={**PLAN, "due_day": "2026-11-25"}, headers=auth(admins["admin"])).json
    assert late["overdue"] is True and due_today["overdue"] is False
    client.patch(f"/api/v1/skm/followups/{late['id']}", json={"status": "selesai"}, headers=auth(admins["admin"]))
    assert [p["overdue"] for p in listed(client, auth, admins["admin"])] == [False, False]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"element": "u10"}, "element"),
        ({"status": "batal"}, "status"),
        ({"due_day": "15-12-2026"}, "due_day"),
        ({"period_from": "2027-01-01"}, "period_to"),
        ({"finding": ""}, "finding"),
        ({"plan": "x" * 2001}, "plan"),
        ({"owner": 7}, "owner"),
        ({"agency": "Dinas Entah"}, "agency"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_field_is_refused_naming_it_and_nothing_is_stored(client, auth, admins, change, field):
    response = client.post("/api/v1/skm/followups", json={**PLAN, **change}, headers=auth(admins["admin"]))
    assert response.status_code == 400
    assert response.json["error"]["field"] == field
    assert listed(client, auth, admins["admin"]) == []


def test_a_missing_field_and_a_bad_edit_are_refused_and_the_plan_is_unchanged(client, auth, admins):
    response = client.post("/api/v1/skm/followups", json={k: v for k, v in PLAN.items() if k != "owner"}, headers=auth(admins["admin"]))
    assert response.status_code == 400 and response.json["error"]["field"] == "owner"
    plan = client.post("/api/v1/skm/followups", json=PLAN, headers=auth(admins["admin"])).json
    bad = client.patch(f"/api/v1/skm/followups/{plan['id']}", json={"status": "selesai", "element": "u0"}, headers=auth(admins["admin"]))
    assert bad.status_code == 400 and bad.json["error"]["field"] == "element"
    assert listed(client, auth, admins["admin"])[0]["status"] == "rencana"
    assert client.patch("/api/v1/skm/followups/999", json={"status": "selesai"}, headers=auth(admins["admin"])).status_code == 404
    unchanged = client.patch(f"/api/v1/skm/followups/{plan['id']}", json={}, headers=auth(admins["admin"]))
    assert unchanged.status_code == 200 and unchanged.json["updated_at"] == plan["updated_at"]


def test_an_agency_admin_writes_and_reads_only_their_agency_s_plans(client, auth, admins):
    own = client.post("/api/v1/skm/followups", json=PLAN, headers=auth(admins["dukcapil"]))
    assert own.status_code == 201
    other = {**PLAN, "agency": "Kantor Imigrasi", "element": "u5"}
    assert client.post("/api/v1/skm/followups", json=other, headers=auth(admins["dukcapil"])).status_code == 403
    assert client.post("/api/v1/skm/followups", json={**PLAN, "agency": None}, headers=auth(admins["dukcapil"])).status_code == 403
    theirs = client.post("/api/v1/skm/followups", json=other, headers=auth(admins["admin"])).json
    hall_plan = client.post("/api/v1/skm/followups", json={**PLAN, "agency": None}, headers=auth(admins["admin"])).json

    assert [p["id"] for p in listed(client, auth, admins["dukcapil"])] == [own.json["id"]]
    refused = client.get(
        "/api/v1/skm/followups",
        query_string={"from": "2026-10-01", "to": "2026-12-31", "agency": "Kantor Imigrasi"},
        headers=auth(admins["dukcapil"]),
    )
    assert refused.status_code == 403
    for plan in (theirs, hall_plan):
        assert (
            client.patch(f"/api/v1/skm/followups/{plan['id']}", json={"status": "selesai"}, headers=auth(admins["dukcapil"])).status_code
            == 403
        )
    moved = client.patch(f"/api/v1/skm/followups/{own.json['id']}", json={"agency": "Kantor Imigrasi"}, headers=auth(admins["dukcapil"]))
    assert moved.status_code == 403
    assert {p["id"] for p in listed(client, auth, admins["admin"])} == {own.json["id"], theirs["id"], hall_plan["id"]}
    assert [p["id"] for p in listed(client, auth, admins["admin"], agency="Kantor Imigrasi")] == [theirs["id"]]


def test_officers_may_neither_read_nor_write_plans(client, auth, admins):
    plan = client.post("/api/v1/skm/followups", json=PLAN, headers=auth(admins["admin"])).json
    assert (
        client.get(
            "/api/v1/skm/followups", query_string={"from": "2026-10-01", "to": "2026-12-31"}, headers=auth(admins["siti"])
        ).status_code
        == 403
    )
    assert client.post("/api/v1/skm/followups", json=PLAN, headers=auth(admins["siti"])).status_code == 403
    assert client.patch(f"/api/v1/skm/followups/{plan['id']}", json={"status": "selesai"}, headers=auth(admins["siti"])).status_code == 403
    assert client.post("/api/v1/skm/followups", json=PLAN).status_code == 401


def test_plans_are_listed_for_the_periods_they_overlap(client, auth, admins):
    client.post("/api/v1/skm/followups", json=PLAN, headers=auth(admins["admin"]))
    assert len(listed(client, auth, admins["admin"], **{"from": "2026-01-01", "to": "2026-12-31"})) == 1
    assert listed(client, auth, admins["admin"], **{"from": "2026-07-01", "to": "2026-09-30"}) == []
