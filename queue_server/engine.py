"""The queue engine: the only code that changes queue state.

Plain Python, no Flask, so it can be tested with an injected clock and benchmarked alone. Every
operation is one ``BEGIN IMMEDIATE`` transaction that changes tickets or counters and appends an
event row for each change. Listeners (live channel, announcements, printing) hear about events only
after the commit: a refused or failed operation emits, speaks and prints nothing.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from itertools import islice
from typing import Any, TypeVar

from . import availability
from .availability import CLOSED, OPEN, PAUSED
from .call_order import CallRule
from .clock import Clock, iso, system_clock
from .config import PRIORITY_CATEGORIES, Counter, HallConfig
from .estimate import HISTORY, NEW_DAY, WaitEstimator
from .i18n import LANGUAGES, gettext
from .places import Counted, Ranked, Standing
from .store import Store, Tx

log = logging.getLogger(__name__)
T = TypeVar("T")

UNNAMED_PRIORITY = "prioritas"
SORTED_ALPHABET = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"  # base64url's, in ASCII order
LANGS = LANGUAGES
MAX_NOTE = 200
TILE_ESTIMATE_SECONDS = 5  # how long the kiosk tiles' estimates are kept while the queue does not change


class QueueError(Exception):
    """An operation the engine refused; nothing was changed.

    It carries a catalogue key (``error.*``) and its values rather than a sentence: the API says it
    in the language the request asks for (queue_server/errors.py); ``message`` is the English one,
    for logs and the command line.
    """

    code = "error"

    def __init__(self, key: str, field: str | None = None, **params: Any):
        self.key = key
        self.params = params
        self.field = field
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return self.text("en")

    def text(self, lang: str) -> str:
        return gettext(lang, self.key, **self.params)


class InvalidInput(QueueError):
    code = "invalid"


class NotFound(QueueError):
    code = "not_found"


class Conflict(QueueError):
    code = "conflict"


class TicketsWaiting(Conflict):
    """A service cannot go while tickets wait for it, unless told where they go (``count``: how many)."""

    code = "tickets_waiting"
    status = 409

    @property
    def details(self) -> dict:
        return {"count": self.params["count"]}


@dataclass(frozen=True)
class Event:
    """A committed change, as listeners receive it."""

    id: int
    kind: str
    at: str
    ticket: dict | None
    counter_id: str | None
    officer_id: int | None
    details: dict = field(default_factory=dict)


Listener = Callable[[list[Event]], None]


@dataclass(frozen=True)
class BookedVisit:
    """A booked visitor checking in (queue_server/booking/): their ticket joins the queue at the later
    of the check-in and ``session_start``, and its ``issued`` event names the booking."""

    booking: int
    session_start: datetime


class _Operation:
    """What one transaction is doing: its time, its local day, and the events it records."""

    def __init__(self, tx: Tx, now: datetime, day: str):
        self.tx = tx
        self.now = now
        self.at = iso(now)
        self.day = day
        self.events: list[Event] = []

    def record(
        self,
        kind: str,
        ticket_id: str | None = None,
        counter_id: str | None = None,
        officer_id: int | None = None,
        snapshot: dict | None = None,
        **details: Any,
    ) -> None:
        """Append the event row; ``snapshot`` spares re-reading a ticket the caller already holds."""
        event_id = self.tx.add_event(self.at, kind, ticket_id, counter_id, officer_id, details)
        ticket = snapshot or (self.tx.ticket(ticket_id) if ticket_id else None)
        self.events.append(Event(event_id, kind, self.at, ticket, counter_id, officer_id, details))


class Engine:
    """Issues, calls and finishes tickets for one hall."""

    def __init__(self, store: Store, hall: HallConfig, clock: Clock = system_clock):
        self.store = store
        self.hall = hall
        self.clock = clock
        self._listeners: list[Listener] = []
        self._rolled_day: str | None = None
        self._tile_estimates: tuple[tuple, dict[str, dict]] | None = None  # (what they were made from, the estimates)
        self._retired: set[str] = set()  # services removed by a setup change not yet run on (retire_service)
        self.rule = CallRule.of(hall.max_consecutive_priority, hall.max_normal_wait_minutes)
        self._anchoring = threading.Lock()
        with store.read() as tx:
            self.estimates = self._anchored(tx)
            self._learn(tx)

    # --- plumbing -------------------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> None:
        """Call ``listener(events)`` after every committed operation that recorded events."""
        self._listeners.append(listener)

    def publish(self, events: list[Event]) -> None:
        """Hand changes committed outside the engine (the setup, officers) to the same listeners,
        after their commit, so the live channel and the rest see them in the log's order."""
        self._publish(events)

    def reconfigure(self, hall: HallConfig) -> None:
        """Run on a changed setup (queue_server/setup.py): the rule and the estimate follow it; the
        tickets keep their places, which live in the database, not here."""
        self.hall = hall
        self.rule = CallRule.of(hall.max_consecutive_priority, hall.max_normal_wait_minutes)
        self.estimates.reconfigure(hall, self.rule)
        self._tile_estimates = None
        self._retired.clear()  # gone from the new config, or its removal was never committed

    def local_day(self, moment: datetime) -> str:
        return moment.astimezone(self.hall.timezone).date().isoformat()

    def _apply(self, work: Callable[[_Operation], T]) -> T:
        """Run one operation as its own savepoint in a group commit; publish its events after the commit.

        The time is read inside the transaction, so ticket times follow the order of the log.
        """

        def run(tx: Tx) -> tuple[_Operation, T]:
            now = self.clock()
            op = _Operation(tx, now, self.local_day(now))
            self._roll_day(op)
            return op, work(op)

        def committed(outcome: tuple[_Operation, T]) -> None:
            op = outcome[0]
            self._rolled_day = op.day
            self._publish(op.events)

        self._learn_now()  # the answer's estimates know what other processes committed
        result = self.store.transact(run, committed)[1]
        self._learn_now()
        return result

    @contextmanager
    def _reading(self) -> Iterator[Tx]:
        """A read transaction whose estimates know every event committed before it, by any process."""
        with self.store.read() as tx:
            self._learn(tx)
            yield tx

    def _learn(self, tx: Tx) -> None:
        """Teach the estimator the events committed since it last looked, from the log (cheap when
        there are none): the commits of other server processes on this database as much as this
        one's, so ``GET /api/v1/tickets/{id}`` answers the same in every process. Only ever in a
        read transaction: a write transaction sees events that its group commit may still roll back.
        On a new day the estimator starts again from the day's start (``_anchored``)."""
        if self.estimates.day != self.today():
            with self._anchoring:
                if self.estimates.day != self.today():
                    self.estimates = self._anchored(tx)
        estimator = self.estimates
        if rows := tx.logged_since(estimator.seen):
            estimator.learn([_logged(row) for row in rows])

    def _anchored(self, tx: Tx) -> WaitEstimator:
        """An estimator as of the start of today: warmed by the last tickets finished before it, its
        cursor just before today's first event, so that ``_learn`` teaches it the whole day so far.
        What it knows is then the log's, not this process's history: a process started (or restarted)
        at noon estimates as one running since the morning. Costs a pass over today's events, at start
        and once a day."""
        began = iso(self.day_began())
        estimator = WaitEstimator(self.hall, self.clock, self.rule)
        estimator.warm(tx.latest_finished(HISTORY, before=began))
        estimator.seen = tx.last_event_before(began)
        estimator.day = self.today()
        return estimator

    def _learn_now(self) -> None:
        """Around this process's own operations: before, so that the view it answers estimates from
        everything committed so far; after, as the listeners hear it, so that what the estimator
        learns from an operation is known by the time the operation returns."""
        with self.store.read() as tx:
            self._learn(tx)

    def _ensure_today(self) -> None:
        """Reads show today's queue: yesterday's leftovers expire before anyone looks at them."""
        if self._rolled_day is None or self._rolled_day < self.local_day(self.clock()):
            self._apply(lambda op: None)

    def today(self) -> str:
        """The hall's current local day: the clock's, unless the clock stepped back behind a day
        already begun (see ``_roll_day``)."""
        day = self.local_day(self.clock())
        return max(day, self._rolled_day or day)

    def day_began(self) -> datetime:
        """The start of the hall's current local day (``today``): what "today's" calls, pauses and
        kiosk request ids are counted from."""
        return datetime.combine(date.fromisoformat(self.today()), time(), self.hall.timezone)

    def _publish(self, events: list[Event]) -> None:
        if not events:
            return
        for listener in self._listeners:
            try:
                listener(events)
            except Exception:
                log.exception("event listener %r failed; the operation itself was committed", listener)

    def _roll_day(self, op: _Operation) -> None:
        """At the first operation of a new local day, close what yesterday left open.

        ``_rolled_day`` remembers a day this process already saw committed, sparing the hot path a
        read. The stored day only moves forward: a clock stepped back across midnight (an NTP
        correction, a wrong manual setting) leaves the operation on the day already begun, instead
        of rolling back to yesterday, clearing every counter and orphaning the tickets called there.
        """
        if self._rolled_day == op.day:
            return
        stored = op.tx.meta("day")
        if stored is not None and stored >= op.day:
            op.day = stored
            return
        for ticket in op.tx.stale_open_tickets(op.day):
            op.tx.update_ticket(ticket["id"], status="expired", finished_at=op.at)
            op.record("expired", ticket["id"], ticket["counter_id"], previous_status=ticket["status"])
        for counter_id, state in op.tx.counter_states().items():
            if state["ticket_id"] or state["priority_streak"] or state["status"] != CLOSED:
                op.tx.set_counter_state(counter_id, ticket_id=None, priority_streak=0, status=CLOSED, pause_reason=None, updated_at=op.at)
            if state["status"] != CLOSED:  # recorded, so that displays and consoles see it closed at once
                op.record("closed", counter_id=counter_id, by=NEW_DAY)
        op.tx.set_meta("day", op.day)

    def _target(self, service: str) -> int | None:
        """The service's promised wait now, recorded with each arrival in a service (``issued``,
        ``transferred``): a report measures compliance against the standard of its day, not today's."""
        known = self.hall.services.get(service)
        return known.target_wait_minutes if known else None

    def _counter(self, counter_id: str) -> Counter:
        counter = self.hall.counters.get(counter_id)
        if counter is None:
            raise NotFound("error.unknown_counter", "counter", counter=counter_id)
        return counter

    def _current(self, op: _Operation, counter: Counter, allowed: tuple[str, ...], action: str) -> dict:
        """The ticket at this counter, which must be in one of the ``allowed`` states."""
        state = op.tx.counter_state(counter.id)
        ticket = op.tx.ticket(state["ticket_id"]) if state["ticket_id"] else None
        if ticket is None:
            raise Conflict(f"error.no_current.{action}", counter=counter.name)
        if ticket["status"] not in allowed:
            raise Conflict(f"error.cannot.{action}", number=ticket["number"], status=ticket["status"].replace("_", "-"))
        return ticket

    # --- issuing --------------------------------------------------------------------------------
    def issue(
        self,
        service: str,
        priority: Any = None,
        kiosk: str | None = None,
        lang: str = "id",
        officer_id: int | None = None,
        along: Callable[[Tx, dict], None] | None = None,
        booked: BookedVisit | None = None,
    ) -> dict:
        """Take a number: ``A001``, ``A002``, ... per service per local day.

        ``along(tx, ticket)`` writes what belongs with the ticket (its print job, the kiosk's
        request id, a booking's check-in) in the same transaction: one durable commit, and never a
        ticket without them. A ``booked`` visitor's queue time is the later of now and their
        session's start: one more source of queue times for the call order, not another queue.
        """
        if not isinstance(service, str) or service not in self.hall.services:
            raise InvalidInput("error.unknown_service", "service", service=service)
        category = _priority_category(priority)
        if kiosk is not None and (not isinstance(kiosk, str) or kiosk not in self.hall.kiosks):
            raise InvalidInput("error.unknown_kiosk", "kiosk", kiosk=kiosk)
        if lang not in LANGS:
            raise InvalidInput("error.lang", "lang", langs=", ".join(LANGS))

        def apply(op: _Operation) -> Any:
            if service in self._retired:
                raise InvalidInput("error.unknown_service", "service", service=service)
            seq = op.tx.next_seq(op.day, service)
            queue_at = max(op.now, booked.session_start) if booked is not None else op.now
            ticket = {
                "id": new_ticket_id(op.now),
                "day": op.day,
                "prefix": service,
                "seq": seq,
                "number": f"{service}{seq:03d}",
                "service": service,
                "status": "waiting",
                "priority": category,
                "lang": lang,
                "kiosk": kiosk,
                "issued_at": op.at,
                "queue_at": iso(queue_at),
                "call_count": 0,
            }
            op.tx.insert_ticket(ticket)
            ticket.update(
                called_at=None, started_at=None, finished_at=None, counter_id=None, officer_id=None, transferred_from=None, note=None
            )
            op.record(
                "issued",
                ticket["id"],
                officer_id=officer_id,
                snapshot=ticket,
                service=service,
                priority=category,
                kiosk=kiosk,
                target_wait_minutes=self._target(service),
                **_booking_details(booked, op.at),
            )
            if along is not None:
                along(op.tx, ticket)
            return self._view(op.tx, ticket)

        return self._apply(apply)

    def cancel(self, ticket_id: str, officer_id: int | None = None) -> dict:
        """The visitor gives up their place while it waits (from their ticket page, or through staff).

        Once called, the ticket is the officer's: they finish it (done, no-show). Whoever learnt the
        id could otherwise clear the officer's counter at the moment the visitor was called.
        """

        def apply(op: _Operation) -> Any:
            ticket = self._ticket(op.tx, ticket_id)
            if ticket["status"] == "called":
                counter = self.hall.counters.get(ticket["counter_id"])
                raise Conflict(
                    "error.called_not_cancellable", number=ticket["number"], counter=counter.name if counter else ticket["counter_id"]
                )
            if ticket["status"] != "waiting":
                raise Conflict("error.not_cancellable", number=ticket["number"], status=ticket["status"])
            op.tx.update_ticket(ticket_id, status="cancelled", finished_at=op.at)
            op.record("cancelled", ticket_id, ticket["counter_id"], officer_id, previous_status=ticket["status"])
            return self._view(op.tx, op.tx.ticket(ticket_id))

        return self._apply(apply)

    def void(
        self,
        reason: str,
        officer_id: int | None,
        since: datetime,
        until: datetime,
        service: str | None = None,
        ticket_ids: list[str] | None = None,
    ) -> list[dict]:
        """A supervisor clears a flood: today's waiting tickets issued in [since, until) (of ``service``,
        or only ``ticket_ids``) are cancelled in one transaction, each with ``reason`` in its history."""
        if not isinstance(reason, str) or not reason.strip() or len(reason) > MAX_NOTE:
            raise InvalidInput("error.void_reason", "reason", max=MAX_NOTE)
        if service is not None and service not in self.hall.services:
            raise InvalidInput("error.unknown_service", "service", service=service)

        def apply(op: _Operation) -> Any:
            voided = op.tx.waiting_to_void(op.day, iso(since), iso(until), service, ticket_ids)
            details = {"previous_status": "waiting", "reason": reason.strip(), "voided": True}
            for ticket in voided:
                op.tx.update_ticket(ticket["id"], status="cancelled", finished_at=op.at)
                ticket.update(status="cancelled", finished_at=op.at)
                op.record("cancelled", ticket["id"], None, officer_id, snapshot=ticket, **details)
            return [{"id": t["id"], "number": t["number"], "service": t["service"], "issued_at": t["issued_at"]} for t in voided]

        return self._apply(apply)

    def retire_service(self, tx: Tx, at: str, service: str, to: str | None, close: bool, officer_id: int | None) -> list[Event]:
        """The day's tickets of a service being removed, inside the setup change's transaction
        (``Setup.change(along=)``), so none is issued for it in between. Each waiting one moves to
        service ``to`` keeping its place by queue time, as a transfer does, or with ``close`` is
        cancelled, as a void is; without either, any ticket refuses the removal (TicketsWaiting), as
        does a ticket at a counter. From here on the engine, though still on the old config until the
        setup is run on, issues and transfers nothing to it. Returns the events, for the caller to
        publish after the commit."""
        now = datetime.fromisoformat(at)
        op = _Operation(tx, now, self.local_day(now))
        tickets = tx.open_tickets_of_service(op.day, service)
        at_counter = next((t for t in tickets if t["status"] != "waiting"), None)
        if at_counter is not None:
            counter = self.hall.counters.get(at_counter["counter_id"])
            raise Conflict(
                "error.service_at_counter", number=at_counter["number"], counter=counter.name if counter else at_counter["counter_id"]
            )
        if tickets and to is None and not close:
            raise TicketsWaiting("error.tickets_waiting", count=len(tickets), service=service)
        self._retired.add(service)  # under the write lock: nothing is issued for it from here on
        for ticket in tickets:
            if to is not None:
                tx.update_ticket(ticket["id"], service=to, transferred_from=service)
                op.record(
                    "transferred",
                    ticket["id"],
                    None,
                    officer_id,
                    from_service=service,
                    to_service=to,
                    note=None,
                    removed=True,
                    target_wait_minutes=self._target(to),
                )
            else:
                tx.update_ticket(ticket["id"], status="cancelled", finished_at=op.at)
                op.record("cancelled", ticket["id"], None, officer_id, previous_status="waiting", service_removed=service, voided=True)
        return op.events

    # --- calling --------------------------------------------------------------------------------
    def call_next(self, counter_id: str, officer_id: int | None = None) -> dict | None:
        """Finish the counter's current ticket and call the next one; None when nothing waits."""
        counter = self._counter(counter_id)

        def apply(op: _Operation) -> Any:
            state = self._open_state(op, counter, officer_id)
            self._finish_current(op, counter, state, officer_id)
            ticket = self._choose_next(op, counter, state)
            if ticket is None:
                return None
            return self._call(op, counter, state, ticket, officer_id)

        return self._apply(apply)

    def call_ticket(self, counter_id: str, ticket_id: str, officer_id: int | None = None) -> dict:
        """Serve a specific waiting ticket out of turn (e.g. an appointment, a returning visitor)."""
        counter = self._counter(counter_id)

        def apply(op: _Operation) -> Any:
            state = self._open_state(op, counter, officer_id)
            ticket = self._ticket(op.tx, ticket_id)
            if ticket["status"] != "waiting":
                raise Conflict("error.not_waiting", number=ticket["number"], status=ticket["status"])
            if ticket["service"] not in counter.services:
                raise Conflict("error.not_served_here", counter=counter.name, service=ticket["service"])
            self._finish_current(op, counter, state, officer_id)
            return self._call(op, counter, state, ticket, officer_id)

        return self._apply(apply)

    def _open_state(self, op: _Operation, counter: Counter, officer_id: int | None) -> dict:
        """The counter's state before a call: refused while paused, opened if nobody had signed in."""
        state = op.tx.counter_state(counter.id)
        if state["status"] == PAUSED:
            raise Conflict("error.paused_no_call", counter=counter.name)
        self._sign_in(op, counter, state, officer_id)
        return state

    def _sign_in(self, op: _Operation, counter: Counter, state: dict, officer_id: int | None) -> None:
        """Any officer action at a closed counter opens it: the officer is evidently there."""
        if state["status"] == CLOSED:
            op.tx.set_counter_state(counter.id, status=OPEN, pause_reason=None, officer_id=officer_id, updated_at=op.at)
            op.record("opened", counter_id=counter.id, officer_id=officer_id)
            state.update(status=OPEN, officer_id=officer_id)

    def _finish_current(self, op: _Operation, counter: Counter, state: dict, officer_id: int | None) -> None:
        ticket = op.tx.ticket(state["ticket_id"]) if state["ticket_id"] else None
        if ticket is not None and ticket["status"] in ("called", "serving"):
            op.tx.update_ticket(ticket["id"], status="done", finished_at=op.at)
            op.record("completed", ticket["id"], counter.id, officer_id, by="call_next")
        op.tx.set_counter_state(counter.id, ticket_id=None, updated_at=op.at)

    def _choose_next(self, op: _Operation, counter: Counter, state: dict) -> dict | None:
        """The call order's choice between the heads of the two lanes (see call_order.py)."""
        heads = [op.tx.oldest_waiting(counter.services, priority=lane) for lane in (True, False)]
        return self.rule.first(heads, state["priority_streak"], op.now)

    def _call(self, op: _Operation, counter: Counter, state: dict, ticket: dict, officer_id: int | None) -> dict:
        streak = state["priority_streak"] + 1 if ticket["priority"] else 0
        op.tx.update_ticket(
            ticket["id"],
            status="called",
            counter_id=counter.id,
            officer_id=officer_id,
            called_at=op.at,
            call_count=ticket["call_count"] + 1,
        )
        op.tx.set_counter_state(counter.id, ticket_id=ticket["id"], priority_streak=streak, officer_id=officer_id, updated_at=op.at)
        op.record("called", ticket["id"], counter.id, officer_id, counter_name=counter.name)
        return self._view(op.tx, op.tx.ticket(ticket["id"]))

    # --- the current ticket -------------------------------------------------------------------
    def recall(self, counter_id: str, officer_id: int | None = None) -> dict:
        """Call the current ticket again (the visitor has not come yet)."""
        counter = self._counter(counter_id)

        def apply(op: _Operation) -> Any:
            ticket = self._current(op, counter, ("called",), "recall")
            op.tx.update_ticket(ticket["id"], call_count=ticket["call_count"] + 1, called_at=op.at)
            op.record("recalled", ticket["id"], counter.id, officer_id, counter_name=counter.name)
            return self._view(op.tx, op.tx.ticket(ticket["id"]))

        return self._apply(apply)

    def start(self, counter_id: str, officer_id: int | None = None) -> dict:
        """The visitor arrived at the counter; service time runs from here."""
        return self._move_current(counter_id, officer_id, ("called",), "start", "serving", "started", keep_at_counter=True)

    def complete(self, counter_id: str, officer_id: int | None = None) -> dict:
        return self._move_current(counter_id, officer_id, ("called", "serving"), "complete", "done", "completed")

    def no_show(self, counter_id: str, officer_id: int | None = None) -> dict:
        return self._move_current(counter_id, officer_id, ("called",), "no-show", "no_show", "no_show")

    def _move_current(
        self,
        counter_id: str,
        officer_id: int | None,
        allowed: tuple[str, ...],
        action: str,
        status: str,
        kind: str,
        keep_at_counter: bool = False,
    ) -> dict:
        counter = self._counter(counter_id)

        def apply(op: _Operation) -> Any:
            ticket = self._current(op, counter, allowed, action)
            stamp = "started_at" if status == "serving" else "finished_at"
            op.tx.update_ticket(ticket["id"], status=status, **{stamp: op.at})
            if not keep_at_counter:
                op.tx.set_counter_state(counter.id, ticket_id=None, updated_at=op.at)
            op.record(kind, ticket["id"], counter.id, officer_id)
            return self._view(op.tx, op.tx.ticket(ticket["id"]))

        return self._apply(apply)

    def transfer(self, counter_id: str, service: str, officer_id: int | None = None, note: str | None = None) -> dict:
        """Send the current visitor to another service, keeping their number and place by issue time."""
        counter = self._counter(counter_id)
        if not isinstance(service, str) or service not in self.hall.services:
            raise InvalidInput("error.unknown_service", "service", service=service)
        if note is not None and (not isinstance(note, str) or len(note) > MAX_NOTE):
            raise InvalidInput("error.note", "note", max=MAX_NOTE)

        def apply(op: _Operation) -> Any:
            ticket = self._current(op, counter, ("called", "serving"), "transfer")
            if ticket["service"] == service:
                raise InvalidInput("error.same_service", "service", number=ticket["number"], service=service)
            if service in self._retired:
                raise InvalidInput("error.unknown_service", "service", service=service)
            op.tx.update_ticket(
                ticket["id"], status="waiting", service=service, transferred_from=ticket["service"], counter_id=None, note=note
            )
            op.tx.set_counter_state(counter.id, ticket_id=None, updated_at=op.at)
            op.record(
                "transferred",
                ticket["id"],
                counter.id,
                officer_id,
                from_service=ticket["service"],
                to_service=service,
                note=note,
                target_wait_minutes=self._target(service),
            )
            return self._view(op.tx, op.tx.ticket(ticket["id"]))

        return self._apply(apply)

    # --- counters -------------------------------------------------------------------------------
    def pause(self, counter_id: str, reason: str, officer_id: int | None = None) -> dict:
        counter = self._counter(counter_id)
        if not isinstance(reason, str) or not reason.strip() or len(reason) > MAX_NOTE:
            raise InvalidInput("error.reason", "reason", max=MAX_NOTE)

        def apply(op: _Operation) -> Any:
            state = op.tx.counter_state(counter.id)
            if state["status"] == "paused":
                raise Conflict("error.already_paused", counter=counter.name)
            if state["ticket_id"]:
                current = op.tx.ticket(state["ticket_id"])
                raise Conflict("error.busy_no_pause", number=current["number"], counter=counter.name)
            op.tx.set_counter_state(counter.id, status="paused", pause_reason=reason.strip(), officer_id=officer_id, updated_at=op.at)
            op.record("paused", counter_id=counter.id, officer_id=officer_id, reason=reason.strip())
            return self._counter_view(op.tx, counter)

        return self._apply(apply)

    def resume(self, counter_id: str, officer_id: int | None = None) -> dict:
        counter = self._counter(counter_id)

        def apply(op: _Operation) -> Any:
            if op.tx.counter_state(counter.id)["status"] != "paused":
                raise Conflict("error.not_paused", counter=counter.name)
            op.tx.set_counter_state(counter.id, status="open", pause_reason=None, officer_id=officer_id, updated_at=op.at)
            op.record("resumed", counter_id=counter.id, officer_id=officer_id)
            return self._counter_view(op.tx, counter)

        return self._apply(apply)

    def open_counter(self, counter_id: str, officer_id: int | None = None) -> dict:
        """An officer takes the counter (the console opened at it): closed becomes open. A counter
        already open or paused stays as it is, so reopening a console does not end a pause."""
        counter = self._counter(counter_id)

        def apply(op: _Operation) -> Any:
            self._sign_in(op, counter, op.tx.counter_state(counter.id), officer_id)
            return self._counter_view(op.tx, counter)

        return self._apply(apply)

    def close_counter(self, counter_id: str, officer_id: int | None = None, by: str | None = None) -> dict:
        """The officer leaves (``by``: None when they say so, ``idle`` or ``sign_out`` when the server
        notices). Refused while a visitor is called or served there: their ticket must end first."""
        counter = self._counter(counter_id)

        def apply(op: _Operation) -> Any:
            state = op.tx.counter_state(counter.id)
            if state["ticket_id"]:
                current = op.tx.ticket(state["ticket_id"])
                raise Conflict("error.busy_no_close", number=current["number"], counter=counter.name)
            if state["status"] != CLOSED:
                op.tx.set_counter_state(counter.id, status=CLOSED, pause_reason=None, officer_id=None, updated_at=op.at)
                op.record("closed", counter_id=counter.id, officer_id=officer_id, **({"by": by} if by else {}))
            return self._counter_view(op.tx, counter)

        return self._apply(apply)

    def counters_held(self) -> dict[str, dict]:
        """Every counter that is not closed, with its state (``officer_id``, ``ticket_id``)."""
        with self.store.read() as tx:
            return {cid: state for cid, state in tx.counter_states().items() if state["status"] != CLOSED and cid in self.hall.counters}

    # --- reading --------------------------------------------------------------------------------
    def ticket(self, ticket_id: str) -> dict:
        self._ensure_today()
        with self._reading() as tx:
            return self._view(tx, self._ticket(tx, ticket_id))

    def has_ticket(self, ticket_id: Any) -> bool:
        """Whether a ticket with this id exists: one row read, no view (a phone connecting to follow it)."""
        with self.store.read() as tx:
            return isinstance(ticket_id, str) and tx.ticket(ticket_id) is not None

    def ticket_views(self, ticket_ids: Iterable[str]) -> dict[str, dict]:
        """By id, what ``ticket`` returns for each of these tickets (unknown ids are left out), from one
        read transaction and one ordered pass over each counter's queue (places.Ranked): the live
        channel's phones after each step, where a ticket at a time cost a count and a replay each."""
        self._ensure_today()
        with self._reading() as tx:
            return self._views(tx, tx.tickets(ticket_ids))

    def waiting_views(self, services: Iterable[str]) -> dict[str, dict]:
        """By id, what ``ticket`` returns for every waiting ticket of these services, in one pass (as
        ``ticket_views``)."""
        self._ensure_today()
        with self._reading() as tx:
            return self._views(tx, tx.waiting(services))

    def _views(self, tx: Tx, tickets: list[dict]) -> dict[str, dict]:
        standing = Ranked(tx, self.hall, self.rule, self.clock())
        return {ticket["id"]: self._view(tx, ticket, standing=standing) for ticket in tickets}

    def events_after(self, after: int, limit: int = 500) -> list[Event]:
        """Committed events with ids above ``after``, oldest first, as listeners receive them but with
        each ticket as it is now: for a reader that follows the log instead of this process's commits
        (the live channel hears every server process's commits this way)."""
        with self.store.read() as tx:
            rows = tx.events_after(after, limit)
            tickets = {t["id"]: t for t in tx.tickets({r["ticket_id"] for r in rows if r["ticket_id"]})}
        return [Event(r["id"], r["kind"], r["at"], tickets.get(r["ticket_id"]), r["counter_id"], r["officer_id"], r["details"]) for r in rows]

    def history(self, ticket_id: str) -> list[dict]:
        with self.store.read() as tx:
            self._ticket(tx, ticket_id)
            return tx.events_for_ticket(ticket_id)

    def services(self) -> list[dict]:
        self._ensure_today()
        with self.store.read() as tx:
            waiting = tx.waiting_counts()
            states = tx.counter_states()
            issued = tx.issued_counts(self.today())
        now = self.clock()
        why = {code: availability.unavailable(self.hall, code, states, now, issued.get(code, 0)) for code in self.hall.services}
        return [
            {
                "code": s.code,
                "name": s.name,
                "agency": s.agency,
                "agency_short": self.hall.agency(s.agency).short_name,
                "waiting": waiting.get(s.code, 0),
                "counters_open": sum(1 for c in self.hall.counters_for_service(s.code) if availability.status_of(states.get(c.id)) == OPEN),
                "target_wait_minutes": s.target_wait_minutes,
                "unavailable": why[s.code].code if why[s.code] else None,
                "unavailable_details": why[s.code].details if why[s.code] else None,
                "closes": availability.closes_today(self.hall, s.code, now),
            }
            for s in self.hall.services.values()
        ]

    def state(self, recent: int = 10, with_ids: bool = False) -> dict:
        """What a display shows: every counter, today's last calls, the waiting counts.

        Public unless ``with_ids`` (for officers): its tickets carry no id (``public_ticket``).
        Calls of an earlier local day are not "recent": yesterday's A001 must not show on today's lobby.
        """
        self._ensure_today()
        since = iso(self.day_began())
        with self.store.read() as tx:
            counters = [self._counter_view(tx, c) for c in self.hall.counters.values()]
            calls = tx.recent_calls(recent, since)
            waiting = tx.waiting_counts()
            last_event = tx.last_event_id()
        state = {
            "last_event": last_event,
            "counters": counters,
            "recent_calls": [self._call_view(row) for row in calls],
            "waiting": {code: waiting.get(code, 0) for code in self.hall.services},
        }
        if not with_ids:
            for item in state["counters"] + state["recent_calls"]:
                if item["ticket"] is not None:
                    item["ticket"] = public_ticket(item["ticket"])
        return state

    def waiting_for_counter(self, counter_id: str, limit: int = 10) -> list[dict]:
        """The next tickets in the order call-next would take them (priority rules applied)."""
        self._ensure_today()
        counter = self._counter(counter_id)
        with self._reading() as tx:
            # The first ``limit`` calls take at most ``limit`` tickets from each lane.
            heads = [t for lane in (True, False) for t in tx.waiting(counter.services, priority=lane, limit=limit)]
            standing = Counted(tx, self.hall, self.rule, self.clock())
            ordered = islice(self.rule.order(heads, standing.streak(counter.id), standing.now), limit)
            return [self._view(tx, t, ahead=i, standing=standing) for i, t in enumerate(ordered)]

    def new_ticket_estimates(self) -> dict[str, dict]:
        """Per service, ``eta_minutes`` and ``eta_range`` of a normal ticket taken now: the kiosk's tiles.

        Every kiosk polls it, and a 300-service hall takes tens of milliseconds to estimate, so an
        answer is kept until the queue changes (a new event) or ``TILE_ESTIMATE_SECONDS`` pass (the
        estimates also move with time: a pause running on, a break coming up)."""
        self._ensure_today()
        now = self.clock()
        day = self.today()
        with self._reading() as tx:
            key = (tx.last_event_id(), day, int(now.timestamp() // TILE_ESTIMATE_SECONDS))
            kept = self._tile_estimates
            if kept is not None and kept[0] == key:
                return kept[1]
            standing = Counted(tx, self.hall, self.rule, now)
            estimates = {}
            for code in self.hall.services:
                ticket = {"id": None, "service": code, "priority": None, "queue_at": iso(now), "day": day, "prefix": code}
                ticket["seq"] = tx.next_seq(day, code)
                estimates[code] = self.estimates.fields(standing, ticket, standing.places(ticket))
        self._tile_estimates = (key, estimates)
        return estimates

    def _waiting_ahead(self, places: dict[str, int], states: dict[str, dict]) -> int:
        """The fewest tickets called before this one by any counter of its service serving now or
        expected to (any counter while none is). With one counter: exactly the tickets called
        before it. See README."""
        serving = [n for counter_id, n in places.items() if availability.serving(self.hall, states.get(counter_id))]
        return min(serving or places.values())

    # --- views ----------------------------------------------------------------------------------
    def _ticket(self, tx: Tx, ticket_id: Any) -> dict:
        ticket = tx.ticket(ticket_id) if isinstance(ticket_id, str) else None
        if ticket is None:
            raise NotFound("error.no_ticket", "ticket_id")
        return ticket

    def _view(self, tx: Tx, ticket: dict, ahead: int | None = None, standing: Standing | None = None) -> dict:
        """A ticket as the API and the pages see it; ``ahead``: its place in a counter's list, when shown
        in one. ``standing``: how its place is found (places.py), shared by the tickets viewed in one
        transaction; by default counted for this ticket alone."""
        service = self.hall.service(ticket["service"])
        counter = self.hall.counters.get(ticket["counter_id"]) if ticket["counter_id"] else None
        view = {
            "id": ticket["id"],
            "number": ticket["number"],
            "service": ticket["service"],
            "service_name": service.name,
            "agency": service.agency,
            "status": ticket["status"],
            "priority": True if ticket["priority"] == UNNAMED_PRIORITY else ticket["priority"],
            "issued_at": ticket["issued_at"],
            "called_at": ticket["called_at"],
            "call_count": ticket["call_count"],
            "transferred_from": ticket["transferred_from"],
            "counter": {"id": counter.id, "name": counter.name}
            if counter and ticket["status"] in ("called", "serving", "done", "no_show")
            else None,
            "waiting_ahead": None,
            "eta_minutes": None,
            "eta_range": None,
        }
        if ticket["status"] == "waiting":
            standing = standing or Counted(tx, self.hall, self.rule, self.clock())
            places = standing.places(ticket)
            view["waiting_ahead"] = self._waiting_ahead(places, standing.states) if ahead is None else ahead
            view.update(self.estimates.fields(standing, ticket, places))
        return view

    def _counter_view(self, tx: Tx, counter: Counter) -> dict:
        state = tx.counter_state(counter.id)
        ticket = tx.ticket(state["ticket_id"]) if state["ticket_id"] else None
        agencies = sorted({self.hall.services[code].agency for code in counter.services})
        return {
            "id": counter.id,
            "name": counter.name,
            "services": list(counter.services),
            "agencies": agencies,
            "status": availability.status_of(state),
            "pause_reason": state["pause_reason"],
            "ticket": self._view(tx, ticket) if ticket else None,
        }

    def _call_view(self, row: dict) -> dict:
        counter = self.hall.counters.get(row["counter_id"])
        service = self.hall.service(row["service"])
        return {
            "at": row["at"],
            "recall": row["kind"] == "recalled",
            "ticket": {"id": row["id"], "number": row["number"], "service": row["service"], "agency": service.agency},
            "counter": {"id": row["counter_id"], "name": counter.name if counter else row["counter_id"]},
        }


def _logged(row: dict) -> Event:
    """An event as the log has it (``Tx.logged_since``), for the estimator: its ticket is what the
    estimator reads of one (``service``, ``called_at``), the same whichever process committed it."""
    ticket = {"service": row["service"], "called_at": row["called_at"]} if row["ticket_id"] else None
    return Event(row["id"], row["kind"], row["at"], ticket, row["counter_id"], row["officer_id"], row["details"])


def public_ticket(ticket: dict) -> dict:
    """A ticket as anyone may see it (displays, the live channel's hall and counter audiences):
    without its id, which opens the visitor's page and cancels their place. The key stays, null."""
    return {**ticket, "id": None}


def new_ticket_id(moment: datetime) -> str:
    """Seven characters of time (milliseconds, sorting as text in time order), then 72 random bits.

    Why the time: the ids of tickets issued together sort together, so the indexes on ticket ids (the
    tickets' own and the event log's) grow at their end instead of changing a random page for every
    ticket, which made each commit write and sync about twice the pages. The random part keeps an id
    unguessable: it is the key to the ticket's page, and says nothing of the number.
    """
    ms = int(moment.timestamp() * 1000)  # 42 bits of it, 139 years: an eighth character would be "-" until 2109
    stamp = "".join(SORTED_ALPHABET[(ms >> shift) & 63] for shift in range(36, -1, -6))
    return stamp + secrets.token_urlsafe(9)


def _priority_category(priority: Any) -> str | None:
    if priority is None or priority is False:
        return None
    if priority is True:
        return UNNAMED_PRIORITY
    if isinstance(priority, str) and priority in PRIORITY_CATEGORIES:
        return priority
    raise InvalidInput("error.priority", "priority", categories=", ".join(PRIORITY_CATEGORIES))


def _booking_details(booked: BookedVisit | None, at: str) -> dict[str, Any]:
    """What a booked ticket's ``issued`` event adds: the booking (its id, never its code or the
    visitor's name), its session's start and the check-in time, for reports of punctuality."""
    if booked is None:
        return {}
    return {"booking": booked.booking, "session_start": iso(booked.session_start), "checked_in_at": at}
