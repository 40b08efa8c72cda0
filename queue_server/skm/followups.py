"""The SKM's follow-up plans (rencana tindak lanjut): for a period, per weak element, what was found,
what will be done about it, who owns it, by when, and how far it is.

Permenpan RB 14/2017 asks a unit to follow its survey up, and the national evaluation scores it; a
plan belongs to the hall (``agency`` None) or to one agency, whose admin alone (besides the hall
admin) may write it. Every added or changed plan is an audit event (queue_server/skm/store.py).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ..clock import Clock, iso
from ..config import HallConfig
from ..engine import InvalidInput, NotFound
from ..reports.figures import hall_agencies
from ..roles import is_hall_admin, require_agency
from .elements import ELEMENTS
from .store import FOLLOWUP_COLUMNS, FollowupStore

STATUSES = ("rencana", "berjalan", "selesai")  # planned, under way, done
TEXT_MAX = 2000  # characters of a finding or a plan: a paragraph, not a document
OWNER_MAX = 200
REQUIRED = ("period_from", "period_to", "element", "finding", "plan", "owner", "due_day")


class Followups:
    def __init__(self, store: FollowupStore, config: HallConfig, clock: Clock):
        self.store = store
        self.config = config
        self.clock = clock

    def list(self, from_day: str, to_day: str, officer: dict, agency: str | None = None) -> list[dict]:
        """The plans of the period the caller may read: a hall admin all of them (or one agency's
        when ``agency`` is named), an agency admin their own agency's."""
        if is_hall_admin(officer) and agency is None:
            rows = self.store.followups(from_day, to_day)
        else:
            own = agency if agency is not None or is_hall_admin(officer) else officer.get("agency")
            require_agency(officer, own)
            rows = self.store.followups(from_day, to_day, own, whole_hall=False)
        today = self.today()
        return [with_overdue(row, today) for row in rows]

    def add(self, body: dict[str, Any], officer: dict) -> dict:
        missing = next((name for name in REQUIRED if name not in body), None)
        if missing is not None:
            raise InvalidInput("error.skm_followup_missing", missing, name=missing)
        fields = self._checked({"status": "rencana", "agency": None, **body})
        self._require(officer, fields["agency"])
        row = self.store.add_followup(fields, iso(self.clock()), officer["id"], f"SKM follow-up {fields['element']} added")
        return with_overdue(row, self.today())

    def change(self, followup_id: int, body: dict[str, Any], officer: dict) -> dict:
        """Change some fields of a plan; moving it to another agency needs the right to both."""
        current = self.store.followup(followup_id)
        if current is None:
            raise NotFound("error.skm_followup_unknown", "id", id=followup_id)
        self._require(officer, current["agency"])
        if not body:  # nothing to change: nothing stored, nothing audited
            return with_overdue(current, self.today())
        fields = self._checked({**current, **body})
        self._require(officer, fields["agency"])
        what = f"SKM follow-up {fields['element']} changed"
        row = self.store.update_followup(followup_id, {name: fields[name] for name in body}, iso(self.clock()), officer["id"], what)
        return with_overdue(row, self.today())

    def today(self) -> str:
        return self.clock().astimezone(self.config.timezone).date().isoformat()

    def _require(self, officer: dict, agency: str | None) -> None:
        """A hall admin writes every plan, the hall's own too; an agency admin only their agency's."""
        if not is_hall_admin(officer):
            require_agency(officer, agency)

    def _checked(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Every field valid (a 400 naming the first that is not), with the period in order."""
        for name in ("period_from", "period_to", "due_day"):
            _day(fields, name)
        if fields["period_to"] < fields["period_from"]:
            raise InvalidInput("error.skm_followup_period", "period_to")
        if fields["agency"] is not None and fields["agency"] not in hall_agencies(self.config):
            raise InvalidInput("error.unknown_agency", "agency", agency=fields["agency"], known=", ".join(hall_agencies(self.config)))
        if fields["element"] not in ELEMENTS:
            raise InvalidInput("error.skm_followup_element", "element", elements=", ".join(ELEMENTS))
        if fields["status"] not in STATUSES:
            raise InvalidInput("error.skm_followup_status", "status", statuses=", ".join(STATUSES))
        for name, most in (("finding", TEXT_MAX), ("plan", TEXT_MAX), ("owner", OWNER_MAX)):
            fields[name] = _text(fields[name], name, most)
        return {name: fields[name] for name in FOLLOWUP_COLUMNS}


def with_overdue(row: dict, today: str) -> dict:
    """The plan as the API gives it: ``overdue`` when its due day has passed and it is not done."""
    return {**row, "overdue": row["status"] != "selesai" and row["due_day"] < today}


def _day(fields: dict[str, Any], name: str) -> None:
    value = fields[name]
    try:
        fields[name] = date.fromisoformat(value).isoformat() if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        fields[name] = None
    if fields[name] is None:
        raise InvalidInput("error.skm_followup_day", name, name=name)


def _text(value: Any, name: str, most: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("error.skm_followup_text", name, name=name)
    if len(value) > most:
        raise InvalidInput("error.skm_followup_long", name, name=name, max=most)
    return value.strip()
