"""A booked visitor in the one fair queue: their ticket joins at the later of their
check-in and their session's start, on a clock the test controls, against walk-ins of the same
service. Walk-ins take tickets as a phone does; the booked visitor checks in at the kiosk."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from antre.queue_server.hall import hall_of

from tests.support import BOOKABLE_HALL, write_config

JAKARTA = ZoneInfo("Asia/Jakarta")


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    return write_config(tmp_path, BOOKABLE_HALL)


def at(clock, hhmm: str) -> None:
    hour, minute = map(int, hhmm.split(":"))
    clock.now = datetime(2026, 11, 25, hour, minute, tzinfo=JAKARTA)


def walk_in(client, clock, hhmm: str, priority: str | None = None) -> str:
    at(clock, hhmm)
    response = client.post("/api/v1/tickets", json={"service": "A", "priority": priority})
    assert response.status_code == 201, response.json
    return response.json["number"]


def book(client, session: str = "10:00-12:00", name: str = "Ibu Sari") -> str:
    response = client.post("/api/v1/bookings", json={"service": "A", "date": "2026-11-25", "session": session, "name": name})
    assert response.status_code == 201, response.json
    return response.json["code"]


def check_in(client, clock, kiosk, code: str, hhmm: str, priority: str | None = None) -> str:
    at(clock, hhmm)
    response = client.post(f"/api/v1/bookings/{code}/check-in", json={"priority": priority}, headers=kiosk)
    assert response.status_code == 201, response.json
    return response.json["number"]


def called_order(app, count: int) -> list[str]:
    """The numbers counter 2 (service A alone) calls, one after another."""
    engine = hall_of(app).engine
    engine.open_counter("2")
    numbers = []
    for _ in range(count):
        ticket = engine.call_next("2")
        numbers.append(ticket["number"])
        engine.complete("2")
    assert engine.call_next("2") is None
    return numbers


def test_checked_in_before_the_session_waits_for_its_start_behind_earlier_walk_ins(app, client, clock, kiosk_k1):
    code = book(client)
    w1 = walk_in(client, clock, "09:30")
    booked = check_in(client, clock, kiosk_k1, code, "09:40")
    w2 = walk_in(client, clock, "09:50")
    w3 = walk_in(client, clock, "10:05")
    assert called_order(app, 4) == [w1, w2, booked, w3]


def test_checked_in_after_the_session_began_joins_at_the_check_in(app, client, clock, kiosk_k1):
    code = book(client)
    w3 = walk_in(client, clock, "10:05")
    booked = check_in(client, clock, kiosk_k1, code, "10:20")
    w4 = walk_in(client, clock, "10:25")
    assert called_order(app, 3) == [w3, booked, w4]


def test_a_booked_visitor_with_priority_joins_the_priority_lane_at_their_session(app, client, clock, kiosk_k1):
    code = book(client)
    w1 = walk_in(client, clock, "09:30")
    booked = check_in(client, clock, kiosk_k1, code, "09:40", priority="lansia")
    p1 = walk_in(client, clock, "09:50", priority="lansia")
    w2 = walk_in(client, clock, "10:05")
    assert called_order(app, 4) == [p1, booked, w1, w2]
    ticket = hall_of(app).engine.ticket(hall_of(app).bookings.get(code, None)["ticket"]["id"])
    assert ticket["priority"] == "lansia"
