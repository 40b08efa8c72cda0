"""The helper behind the hall's background threads: a failing round does not end the work, a round
may close its own thread, and a closing store stops the thread before its connections close."""

from __future__ import annotations

import logging
import threading

from antre.queue_server.periodic import Periodic
from antre.queue_server.store import Store

from .support import wait_until

log = logging.getLogger("test_periodic")


def test_a_failing_round_is_logged_and_the_next_wake_tries_again(caplog):
    rounds = []

    def work() -> None:
        rounds.append(1)
        if len(rounds) == 1:
            raise OSError("disk busy")

    periodic = Periodic("test-periodic", 60, work, failure="the test's round failed", log=log, first=True)
    periodic.start()
    try:
        wait_until(lambda: rounds, message="the first round")
        periodic.wake()
        wait_until(lambda: len(rounds) == 2, message="a round after the failing one")
    finally:
        periodic.close()
    assert "the test's round failed" in caplog.text and "disk busy" in caplog.text


def test_a_round_that_closes_its_own_thread_ends_it():
    ended = threading.Event()
    holder: list[Periodic] = []

    def work() -> None:
        holder[0].close()  # joining itself would hang forever
        ended.set()

    holder.append(Periodic("test-periodic", 60, work, failure="failed", log=log, first=True))
    holder[0].start()
    wait_until(ended.is_set, message="the round to close its own thread")
    wait_until(lambda: not holder[0]._thread.is_alive(), message="the thread to end")


def test_closing_the_store_stops_the_thread_first(tmp_path):
    store = Store(tmp_path / "hall.db")
    rounds = []
    periodic = Periodic("test-periodic", 60, lambda: rounds.append(store.closed), failure="failed", log=log, store=store)
    periodic.start()
    periodic.wake()
    wait_until(lambda: rounds, message="a woken round")
    store.close()
    assert not periodic._thread.is_alive() and True not in rounds
