"""All the SQL of the reports' tables (``report_legs``, ``report_spans``, ``report_bookings``) and of reading the log
for them: the reports' store, as queue_server/store.py is the engine's.

Reads go through ``Store.read()`` (a WAL snapshot), so a report never takes the write lock. Writes
queue with the engine's operations in its group commit (``Store.transact``): a plain write lock is
not fair, and an officer pressing Next without pause could keep the follower out for good.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields

from ..store import Store, Tx
from .facts import Booking, Leg, Span

CURSOR = "reports_cursor"  # meta: the id of the last event the tables include
LEG_COLUMNS = tuple(f.name for f in fields(Leg))
SPAN_COLUMNS = tuple(f.name for f in fields(Span))
BOOKING_COLUMNS = tuple(f.name for f in fields(Booking))
# The columns ``facts`` returns, by name: their index in each row is their place here.
FACT_COLUMNS = {
    "leg": "leg",
    "day": "day",
    "service": "service",
    "priority": "priority",
    "hour": "hour",
    "weekday": "weekday",
    "wait_seconds": "wait_seconds",
    "within": "CASE WHEN wait_seconds IS NULL OR target_wait_minutes IS NULL THEN NULL ELSE wait_seconds <= target_wait_minutes * 60 END",
    "service_seconds": "CASE WHEN outcome = 'served' THEN service_seconds END",
    "outcome": "outcome",
    "transferred_to": "transferred_to",
    "officer_id": "officer_id",
    "booked": "booked",
}
# What the booking figures read of each booking, by name, as FACT_COLUMNS.
BOOKING_FACT_COLUMNS = {
    "service": "service",
    "status": "status",
    "punctuality": "CASE WHEN status = 'checked_in' THEN (julianday(checked_in_at) - julianday(session_start)) * 1440.0 END",
}


def _marks(values: Iterable) -> str:
    return ",".join("?" for _ in values)


def _quoted(columns: Iterable[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


class ReportStore:
    def __init__(self, store: Store):
        self.store = store

    # --- what the figures read ----------------------------------------------------------------
    def legs(
        self, from_day: str, to_day: str, *, services: Iterable[str] | None = None, counter: str | None = None, officer: int | None = None
    ) -> list[Leg]:
        """The legs that arrived on local days ``from_day``..``to_day``, optionally only of these
        services, or called at ``counter``, or by ``officer``."""
        where, params = _day_filter(from_day, to_day, services=services, counters=None if counter is None else (counter,), officer=officer)
        sql = f"SELECT {_quoted(LEG_COLUMNS)} FROM report_legs WHERE {where}"
        with self.store.read() as tx:
            return [Leg.of_row(row) for row in tx.conn.execute(sql, params)]

    def facts(
        self, from_day: str, to_day: str, *, services: Iterable[str] | None = None, counter: str | None = None, officer: int | None = None
    ) -> list[tuple]:
        """What the figures need of the same legs as ``legs``, as plain tuples in ``FACT_COLUMNS``
        order (a year of a big hall is 200,000 of them: no objects built per row). ``within`` is 1 or
        0 for a called leg whose target is known, else NULL."""
        where, params = _day_filter(from_day, to_day, services=services, counters=None if counter is None else (counter,), officer=officer)
        sql = f"SELECT {', '.join(FACT_COLUMNS.values())} FROM report_legs WHERE {where}"
        with self.store.read() as tx:
            return tx.conn.execute(sql, params).fetchall()

    def booking_facts(self, from_day: str, to_day: str, *, services: Iterable[str] | None = None) -> list[tuple]:
        """The bookings for sessions on local days ``from_day``..``to_day`` (of these services), as
        tuples in ``BOOKING_FACT_COLUMNS`` order; ``punctuality`` is a check-in's minutes after its
        session's start (negative: before), else NULL."""
        where, params = _day_filter(from_day, to_day, services=services)
        sql = f"SELECT {', '.join(BOOKING_FACT_COLUMNS.values())} FROM report_bookings WHERE {where}"
        with self.store.read() as tx:
            return tx.conn.execute(sql, params).fetchall()

    def bookings(self, from_day: str, to_day: str) -> list[Booking]:
        """The bookings for sessions on local days ``from_day``..``to_day``, whole (the tests compare them)."""
        where, params = _day_filter(from_day, to_day)
        with self.store.read() as tx:
            return [
                Booking.of_row(row)
                for row in tx.conn.execute(f"SELECT {_quoted(BOOKING_COLUMNS)} FROM report_bookings WHERE {where}", params)
            ]

    def span_seconds(
        self, from_day: str, to_day: str, *, counters: Iterable[str] | None = None, officer: int | None = None
    ) -> tuple[list[tuple], list[Span]]:
        """The ended spans' seconds summed by (officer, kind, reason), and the spans still open
        (whose end the caller decides)."""
        where, params = _day_filter(from_day, to_day, counters=counters, officer=officer)
        where += " AND officer_id IS NOT NULL"
        with self.store.read() as tx:
            sums = tx.conn.execute(
                'SELECT officer_id, kind, reason, SUM((julianday("end") - julianday(start)) * 86400.0)'
                f' FROM report_spans WHERE {where} AND "end" IS NOT NULL GROUP BY officer_id, kind, reason',
                params,
            ).fetchall()
            still_open = [
                Span(*row)
                for row in tx.conn.execute(f'SELECT {_quoted(SPAN_COLUMNS)} FROM report_spans WHERE {where} AND "end" IS NULL', params)
            ]
        return sums, still_open

    def spans(self, from_day: str, to_day: str, *, counters: Iterable[str] | None = None, officer: int | None = None) -> list[Span]:
        """The spans begun on local days ``from_day``..``to_day`` (at these counters, of ``officer``)."""
        where, params = _day_filter(from_day, to_day, counters=counters, officer=officer)
        sql = f"SELECT {_quoted(SPAN_COLUMNS)} FROM report_spans WHERE {where}"
        with self.store.read() as tx:
            return [Span(*row) for row in tx.conn.execute(sql, params)]

    def served_counts(
        self,
        from_day: str,
        to_day: str,
        *,
        services: Iterable[str] | None = None,
        counter: str | None = None,
        officer: int | None = None,
        by: str | None = None,
    ) -> dict[str | None, int]:
        """Tickets served on local days ``from_day``..``to_day`` (legs that ended ``served``: a ticket
        is served once, in its last service), in all (key None) or by ``by``: "service" or "counter"
        (the SKM's population N, queue_server/skm/)."""
        where, params = _day_filter(from_day, to_day, services=services, counters=None if counter is None else (counter,), officer=officer)
        key = {None: "NULL", "service": "service", "counter": "counter_id"}[by]
        group = f" GROUP BY {key}" if by else ""
        with self.store.read() as tx:
            return {
                row[0]: row[1]
                for row in tx.conn.execute(f"SELECT {key}, COUNT(*) FROM report_legs WHERE {where} AND outcome = 'served'{group}", params)
            }

    def officer_names(self) -> dict[int, str]:
        with self.store.read() as tx:
            return {row[0]: row[1] for row in tx.conn.execute("SELECT id, username FROM officers")}

    # --- what the follower reads and writes ---------------------------------------------------
    def cursor(self, tx: Tx | None = None) -> int:
        if tx is None:
            with self.store.read() as tx:
                return int(tx.meta(CURSOR) or 0)
        return int(tx.meta(CURSOR) or 0)

    def events_after(self, cursor: int, limit: int, until: int | None = None) -> list[dict]:
        """Up to ``limit`` events after id ``cursor`` (up to id ``until``), oldest first."""
        with self.store.read() as tx:
            rows = tx.conn.execute(
                "SELECT id, at, kind, ticket_id, counter_id, officer_id, details FROM events WHERE id > ? AND id <= ? ORDER BY id LIMIT ?",
                (cursor, until if until is not None else 2**62, limit),
            )
            return [dict(row) for row in rows]

    def open_rows(
        self, ticket_ids: Iterable[str], counters: Iterable[str], booking_ids: Iterable[int] = ()
    ) -> tuple[list[Leg], list[Span], list[Booking]]:
        """Each ticket's latest leg, each counter's open spans and these bookings: what new events may change."""
        ticket_ids, counters, booking_ids = tuple(ticket_ids), tuple(counters), tuple(booking_ids)
        with self.store.read() as tx:
            legs = [
                Leg.of_row(row)
                for row in tx.conn.execute(
                    f"SELECT {_quoted(LEG_COLUMNS)} FROM report_legs AS l WHERE ticket_id IN ({_marks(ticket_ids)})"
                    " AND leg = (SELECT MAX(leg) FROM report_legs WHERE ticket_id = l.ticket_id)",
                    ticket_ids,
                )
            ]
            # The few open spans, by the index on "end"; filtered here: by counter, SQLite would
            # walk every span a counter ever had (a year: thousands) to find its open ones.
            wanted = set(counters)
            spans = [
                span
                for span in (Span(*row) for row in tx.conn.execute(f'SELECT {_quoted(SPAN_COLUMNS)} FROM report_spans WHERE "end" IS NULL'))
                if span.counter_id in wanted
            ]
            bookings = [
                Booking.of_row(row)
                for row in tx.conn.execute(
                    f"SELECT {_quoted(BOOKING_COLUMNS)} FROM report_bookings WHERE booking IN ({_marks(booking_ids)})", booking_ids
                )
            ]
        return legs, spans, bookings

    def save(self, legs: Iterable[Leg], spans: Iterable[Span], bookings: Iterable[Booking], after: int, cursor: int) -> bool:
        """Write changed rows and move the cursor from ``after`` to ``cursor`` in one transaction;
        False (nothing written) when someone else moved it first."""
        rows = _rows(legs, spans, bookings)

        def work(tx: Tx) -> bool:
            if self.cursor(tx) != after:
                return False
            self._upsert(tx, *rows)
            tx.set_meta(CURSOR, str(cursor))
            return True

        return self.store.transact(work)

    def replace_all(self, legs: Iterable[Leg], spans: Iterable[Span], bookings: Iterable[Booking], cursor: int) -> None:
        """The rebuild: every row anew, in one transaction, so no report sees half of it (the rows
        are made ready before the write lock is taken, which is then held only to insert them)."""
        rows = _rows(legs, spans, bookings)

        def work(tx: Tx) -> None:
            tx.conn.execute("DELETE FROM report_legs")
            tx.conn.execute("DELETE FROM report_spans")
            tx.conn.execute("DELETE FROM report_bookings")
            self._upsert(tx, *rows)
            tx.set_meta(CURSOR, str(cursor))

        self.store.transact(work)

    def last_event_id(self) -> int:
        with self.store.read() as tx:
            return tx.last_event_id()

    @staticmethod
    def _upsert(tx: Tx, legs: list[tuple], spans: list[tuple], bookings: list[tuple]) -> None:
        tx.conn.executemany(f"INSERT OR REPLACE INTO report_legs ({_quoted(LEG_COLUMNS)}) VALUES ({_marks(LEG_COLUMNS)})", legs)
        tx.conn.executemany(f"INSERT OR REPLACE INTO report_spans ({_quoted(SPAN_COLUMNS)}) VALUES ({_marks(SPAN_COLUMNS)})", spans)
        tx.conn.executemany(
            f"INSERT OR REPLACE INTO report_bookings ({_quoted(BOOKING_COLUMNS)}) VALUES ({_marks(BOOKING_COLUMNS)})", bookings
        )


def _rows(legs: Iterable[Leg], spans: Iterable[Span], bookings: Iterable[Booking]) -> tuple[list[tuple], list[tuple], list[tuple]]:
    def values(rows: Iterable, columns: tuple[str, ...]) -> list[tuple]:
        return [tuple(getattr(row, c) for c in columns) for row in rows]

    return values(legs, LEG_COLUMNS), values(spans, SPAN_COLUMNS), values(bookings, BOOKING_COLUMNS)


def _day_filter(
    from_day: str,
    to_day: str,
    *,
    services: Iterable[str] | None = None,
    counters: Iterable[str] | None = None,
    officer: int | None = None,
) -> tuple[str, list]:
    """The WHERE clause and its parameters choosing legs or spans by local day range, and optionally
    by services, counters and officer (the two tables share these columns)."""
    where, params = "day BETWEEN ? AND ?", [from_day, to_day]
    for column, values in (("service", services), ("counter_id", counters)):
        if values is not None:
            values = tuple(values)
            where += f" AND {column} IN ({_marks(values)})"
            params += values
    if officer is not None:
        where += " AND officer_id = ?"
        params.append(officer)
    return where, params
