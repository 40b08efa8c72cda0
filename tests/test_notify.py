"""Notifications reach a visitor away from the hall: Web Push to a loopback push service that
decrypts the payload (RFC 8291) and checks the VAPID token, and the signed webhook to a loopback
gateway that checks the HMAC; a failing or hanging gateway is retried without holding up a call,
and a message is never sent twice, even across a restart."""

from __future__ import annotations

import copy
import sqlite3
from pathlib import Path

import pytest
from antre.queue_server.app import create_app
from antre.queue_server.config import load_config
from antre.queue_server.hall import hall_of

from tests.notify_support import Gateway, PushService, serve
from tests.support import wait_until, write_config
from tests.test_admin_officers import admin_login
from tests.test_booking_order import BOOKABLE_HALL, at

SECRET = "rahasia-gateway"


@pytest.fixture
def push():
    service = PushService()
    with serve(service.handle) as origin:
        service.origin = origin
        yield service


@pytest.fixture
def gateway():
    receiver = Gateway(SECRET, statuses=(500,))
    with serve(receiver.handle) as origin:
        receiver.url = f"{origin}/antre"
        yield receiver
        receiver.release.set()


@pytest.fixture
def config_path(tmp_path: Path, gateway) -> Path:
    hall = copy.deepcopy(BOOKABLE_HALL)
    hall["notifications"] = {"ahead": 3, "webhook": {"url": gateway.url, "secret": SECRET, "timeout_seconds": 3, "attempts": 5}}
    return write_config(tmp_path, hall)


def subscribe(client, ticket_id: str, subscription: dict, **environ):
    return client.post(f"/api/v1/tickets/{ticket_id}/push", json=subscription, environ_overrides=environ)


def test_three_more_before_you_and_called_to_the_counter_arrive_by_push_decrypted_and_signed(app, client, push):
    tickets = [client.post("/api/v1/tickets", json={"service": "A"}).json for _ in range(5)]
    assert subscribe(client, tickets[4]["id"], push.subscription()).status_code == 201
    engine = hall_of(app).engine
    engine.open_counter("2")
    engine.call_next("2")
    wait_until(lambda: push.payloads(), message="the push at 3 before")
    for _ in range(3):
        engine.complete("2")
        engine.call_next("2")
    engine.complete("2")
    engine.call_next("2")
    wait_until(lambda: len(push.payloads()) == 2, message="the call's push")
    ahead, called = push.payloads()
    assert ahead["body"] == "A005: 3 lagi sebelum Anda." and ahead["url"] == f"/t/{tickets[4]['id']}"
    assert called["title"] == "Giliran Anda: A005" and called["body"] == "Nomor A005 dipanggil ke Loket 2."
    assert {r["vapid_key"] for r in push.received} == {client.get("/api/v1/push/key").json["public_key"]}


def test_a_subscription_its_push_service_says_is_gone_is_dropped(app, client, push):
    ticket = client.post("/api/v1/tickets", json={"service": "A"}).json
    assert subscribe(client, ticket["id"], push.subscription()).status_code == 201
    push.answer = 410
    engine = hall_of(app).engine
    engine.open_counter("2")
    engine.call_next("2")
    wait_until(lambda: push.received, message="the push")
    hall = hall_of(app)
    wait_until(lambda: not hall.notifier.store.subscriptions("ticket", ticket["id"]), message="the subscription dropped")


def test_the_webhook_gets_one_retry_after_a_500_and_every_message_of_a_visitor_with_a_phone(app, client, clock, gateway, kiosk_k1, officers):
    body = {"service": "A", "date": "2026-11-25", "session": "10:00-12:00", "name": "Ibu Sari", "phone": "0812 3456 7890"}
    code = client.post("/api/v1/bookings", json=body).json["code"]
    wait_until(lambda: gateway.accepted(), message="the booking's confirmation")
    first, second = gateway.requests
    assert (first["status"], second["status"]) == (500, 200) and first["delivery"] == second["delivery"] == str(second["body"]["id"])
    confirmation = second["body"]
    assert confirmation["kind"] == "booked" and confirmation["phone"] == "+6281234567890" and confirmation["lang"] == "id"
    assert confirmation["booking"] == {"code": code, "date": "2026-11-25", "session": "10:00-12:00"} and code in confirmation["text"]

    at(clock, "09:05")
    hall_of(app).notifier.wake()
    wait_until(lambda: len(gateway.accepted()) == 2, message="the reminder")
    assert gateway.accepted()[1]["body"]["kind"] == "reminder" and "10:00" in gateway.accepted()[1]["body"]["text"]

    at(clock, "10:01")
    ticket = client.post(f"/api/v1/bookings/{code}/check-in", json={}, headers=kiosk_k1).json
    engine = hall_of(app).engine
    engine.open_counter("2")
    engine.call_next("2")
    wait_until(lambda: len(gateway.accepted()) == 3, message="the call")
    called = gateway.accepted()[2]["body"]
    assert called["ticket"] == {"number": ticket["number"], "service": "A", "counter": "Loket 2"} and called["kind"] == "called"
    assert len(gateway.requests) == 4  # the one retry, and nothing sent twice

    admin = {"Authorization": f"Bearer {officers['admin']}"}
    recorded = lambda: all(d["status"] != "pending" for d in client.get("/api/v1/admin/notifications", headers=admin).json["deliveries"])  # noqa: E731
    wait_until(recorded, message="every outcome recorded")
    log = client.get("/api/v1/admin/notifications", headers=admin).json["deliveries"]
    assert [(d["kind"], d["status"], d["attempts"]) for d in log] == [("called", "sent", 1), ("reminder", "sent", 1), ("booked", "sent", 2)]
    assert log[2]["last_error"] == "HTTP 500"
    assert client.get("/api/v1/admin/notifications", headers={"Authorization": f"Bearer {officers['siti']}"}).status_code == 403


def test_a_restarted_server_sends_nothing_again(config_path, clock, gateway):
    config = load_config(config_path)
    app = create_app(config, clock)
    client = app.test_client()
    body = {"service": "A", "date": "2026-11-25", "session": "10:00-12:00", "name": "Ibu Sari", "phone": "081234567890"}
    assert client.post("/api/v1/bookings", json=body).status_code == 201
    wait_until(lambda: gateway.accepted(), message="the confirmation")
    hall_of(app).store.close()

    again = create_app(config, clock)
    hall = hall_of(again)
    try:
        again.test_client().post("/api/v1/tickets", json={"service": "B"})
        hall.notifier.catch_up()
        with sqlite3.connect(config.database) as db:
            assert db.execute("SELECT COUNT(*), SUM(status = 'sent') FROM deliveries").fetchone() == (1, 1)
        assert len(gateway.accepted()) == 1 and len(gateway.requests) == 2
    finally:
        hall.store.close()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"endpoint": "http://push.example.com/x"}, "endpoint"),
        ({"endpoint": 7}, "endpoint"),
        ({"keys": None}, "keys"),
        ({"keys": {"p256dh": "AAAA", "auth": "MDEyMzQ1Njc4OWFiY2RlZg"}}, "keys.p256dh"),
        ({"keys": {"p256dh": None, "auth": "x"}}, "keys.p256dh"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_subscription_is_refused_naming_its_field(client, push, change, field):
    ticket = client.post("/api/v1/tickets", json={"service": "A"}).json
    response = subscribe(client, ticket["id"], {**push.subscription(), **change})
    assert response.status_code == 400 and response.json["error"]["field"] == field


def test_subscriptions_are_capped_per_ticket_and_limited_per_address(client, push):
    ticket = client.post("/api/v1/tickets", json={"service": "A"}).json
    assert [subscribe(client, ticket["id"], push.subscription(f"p{n}")).status_code for n in range(4)] == [201, 201, 201, 409]
    assert subscribe(client, "no-such-ticket", push.subscription()).status_code == 404
    codes = [subscribe(client, "no-such-ticket", push.subscription()).status_code for _ in range(30)]
    assert codes[-1] == 429 and set(codes) == {404, 429}
    again = [subscribe(client, ticket["id"], push.subscription("p0"), REMOTE_ADDR="198.51.100.9").status_code for _ in range(35)]
    assert set(again) == {201}  # what succeeds costs nothing: visitors behind one carrier address are not refused
    unsubscribed = client.delete(f"/api/v1/tickets/{ticket['id']}/push", json={"endpoint": push.subscription("p0")["endpoint"]},
                                 environ_overrides={"REMOTE_ADDR": "198.51.100.9"})
    assert unsubscribed.status_code == 204


def test_the_phone_page_offers_notifications_and_the_service_worker_is_served_at_the_root(client):
    ticket = client.post("/api/v1/tickets", json={"service": "A"}).json
    page = client.get(f"/t/{ticket['id']}").text
    assert "Beri tahu saya" in page and f'data-push-url="/api/v1/tickets/{ticket["id"]}/push"' in page
    worker = client.get("/sw.js")
    assert worker.status_code == 200 and worker.mimetype == "text/javascript" and "showNotification" in worker.text


def test_the_delivery_log_page_shows_hall_admins_each_delivery(app, client, push, officers):
    ticket = client.post("/api/v1/tickets", json={"service": "A"}).json
    subscribe(client, ticket["id"], push.subscription())
    engine = hall_of(app).engine
    engine.open_counter("2")
    engine.call_next("2")
    wait_until(lambda: push.received, message="the push")
    wait_until(lambda: hall_of(app).notifier.store.deliveries(5, status="sent"), message="the delivery recorded")
    officer = app.test_client()
    admin_login(officer, "siti")
    assert officer.get("/admin/notifications").status_code == 403
    admin_login(client, "admin")
    page = client.get("/admin/notifications").text
    assert "Pengiriman notifikasi" in page and "dipanggil" in page and "terkirim" in page


def test_a_bookings_push_subscription_gets_its_reminder_and_follows_it_to_its_ticket(app, client, clock, push, kiosk_k1):
    body = {"service": "A", "date": "2026-11-25", "session": "10:00-12:00", "name": "Pak Budi"}
    code = client.post("/api/v1/bookings", json=body).json["code"]
    assert client.post(f"/api/v1/bookings/{code.lower()}/push", json=push.subscription()).status_code == 201
    at(clock, "09:05")
    hall_of(app).notifier.wake()
    titles = lambda: [p["title"] for p in push.payloads()]  # noqa: E731  (the confirmation may come by push too, if it was not yet sent)
    wait_until(lambda: "Pengingat booking: 10:00" in titles(), message="the reminder")
    assert {p["url"] for p in push.payloads()} == {f"/booking/{code}"}

    at(clock, "09:50")
    ticket = client.post(f"/api/v1/bookings/{code}/check-in", json={}, headers=kiosk_k1).json
    engine = hall_of(app).engine
    engine.open_counter("2")
    at(clock, "10:00")
    engine.call_next("2")
    wait_until(lambda: f"Giliran Anda: {ticket['number']}" in titles(), message="the call")
    called = push.payloads()[-1]
    assert called["body"] == f"Nomor {ticket['number']} dipanggil ke Loket 2." and called["url"] == f"/t/{ticket['id']}"
