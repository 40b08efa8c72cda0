"""Officer accounts, log-in tokens and log-in throttling; plain Python like the engine.

Passwords are stored as werkzeug scrypt hashes made with the hall's ``auth.password_hash``
parameters (full strength unless a test hall lowers them); each hash names its own parameters, so
passwords set before a change still check. A log-in token is shown to the client once and stored
only as its SHA-256, so a copy of the database does not hand out working sessions. Repeated wrong
passwords for one user name, or from one address, are refused for a while (HTTP 429) so that
a password cannot be guessed at the speed of a script.
"""

from __future__ import annotations

import hashlib
import math
import re
import secrets
from datetime import datetime, timedelta

from werkzeug.security import check_password_hash, generate_password_hash

from .clock import Clock, iso, parse_iso, system_clock
from .config import HallConfig
from .engine import Conflict, InvalidInput, NotFound, QueueError
from .store import Store, Tx

ROLES = ("officer", "admin")
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
MIN_PASSWORD = 8
FAILURES_PER_USER = 5
FAILURES_PER_ADDRESS = 20
THROTTLE_WINDOW = timedelta(minutes=15)


class LoginFailed(QueueError):
    code = "unauthorized"


class Throttled(QueueError):
    code = "too_many_requests"


class Accounts:
    def __init__(self, store: Store, hall: HallConfig, clock: Clock = system_clock):
        self.store = store
        self.hall = hall
        self.clock = clock

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

    # --- sessions -------------------------------------------------------------------------------
    def login(self, username: str, password: str, remote: str = "") -> tuple[str, dict]:
        """Return (token, officer) or raise LoginFailed / Throttled; the message never says which part was wrong."""
        now = self.clock()
        since = iso(now - THROTTLE_WINDOW)
        with self.store.write() as tx:
            self._refuse_if_throttled(tx, username, remote, since, now)
            officer = tx.officer_by_username(username) if isinstance(username, str) else None
            valid = officer is not None and isinstance(password, str) and check_password_hash(officer["password_hash"], password)
            if not valid or not officer["active"]:
                tx.add_login_failure(str(username)[:64], remote, iso(now))
        if not valid or not officer["active"]:
            raise LoginFailed("error.login_failed")
        token = secrets.token_urlsafe(32)
        with self.store.write() as tx:
            tx.clear_login_failures(username)
            tx.delete_tokens(expired_before=iso(now))
            tx.insert_token(_digest(token), officer["id"], iso(now), iso(now + timedelta(hours=self.hall.token_hours)))
        return token, _public(officer)

    def _refuse_if_throttled(self, tx: Tx, username: str, remote: str, since: str, now: datetime) -> None:
        user_failures = tx.login_failures_since(str(username)[:64], since)
        address_failures = tx.login_failures_from(remote, since) if remote else []
        for failures, limit in ((user_failures, FAILURES_PER_USER), (address_failures, FAILURES_PER_ADDRESS)):
            if len(failures) >= limit:
                free_at = parse_iso(failures[-limit]) + THROTTLE_WINDOW
                minutes = max(1, math.ceil((free_at - now).total_seconds() / 60))
                raise Throttled("error.throttled", num=minutes)

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
