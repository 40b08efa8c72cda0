"""All the SQL of the SKM survey's tables."""

from __future__ import annotations

from typing import Any

from ..store import Store

# --- the follow-up plans (rencana tindak lanjut): Issue 16 part R -------------------------------------
FOLLOWUP_COLUMNS = ("period_from", "period_to", "agency", "element", "finding", "plan", "owner", "due_day", "status")
FOLLOWUP_EVENT = "skm_followup_changed"  # the audit trail's kind of every added or changed plan


class FollowupStore:
    """The follow-up plans' rows. Each write stores its audit event (``skm_followup_changed``: who,
    what before and after, the plan's agency so an agency admin's audit trail shows it) in the same
    transaction: a plan never changes without its trace."""

    def __init__(self, store: Store):
        self.store = store

    def followups(self, from_day: str, to_day: str, agency: str | None = None, whole_hall: bool = True) -> list[dict]:
        """The plans of periods that overlap ``from_day``..``to_day``, oldest first: all of them when
        ``whole_hall``, else only ``agency``'s (None: the hall's own)."""
        sql = "SELECT * FROM skm_followups WHERE period_from <= ? AND period_to >= ?"
        params: list[Any] = [to_day, from_day]
        if not whole_hall:
            sql += " AND agency IS ?"
            params.append(agency)
        with self.store.read() as tx:
            return tx._all(f"{sql} ORDER BY period_from, agency, element, id", params)

    def followup(self, followup_id: int) -> dict | None:
        with self.store.read() as tx:
            return tx._one("SELECT * FROM skm_followups WHERE id = ?", (followup_id,))

    def add_followup(self, fields: dict[str, Any], at: str, officer_id: int | None, what: str) -> dict:
        columns = [*FOLLOWUP_COLUMNS, "created_at", "updated_at", "updated_by"]
        values = [*(fields[c] for c in FOLLOWUP_COLUMNS), at, at, officer_id]
        with self.store.write() as tx:
            cursor = tx.conn.execute(f"INSERT INTO skm_followups ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})", values)
            row = tx._one("SELECT * FROM skm_followups WHERE id = ?", (cursor.lastrowid,))
            tx.add_event(at, FOLLOWUP_EVENT, None, None, officer_id, {"what": what, "agency": row["agency"], "before": None, "after": row})
        return row

    def update_followup(self, followup_id: int, fields: dict[str, Any], at: str, officer_id: int | None, what: str) -> dict:
        """``fields``: the columns that change (FOLLOWUP_COLUMNS); the caller has checked the plan exists."""
        changes = {name: fields[name] for name in FOLLOWUP_COLUMNS if name in fields}
        assignments = ", ".join(f"{name} = ?" for name in changes)
        with self.store.write() as tx:
            before = tx._one("SELECT * FROM skm_followups WHERE id = ?", (followup_id,))
            tx.conn.execute(
                f"UPDATE skm_followups SET {assignments}, updated_at = ?, updated_by = ? WHERE id = ?",
                [*changes.values(), at, officer_id, followup_id],
            )
            after = tx._one("SELECT * FROM skm_followups WHERE id = ?", (followup_id,))
            tx.add_event(
                at, FOLLOWUP_EVENT, None, None, officer_id, {"what": what, "agency": after["agency"], "before": before, "after": after}
            )
        return after

    def followup_status_counts(self, from_day: str, to_day: str) -> list[tuple[str | None, str, int]]:
        """(agency, status, plans) of the periods overlapping the range: the public page's summary."""
        sql = "SELECT agency, status, COUNT(*) FROM skm_followups WHERE period_from <= ? AND period_to >= ? GROUP BY agency, status"
        with self.store.read() as tx:
            return [tuple(row) for row in tx.conn.execute(sql, (to_day, from_day))]
