"""The complaints desk: filing a complaint, following it by its code, and staff's handling of it.

The rules live here, the SQL in ``store``, the HTTP in queue_server/complaints_api.py:

- A complaint says what happened (10–2,000 characters), where and when (≤ 500), optionally the remedy
  asked (≤ 1,000) and a contact (≤ 200), and may ask that the complainant's identity be kept
  confidential (UU 25/2009 Pasal 39). It may name the agency or service it is about, or the ticket
  it was filed from (then the ticket's service and agency are the default).
- It gets a tracking code (queue_server/codes.py) and a due day: ``complaints.response_days`` working days after
  the day it was filed. A working day is a weekday (Monday to Friday: the civil service's *hari
  kerja*) on which the hall's calendar opens (not one of its ``closed_days``, not a weekday its
  ``weekly_hours`` mark closed). After its due day an unfinished complaint is overdue.
- Status: ``baru`` (new) → ``diproses`` (in progress) → ``selesai`` (done, which needs an answer),
  and back to ``diproses`` when reopened; every change is kept with the officer who made it.
- Who handles what (queue_server/roles.py): a hall admin every complaint, and alone assigns one to an
  agency; an agency admin their agency's. A confidential complaint's contact and ticket are shown
  only to hall admins, and no complaint's contact or ticket is ever shown to the public.
- Flooding: ``complaints.per_address_per_hour`` per client address (a kiosk, the hall's own device
  in view of its staff, is not counted), ``complaints.per_ticket`` in all from one ticket.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from ..accounts import Throttled
from ..availability import holiday, hours_on
from ..clock import Clock, iso
from ..config import HallConfig
from ..engine import Conflict, InvalidInput, NotFound
from ..ratelimit import SlidingWindow
from ..roles import is_hall_admin, require_admin, require_agency, require_hall_admin
from ..store import Store
from . import store as sql
from .codes import new_code, shown, stored

NEW, IN_PROGRESS, DONE = "baru", "diproses", "selesai"
STATUSES = (NEW, IN_PROGRESS, DONE)
STEPS = {NEW: {IN_PROGRESS, DONE}, IN_PROGRESS: {DONE}, DONE: {IN_PROGRESS}}  # where each status may go
CHANNELS = ("phone", "kiosk", "web")
FIELDS = ("what", "where_when", "remedy", "contact", "confidential", "agency", "service", "ticket")
CHANGES = ("status", "answer", "agency", "note")
# Each text field: (required, shortest, longest) in characters, after trimming spaces.
TEXTS = {"what": (True, 10, 2000), "where_when": (True, 1, 500), "remedy": (False, 1, 1000), "contact": (False, 1, 200)}
ANSWER_MAX = 2000
NOTE_MAX = 1000
HOUR = timedelta(hours=1)


class ComplaintsDisabled(Conflict):
    code = "complaints_disabled"
    status = 409


@dataclass(frozen=True)
class Origin:
    """Where a complaint comes from: its channel, and the client the per-address limit counts
    (None for a kiosk)."""

    channel: str
    address: str | None


def working_day(config: HallConfig, day: date) -> bool:
    return day.weekday() < 5 and holiday(config, None, day) is None and hours_on(config, None, day) is not None


def due_day(config: HallConfig, filed: date, working_days: int) -> date:
    """The ``working_days``-th working day after ``filed``."""
    day, left = filed, working_days
    while left:
        day += timedelta(days=1)
        left -= working_day(config, day)
    return day


class Complaints:
    def __init__(self, store: Store, config: HallConfig, clock: Clock):
        self.store = store
        self.config = config
        self.clock = clock
        self._addresses = SlidingWindow(config.complaints.per_address_per_hour, HOUR, clock, "error.complaint_rate")

    def reconfigure(self, config: HallConfig) -> None:
        self.config = config
        self._addresses.limit = config.complaints.per_address_per_hour

    # --- the public -------------------------------------------------------------------------
    def file(self, body: dict[str, Any], origin: Origin) -> dict[str, Any]:
        """Store a complaint; returns ``{code, status, due_day}``. Nothing is stored, and no
        allowance taken, when anything is refused."""
        settings = self.config.complaints
        if not settings.enabled:
            raise ComplaintsDisabled("error.complaints_disabled")
        if origin.channel not in CHANNELS:
            raise ValueError(f"unknown channel {origin.channel!r}")
        now = self.clock()
        with self.store.read() as tx:
            complaint = self._validated(tx, body)
        filed = now.astimezone(self.config.timezone).date()
        complaint.update(
            filed_at=iso(now),
            updated_at=iso(now),
            channel=origin.channel,
            status=NEW,
            due_day=due_day(self.config, filed, settings.response_days).isoformat(),
        )
        with self._addresses.slot(origin.address), self.store.write() as tx:
            ticket = complaint["ticket_id"]
            if ticket is not None and sql.count_for_ticket(tx, ticket) >= settings.per_ticket:
                raise Throttled("error.complaint_per_ticket", num=settings.per_ticket)
            complaint["code"] = self._free_code(tx)
            sql.insert(tx, complaint)
        return {"code": shown(complaint["code"]), "status": NEW, "due_day": complaint["due_day"]}

    def public(self, typed_code: str) -> dict[str, Any]:
        """What anyone holding the code may read: never the complainant's contact or ticket."""
        complaint = self._find(typed_code)
        keys = ("status", "filed_at", "due_day", "answer", "answered_at", "agency")
        return {"code": shown(complaint["code"]), **{k: complaint[k] for k in keys}, "overdue": self._overdue(complaint)}

    # --- staff ------------------------------------------------------------------------------
    def listing(self, officer: dict, agency: str | None = None, status: str | None = None, overdue: bool = False) -> dict[str, Any]:
        """The complaints this officer handles (optionally of one agency, one status, or only the
        overdue ones), with the count of open and overdue ones among all they handle."""
        require_admin(officer)
        if status is not None and status not in STATUSES:
            raise InvalidInput("error.complaint_status", "status", statuses=", ".join(STATUSES))
        if agency is not None and agency not in self.config.agencies:
            raise InvalidInput("error.complaint_agency", "agency")
        scope = None if is_hall_admin(officer) else [officer.get("agency")]
        if agency is not None:
            require_agency(officer, agency)
        today = self._today()
        with self.store.read() as tx:
            rows = sql.listing(tx, [agency] if agency else scope, status, today if overdue else None)
            counts = sql.open_counts(tx, scope, today)
        return {"complaints": [self._staff_view(officer, row) for row in rows], **counts}

    def detail(self, officer: dict, typed_code: str) -> dict[str, Any]:
        """One complaint as staff see it, with its changes."""
        complaint = self._handled(officer, typed_code)
        with self.store.read() as tx:
            changes = sql.updates(tx, complaint["id"])
        return {**self._staff_view(officer, complaint), "updates": changes}

    def change(self, officer: dict, typed_code: str, body: dict[str, Any]) -> dict[str, Any]:
        """Staff's change: ``status``, ``answer``, ``agency`` (hall admins only), with a ``note``."""
        complaint = self._handled(officer, typed_code)
        if "agency" not in body and not any(body.get(name) is not None for name in CHANGES):
            raise InvalidInput("error.complaint_nothing", "body")
        fields = self._changes(officer, complaint, body)
        note = _text(body, "note", False, 1, NOTE_MAX)
        now = iso(self.clock())
        with self.store.write() as tx:
            current = sql.by_code(tx, complaint["code"])
            if fields.get("status", current["status"]) == DONE and not (fields.get("answer") or current["answer"]):
                raise InvalidInput("error.complaint_answer_first", "answer")
            if "answer" in fields:
                fields["answered_at"] = now
            sql.update(tx, current["id"], **fields, updated_at=now)
            changed = [name for name in ("status", "answer", "agency") if name in fields]
            sql.add_update(tx, current["id"], now, officer["id"], fields.get("status", current["status"]), changed, note)
        return self.detail(officer, complaint["code"])

    def _changes(self, officer: dict, complaint: dict, body: dict[str, Any]) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        if "agency" in body:
            require_hall_admin(officer)
            agency = body["agency"]
            if agency is not None and agency not in self.config.agencies:
                raise InvalidInput("error.complaint_agency", "agency")
            if agency != complaint["agency"]:
                fields["agency"] = agency
        status = body.get("status")
        if status is not None and status != complaint["status"]:
            if status not in STATUSES:
                raise InvalidInput("error.complaint_status", "status", statuses=", ".join(STATUSES))
            if status not in STEPS[complaint["status"]]:
                raise InvalidInput("error.complaint_step", "status", old=complaint["status"], new=status)
            fields["status"] = status
        answer = _text(body, "answer", False, 1, ANSWER_MAX)
        if answer is not None:
            fields["answer"] = answer
        return fields

    # --- shared -----------------------------------------------------------------------------
    def _validated(self, tx: Any, body: dict[str, Any]) -> dict[str, Any]:
        """The complaint's columns from the body, or InvalidInput naming the first bad field."""
        complaint: dict[str, Any] = {name: _text(body, name, *limits) for name, limits in TEXTS.items()}
        confidential = body.get("confidential", False)
        if not isinstance(confidential, bool):
            raise InvalidInput("error.complaint_confidential", "confidential")
        complaint["confidential"] = int(confidential)
        agency, service, ticket_id = self._subject(tx, body)
        return {**complaint, "agency": agency, "service": service, "ticket_id": ticket_id}

    def _subject(self, tx: Any, body: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
        """The agency, service and ticket a complaint is about; a ticket's own are the default."""
        agency, service, ticket_id = body.get("agency"), body.get("service"), body.get("ticket")
        if agency is not None and (not isinstance(agency, str) or agency not in self.config.agencies):
            raise InvalidInput("error.complaint_agency", "agency")
        if service is not None and (not isinstance(service, str) or service not in self.config.services):
            raise InvalidInput("error.complaint_service", "service")
        if ticket_id is not None:
            ticket = tx.ticket(ticket_id) if isinstance(ticket_id, str) else None
            if ticket is None:
                raise InvalidInput("error.complaint_ticket", "ticket")
            service = service or (ticket["service"] if ticket["service"] in self.config.services else None)
        if service is not None:
            own = self.config.services[service].agency
            if agency is not None and agency != own:
                raise InvalidInput("error.complaint_service", "service")
            agency = own
        return agency, service, ticket_id

    def _free_code(self, tx: Any) -> str:
        """A code no complaint has (a repeat among 2⁵⁰ is all but impossible, but cheap to rule out)."""
        while True:
            code = new_code()
            if not sql.code_taken(tx, code):
                return code

    def _find(self, typed_code: Any) -> dict:
        """The complaint of a typed code; a malformed code is not found, exactly as an unknown one."""
        code = stored(typed_code) if isinstance(typed_code, str) else None
        with self.store.read() as tx:
            complaint = sql.by_code(tx, code) if code else None
        if complaint is None:
            raise NotFound("error.complaint_unknown", "code")
        return complaint

    def _handled(self, officer: dict, typed_code: str) -> dict:
        """The complaint, if this officer handles it (403 for another agency's or an unassigned one)."""
        require_admin(officer)
        complaint = self._find(typed_code)
        require_agency(officer, complaint["agency"])
        return complaint

    def _staff_view(self, officer: dict, complaint: dict) -> dict[str, Any]:
        view = {k: v for k, v in complaint.items() if k != "id"}
        view.update(code=shown(complaint["code"]), confidential=bool(complaint["confidential"]), overdue=self._overdue(complaint))
        if complaint["confidential"] and not is_hall_admin(officer):
            view.update(contact=None, ticket_id=None)
        return view

    def _overdue(self, complaint: dict) -> bool:
        return complaint["status"] != DONE and self._today() > complaint["due_day"]

    def _today(self) -> str:
        return self.clock().astimezone(self.config.timezone).date().isoformat()


def _text(body: dict[str, Any], name: str, required: bool, shortest: int, longest: int) -> str | None:
    """A text field trimmed, or None when optional and absent or blank; InvalidInput naming it otherwise."""
    value = body.get(name)
    if value is None or (not required and isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidInput("error.complaint_text", name, name=name, min=shortest, max=longest)
        return None
    if not isinstance(value, str) or not shortest <= len(value.strip()) <= longest:
        raise InvalidInput("error.complaint_text", name, name=name, min=shortest, max=longest)
    return value.strip()
