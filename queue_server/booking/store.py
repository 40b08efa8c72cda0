"""All the SQL of the ``bookings`` table (schema ``_v11_bookings``).

Each function runs inside a transaction the caller opened (``Store.read()`` or ``Store.write()``), so
the desk counts a session's places and inserts the booking in one write: no overbooking.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..store import Tx

BOOKED, CHECKED_IN, CANCELLED, EXPIRED = "booked", "checked_in", "cancelled", "expired"
COLUMNS = (
    "code",
    "service",
    "day",
    "session",
    "session_start",
    "session_end",
    "name",
    "phone",
    "lang",
    "status",
    "created_at",
)
EDITABLE = frozenset({"status", "checked_in_at", "ticket_id", "ended_at", "name", "phone"})


def insert(tx: Tx, booking: dict[str, Any]) -> int:
    sql = f"INSERT INTO bookings ({', '.join(COLUMNS)}) VALUES ({', '.join('?' for _ in COLUMNS)})"
    return tx.conn.execute(sql, [booking[name] for name in COLUMNS]).lastrowid


def by_code(tx: Tx, code: str) -> dict | None:
    row = tx.conn.execute("SELECT * FROM bookings WHERE code = ?", (code,)).fetchone()
    return dict(row) if row else None


def by_id(tx: Tx, booking_id: int) -> dict | None:
    """A booking by the id the event log names (``booked``, ``issued``'s ``booking``)."""
    row = tx.conn.execute("SELECT * FROM bookings WHERE id = ?", (booking_id,)).fetchone()
    return dict(row) if row else None


def code_taken(tx: Tx, code: str) -> bool:
    return tx.conn.execute("SELECT 1 FROM bookings WHERE code = ?", (code,)).fetchone() is not None


def taken(tx: Tx, service: str, day: str) -> dict[str, int]:
    """Places taken per session of a service's day: every booking but a cancelled one (an expired
    booking does not give its place back: its session is over)."""
    sql = "SELECT session, COUNT(*) FROM bookings WHERE service = ? AND day = ? AND status != ? GROUP BY session"
    return dict(tx.conn.execute(sql, (service, day, CANCELLED)))


def phone_active(tx: Tx, phone: str, service: str, day: str) -> bool:
    sql = "SELECT 1 FROM bookings WHERE phone = ? AND service = ? AND day = ? AND status IN (?, ?)"
    return tx.conn.execute(sql, (phone, service, day, BOOKED, CHECKED_IN)).fetchone() is not None


def phone_count_since(tx: Tx, phone: str, since: str) -> int:
    """Bookings made with this phone number since ``since``, whatever became of them."""
    return tx.conn.execute("SELECT COUNT(*) FROM bookings WHERE phone = ? AND created_at >= ?", (phone, since)).fetchone()[0]


def update(tx: Tx, booking_id: int, **fields: Any) -> None:
    tx.update_row("bookings", booking_id, fields, EDITABLE)


def booked_ending_before(tx: Tx, moment: str) -> list[dict]:
    """Bookings still ``booked`` whose session ended before ``moment`` (the sweep adds each service's
    grace time to decide which have expired)."""
    sql = "SELECT * FROM bookings WHERE status = ? AND session_end < ? ORDER BY session_end"
    return [dict(row) for row in tx.conn.execute(sql, (BOOKED, moment))]


def forget_before(tx: Tx, day: str) -> int:
    """Blank the name and phone of the bookings of days before ``day``; how many were blanked."""
    sql = "UPDATE bookings SET name = NULL, phone = NULL WHERE day < ? AND (name IS NOT NULL OR phone IS NOT NULL)"
    return tx.conn.execute(sql, (day,)).rowcount


def of_day(tx: Tx, day: str, services: Iterable[str] | None) -> list[dict]:
    """A day's bookings (of these services, or all), by service, session and when they were made."""
    where, params = "day = ?", [day]
    if services is not None:
        names = list(services)
        where += f" AND service IN ({', '.join('?' for _ in names)})"
        params.extend(names)
    sql = f"SELECT * FROM bookings WHERE {where} ORDER BY service, session_start, id"
    return [dict(row) for row in tx.conn.execute(sql, params)]
