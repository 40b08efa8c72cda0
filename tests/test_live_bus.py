"""The bus between server processes (queue_server/live_bus.py) against a real redis-server of the test's own:
a commit in one process wakes the others' live channels, and Redis going away, freezing or dropping the
subscription costs nothing but speed, with one log line for the outage and one for its end."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from antre.queue_server.config import load_config
from antre.queue_server.hall import hall_of
from antre.queue_server.live_bus import LiveBus, hall_bus, hall_channel

from tests.support import SMALL_HALL, RedisServer, wait_until, write_config

CHANNEL = "antre:test"
LOGGER = "antre.queue_server.live_bus"


class Process:
    """What one server process holds: its bus, and how often the bus woke its live channel."""

    def __init__(self, url: str):
        self.wakes = 0
        self.bus = LiveBus(url, CHANNEL, self._woken).start()

    def _woken(self) -> None:
        self.wakes += 1

    def woken_by(self, other: Process) -> bool:
        """Publish from ``other`` until this process has been woken once more (a publish made while a
        subscription is being made again is lost, as the bus's design allows: the log is read anyway)."""
        before = self.wakes
        return wait_until(lambda: other.bus.publish() or self.wakes > before, 15, 0.1, "a wake through Redis")


@pytest.fixture
def processes(redis_server: RedisServer) -> Iterator[tuple[Process, Process]]:
    a, b = Process(redis_server.url), Process(redis_server.url)
    yield a, b
    a.bus.close()
    b.bus.close()


def bus_lines(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER and r.levelno == level]


def test_a_commit_in_one_process_wakes_the_other_and_not_itself(processes):
    a, b = processes
    assert a.bus.health() == {"ok": True, "state": "up", "url": a.bus.url}
    a.bus.publish()
    wait_until(lambda: b.wakes == 1, message="b woken by a's commit")
    b.bus.publish()
    wait_until(lambda: a.wakes == 1, message="a woken by b's commit")
    # a's own message reached a's subscription before b's did (one connection, in order): it was skipped
    assert a.wakes == 1


def test_redis_stopped_and_started_again(processes, redis_server, caplog):
    caplog.set_level(logging.INFO, logger=LOGGER)
    a, b = processes
    redis_server.stop()
    for _ in range(50):
        a.bus.publish()  # a commit's thread: returns at once, raises nothing (a blocking send would take 2 s each)
    wait_until(lambda: a.bus.health()["state"] == "down" and b.bus.health()["state"] == "down", 15, message="both buses down")
    health = a.bus.health()
    assert not health["ok"] and "Redis unreachable" in health["error"], health
    wait_until(lambda: a.bus.health()["retries"] >= 4, 30, 0.1, "several retries while Redis is away")
    warnings = bus_lines(caplog, logging.WARNING)
    assert len(warnings) == 2, warnings  # once per process, not once per retry
    assert redis_server.url in warnings[0] and "every 0.5 s" in warnings[0], warnings[0]

    redis_server.start()
    b.woken_by(a)
    a.woken_by(b)
    assert a.bus.health()["ok"] and b.bus.health()["ok"]
    recovered = [line for line in bus_lines(caplog, logging.INFO) if "is back" in line]
    assert len(recovered) == 2, recovered
    assert len(bus_lines(caplog, logging.WARNING)) == 2


def test_killed_connections_are_made_again_without_an_outage(processes, redis_server, caplog):
    caplog.set_level(logging.INFO, logger=LOGGER)
    a, b = processes
    admin = redis.Redis.from_url(redis_server.url)
    b.woken_by(a)
    a.woken_by(b)  # both publishers have their connection now
    assert admin.client_kill_filter(_type="normal") == 2  # the publishers' (Redis skips the caller's own)
    assert admin.client_kill_filter(_type="pubsub") == 2
    b.woken_by(a)
    a.woken_by(b)
    assert len(admin.client_list(_type="pubsub")) == 2
    assert not bus_lines(caplog, logging.WARNING)
    admin.close()


def test_a_frozen_redis_is_noticed_although_its_sockets_stay_open(processes, redis_server, caplog):
    """The known failure of pub/sub setups: the subscription's socket stays open and nothing arrives.
    A stopped (SIGSTOP) redis-server keeps every connection open and answers nothing."""
    caplog.set_level(logging.INFO, logger=LOGGER)
    a, b = processes
    redis_server.pause()
    wait_until(lambda: b.bus.health()["state"] == "down", 20, 0.1, "the frozen subscription noticed")
    redis_server.resume()
    wait_until(lambda: b.bus.health()["ok"], 20, 0.1, "the subscription made again")
    b.woken_by(a)
    assert len(bus_lines(caplog, logging.WARNING)) == 2, caplog.text  # once per process


def test_healthz_names_the_bus_only_when_one_is_configured(redis_server, app, client):
    assert "live_bus" not in client.get("/healthz").get_json()["checks"]
    hall = hall_of(app)
    hall.live_bus = LiveBus(redis_server.url, CHANNEL, lambda: None).start()
    try:
        body = client.get("/healthz").get_json()
        assert body["checks"]["live_bus"]["state"] == "up"
        redis_server.stop()
        wait_until(lambda: client.get("/healthz").status_code == 503, 15, 0.1, "healthz failing")
        body = client.get("/healthz").get_json()
        assert body["failing"] == ["live_bus"] and "Redis unreachable" in body["message"], body
        assert body["checks"]["live_bus"]["url"] == redis_server.url
    finally:
        hall.live_bus.close()


def test_each_hall_database_has_its_channel_and_one_process_needs_no_redis(tmp_path: Path):
    config = load_config(write_config(tmp_path, SMALL_HALL))
    assert hall_bus(config, lambda: None) is None
    shared = load_config(
        write_config(tmp_path, {**SMALL_HALL, "live": {"workers": 2, "message_queue": "redis://:secret@127.0.0.1:6379/0"}})
    )
    bus = hall_bus(shared, lambda: None)
    assert bus.channel == hall_channel(tmp_path / "antre.db") != hall_channel(tmp_path / "other.db")
    assert "secret" not in bus.health()["url"]
