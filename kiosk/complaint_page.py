"""The public's complaint pages: the form at /pengaduan (opened from a phone's ticket page with
``?ticket=ID``), and a complaint's status at /pengaduan/<code> (or typed in at /pengaduan/lacak).

The form posts to ``POST /api/v1/complaints`` from its script (kiosk/static/complaint.js) and shows
the code it gets back; the status page is rendered whole on the server, from what the public may
read of a complaint (``Complaints.public``: never the complainant's contact or ticket). Each page
carries SP4N-LAPOR!'s address for escalation. None is cached, indexed or sent on as a referrer: a
ticket id or a code in the address is the visitor's own.
"""

from __future__ import annotations

from datetime import date, datetime

from antre.queue_server.engine import NotFound
from antre.queue_server.hall import current_hall
from antre.queue_server.i18n import second_language
from babel.dates import format_date, format_datetime
from flask import redirect, render_template, request, url_for

from . import bp

LAPOR = "https://www.lapor.go.id"


def _page(template: str, status: int = 200, **context: object) -> tuple[str, int]:
    hall = current_hall().config
    langs = (hall.language, second_language(hall.language))
    return render_template(template, hall=hall, langs=langs, lapor=LAPOR, days=hall.complaints.response_days, **context), status


@bp.get("/pengaduan")
def complaint_form():
    """The form; ``?ticket=ID`` files it about that ticket (an unknown id is simply not used)."""
    hall = current_hall()
    ticket = None
    ticket_id = request.args.get("ticket")
    if ticket_id:
        try:
            ticket = hall.engine.ticket(ticket_id)
        except NotFound:
            ticket = None
    agencies = [] if ticket else list(hall.config.agencies)
    return _page("kiosk/complaint.html", ticket=ticket, agencies=agencies, enabled=hall.config.complaints.enabled)


@bp.get("/pengaduan/lacak")
def complaint_track():
    """Type a code: sent on to its status page."""
    code = request.args.get("code", "").strip()
    if code:
        return redirect(url_for("kiosk.complaint_status", code=code))
    return _page("kiosk/complaint_status.html", complaint=None, missing=False)


@bp.get("/pengaduan/<code>")
def complaint_status(code: str):
    try:
        complaint = current_hall().complaints.public(code)
    except NotFound:
        return _page("kiosk/complaint_status.html", 404, complaint=None, missing=True, typed=code)
    return _page("kiosk/complaint_status.html", complaint=complaint, missing=False, when=_when, day=_day)


def _day(lang: str, iso_day: str) -> str:
    return format_date(date.fromisoformat(iso_day), "long", locale=lang)


def _when(lang: str, moment: str) -> str:
    local = datetime.fromisoformat(moment).astimezone(current_hall().config.timezone)
    return format_datetime(local, "d MMMM y, HH.mm" if lang == "id" else "d MMMM y, HH:mm", locale=lang)
