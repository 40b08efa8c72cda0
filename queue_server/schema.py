"""The database schema as a list of forward migrations.

``PRAGMA user_version`` records how many migrations a hall's file has had. A new release appends a
migration; it never edits one that has shipped, because hall databases in the field already ran it.
"""

from __future__ import annotations

import sqlite3

from sqlite_utils import Database


def _v1_core(db: Database) -> None:
    db["meta"].create({"key": str, "value": str}, pk="key")
    db["officers"].create(
        {
            "id": int,
            "username": str,
            "password_hash": str,
            "role": str,
            "counters": str,
            "active": int,
            "created_at": str,
        },
        pk="id",
        not_null={"username", "password_hash", "role", "counters", "active", "created_at"},
    )
    db["officers"].create_index(["username"], unique=True)
    db["tickets"].create(
        {
            "id": str,
            "day": str,
            "prefix": str,
            "seq": int,
            "number": str,
            "service": str,
            "status": str,
            "priority": str,
            "lang": str,
            "kiosk": str,
            "issued_at": str,
            "queue_at": str,
            "called_at": str,
            "started_at": str,
            "finished_at": str,
            "counter_id": str,
            "officer_id": int,
            "call_count": int,
            "transferred_from": str,
            "note": str,
        },
        pk="id",
        not_null={"day", "prefix", "seq", "number", "service", "status", "issued_at", "queue_at", "call_count"},
        defaults={"call_count": 0},
        foreign_keys=[("officer_id", "officers", "id")],
    )
    db["tickets"].create_index(["day", "prefix", "seq"], unique=True)
    db["tickets"].create_index(["status", "service", "queue_at"])
    db["tickets"].create_index(["counter_id", "day"])
    db.execute(
        """CREATE TABLE events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            kind TEXT NOT NULL,
            ticket_id TEXT REFERENCES tickets(id),
            counter_id TEXT,
            officer_id INTEGER REFERENCES officers(id),
            details TEXT NOT NULL DEFAULT '{}'
        )"""
    )
    db["events"].create_index(["ticket_id"])
    db["events"].create_index(["at"])
    db["counter_state"].create(
        {
            "counter_id": str,
            "status": str,
            "pause_reason": str,
            "ticket_id": str,
            "officer_id": int,
            "priority_streak": int,
            "updated_at": str,
        },
        pk="counter_id",
        not_null={"status", "priority_streak"},
        defaults={"status": "open", "priority_streak": 0},
        foreign_keys=[("ticket_id", "tickets", "id"), ("officer_id", "officers", "id")],
    )
    db["tokens"].create(
        {"token_hash": str, "officer_id": int, "created_at": str, "expires_at": str},
        pk="token_hash",
        not_null={"officer_id", "created_at", "expires_at"},
        foreign_keys=[("officer_id", "officers", "id")],
    )
    db["tokens"].create_index(["officer_id"])
    db["login_failures"].create({"id": int, "username": str, "remote": str, "at": str}, pk="id")
    db["login_failures"].create_index(["username", "at"])
    db["login_failures"].create_index(["remote", "at"])
    _waiting_counts(db)


def _waiting_counts(db: Database) -> None:
    """How many wait per service, maintained by triggers so that no code path can forget it.

    Issuing a ticket must answer "how many are ahead of me" inside its write transaction; a COUNT
    over the waiting tickets grows with the queue, this lookup does not.
    """
    db["waiting_counts"].create({"service": str, "n": int}, pk="service", not_null={"n"})
    triggers = {
        "tickets_waiting_insert": ("AFTER INSERT ON tickets WHEN NEW.status = 'waiting'", "NEW", 1),
        "tickets_waiting_leave": (
            "AFTER UPDATE OF status, service ON tickets WHEN OLD.status = 'waiting' AND (NEW.status != 'waiting' OR NEW.service != OLD.service)",
            "OLD",
            -1,
        ),
        "tickets_waiting_enter": (
            "AFTER UPDATE OF status, service ON tickets WHEN NEW.status = 'waiting' AND (OLD.status != 'waiting' OR NEW.service != OLD.service)",
            "NEW",
            1,
        ),
        "tickets_waiting_delete": ("AFTER DELETE ON tickets WHEN OLD.status = 'waiting'", "OLD", -1),
    }
    for name, (when, row, delta) in triggers.items():
        db.execute(
            f"CREATE TRIGGER {name} {when} BEGIN "
            f"INSERT INTO waiting_counts (service, n) VALUES ({row}.service, {delta}) "
            f"ON CONFLICT(service) DO UPDATE SET n = n + {delta}; END"
        )


def _v2_printing(db: Database) -> None:
    """Print jobs, kept in the hall's file so that a restart loses none, and the kiosks' request
    ids, so that a kiosk sending the same tap twice gets the same ticket back."""
    db.execute(
        """CREATE TABLE print_jobs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            ticket_id TEXT NOT NULL REFERENCES tickets(id),
            kiosk TEXT,
            target TEXT NOT NULL,
            status TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            track_url TEXT NOT NULL,
            lang TEXT NOT NULL,
            officer_id INTEGER REFERENCES officers(id),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            next_attempt_at TEXT NOT NULL
        )"""
    )
    db["print_jobs"].create_index(["target", "status", "next_attempt_at"])
    db["print_jobs"].create_index(["ticket_id"])
    db["print_jobs"].create_index(["kiosk", "target", "status"])
    db["issue_requests"].create(
        {"request_id": str, "ticket_id": str, "created_at": str},
        pk="request_id",
        not_null={"ticket_id", "created_at"},
        foreign_keys=[("ticket_id", "tickets", "id")],
    )


def _v3_priority_lane(db: Database) -> None:
    """The waiting priority tickets in queue order, on their own: where a ticket stands in the call
    order is counted (queue_server/call_order.py), and the priority lane's counts must not walk past
    every normal ticket waiting. Priority tickets are called first, so this index stays small."""
    db.execute(
        "CREATE INDEX tickets_waiting_priority ON tickets (service, queue_at, day, prefix, seq) "
        "WHERE status = 'waiting' AND priority IS NOT NULL"
    )


def _v4_login_addresses(db: Database) -> None:
    """Where each officer has logged in from, so that a flood of wrong passwords from elsewhere
    cannot keep an officer out at their own desk; and failures by time alone, for the hall-wide cap
    and for forgetting old failures."""
    db["login_addresses"].create({"username": str, "remote": str, "at": str}, pk=("username", "remote"), not_null={"at"})
    db["login_failures"].create_index(["at"])


def _v5_officer_roles(db: Database) -> None:
    """Agency admins (queue_server/roles.py) name their agency; an officer given a one-time password
    by an administrator must choose their own at the next log-in before doing anything else."""
    db.execute("ALTER TABLE officers ADD COLUMN agency TEXT")
    db.execute("ALTER TABLE officers ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0")
    db["events"].create_index(["kind", "at"])


def _v6_media(db: Database) -> None:
    """Uploaded images and short videos (agency logos, lobby notices; queue_server/media.py), kept in
    the hall's file so that a backup holds them with the setup that shows them."""
    db["media"].create(
        {
            "id": str,
            "kind": str,
            "content_type": str,
            "filename": str,
            "size": int,
            "width": int,
            "height": int,
            "created_at": str,
            "officer_id": int,
            "data": bytes,
        },
        pk="id",
        not_null={"kind", "content_type", "filename", "size", "created_at", "data"},
        foreign_keys=[("officer_id", "officers", "id")],
    )


def _v7_report_facts(db: Database) -> None:
    """The reports' facts (queue_server/reports/facts.py), kept from the event log by the follower and
    rebuilt from it by ``antre reports rebuild``: legs (a ticket's visit to one service) and spans (an
    officer's open, paused and busy time at a counter). Their cursor is ``meta`` ``reports_cursor``."""
    db["report_legs"].create(
        {
            "ticket_id": str,
            "leg": int,
            "day": str,
            "service": str,
            "priority": str,
            "kiosk": str,
            "arrived_at": str,
            "hour": int,
            "weekday": int,
            "called_at": str,
            "wait_seconds": float,
            "counter_id": str,
            "officer_id": int,
            "started_at": str,
            "finished_at": str,
            "service_seconds": float,
            "outcome": str,
            "target_wait_minutes": float,
            "transferred_to": str,
        },
        pk=("ticket_id", "leg"),
        not_null={"day", "service", "arrived_at", "hour", "weekday", "outcome"},
    )
    db["report_legs"].create_index(["day", "service"])
    db["report_legs"].create_index(["officer_id", "day"])
    db["report_legs"].create_index(["counter_id", "day"])
    db["report_spans"].create(
        {"counter_id": str, "kind": str, "start": str, "officer_id": int, "day": str, "reason": str, "end": str},
        pk=("counter_id", "kind", "start"),
        not_null={"day"},
    )
    db["report_spans"].create_index(["day"])
    db["report_spans"].create_index(["officer_id", "day"])
    db["report_spans"].create_index(["end"])


def _v8_survey(db: Database) -> None:
    """The SKM survey's responses (queue_server/skm/): one row per served ticket that answered, the
    UNIQUE ticket id refusing a second one inside the write. Attributed to the served leg's service,
    agency, counter and officer for the aggregates; no name, contact or address is ever stored, and
    nothing of a response goes into the event log (officers read tickets' histories)."""
    db.execute(
        """CREATE TABLE survey_responses (
            id INTEGER PRIMARY KEY,
            ticket_id TEXT UNIQUE NOT NULL,
            answered_at TEXT NOT NULL,
            day TEXT NOT NULL,
            served_day TEXT NOT NULL,
            service TEXT NOT NULL,
            agency TEXT NOT NULL,
            counter_id TEXT,
            officer_id INTEGER,
            channel TEXT NOT NULL,
            u1 INTEGER, u2 INTEGER, u3 INTEGER, u4 INTEGER, u5 INTEGER, u6 INTEGER, u7 INTEGER, u8 INTEGER, u9 INTEGER,
            sex TEXT,
            age INTEGER,
            education TEXT,
            occupation TEXT,
            comment TEXT
        )"""
    )
    # The figures read only these indexes, never the rows (a year of a big hall is 100,000 responses):
    # by day for the hall, by agency then day for an agency or a breakdown by agency.
    figures = "service, counter_id, officer_id, u1, u2, u3, u4, u5, u6, u7, u8, u9, sex, age, education, occupation"
    db.execute(f"CREATE INDEX survey_responses_day ON survey_responses (day, agency, {figures})")
    db.execute(f"CREATE INDEX survey_responses_agency_day ON survey_responses (agency, day, {figures})")
    # The population N (tickets served in a period) counted from the reports' facts without reading
    # their rows: the served legs by day, and by service for the agencies' breakdown.
    db.execute("CREATE INDEX report_legs_served_day ON report_legs (day, service, counter_id, officer_id, outcome) WHERE outcome = 'served'")
    db.execute("CREATE INDEX report_legs_served_service ON report_legs (service, day, counter_id, officer_id, outcome) WHERE outcome = 'served'")


def _v9_complaints(db: Database) -> None:
    """Complaints (queue_server/complaints/): one row per complaint, found by its tracking ``code``
    (10 Crockford base32 symbols, unique), and every change staff made to it (``complaint_updates``:
    who, when, the status after it, which fields, a note). The complainant's ``contact`` is optional;
    with ``confidential`` only a hall admin sees it or the ticket it came from."""
    db["complaints"].create(
        {
            "id": int,
            "code": str,
            "filed_at": str,
            "channel": str,
            "ticket_id": str,
            "agency": str,
            "service": str,
            "what": str,
            "where_when": str,
            "remedy": str,
            "contact": str,
            "confidential": int,
            "status": str,
            "due_day": str,
            "answer": str,
            "answered_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"code", "filed_at", "channel", "what", "where_when", "confidential", "status", "due_day", "updated_at"},
    )
    db["complaints"].create_index(["code"], unique=True)
    db["complaints"].create_index(["agency", "status"])
    db["complaints"].create_index(["ticket_id"])
    db["complaint_updates"].create(
        {"id": int, "complaint_id": int, "at": str, "officer_id": int, "status": str, "changed": str, "note": str},
        pk="id",
        not_null={"complaint_id", "at", "status", "changed"},
        foreign_keys=[("complaint_id", "complaints", "id"), ("officer_id", "officers", "id")],
    )
    db["complaint_updates"].create_index(["complaint_id"])


def _v10_skm_followups(db: Database) -> None:
    """The SKM's follow-up plans (rencana tindak lanjut): per period and weak element, what was found,
    what will be done, by whom and when, and how far it is (queue_server/skm/followups.py). ``agency``
    NULL is a plan of the hall itself."""
    db["skm_followups"].create(
        {
            "id": int,
            "period_from": str,
            "period_to": str,
            "agency": str,
            "element": str,
            "finding": str,
            "plan": str,
            "owner": str,
            "due_day": str,
            "status": str,
            "created_at": str,
            "updated_at": str,
            "updated_by": int,
        },
        pk="id",
        not_null={"period_from", "period_to", "element", "finding", "plan", "owner", "due_day", "status", "created_at", "updated_at"},
        foreign_keys=[("updated_by", "officers", "id")],
    )
    db["skm_followups"].create_index(["period_from", "period_to"])
    db["skm_followups"].create_index(["agency", "period_from"])


def _v11_bookings(db: Database) -> None:
    """Booked visits (queue_server/booking/): one row per booking, found by its ``code`` (10 Crockford
    base32 symbols, unique), for a service's ``session`` ("08:00-10:00") on a local ``day``, with the
    session's bounds in UTC. ``name`` and ``phone`` are blanked ``booking.keep_days`` after the day.
    At most one active booking (``booked``/``checked_in``) per phone, service and day: the partial
    UNIQUE index is the last guard against two concurrent bookings slipping past the desk's check."""
    db["bookings"].create(
        {
            "id": int,
            "code": str,
            "service": str,
            "day": str,
            "session": str,
            "session_start": str,
            "session_end": str,
            "name": str,
            "phone": str,
            "lang": str,
            "status": str,
            "created_at": str,
            "checked_in_at": str,
            "ticket_id": str,
            "ended_at": str,
        },
        pk="id",
        not_null={"code", "service", "day", "session", "session_start", "session_end", "lang", "status", "created_at"},
    )
    db["bookings"].create_index(["code"], unique=True)
    db["bookings"].create_index(["day", "service", "session", "status"])
    db["bookings"].create_index(["ticket_id"])
    db["bookings"].create_index(["status", "session_end"])
    db.execute(
        "CREATE UNIQUE INDEX bookings_one_active_per_phone ON bookings (phone, service, day) "
        "WHERE phone IS NOT NULL AND status IN ('booked', 'checked_in')"
    )
    db["bookings"].create_index(["phone", "created_at"])


def _v12_notifications(db: Database) -> None:
    """Notifications (queue_server/notify/): the phones' Web Push subscriptions, per ticket or booking
    (``owner_kind`` "ticket" or "booking", ``owner`` its id), and every delivery a channel owes, its
    ``key`` UNIQUE so a message is never queued twice for the same target, even after a restart."""
    db["push_subscriptions"].create(
        {"id": int, "owner_kind": str, "owner": str, "endpoint": str, "p256dh": str, "auth": str, "created_at": str},
        pk="id",
        not_null={"owner_kind", "owner", "endpoint", "p256dh", "auth", "created_at"},
    )
    db["push_subscriptions"].create_index(["owner_kind", "owner", "endpoint"], unique=True)
    db["deliveries"].create(
        {
            "id": int,
            "key": str,
            "channel": str,
            "target": str,
            "kind": str,
            "message": str,
            "status": str,
            "attempts": int,
            "next_at": str,
            "last_error": str,
            "created_at": str,
            "sent_at": str,
        },
        pk="id",
        not_null={"key", "channel", "target", "kind", "message", "status", "attempts", "created_at"},
        defaults={"attempts": 0},
    )
    db["deliveries"].create_index(["key"], unique=True)
    db["deliveries"].create_index(["channel", "status", "next_at"])


def _v13_report_bookings(db: Database) -> None:
    """The reports learn bookings (booking from home): a leg is ``booked`` when a booking's check-in issued its
    ticket (with the session's start and the check-in time, its wait counted from the later), and
    ``report_bookings`` holds each booking's course for the no-show rate and check-in punctuality
    (queue_server/reports/facts.py). Rows made before this migration are walk-ins, as they were;
    ``antre reports rebuild`` re-derives everything from the log."""
    db.execute("ALTER TABLE report_legs ADD COLUMN booked INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE report_legs ADD COLUMN session_start TEXT")
    db.execute("ALTER TABLE report_legs ADD COLUMN checked_in_at TEXT")
    db["report_bookings"].create(
        {
            "booking": int,
            "service": str,
            "day": str,
            "session": str,
            "session_start": str,
            "booked_at": str,
            "has_phone": int,
            "status": str,
            "checked_in_at": str,
            "ticket_id": str,
            "ended_at": str,
        },
        pk="booking",
        not_null={"service", "day", "session", "session_start", "booked_at", "has_phone", "status"},
    )
    db["report_bookings"].create_index(["day", "service"])
    db["report_bookings"].create_index(["status"])


MIGRATIONS = [_v1_core, _v2_printing, _v3_priority_lane, _v4_login_addresses, _v5_officer_roles, _v6_media, _v7_report_facts, _v8_survey, _v9_complaints, _v10_skm_followups, _v11_bookings, _v12_notifications, _v13_report_bookings]
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the file up to SCHEMA_VERSION inside one write transaction; returns the version.

    Two processes starting at once are safe: the second waits for the first's lock and then finds
    nothing left to do.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise RuntimeError(
                f"the database is at schema version {version}, newer than this Antre ({SCHEMA_VERSION}); "
                "upgrade Antre instead of opening it with an older one"
            )
        db = Database(conn)
        for step in MIGRATIONS[version:]:
            step(db)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return SCHEMA_VERSION
