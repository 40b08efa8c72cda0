"""All the SQL of notifications: the follower's cursor, the phones' push subscriptions, the
deliveries the channels owe, and what notifications read of tickets and bookings.

Reads go through ``Store.read()`` (a WAL snapshot); no write runs while a channel talks to the
network. Queuing deliveries commits without waiting for the disk (``durable=False``): they and the
follower's cursor are one transaction, so a power cut that loses them loses the cursor's move too,
and the follower makes them again from the log. A delivery's outcome is a durable write, so one
recorded as sent stays sent.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from ..booking import store as booking_sql
from ..store import Store, Tx

CURSOR = "notify_cursor"  # meta: the id of the last event the follower turned into deliveries
VAPID_KEY = "vapid_private_key"  # meta: the hall's VAPID private key (PEM); it never leaves the server
OPEN = ("waiting", "called", "serving")


def _marks(values: Iterable[Any]) -> str:
    return ",".join("?" for _ in values)


class NotifyStore:
    def __init__(self, store: Store):
        self.store = store

    # --- the follower -------------------------------------------------------------------------
    def cursor(self, tx: Tx | None = None) -> int:
        if tx is None:
            with self.store.read() as tx:
                return int(tx.meta(CURSOR) or 0)
        return int(tx.meta(CURSOR) or 0)

    def start_cursor(self) -> int:
        """A hall that turns notifications on for the first time starts at the end of its log: the
        visitors of last month are not told anything now."""

        def work(tx: Tx) -> int:
            cursor = tx.meta(CURSOR)
            if cursor is None:
                cursor = str(tx.conn.execute("SELECT COALESCE(MAX(id), 0) FROM events").fetchone()[0])
                tx.set_meta(CURSOR, cursor)
            return int(cursor)

        return self.store.transact(work)

    def events_after(self, cursor: int, limit: int) -> list[dict]:
        with self.store.read() as tx:
            rows = tx.conn.execute(
                "SELECT id, at, kind, ticket_id, counter_id, details FROM events WHERE id > ? ORDER BY id LIMIT ?", (cursor, limit)
            )
            return [{**dict(row), "details": json.loads(row["details"])} for row in rows]

    def queue(self, deliveries: list[dict], after: int, cursor: int, carried: list[tuple[str, str]] = ()) -> bool:
        """Insert the deliveries (one already queued under its key is kept as it is), copy the
        ``carried`` (booking id, ticket id) subscriptions to the ticket, and move the cursor from
        ``after`` to ``cursor``, in one transaction; False (nothing written) if it had moved."""

        def work(tx: Tx) -> bool:
            if self.cursor(tx) != after:
                return False
            for booking_id, ticket_id in carried:
                tx.conn.execute(
                    "INSERT OR IGNORE INTO push_subscriptions (owner_kind, owner, endpoint, p256dh, auth, created_at)"
                    " SELECT 'ticket', ?, endpoint, p256dh, auth, created_at FROM push_subscriptions WHERE owner_kind = 'booking' AND owner = ?",
                    (ticket_id, booking_id),
                )
            tx.conn.executemany(
                "INSERT OR IGNORE INTO deliveries (key, channel, target, kind, message, status, attempts, next_at, created_at)"
                " VALUES (:key, :channel, :target, :kind, :message, 'pending', 0, :created_at, :created_at)",
                deliveries,
            )
            tx.set_meta(CURSOR, str(cursor))
            return True

        with self.store.write(durable=False) as tx:
            return work(tx)

    def add_deliveries(self, deliveries: list[dict]) -> int:
        """Deliveries not driven by an event (reminders): those already queued are left alone."""
        if not deliveries:
            return 0

        def work(tx: Tx) -> int:
            before = tx.conn.total_changes
            tx.conn.executemany(
                "INSERT OR IGNORE INTO deliveries (key, channel, target, kind, message, status, attempts, next_at, created_at)"
                " VALUES (:key, :channel, :target, :kind, :message, 'pending', 0, :created_at, :created_at)",
                deliveries,
            )
            return tx.conn.total_changes - before

        with self.store.write(durable=False) as tx:
            return work(tx)

    # --- what messages are made of ------------------------------------------------------------
    def ticket(self, ticket_id: str) -> dict | None:
        with self.store.read() as tx:
            return tx.ticket(ticket_id)

    def followed_waiting(self, ahead: int) -> list[str]:
        """The waiting tickets someone asked to be told about (by push, or by the phone number of the
        booking they were checked in from), not yet told they are near, and that may be ``ahead`` or
        fewer from their turn: the waiting tickets of their own service and lane queued before them
        are all called first, so more than ``ahead`` of those rules a ticket out without its view."""
        with self.store.read() as tx:
            rows = tx.conn.execute(
                "SELECT t.id FROM tickets AS t WHERE t.status = 'waiting'"
                " AND (t.id IN (SELECT owner FROM push_subscriptions WHERE owner_kind = 'ticket')"
                " OR t.id IN (SELECT ticket_id FROM bookings WHERE phone IS NOT NULL))"
                " AND NOT EXISTS (SELECT 1 FROM deliveries WHERE key >= 'ahead:' || t.id || ':' AND key < 'ahead:' || t.id || ';')"
                " AND (SELECT COUNT(*) FROM tickets AS o WHERE o.status = 'waiting' AND o.service = t.service"
                " AND (o.priority IS NULL) = (t.priority IS NULL) AND o.queue_at < t.queue_at) <= ?",
                (ahead,),
            )
            return [row[0] for row in rows]

    def booking(self, *, booking_id: Any = None, ticket_id: str | None = None) -> dict | None:
        """A booking (queue_server/booking/) by its id, or the one a ticket was checked in from."""
        with self.store.read() as tx:
            if ticket_id is None:
                return booking_sql.by_id(tx, booking_id)
            row = tx.conn.execute("SELECT * FROM bookings WHERE ticket_id = ?", (ticket_id,)).fetchone()
            return dict(row) if row else None

    def booking_by_code(self, code: str) -> dict | None:
        with self.store.read() as tx:
            return booking_sql.by_code(tx, code)

    def bookings_starting(self, since: str, until: str) -> list[dict]:
        """The bookings still ``booked`` whose session starts after ``since`` and by ``until``, not yet
        reminded: the ones due a reminder."""
        with self.store.read() as tx:
            rows = tx.conn.execute(
                "SELECT * FROM bookings AS b WHERE status = 'booked' AND session_start > ? AND session_start <= ?"
                " AND NOT EXISTS (SELECT 1 FROM deliveries WHERE key >= 'reminder:' || b.id || ':' AND key < 'reminder:' || b.id || ';')",
                (since, until),
            )
            return [dict(row) for row in rows]

    # --- push subscriptions -------------------------------------------------------------------
    def subscriptions(self, owner_kind: str, owner: str) -> list[dict]:
        with self.store.read() as tx:
            rows = tx.conn.execute(
                "SELECT * FROM push_subscriptions WHERE owner_kind = ? AND owner = ? ORDER BY id", (owner_kind, owner)
            )
            return [dict(row) for row in rows]

    def subscription(self, subscription_id: int) -> dict | None:
        with self.store.read() as tx:
            row = tx.conn.execute("SELECT * FROM push_subscriptions WHERE id = ?", (subscription_id,)).fetchone()
            return dict(row) if row else None

    def subscribe(self, owner_kind: str, owner: str, endpoint: str, p256dh: str, auth: str, at: str, most: int) -> bool:
        """Add (or renew the keys of) the browser's subscription; False when the owner already has
        ``most`` others. Counted in the same transaction as the insert."""

        def work(tx: Tx) -> bool:
            row = tx.conn.execute(
                "SELECT id FROM push_subscriptions WHERE owner_kind = ? AND owner = ? AND endpoint = ?", (owner_kind, owner, endpoint)
            ).fetchone()
            if row is not None:
                tx.conn.execute("UPDATE push_subscriptions SET p256dh = ?, auth = ? WHERE id = ?", (p256dh, auth, row[0]))
                return True
            count = tx.conn.execute(
                "SELECT COUNT(*) FROM push_subscriptions WHERE owner_kind = ? AND owner = ?", (owner_kind, owner)
            ).fetchone()[0]
            if count >= most:
                return False
            tx.conn.execute(
                "INSERT INTO push_subscriptions (owner_kind, owner, endpoint, p256dh, auth, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (owner_kind, owner, endpoint, p256dh, auth, at),
            )
            return True

        return self.store.transact(work)

    def unsubscribe(self, owner_kind: str, owner: str, endpoint: str) -> bool:
        def work(tx: Tx) -> bool:
            cursor = tx.conn.execute(
                "DELETE FROM push_subscriptions WHERE owner_kind = ? AND owner = ? AND endpoint = ?", (owner_kind, owner, endpoint)
            )
            return cursor.rowcount > 0

        return self.store.transact(work)

    def drop_endpoint(self, endpoint: str) -> None:
        """The push service says this browser's subscription is gone (404/410): every owner's copy of it goes."""
        self.store.transact(lambda tx: tx.conn.execute("DELETE FROM push_subscriptions WHERE endpoint = ?", (endpoint,)))

    # --- deliveries ---------------------------------------------------------------------------
    def due(self, channel: str, now: str, limit: int = 50) -> list[dict]:
        with self.store.read() as tx:
            rows = tx.conn.execute(
                "SELECT * FROM deliveries WHERE channel = ? AND status = 'pending' AND next_at <= ? ORDER BY next_at, id LIMIT ?",
                (channel, now, limit),
            )
            return [{**dict(row), "message": json.loads(row["message"])} for row in rows]

    def next_due(self, channel: str) -> str | None:
        with self.store.read() as tx:
            row = tx.conn.execute(
                "SELECT MIN(next_at) FROM deliveries WHERE channel = ? AND status = 'pending'", (channel,)
            ).fetchone()
            return row[0]

    def record(self, delivery_id: int, **fields: Any) -> None:
        """A delivery's outcome (status, attempts, next_at, last_error, sent_at)."""
        self.store.transact(lambda tx: tx.update_row("deliveries", delivery_id, fields))

    def deliveries(self, limit: int, channel: str | None = None, status: str | None = None) -> list[dict]:
        """The latest deliveries for the delivery log, newest first."""
        where, params = ["1 = 1"], []
        if channel:
            where.append("channel = ?")
            params.append(channel)
        if status:
            where.append("status = ?")
            params.append(status)
        with self.store.read() as tx:
            rows = tx.conn.execute(
                f"SELECT id, key, channel, kind, status, attempts, next_at, last_error, created_at, sent_at FROM deliveries"
                f" WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT ?",
                (*params, limit),
            )
            return [dict(row) for row in rows]

    # --- the VAPID key ------------------------------------------------------------------------
    def vapid_key(self, make: Any) -> str:
        """The hall's VAPID private key (PEM), made by ``make()`` on first use and kept in meta."""
        with self.store.read() as tx:
            key = tx.meta(VAPID_KEY)
        if key is not None:
            return key

        def work(tx: Tx) -> str:
            existing = tx.meta(VAPID_KEY)
            if existing is not None:
                return existing
            tx.set_meta(VAPID_KEY, make())
            return tx.meta(VAPID_KEY)

        return self.store.transact(work)
