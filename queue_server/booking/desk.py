"""The booking desk: a service's sessions with places left, booking one, following and cancelling a
booking by its code, and checking in at the kiosk into the one fair queue.

The rules live here, the SQL in ``store``, the HTTP in queue_server/booking_api.py:

- A service is bookable when its config has ``booking`` sessions. A day may be booked from today up
  to ``booking.days_ahead`` days ahead (today included), unless the calendar closes it (a holiday of
  the hall or the agency, a weekday the service's hours mark closed). A session that has ended is
  not bookable; one under way still is, until it ends.
- Each session has its own ``places``, separate from the walk-in ``daily_quota``; places are counted
  in the same write transaction as the insert, so concurrent bookings never overbook. A cancelled
  booking gives its place back; an expired one does not (its session is over).
- A booking names the visitor as they want to be called (2–60 characters) and optionally a phone
  number (normalised to ``+62…``). One phone may hold one active booking per service and day, and
  make at most ``PHONE_PER_DAY`` bookings in any 24 hours.
- Check-in (a kiosk or an officer) issues a ticket that joins the queue at the later of the check-in
  and the session's start (queue_server/engine.py ``BookedVisit``): a booked visitor waits behind no
  walk-in who came later, and passes no one already waiting before their session began. It is only
  possible on the booking's day, while ``booked``, until the session's end plus ``grace_minutes``;
  after that the booking is ``expired`` (the sweep marks it, the check-in refuses it either way).
- Codes (queue_server/codes.py ``BOOKINGS``) are the only key to a booking: a wrong one is refused
  like a malformed one, and an address that misses ``MISSES_PER_HOUR`` times an hour must wait.
- The event log gets ``booked``, ``booking_cancelled``, ``booking_expired`` and the check-in's
  ``issued`` (with the booking's id): never a code, a name or a phone number.
"""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from ..accounts import Throttled
from ..availability import holiday, hours_on
from ..clock import Clock, iso
from ..codes import BOOKINGS
from ..config import BookingSession, HallConfig, Service
from ..engine import BookedVisit, Conflict, Engine, Event, InvalidInput, NotFound
from ..i18n import LANGUAGES, gettext
from ..issuing_access import Channel
from ..ratelimit import SlidingWindow
from ..roles import is_hall_admin, require_admin, require_agency
from ..store import Store, Tx
from . import store as sql
from .store import BOOKED, CANCELLED, CHECKED_IN, EXPIRED

if TYPE_CHECKING:
    from ..issuing import Issuer

FIELDS = ("service", "date", "session", "name", "phone", "lang")
CHECK_IN_FIELDS = ("priority", "lang")
NAME_LENGTH = (2, 60)
PHONE = re.compile(r"(?:\+?62|0)(8[0-9]{8,12})")  # after the country code: 9–13 digits, a mobile's 8 first
PHONE_PER_DAY = 5  # bookings one phone number may make in any 24 hours, across services
MISSES_PER_HOUR = 30  # unknown codes one address may try in an hour (looking up, cancelling, checking in)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


class BookingRefused(Conflict):
    """409 with its own error code (``full``, ``holiday``, ``booking_expired``, …), so a page can say
    exactly why."""

    status = 409

    def __init__(self, code: str, key: str, **params: Any):
        super().__init__(key, **params)
        self.code = code


@dataclass(frozen=True)
class Slot:
    """One session of one service on one day, in the hall's time."""

    session: BookingSession
    start: datetime
    end: datetime


class Bookings:
    def __init__(self, store: Store, engine: Engine, config: HallConfig, clock: Clock, issuer: Issuer | None = None):
        """``issuer``: the kiosk's issuing path, so a check-in is printed like a kiosk ticket; without
        one (the command line) the ticket is issued unprinted."""
        self.store = store
        self.engine = engine
        self.config = config
        self.clock = clock
        self.issuer = issuer
        self._addresses = SlidingWindow(config.booking.per_address_per_hour, HOUR, clock, "error.booking_rate")
        self._misses = SlidingWindow(MISSES_PER_HOUR, HOUR, clock, "error.booking_lookup_rate")

    def reconfigure(self, config: HallConfig) -> None:
        self.config = config
        self._addresses.limit = config.booking.per_address_per_hour

    # --- sessions ---------------------------------------------------------------------------
    def sessions(self, service: Any, day_text: Any, lang: str) -> dict[str, Any]:
        """A service's sessions on a day with the places left; ``closed`` says why the day cannot be
        booked (None when it can). A service without booking has no sessions."""
        own = self._service(service, NotFound)
        day = self._day(day_text)
        closed = self._closed(own.code, day, lang)
        with self.store.read() as tx:
            taken = sql.taken(tx, own.code, day.isoformat())
        now = self.clock()
        rows = [
            {
                "session": slot.session.label,
                "start": iso(slot.start),
                "end": iso(slot.end),
                "places": slot.session.places,
                "places_left": left,
                "bookable": closed is None and left > 0 and now < slot.end,
            }
            for slot, left in self._places(own, day, taken)
        ]
        return {"service": own.code, "date": day.isoformat(), "closed": closed, "sessions": rows}

    # --- booking ----------------------------------------------------------------------------
    def book(self, body: dict[str, Any], address: str | None) -> dict[str, Any]:
        """Store a booking; nothing is stored, and no allowance taken, when anything is refused."""
        own = self._service(body.get("service"), InvalidInput)
        if own.booking is None:
            raise InvalidInput("error.booking_not_bookable", "service", service=own.code)
        day = self._day(body.get("date"))
        slot = self._slot(own, day, body.get("session"))
        name = _name(body.get("name"))
        phone = _phone(body.get("phone"))
        lang = body.get("lang", self.config.language)
        if lang not in LANGUAGES:
            raise InvalidInput("error.lang", "lang", langs=", ".join(LANGUAGES))
        if self._closed(own.code, day, lang) is not None:
            raise BookingRefused("holiday", "error.booking_closed_day", date=day.isoformat())
        now = self.clock()
        if now >= slot.end:
            raise BookingRefused("session_over", "error.booking_session_over", session=slot.session.label)
        booking = {
            "service": own.code,
            "day": day.isoformat(),
            "session": slot.session.label,
            "session_start": iso(slot.start),
            "session_end": iso(slot.end),
            "name": name,
            "phone": phone,
            "lang": lang,
            "status": BOOKED,
            "created_at": iso(now),
        }
        with self._addresses.slot(address):
            event = self._insert(booking, slot, now)
        self.engine.publish([event])
        return self._public(booking)

    def _insert(self, booking: dict[str, Any], slot: Slot, now: datetime) -> Event:
        """Count the places and the phone's bookings and insert, under one write lock."""
        try:
            with self.store.write() as tx:
                if sql.taken(tx, booking["service"], booking["day"]).get(booking["session"], 0) >= slot.session.places:
                    raise BookingRefused("full", "error.booking_full", session=booking["session"])
                phone = booking["phone"]
                if phone is not None:
                    if sql.phone_active(tx, phone, booking["service"], booking["day"]):
                        raise BookingRefused("phone_has_booking", "error.booking_phone_has_booking")
                    if sql.phone_count_since(tx, phone, iso(now - DAY)) >= PHONE_PER_DAY:
                        raise Throttled("error.booking_phone_rate", num=PHONE_PER_DAY)
                booking["code"] = self._free_code(tx)
                booking["id"] = sql.insert(tx, booking)
                return _record(
                    tx,
                    booking["created_at"],
                    "booked",
                    booking=booking["id"],
                    service=booking["service"],
                    day=booking["day"],
                    session=booking["session"],
                    session_start=booking["session_start"],
                    lang=booking["lang"],
                    has_phone=phone is not None,
                )
        except sqlite3.IntegrityError as error:  # the partial UNIQUE index: a concurrent booking of this phone
            if "phone" not in str(error):
                raise
            raise BookingRefused("phone_has_booking", "error.booking_phone_has_booking") from error

    # --- following, cancelling --------------------------------------------------------------
    def get(self, typed_code: Any, address: str | None) -> dict[str, Any]:
        """The booking as its holder sees it, with its ticket once checked in."""
        return self._public(self._find(typed_code, address))

    def cancel(self, typed_code: Any, address: str | None) -> dict[str, Any]:
        """The visitor gives their place back, while the booking is still ``booked``."""
        booking = self._find(typed_code, address)
        now = iso(self.clock())
        with self.store.write() as tx:
            current = sql.by_id(tx, booking["id"])
            _refuse_unless_booked(current)
            sql.update(tx, current["id"], status=CANCELLED, ended_at=now)
            event = _record(tx, now, "booking_cancelled", booking=current["id"])
            current.update(status=CANCELLED, ended_at=now)
        self.engine.publish([event])
        return self._public(current)

    # --- check-in ---------------------------------------------------------------------------
    def check_in(self, typed_code: Any, channel: Channel, priority: Any, lang: Any, base: str) -> tuple[dict, dict | None]:
        """The ticket of a booked visitor at the kiosk (or an officer's desk), and its print job.

        Checked before the write lock and again inside the ticket's transaction, where the booking
        becomes ``checked_in`` with the ticket: a ticket is never issued for a booking twice."""
        booking = self._find(typed_code, channel.address)
        lang = booking["lang"] if lang is None else lang
        self._refuse_check_in(booking)
        start = datetime.fromisoformat(booking["session_start"])

        def along(tx: Tx, ticket: dict) -> None:
            current = sql.by_id(tx, booking["id"])
            self._refuse_check_in(current)
            sql.update(tx, current["id"], status=CHECKED_IN, checked_in_at=ticket["issued_at"], ticket_id=ticket["id"])

        booked = BookedVisit(booking["id"], start)
        if self.issuer is None:
            ticket = self.engine.issue(booking["service"], priority, channel.kiosk, lang, channel.officer_id, along=along, booked=booked)
            return ticket, None
        return self.issuer.check_in(booked, booking["service"], priority, channel, lang, base, along)

    def _refuse_check_in(self, booking: dict) -> None:
        _refuse_unless_booked(booking)
        if self.clock() >= self._expires_at(booking):  # a past day's booking too, sweep or no sweep
            raise BookingRefused("booking_expired", "error.booking_expired")
        if booking["day"] != self.engine.today():
            raise BookingRefused("not_today", "error.booking_not_today", date=booking["day"])

    # --- the sweep --------------------------------------------------------------------------
    def expire_due(self) -> int:
        """Mark ``expired`` the bookings not checked in by their session's end plus the grace time,
        and blank the name and phone of bookings older than ``booking.keep_days``; how many expired."""
        now = self.clock()
        with self.store.read() as tx:
            due = [b for b in sql.booked_ending_before(tx, iso(now)) if now >= self._expires_at(b)]
        events = []
        forget_before = (now.astimezone(self.config.timezone).date() - timedelta(days=self.config.booking.keep_days)).isoformat()
        with self.store.write() as tx:
            for booking in due:
                if sql.by_id(tx, booking["id"])["status"] == BOOKED:
                    sql.update(tx, booking["id"], status=EXPIRED, ended_at=iso(now))
                    events.append(_record(tx, iso(now), "booking_expired", booking=booking["id"]))
            sql.forget_before(tx, forget_before)
        self.engine.publish(events)
        return len(events)

    def _expires_at(self, booking: dict) -> datetime:
        own = self.config.services.get(booking["service"])
        grace = own.booking.grace_minutes if own is not None and own.booking is not None else 0
        return datetime.fromisoformat(booking["session_end"]) + timedelta(minutes=grace)

    # --- staff ------------------------------------------------------------------------------
    def listing(self, officer: dict, day_text: Any, service: Any) -> dict[str, Any]:
        """A day's bookings per service and session, for the staff page: a hall admin sees every
        service's, an agency admin their agency's."""
        require_admin(officer)
        day = _parse_day(day_text) if day_text else self.clock().astimezone(self.config.timezone).date()
        if service:
            own = self._service(service, InvalidInput)
            require_agency(officer, own.agency)
            codes = [own.code]
        else:
            codes = [
                s.code for s in self.config.services.values() if s.booking and (is_hall_admin(officer) or s.agency == officer.get("agency"))
            ]
        with self.store.read() as tx:
            rows = sql.of_day(tx, day.isoformat(), codes)
        services = []
        for code in codes:
            own = self.config.services[code]
            mine = [r for r in rows if r["service"] == code]
            taken = Counter(r["session"] for r in mine if r["status"] != CANCELLED)
            sessions = [
                {
                    "session": slot.session.label,
                    "places": slot.session.places,
                    "places_left": left,
                    "bookings": [_staff_view(r) for r in mine if r["session"] == slot.session.label],
                }
                for slot, left in self._places(own, day, taken)
            ]
            services.append({"service": code, "service_name": own.name, "agency": own.agency, "sessions": sessions})
        return {"date": day.isoformat(), "services": services}

    # --- shared -----------------------------------------------------------------------------
    def _service(self, code: Any, error: Callable[..., Exception]) -> Service:
        own = self.config.services.get(code) if isinstance(code, str) else None
        if own is None:
            raise error("error.booking_unknown_service", "service", service=str(code)[:20])
        return own

    def _day(self, text: Any) -> date:
        """A bookable day: from today to ``booking.days_ahead`` days ahead (today counted)."""
        day = _parse_day(text)
        today = self.clock().astimezone(self.config.timezone).date()
        ahead = self.config.booking.days_ahead
        if not today <= day < today + timedelta(days=ahead):
            raise InvalidInput("error.booking_date", "date", days=ahead)
        return day

    def _slots(self, own: Service, day: date) -> list[Slot]:
        tz = self.config.timezone
        sessions = own.booking.sessions if own.booking else ()
        return [Slot(s, datetime.combine(day, s.start, tz), datetime.combine(day, s.end, tz)) for s in sessions]

    def _places(self, own: Service, day: date, taken: Mapping[str, int]) -> list[tuple[Slot, int]]:
        """Each session of the day with its places left, ``taken`` counting every booking but a
        cancelled one per session (store.taken)."""
        return [(slot, max(0, slot.session.places - taken.get(slot.session.label, 0))) for slot in self._slots(own, day)]

    def _slot(self, own: Service, day: date, label: Any) -> Slot:
        slot = next((s for s in self._slots(own, day) if s.session.label == label), None)
        if slot is None:
            raise InvalidInput("error.booking_session", "session", sessions=", ".join(s.label for s in own.booking.sessions))
        return slot

    def _closed(self, service: str, day: date, lang: str) -> str | None:
        """Why the calendar closes the service on ``day`` (a holiday's reason, or that its hours mark
        the weekday closed), in ``lang``; None on a day it opens."""
        reason = holiday(self.config, service, day)
        if reason is None and hours_on(self.config, service, day) is None:
            reason = gettext(lang, "booking.closed_weekday")
        return reason

    def _free_code(self, tx: Tx) -> str:
        """A code no booking has (a repeat among 2⁵⁰ is all but impossible, but cheap to rule out)."""
        while True:
            code = BOOKINGS.new()
            if not sql.code_taken(tx, code):
                return code

    def _find(self, typed_code: Any, address: str | None) -> dict:
        """The booking of a typed code. An address that missed too often is refused before looking,
        so guessing costs; a malformed code is not found, exactly as an unknown one."""
        if address is not None:
            self._misses.refuse_if_full(address)
        code = BOOKINGS.stored(typed_code) if isinstance(typed_code, str) else None
        with self.store.read() as tx:
            booking = sql.by_code(tx, code) if code else None
        if booking is None:
            if address is not None:
                self._misses.take(address)
            raise NotFound("error.booking_unknown", "code")
        return booking

    def _public(self, booking: dict) -> dict[str, Any]:
        """What the code's holder may read: never the phone number (only whether one was given)."""
        own = self.config.services.get(booking["service"])
        shown = BOOKINGS.shown(booking["code"])
        ticket = None
        if booking.get("ticket_id"):
            with self.store.read() as tx:
                row = tx.ticket(booking["ticket_id"])
            if row is not None:
                ticket = {"id": row["id"], "number": row["number"], "track_url": f"/t/{row['id']}"}
        return {
            "code": shown,
            "service": booking["service"],
            "service_name": own.name if own else booking["service"],
            "agency": own.agency if own else None,
            "agency_name": self.config.agency(own.agency).name if own else None,
            "date": booking["day"],
            "session": booking["session"],
            "session_start": booking["session_start"],
            "session_end": booking["session_end"],
            "name": booking["name"],
            "has_phone": booking["phone"] is not None,
            "lang": booking["lang"],
            "status": booking["status"],
            "checked_in_at": booking.get("checked_in_at"),
            "requirements": list(own.requirements) if own else [],
            "fee": own.fee if own else "",
            "booking_url": f"/booking/{shown}",
            "cancel_url": f"/api/v1/bookings/{shown}/cancel",
            "ticket": ticket,
        }


def _refuse_unless_booked(booking: dict) -> None:
    status = booking["status"]
    if status == CANCELLED:
        raise BookingRefused("booking_cancelled", "error.booking_cancelled")
    if status == EXPIRED:
        raise BookingRefused("booking_expired", "error.booking_expired")
    if status == CHECKED_IN:
        raise BookingRefused("already_checked_in", "error.booking_already_checked_in")


def _record(tx: Tx, at: str, kind: str, **details: Any) -> Event:
    """Append a booking's event to the log (published by the caller after the commit)."""
    return Event(tx.add_event(at, kind, None, None, None, details), kind, at, None, None, None, details)


def _staff_view(booking: dict) -> dict[str, Any]:
    keys = ("status", "name", "phone", "created_at", "checked_in_at", "ticket_id")
    return {"code": BOOKINGS.shown(booking["code"]), **{k: booking[k] for k in keys}}


def _parse_day(text: Any) -> date:
    """A ``YYYY-MM-DD`` date, or InvalidInput naming ``date``."""
    try:
        if isinstance(text, str) and len(text) == 10:
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise InvalidInput("error.booking_date_format", "date")


def _name(value: Any) -> str:
    shortest, longest = NAME_LENGTH
    if not isinstance(value, str) or not shortest <= len(value.strip()) <= longest or not value.strip().isprintable():
        raise InvalidInput("error.booking_name", "name", min=shortest, max=longest)
    return value.strip()


def _phone(value: Any) -> str | None:
    """``+62…`` from ``08…``, ``62…`` or ``+62…`` (spaces and dashes ignored); None when not given."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    match = PHONE.fullmatch(re.sub(r"[\s.-]", "", value)) if isinstance(value, str) and len(value) <= 30 else None
    if match is None:
        raise InvalidInput("error.booking_phone", "phone")
    return f"+62{match.group(1)}"
