"""Officer accounts, log-in tokens and log-in throttling; plain Python like the engine.

Administrators (roles.py) manage the accounts here too: add, edit, disable and enable, password
resets to a one-time password, ending sessions; every such change is an ``officer_changed`` event
in the event log, naming who made it and the officer before and after (never a password or hash).

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
from .roles import (
    AGENCY_ADMIN,
    HALL_ADMIN,
    OFFICER,
    ROLES,
    Forbidden,
    counter_agency,
    is_admin,
    is_hall_admin,
    may_manage_agency,
    officer_agency,
    require_admin,
    require_agency,
    require_hall_admin,
)
from .store import Store, Tx

OFFICER_CHANGED = "officer_changed"  # the event kind of every change to an officer
ONE_TIME_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
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

    # --- managing officers (CLI and the administration) ---------------------------------------
    # ``by`` is the administrator acting (None: the command line, which holds the hall's database and
    # may do everything). Every change is an ``officer_changed`` event naming who made it.
    def add(
        self,
        username: str,
        password: str,
        role: str = OFFICER,
        counters: list[str] | None = None,
        agency: str | None = None,
        by: dict | None = None,
        must_change: bool = False,
    ) -> dict:
        """``must_change``: the password is a one-time one (``one_time_password``) to replace at log-in."""
        if not USERNAME.match(username or ""):
            raise InvalidInput("error.username", "username")
        _check_password(password)
        counters = list(counters or [])
        agency = self._agency_of(role, agency, (by or {}).get("agency"))
        self._check_role(role, agency, counters, by)
        password_hash = generate_password_hash(password, self.hall.password_hash)  # before the write lock: it is slow on purpose
        with self.store.write() as tx:
            if tx.officer_by_username(username):
                raise Conflict("error.officer_exists", "username", username=username)
            officer_id = tx.insert_officer(username, password_hash, role, counters, iso(self.clock()), agency)
            tx.update_officer(officer_id, must_change_password=int(must_change))
            return self._changed(tx, by, "added", None, officer_id)

    def list(self, by: dict | None = None) -> list[dict]:
        """Every officer, or for an agency admin only those of their agency."""
        with self.store.read() as tx:
            officers = [_public(o) for o in tx.officers()]
        return [o for o in officers if by is None or self._may_manage(by, o)]

    def get(self, username: str, by: dict | None = None) -> dict:
        with self.store.read() as tx:
            officer = self._existing(tx, username, by)
        return _public(officer)

    def update(
        self,
        username: str,
        by: dict | None = None,
        *,
        counters: list[str] | None = None,
        role: str | None = None,
        agency: str | None = None,
    ) -> dict:
        """Change an officer's counters, role or agency; only what is given changes."""
        with self.store.read() as tx:
            officer = self._existing(tx, username, by)
        role = role or officer["role"]
        counters = officer["counters"] if counters is None else list(counters)
        agency = self._agency_of(role, agency, officer["agency"])
        self._check_role(role, agency, counters, by)
        with self.store.write() as tx:
            before = self._existing(tx, username, by)
            if before["role"] == HALL_ADMIN and role != HALL_ADMIN:
                _keep_a_hall_admin(tx, before)
            tx.update_officer(before["id"], role=role, counters=counters, agency=agency)
            return self._changed(tx, by, "edited", before, before["id"])

    def disable(self, username: str, by: dict | None = None) -> dict:
        """Disabled officers cannot log in, and their open sessions end at once. The record stays
        (the audit trail and served tickets name it); ``enable`` lets them back in."""
        with self.store.write() as tx:
            before = self._existing(tx, username, by)
            if before["role"] == HALL_ADMIN:
                _keep_a_hall_admin(tx, before)
            tx.update_officer(before["id"], active=0)
            tx.delete_tokens(officer_id=before["id"])
            return self._changed(tx, by, "disabled", before, before["id"])

    def enable(self, username: str, by: dict | None = None) -> dict:
        with self.store.write() as tx:
            before = self._existing(tx, username, by)
            tx.update_officer(before["id"], active=1)
            return self._changed(tx, by, "enabled", before, before["id"])

    def reset_password(self, username: str, by: dict | None = None) -> tuple[str, dict]:
        """Give the officer a one-time password (returned once, stored only as its hash) that they must
        replace at their next log-in; their open sessions end."""
        with self.store.read() as tx:
            self._existing(tx, username, by)
        one_time = one_time_password()
        return one_time, self._replace_password(username, one_time, True, "password_reset", by)

    def set_password(self, username: str, password: str, by: dict | None = None) -> dict:
        """Set the password an administrator chose (the command line); open sessions end."""
        _check_password(password)
        return self._replace_password(username, password, False, "password_set", by)

    def change_own_password(self, officer: dict, current: str, new: str) -> dict:
        """The officer's own change: needs the current (or one-time) password, and a new one that differs."""
        with self.store.read() as tx:
            stored = tx.officer(officer["id"])
        if not self._password_matches(stored, current if isinstance(current, str) else ""):
            raise InvalidInput("error.current_password", "current_password")
        _check_password(new, "new_password")
        if new == current:
            raise InvalidInput("error.same_password", "new_password")
        password_hash = generate_password_hash(new, self.hall.password_hash)
        with self.store.write() as tx:
            tx.update_officer(officer["id"], password_hash=password_hash, must_change_password=0)
            return self._changed(tx, officer, "password_changed", stored, officer["id"])

    def end_sessions(self, username: str, by: dict | None = None) -> dict:
        """Log the officer out everywhere (a lost phone, a shared PC left signed in)."""
        with self.store.write() as tx:
            before = self._existing(tx, username, by)
            tx.delete_tokens(officer_id=before["id"])
            return self._changed(tx, by, "sessions_ended", before, before["id"])

    def sessions(self) -> dict[int, dict]:
        """Per officer id with an open session: how many (``sessions``), since when (``since``) and the latest (``latest``)."""
        with self.store.read() as tx:
            return tx.live_sessions(iso(self.clock()))

    def _replace_password(self, username: str, password: str, must_change: bool, what: str, by: dict | None) -> dict:
        password_hash = generate_password_hash(password, self.hall.password_hash)
        with self.store.write() as tx:
            before = self._existing(tx, username, by)
            tx.update_officer(before["id"], password_hash=password_hash, must_change_password=int(must_change))
            tx.delete_tokens(officer_id=before["id"])
            return self._changed(tx, by, what, before, before["id"])

    def _existing(self, tx: Tx, username: str, by: dict | None) -> dict:
        """The officer's record, if ``by`` may manage them (NotFound, or Forbidden)."""
        officer = tx.officer_by_username(username) if isinstance(username, str) else None
        if officer is None:
            raise NotFound("error.no_officer", "username", username=username)
        if by is not None and not self._may_manage(by, officer):
            raise Forbidden("error.other_agency")
        return officer

    def _may_manage(self, by: dict, officer: dict) -> bool:
        """A hall admin manages everyone; an agency admin the officers and agency admins of their agency."""
        if is_hall_admin(by):
            return True
        return is_admin(by) and officer["role"] != HALL_ADMIN and may_manage_agency(by, officer_agency(self.hall, officer))

    def _check_role(self, role: str, agency: str | None, counters: list[str], by: dict | None) -> None:
        """The officer as it would be after the change: valid, and within what ``by`` may give."""
        if role not in ROLES:
            raise InvalidInput("error.role", "role", roles=", ".join(ROLES))
        unknown = [c for c in counters if c not in self.hall.counters]
        if unknown:
            raise InvalidInput("error.unknown_counter_known", "counters", counter=unknown[0], known=", ".join(self.hall.counters))
        if role == OFFICER and not counters:
            raise InvalidInput("error.officer_counters", "counters")
        if role == AGENCY_ADMIN and not agency:
            raise InvalidInput("error.agency_required", "agency")
        elsewhere = [c for c in counters if role == AGENCY_ADMIN and counter_agency(self.hall, c) != agency]
        if elsewhere:
            raise InvalidInput("error.counter_other_agency", "counters", counter=elsewhere[0], agency=agency)
        if by is None:
            return
        require_admin(by)
        if role == HALL_ADMIN:
            require_hall_admin(by)
        require_agency(by, officer_agency(self.hall, {"role": role, "agency": agency, "counters": counters}))
        for counter_id in counters:
            require_agency(by, counter_agency(self.hall, counter_id))

    def _agency_of(self, role: str, given: str | None, otherwise: str | None) -> str | None:
        """The agency an officer of ``role`` gets: none for a hall admin, else the one given (by
        official or short name), else ``otherwise`` (their current one, or their agency admin's)."""
        if role == HALL_ADMIN:
            return None
        return self._agency(given) if given else otherwise

    def _agency(self, name: str) -> str:
        """An agency's official name, given its official or its short name."""
        text = str(name).strip()
        for official, agency in self.hall.agencies.items():
            if text in (official, agency.short_name):
                return official
        raise InvalidInput("error.unknown_agency", "agency", agency=text, known=", ".join(self.hall.agencies))

    def _changed(self, tx: Tx, by: dict | None, what: str, before: dict | None, officer_id: int) -> dict:
        """Record the change (without any password or hash) and return the officer as it is now."""
        after = _public(tx.officer(officer_id))
        details = {"what": what, "username": after["username"], "before": before and _public(before), "after": after}
        tx.add_event(iso(self.clock()), OFFICER_CHANGED, None, None, by["id"] if by else None, details)
        return after

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


def may_act_on(officer: dict, counter_id: str, config: HallConfig) -> bool:
    """Whether an officer may serve at a counter: a hall admin anywhere, an agency admin at their
    agency's counters, an officer at the counters they are given."""
    if counter_id in officer["counters"] or is_hall_admin(officer):
        return True
    return officer["role"] == AGENCY_ADMIN and may_manage_agency(officer, counter_agency(config, counter_id))


def _check_password(password: str, field: str = "password") -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise InvalidInput("error.password", field, min=MIN_PASSWORD)


def _keep_a_hall_admin(tx: Tx, leaving: dict) -> None:
    """Refuse to disable or demote the last active hall admin: nobody could administer the hall then."""
    others = [o for o in tx.officers() if o["role"] == HALL_ADMIN and o["active"] and o["id"] != leaving["id"]]
    if leaving["active"] and not others:
        raise Conflict("error.last_hall_admin", "username", username=leaving["username"])


def one_time_password() -> str:
    """Twelve characters an administrator can read out or write down: no 0/O or 1/l/I to confuse."""
    return "".join(secrets.choice(ONE_TIME_ALPHABET) for _ in range(12))


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
        "agency": officer["agency"],
        "active": bool(officer["active"]),
        "must_change_password": bool(officer["must_change_password"]),
    }
