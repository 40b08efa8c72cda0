"""Events → legs, spans and bookings: the facts every report figure is computed from.

Pure and incremental: ``Facts.apply(event)`` moves the rows an event touches and says which changed,
so the follower (applying a few committed events to rows read back from the tables) and the rebuild
(applying the whole log to empty rows) are the same code.

A **leg** is one ticket's visit to one service: leg 0 runs from the issue, each transfer ends the
current leg (outcome ``transferred``) and starts the next one in the new service. Its wait runs from
its arrival to its first call; its service time from ``started`` to ``completed`` (from the call when
the officer completed without starting). A **span** is an interval of an officer at a counter:
``open`` (signed in: opened → closed), ``paused`` (paused → resumed or closed) and ``busy`` (a call
→ the ticket's end there). A span still open at the end of its local day ends at midnight: a counter
nobody closed is closed by the next day's first operation, which must not count the night as work.

A ticket issued by a booking's check-in (its ``issued`` event names the ``booking``) makes a
**booked** leg: its wait runs from the time it joined the queue, the later of its check-in and its
session's start (queue_server/call_order.py), because a visitor who comes early for a session chose
that wait and the hall's queue did not impose it. A **booking** is one row per booking made (event
``booked``), ending ``checked_in`` (the ``issued`` event), ``cancelled`` or ``expired`` (no-show);
the log holds no code, name or phone of it, and neither do these rows.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..clock import iso

# What ends a ticket's leg, and the outcome it leaves.
ENDINGS = {"no_show": "no_show", "cancelled": "cancelled", "expired": "expired"}
# What ends the counter's busy span: the ticket left the counter.
BUSY_ENDS = ("completed", "no_show", "transferred", "cancelled", "expired")
OPEN_OUTCOMES = ("waiting", "called", "serving")
# What ends a booking that was still ``booked``, and the status it leaves.
BOOKING_ENDINGS = {"booking_cancelled": "cancelled", "booking_expired": "expired"}


@dataclass(frozen=True)
class Leg:
    ticket_id: str
    leg: int
    day: str
    service: str
    priority: str | None
    kiosk: str | None
    arrived_at: str
    hour: int
    weekday: int
    called_at: str | None = None
    wait_seconds: float | None = None
    counter_id: str | None = None
    officer_id: int | None = None
    started_at: str | None = None
    finished_at: str | None = None
    service_seconds: float | None = None
    outcome: str = "waiting"
    target_wait_minutes: float | None = None
    transferred_to: str | None = None
    booked: bool = False
    session_start: str | None = None
    checked_in_at: str | None = None

    @classmethod
    def of_row(cls, row: tuple) -> Leg:
        """A leg read back from ``report_legs`` (SQLite keeps ``booked`` as 0 or 1)."""
        leg = cls(*row)
        return replace(leg, booked=bool(leg.booked))

    def queue_start(self) -> str:
        """When the leg began to wait: a booked ticket's first leg at the later of its check-in and its session's start."""
        if self.leg == 0 and self.session_start and datetime.fromisoformat(self.session_start) > datetime.fromisoformat(self.arrived_at):
            return self.session_start
        return self.arrived_at


@dataclass(frozen=True)
class Span:
    officer_id: int | None
    counter_id: str
    day: str
    kind: str  # "open" | "paused" | "busy"
    reason: str | None
    start: str
    end: str | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.counter_id, self.kind, self.start)


@dataclass(frozen=True)
class Booking:
    """One booking, attributed to its session's local ``day`` and its service."""

    booking: int
    service: str
    day: str
    session: str
    session_start: str
    booked_at: str
    has_phone: bool
    status: str = "booked"
    checked_in_at: str | None = None
    ticket_id: str | None = None
    ended_at: str | None = None

    @classmethod
    def of_row(cls, row: tuple) -> Booking:
        booking = cls(*row)
        return replace(booking, has_phone=bool(booking.has_phone))


def booking_of(event: dict) -> int | None:
    """The booking an event is about: its own (``booked``, ``booking_cancelled``, ``booking_expired``)
    or the one a check-in's ``issued`` came from; None for every other event."""
    if event["kind"] not in ("issued", "booked", *BOOKING_ENDINGS):
        return None
    details = event["details"]
    if isinstance(details, str):
        details = json.loads(details)
    return details.get("booking")


def midnight_after(day: str, timezone: ZoneInfo) -> str:
    """The end of local ``day`` as the log writes times (ISO UTC), so that text order is time order."""
    return iso(datetime.combine(date.fromisoformat(day) + timedelta(days=1), time(), timezone))


def seconds_between(start: str, end: str) -> float:
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


class Facts:
    """The legs and spans still able to change (each ticket's latest leg, each counter's open spans),
    and what the events applied so far changed."""

    def __init__(self, timezone: ZoneInfo, target_of: Callable[[str], float | None]):
        """``target_of(service)``: the target wait for events recorded before the engine kept it."""
        self.timezone = timezone
        self.target_of = target_of
        self.legs: dict[str, Leg] = {}  # ticket id → its latest leg
        self.spans: dict[tuple[str, str], Span] = {}  # (counter, kind) → the open span
        self.changed_legs: dict[tuple[str, int], Leg] = {}
        self.changed_spans: dict[tuple[str, str, str], Span] = {}
        self.bookings: dict[int, Booking] = {}
        self.changed_bookings: dict[int, Booking] = {}

    def load(self, legs: Iterable[Leg], spans: Iterable[Span], bookings: Iterable[Booking] = ()) -> None:
        """Start from rows read back from the tables (the follower)."""
        for leg in legs:
            self.legs[leg.ticket_id] = leg
        for span in spans:
            self.spans[(span.counter_id, span.kind)] = span
        for booking in bookings:
            self.bookings[booking.booking] = booking

    def take_changes(self) -> tuple[list[Leg], list[Span], list[Booking]]:
        changes = list(self.changed_legs.values()), list(self.changed_spans.values()), list(self.changed_bookings.values())
        self.changed_legs, self.changed_spans, self.changed_bookings = {}, {}, {}
        return changes

    def apply(self, event: dict) -> None:
        """One event row of the log (``details`` as stored, JSON text or a dict)."""
        details = event["details"]
        if isinstance(details, str):
            details = json.loads(details)
        if event["ticket_id"]:
            self._ticket_event(event, details)
        if event["counter_id"]:
            self._counter_event(event, details)
        if details.get("booking") is not None:
            self._booking_event(event, details)

    # --- legs ---------------------------------------------------------------------------------
    def _put_leg(self, leg: Leg) -> None:
        self.legs[leg.ticket_id] = leg
        self.changed_legs[(leg.ticket_id, leg.leg)] = leg

    def _arrival(self, ticket_id: str, number: int, at: str, service: str, details: dict, before: Leg | None) -> Leg:
        local = datetime.fromisoformat(at).astimezone(self.timezone)
        target = details.get("target_wait_minutes")
        return Leg(
            ticket_id=ticket_id,
            leg=number,
            day=local.date().isoformat(),
            service=service,
            priority=before.priority if before else details.get("priority"),
            kiosk=before.kiosk if before else details.get("kiosk"),
            arrived_at=at,
            hour=local.hour,
            weekday=local.weekday(),
            target_wait_minutes=target if target is not None else self.target_of(service),
            booked=before.booked if before else details.get("booking") is not None,
            session_start=before.session_start if before else details.get("session_start"),
            checked_in_at=before.checked_in_at if before else details.get("checked_in_at"),
        )

    def _ticket_event(self, event: dict, details: dict) -> None:
        kind, at, ticket_id = event["kind"], event["at"], event["ticket_id"]
        if kind == "issued":
            self._put_leg(self._arrival(ticket_id, 0, at, details["service"], details, None))
            return
        leg = self.legs.get(ticket_id)
        if leg is None or leg.outcome not in OPEN_OUTCOMES:
            return  # a ticket issued before the log began, or an event after its end (none expected)
        if kind == "called" and leg.called_at is None:
            leg = replace(
                leg,
                called_at=at,
                wait_seconds=max(0.0, seconds_between(leg.queue_start(), at)),
                counter_id=event["counter_id"],
                officer_id=event["officer_id"],
                outcome="called",
            )
        elif kind == "started":
            leg = replace(leg, started_at=at, outcome="serving")
        elif kind == "completed":
            began = leg.started_at or leg.called_at
            leg = replace(leg, finished_at=at, outcome="served", service_seconds=seconds_between(began, at) if began else None)
        elif kind in ENDINGS:
            leg = replace(leg, finished_at=at, outcome=ENDINGS[kind])
        elif kind == "transferred":
            self._put_leg(replace(leg, finished_at=at, outcome="transferred", transferred_to=details["to_service"]))
            leg = self._arrival(ticket_id, leg.leg + 1, at, details["to_service"], details, leg)
        else:
            return
        self._put_leg(leg)

    # --- bookings -----------------------------------------------------------------------------
    def _put_booking(self, booking: Booking) -> None:
        self.bookings[booking.booking] = booking
        self.changed_bookings[booking.booking] = booking

    def _booking_event(self, event: dict, details: dict) -> None:
        kind, at, number = event["kind"], event["at"], details["booking"]
        if kind == "booked":
            self._put_booking(
                Booking(
                    booking=number,
                    service=details["service"],
                    day=details["day"],
                    session=details["session"],
                    session_start=details["session_start"],
                    booked_at=at,
                    has_phone=bool(details.get("has_phone")),
                )
            )
            return
        booking = self.bookings.get(number)
        if booking is None or booking.status != "booked":
            return  # a booking made before the log began, or an event after its end (none expected)
        if kind == "issued":
            self._put_booking(
                replace(
                    booking,
                    status="checked_in",
                    checked_in_at=details.get("checked_in_at") or at,
                    ticket_id=event["ticket_id"],
                    ended_at=at,
                )
            )
        elif kind in BOOKING_ENDINGS:
            self._put_booking(replace(booking, status=BOOKING_ENDINGS[kind], ended_at=at))

    # --- spans --------------------------------------------------------------------------------
    def _open_span(self, counter_id: str, kind: str, officer_id: int | None, at: str, reason: str | None = None) -> None:
        day = datetime.fromisoformat(at).astimezone(self.timezone).date().isoformat()
        span = Span(officer_id, counter_id, day, kind, reason, at)
        self.spans[(counter_id, kind)] = span
        self.changed_spans[span.key] = span

    def _end_span(self, counter_id: str, kind: str, at: str) -> None:
        span = self.spans.pop((counter_id, kind), None)
        if span is not None:
            ended = replace(span, end=min(at, midnight_after(span.day, self.timezone)))
            self.changed_spans[ended.key] = ended

    def _counter_event(self, event: dict, details: dict) -> None:
        kind, at, counter_id, officer_id = event["kind"], event["at"], event["counter_id"], event["officer_id"]
        signed_in = (counter_id, "open") in self.spans
        if kind == "opened" and not signed_in:
            self._open_span(counter_id, "open", officer_id, at)
        elif kind in ("paused", "resumed", "called") and not signed_in:
            self._open_span(counter_id, "open", officer_id, at)  # a counter at work without an ``opened`` (paused while closed)
        if kind == "paused":
            self._open_span(counter_id, "paused", officer_id, at, details.get("reason"))
        elif kind == "resumed":
            self._end_span(counter_id, "paused", at)
        elif kind == "called":
            self._end_span(counter_id, "busy", at)
            self._open_span(counter_id, "busy", officer_id, at)
        elif kind in BUSY_ENDS:
            self._end_span(counter_id, "busy", at)
        elif kind == "closed":
            for open_kind in ("busy", "paused", "open"):
                self._end_span(counter_id, open_kind, at)
