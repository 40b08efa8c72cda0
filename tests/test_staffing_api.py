"""GET /api/v1/reports/staffing: the advice from a day played through the real engine, the simulator
check on request, who may read it, and bad parameters named."""

from __future__ import annotations

from datetime import timedelta

import pytest
from antre.queue_server.hall import hall_of
from antre.queue_server.reports.staffing import service_level

from tests.conftest import OPENING, PASSWORD
from tests.test_admin_officers import admin_login

WEDNESDAY = OPENING.date().isoformat()  # 2026-11-25
DAY = f"weekday=2&from={WEDNESDAY}&to={WEDNESDAY}"


@pytest.fixture
def history(app, clock):
    """Four visitors to service A between 08:00 and 08:30, each called at once at counter 2 (which
    serves only A) and served for 5 minutes."""
    engine = hall_of(app).engine
    for i in range(4):
        clock.now = OPENING + timedelta(minutes=10 * i)
        engine.issue("A")
        engine.call_next("2")
        clock.advance(minutes=5)
        engine.complete("2")


@pytest.fixture
def dukcapil(app):
    accounts = hall_of(app).accounts
    accounts.add("dukcapil", PASSWORD, "agency_admin", agency="Disdukcapil")
    return accounts.login("dukcapil", PASSWORD)[0]


def get(client, auth, token, query):
    response = client.get(f"/api/v1/reports/staffing?{query}", headers=auth(token))
    return response.status_code, response.get_json()


def test_the_advice_for_a_day_of_the_real_engine(client, auth, officers, history):
    status, body = get(client, auth, officers["admin"], DAY)
    assert status == 200, body
    assert body["period"] == {"from": WEDNESDAY, "to": WEDNESDAY} and body["open_days"] == 1 and body["share"] == 0.8
    assert [s["service"] for s in body["services"]] == ["A", "B", "C"] and body["hours"] == [8]
    a = body["services"][0]
    assert (a["name"], a["agency"], a["target_wait_minutes"]) == ("KTP Elektronik", "Disdukcapil", 30)
    assert (a["service_minutes"], a["counter_minutes"], a["no_show_rate"]) == (5.0, 5.0, 0.0)
    eight = a["hours"][0]
    assert (eight["hour"], eight["arrivals"], eight["counters_needed"], eight["counters_had"], eight["short"]) == (8, 4.0, 1, 1.0, False)
    assert eight["share_advised"] == eight["share_had"] == round(service_level(4, 5, 1, 30), 3)
    assert eight["simulated_share"] is None and body["simulation"] is None
    b = body["services"][1]
    assert b["hours"] == [{**b["hours"][0], "arrivals": 0.0, "counters_needed": 0, "share_advised": None, "share_had": None}]


def test_the_simulator_check_on_request(client, auth, officers, history):
    status, body = get(client, auth, officers["admin"], f"{DAY}&simulate=1&days=2")
    assert status == 200, body
    assert body["simulation"]["days"] == 2 and body["simulation"]["service_hours"] == 1
    simulated = body["services"][0]["hours"][0]["simulated_share"]
    assert 0 <= simulated <= 1
    assert body["simulation"]["mean_absolute_difference"] == pytest.approx(
        abs(simulated - body["services"][0]["hours"][0]["share_advised"]), abs=0.002
    )


def test_an_agency_admin_sees_only_their_agency(client, auth, officers, dukcapil, history):
    status, body = get(client, auth, dukcapil, DAY)
    assert status == 200 and [s["service"] for s in body["services"]] == ["A", "B"]
    status, body = get(client, auth, dukcapil, f"{DAY}&agency=Kantor Imigrasi")
    assert status == 403 and body["error"]["code"] == "forbidden"
    status, body = get(client, auth, dukcapil, f"{DAY}&service=C")
    assert status == 403


def test_officers_and_strangers_are_refused(client, auth, officers):
    assert get(client, auth, officers["siti"], DAY)[0] == 403
    assert client.get(f"/api/v1/reports/staffing?{DAY}").status_code == 401


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("weekday=7", "weekday"),
        ("weekday=monday", "weekday"),
        ("share=1", "share"),
        ("share=0", "share"),
        ("share=lots", "share"),
        ("from=2026-13-01", "from"),
        (f"from={WEDNESDAY}&to=2026-11-01", "to"),
        ("agency=Nowhere", "agency"),
        ("simulate=1&days=0", "days"),
        ("simulate=1&days=365", "days"),
    ],
)
def test_a_bad_parameter_is_named(client, auth, officers, query, field):
    status, body = get(client, auth, officers["admin"], query)
    assert status == 400 and body["error"]["field"] == field, body


def test_the_page_offers_each_admin_their_agencies_and_refuses_officers(app, officers, dukcapil):
    pages = {}
    for name in ("admin", "dukcapil", "siti"):
        client = app.test_client()  # one browser each
        admin_login(client, name)
        pages[name] = client.get("/admin/staffing")
    assert pages["admin"].status_code == 200 and 'href="/admin/staffing"' in pages["admin"].text
    assert '<option value="Kantor Imigrasi">' in pages["admin"].text and '<option value="Disdukcapil">' in pages["admin"].text
    assert pages["dukcapil"].status_code == 200
    assert '<option value="Disdukcapil">' in pages["dukcapil"].text and "Kantor Imigrasi" not in pages["dukcapil"].text
    assert pages["siti"].status_code == 403
