"""What the people who keep a hall running see: /healthz names what is wrong, /metrics counts what
happened, and a full disk is reported as a full disk while reads keep working."""

from __future__ import annotations

import urllib.request

import pytest
import socketio
from antre.queue_server.app import create_app
from antre.queue_server.hall import hall_of
from antre.queue_server.issuing_access import new_kiosk_key
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import PASSWORD
from tests.support import SMALL_HALL, http, wait_until, write_config

API = "/api/v1"


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    """Every sample of a Prometheus text page, keyed by name and labels."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(page: dict, name: str, **labels: str) -> float | None:
    return page.get((name, frozenset(labels.items())))


@pytest.fixture
def offline_printer_app(tmp_path, clock, printer):
    """A hall whose kiosk prints on a network printer that does not answer (bound, never started)."""
    network = {"kind": "network", "host": "127.0.0.1", "port": printer.port, "timeout_seconds": 1}
    app = create_app(write_config(tmp_path, {**SMALL_HALL, "printer": network}), clock)
    app.config["TESTING"] = True
    yield app
    hall_of(app).printing.stop()
    hall_of(app).store.close()


def test_healthz_answers_200_with_one_entry_per_check_when_all_is_well(client):
    response = client.get("/healthz")
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert body["failing"] == []
    assert set(body["checks"]) == {"database", "disk", "printers", "speech", "live"}
    assert all(check["ok"] for check in body["checks"].values())
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_answers_503_naming_an_offline_printer_and_metrics_count_its_failures(offline_printer_app):
    client = offline_printer_app.test_client()
    key = new_kiosk_key(hall_of(offline_printer_app).store, "k1")
    issued = client.post(f"{API}/tickets", json={"service": "A", "kiosk": "k1"}, headers={"Authorization": f"Kiosk {key}"})
    assert issued.status_code == 201

    def unhealthy():
        response = client.get("/healthz")
        return response if response.status_code == 503 else None

    body = wait_until(unhealthy, timeout=15, message="/healthz to report the printer").get_json()
    assert body["failing"] == ["printers"]
    assert body["checks"]["printers"]["printers"]["default"] == "offline"
    assert "printers" in body["message"] and "default offline" in body["message"]
    assert body["checks"]["database"]["ok"]

    def failed_attempts() -> float | None:
        page = samples(client.get("/metrics").get_data(as_text=True))
        return value(page, "antre_print_failures_total", printer="default", outcome="retrying")

    wait_until(failed_attempts, timeout=15, message="the failed print attempt to be counted")


def test_metrics_of_a_running_hall_count_issues_calls_waits_commits_and_connected_clients(server):
    _, login = http("POST", f"{server.url}{API}/auth/login", {"username": "siti", "password": PASSWORD})
    token = login["token"]
    for service in ("A", "A", "B"):
        assert http("POST", f"{server.url}{API}/tickets", {"service": service})[0] == 201
    assert http("POST", f"{server.url}{API}/counters/1/call-next", token=token)[0] == 200
    assert http("POST", f"{server.url}{API}/counters/1/recall", token=token)[0] == 200
    assert http("POST", f"{server.url}{API}/counters/1/complete", token=token)[0] == 200
    display = socketio.Client(reconnection=False)
    display.connect(server.url, transports=["websocket"], wait_timeout=10)
    try:

        def scrape() -> dict | None:
            with urllib.request.urlopen(f"{server.url}/metrics", timeout=5) as response:
                assert response.headers["Content-Type"].startswith("text/plain")
                page = samples(response.read().decode())
            return page if value(page, "antre_live_clients", audience="hall") == 1 else None

        page = wait_until(scrape, message="the display to be counted as a connected client")
    finally:
        display.disconnect()
    assert value(page, "antre_tickets_issued_total", service="A") == 2
    assert value(page, "antre_tickets_issued_total", service="B") == 1
    assert value(page, "antre_calls_total", service="A", counter="1", recall="false") == 1
    assert value(page, "antre_calls_total", service="A", counter="1", recall="true") == 1
    assert value(page, "antre_tickets_finished_total", service="A", outcome="completed") == 1
    assert value(page, "antre_wait_seconds_count", service="A") == 1
    assert value(page, "antre_wait_seconds_bucket", service="A", le="+Inf") == 1
    assert value(page, "antre_commit_seconds_count", durable="true") >= 6  # 3 issues, 3 counter actions


def test_a_full_disk_answers_disk_full_and_reads_keep_working(app, client):
    """SQLite's own page limit makes the database full exactly as a full disk does (SQLITE_FULL)."""
    first = client.post(f"{API}/tickets", json={"service": "A"}).get_json()
    store = hall_of(app).store
    conn = store._connection()  # the test client serves requests in this thread, on this connection
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")

    def refused():
        response = client.post(f"{API}/tickets", json={"service": "A"}, headers={"Accept-Language": "en"})
        return response if response.status_code != 201 else None

    response = wait_until(refused, message="the database to fill up")
    body = response.get_json()
    assert response.status_code == 507, body
    assert body["error"]["code"] == "disk_full"
    assert "disk full" in body["error"]["message"]
    assert client.get(f"{API}/tickets/{first['id']}").status_code == 200
    assert client.get(f"{API}/state").status_code == 200
    assert client.get("/display").status_code == 200
