"""The bus between server processes: how long from one process's ``publish()`` (after a commit) to another
process's ``on_wake`` (its live channel looks at the log), through a redis-server the bench starts.

Two ``LiveBus`` on one channel, as two workers hold them; the one woken runs in a child process, so the
wake crosses processes as it does in ``antre run --workers 2``. One wake at a time, 5 ms apart, and each
waited for before the next: the latency of one wake, not throughput (a burst of commits is one wake).
Both processes take their timestamps from ``time.monotonic()``, one clock for every process on Linux.
Usage: ``python bench/live_bus.py [WAKES]``.
"""

from __future__ import annotations

import multiprocessing
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from antre.queue_server.live_bus import LiveBus  # noqa: E402

from tests.support import RedisServer  # noqa: E402

CHANNEL = "antre:bench"
WAKES = 500


def _woken_side(url: str, conn) -> None:
    """The other worker: sends the parent the time of each wake."""
    bus = LiveBus(url, CHANNEL, lambda: conn.send(time.monotonic())).start()
    conn.send("ready")
    conn.recv()  # the parent is done
    bus.close()


def main() -> None:
    wakes = int(sys.argv[1]) if len(sys.argv) > 1 else WAKES
    with tempfile.TemporaryDirectory(prefix="antre-bench-bus-") as folder:
        redis = RedisServer(Path(folder) / "redis").start()
        parent, child = multiprocessing.Pipe()
        other = multiprocessing.Process(target=_woken_side, args=(redis.url, child), daemon=True)
        other.start()
        assert parent.recv() == "ready"
        bus = LiveBus(redis.url, CHANNEL, lambda: None).start()
        latencies = []
        for _ in range(wakes):
            sent = time.monotonic()
            bus.publish()
            if not parent.poll(5):
                raise SystemExit("a wake did not arrive within 5 s")
            latencies.append((parent.recv() - sent) * 1000)
            time.sleep(0.005)
        parent.send("done")
        other.join(timeout=10)
        bus.close()
        redis.stop()
    latencies.sort()
    print(
        f"live bus: {wakes} wakes from one process to another through redis-server: ms p50 {statistics.median(latencies):.2f}  "
        f"p99 {latencies[int(0.99 * len(latencies))]:.2f}  max {latencies[-1]:.2f}",
        flush=True,
    )


if __name__ == "__main__":
    main()
