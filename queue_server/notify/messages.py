"""What the visitor is told, made from the committed log: one ``Message`` per thing to tell, in the
visitor's language (the ticket's or booking's ``lang``), with every word from the catalogue.

A message knows whom it is for (``owner``: the ticket or booking whose push subscriptions get it)
and, when the visitor left one, their phone number (the webhook's target). Its ``ref`` makes its
deliveries' keys: the same message made again (a restart re-reading the log) gets the same keys.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from ..codes import BOOKINGS
from ..i18n import gettext, known, ngettext


@dataclass(frozen=True)
class Message:
    kind: str  # "ahead", "called", "booked", "reminder"
    ref: str  # with ``kind``, what makes the message one of a kind (an event id, a ticket or booking id)
    at: str
    lang: str
    title: str
    text: str
    url: str  # the page the notification opens (path on the hall's public address)
    owner: tuple[str, str]  # ("ticket", id) or ("booking", id): whose push subscriptions receive it
    phone: str | None = None
    ticket: dict | None = None  # {number, service, counter?}
    booking: dict | None = None  # {code, date, session}

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _lang(row: dict | None) -> str:
    return known((row or {}).get("lang")) or "id"


def called(event: dict, ticket: dict, booking: dict | None) -> Message:
    """"Called to Loket 7" (a recall tells it again: its own event, its own message)."""
    lang, counter = _lang(ticket), event["details"].get("counter_name") or event["counter_id"]
    return Message(
        "called",
        str(event["id"]),
        event["at"],
        lang,
        gettext(lang, "notify.called.title", number=ticket["number"]),
        gettext(lang, "notify.called.text", number=ticket["number"], counter=counter),
        f"/t/{ticket['id']}",
        ("ticket", ticket["id"]),
        (booking or {}).get("phone"),
        {"number": ticket["number"], "service": ticket["service"], "counter": counter},
    )


def ahead(ticket: dict, waiting_ahead: int, at: str, booking: dict | None) -> Message:
    """"3 more before you": once per ticket, when its place reaches the hall's ``notifications.ahead``."""
    lang = _lang(ticket)
    return Message(
        "ahead",
        ticket["id"],
        at,
        lang,
        gettext(lang, "notify.ahead.title", number=ticket["number"]),
        ngettext(lang, "notify.ahead.text", waiting_ahead, number=ticket["number"]),
        f"/t/{ticket['id']}",
        ("ticket", ticket["id"]),
        (booking or {}).get("phone"),
        {"number": ticket["number"], "service": ticket["service"]},
    )


def _booking_message(kind: str, booking: dict, at: str, service_name: str, timezone: Any) -> Message:
    lang, code = _lang(booking), BOOKINGS.shown(booking["code"])
    start = datetime.fromisoformat(booking["session_start"]).astimezone(timezone).strftime("%H:%M")
    params = {"service": service_name, "date": booking["day"], "session": booking["session"], "start": start, "code": code}
    return Message(
        kind,
        str(booking["id"]),
        at,
        lang,
        gettext(lang, f"notify.{kind}.title", **params),
        gettext(lang, f"notify.{kind}.text", **params),
        f"/booking/{code}",
        ("booking", str(booking["id"])),
        booking.get("phone"),
        booking={"code": code, "date": booking["day"], "session": booking["session"]},
    )


def booked(booking: dict, at: str, service_name: str, timezone: Any) -> Message:
    """The booking's confirmation (its code, day and session)."""
    return _booking_message("booked", booking, at, service_name, timezone)


def reminder(booking: dict, at: str, service_name: str, timezone: Any) -> Message:
    """``booking.reminder_minutes`` before the session: come, and check in with the code."""
    return _booking_message("reminder", booking, at, service_name, timezone)
