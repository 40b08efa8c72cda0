"""The SKM survey over HTTP: a served ticket answers once, anything else is refused with nothing
stored; the index, population and sample as staff read them; who may read which figures."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest
from antre.queue_server.hall import hall_of
from antre.queue_server.skm.index import sample_min
from antre.queue_server.skm.survey import SurveyRefused
from antre.queue_server.skm_api import RESPONSES_PER_ADDRESS_PER_HOUR

from tests.conftest import PASSWORD
from tests.test_openapi import Checker
from tests.test_skm_index import SMALL_SET

MONTH = "from=2026-11-01&to=2026-11-30"
ALL_FOUR = {f"u{i}": 4 for i in range(1, 10)}


def serve(app, service: str = "A", counter: str = "1", officer: str | None = None) -> str:
    """A ticket issued, called and completed at ``counter`` (by ``officer``): its id."""
    hall = hall_of(app)
    officer_id = next((o["id"] for o in hall.accounts.list() if o["username"] == officer), None)
    ticket = hall.engine.issue(service)
    hall.engine.call_ticket(counter, ticket["id"], officer_id)
    hall.engine.complete(counter, officer_id)
    return ticket["id"]


def answer(client, ticket_id: str, body: dict, address: str = "10.1.2.3"):
    return client.post(f"/api/v1/tickets/{ticket_id}/survey", json=body, environ_base={"REMOTE_ADDR": address})


def stored(app) -> int:
    with hall_of(app).store.read() as tx:
        return tx.conn.execute("SELECT COUNT(*) FROM survey_responses").fetchone()[0]


def skm(client, query: str, token: str, path: str = "skm"):
    return client.get(f"/api/v1/{path}?{query}", headers={"Authorization": f"Bearer {token}"})


def as_answers(row: tuple) -> dict:
    return {f"u{i}": score for i, score in enumerate(row, start=1) if score is not None}


def test_a_served_ticket_answers_once(app, client, officers):
    ticket = serve(app)
    history = client.get(f"/api/v1/tickets/{ticket}/history", headers={"Authorization": f"Bearer {officers['siti']}"}).get_json()
    state = client.get(f"/api/v1/tickets/{ticket}/survey")
    assert state.get_json()["state"] == "open" and state.get_json()["until"].startswith("2026-12-02")
    assert state.headers["Cache-Control"] == "no-store"
    body = {
        "answers": ALL_FOUR,
        "profile": {"sex": "P", "age": 34, "education": "S1", "occupation": "Swasta"},
        "comment": "Cepat dan ramah",
    }
    first = answer(client, ticket, body)
    assert (first.status_code, first.get_json()) == (201, {"ok": True})
    assert client.get(f"/api/v1/tickets/{ticket}/survey").get_json()["state"] == "answered"
    second = answer(client, ticket, body)
    assert (second.status_code, second.get_json()["error"]["code"]) == (409, "already_answered")
    assert stored(app) == 1
    # Nothing of the response enters the ticket's history, which officers read.
    assert client.get(f"/api/v1/tickets/{ticket}/history", headers={"Authorization": f"Bearer {officers['siti']}"}).get_json() == history


def test_two_responses_sent_at_once_store_one(app):
    """The check and the insert share one write transaction: of two simultaneous answers, one wins."""
    survey, ticket = hall_of(app).survey, serve(app)
    outcomes: list[str] = []

    def send() -> None:
        try:
            survey.answer(ticket, {"answers": ALL_FOUR}, "tablet")
            outcomes.append("stored")
        except SurveyRefused as refused:
            outcomes.append(refused.code)

    senders = [threading.Thread(target=send) for _ in range(4)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    assert sorted(outcomes) == ["already_answered"] * 3 + ["stored"]
    assert stored(app) == 1


def test_an_element_may_be_left_out_and_the_profile_is_optional(app, client):
    assert answer(client, serve(app), {"answers": {"u1": 3, "u9": None}}).status_code == 201
    assert stored(app) == 1


def test_only_served_tickets_answer(app, client):
    hall = hall_of(app)
    waiting = hall.engine.issue("A")["id"]
    missed = hall.engine.issue("A")["id"]
    hall.engine.call_ticket("2", missed)
    hall.engine.no_show("2")
    for ticket in (waiting, missed):
        assert client.get(f"/api/v1/tickets/{ticket}/survey").get_json()["state"] == "not_served"
        refused = answer(client, ticket, {"answers": ALL_FOUR})
        assert (refused.status_code, refused.get_json()["error"]["code"]) == (409, "not_served")
    unknown = answer(client, "no-such-ticket", {"answers": ALL_FOUR})
    assert (unknown.status_code, unknown.get_json()["error"]["code"]) == (404, "not_found")
    assert client.get("/api/v1/tickets/no-such-ticket/survey").status_code == 404
    assert stored(app) == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"answers": {**ALL_FOUR, "u3": 5}}, "answers.u3"),
        ({"answers": {**ALL_FOUR, "u3": 0}}, "answers.u3"),
        ({"answers": {**ALL_FOUR, "u3": "3"}}, "answers.u3"),
        ({"answers": {**ALL_FOUR, "u3": True}}, "answers.u3"),
        ({"answers": {**ALL_FOUR, "u3": 3.0}}, "answers.u3"),
        ({"answers": {**ALL_FOUR, "u10": 4}}, "answers.u10"),
        ({"answers": {}}, "answers"),
        ({"answers": [4, 4, 4]}, "answers"),
        ({}, "answers"),
        ({"answers": ALL_FOUR, "profile": {"sex": "X"}}, "profile.sex"),
        ({"answers": ALL_FOUR, "profile": {"age": 200}}, "profile.age"),
        ({"answers": ALL_FOUR, "profile": {"age": "30"}}, "profile.age"),
        ({"answers": ALL_FOUR, "profile": {"education": "SMK"}}, "profile.education"),
        ({"answers": ALL_FOUR, "profile": {"name": "Budi"}}, "profile.name"),
        ({"answers": ALL_FOUR, "comment": "x" * 1001}, "comment"),
        ({"answers": ALL_FOUR, "comment": 5}, "comment"),
        ({"answers": ALL_FOUR, "phone": "0812"}, "phone"),
    ],
)
def test_a_bad_response_is_refused_naming_its_field_and_nothing_is_stored(app, client, body, field):
    ticket = serve(app)
    refused = answer(client, ticket, body)
    assert refused.status_code == 400
    assert refused.get_json()["error"]["field"] == field
    assert stored(app) == 0
    assert client.get(f"/api/v1/tickets/{ticket}/survey").get_json()["state"] == "open"


def test_the_survey_closes_survey_days_after_the_service(app, client, clock):
    ticket = serve(app)
    clock.advance(days=7, minutes=1)
    assert client.get(f"/api/v1/tickets/{ticket}/survey").get_json()["state"] == "closed"
    refused = answer(client, ticket, {"answers": ALL_FOUR})
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (409, "survey_closed")
    assert stored(app) == 0


def test_a_hall_without_the_survey_takes_no_response(app, client):
    hall = hall_of(app)
    ticket = serve(app)
    hall.reconfigure(replace(hall.config, survey=replace(hall.config.survey, enabled=False)))
    assert client.get(f"/api/v1/tickets/{ticket}/survey").get_json()["state"] == "disabled"
    refused = answer(client, ticket, {"answers": ALL_FOUR})
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (409, "survey_disabled")
    assert stored(app) == 0


def test_responses_are_limited_per_address(app, client):
    """Every try counts, so guessing ticket ids from one address stops at the limit."""
    for attempt in range(RESPONSES_PER_ADDRESS_PER_HOUR):
        assert answer(client, f"guess-{attempt}", {"answers": ALL_FOUR}).status_code == 404
    ticket = serve(app)
    throttled = answer(client, ticket, {"answers": ALL_FOUR})
    assert (throttled.status_code, throttled.get_json()["error"]["code"]) == (429, "too_many_requests")
    assert answer(client, ticket, {"answers": ALL_FOUR}, address="10.9.9.9").status_code == 201  # another address
    assert stored(app) == 1


@pytest.fixture
def surveyed(app, client, officers):
    """The small set (test_skm_index) answered for four tickets siti served at counter 1, one more
    served ticket that did not answer, a waiting ticket and a passport ticket budi served and
    answered with all fours; an agency admin of Disdukcapil."""
    hall = hall_of(app)
    profiles = [{"sex": "L", "age": 19}, {"sex": "P", "age": 20}, {"sex": "P", "education": "S1", "age": 60}, {}]
    for row, profile in zip(SMALL_SET, profiles, strict=True):
        assert (
            answer(
                client, serve(app, "A", "1", "siti"), {"answers": as_answers(row), "profile": profile, "comment": "Antrean tertib"}
            ).status_code
            == 201
        )
    serve(app, "B", "1", "siti")
    hall.engine.issue("A")
    assert answer(client, serve(app, "C", "3", "budi"), {"answers": ALL_FOUR, "comment": "Paspor cepat"}).status_code == 201
    hall.accounts.add("dukcapil", PASSWORD, "agency_admin", agency="Disdukcapil")
    ids = {o["username"]: o["id"] for o in hall.accounts.list()}
    return {**officers, "dukcapil": hall.accounts.login("dukcapil", PASSWORD)[0]}, ids


def test_the_index_of_an_agency_is_the_hand_computed_one(client, surveyed):
    tokens, _ids = surveyed
    response = skm(client, f"{MONTH}&agency=Disdukcapil", tokens["admin"])
    assert response.headers["Cache-Control"] == "no-store"
    figures = response.get_json()
    # The small set: NRRs 3.5 3.5 2.75 4 3.25 3.75 4 2.75 3.5, index 31/9, IKM 86.11, B.
    assert figures["respondents"] == 4
    assert figures["nrr"] == [3.5, 3.5, 2.75, 4.0, 3.25, 3.75, 4.0, 2.75, 3.5]
    assert (figures["index"], figures["ikm"], figures["grade"], figures["grade_label"]) == (3.4444, 86.11, "B", "Baik")
    assert figures["answered"] == [4] * 9 and figures["lowest"] == ["u3", "u8", "u5"]
    assert figures["elements"][2] == {"element": "u3", "title": "Waktu Penyelesaian", "nrr": 2.75, "answered": 4, "grade": "C"}
    # Population: the five Disdukcapil tickets served (the waiting one is not); sample for N=5 is 5.
    assert (figures["population"], figures["sample_min"], figures["sample_met"]) == (5, sample_min(5), False)
    assert figures["profile"]["sex"] == {"L": 1, "P": 2, "null": 1}
    assert figures["profile"]["age"] == {"<20": 1, "20-29": 1, "30-39": 0, "40-49": 0, "50-59": 0, ">=60": 1, "null": 1}
    assert figures["profile"]["education"]["S1"] == 1 and figures["profile"]["education"]["null"] == 3
    hall_figures = skm(client, "period=2026-Q4", tokens["admin"]).get_json()
    assert hall_figures["period"] == {"from": "2026-10-01", "to": "2026-12-31"}
    assert (hall_figures["respondents"], hall_figures["population"]) == (5, 6)


def test_the_breakdown_and_the_comments(client, surveyed):
    tokens, _ids = surveyed
    rows = skm(client, f"{MONTH}&by=agency", tokens["admin"], "skm/breakdown").get_json()["rows"]
    assert [(r["key"], r["respondents"], r["population"], r["ikm"], r["grade"]) for r in rows] == [
        ("Disdukcapil", 4, 5, 86.11, "B"),
        ("Kantor Imigrasi", 1, 1, 100.0, "A"),
    ]
    counters = skm(client, f"{MONTH}&by=counter", tokens["admin"], "skm/breakdown").get_json()["rows"]
    assert [(r["key"], r["respondents"], r["hidden"]) for r in counters] == [("1", 4, True), ("2", 0, True), ("3", 1, True)]
    assert "ikm" not in counters[0]  # below survey.min_respondents (5): the count only
    comments = skm(client, MONTH, tokens["dukcapil"], "skm/comments").get_json()
    assert comments["total"] == 4
    assert comments["comments"][0] == {
        "day": "2026-11-25",
        "service": "A",
        "agency": "Disdukcapil",
        "comment": "Antrean tertib",
        "service_name": "KTP Elektronik",
    }


def test_an_agency_admin_reads_only_their_agency(client, surveyed):
    tokens, ids = surveyed
    own = skm(client, MONTH, tokens["dukcapil"]).get_json()
    assert own["scope"]["agency"] == "Disdukcapil" and own["ikm"] == 86.11
    for other in ("agency=Kantor Imigrasi", "service=C", "counter=3", f"officer={ids['budi']}"):
        assert skm(client, f"{MONTH}&{other}", tokens["dukcapil"]).status_code == 403, other
    assert skm(client, f"{MONTH}&agency=Kantor Imigrasi", tokens["dukcapil"], "skm/comments").status_code == 403
    rows = skm(client, f"{MONTH}&by=service", tokens["dukcapil"], "skm/breakdown").get_json()["rows"]
    assert [r["key"] for r in rows] == ["A", "B"]


def test_an_officer_sees_only_their_own_aggregate_and_only_from_the_minimum(app, client, surveyed):
    tokens, ids = surveyed
    assert skm(client, f"{MONTH}&officer={ids['budi']}", tokens["siti"]).status_code == 403
    assert skm(client, MONTH, tokens["siti"], "skm/comments").status_code == 403
    hidden = skm(client, MONTH, tokens["siti"]).get_json()
    assert hidden == {
        "period": {"from": "2026-11-01", "to": "2026-11-30"},
        "scope": {"agency": None, "service": None, "counter": None, "officer": ids["siti"]},
        "respondents": 4,
        "hidden": True,
    }
    assert answer(client, serve(app, "A", "2", "siti"), {"answers": ALL_FOUR}).status_code == 201
    own = skm(client, MONTH, tokens["siti"]).get_json()
    assert (own["hidden"], own["respondents"], own["population"]) == (False, 5, 6)
    assert own == skm(client, f"{MONTH}&officer={ids['siti']}", tokens["admin"]).get_json()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2026-11-31&to=2026-12-01", "from"),
        ("from=2026-11-30&to=2026-11-01", "to"),
        ("period=2026-S3", "period"),
        (f"{MONTH}&agency=Dinas X", "agency"),
        (f"{MONTH}&counter=9", "counter"),
        (f"{MONTH}&service=Z", "service"),
    ],
)
def test_bad_parameters_are_400_naming_them(client, officers, query, field):
    refused = skm(client, query, officers["admin"])
    assert (refused.status_code, refused.get_json()["error"]["field"]) == (400, field)


def test_a_breakdown_needs_a_known_key(client, officers):
    refused = skm(client, f"{MONTH}&by=officer", officers["admin"], "skm/breakdown")
    assert (refused.status_code, refused.get_json()["error"]["field"]) == (400, "by")


def test_every_answer_is_as_the_openapi_document_says(app, client, surveyed):
    """Each endpoint's success and error answers validate against openapi.json's schemas (which
    forbid undocumented fields)."""
    tokens, _ids = surveyed
    checker = Checker(client.get("/api/v1/openapi.json").get_json())

    def check(method: str, path: str, token: str | None = None, **options):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = client.open(path, method=method.upper(), headers=headers, environ_base={"REMOTE_ADDR": "10.7.7.7"}, **options)
        checker.check(method, path, response)

    ticket = serve(app)
    waiting = hall_of(app).engine.issue("A")["id"]
    check("get", f"/api/v1/tickets/{ticket}/survey")
    check("get", f"/api/v1/tickets/{waiting}/survey")
    check("get", "/api/v1/tickets/nope/survey")
    check(
        "post",
        f"/api/v1/tickets/{ticket}/survey",
        json={"answers": ALL_FOUR, "profile": {"sex": "L", "age": 40, "education": "SMA", "occupation": "PNS"}},
    )
    check("post", f"/api/v1/tickets/{ticket}/survey", json={"answers": ALL_FOUR})
    check("post", f"/api/v1/tickets/{waiting}/survey", json={"answers": {"u1": 9}})
    check("post", f"/api/v1/tickets/{waiting}/survey", json={"answers": ALL_FOUR})
    check("post", "/api/v1/tickets/nope/survey", json={"answers": ALL_FOUR})
    for query in (MONTH, f"{MONTH}&agency=Kantor Imigrasi", "period=2026"):
        check("get", f"/api/v1/skm?{query}", tokens["admin"])
    check("get", f"/api/v1/skm?{MONTH}", tokens["siti"])  # hidden
    check("get", "/api/v1/skm?from=2025-01-01&to=2025-01-31", tokens["admin"])  # nobody answered
    check("get", "/api/v1/skm?period=2026-Q9", tokens["admin"])
    check("get", f"/api/v1/skm?{MONTH}", None)
    check("get", f"/api/v1/skm?{MONTH}&agency=Kantor Imigrasi", tokens["dukcapil"])
    for by in ("agency", "service", "counter"):
        check("get", f"/api/v1/skm/breakdown?{MONTH}&by={by}", tokens["admin"])
    check("get", f"/api/v1/skm/comments?{MONTH}", tokens["admin"])
    check("get", f"/api/v1/skm/comments?{MONTH}", tokens["siti"])
    statuses = {(path, method, status) for path, method, status in checker.seen}
    assert {("/tickets/{ticket_id}/survey", "post", s) for s in ("201", "400", "404", "409")} <= statuses
