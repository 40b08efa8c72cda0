"""The visitor's live ticket page at /t/<id>: the target of the QR code on the printed ticket.

The page is rendered complete on the server (number, service, status, people ahead, estimate,
requirements and fee), so it is useful even before its script runs on a slow phone; the script then
follows the ticket over the live channel (``ticket=ID`` audience, see queue_server/live.py) and
offers cancelling. The random ticket id is the visitor's capability: an id that does not exist gets
a plain not-found page, with no hint of which ids do.
"""

from __future__ import annotations

from antre.queue_server.engine import NotFound
from antre.queue_server.hall import current_hall
from antre.queue_server.i18n import gettext, ngettext, second_language
from flask import Response, render_template, request

from . import bp


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
        return render_template("kiosk/ticket.html", hall=hall.config, ticket=None, service=None, langs=_langs(hall.config)), 404
    service = hall.config.service(ticket["service"])
    return render_template(
        "kiosk/ticket.html",
        hall=hall.config,
        ticket=ticket,
        service=service,
        langs=_langs(hall.config),
        say=say,
        eta_key=eta_key,
    )


def _langs(hall) -> tuple[str, str]:
    """The hall's language first, its second language under it."""
    return (hall.language, second_language(hall.language))


@bp.after_request
def _ticket_headers(response: Response) -> Response:
    """A ticket page is private to its holder and changes by the minute: never cached, never indexed."""
    if request.path.startswith("/t/"):
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Robots-Tag"] = "noindex"
        response.headers["Referrer-Policy"] = "no-referrer"
    return response
