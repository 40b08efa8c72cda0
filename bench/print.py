"""200 kiosk tickets through the real server to a loopback network printer.

Prints p50/p99 of the API response alone and of tap-to-last-byte (request sent → the printer's last
byte of that ticket). Targets: API p99 < 20 ms (printing never delays the answer), last byte p99 < 150 ms.
Run: .venv/bin/python bench/print.py
"""

from __future__ import annotations

import http.client
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from antre.printer.loopback import LoopbackPrinter

from tests.support import SMALL_HALL, ServerProcess, antre, write_config

TICKETS = 200


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    with tempfile.TemporaryDirectory() as folder, LoopbackPrinter() as printer:
        data = {**SMALL_HALL, "printer": {"kind": "network", "host": "127.0.0.1", "port": printer.port}}
        config = write_config(Path(folder), data)
        antre(config, "init")
        key = antre(config, "kiosk-key", "k1").stdout.strip()
        server = ServerProcess(config).start()
        try:
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            api, sent_at, numbers = [], [], []
            for i in range(TICKETS):
                body = json.dumps({"service": "AB"[i % 2], "kiosk": "k1", "request_id": f"bench-{i:06d}"})
                start = time.monotonic()
                connection.request("POST", "/api/v1/tickets", body, {"Content-Type": "application/json", "Authorization": f"Kiosk {key}"})
                response = connection.getresponse()
                ticket = json.loads(response.read())
                api.append((time.monotonic() - start) * 1000)
                assert response.status == 201, ticket
                sent_at.append(start)
                numbers.append(ticket["number"].encode())
                time.sleep(0.02)  # a busy kiosk bank, not a flood: one tap every 20 ms
            printer.wait_for_tickets(TICKETS, timeout=60)
            arrivals = printer.arrivals
            last_byte = []
            for number, start in zip(numbers, sent_at, strict=True):
                at = next(at for data, at in arrivals if number in data)
                last_byte.append((at - start) * 1000)
        finally:
            server.stop()
    print(f"{TICKETS} kiosk tickets to a loopback network printer")
    print(f"API response      p50 {statistics.median(api):6.1f} ms   p99 {percentile(api, 99):6.1f} ms   (target p99 < 20 ms)")
    print(f"tap to last byte  p50 {statistics.median(last_byte):6.1f} ms   p99 {percentile(last_byte, 99):6.1f} ms   (target p99 < 150 ms)")


if __name__ == "__main__":
    main()
