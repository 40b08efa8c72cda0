"""A kiosk's tickets while one client floods POST /api/v1/tickets as fast as it can.

The hall is the demo's: anonymous issuing on, 10 per address per hour, 500 per day; kiosk k1 paired
with its key. A flooder process sends anonymous tickets back to back on one keep-alive connection
(after its first 10 it gets 429), while the kiosk takes 200 tickets, one every 20 ms. The same kiosk
run without the flood comes first, for comparison. Target: kiosk p99 < 50 ms under the flood.
Run: .venv/bin/python bench/flood.py
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support import SMALL_HALL, ServerProcess, antre, write_config

TICKETS = 200
HALL = {**SMALL_HALL, "issuing": {"anonymous": True, "per_address_per_hour": 10, "anonymous_per_day": 500}}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def flood(port: int, stop, statuses) -> None:
    """One client, one connection, no pause: what a script on a phone can do."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    seen: Counter[int] = Counter()
    body = json.dumps({"service": "A"})
    while not stop.is_set():
        connection.request("POST", "/api/v1/tickets", body, {"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        seen[response.status] += 1
    statuses.update(seen)


def kiosk_run(port: int, key: str, tag: str) -> list[float]:
    """TICKETS kiosk taps, one every 20 ms; each answer's time in ms."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Content-Type": "application/json", "Authorization": f"Kiosk {key}"}
    times = []
    for i in range(TICKETS):
        body = json.dumps({"service": "AB"[i % 2], "kiosk": "k1", "request_id": f"{tag}-{i:06d}"})
        start = time.monotonic()
        connection.request("POST", "/api/v1/tickets", body, headers)
        response = connection.getresponse()
        answer = json.loads(response.read())
        times.append((time.monotonic() - start) * 1000)
        assert response.status == 201, answer
        time.sleep(0.02)
    return times


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        config = write_config(Path(folder), HALL)
        antre(config, "init")
        key = antre(config, "kiosk-key", "k1").stdout.strip()
        server = ServerProcess(config).start()
        try:
            quiet = kiosk_run(server.port, key, "quiet")
            with multiprocessing.Manager() as manager:
                stop, statuses = manager.Event(), manager.dict()
                flooder = multiprocessing.Process(target=flood, args=(server.port, stop, statuses))
                flooder.start()
                started = time.monotonic()
                flooded = kiosk_run(server.port, key, "flood")
                stop.set()
                flooder.join(timeout=30)
                seconds, sent = time.monotonic() - started, dict(statuses)
        finally:
            server.stop()
    print(f"{TICKETS} kiosk tickets, one every 20 ms, through antre run (issuing.per_address_per_hour: 10)")
    print(f"without a flood   p50 {statistics.median(quiet):6.1f} ms   p99 {percentile(quiet, 99):6.1f} ms")
    print(f"during the flood  p50 {statistics.median(flooded):6.1f} ms   p99 {percentile(flooded, 99):6.1f} ms   (target p99 < 50 ms)")
    total = sum(sent.values())
    answers = ", ".join(f"{n} x {status}" for status, n in sorted(sent.items()))
    print(f"the flooder sent {total} requests in {seconds:.1f} s ({total / seconds:.0f}/s): {answers}")


if __name__ == "__main__":
    main()
