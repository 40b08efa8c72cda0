"""Log-in throttling and the password check: an attacker is slowed, the owner is not locked out,
unknown names cost the same check, and no password check holds up the hall."""

from __future__ import annotations

import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from antre.queue_server.accounts import CAP_PER_HALL, CAP_PER_USER, Accounts, LoginFailed
from antre.queue_server.clock import ManualClock
from antre.queue_server.config import load_config
from antre.queue_server.hall import open_hall

from tests.conftest import OPENING, PASSWORD
from tests.support import SMALL_HALL, write_config

API = "/api/v1"
OWNER_DESK = "10.0.0.5"
ATTACKER = "203.0.113.9"
WRONG = "tebak-tebakan"


def login(client, username: str, password: str = PASSWORD, remote: str = ATTACKER) -> int:
    """The status of a log-in sent from ``remote``."""
    response = client.post(f"{API}/auth/login", json={"username": username, "password": password}, environ_base={"REMOTE_ADDR": remote})
    return response.status_code


def test_wrong_passwords_from_elsewhere_never_keep_the_owner_out(client, officers):
    statuses = [login(client, "admin", WRONG) for _ in range(30)]
    assert statuses[:5] == [401] * 5 and set(statuses[5:]) == {429}
    assert login(client, "admin", remote=OWNER_DESK) == 200


def test_each_wrong_password_past_the_free_ones_waits_twice_as_long_up_to_15_minutes(client, officers, clock):
    assert [login(client, "siti", WRONG) for _ in range(5)] == [401] * 5
    assert login(client, "siti") == 429, "even the right password waits"
    assert login(client, "admin") == 200, "another officer at that address is not held up"
    clock.advance(seconds=1)
    assert login(client, "siti", WRONG) == 401
    clock.advance(seconds=1)
    assert login(client, "siti", WRONG) == 429, "the second wait is 2 s"
    clock.advance(seconds=1)
    assert login(client, "siti", WRONG) == 401
    for _ in range(12):
        clock.advance(minutes=15)
        assert login(client, "siti", WRONG) == 401, "the wait never grows past 15 minutes"
    clock.advance(minutes=14)
    response = client.post(
        f"{API}/auth/login",
        json={"username": "siti", "password": PASSWORD},
        headers={"Accept-Language": "en"},
        environ_base={"REMOTE_ADDR": ATTACKER},
    )
    assert response.status_code == 429
    assert response.get_json()["error"]["message"] == "too many failed log-ins; try again in 1 minute"
    clock.advance(minutes=1)
    assert login(client, "siti") == 200


def test_the_owner_at_a_desk_they_logged_in_from_gets_in_while_many_addresses_guess(client, officers):
    assert login(client, "siti", remote=OWNER_DESK) == 200
    statuses = [login(client, "siti", WRONG, remote=f"198.51.100.{n}") for n in range(CAP_PER_USER + 10)]
    assert statuses == [401] * CAP_PER_USER + [429] * 10, "past the hourly cap, new addresses wait"
    assert login(client, "siti", remote="198.51.100.200") == 429, "even with the right password"
    assert login(client, "siti", remote=OWNER_DESK) == 200


def test_a_hall_wide_cap_stops_guessing_across_many_names_but_not_officers_at_their_desks(client, officers, clock):
    assert login(client, "budi", remote=OWNER_DESK) == 200
    for n in range(CAP_PER_HALL):
        assert login(client, f"tamu{n % 50}", WRONG, remote=f"198.51.{n // 250}.{n % 250}") == 401
    assert login(client, "admin", WRONG, remote="192.0.2.1") == 429
    assert login(client, "budi", remote=OWNER_DESK) == 200
    clock.advance(hours=1)
    assert login(client, "admin", remote="192.0.2.1") == 200, "the cap is per hour"


def test_parallel_guesses_from_one_address_get_only_the_free_tries(app, officers):
    """Each try counts before its password is checked, so guesses sent together see each other."""

    def guess(_: int) -> int:
        return login(app.test_client(), "siti", WRONG)

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = sorted(pool.map(guess, range(16)))
    assert statuses == [401] * 5 + [429] * 11


def hall_with(tmp_path, password_hash: str):
    return open_hall(load_config(write_config(tmp_path, {**SMALL_HALL, "auth": {"password_hash": password_hash}})), ManualClock(OPENING))


def test_an_unknown_user_name_costs_the_same_password_check_as_a_known_one(tmp_path):
    """Measured as the CPU work of the calling thread, which other processes on the machine do not
    change: the answer took 3 ms for an unknown name against 95 ms for a known one, which told an
    attacker which names to guess passwords for."""
    hall = hall_with(tmp_path, "scrypt:16384:8:1")
    try:
        hall.accounts.add("siti", PASSWORD, "officer", ["1"])

        def work(username: str) -> float:
            started = time.thread_time()
            with pytest.raises(LoginFailed):
                hall.accounts.login(username, WRONG, remote=f"10.1.0.{len(username)}")
            return time.thread_time() - started

        known = statistics.median(work("siti") for _ in range(3))
        unknown = statistics.median(work("nobody") for _ in range(3))
        assert unknown > known / 2
    finally:
        hall.store.close()


class SignallingClock(ManualClock):
    """A manual clock that says when it was first read: the log-in reads it as it starts."""

    def __init__(self, start):
        super().__init__(start)
        self.read = threading.Event()

    def __call__(self):
        self.read.set()
        return super().__call__()


def test_a_ticket_is_issued_while_a_log_in_checks_its_password(tmp_path):
    """The password check (0.7 s of scrypt at these settings) runs outside the write lock: ten
    parallel log-ins used to hold up ticket issuing for up to 1.4 s."""
    hall = hall_with(tmp_path, "scrypt:32768:8:8")
    try:
        hall.accounts.add("siti", PASSWORD, "officer", ["1"])
        clock = SignallingClock(OPENING)
        accounts = Accounts(hall.store, hall.config, clock)
        refused = []

        def log_in() -> None:
            accounts.authenticate("warm-up")  # this thread's database connection opens now, not inside the log-in
            try:
                accounts.login("siti", WRONG, remote=ATTACKER)
            except LoginFailed as error:
                refused.append(error)

        checking = threading.Thread(target=log_in)
        checking.start()
        assert clock.read.wait(10)
        ticket = hall.engine.issue("A")
        still_checking = checking.is_alive()
        checking.join()
        assert ticket["number"] == "A001"
        assert still_checking, "the ticket waited for the password check"
        assert len(refused) == 1
    finally:
        hall.store.close()
