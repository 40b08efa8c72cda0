"""Many hands on one queue: real threads, real processes and a real SQLite file, never a lost or doubled ticket."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPException
from pathlib import Path

import pytest
from antre.queue_server.config import load_config
from antre.queue_server.hall import open_hall

from tests.support import ROOT, SMALL_HALL, ServerProcess, http, wait_until, write_config

SIX_COUNTERS = {
    **SMALL_HALL,
    "counters": [{"id": str(n), "name": f"Loket {n}", "services": ["A", "B"]} for n in range(1, 7)],
}


@pytest.fixture
def six_counter_config(tmp_path: Path) -> Path:
    return write_config(tmp_path, SIX_COUNTERS)


def run_together(workers: int, work) -> list:
    """Start ``workers`` threads at the same instant (a barrier) and return what each returned."""
    barrier = threading.Barrier(workers)

    def start(index: int):
        barrier.wait(timeout=30)
        return work(index)

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(start, range(workers), timeout=300))


def test_eight_threads_issuing_200_tickets_each_get_1600_distinct_numbers_without_gaps(engine):
    numbers = run_together(8, lambda _: [engine.issue("A")["number"] for _ in range(200)])
    issued = [n for batch in numbers for n in batch]
    assert len(issued) == len(set(issued)) == 1600
    assert sorted(int(n[1:]) for n in issued) == list(range(1, 1601))
    assert issued.count("A001") == 1 and "A1600" in issued
    for batch in numbers:
        assert batch == sorted(batch, key=lambda n: int(n[1:])), "one thread's numbers go up"


def call_until_empty(engine, counter_id: str) -> list[str]:
    called = []
    while (ticket := engine.call_next(counter_id)) is not None:
        called.append(ticket["id"])
    return called


def test_six_counters_calling_at_once_call_every_ticket_exactly_once(six_counter_config):
    hall = open_hall(load_config(six_counter_config))
    issued = {hall.engine.issue("AB"[i % 2], priority="lansia" if i % 7 == 0 else None)["id"] for i in range(600)}

    calls = run_together(6, lambda index: call_until_empty(hall.engine, str(index + 1)))

    called = Counter(ticket for batch in calls for ticket in batch)
    assert set(called) == issued
    assert max(called.values()) == 1, "a ticket was called twice"
    assert all(batch for batch in calls), "every counter got a share of the work"
    state = hall.engine.state()
    assert state["waiting"] == {"A": 0, "B": 0, "C": 0}
    hall.store.close()


WORKER = """
import json, sys
from antre.queue_server.hall import open_hall
from antre.queue_server.config import load_config

config, role, first_counter = sys.argv[1], sys.argv[2], int(sys.argv[3])
hall = open_hall(load_config(config))
print("ready", flush=True)
sys.stdin.readline()  # both processes start together
if role == "issue":
    print(json.dumps([hall.engine.issue("A")["number"] for _ in range(300)]))
else:
    called = []
    active = [str(c) for c in range(first_counter, first_counter + 3)]
    while active:
        for counter in list(active):
            ticket = hall.engine.call_next(counter)
            if ticket is None:
                active.remove(counter)
            else:
                called.append(ticket["id"])
    print(json.dumps(called))
"""


def run_processes(config: Path, role: str, tmp_path: Path) -> list[list]:
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    processes = [
        subprocess.Popen(
            [sys.executable, str(script), str(config), role, str(first)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for first in (1, 4)
    ]
    for process in processes:
        assert process.stdout.readline().strip() == "ready", process.stderr.read()
    for process in processes:
        process.stdin.write("go\n")
        process.stdin.flush()
    results = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        results.append(json.loads(out))
    return results


@pytest.mark.slow
def test_two_processes_on_one_database_file_share_numbers_and_calls_without_doubles(six_counter_config, tmp_path):
    open_hall(load_config(six_counter_config)).store.close()  # set up first, as `antre init` does in a hall
    issued = run_processes(six_counter_config, "issue", tmp_path)
    numbers = [n for batch in issued for n in batch]
    assert sorted(int(n[1:]) for n in numbers) == list(range(1, 601))

    called = run_processes(six_counter_config, "call", tmp_path)
    tally = Counter(ticket for batch in called for ticket in batch)
    assert len(tally) == 600 and max(tally.values()) == 1


@pytest.mark.slow
def test_a_killed_server_keeps_every_ticket_whose_201_was_received(config_path):
    server = ServerProcess(config_path).start()
    received: list[dict] = []
    stop = threading.Event()

    def stream() -> None:
        while not stop.is_set():
            try:
                status, body = http("POST", f"{server.url}/api/v1/tickets", {"service": "A"}, timeout=5)
            except (OSError, HTTPException):
                return  # the server is gone; a response cut short was never received
            if status == 201:
                received.append(body)

    streams = [threading.Thread(target=stream) for _ in range(4)]
    for thread in streams:
        thread.start()
    try:
        wait_until(lambda: len(received) >= 150, timeout=60, message="150 tickets issued")
        server.kill()
    finally:
        stop.set()
        for thread in streams:
            thread.join(timeout=15)

    server.start()
    try:
        missing = [t["number"] for t in received if http("GET", f"{server.url}/api/v1/tickets/{t['id']}")[0] != 200]
        assert missing == [], f"tickets answered 201 but lost in the crash: {missing}"
        after = http("POST", f"{server.url}/api/v1/tickets", {"service": "A"})[1]
        assert int(after["number"][1:]) > max(int(t["number"][1:]) for t in received), "no number is handed out twice"
    finally:
        server.stop()
