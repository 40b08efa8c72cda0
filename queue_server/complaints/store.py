"""All the SQL of the complaints' tables (``complaints``, ``complaint_updates``; schema ``_v9_complaints``).

Each function runs inside a transaction the caller opened (``Store.read()`` or ``Store.write()``), so
the desk can check and write in one: a tracking code's uniqueness, a ticket's count of complaints.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..store import Tx

COLUMNS = (
    "code",
    "filed_at",
    "channel",
    "ticket_id",
    "agency",
    "service",
    "what",
    "where_when",
    "remedy",
    "contact",
    "confidential",
    "status",
    "due_day",
    "answer",
    "answered_at",
    "updated_at",
)
EDITABLE = frozenset({"status", "answer", "answered_at", "agency", "updated_at"})


def insert(tx: Tx, complaint: dict[str, Any]) -> int:
    names = [name for name in COLUMNS if name in complaint]
    sql = f"INSERT INTO complaints ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})"
    return tx.conn.execute(sql, [complaint[name] for name in names]).lastrowid


def by_code(tx: Tx, code: str) -> dict | None:
    row = tx.conn.execute("SELECT * FROM complaints WHERE code = ?", (code,)).fetchone()
    return dict(row) if row else None


def code_taken(tx: Tx, code: str) -> bool:
    return tx.conn.execute("SELECT 1 FROM complaints WHERE code = ?", (code,)).fetchone() is not None


def count_for_ticket(tx: Tx, ticket_id: str) -> int:
    return tx.conn.execute("SELECT COUNT(*) FROM complaints WHERE ticket_id = ?", (ticket_id,)).fetchone()[0]


def update(tx: Tx, complaint_id: int, **fields: Any) -> None:
    tx.update_row("complaints", complaint_id, fields, EDITABLE)


def add_update(tx: Tx, complaint_id: int, at: str, officer_id: int | None, status: str, changed: Iterable[str], note: str | None) -> None:
    tx.conn.execute(
        "INSERT INTO complaint_updates (complaint_id, at, officer_id, status, changed, note) VALUES (?, ?, ?, ?, ?, ?)",
        (complaint_id, at, officer_id, status, ",".join(changed), note),
    )


def updates(tx: Tx, complaint_id: int) -> list[dict]:
    """A complaint's changes, oldest first, with the officer's username."""
    sql = (
        "SELECT u.at, u.status, u.changed, u.note, o.username AS officer FROM complaint_updates u "
        "LEFT JOIN officers o ON o.id = u.officer_id WHERE u.complaint_id = ? ORDER BY u.id"
    )
    return [dict(row) for row in tx.conn.execute(sql, (complaint_id,))]


def listing(tx: Tx, agencies: Iterable[str] | None, status: str | None, due_before: str | None) -> list[dict]:
    """Complaints of these agencies (None: every one, assigned or not), optionally of one status,
    or only those still open and due before ``due_before`` (the overdue ones); open ones first,
    the earliest due first."""
    where, params = _where(agencies, status, due_before)
    sql = f"SELECT * FROM complaints WHERE {where} ORDER BY status = 'selesai', due_day, id"
    return [dict(row) for row in tx.conn.execute(sql, params)]


def open_counts(tx: Tx, agencies: Iterable[str] | None, today: str) -> dict[str, int]:
    """How many of these agencies' complaints are open (not ``selesai``) and how many of those overdue."""
    where, params = _where(agencies, None, None)
    sql = f"SELECT COUNT(*), COALESCE(SUM(due_day < ?), 0) FROM complaints WHERE {where} AND status != 'selesai'"
    open_, overdue = tx.conn.execute(sql, [today, *params]).fetchone()
    return {"open": open_, "overdue": overdue}


def _where(agencies: Iterable[str] | None, status: str | None, due_before: str | None) -> tuple[str, list[Any]]:
    clauses, params = ["1"], []
    if agencies is not None:
        names = list(agencies)
        clauses.append(f"agency IN ({', '.join('?' for _ in names)})")
        params.extend(names)
    if status is not None:
        clauses.append("status = ?")
        params.append(status)
    if due_before is not None:
        clauses.append("status != 'selesai' AND due_day < ?")
        params.append(due_before)
    return " AND ".join(clauses), params
