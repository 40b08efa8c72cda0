"""Officer accounts, log-in tokens and log-in throttling; plain Python like the engine.

Passwords are stored as werkzeug scrypt hashes made with the hall's ``auth.password_hash``
parameters (full strength unless a test hall lowers them); each hash names its own parameters, so
passwords set before a change still check. A log-in token is shown to the client once and stored
only as its SHA-256, so a copy of the database does not hand out working sessions.

Log-in throttling slows whoever guesses without keeping the owner out. Wrong passwords for one user
name from one address are free up to a point; then each further try waits twice as long as the one
before, up to ``LONGEST_WAIT`` (HTTP 429). An officer who mistypes hardly notices; a script gets
about a hundred guesses a day per address. The wait belongs to the pair, so wrong passwords sent
from elsewhere never lock an officer out at their own desk. An attacker with many addresses meets
hourly caps, per user name and for the whole hall; past them only addresses the user name has
logged in from lately may try. An unknown user name costs the same password check as a known one,
so the answer's timing does not tell which names exist. The password check is slow on purpose: it
runs outside the write lock, and on all cores but one at most, so log-ins never hold up a ticket.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import secrets
import threading
from datetime import datetime, timedelta
from functools import cached_property

from werkzeug.security import check_password_hash, generate_password_hash

from .clock import Clock, iso, parse_iso, system_clock
from .config import HallConfig
from .engine import Conflict, InvalidInput, NotFound, QueueError
from .store import Store, Tx

ROLES = ("officer", "admin")
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
MIN_PASSWORD = 8
FREE_TRIES_PER_PAIR = 5  # wrong passwords for one user name from one address before the waits begin
FREE_TRIES_PER_ADDRESS = 20  # the same, for every user name tried from one address
FIRST_WAIT = timedelta(seconds=1)
LONGEST_WAIT = timedelta(minutes=15)
MEMORY = timedelta(hours=24)  # failures older than this are forgotten
CAP_WINDOW = timedelta(hours=1)
CAP_PER_USER = 30  # failures for one user name, from anywhere, per hour, before only its known addresses may try
CAP_PER_HALL = 300  # failures in the whole hall per hour, likewise
KNOWN_FOR = timedelta(days=30)  # an address a user name logged in from stays known this long
# Password checks at once: all cores but one, so that a burst of log-ins leaves a core for tickets.
PARALLEL_CHECKS = max(1, (os.cpu_count() or 2) - 1)


class LoginFailed(QueueError):
    code = "unauthorized"


class Throttled(QueueError):
    code = "too_many_requests"


class Accounts:
    def __init__(self, store: Store, hall: HallConfig, clock: Clock = system_clock):
        self.store = store
        self.hall = hall
        self.clock = clock
        self._checking = threading.BoundedSemaphore(PARALLEL_CHECKS)

    # --- managing officers (CLI) ----------------------------------------------------------------
    def add(self, username: str, password: str, role: str = "officer", counters: list[str] | None = None) -> dict:
        counters = counters or []
        if not USERNAME.match(username or ""):
            raise InvalidInput("error.username", "username")
        if role not in ROLES:
            raise InvalidInput("error.role", "role", roles=", ".join(ROLES))
        if len(password or "") < MIN_PASSWORD:
            raise InvalidInput("error.password", "password", min=MIN_PASSWORD)
        unknown = [c for c in counters if c not in self.hall.counters]
        if unknown:
            raise InvalidInput("error.unknown_counter_known", "counters", counter=unknown[0], known=", ".join(self.hall.counters))
        if role == "officer" and not counters:
            raise InvalidInput("error.officer_counters", "counters")
        password_hash = generate_password_hash(password, self.hall.password_hash)  # before the write lock: it is slow on purpose
        with self.store.write() as tx:
            if tx.officer_by_username(username):
                raise Conflict("error.officer_exists", username=username)
            officer_id = tx.insert_officer(username, password_hash, role, counters, iso(self.clock()))
            return _public(tx.officer(officer_id))

    def list(self) -> list[dict]:
        with self.store.read() as tx:
            return [_public(o) for o in tx.officers()]

    def disable(self, username: str) -> dict:
        """Disabled officers cannot log in, and their open sessions end at once."""
        with self.store.write() as tx:
            officer = tx.officer_by_username(username)
            if officer is None:
                raise NotFound("error.no_officer", "username", username=username)
            tx.update_officer(officer["id"], active=0)
            tx.delete_tokens(officer_id=officer["id"])
            return _public(tx.officer(officer["id"]))

    def password_is(self, username: str, password: str) -> bool:
        """Whether ``username`` is an active officer with this password (no log-in, no throttling:
        for the command line, which already holds the database)."""
        with self.store.read() as tx:
            officer = tx.officer_by_username(username)
        return officer is not None and self._password_matches(officer, password)

    # --- sessions -------------------------------------------------------------------------------
    def login(self, username: str, password: str, remote: str = "") -> tuple[str, dict]:
        """Return (token, officer) or raise LoginFailed / Throttled; the message never says which part was wrong.

        The try is recorded as a failure before the password is checked, in a short transaction of
        its own, so that guesses sent in parallel count against each other; a right password then
        clears it. Losing that record in a power cut harms nothing, so it does not wait for the disk.
        """
        now = self.clock()
        name = str(username)[:64]
        with self.store.write(durable=False) as tx:
            self._refuse_if_throttled(tx, name, remote, now)
            tx.forget_login_failures(iso(now - MEMORY))
            tx.add_login_failure(name, remote, iso(now))
            officer = tx.officer_by_username(username) if isinstance(username, str) else None
        if not self._password_matches(officer, password):
            raise LoginFailed("error.login_failed")
        token = secrets.token_urlsafe(32)
        with self.store.write() as tx:
            tx.clear_login_failures(name, remote)
            tx.remember_login_address(name, remote, iso(now))
            tx.delete_tokens(expired_before=iso(now))
            tx.insert_token(_digest(token), officer["id"], iso(now), iso(now + timedelta(hours=self.hall.token_hours)))
        return token, _public(officer)

    def _password_matches(self, officer: dict | None, password: str) -> bool:
        """The same scrypt work for an unknown name as for a known one; never under the write lock."""
        stored = officer["password_hash"] if officer is not None else self._decoy_hash
        with self._checking:
            matches = check_password_hash(stored, password if isinstance(password, str) else "")
        return matches and officer is not None and bool(officer["active"])

    @cached_property
    def _decoy_hash(self) -> str:
        """A hash no password matches, made with the hall's parameters, for unknown user names."""
        return generate_password_hash(secrets.token_urlsafe(32), self.hall.password_hash)

    def _refuse_if_throttled(self, tx: Tx, name: str, remote: str, now: datetime) -> None:
        since, cap_since = iso(now - MEMORY), iso(now - CAP_WINDOW)
        free_at = [_growing_wait(tx.login_failures(since, username=name, remote=remote), FREE_TRIES_PER_PAIR)]
        if not tx.login_address_known(name, remote, iso(now - KNOWN_FOR)):
            free_at += [
                _growing_wait(tx.login_failures(since, remote=remote), FREE_TRIES_PER_ADDRESS),
                _capped(tx.login_failures(cap_since, username=name), CAP_PER_USER),
                _capped(tx.login_failures(cap_since), CAP_PER_HALL),
            ]
        latest = max((moment for moment in free_at if moment is not None), default=now)
        if latest > now:
            raise Throttled("error.throttled", num=max(1, math.ceil((latest - now).total_seconds() / 60)))

    def authenticate(self, token: str) -> dict | None:
        """The active officer a token belongs to, or None for an unknown, expired or revoked token."""
        if not token:
            return None
        with self.store.read() as tx:
            row = tx.token(_digest(token))
            if row is None or row["expires_at"] < iso(self.clock()):
                return None
            officer = tx.officer(row["officer_id"])
        return _public(officer) if officer and officer["active"] else None

    def logout(self, token: str) -> None:
        with self.store.write() as tx:
            tx.delete_tokens(token_hash=_digest(token))


def may_act_on(officer: dict, counter_id: str) -> bool:
    return officer["role"] == "admin" or counter_id in officer["counters"]


def _growing_wait(failures: list[str], free: int) -> datetime | None:
    """When the next try may come: ``free`` failures cost nothing, each one after doubles the wait."""
    if len(failures) < free:
        return None
    doublings = min(len(failures) - free, 20)  # 2**20 s is far past LONGEST_WAIT already
    return parse_iso(failures[-1]) + min(FIRST_WAIT * 2**doublings, LONGEST_WAIT)


def _capped(failures: list[str], cap: int) -> datetime | None:
    """When the window holds fewer than ``cap`` failures again."""
    return parse_iso(failures[-cap]) + CAP_WINDOW if len(failures) >= cap else None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _public(officer: dict) -> dict:
    return {
        "id": officer["id"],
        "username": officer["username"],
        "role": officer["role"],
        "counters": officer["counters"],
        "active": bool(officer["active"]),
    }
