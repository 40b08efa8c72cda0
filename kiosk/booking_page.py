"""The public's booking pages: choose and book a visit at /booking, and keep it at /booking/<code>.

Phones first and light on a slow connection: every step is a server-rendered page and a plain form
(agency, then service or a search across all of them, then a day and a session with its places
left, then a name and an optional phone), so it works without its script; kiosk/static/booking.js
only enhances. Each step reads and books through the hall's booking desk (``hall.bookings``,
queue_server/booking/desk.py), the same one ``/api/v1/bookings`` uses, so the rules (quotas in the
booking's own transaction, closed days, one booking per phone, per-address limits) live there once.
A booking's code is its holder's capability: its page is never cached, indexed or sent on as a
referrer, and an unknown code gets the same not-found page as a malformed one.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from antre.queue_server.engine import NotFound, QueueError
from antre.queue_server.errors import STATUS
from antre.queue_server.hall import current_hall
from antre.queue_server.i18n import second_language
from antre.queue_server.issuing_access import client_of
from babel.dates import format_date
from flask import redirect, render_template, request, url_for

from . import bp
from .kiosk_page import qr_svg

SEARCH_SHOWN = 30  # matches listed for a typed search: a phone's screenful or two, never all 300
# The refusals a visitor can do something about, each with its own sentence (booking.page.error.*).
REFUSALS = ("full", "holiday", "session_over", "phone_has_booking", "too_many_requests")


def _page(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    hall = current_hall().config
    langs = (hall.language, second_language(hall.language))
    return render_template(template, hall=hall, langs=langs, day_name=_day_name, **context), status


def _day_name(lang: str, iso_day: str) -> str:
    return format_date(date.fromisoformat(iso_day), "EEEE, d MMMM y", locale=lang)


@bp.get("/booking")
def booking_start():
    """One page per step, chosen by what the query already holds: agency, service, date."""
    hall = current_hall().config
    service = hall.services.get(request.args.get("service", ""))
    if service is not None and service.booking is not None:
        return _choose_session(service, request.args.get("date", ""))
    query = request.args.get("q", "").strip()[:60]
    agency = request.args.get("agency", "")
    if query:
        return _page("kiosk/booking_start.html", query=query, found=_search(query), agency=None, services=None, agencies=None)
    if agency in hall.agencies:
        return _page(
            "kiosk/booking_start.html", query="", found=None, agency=hall.agencies[agency], services=_bookable(agency), agencies=None
        )
    agencies = [a for a in hall.agencies.values() if _bookable(a.name)]
    return _page("kiosk/booking_start.html", query="", found=None, agency=None, services=None, agencies=agencies)


def _bookable(agency: str | None = None) -> list:
    """The services that take bookings, of one agency or all."""
    return [s for s in current_hall().config.services.values() if s.booking is not None and (agency is None or s.agency == agency)]


def _search(query: str) -> list:
    """Services whose name, code, keywords or agency hold every word typed (case ignored)."""
    hall = current_hall().config
    words = query.casefold().split()

    def text(service) -> str:
        agency = hall.agencies.get(service.agency)
        short = agency.short_name if agency and agency.short_name else ""
        return " ".join((service.code, service.name, service.agency, short, *service.keywords)).casefold()

    return [s for s in _bookable() if all(word in text(s) for word in words)][:SEARCH_SHOWN]


def _days() -> list[str]:
    """The ``booking.days_ahead`` days that can be booked, today first (the hall's local days)."""
    hall = current_hall()
    today = date.fromisoformat(hall.engine.today())
    return [(today + timedelta(days=n)).isoformat() for n in range(hall.config.booking.days_ahead)]


def _choose_session(service, day: str, status: int = 200, refused: dict | None = None, form: dict | None = None) -> tuple[str, int]:
    """The service's days, and for the day chosen its sessions with their places left (full ones
    shown as full), then the name and phone; ``refused`` is a booking the desk turned down."""
    days = _days()
    sessions = None
    if day in days:
        sessions = current_hall().bookings.sessions(service.code, day, current_hall().config.language)
    return _page(
        "kiosk/booking_session.html",
        status,
        service=service,
        agency=current_hall().config.agencies.get(service.agency),
        days=days,
        day=day if day in days else None,
        sessions=sessions,
        refused=refused,
        form=form or {},
    )


@bp.post("/booking")
def booking_book():
    """The form's booking: on to the booking's page, or the same step again saying why not."""
    hall = current_hall()
    form = {name: request.form.get(name, "").strip() for name in ("service", "date", "session", "name", "phone")}
    service = hall.config.services.get(form["service"])
    if service is None or service.booking is None:
        return redirect(url_for(".booking_start"), 303)
    body = {key: value for key, value in form.items() if value}
    body["lang"] = request.form.get("lang") or hall.config.language
    try:
        booking = hall.bookings.book(body, _address())
    except QueueError as error:
        status = getattr(error, "status", None) or STATUS.get(type(error), 400)
        return _choose_session(service, form["date"], status, _refusal(error), form)
    return redirect(url_for(".booking_view", code=booking["code"]), 303)


def _refusal(error: QueueError) -> dict:
    """What the page says about a refused booking: the desk's code, its own sentence for the refusals
    a visitor can act on, else the desk's sentence (a field's problem), and the field it names."""
    hall = current_hall().config
    code = getattr(error, "code", "invalid")
    langs = (hall.language, second_language(hall.language))
    if code in REFUSALS:
        return {"code": code, "key": f"booking.page.error.{code}", "field": error.field}
    return {"code": code, "key": None, "texts": [error.text(lang) for lang in langs], "field": error.field}


def _address() -> str:
    """Whom the desk's per-address limits count (bookings, and misses of unknown codes)."""
    return client_of(request.remote_addr or "")


def _holder_page(code: str, confirm_cancel: bool = False) -> tuple[str, int]:
    """The booking's page; an unknown or malformed code, or an address that missed too often, gets
    the same not-found page: nothing tells which codes exist."""
    try:
        booking = current_hall().bookings.get(code, _address())
    except QueueError:
        return _page("kiosk/booking_view.html", 404, booking=None)
    return _page("kiosk/booking_view.html", booking=booking, confirm_cancel=confirm_cancel and booking["status"] == "booked")


@bp.get("/booking/<code>")
def booking_view(code: str):
    return _holder_page(code)


@bp.get("/booking/<code>/cancel")
def booking_cancel_confirm(code: str):
    """The confirmation step before a cancel: following a link alone never frees a place."""
    return _holder_page(code, confirm_cancel=True)


@bp.post("/booking/<code>/cancel")
def booking_cancel(code: str):
    """Cancel, then the booking's page, which says what it is now (also when it was no longer
    ``booked``: checked in or expired meanwhile)."""
    try:
        current_hall().bookings.cancel(code, _address())
    except NotFound:
        return _page("kiosk/booking_view.html", 404, booking=None)
    except QueueError:
        pass
    return redirect(url_for(".booking_view", code=code), 303)


@bp.get("/booking/<code>/qr.svg")
def booking_qr(code: str):
    """The booking's code as a QR code: a kiosk's scanner types it, followed by Enter."""
    try:
        booking = current_hall().bookings.get(code, _address())
    except QueueError:
        return _page("kiosk/booking_view.html", 404, booking=None)
    return qr_svg(booking["code"])
