"""The visitor's live ticket page at /t/<id>: the target of the QR code on the printed ticket.

The page is rendered complete on the server (number, service, status, people ahead, estimate,
requirements and fee), so it is useful even before its script runs on a slow phone; the script then
follows the ticket over the live channel (``ticket=ID`` audience, see queue_server/live.py) and
offers cancelling. Once the ticket is done, the page offers the SKM survey (kiosk/survey_page.py):
its section is rendered only then, here or at ``/t/<id>/survey`` when the ticket becomes done while
the page is open, so a waiting visitor's phone loads none of it. The random ticket id is the
visitor's capability: an id that does not exist gets a plain not-found page, with no hint of which
ids do.
"""

from __future__ import annotations

from antre.queue_server.engine import NotFound
from antre.queue_server.hall import current_hall
from antre.queue_server.i18n import gettext, ngettext
from flask import render_template

from . import bp
from .survey_page import form_fields, langs


def say(lang: str, key: str, ticket: dict) -> str:
    """One sentence about a ticket (``phone.<key>`` in the catalogue), as the server renders it
    before the script takes over; the script fills the same entries the same way."""
    low, high = ticket.get("eta_range") or (0, 0)
    counter = (ticket.get("counter") or {}).get("name", "")
    if key == "ahead":
        return ngettext(lang, "phone.ahead", ticket["waiting_ahead"])
    return gettext(lang, f"phone.{key}", counter=counter, low=low, high=high)


def eta_key(ticket: dict) -> str:
    if ticket.get("eta_range") is None:
        return "eta_none"
    return "eta_soon" if ticket["eta_range"][1] <= 1 else "eta"


@bp.get("/t/<ticket_id>")
def ticket_page(ticket_id: str):
    hall = current_hall()
    try:
        ticket = hall.engine.ticket(ticket_id)
    except NotFound:
        return _missing()
    service = hall.config.service(ticket["service"])
    return render_template(
        "kiosk/ticket.html",
        hall=hall.config,
        ticket=ticket,
        service=service,
        langs=langs(),
        say=say,
        eta_key=eta_key,
        **_survey(ticket),
    )


@bp.get("/t/<ticket_id>/survey")
def survey_section(ticket_id: str):
    """The page's survey section alone (kiosk/templates/kiosk/survey_section.html), for the script
    of a page opened before the ticket was done."""
    try:
        ticket = current_hall().engine.ticket(ticket_id)
    except NotFound:
        return _missing()
    return render_template("kiosk/survey_section.html", langs=langs(), **_survey(ticket))


def _missing() -> tuple[str, int]:
    """An id that is no ticket: a plain not-found page, with no hint of which ids are."""
    return render_template("kiosk/ticket.html", hall=current_hall().config, ticket=None, service=None, langs=langs()), 404


def _survey(ticket: dict) -> dict:
    """The survey's state for a done ticket (``open``, ``answered``, ``closed``, ...) and, while it
    is open, the form's fields; nothing for a ticket not done."""
    if ticket["status"] != "done":
        return {"survey": None, "form": None}
    survey = current_hall().survey.state(ticket["id"])
    return {"survey": survey, "form": form_fields() if survey["state"] == "open" else None}
