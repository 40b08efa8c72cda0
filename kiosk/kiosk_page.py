"""The touchscreen kiosk at /kiosk?id=k1, and the pictures its confirmation screen shows.

The page gets the hall's facts (services, agencies, counters) and its words (``kiosk.*`` in
both languages, from the catalogue) embedded as JSON, reads the facts again from
``/kiosk/settings.json`` when the setup changes (the live channel's ``setup``, audience ``kiosk``), and
polls ``/kiosk/services.json`` for the waiting counts; taking a ticket is ``POST /api/v1/tickets``
with a ``request_id`` per tap. The QR code is drawn here, server-side, so the kiosk needs nothing
from the internet.
"""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from antre.printer.preview import ticket_png
from antre.queue_server import availability
from antre.queue_server.config import Kiosk
from antre.queue_server.device_keys import keep_in_cookie
from antre.queue_server.hall import current_hall
from antre.queue_server.i18n import known
from antre.queue_server.issuing_access import COOKIE, kiosk_of_key
from flask import Response, abort, jsonify, redirect, render_template, request, url_for

from . import bp


@bp.get("/kiosk")
def kiosk():
    hall = current_hall().config
    kiosk_id = request.args.get("id")
    kiosk = hall.kiosks.get(kiosk_id) if kiosk_id else None
    if kiosk_id and kiosk is None:
        return _unknown(kiosk_id)
    if kiosk is not None and not _paired(kiosk.id, request.cookies.get(COOKIE, "")):
        return _unpaired(kiosk.id, wrong_key=False)
    reach = kiosk.reach_fraction if kiosk else Kiosk.reach_fraction
    return render_template(
        "kiosk/kiosk.html", hall=hall, kiosk=kiosk, settings=_settings(kiosk), priorities=hall.kiosk_priority_categories, reach=reach
    )


@bp.get("/kiosk/pair")
def pair():
    """Once per kiosk PC: keep the kiosk's key (from ``antre kiosk-key ID``) in an HttpOnly cookie,
    which the page's script cannot read and other sites' requests do not carry, then open the kiosk."""
    hall = current_hall().config
    kiosk_id, key = request.args.get("id", ""), request.args.get("key", "")
    if kiosk_id not in hall.kiosks:
        return _unknown(kiosk_id)
    if not _paired(kiosk_id, key):
        return _unpaired(kiosk_id, wrong_key=True)
    return keep_in_cookie(redirect(url_for(".kiosk", id=kiosk_id)), COOKIE, key)


def _unknown(kiosk_id: str) -> tuple[str, int]:
    """A kiosk id the config does not have: say which ids it has (404)."""
    hall = current_hall().config
    return render_template("kiosk/unknown.html", hall=hall, kiosk_id=kiosk_id, known=", ".join(hall.kiosks)), 404


def _unpaired(kiosk_id: str, wrong_key: bool) -> tuple[str, int]:
    """A browser without the kiosk's key: say how to pair it (403)."""
    return render_template("kiosk/unpaired.html", hall=current_hall().config, kiosk_id=kiosk_id, wrong_key=wrong_key), 403


def _paired(kiosk_id: str, key: str) -> bool:
    return kiosk_of_key(current_hall().store, [kiosk_id], key) == kiosk_id


def _settings(kiosk) -> dict:
    hall = current_hall().config
    hours = hall.opening_hours
    return {
        "kiosk": {"id": kiosk.id, "name": kiosk.name, "prints": kiosk.printer != "none"} if kiosk else None,
        "setup": current_hall().setup.version,  # which setup these are: a newer one is read again
        "hall": hall.name,
        "language": hall.language,
        "timezone": hall.timezone.key,
        "opening_hours": [f"{hours[0]:%H:%M}", f"{hours[1]:%H:%M}"] if hours else None,
        "return_seconds": kiosk.return_seconds if kiosk else 20,
        "idle_seconds": kiosk.idle_seconds if kiosk else 60,
        "agencies": [agency.as_dict() for agency in hall.agencies.values()],
        # The start screen's complaint form, and where a visitor follows a complaint from a phone.
        "complaints": {"enabled": hall.complaints.enabled, "track_url": f"{current_hall().public_base}/pengaduan/lacak"},
        # "Saya sudah booking" only where some service takes bookings: elsewhere it would only confuse.
        "bookings": any(s.booking is not None for s in hall.services.values()),
        "services": [
            {
                "code": s.code,
                "name": s.name,
                "agency": s.agency,
                "keywords": list(s.keywords),
                "counters": [c.name for c in hall.counters_for_service(s.code)],
                "fee": s.fee,
                "requirements": list(s.requirements),
                "duration_minutes": max(1, round(s.duration_minutes)),
            }
            for s in hall.services.values()
        ],
    }


@bp.get("/kiosk/settings.json")
def settings():
    """The facts the kiosk page embeds, read again when the setup changes (the live channel's
    ``setup``, or a new ``setup`` version in services.json): the page follows a renamed or new
    service without a reload. Nothing here is secret: /api/v1/services shows the same."""
    hall = current_hall().config
    kiosk_id = request.args.get("id")
    kiosk = hall.kiosks.get(kiosk_id) if kiosk_id else None
    if kiosk_id and kiosk is None:
        return jsonify(error={"code": "not_found", "message": f"unknown kiosk {kiosk_id!r}", "field": "id"}), 404
    return jsonify(_settings(kiosk)), 200, {"Cache-Control": "no-store"}


@bp.get("/kiosk/services.json")
def services():
    """What the start screen shows, polled every few seconds: per service the waiting count, the
    engine's estimate for a normal ticket taken now (the figure the ticket itself would carry), and
    why it cannot be taken (queue_server/availability.py), with what its message needs; ``closed``
    says why the whole hall issues nothing (a holiday, outside its hours), for the start screen;
    ``setup``, the setup's version, tells a kiosk without the live channel to read its settings again."""
    engine = current_hall().engine
    rows = engine.services()
    hall = engine.hall
    now = engine.clock()
    estimates = engine.new_ticket_estimates()
    closed = availability.hall_closed(hall, now)
    return jsonify(
        open=closed is None,
        today=engine.today(),  # the hall's day: a booking for another day is told so before its check-in
        closed=closed._asdict() if closed else None,
        setup=current_hall().setup.version,
        services=[
            {
                "code": row["code"],
                "waiting": row["waiting"],
                "counters_open": row["counters_open"],
                "eta_minutes": estimates[row["code"]]["eta_minutes"],
                "unavailable": row["unavailable"],
                "unavailable_details": row["unavailable_details"],
                "closes": row["closes"],
                "past_closing": availability.past_closing(hall, now, row["closes"], estimates[row["code"]]["eta_minutes"]),
            }
            for row in rows
        ],
    )


@bp.get("/kiosk/qr/<ticket_id>.svg")
def qr(ticket_id: str):
    """The QR code of a ticket's live page, as SVG: sharp at any size on the confirmation screen."""
    return qr_svg(_track_url(ticket_id))


def qr_svg(text: str) -> Response:
    """``text`` as a QR code in SVG, sharp at any size on a screen."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return Response(buffer.getvalue(), mimetype="image/svg+xml", headers={"Cache-Control": "private, max-age=86400"})


@bp.get("/kiosk/ticket/<ticket_id>.png")
def preview(ticket_id: str):
    """The printed ticket as a picture, at the printer's width in dots: what the paper looks like."""
    url = _track_url(ticket_id)
    ticket = current_hall().engine.ticket(ticket_id)
    lang = known(request.args.get("lang")) or _ticket_language(ticket_id)
    return Response(ticket_png(ticket, current_hall().config, url, lang), mimetype="image/png", headers={"Cache-Control": "no-store"})


def _ticket_language(ticket_id: str) -> str:
    """The language the ticket was taken in, so the picture says what its paper says."""
    with current_hall().store.read() as tx:
        return tx.ticket(ticket_id)["lang"]


def _track_url(ticket_id: str) -> str:
    """The ticket's live page; 404 for an id that is no ticket, so these are no open QR or picture service."""
    hall = current_hall()
    with hall.store.read() as tx:
        if tx.ticket(ticket_id) is None:
            abort(404)
    return f"{hall.public_base}/t/{ticket_id}"


@bp.after_request
def _kiosk_headers(response: Response) -> Response:
    if request.path.startswith("/kiosk") and response.mimetype == "text/html":
        response.headers["Cache-Control"] = "no-store"
    return response
