"""The demo officer ``make run`` makes, so that a newcomer can try the console at once.

No password is written in the repository: it is generated at the first start, kept next to the
database (``antre.demo-officer``, readable by its owner only) and shown at every ``make run`` while
it still works. A hall that changes it, or disables the officer, gets no password printed any more.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from .hall import Hall

USERNAME = "demo"


def password_file(hall: Hall) -> Path:
    return hall.config.database.with_suffix(".demo-officer")


def ensure_demo_officer(hall: Hall) -> str:
    """Make the demo officer (every counter) on the first call; the line to print about it."""
    path = password_file(hall)
    known = {o["username"] for o in hall.accounts.list()}
    if USERNAME not in known:
        password = secrets.token_urlsafe(12)
        hall.accounts.add(USERNAME, password, "officer", list(hall.config.counters))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(password + "\n", encoding="utf-8")
    password = path.read_text(encoding="utf-8").strip() if path.exists() else ""
    if password and hall.accounts.password_is(USERNAME, password):
        return f"demo officer for the console: user name {USERNAME}, password {password}"
    return f"demo officer {USERNAME!r}: its password was changed or it was disabled (see antre officer list)"
