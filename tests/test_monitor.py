"""The live monitor: its alert rule, the alerts logged once each in the event log (and how a restart
carries them on), its REST endpoints by role, and the staff audience of the live channel.

The small hall: A and B (Disdukcapil) and C (Kantor Imigrasi), each with the default 30-minute target;
counter 1 serves A and B, counter 2 A, counter 3 C. Time moves only when the test moves it.
"""

from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest
import socketio
from antre.queue_server.hall import hall_of, open_hall
from antre.queue_server.monitor import MonitorWatch, alerts_for, logged_alerts

from tests.conftest import PASSWORD
from tests.support import wait_until

API = "/api/v1"


def alert_log(store) -> list[tuple[str, str, str]]:
    """(kind, alert, service) of every alert event, oldest first."""
    with store.read() as tx:
        rows = tx.alerts_between("", "9999")
    return [("alert_started", r["details"]["alert"], r["details"]["service"]) for r in rows] + [
        ("alert_ended", r["ended_details"]["alert"], r["ended_details"]["service"]) for r in rows if r["ended_details"]
    ]


@pytest.fixture
def watch(hall):
    """The watcher without its thread: the test says when it looks."""
    return MonitorWatch(hall.engine, hall.store)


def test_the_rule_over_target_only_past_the_target_and_no_open_counter_only_with_visitors_waiting():
    assert alerts_for(waiting=3, longest_wait_minutes=30.0, target_wait_minutes=30, counters_open=1) == []
    assert alerts_for(waiting=3, longest_wait_minutes=30.1, target_wait_minutes=30, counters_open=1) == ["over_target"]
    assert alerts_for(waiting=1, longest_wait_minutes=2.0, target_wait_minutes=30, counters_open=0) == ["no_open_counter"]
    assert alerts_for(waiting=0, longest_wait_minutes=None, target_wait_minutes=30, counters_open=0) == []
    assert alerts_for(waiting=2, longest_wait_minutes=45.0, target_wait_minutes=30, counters_open=0) == ["over_target", "no_open_counter"]


def test_a_wait_past_its_target_starts_one_alert_and_the_call_ends_it_with_its_minutes(hall, engine, clock, watch):
    engine.open_counter("2")
    engine.issue("A")
    assert watch.evaluate() == []
    clock.advance(minutes=30)
    assert watch.evaluate() == []  # at the target is within it
    clock.advance(minutes=1)
    started = watch.evaluate()
    assert [(e.kind, e.details["alert"], e.details["service"]) for e in started] == [("alert_started", "over_target", "A")]
    assert started[0].details["details"] == {
        "waiting": 1,
        "longest_wait_minutes": 31.0,
        "target_wait_minutes": 30,
        "counters": {"open": 1, "paused": 0, "closed": 1},
    }
    clock.advance(minutes=2)
    assert watch.evaluate() == []  # still true: no second start
    clock.advance(minutes=2)
    engine.call_next("2")
    ended = watch.evaluate()
    assert [(e.kind, e.details["alert"], e.details["minutes"]) for e in ended] == [("alert_ended", "over_target", 4.0)]
    assert watch.evaluate() == []
    assert alert_log(hall.store) == [("alert_started", "over_target", "A"), ("alert_ended", "over_target", "A")]


def test_a_paused_counter_is_not_open_so_its_waiting_visitors_raise_no_open_counter(hall, engine, watch):
    engine.issue("B")  # only counter 1 serves B, and it is closed
    assert [e.details["alert"] for e in watch.evaluate()] == ["no_open_counter"]
    engine.open_counter("1")
    assert [e.kind for e in watch.evaluate()] == ["alert_ended"]
    engine.pause("1", "istirahat")
    assert [(e.kind, e.details["alert"], e.details["service"]) for e in watch.evaluate()] == [("alert_started", "no_open_counter", "B")]
    engine.resume("1")
    assert [e.kind for e in watch.evaluate()] == ["alert_ended"]


def test_after_a_restart_an_alert_still_true_goes_on_and_one_no_longer_true_ends(hall_config, clock):
    first = open_hall(hall_config, clock)
    first.engine.open_counter("2")
    first.engine.issue("A")
    first.engine.issue("B")
    clock.advance(minutes=31)
    opened = MonitorWatch(first.engine, first.store).evaluate()
    assert sorted((e.details["alert"], e.details["service"]) for e in opened) == [
        ("no_open_counter", "B"),
        ("over_target", "A"),
        ("over_target", "B"),
    ]
    first.store.close()

    again = open_hall(hall_config, clock)
    try:
        clock.advance(minutes=1)
        again.engine.open_counter("1")  # B has an open counter now; both waits are still past their target
        changes = MonitorWatch(again.engine, again.store).evaluate()
        assert [(e.kind, e.details["alert"], e.details["service"]) for e in changes] == [("alert_ended", "no_open_counter", "B")]
        assert changes[0].details["minutes"] == 1.0
        assert [kind for kind, _, _ in alert_log(again.store)].count("alert_started") == 3
    finally:
        again.store.close()


def test_transitions_are_published_after_their_commit_and_leave_the_displays_seq_alone(hall, engine, watch):
    in_log_when_heard = []

    def listener(events):
        with hall.store.read() as tx:
            logged = {row["id"] for row in tx.alerts_between("", "9999")}
        in_log_when_heard.extend(e.id in logged for e in events if e.kind == "alert_started")

    engine.issue("C")
    seq = engine.state()["last_event"]
    engine.subscribe(listener)
    recorded = watch.evaluate()
    assert [e.kind for e in recorded] == ["alert_started"] and in_log_when_heard == [True]
    assert engine.state()["last_event"] == seq  # displays never hear of alerts: their seq must stay reachable


def test_the_alert_log_of_a_day_has_start_end_and_duration(hall, engine, clock, watch):
    engine.issue("C")
    watch.evaluate()
    clock.advance(minutes=5)
    engine.open_counter("3")
    watch.evaluate()
    clock.advance(minutes=1)
    engine.issue("B")
    watch.evaluate()
    day = engine.today()
    shown = [(a["alert"], a["service"], a["ended_at"] is not None, a["minutes"]) for a in logged_alerts(engine, day, day)]
    assert shown == [("no_open_counter", "C", True, 5.0), ("no_open_counter", "B", False, 0.0)]
    assert [a["service"] for a in logged_alerts(engine, day, day, agency="Kantor Imigrasi")] == ["C"]
    assert logged_alerts(engine, "2026-11-24", "2026-11-24") == []


# --- the REST endpoints -----------------------------------------------------------------------------


@pytest.fixture
def agency_admin(app, officers) -> str:
    accounts = hall_of(app).accounts
    accounts.add("dukcapil", PASSWORD, "agency_admin", agency="Disdukcapil")
    return accounts.login("dukcapil", PASSWORD)[0]


def test_the_monitor_shows_each_service_with_its_wait_target_counters_and_alerts(app, client, officers, auth, clock):
    engine = hall_of(app).engine
    engine.open_counter("1")
    engine.pause("1", "istirahat")
    engine.issue("A")
    clock.advance(minutes=40)
    engine.issue("A")
    body = client.get(f"{API}/monitor", headers=auth(officers["admin"])).get_json()
    a = next(s for s in body["services"] if s["code"] == "A")
    assert a == {
        "code": "A",
        "name": "KTP Elektronik",
        "agency": "Disdukcapil",
        "waiting": 2,
        "longest_wait_minutes": 40.0,
        "target_wait_minutes": 30,
        "counters": {"open": 0, "paused": 1, "closed": 1},
        "alerts": ["over_target", "no_open_counter"],
    }
    assert [(x["alert"], x["service"]) for x in body["alerts"]] == [("over_target", "A"), ("no_open_counter", "A")]
    c = next(s for s in body["services"] if s["code"] == "C")
    assert (c["waiting"], c["longest_wait_minutes"], c["alerts"]) == (0, None, [])


def test_an_agency_admin_sees_only_their_agencys_services_and_alerts(app, client, officers, agency_admin, auth):
    engine = hall_of(app).engine
    engine.issue("A")
    engine.issue("C")
    hall_of(app).monitor.evaluate()
    mine = client.get(f"{API}/monitor", headers=auth(agency_admin)).get_json()
    assert [s["code"] for s in mine["services"]] == ["A", "B"]
    assert [a["service"] for a in mine["alerts"]] == ["A"]
    logged = client.get(f"{API}/monitor/alerts", headers=auth(agency_admin)).get_json()
    assert [a["service"] for a in logged["alerts"]] == ["A"]
    everything = client.get(f"{API}/monitor/alerts", headers=auth(officers["admin"])).get_json()
    assert sorted(a["service"] for a in everything["alerts"]) == ["A", "C"]


def test_the_monitor_refuses_anonymous_callers_and_officers(client, officers, auth):
    for path in ("/monitor", "/monitor/alerts"):
        assert client.get(f"{API}{path}").status_code == 401
        refused = client.get(f"{API}{path}", headers=auth(officers["siti"]))
        assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    assert client.get("/admin/monitor").status_code == 302  # to the log-in form


def test_a_bad_day_is_named(client, officers, auth):
    bad = client.get(f"{API}/monitor/alerts?from=kemarin", headers=auth(officers["admin"]))
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "from"
    backwards = client.get(f"{API}/monitor/alerts?from=2026-11-25&to=2026-11-24", headers=auth(officers["admin"]))
    assert backwards.status_code == 400


# --- the staff audience of the live channel -----------------------------------------------------------


def session_cookie(url: str, username: str) -> str:
    """Log in through the administration's form as a browser does; the session cookie it sets."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = opener.open(f"{url}/admin/login").read().decode()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    data = urllib.parse.urlencode({"username": username, "password": PASSWORD, "csrf_token": csrf}).encode()
    try:
        opener.open(f"{url}/admin/login", data)
    except urllib.error.HTTPError as refused:  # an officer is shown the 403 page after the log-in
        assert refused.code == 403
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def monitor_client(url: str, cookie: str | None = None) -> tuple[socketio.Client, list[str]]:
    client = socketio.Client(reconnection=False)
    heard: list[str] = []
    client.on("*", lambda name, *_: heard.append(name))
    client.connect(url, auth={"monitor": "1"}, headers={"Cookie": cookie} if cookie else {}, transports=["websocket"], wait_timeout=10)
    return client, heard


@pytest.mark.parametrize("username", [None, "siti"])
def test_the_monitor_audience_refuses_anonymous_clients_and_officers(server, username):
    cookie = session_cookie(server.url, username) if username else None
    with pytest.raises(socketio.exceptions.ConnectionError):
        monitor_client(server.url, cookie)


def test_an_admins_monitor_hears_a_ticket_issued_and_no_snapshot(server):
    client, heard = monitor_client(server.url, session_cookie(server.url, "admin"))
    try:
        urllib.request.urlopen(
            urllib.request.Request(f"{server.url}{API}/tickets", b'{"service": "A"}', {"Content-Type": "application/json"})
        )
        wait_until(lambda: "monitor" in heard, message="a monitor message")
        assert "state" not in heard and "called" not in heard
    finally:
        client.disconnect()
