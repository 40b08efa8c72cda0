"""A webhook gateway that hangs holds up no one: with the hall's real server, an officer's
call-next is answered and the lobby display hears the call while the gateway still holds the
booking's confirmation; once it lets go, every message arrives."""

from __future__ import annotations

import copy
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import PASSWORD
from tests.notify_support import Gateway, serve
from tests.support import SMALL_HALL, http, wait_until, write_config
from tests.test_live import Follower

pytestmark = pytest.mark.slow
SECRET = "rahasia-gateway"


@pytest.fixture
def gateway():
    receiver = Gateway(SECRET)
    receiver.hang.set()
    with serve(receiver.handle) as origin:
        receiver.url = f"{origin}/antre"
        yield receiver
        receiver.release.set()


@pytest.fixture
def config_path(tmp_path: Path, gateway) -> Path:
    hall = copy.deepcopy(SMALL_HALL)
    hall["services"][0]["booking"] = {"sessions": [{"time": "00:00-23:59", "places": 50}]}
    hall["notifications"] = {"webhook": {"url": gateway.url, "secret": SECRET, "timeout_seconds": 30, "attempts": 2}}
    return write_config(tmp_path, hall)


def test_a_hanging_webhook_does_not_delay_the_call_or_the_display(server, gateway):
    token = http("POST", f"{server.url}/api/v1/auth/login", {"username": "admin", "password": PASSWORD})[1]["token"]
    today = datetime.now(ZoneInfo("Asia/Jakarta")).date().isoformat()
    body = {"service": "A", "date": today, "session": "00:00-23:59", "name": "Ibu Sari", "phone": "081234567890"}
    status, booking = http("POST", f"{server.url}/api/v1/bookings", body)
    assert status == 201, booking
    wait_until(lambda: gateway.arrivals == 1, message="the confirmation held by the gateway")

    status, ticket = http("POST", f"{server.url}/api/v1/bookings/{booking['code']}/check-in", {}, token=token)
    assert status == 201, ticket
    display = Follower(server.url).connect()
    try:
        wait_until(lambda: display.of("state"), message="the display's first state")
        assert http("POST", f"{server.url}/api/v1/counters/2/open", {}, token=token)[0] == 200
        status, called = http("POST", f"{server.url}/api/v1/counters/2/call-next", {}, token=token)
        assert status == 200 and called["number"] == ticket["number"]
        wait_until(lambda: any(m["ticket"]["number"] == ticket["number"] for m in display.of("called")), message="the display's call")
        assert gateway.requests == [] and gateway.arrivals == 1  # the gateway still holds the first message
    finally:
        display.close()
    gateway.release.set()
    wait_until(lambda: [r["body"]["kind"] for r in gateway.accepted()] == ["booked", "called"], message="both messages")
