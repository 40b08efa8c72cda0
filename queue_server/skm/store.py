"""All the SQL of the SKM survey (table ``survey_responses``, schema v8), as reports/store.py is the
reports'.

Reads go through ``Store.read()`` (a WAL snapshot, no write lock). A response is written by
``Survey.answer`` inside one ``Store.transact`` with the checks that allow it; the UNIQUE ticket id
refuses a second response there, whatever races. Figures are computed by SQLite in one aggregate
query (a SUM and a COUNT per element), so a year of 100,000 responses is never read row by row.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

# A figure's scope is a report's: local days from_day..to_day (here the survey's day, the day it was
# answered) and at most one agency, service, counter and officer.
from ..reports.figures import ReportFilters as Scope
from ..store import Store, Tx
from .elements import ELEMENTS
from .index import AGE_BANDS, PROFILE_FIELDS, PROFILE_KEYS

COLUMNS = (
    "ticket_id",
    "answered_at",
    "day",
    "served_day",
    "service",
    "agency",
    "counter_id",
    "officer_id",
    "channel",
    *ELEMENTS,
    *PROFILE_FIELDS,
    "comment",
)
GROUPS = {"agency": "agency", "service": "service", "counter": "counter_id"}  # a breakdown's key → its column


@dataclass(frozen=True)
class Tally:
    """One group's respondents and, per element in ``ELEMENTS`` order, the sum and count of answers;
    ``profile``, when asked for, how many gave each ``(field, choice)`` of ``PROFILE_KEYS``."""

    key: str | None
    respondents: int
    sums: tuple[int, ...]
    counts: tuple[int, ...]
    profile: dict[tuple[str, str], int] | None = None


def _profile_counts() -> list[tuple[str, str, str]]:
    """``(field, choice, SQL counting it)`` for the profile, summed in the same pass as the answers."""
    bands = {name: (low, below) for name, low, below in AGE_BANDS}
    counts = []
    for field, keys in PROFILE_KEYS.items():
        for key in keys:
            if field == "age":
                low, below = bands[key]
                sql = f"SUM(age >= {low})" if below is None else f"SUM(age >= {low} AND age < {below})"
            else:
                sql = f"SUM({field} = '{key}')"
            counts.append((field, key, f"COALESCE({sql}, 0)"))
    return counts


PROFILE_COUNTS = _profile_counts()


class AlreadyAnswered(Exception):
    """The ticket has a response already (the UNIQUE ticket id refused the insert)."""


class SkmStore:
    def __init__(self, store: Store):
        self.store = store

    # --- writing a response (inside Survey.answer's transaction) --------------------------------
    @staticmethod
    def insert(tx: Tx, response: dict) -> None:
        """``response``: a value for every name in ``COLUMNS``; AlreadyAnswered for a second one."""
        try:
            tx.conn.execute(
                f"INSERT INTO survey_responses ({', '.join(COLUMNS)}) VALUES ({', '.join('?' for _ in COLUMNS)})",
                [response[c] for c in COLUMNS],
            )
        except sqlite3.IntegrityError as error:
            if "survey_responses.ticket_id" not in str(error):
                raise
            raise AlreadyAnswered from None

    @staticmethod
    def answered(tx: Tx, ticket_id: str) -> bool:
        return tx.conn.execute("SELECT 1 FROM survey_responses WHERE ticket_id = ?", (ticket_id,)).fetchone() is not None

    def insert_many(self, responses: Iterable[dict]) -> None:
        """Many responses in one transaction, unchecked: for the benchmark's year of data."""
        rows = [[r[c] for c in COLUMNS] for r in responses]
        with self.store.write() as tx:
            tx.conn.executemany(f"INSERT INTO survey_responses ({', '.join(COLUMNS)}) VALUES ({', '.join('?' for _ in COLUMNS)})", rows)

    # --- the figures --------------------------------------------------------------------------
    def tallies(self, scope: Scope, by: str | None = None, profile: bool = False) -> list[Tally]:
        """Respondents and per-element sums and counts (and the profile's counts when asked) in one
        aggregate pass over an index: one ``Tally`` for the scope (key None), or one per agency,
        service or counter (``by``: a key of ``GROUPS``) that has responses."""
        where, params = _where(scope)
        columns = [GROUPS[by] if by else "NULL", "COUNT(*)", *(f"COALESCE(SUM({e}), 0), COUNT({e})" for e in ELEMENTS)]
        if profile:
            columns += [sql for _field, _key, sql in PROFILE_COUNTS]
        group = f" GROUP BY {GROUPS[by]}" if by else ""
        with self.store.read() as tx:
            rows = tx.conn.execute(f"SELECT {', '.join(columns)} FROM survey_responses WHERE {where}{group}", params).fetchall()
        tallies = [_tally(row, profile) for row in rows if row[1]]
        return tallies or ([] if by else [_tally((None, 0, *[0] * (2 * len(ELEMENTS) + len(PROFILE_COUNTS))), profile)])

    def comments(self, scope: Scope, limit: int) -> tuple[list[dict], int]:
        """The newest ``limit`` comments (day, service, agency and the words: never the counter, the
        officer or the ticket) and how many there are in all."""
        where, params = _where(scope)
        where += " AND comment IS NOT NULL"
        with self.store.read() as tx:
            total = tx.conn.execute(f"SELECT COUNT(*) FROM survey_responses WHERE {where}", params).fetchone()[0]
            rows = tx.conn.execute(
                f"SELECT day, service, agency, comment FROM survey_responses WHERE {where} ORDER BY day DESC, id DESC LIMIT ?",
                [*params, limit],
            )
            return [dict(row) for row in rows], total


def _tally(row: tuple, profile: bool) -> Tally:
    answers = row[2 : 2 + 2 * len(ELEMENTS)]
    counts = row[2 + 2 * len(ELEMENTS) :]
    given = {(field, key): n for (field, key, _sql), n in zip(PROFILE_COUNTS, counts, strict=True)} if profile else None
    return Tally(row[0], row[1], tuple(answers[0::2]), tuple(answers[1::2]), given)


def _where(scope: Scope) -> tuple[str, list]:
    where, params = "day BETWEEN ? AND ?", [scope.from_day, scope.to_day]
    for column, value in (
        ("agency", scope.agency),
        ("service", scope.service),
        ("counter_id", scope.counter),
        ("officer_id", scope.officer),
    ):
        if value is not None:
            where += f" AND {column} = ?"
            params.append(value)
    return where, params


# --- the follow-up plans (rencana tindak lanjut) -------------------------------------------------------
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
        with self.store.write() as tx:
            before = tx._one("SELECT * FROM skm_followups WHERE id = ?", (followup_id,))
            tx.update_row("skm_followups", followup_id, {**changes, "updated_at": at, "updated_by": officer_id})
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
