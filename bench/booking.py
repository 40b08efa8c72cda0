"""Bookings into one session under 50 concurrent clients, with no overbooking.

    .venv/bin/python bench/booking.py [--clients 50] [--places 2000] [--attempts 3000]

A real server (``antre run``, as tests/support.ServerProcess starts it) on a loopback port, for the
small test hall whose service A has one session of ``--places`` places (and the per-address limit
raised: every client here shares 127.0.0.1). ``--clients`` threads, each on its own keep-alive
connection, send ``POST /api/v1/bookings`` for that session until ``--attempts`` have been sent in
all. Prints bookings per second (201s over the wall time of the whole run), the attempts per second,
p50/p99 latency of every attempt, and checks that exactly ``--places`` succeeded, every other attempt
was 409 ``full``, and the session then says 0 places left: the quota is counted in the same write
transaction as the insert (queue_server/booking/desk.py), so concurrency cannot overbook.
"""

from __future__ import annotations

import argparse
import copy
import http.client
import json
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support import SMALL_HALL, ServerProcess, antre, write_config

SESSION = "08:00-16:00"


def hall(places: int) -> dict:
    data = copy.deepcopy(SMALL_HALL)
    data["services"][0]["booking"] = {"sessions": [{"time": SESSION, "places": places}]}
    data["booking"] = {"per_address_per_hour": 100_000}
    return data


def percentile(values: list[float], p: float) -> float:
    """Nearest rank, as the reports compute it."""
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * p // 100) - 1)]


def get(port: int, path: str) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path)
    response = connection.getresponse()
    return response.status, json.loads(response.read())


def bookable_day(port: int) -> str:
    """The first day from today whose session still takes bookings (today's may be over, a weekend closed)."""
    for offset in range(14):
        day = (date.today() + timedelta(days=offset)).isoformat()
        status, body = get(port, f"/api/v1/services/A/sessions?date={day}")
        if status == 200 and any(s["bookable"] for s in body["sessions"]):
            return day
    raise SystemExit("no bookable day in the coming two weeks")


def client(port: int, day: str, numbers, times: list[float], answers: Counter, lock: threading.Lock) -> None:
    """One visitor's phone after another on one connection, until the shared attempts run out."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": "application/json"}
    mine, seen = [], Counter()
    for number in numbers:
        body = json.dumps({"service": "A", "date": day, "session": SESSION, "name": f"Pengunjung {number}"})
        start = time.perf_counter()
        connection.request("POST", "/api/v1/bookings", body, headers)
        response = connection.getresponse()
        answer = json.loads(response.read())
        mine.append((time.perf_counter() - start) * 1000)
        seen[(response.status, answer.get("error", {}).get("code") if response.status != 201 else None)] += 1
    with lock:
        times.extend(mine)
        answers.update(seen)


def run(clients: int, places: int, attempts: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        config = write_config(Path(folder), hall(places))
        antre(config, "init")
        server = ServerProcess(config).start()
        try:
            day = bookable_day(server.port)
            numbers = iter(range(attempts))
            shared = _Locked(numbers)
            times: list[float] = []
            answers: Counter = Counter()
            lock = threading.Lock()
            threads = [threading.Thread(target=client, args=(server.port, day, shared, times, answers, lock)) for _ in range(clients)]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            seconds = time.perf_counter() - started
            _, sessions = get(server.port, f"/api/v1/services/A/sessions?date={day}")
        finally:
            server.stop()
    booked = answers[(201, None)]
    full = answers[(409, "full")]
    print(
        f"{attempts} booking attempts from {clients} concurrent clients into one session of {places} places ({day} {SESSION}), antre run on loopback"
    )
    print(f"booked {booked} in {seconds:.2f} s: {booked / seconds:.0f} bookings/s ({attempts / seconds:.0f} attempts/s)")
    print(f"latency per attempt: p50 {statistics.median(times):.1f} ms, p99 {percentile(times, 99):.1f} ms")
    print("answers: " + ", ".join(f"{n} x {status}{' ' + code if code else ''}" for (status, code), n in sorted(answers.items(), key=str)))
    left = sessions["sessions"][0]["places_left"]
    overbooked = booked != places or full != attempts - places or left != 0
    print(f"places left afterwards: {left}; no overbooking: {'NO' if overbooked else 'yes'}")
    if overbooked:
        raise SystemExit(1)


class _Locked:
    """An iterator several threads may share."""

    def __init__(self, numbers):
        self._numbers = numbers
        self._lock = threading.Lock()

    def __iter__(self):
        return self

    def __next__(self) -> int:
        with self._lock:
            return next(self._numbers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--places", type=int, default=2000)
    parser.add_argument("--attempts", type=int, default=3000)
    args = parser.parse_args()
    run(args.clients, args.places, args.attempts)


if __name__ == "__main__":
    main()
