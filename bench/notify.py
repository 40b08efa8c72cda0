"""From a call to the webhook: the time from an officer's call-next (sent through the REST API of a
real ``antre run``) to the arrival of its signed ``called`` notification at a loopback gateway.

The visitors booked with a phone number and checked in (only they have a webhook target); the
gateway, in this process, checks each signature and stamps each arrival with ``time.perf_counter``,
the clock the call's start is read from. Calls are paced (``--interval``, default 0.05 s): an
officer's Next, not a flood. Prints p50/p99/max over ``--calls`` calls (default 300); the target is
p99 < 200 ms. Usage: ``python bench/notify.py [--calls N] [--interval S]``.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.notify_support import Gateway, serve  # noqa: E402
from tests.support import SMALL_HALL, ServerProcess, antre, http, wait_until, write_config  # noqa: E402

SECRET = "bench-secret"
PASSWORD = "bench-password-1"


def hall(url: str, calls: int) -> dict:
    config = copy.deepcopy(SMALL_HALL)
    config["services"][0]["booking"] = {"sessions": [{"time": "00:00-23:59", "places": calls}]}
    config["booking"] = {"per_address_per_hour": 100_000}
    config["notifications"] = {"webhook": {"url": url, "secret": SECRET, "timeout_seconds": 5, "attempts": 3}}
    return config


def measure(calls: int, interval: float) -> list[float]:
    gateway = Gateway(SECRET)
    with serve(gateway.handle) as origin, tempfile.TemporaryDirectory() as folder:
        config = write_config(Path(folder), hall(f"{origin}/hook", calls))
        antre(config, "officer", "add", "bench", "--role", "admin", stdin=f"{PASSWORD}\n")
        server = ServerProcess(config).start()
        try:
            url = server.url
            token = http("POST", f"{url}/api/v1/auth/login", {"username": "bench", "password": PASSWORD})[1]["token"]
            today = datetime.now(ZoneInfo("Asia/Jakarta")).date().isoformat()
            numbers = []
            for n in range(calls):
                body = {"service": "A", "date": today, "session": "00:00-23:59", "name": "Pengunjung", "phone": f"0812{n:08d}"}
                status, booking = http("POST", f"{url}/api/v1/bookings", body)
                assert status == 201, booking
                numbers.append(http("POST", f"{url}/api/v1/bookings/{booking['code']}/check-in", {}, token=token)[1]["number"])
            wait_until(lambda: len(gateway.accepted()) >= calls, 60, message=f"every booking's confirmation (log: {server.log_path})")
            http("POST", f"{url}/api/v1/counters/1/open", {}, token=token)
            arrivals = {}
            latencies = []
            for number in numbers:
                started = time.perf_counter()
                status, called = http("POST", f"{url}/api/v1/counters/1/call-next", {}, token=token)
                assert status == 200 and called["number"] == number, called

                def arrived(number: str = number) -> float | None:
                    for request in gateway.accepted():
                        if request["body"]["kind"] == "called":
                            arrivals.setdefault(request["body"]["ticket"]["number"], request["arrived"])
                    return arrivals.get(number)

                latencies.append(wait_until(arrived, 10, 0.001, f"the webhook for {number}") - started)
                time.sleep(interval)  # officers call one after another
            return latencies
        finally:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--interval", type=float, default=0.05)
    args = parser.parse_args()
    latencies = sorted(seconds * 1000 for seconds in measure(args.calls, args.interval))
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(f"call-next → webhook arrival over {len(latencies)} calls: p50 {statistics.median(latencies):.1f} ms, p99 {p99:.1f} ms, max {latencies[-1]:.1f} ms")


if __name__ == "__main__":
    main()
