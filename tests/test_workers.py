"""``antre run`` under uvicorn: several worker processes on one socket, a worker that dies replaced, a
quick stop with displays connected, and the per-address cap counting a WebSocket for its whole life.

Everything runs against a real ``antre run`` and, for several workers, a real ``redis-server`` of the
test's own on a free loopback port (``live.message_queue``; conftest's ``redis_server``).
"""

from __future__ import annotations

import copy
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import start_server
from tests.support import SMALL_HALL, RedisServer, ServerProcess, antre, free_port, http, wait_until, write_config
from tests.test_connguard import RawSocketIO, answer_to_abuser
from tests.test_live import Follower


def start_hall(folder: Path, workers: int = 1, **extra: object) -> ServerProcess:
    data = copy.deepcopy(SMALL_HALL)
    data.update(extra)
    return start_server(write_config(folder, data), workers)


@pytest.fixture
def two_workers(tmp_path: Path, redis_server: RedisServer) -> Iterator[ServerProcess]:
    server = start_hall(tmp_path, workers=2, live={"message_queue": redis_server.url})
    yield server
    server.kill()


def worker_pid(server: ServerProcess) -> int:
    """The pid of the worker that answered ``/healthz`` (a new connection each time)."""
    status, body = http("GET", f"{server.url}/healthz")
    assert status == 200, body
    assert body["worker"]["workers"] == 2, body["worker"]
    return body["worker"]["pid"]


def answering_pids(server: ServerProcess, count: int = 2) -> set[int]:
    """Ask on new connections until ``count`` different workers have answered."""
    seen: set[int] = set()
    wait_until(lambda: seen.add(worker_pid(server)) or len(seen) >= count, 30, 0.01, f"{count} workers to answer")
    return seen


def gone(pid: int) -> bool:
    """Whether process ``pid`` has ended (a zombie, not yet waited for by its parent, has ended too)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def test_two_workers_both_answer_and_tickets_issued_through_both_get_distinct_numbers(two_workers):
    tickets: dict[int, list[str]] = {}

    def issue_on_both() -> bool:
        status, ticket = http("POST", f"{two_workers.url}/api/v1/tickets", {"service": "A"})
        assert status == 201, ticket
        tickets.setdefault(worker_pid(two_workers), []).append(ticket["number"])
        return len(tickets) == 2 and sum(map(len, tickets.values())) >= 10

    wait_until(issue_on_both, 60, 0.01, "tickets issued while both workers answer")
    numbers = [number for issued in tickets.values() for number in issued]
    assert len(set(numbers)) == len(numbers), tickets
    assert sorted(numbers) == [f"A{n:03d}" for n in range(1, len(numbers) + 1)]


def test_a_worker_killed_is_replaced_and_the_hall_keeps_answering(two_workers):
    first, second = answering_pids(two_workers)
    os.kill(first, signal.SIGKILL)
    wait_until(lambda: gone(first), 15, message="the killed worker to be gone")
    now = answering_pids(two_workers)
    assert first not in now and second in now  # a new worker took the dead one's place
    status, ticket = http("POST", f"{two_workers.url}/api/v1/tickets", {"service": "A"})
    assert status == 201 and ticket["number"] == "A001"
    assert "ended (killed by SIGKILL); starting another" in two_workers.log_path.read_text()


def test_sigterm_stops_every_worker_at_once_even_with_displays_connected(two_workers):
    pids = answering_pids(two_workers)
    displays = [Follower(two_workers.url).connect() for _ in range(6)]
    try:
        wait_until(lambda: all(display.of("state") for display in displays), 15, message="every display's snapshot")
        os.kill(two_workers.process.pid, signal.SIGTERM)  # the parent only, as `kill PID` does: it stops its workers
        # within the grace period a request in flight gets (5 s): the open WebSockets are not waited for
        two_workers.process.wait(timeout=4)
        assert two_workers.process.returncode == 0
        assert all(gone(pid) for pid in pids)
    finally:
        for display in displays:
            display.close()


def test_workers_do_not_outlive_their_parent_killed_with_sigkill(two_workers):
    """Else they would serve on, holding the serving claim, with nobody to restart them."""
    pids = answering_pids(two_workers)
    os.kill(two_workers.process.pid, signal.SIGKILL)
    wait_until(lambda: all(gone(pid) for pid in pids), 15, message="the workers to stop with their parent")


def test_the_cap_counts_a_websocket_until_it_closes(tmp_path):
    server = start_hall(tmp_path, connections={"per_address": 3})
    sockets = [RawSocketIO(server.port) for _ in range(3)]
    try:
        for sock in sockets:
            sock.join_hall()  # joined: the live channel keeps them, only the cap limits them
        wait_until(lambda: all(sock.got('42["state"') for sock in sockets), 10, message="each WebSocket's snapshot")
        assert answer_to_abuser(server.port) == b"HTTP/1.1 429 Too Many Requests"
        sockets.pop().close()
        wait_until(lambda: answer_to_abuser(server.port) == b"HTTP/1.1 200 OK", 10, message="the closed WebSocket's place to come back")
    finally:
        for sock in sockets:
            sock.close()
        server.kill()


def test_several_workers_without_a_message_queue_are_refused_with_what_to_set(tmp_path):

    config = write_config(tmp_path)
    result = antre(config, "run", "--port", str(free_port()), "--workers", "2")
    assert result.returncode == 2
    assert "live.message_queue" in result.stderr and "--workers 2" in result.stderr
