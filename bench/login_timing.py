"""Log-ins at full password strength: does the answer's time tell which user names exist, and do
log-ins hold up tickets?

    .venv/bin/python bench/login_timing.py

In-process on a temporary hall with the production default ``auth.password_hash`` (scrypt N=32768):
(a) the time to answer a wrong password for a known and for an unknown user name, and (b) ticket
issuing latency alone, and while ten log-ins check passwords in parallel.
"""

from __future__ import annotations

import contextlib
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from antre.queue_server.accounts import LoginFailed
from antre.queue_server.config import DEFAULT_PASSWORD_HASH, load_config
from antre.queue_server.hall import Hall, open_hall

from tests.support import SMALL_HALL, write_config

PASSWORD = "rahasia-petugas-1"
PARALLEL_LOGINS = 10
OFFICERS = 10


def answer_ms(hall: Hall, username: str, remote: str) -> float:
    started = time.perf_counter()
    with contextlib.suppress(LoginFailed):
        hall.accounts.login(username, "tebak-tebakan", remote)
    return (time.perf_counter() - started) * 1000


def name_timing(hall: Hall, rounds: int = 20) -> None:
    """Known and unknown names taken in turn, each try from its own address and at most two per
    name, so that no throttle answers before the password check; the first unknown name also makes
    the decoy hash."""
    answer_ms(hall, "nobody", "10.9.9.9")
    known, unknown = [], []
    for n in range(rounds):
        known.append(answer_ms(hall, f"petugas{n % OFFICERS}", f"10.0.{n}.1"))
        unknown.append(answer_ms(hall, f"nobody{n}", f"10.1.{n}.1"))
    known_ms, unknown_ms = statistics.median(known), statistics.median(unknown)
    print(f"(a) wrong password, median of {rounds}: known name {known_ms:.0f} ms, unknown name {unknown_ms:.0f} ms")


def issue_latencies(hall: Hall, count: int) -> list[float]:
    latencies = []
    for _ in range(count):
        started = time.perf_counter()
        hall.engine.issue("A")
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def issuing_during_logins(hall: Hall, tickets: int = 50) -> None:
    alone = issue_latencies(hall, tickets)
    logins = [threading.Thread(target=answer_ms, args=(hall, f"petugas{n}", f"10.2.{n}.1")) for n in range(PARALLEL_LOGINS)]
    for thread in logins:
        thread.start()
    during = issue_latencies(hall, tickets)
    for thread in logins:
        thread.join()
    print(f"(b) issuing {tickets} tickets alone: median {statistics.median(alone):.1f} ms, max {max(alone):.1f} ms")
    print(f"    while {PARALLEL_LOGINS} log-ins check passwords: median {statistics.median(during):.1f} ms, max {max(during):.1f} ms")


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        hall = open_hall(load_config(write_config(Path(folder), {**SMALL_HALL, "auth": {"password_hash": DEFAULT_PASSWORD_HASH}})))
        try:
            for n in range(OFFICERS):
                hall.accounts.add(f"petugas{n}", PASSWORD, "officer", ["1"])
            name_timing(hall)
            issuing_during_logins(hall)
        finally:
            hall.store.close()


if __name__ == "__main__":
    main()
