"""Taking a ticket, as the kiosk needs it: once per tap, only while it can be served, and printed.

- One tap = one ticket: the kiosk sends a ``request_id`` per tap and repeats it when it retries;
  the same id gives back the same ticket that day (also after a server restart: the ids are stored). Two
  requests with the same id at the same moment wait for each other in this process; in two server
  processes (``--workers``), the second's transaction finds the id taken and answers the first's ticket.
- Nothing is issued while queue_server/availability.py says the service cannot issue (a holiday,
  outside its hours or past its cut-off, its daily quota reached, no counter of it open or expected),
  whatever the channel (kiosk, phone, script), except a ticket an officer makes at a desk (checked
  inside the ticket's transaction, under the write lock: no race with a counter closing, and two
  kiosks cannot both take the last ticket of a quota). Who may issue at all, and
  how many, is queue_server/issuing_access.py.
- The print job and the request id are written in the ticket's own transaction (the engine's
  ``along`` hook): one durable commit, never a ticket without its job. The response does not wait
  for the printer.
- A booked visitor checking in (``check_in``, queue_server/booking/) takes the same path, printed
  alike, but not the walk-in rules: their place was a session's, and their ticket is not counted
  against ``daily_quota``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from antre.printer.service import Printing
from antre.queue_server import availability
from antre.queue_server.availability import Refusal
from antre.queue_server.clock import iso
from antre.queue_server.config import PRIORITY_CATEGORIES
from antre.queue_server.engine import BookedVisit, Conflict, Engine, InvalidInput
from antre.queue_server.issuing_access import AnonymousLimit, Channel
from antre.queue_server.store import Tx

REQUEST_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")  # fullmatch: "$" would let a trailing newline through
# A refusal's error code and message; "conflict" for the reasons that answered it before the calendar.
REFUSALS = {
    availability.HOLIDAY: ("holiday", "error.holiday"),
    availability.CLOSED_TODAY: ("conflict", "error.closed_today"),
    availability.OUTSIDE_HOURS: ("conflict", "error.closed"),
    availability.CUTOFF: ("cutoff", "error.cutoff"),
    availability.QUOTA_REACHED: ("quota_reached", "error.quota_reached"),
    availability.NO_COUNTER: ("conflict", "error.no_counter_open"),
}


class Unavailable(Conflict):
    """409 with the refusal's own error code, so a script can tell a quota from a holiday."""

    status = 409

    def __init__(self, code: str, key: str, **params: Any):
        super().__init__(key, **params)
        self.code = code


class _TappedElsewhere(Exception):
    """The same tap's ticket was issued meanwhile through another server process: rolls this one back."""

    def __init__(self, ticket_id: str):
        super().__init__(ticket_id)
        self.ticket_id = ticket_id


class Issuer:
    def __init__(self, engine: Engine, printing: Printing):
        self.engine = engine
        self.printing = printing
        self.anonymous = AnonymousLimit(engine.hall.issuing, engine)
        self._busy: set[str] = set()
        self._forgotten_before: str | None = None  # request ids older than this are deleted
        self._changed = threading.Condition()

    def issue(
        self, service: Any, priority: Any, channel: Channel, lang: Any, request_id: Any, track_url_base: str
    ) -> tuple[dict, dict | None, bool]:
        """(ticket, its print job or None, True if this request made it / False if an earlier one did)."""
        if request_id is not None and (not isinstance(request_id, str) or not REQUEST_ID.fullmatch(request_id)):
            raise InvalidInput("error.request_id", "request_id")
        if request_id is None:
            return self._counted(service, priority, channel, lang, None, track_url_base)
        with self._held(request_id):
            with self.engine.store.read() as tx:
                earlier = tx.issued_for_request(request_id, since=self._today_began())
            if earlier is None:
                try:
                    return self._counted(service, priority, channel, lang, request_id, track_url_base)
                except _TappedElsewhere as tapped:  # outside the anonymous allowance: a replay costs none
                    earlier = tapped.ticket_id
            return self.engine.ticket(earlier), self.printing.latest(earlier), False

    def _counted(
        self, service: Any, priority: Any, channel: Channel, lang: Any, request_id: str | None, base: str
    ) -> tuple[dict, dict | None, bool]:
        """A new ticket; an anonymous one within the address's and the day's allowance (a replay above costs none)."""
        if channel.address is None:
            return self._issue(service, priority, channel, lang, request_id, base)
        with self.anonymous.slot(channel.address):
            return self._issue(service, priority, channel, lang, request_id, base)

    def check_in(
        self, booked: BookedVisit, service: str, priority: Any, channel: Channel, lang: Any, base: str, along: Callable[[Tx, dict], None]
    ) -> tuple[dict, dict | None]:
        """A booked visitor's ticket (queue_server/booking/desk.py writes the check-in with ``along``),
        printed on the kiosk's printer like any kiosk ticket. The walk-in rules (hours, cut-off,
        ``daily_quota``, an open counter) do not apply: the booking took its place in a session."""
        ticket, job, _ = self._issue(service, priority, channel, lang, None, base, booked, along)
        return ticket, job

    def _issue(
        self,
        service: Any,
        priority: Any,
        channel: Channel,
        lang: Any,
        request_id: str | None,
        base: str,
        booked: BookedVisit | None = None,
        also: Callable[[Tx, dict], None] | None = None,
    ) -> tuple[dict, dict | None, bool]:
        ruled = not channel.desk and booked is None
        kiosk = channel.kiosk
        if not channel.desk:
            self._refuse_category_not_offered(priority)
        if ruled and isinstance(service, str) and service in self.engine.hall.services:  # the calendar refuses before the write lock
            self._refuse(availability.calendar(self.engine.hall, service, self.engine.clock()), service)
        stored: list[dict] = []

        def along(tx: Tx, ticket: dict) -> None:
            if request_id is not None and (earlier := tx.issued_for_request(request_id, since=self._today_began())) is not None:
                raise _TappedElsewhere(earlier)
            if ruled:  # a refusal rolls the ticket back: nothing is issued
                before = tx.issued_counts(ticket["day"]).get(service, 1) - 1  # this ticket is counted already
                self._refuse(availability.unavailable(self.engine.hall, service, tx.counter_states(), self.engine.clock(), before), service)
            if also is not None:
                also(tx, ticket)
            if request_id is not None:
                self._forget_earlier_days(tx)
                tx.add_issue_request(request_id, ticket["id"], ticket["issued_at"])
            job = self.printing.new_job(ticket["id"], kiosk, f"{base}/t/{ticket['id']}", lang)
            if job is not None:
                stored.append(tx.add_print_job(job))

        ticket = self.engine.issue(service, priority, kiosk, lang, channel.officer_id, along=along, booked=booked)
        job = stored[0] if stored else None
        if job is not None:
            self.printing.submitted(job, ticket)
        return ticket, job, True

    def _today_began(self) -> str:
        """Request ids last the local day, as its tickets do: a retry after midnight is a new tap for
        a new ticket, not yesterday's expired one."""
        return iso(self.engine.day_began())

    def _forget_earlier_days(self, tx: Tx) -> None:
        """Delete the request ids of earlier days, once a day: they answer nothing any more."""
        today = self._today_began()
        if self._forgotten_before != today:
            tx.forget_issue_requests(before=today)
            self._forgotten_before = today

    def _refuse(self, why: Refusal | None, service: str) -> None:
        """What the kiosk page shows as unavailable, refused here too: a stale page issues nothing.
        Checked inside the ticket's transaction, after the day roll that closes yesterday's counters,
        so a counter closing meanwhile cannot slip a ticket through."""
        if why is not None:
            code, key = REFUSALS[why.code]
            raise Unavailable(code, key, service=service, **why.details)

    def _refuse_category_not_offered(self, priority: Any) -> None:
        """A kiosk offers the categories the hall chose (``kiosk_priority_categories``); a client that
        sends another is refused as the kiosk would. An officer at a desk may issue any category."""
        offered = self.engine.hall.kiosk_priority_categories
        if isinstance(priority, str) and priority in PRIORITY_CATEGORIES and priority not in offered:
            raise InvalidInput("error.priority_not_offered", "priority", category=priority, offered=", ".join(offered) or "-")

    @contextmanager
    def _held(self, request_id: str) -> Iterator[None]:
        with self._changed:
            while request_id in self._busy:
                self._changed.wait()
            self._busy.add(request_id)
        try:
            yield
        finally:
            with self._changed:
                self._busy.discard(request_id)
                self._changed.notify_all()
