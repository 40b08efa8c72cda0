"""The hall's SQLite file: connection rules and every query the engine and the API need.

Rules that keep tickets safe: WAL so readers never block the writer; ``synchronous=FULL`` so a
ticket whose number was shown survives a power cut; a busy timeout so two processes queue for the
write lock instead of failing; foreign keys on; one connection per thread, because sqlite3
connections must not be shared across threads; checkpoints in a thread of their own
(``checkpoint.py``), never inside a commit someone is waiting for. Writes happen only inside
``Store.write()`` and ``Store.transact()``, each one ``BEGIN IMMEDIATE`` transaction: the lock is
taken up front, so read-then-write logic (next number, next ticket) cannot race another writer.
"""

from __future__ import annotations

import heapq
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

from .checkpoint import Checkpointer
from .schema import migrate

T = TypeVar("T")
BUSY_TIMEOUT_MS = 10_000
OPEN_STATUSES = ("waiting", "called", "serving")
# Checkpoints run in the background (checkpoint.py); a commit checkpoints itself only when the log
# has passed this many pages, which only a long unbroken stream of writes reaches: the background
# checkpoint cannot finish while writes keep coming in.
BACKSTOP_CHECKPOINT_PAGES = 20_000
WAL_SIZE_LIMIT = 64 * 2**20  # bytes the log file shrinks back to after such a stream
# The waiting priority tickets' own index (schema v3). Named, because without statistics SQLite
# prefers the index of every waiting ticket and would walk past the normal ones.
PRIORITY_LANE = "tickets INDEXED BY tickets_waiting_priority"
NEAR = 200  # a normal ticket's place is counted from the head when fewer than this are before it


class Store:
    """Opens per-thread connections to one database file and hands out transactions."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._queue_lock = threading.Lock()
        self._queue: list[_Pending] = []
        self._leading = False
        self._last_batch = 0
        self._commit_observers: list[Callable[[float, bool], None]] = []
        self.closed = False  # threads that poll the store (the setup's watch) end once it is
        self._before_close: list[Callable[[], None]] = []
        self.checkpointer = Checkpointer(self.path)
        migrate(self._connection())

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            conn.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_CHECKPOINT_PAGES}")
            conn.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT}")
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def write(self, durable: bool = True) -> Iterator[Tx]:
        """One atomic write: committed when the block ends, rolled back if it raises.

        Threads of this process queue on a lock before asking SQLite for its write lock: SQLite's
        own busy handler waits by sleeping in growing steps, which under a burst of requests
        costs milliseconds per write. Other processes still meet the busy timeout.

        ``durable=False`` commits without waiting for the disk (``synchronous=NORMAL``): the change
        is visible to every connection at once and survives the process dying, and the next durable
        commit makes it durable too; only a power cut before then loses it. For bookkeeping whose
        loss in a power cut harms nothing, so that it does not queue at the disk ahead of tickets.
        """
        conn = self._connection()
        with self._write_lock:
            if not durable:
                conn.execute("PRAGMA synchronous=NORMAL")
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield Tx(conn)
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                self._commit(conn, durable)
            finally:
                if not durable:
                    conn.execute("PRAGMA synchronous=FULL")

    def observe_commits(self, observer: Callable[[float, bool], None]) -> None:
        """Call ``observer(seconds, durable)`` after each commit with the time the COMMIT took (the
        metrics' commit latency). It runs under the write lock: it must be cheap and must not raise."""
        self._commit_observers.append(observer)

    def _commit(self, conn: sqlite3.Connection, durable: bool) -> None:
        started = time.perf_counter()
        conn.execute("COMMIT")
        seconds = time.perf_counter() - started
        self.checkpointer.committed()
        for observer in self._commit_observers:
            observer(seconds, durable)

    def transact(self, work: Callable[[Tx], T], committed: Callable[[T], None] | None = None) -> T:
        """Run ``work`` in a durable write transaction, committing together with concurrent callers.

        Group commit: one caller at a time leads. The leader takes every piece of work queued so
        far, runs each inside its own SAVEPOINT (a refused one rolls back alone), commits once, so
        one fsync covers a burst of tickets, then hands the lead to the first caller that queued
        meanwhile and wakes the callers it served. Waiting callers sleep on their own lock, not on
        a shared one, so a batch of answers does not queue up behind one another.
        Each caller gets its result, or its exception, only after that commit: nothing is answered
        that is not on disk. ``committed(result)`` runs after the commit, in commit order, before
        the next batch starts: what listeners hear is the order of the log.
        """
        pending = _Pending(work, committed)
        with self._queue_lock:
            self._queue.append(pending)
            if not self._leading:
                self._leading = pending.leads = True
        while not pending.done:
            if pending.leads:
                pending.leads = False
                self._lead_one_batch()
            else:
                pending.sleep()
        return pending.outcome()

    def _lead_one_batch(self) -> None:
        batch: list[_Pending] = []
        successor = None
        try:
            if self._last_batch > 1:
                # A burst is on: yield once, so that the callers just answered can queue again and
                # share this commit. Otherwise a batch of 8 was followed by a batch of 1, each with
                # its own fsync. A lone caller (an officer's Next) never waits here.
                time.sleep(0)
            with self._write_lock:
                with self._queue_lock:
                    batch, self._queue = self._queue, []
                self._run_batch(batch)
                self._last_batch = len(batch)
        finally:
            with self._queue_lock:
                if self._queue:
                    successor = self._queue[0]
                    successor.leads = True
                else:
                    self._leading = False
            for item in batch:
                item.wake()
            if successor is not None:
                successor.wake()

    def _run_batch(self, batch: list[_Pending]) -> None:
        conn = self._connection()
        tx = Tx(conn)
        try:
            conn.execute("BEGIN IMMEDIATE")
            for item in batch:
                conn.execute("SAVEPOINT work")
                try:
                    item.result = item.work(tx)
                except BaseException as error:  # handed to its caller below
                    item.error = error
                    conn.execute("ROLLBACK TO work")
                conn.execute("RELEASE work")
            self._commit(conn, durable=True)
        except BaseException as error:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            for item in batch:
                item.result, item.error = None, item.error or error
        try:
            for item in batch:
                if item.error is None and item.committed is not None:
                    item.committed(item.result)
        finally:
            for item in batch:
                item.done = True

    @contextmanager
    def read(self) -> Iterator[Tx]:
        """A consistent snapshot for several reads; takes no write lock."""
        conn = self._connection()
        conn.execute("BEGIN")
        try:
            yield Tx(conn, snapshot=True)
        finally:
            conn.execute("COMMIT")

    def before_close(self, stop: Callable[[], None]) -> None:
        """Call ``stop()`` when the store closes, before its connections do: a thread that uses the
        store on its own (the monitor's watcher, the setup's watch, the reports' follower) finishes
        what it is reading or writing instead of using a closed connection, which crashes the process."""
        self._before_close.append(stop)

    def close(self) -> None:
        self.closed = True
        for stop in self._before_close:
            stop()
        self.checkpointer.close()
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()


class _Pending:
    """One caller's work waiting for a group commit.

    The caller sleeps on a lock of its own that the leader releases: the cheapest hand-over between
    two threads (an Event would build a Condition and a new lock for every wait).
    """

    def __init__(self, work: Callable[[Tx], Any], committed: Callable[[Any], None] | None):
        self.work = work
        self.committed = committed
        self.done = False
        self.leads = False
        self.result: Any = None
        self.error: BaseException | None = None
        self._signal = threading.Lock()
        self._signal.acquire()

    def sleep(self) -> None:
        """Until ``wake``: to lead a batch, or because the caller's work is committed."""
        self._signal.acquire()

    def wake(self) -> None:
        """Each wake is taken by one ``sleep``; a caller is woken at most twice (to lead, then done)."""
        if self._signal.locked():
            self._signal.release()

    def outcome(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.result


def _dict(row: sqlite3.Row | None) -> dict | None:
    return dict(row) if row is not None else None


def _queue_order(ticket: dict) -> tuple:
    """``ORDER BY queue_at, day, prefix, seq`` (call_order.call_key)."""
    return (ticket["queue_at"], ticket["day"], ticket["prefix"], ticket["seq"])


def _marks(values: Iterable[Any]) -> str:
    return ",".join("?" for _ in values)


class Tx:
    """The queries, run on one connection inside a transaction the Store opened.

    ``snapshot``: a read transaction (``Store.read``), which sees one state of the database
    throughout, so what it reads once may be kept for the rest of it (``waiting_counts``)."""

    def __init__(self, conn: sqlite3.Connection, snapshot: bool = False):
        self.conn = conn
        self.snapshot = snapshot
        self._waiting_counts: dict[str, int] | None = None

    def _one(self, sql: str, params: Iterable[Any] = ()) -> dict | None:
        return _dict(self.conn.execute(sql, tuple(params)).fetchone())

    def _all(self, sql: str, params: Iterable[Any] = ()) -> list[dict]:
        return [dict(r) for r in self.conn.execute(sql, tuple(params))]

    # --- meta ---------------------------------------------------------------------------------
    def meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))

    # --- tickets ------------------------------------------------------------------------------
    def next_seq(self, day: str, prefix: str) -> int:
        row = self.conn.execute("SELECT MAX(seq) FROM tickets WHERE day = ? AND prefix = ?", (day, prefix)).fetchone()
        return (row[0] or 0) + 1

    def issued_counts(self, day: str) -> dict[str, int]:
        """Tickets issued on ``day`` per service they were issued for (their prefix, kept through a
        transfer): what ``services[].daily_quota`` counts, for every service in one query. A booked
        visitor's ticket is not counted: their place was the session's (queue_server/booking/)."""
        sql = (
            "SELECT prefix, COUNT(*) FROM tickets WHERE day = ? "
            "AND id NOT IN (SELECT ticket_id FROM bookings WHERE day = ? AND ticket_id IS NOT NULL) GROUP BY prefix"
        )
        return dict(self.conn.execute(sql, (day, day)))

    def insert_ticket(self, ticket: dict) -> None:
        columns = list(ticket)
        self.conn.execute(f"INSERT INTO tickets ({','.join(columns)}) VALUES ({_marks(columns)})", [ticket[c] for c in columns])

    def ticket(self, ticket_id: str) -> dict | None:
        return self._one("SELECT * FROM tickets WHERE id = ?", (ticket_id,))

    def tickets(self, ticket_ids: Iterable[str]) -> list[dict]:
        """The tickets with these ids (unknown ones left out), in one query: the ids go as one JSON
        array, so a thousand followed tickets meet no limit on the number of SQL parameters."""
        return self._all("SELECT * FROM tickets WHERE id IN (SELECT value FROM json_each(?))", (json.dumps(list(ticket_ids)),))

    def ticket_in_service(self, ticket_id: str) -> tuple[str, str] | None:
        """(service, called at) of a ticket being called or served at a counter; None otherwise."""
        return self.conn.execute(
            "SELECT service, called_at FROM tickets WHERE id = ? AND status IN ('called', 'serving') AND called_at IS NOT NULL",
            (ticket_id,),
        ).fetchone()

    def update_row(self, table: str, row_id: Any, fields: Mapping[str, Any], editable: Collection[str] | None = None) -> None:
        """``UPDATE table SET field = value, … WHERE id = row_id``: the one place a row's columns are
        set by name. ``editable``: the only columns a caller may name (a ValueError otherwise), where
        the names come from a request's fields."""
        if editable is not None and not set(fields) <= set(editable):
            raise ValueError(f"not an editable column: {sorted(set(fields) - set(editable))}")
        assignments = ", ".join(f"{name} = ?" for name in fields)
        self.conn.execute(f"UPDATE {table} SET {assignments} WHERE id = ?", [*fields.values(), row_id])

    def update_ticket(self, ticket_id: str, **fields: Any) -> None:
        self.update_row("tickets", ticket_id, fields)

    def oldest_waiting(self, services: Iterable[str], priority: bool) -> dict | None:
        """The head of one lane (priority or normal) of these services: what call-next chooses between."""
        heads = self.waiting(services, priority=priority, limit=1)
        return heads[0] if heads else None

    def waiting(self, services: Iterable[str], priority: bool | None = None, limit: int | None = None) -> list[dict]:
        """Waiting tickets of these services in queue order (call_order.call_key): every one, or one
        lane's (``priority`` True or False), or its first ``limit``. The lanes are mixed by the call order."""
        services = tuple(services)
        if limit is not None and len(services) > 1:
            # One service at a time walks its index in queue order and stops at ``limit``; several at
            # once would sort every waiting ticket first (10 ms with 10,000 waiting, per call).
            heads = [self.waiting((code,), priority, limit) for code in services]
            return list(islice(heapq.merge(*heads, key=_queue_order), limit))
        lane = {None: "", True: " AND priority IS NOT NULL", False: " AND priority IS NULL"}[priority]
        sql = (
            f"SELECT * FROM {PRIORITY_LANE if priority else 'tickets'} WHERE status = 'waiting' AND service IN ({_marks(services)}){lane} "
            "ORDER BY queue_at, day, prefix, seq"
        )
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return self._all(sql, services)

    def waiting_to_void(self, day: str, since: str, until: str, service: str | None, ids: list[str] | None) -> list[dict]:
        """Today's waiting tickets issued in [since, until), of one service or all, or only those ``ids``."""
        sql = "SELECT * FROM tickets WHERE day = ? AND status = 'waiting' AND issued_at >= ? AND issued_at < ?"
        params: list[Any] = [day, since, until]
        if service is not None:
            sql += " AND service = ?"
            params.append(service)
        if ids is not None:
            sql += f" AND id IN ({_marks(ids)})"
            params.extend(ids)
        return self._all(sql + " ORDER BY issued_at", params)

    def open_tickets_of_service(self, day: str, service: str) -> list[dict]:
        """The day's tickets of one service still waiting, called or being served, in queue order:
        what removing the service must not drop."""
        return self._all(
            "SELECT * FROM tickets WHERE day = ? AND service = ? AND status IN ('waiting', 'called', 'serving') "
            "ORDER BY queue_at, day, prefix, seq",
            (day, service),
        )

    def lanes(self, services: Iterable[str]) -> WaitingLanes:
        """The waiting tickets of these services as the call order counts them (call_order.Lanes)."""
        return WaitingLanes(self, tuple(services))

    def waiting_counts(self) -> dict[str, int]:
        """Kept up to date by triggers on tickets (see schema.py), so it costs one row per service;
        read once per snapshot, since estimating the kiosk's 300 tiles asks for it 700 times."""
        if self._waiting_counts is not None:
            return self._waiting_counts
        counts = dict(self.conn.execute("SELECT service, n FROM waiting_counts WHERE n > 0"))
        if self.snapshot:
            self._waiting_counts = counts
        return counts

    def waiting_heads(self, day: str) -> dict[str, dict]:
        """Per service with visitors waiting today: how many (``waiting``) and the oldest one's
        ``queue_at`` (``since``), what the live monitor's longest wait is counted from. One pass
        along the (status, service, queue_at) index."""
        rows = self.conn.execute(
            "SELECT service, COUNT(*), MIN(queue_at) FROM tickets WHERE status = 'waiting' AND day = ? GROUP BY service", (day,)
        )
        return {service: {"waiting": n, "since": since} for service, n, since in rows}

    def stale_open_tickets(self, before_day: str) -> list[dict]:
        placeholders = _marks(OPEN_STATUSES)
        return self._all(
            f"SELECT id, status, counter_id FROM tickets WHERE day < ? AND status IN ({placeholders})", (before_day, *OPEN_STATUSES)
        )

    def recent_calls(self, limit: int, since: str) -> list[dict]:
        """The last ``limit`` calls and recalls made at or after ``since``, newest first; walked back
        along the time index, so a day without calls costs nothing however long the history."""
        return self._all(
            "SELECT e.id AS event_id, e.at, e.kind, e.counter_id, t.* FROM events e JOIN tickets t ON t.id = e.ticket_id "
            "WHERE e.kind IN ('called', 'recalled') AND e.at >= ? ORDER BY e.at DESC, e.id DESC LIMIT ?",
            (since, limit),
        )

    def served_today(self, day: str) -> list[dict]:
        return self._all("SELECT * FROM tickets WHERE day = ? AND status = 'done'", (day,))

    def latest_finished(self, per_service: int, before: str) -> list[dict]:
        """The last finished (done or no-show) tickets of each service before ``before``, oldest
        first: warms the wait estimate."""
        return self._all(
            "SELECT service, priority, called_at, finished_at FROM (SELECT service, priority, called_at, finished_at, "
            "ROW_NUMBER() OVER (PARTITION BY service ORDER BY finished_at DESC) AS rank FROM tickets "
            "WHERE status IN ('done', 'no_show') AND called_at IS NOT NULL AND finished_at IS NOT NULL AND finished_at < ?) "
            "WHERE rank <= ? ORDER BY finished_at",
            (before, per_service),
        )

    def counter_day_figures(self, counter_id: str, day: str) -> dict:
        """One counter's day from the event log: tickets it completed and marked no-show, with average
        service time (its last call, or the visitor's arrival when recorded, to completion) and average
        wait (issue to its last call) of the completed ones, in seconds."""
        return self._one(
            """WITH closed AS (
                SELECT e.kind, e.at AS finished_at, t.issued_at,
                    (SELECT MAX(c.at) FROM events c WHERE c.ticket_id = t.id AND c.counter_id = e.counter_id AND c.kind = 'called') AS called_at,
                    (SELECT MAX(s.at) FROM events s WHERE s.ticket_id = t.id AND s.counter_id = e.counter_id AND s.kind = 'started') AS started_at
                FROM tickets t JOIN events e ON e.ticket_id = t.id
                WHERE t.day = ? AND e.counter_id = ? AND e.kind IN ('completed', 'no_show')
            )
            SELECT COUNT(*) FILTER (WHERE kind = 'completed') AS served,
                COUNT(*) FILTER (WHERE kind = 'no_show') AS no_shows,
                AVG(CASE WHEN kind = 'completed' THEN julianday(finished_at) - julianday(COALESCE(started_at, called_at)) END) * 86400
                    AS avg_service_seconds,
                AVG(CASE WHEN kind = 'completed' THEN julianday(called_at) - julianday(issued_at) END) * 86400 AS avg_wait_seconds
            FROM closed""",
            (day, counter_id),
        )

    # --- counters -----------------------------------------------------------------------------
    def counter_state(self, counter_id: str) -> dict:
        row = self._one("SELECT * FROM counter_state WHERE counter_id = ?", (counter_id,))
        return row or {
            "counter_id": counter_id,
            "status": "closed",
            "pause_reason": None,
            "ticket_id": None,
            "officer_id": None,
            "priority_streak": 0,
            "updated_at": None,
        }

    def counter_states(self) -> dict[str, dict]:
        return {row["counter_id"]: row for row in self._all("SELECT * FROM counter_state")}

    def set_counter_state(self, counter_id: str, **fields: Any) -> None:
        columns = ["counter_id", *fields]
        updates = ", ".join(f"{name} = excluded.{name}" for name in fields)
        self.conn.execute(
            f"INSERT INTO counter_state ({','.join(columns)}) VALUES ({_marks(columns)}) ON CONFLICT(counter_id) DO UPDATE SET {updates}",
            [counter_id, *fields.values()],
        )

    # --- events -------------------------------------------------------------------------------
    def add_event(self, at: str, kind: str, ticket_id: str | None, counter_id: str | None, officer_id: int | None, details: dict) -> int:
        cursor = self.conn.execute(
            "INSERT INTO events (at, kind, ticket_id, counter_id, officer_id, details) VALUES (?, ?, ?, ?, ?, ?)",
            (at, kind, ticket_id, counter_id, officer_id, json.dumps(details, ensure_ascii=False)),
        )
        return cursor.lastrowid

    def events_after(self, after: int, limit: int) -> list[dict]:
        """Up to ``limit`` events with ids above ``after``, oldest first: for readers that follow the log."""
        rows = self._all("SELECT * FROM events WHERE id > ? ORDER BY id LIMIT ?", (after, limit))
        for row in rows:
            row["details"] = json.loads(row["details"])
        return rows

    def events_for_ticket(self, ticket_id: str) -> list[dict]:
        rows = self._all("SELECT * FROM events WHERE ticket_id = ? ORDER BY id", (ticket_id,))
        for row in rows:
            row["details"] = json.loads(row["details"])
        return rows

    def latest_event(self, kind: str) -> dict | None:
        row = self._one("SELECT * FROM events WHERE kind = ? ORDER BY id DESC LIMIT 1", (kind,))
        if row is not None:
            row["details"] = json.loads(row["details"])
        return row

    def last_completed_at_counter(self, counter_id: str, since: str) -> dict | None:
        """The newest ``completed`` event of one counter at or after ``since`` (``id``, ``at``,
        ``ticket_id``): the ticket the counter's survey tablet may still offer."""
        return self._one(
            "SELECT id, at, ticket_id FROM events WHERE kind = 'completed' AND at >= ? AND counter_id = ? ORDER BY id DESC LIMIT 1",
            (since, counter_id),
        )

    def audit_events(self, kinds: Iterable[str], limit: int, *, about: AuditScope | None = None, **filters: Any) -> list[dict]:
        """The newest events of these kinds first (``filters``: ``officer_id``, ``since`` and ``until``
        as ISO times, ``q`` a text in the event's ``what``, ``before`` an event id for the next page);
        ``about`` keeps only the events whose item (before or after) belongs to one agency."""
        kinds = tuple(kinds)
        sql = f"SELECT * FROM events WHERE kind IN ({_marks(kinds)})"
        params: list[Any] = list(kinds)
        for name, clause in AUDIT_FILTERS.items():
            if filters.get(name) is not None:
                sql += f" AND {clause}"
                params.append(filters[name])
        if about is not None:
            sides = [_about_side(side, about) for side in ("before", "after")]
            sql += f" AND (json_extract(details, '$.agency') = ? OR {' OR '.join(s for s, _ in sides)})"
            params += [about.agency, *(p for _, side in sides for p in side)]
        rows = self._all(f"{sql} ORDER BY id DESC LIMIT {int(limit)}", params)
        for row in rows:
            row["details"] = json.loads(row["details"])
        return rows

    def open_alerts(self) -> list[dict]:
        """The live monitor's alerts started in the log and not ended there (an ``alert_ended``
        names the id of its ``alert_started`` as ``started_id``), oldest first."""
        rows = self._all(
            "SELECT * FROM events WHERE kind = 'alert_started' AND id NOT IN "
            "(SELECT json_extract(details, '$.started_id') FROM events WHERE kind = 'alert_ended') ORDER BY id"
        )
        for row in rows:
            row["details"] = json.loads(row["details"])
        return rows

    def alerts_between(self, since: str, until: str) -> list[dict]:
        """The alerts that ran at some time in [since, until): each ``alert_started`` row with the
        ``ended_at`` and ``ended_details`` of its ``alert_ended`` (None while it runs), oldest first."""
        rows = self._all(
            "SELECT s.*, e.at AS ended_at, e.details AS ended_details FROM events s LEFT JOIN "
            "(SELECT at, details, json_extract(details, '$.started_id') AS started_id FROM events WHERE kind = 'alert_ended') e "
            "ON e.started_id = s.id WHERE s.kind = 'alert_started' AND s.at < ? AND (e.at IS NULL OR e.at >= ?) ORDER BY s.id",
            (until, since),
        )
        for row in rows:
            row["details"] = json.loads(row["details"])
            row["ended_details"] = json.loads(row["ended_details"]) if row["ended_details"] else None
        return rows

    def last_event_id(self) -> int:
        """The newest event the queue's screens reflect (their ``seq``): the live monitor's alert
        rows change nothing a display shows, so a display, which never hears of them, can still
        reach the ``seq`` of ``GET /api/v1/state``. Walked back from the newest row: alerts are rare."""
        row = self.conn.execute(
            "SELECT id FROM events WHERE kind NOT IN ('alert_started', 'alert_ended') ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return row[0] if row else 0

    def log_mark(self) -> tuple[int, int]:
        """(newest event id, newest print job id): what ``leader.LogWatch`` compares to see that some
        process committed work. Two lookups at the end of their primary keys."""
        row = self.conn.execute("SELECT (SELECT MAX(id) FROM events), (SELECT MAX(id) FROM print_jobs)").fetchone()
        return row[0] or 0, row[1] or 0

    def events_since(self, after: int, limit: int) -> list[dict]:
        """The next ``limit`` events after ``after``, oldest first, each with its ticket as it is now
        (``ticket``, None for an event without one): for a follower of every process's events."""
        rows = self._all("SELECT * FROM events WHERE id > ? ORDER BY id LIMIT ?", (after, limit))
        tickets = {ticket["id"]: ticket for ticket in self.tickets({row["ticket_id"] for row in rows if row["ticket_id"]})}
        for row in rows:
            row["details"] = json.loads(row["details"])
            row["ticket"] = tickets.get(row["ticket_id"])
        return rows

    def last_event_before(self, at: str) -> int:
        """The id of the newest event recorded before the time ``at`` (0 if none): where a follower of
        the events from ``at`` on starts."""
        row = self.conn.execute(
            "SELECT COALESCE((SELECT MIN(id) FROM events WHERE at >= ?) - 1, (SELECT MAX(id) FROM events), 0)", (at,)
        ).fetchone()
        return row[0]

    def logged_since(self, after: int) -> list[dict]:
        """Every event after ``after``, oldest first, with what the wait estimator learns from (its
        ticket's ``service``, and for a ticket leaving a counter the time it was last called there,
        ``called_at``), the same whichever process committed it."""
        rows = self._all(
            "SELECT e.id, e.at, e.kind, e.ticket_id, e.counter_id, e.officer_id, e.details, t.service, "
            "CASE WHEN e.kind IN ('completed', 'no_show', 'transferred') THEN (SELECT c.at FROM events c "
            "WHERE c.ticket_id = e.ticket_id AND c.kind IN ('called', 'recalled') AND c.id < e.id ORDER BY c.id DESC LIMIT 1) "
            "END AS called_at FROM events e LEFT JOIN tickets t ON t.id = e.ticket_id WHERE e.id > ? ORDER BY e.id",
            (after,),
        )
        for row in rows:
            row["details"] = json.loads(row["details"])
        return rows

    # --- officers and sessions ----------------------------------------------------------------
    def insert_officer(self, username: str, password_hash: str, role: str, counters: list[str], at: str, agency: str | None = None) -> int:
        cursor = self.conn.execute(
            "INSERT INTO officers (username, password_hash, role, counters, active, created_at, agency) VALUES (?, ?, ?, ?, 1, ?, ?)",
            (username, password_hash, role, json.dumps(counters), at, agency),
        )
        return cursor.lastrowid

    def update_officer(self, officer_id: int, **fields: Any) -> None:
        if "counters" in fields:
            fields["counters"] = json.dumps(fields["counters"])
        self.update_row("officers", officer_id, fields)

    def _officer(self, row: dict | None) -> dict | None:
        if row is not None:
            row["counters"] = json.loads(row["counters"])
        return row

    def officer_by_username(self, username: str) -> dict | None:
        return self._officer(self._one("SELECT * FROM officers WHERE username = ?", (username,)))

    def officer(self, officer_id: int) -> dict | None:
        return self._officer(self._one("SELECT * FROM officers WHERE id = ?", (officer_id,)))

    def officers(self) -> list[dict]:
        return [self._officer(row) for row in self._all("SELECT * FROM officers ORDER BY username")]

    def insert_token(self, token_hash: str, officer_id: int, created_at: str, expires_at: str) -> None:
        self.conn.execute(
            "INSERT INTO tokens (token_hash, officer_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
            (token_hash, officer_id, created_at, expires_at),
        )

    def token(self, token_hash: str) -> dict | None:
        return self._one("SELECT * FROM tokens WHERE token_hash = ?", (token_hash,))

    def delete_tokens(self, *, token_hash: str | None = None, officer_id: int | None = None, expired_before: str | None = None) -> None:
        if token_hash is not None:
            self.conn.execute("DELETE FROM tokens WHERE token_hash = ?", (token_hash,))
        if officer_id is not None:
            self.conn.execute("DELETE FROM tokens WHERE officer_id = ?", (officer_id,))
        if expired_before is not None:
            self.conn.execute("DELETE FROM tokens WHERE expires_at < ?", (expired_before,))

    def live_sessions(self, now: str) -> dict[int, dict]:
        """Per officer with a token not yet expired: how many, the first log-in and the latest."""
        rows = self._all(
            "SELECT officer_id, COUNT(*) AS sessions, MIN(created_at) AS since, MAX(created_at) AS latest "
            "FROM tokens WHERE expires_at >= ? GROUP BY officer_id",
            (now,),
        )
        return {row.pop("officer_id"): row for row in rows}

    def add_login_failure(self, username: str, remote: str, at: str) -> None:
        self.conn.execute("INSERT INTO login_failures (username, remote, at) VALUES (?, ?, ?)", (username, remote, at))

    def login_failures(self, since: str, *, username: str | None = None, remote: str | None = None) -> list[str]:
        """When each failure since ``since`` happened, oldest first: for one user name, one address,
        the pair, or (neither given) the whole hall."""
        where, params = ["at >= ?"], [since]
        if username is not None:
            where.append("username = ?")
            params.append(username)
        if remote is not None:
            where.append("remote = ?")
            params.append(remote)
        rows = self.conn.execute(f"SELECT at FROM login_failures WHERE {' AND '.join(where)} ORDER BY at", params)
        return [r[0] for r in rows]

    def clear_login_failures(self, username: str, remote: str) -> None:
        self.conn.execute("DELETE FROM login_failures WHERE username = ? AND remote = ?", (username, remote))

    def forget_login_failures(self, before: str) -> None:
        self.conn.execute("DELETE FROM login_failures WHERE at < ?", (before,))

    def remember_login_address(self, username: str, remote: str, at: str) -> None:
        self.conn.execute(
            "INSERT INTO login_addresses (username, remote, at) VALUES (?, ?, ?) ON CONFLICT(username, remote) DO UPDATE SET at = excluded.at",
            (username, remote, at),
        )

    def login_address_known(self, username: str, remote: str, since: str) -> bool:
        return (
            self._one("SELECT 1 AS known FROM login_addresses WHERE username = ? AND remote = ? AND at >= ?", (username, remote, since))
            is not None
        )

    # --- print jobs and kiosk requests --------------------------------------------------------
    def add_print_job(self, job: dict) -> dict:
        columns = list(job)
        cursor = self.conn.execute(f"INSERT INTO print_jobs ({','.join(columns)}) VALUES ({_marks(columns)})", [job[c] for c in columns])
        return self.print_job(cursor.lastrowid)

    def print_job(self, job_id: int) -> dict | None:
        return self._one("SELECT * FROM print_jobs WHERE id = ?", (job_id,))

    def claim_print_job(self, target: str, now: str, lease_until: str) -> dict | None:
        """Take the oldest due pending job of ``target``: one more attempt, out of reach until ``lease_until``."""
        job = self._one(
            "SELECT id FROM print_jobs WHERE target = ? AND status = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT 1", (target, now)
        )
        if job is None:
            return None
        self.conn.execute(
            "UPDATE print_jobs SET attempts = attempts + 1, next_attempt_at = ?, updated_at = ? WHERE id = ?", (lease_until, now, job["id"])
        )
        return self.print_job(job["id"])

    def update_print_job(self, job_id: int, **fields: Any) -> dict | None:
        self.update_row("print_jobs", job_id, fields)
        return self.print_job(job_id)

    def print_jobs(
        self,
        *,
        target: str | None = None,
        kiosk: str | None = None,
        statuses: Iterable[str] | None = None,
        ticket_id: str | None = None,
        newest: int | None = None,
    ) -> list[dict]:
        """Jobs matching every given filter, oldest first; ``newest`` keeps only the last ones."""
        where, params = ["1 = 1"], []
        for column, value in (("target", target), ("kiosk", kiosk), ("ticket_id", ticket_id)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if statuses is not None:
            statuses = tuple(statuses)
            where.append(f"status IN ({_marks(statuses)})")
            params.extend(statuses)
        sql = f"SELECT * FROM print_jobs WHERE {' AND '.join(where)} ORDER BY id"
        if newest is not None:
            sql = f"SELECT * FROM ({sql} DESC LIMIT {int(newest)}) ORDER BY id"
        return self._all(sql, params)

    def print_job_counts(self, target: str) -> dict[str, int]:
        return dict(self.conn.execute("SELECT status, COUNT(*) FROM print_jobs WHERE target = ? GROUP BY status", (target,)))

    def next_print_attempt_at(self, target: str) -> str | None:
        row = self.conn.execute("SELECT MIN(next_attempt_at) FROM print_jobs WHERE target = ? AND status = 'pending'", (target,)).fetchone()
        return row[0]

    def issued_for_request(self, request_id: str, since: str) -> str | None:
        row = self.conn.execute(
            "SELECT ticket_id FROM issue_requests WHERE request_id = ? AND created_at >= ?", (request_id, since)
        ).fetchone()
        return row[0] if row else None

    def add_issue_request(self, request_id: str, ticket_id: str, at: str) -> None:
        """Replaces the same id from an earlier day: ids last a day (queue_server/issuing.py)."""
        self.conn.execute(
            "INSERT OR REPLACE INTO issue_requests (request_id, ticket_id, created_at) VALUES (?, ?, ?)", (request_id, ticket_id, at)
        )

    def forget_issue_requests(self, before: str) -> None:
        self.conn.execute("DELETE FROM issue_requests WHERE created_at < ?", (before,))

    # --- uploads (agency logos, lobby notices) --------------------------------------------------
    MEDIA_FIELDS = "id, kind, content_type, filename, size, width, height, created_at, officer_id"

    def insert_media(self, media: dict) -> None:
        """``media``: the row's every column, the bytes as ``data``."""
        names = ", ".join(media)
        self.conn.execute(f"INSERT INTO media ({names}) VALUES ({_marks(media)})", list(media.values()))

    def media_list(self) -> list[dict]:
        """Every upload without its bytes, newest first."""
        return self._all(f"SELECT {self.MEDIA_FIELDS} FROM media ORDER BY created_at DESC, id")

    def media(self, media_id: str) -> dict | None:
        """One upload without its bytes."""
        return self._one(f"SELECT {self.MEDIA_FIELDS} FROM media WHERE id = ?", (media_id,))

    def media_bytes(self, media_id: str) -> tuple[str, bytes] | None:
        """The stored type and the bytes of one upload."""
        row = self.conn.execute("SELECT content_type, data FROM media WHERE id = ?", (media_id,)).fetchone()
        return (row[0], row[1]) if row else None

    def delete_media(self, media_id: str) -> None:
        self.conn.execute("DELETE FROM media WHERE id = ?", (media_id,))


AUDIT_FILTERS = {
    "officer_id": "officer_id = ?",
    "since": "at >= ?",
    "until": "at < ?",
    "q": "instr(lower(json_extract(details, '$.what')), lower(?)) > 0",
    "before": "id < ?",
}


@dataclass(frozen=True)
class AuditScope:
    """One agency's items, as an agency admin's audit trail shows them: its official and short
    names (a service or display names it), and its counters' ids (a counter names only services)."""

    agency: str
    names: tuple[str, ...]
    counters: tuple[str, ...]


def _about_side(side: str, about: AuditScope) -> tuple[str, list[Any]]:
    """SQL matching an event whose ``before`` or ``after`` is one of the agency's items: a service
    filed under it, the agency itself, or one of its counters (an item with ``services``)."""
    item = f"details, '$.{side}"
    sql = (
        f"(json_extract({item}.agency') IN ({_marks(about.names)})"
        f" OR (json_extract({item}.name') = ? AND json_extract({item}.code') IS NULL AND json_extract({item}.id') IS NULL)"
        f" OR (json_extract({item}.services') IS NOT NULL AND json_extract({item}.id') IN ({_marks(about.counters)})))"
    )
    return sql, [*about.names, about.agency, *about.counters]


class WaitingLanes:
    """One counter's waiting tickets counted for the call order (``call_order.Lanes``), by index.

    The priority lane is counted on its own partial index (schema v3), which holds only waiting
    priority tickets. The normal lane is the rest: the per-service waiting counts minus the priority
    lane, and "before a ticket" is everything minus what comes from it on, so that a ticket just
    issued, at the end of the queue, costs a count over a few index entries, not over the queue.
    """

    def __init__(self, tx: Tx, services: tuple[str, ...]):
        self.tx = tx
        self.services = services
        self._in = f"status = 'waiting' AND service IN ({_marks(services)})"
        self._totals: dict[bool, int] = {}

    def _count(self, where: str, params: Iterable[Any] = (), table: str = "tickets") -> int:
        sql = f"SELECT COUNT(*) FROM {table} WHERE {self._in} AND {where}"
        return self.tx.conn.execute(sql, (*self.services, *params)).fetchone()[0]

    def _priority(self, where: str, params: Iterable[Any] = ()) -> int:
        return self._count(f"priority IS NOT NULL AND {where}", params, PRIORITY_LANE)

    def total(self, priority: bool) -> int:
        if priority not in self._totals:
            counts = self.tx.waiting_counts()
            everyone = sum(counts.get(code, 0) for code in self.services)
            self._totals[True] = self._priority("1")
            self._totals[False] = everyone - self._totals[True]
        return self._totals[priority]

    def before(self, ticket: dict) -> int:
        key = (ticket["queue_at"], ticket["day"], ticket["prefix"], ticket["seq"])
        if ticket["priority"]:
            return self._priority("queue_at <= ? AND (queue_at, day, prefix, seq) < (?, ?, ?, ?)", (key[0], *key))
        # A normal ticket's place is counted on the shorter side, so neither a ticket just issued (at
        # the tail: kiosks, hundreds a day) nor one near the head (the console's next ten, with
        # thousands waiting) walks the queue: first the tail from the ticket on (itself included when
        # it waits) up to NEAR entries, then the head up to NEAR, and only in the middle the whole tail.
        tail = self._normals_from(key, limit=NEAR)
        if tail is not None:
            return self.total(False) - tail
        near = self.tx.conn.execute(
            f"SELECT COUNT(*) FROM (SELECT 1 FROM tickets WHERE {self._in} AND priority IS NULL AND queue_at <= ? "
            f"AND (queue_at, day, prefix, seq) < (?, ?, ?, ?) LIMIT {NEAR})",
            (*self.services, key[0], *key),
        ).fetchone()[0]
        if near < NEAR:
            return near
        return self.total(False) - self._normals_from(key)

    def _normals_from(self, key: tuple, limit: int | None = None) -> int | None:
        """Normal tickets from ``key`` on in queue order; None when there are ``limit`` or more."""
        bound = "" if limit is None else f" LIMIT {limit}"
        seen, normals = self.tx.conn.execute(
            f"SELECT COUNT(*), TOTAL(normal) FROM (SELECT priority IS NULL AS normal FROM tickets WHERE {self._in} "
            f"AND queue_at >= ? AND (queue_at > ? OR (day, prefix, seq) >= (?, ?, ?)){bound})",
            (*self.services, key[0], *key),
        ).fetchone()
        return None if limit is not None and seen >= limit else int(normals)

    def overdue_normals(self, cutoff: str) -> int:
        return self._count("queue_at < ?", (cutoff,)) - self._priority("queue_at < ?", (cutoff,))

    def old_priority(self, cutoff: str) -> list[int]:
        rows = self.tx.conn.execute(
            f"SELECT queue_at, day, prefix, seq FROM {PRIORITY_LANE} WHERE {self._in} AND priority IS NOT NULL AND queue_at < ? "
            "ORDER BY queue_at, day, prefix, seq",
            (*self.services, cutoff),
        ).fetchall()
        return [
            self._count("queue_at <= ? AND (queue_at, day, prefix, seq) < (?, ?, ?, ?)", (row[0], *row)) - i for i, row in enumerate(rows)
        ]
