"""Printing through the API: a kiosk ticket reaches a loopback TCP printer, the answer never waits
for it, a printer that is down gets the job later and once, staff see printers and reprint."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from antre.printer.loopback import LoopbackPrinter
from antre.queue_server.app import create_app
from antre.queue_server.hall import hall_of
from antre.queue_server.issuing_access import new_kiosk_key

from tests.conftest import PASSWORD
from tests.support import SMALL_HALL, ServerProcess, antre, http, wait_until, write_config

API = "/api/v1"
PUBLIC_URL = "http://192.168.1.10:5000"


def hall_data(printer: LoopbackPrinter, **extra) -> dict:
    network = {"kind": "network", "host": "127.0.0.1", "port": printer.port, "timeout_seconds": 2}
    kiosks = [{"id": "k1", "name": "Kiosk Lobi"}, {"id": "k2", "name": "Kiosk Lantai 2", "printer": "none"}]
    return {**SMALL_HALL, "public_url": PUBLIC_URL, "printer": network, "kiosks": kiosks, **extra}


@pytest.fixture
def make_app(tmp_path, clock):
    made = []

    def make(data: dict):
        app = create_app(write_config(tmp_path, data), clock)
        app.config["TESTING"] = True
        app.config["KIOSK_KEYS"] = {kiosk: new_kiosk_key(hall_of(app).store, kiosk) for kiosk in hall_of(app).config.kiosks}
        made.append(app)
        return app

    yield make
    for app in made:
        hall_of(app).printing.stop()
        hall_of(app).store.close()


@pytest.fixture
def client(make_app, printer):
    client = make_app(hall_data(printer)).test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"  # the refusals checked below are the English ones
    return client


def post_ticket(client, body: dict):
    """POST /tickets as the kiosk the body names (with its key), or as a phone."""
    key = client.application.config["KIOSK_KEYS"].get(body.get("kiosk"))
    return client.post(f"{API}/tickets", json=body, headers={"Authorization": f"Kiosk {key}"} if key else {})


def issue(client, **body) -> dict:
    response = post_ticket(client, {"service": "A", **body})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def qr_command(url: str) -> bytes:
    """GS ( k, function 180: store the QR code's data."""
    size = len(url) + 3
    return b"\x1d(k" + bytes([size % 256, size // 256]) + b"1P0" + url.encode()


def test_a_kiosk_ticket_is_printed_with_its_number_cut_and_qr(client, printer):
    printer.start()
    ticket = issue(client, kiosk="k1")
    assert ticket["print"]["status"] in ("pending", "sent") and ticket["print"]["job_id"] > 0
    (data,) = printer.wait_for_tickets(1)
    assert ticket["number"].encode() in data
    assert b"\x1dV" in data
    assert qr_command(ticket["track_url"]) in data and ticket["track_url"] == f"{PUBLIC_URL}/t/{ticket['id']}"
    wait_until(lambda: client.get(f"{API}/tickets/{ticket['id']}").get_json()["print"]["status"] == "sent", message="job sent")
    assert client.get(f"{API}/tickets/{ticket['id']}").get_json()["print"]["printer"] == "ok"


def test_tickets_without_a_printing_kiosk_print_nothing(client, printer):
    printer.start()
    assert issue(client)["print"] is None
    assert issue(client, kiosk="k2")["print"] is None
    sentinel = issue(client, kiosk="k1")
    (data,) = printer.wait_for_tickets(1)
    assert sentinel["number"].encode() in data


def test_printer_down_the_ticket_is_issued_and_printed_once_later(client, printer):
    ticket = issue(client, kiosk="k1")
    assert ticket["number"] == "A001"

    def job():
        return client.get(f"{API}/tickets/{ticket['id']}").get_json()["print"]

    wait_until(lambda: job()["error"], message="a failed attempt")
    assert job()["status"] == "pending" and job()["printer"] == "offline" and "refused the connection" in job()["error"]
    printer.start()
    wait_until(lambda: job()["status"] == "sent", timeout=15, message="job sent once the printer listens")
    sentinel = issue(client, kiosk="k1")
    tickets = printer.wait_for_tickets(2)
    assert [t.count(b"A00") for t in tickets] == [1, 1]
    assert ticket["number"].encode() in tickets[0] and sentinel["number"].encode() in tickets[1]
    assert len(printer.tickets) == 2


def test_the_same_request_id_gives_the_same_ticket(client, printer):
    printer.start()
    first = post_ticket(client, {"service": "A", "kiosk": "k1", "request_id": "tap-0001-abcd"})
    again = post_ticket(client, {"service": "A", "kiosk": "k1", "request_id": "tap-0001-abcd"})
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert again.get_json()["id"] == first.get_json()["id"] and again.get_json()["print"]["job_id"] == first.get_json()["print"]["job_id"]
    other = issue(client, kiosk="k1", request_id="tap-0002-abcd")
    assert other["number"] == "A002"
    printer.wait_for_tickets(2)
    assert len(printer.tickets) == 2


@pytest.mark.parametrize("request_id", ["short", "x" * 65, "has space 123", 12345678, ["tap-0001-abcd"]])
def test_a_bad_request_id_is_refused_and_issues_nothing(client, request_id):
    response = post_ticket(client, {"service": "A", "kiosk": "k1", "request_id": request_id})
    assert response.status_code == 400 and response.get_json()["error"]["field"] == "request_id"
    assert client.get(f"{API}/services").get_json()[0]["waiting"] == 0


def test_a_kiosk_issues_nothing_outside_opening_hours(make_app, printer, clock):
    data = hall_data(printer)
    app = make_app({**data, "hall": {**data["hall"], "opening_hours": "09:00-15:00"}})
    client = app.test_client()  # the clock says 08:00 in Jakarta
    response = post_ticket(client, {"service": "A", "kiosk": "k1"})
    assert (
        response.status_code == 409
        and "layanan sedang tutup; nomor diberikan pukul 09:00 sampai 15:00" in response.get_json()["error"]["message"]
    )
    assert client.get("/kiosk/services.json").get_json()["open"] is False
    clock.now = datetime(2026, 11, 25, 9, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
    assert issue(client, kiosk="k1")["number"] == "A001"
    assert issue(client)["number"] == "A002"  # an officer or a phone is not a kiosk


def test_a_kiosk_issues_nothing_for_a_service_whose_counters_nobody_staffs_where_the_hall_asks_so(make_app, printer, officers_for):
    client = make_app({**hall_data(printer), "kiosk_requires_open_counter": True}).test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    token = officers_for(client)
    client.post(f"{API}/counters/1/open", headers={"Authorization": f"Bearer {token}"})
    response = post_ticket(client, {"service": "C", "kiosk": "k1"})
    assert response.status_code == 409 and response.get_json()["error"]["message"] == "no counter is open for service C now"
    services = {s["code"]: s for s in client.get("/kiosk/services.json").get_json()["services"]}
    assert services["C"]["unavailable"] == "no_counter" and services["A"]["unavailable"] is None
    paused = client.post(f"{API}/counters/3/pause", json={"reason": "rapat"}, headers={"Authorization": f"Bearer {token}"})
    assert paused.get_json()["status"] == "paused"
    assert post_ticket(client, {"service": "C", "kiosk": "k1"}).status_code == 201, "an officer on a pause is still there"


def test_a_refused_tap_leaves_nothing_behind_and_the_counters_close_with_the_day(make_app, printer, officers_for, clock):
    """The staffed-counter check runs inside the ticket's transaction: a refusal rolls back the ticket,
    its request id and its job; and the day roll that closes yesterday's counters comes first."""
    client = make_app({**hall_data(printer), "kiosk_requires_open_counter": True}).test_client()
    token = officers_for(client)
    tap = {"service": "C", "kiosk": "k1", "request_id": "tap-C-000001"}
    assert post_ticket(client, tap).status_code == 409
    assert hall_of(client.application).printing.jobs.jobs() == []
    client.post(f"{API}/counters/3/open", headers={"Authorization": f"Bearer {token}"})
    printer.start()
    ticket = issue(client, **tap)
    assert ticket["number"] == "C001" and ticket["print"]["status"] == "pending", "the same tap, repeated, is a new try"
    assert b"C001" in printer.wait_for_tickets(1)[0]
    clock.advance(days=1)
    assert post_ticket(client, {**tap, "request_id": "tap-C-000002"}).status_code == 409, "nobody has signed in at 3 today"


@pytest.fixture
def officers_for():
    def make(client) -> str:
        accounts = hall_of(client.application).accounts
        accounts.add("admin", PASSWORD, "admin")
        return accounts.login("admin", PASSWORD)[0]

    return make


def test_printers_show_their_state_and_staff_see_the_jobs(client, printer, officers_for):
    printer.start()
    ticket = issue(client, kiosk="k1")
    printer.wait_for_tickets(1)
    public = client.get(f"{API}/printers").get_json()
    assert "jobs" not in public
    (default,) = public["printers"]
    assert default["id"] == "default" and default["kind"] == "network" and default["kiosks"] == ["k1"]
    wait_until(lambda: client.get(f"{API}/printers").get_json()["printers"][0]["status"] == "ok", message="printer ok")
    token = officers_for(client)
    staff = client.get(f"{API}/printers", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert [(j["number"], j["kiosk"]) for j in staff["jobs"]] == [(ticket["number"], "k1")]


def test_officers_reprint_a_ticket(client, printer, officers_for):
    printer.start()
    ticket = issue(client, kiosk="k1")
    printer.wait_for_tickets(1)
    assert client.post(f"{API}/tickets/{ticket['id']}/reprint").status_code == 401
    token = officers_for(client)
    headers = {"Authorization": f"Bearer {token}"}
    response = client.post(f"{API}/tickets/{ticket['id']}/reprint", headers=headers)
    assert response.status_code == 202 and response.get_json()["status"] == "pending"
    assert client.post(f"{API}/tickets/nope/reprint", headers=headers).status_code == 404
    bad = client.post(f"{API}/tickets/{ticket['id']}/reprint", json={"kiosk": "k9"}, headers=headers)
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "kiosk"
    first, second = printer.wait_for_tickets(2)
    assert ticket["number"].encode() in first and ticket["number"].encode() in second


def test_qr_code_and_preview_of_a_ticket(client):
    ticket = issue(client, kiosk="k2")
    svg = client.get(f"/kiosk/qr/{ticket['id']}.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    png = client.get(f"/kiosk/ticket/{ticket['id']}.png")
    assert png.status_code == 200 and png.data.startswith(b"\x89PNG")
    assert client.get("/kiosk/qr/nope.svg").status_code == 404
    assert client.get("/kiosk/ticket/nope.png").status_code == 404


@pytest.mark.slow
def test_pending_jobs_survive_a_server_restart(tmp_path, printer):
    config = write_config(tmp_path, hall_data(printer))
    antre(config, "init")
    key = antre(config, "kiosk-key", "k1").stdout.strip()
    server = ServerProcess(config).start()
    try:
        status, ticket = http("POST", f"{server.url}{API}/tickets", {"service": "B", "kiosk": "k1"}, kiosk_key=key)
        assert status == 201 and ticket["print"]["status"] == "pending"
        wait_until(lambda: http("GET", f"{server.url}{API}/tickets/{ticket['id']}")[1]["print"]["error"], message="a failed attempt")
        server.kill()
        printer.start()
        server.start()
        (data,) = printer.wait_for_tickets(1, timeout=20)
        assert re.search(rb"B001", data)
        wait_until(lambda: http("GET", f"{server.url}{API}/tickets/{ticket['id']}")[1]["print"]["status"] == "sent", message="sent")
        assert len(printer.tickets) == 1
    finally:
        server.stop()


def test_a_ticket_prints_the_names_the_setup_has_now(client, printer):
    """Renamed in the administration while the hall runs: the next ticket's paper says the new name."""
    printer.start()
    hall = hall_of(client.application)
    hall.setup.change(lambda d: d["services"][0].update(name="KTP Elektronik Baru"), officer_id=None, what="renamed A")
    issue(client, kiosk="k1")
    (data,) = printer.wait_for_tickets(1)
    assert b"KTP Elektronik Baru" in data


def test_a_kiosk_given_a_printer_of_its_own_while_the_hall_runs_prints_on_it(make_app, printer):
    other = LoopbackPrinter()
    other.bind()
    try:
        client = make_app(hall_data(printer)).test_client()
        hall = hall_of(client.application)
        own = {"kind": "network", "host": "127.0.0.1", "port": other.port, "timeout_seconds": 2}
        hall.setup.change(lambda d: d["kiosks"].append({"id": "k3", "name": "Kiosk Lantai 3", "printer": own}), officer_id=None, what="k3")
        key = new_kiosk_key(hall.store, "k3")
        other.start()
        response = client.post(f"{API}/tickets", json={"service": "A", "kiosk": "k3"}, headers={"Authorization": f"Kiosk {key}"})
        assert response.status_code == 201, response.get_json()
        (data,) = other.wait_for_tickets(1)
        assert response.get_json()["number"].encode() in data
    finally:
        other.stop()
