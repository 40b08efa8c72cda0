"""The booking REST API (the rules: queue_server/booking/desk.py).

Public: a service's sessions with places left, booking one, and, for whoever holds its code, the
booking and its cancellation. Check-in is a kiosk's (its key, or the paired kiosk's cookie) or an
officer's, like ``POST /tickets``: the ticket is printed on the kiosk's printer. Staff list a day's
bookings of the services they manage.

Per-address limits: ``booking.per_address_per_hour`` bookings, and a few wrong codes an hour
(desk.py ``MISSES_PER_HOUR``); a kiosk is not counted, being the hall's one address for every visitor.
"""

from __future__ import annotations

from flask import Blueprint, Response, g, jsonify, request

from .api import _bearer_token, _ticket_json, json_body, officer_required
from .booking.desk import CHECK_IN_FIELDS, FIELDS
from .errors import ApiError, request_language
from .hall import current_hall
from .issuing_access import Channel, client_of, requesting_kiosk
from .session import request_token

bp = Blueprint("booking_api", __name__, url_prefix="/api/v1")


@bp.after_request
def _private(response: Response) -> Response:
    """A booking names its visitor: never cached, its code never sent on as a referrer."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _address() -> str | None:
    """The client the per-address limits count, None for a kiosk."""
    if requesting_kiosk(current_hall()) is not None:
        return None
    return client_of(request.remote_addr or "")


def _check_in_channel() -> Channel:
    """A kiosk proving itself with its key, or a logged-in officer; 401 for anyone else."""
    hall = current_hall()
    kiosk = requesting_kiosk(hall)
    if kiosk is not None:
        return Channel(kiosk=kiosk)
    token = request_token(_bearer_token())
    officer = hall.accounts.authenticate(token) if token else None
    if officer is None:
        raise ApiError(401, "unauthorized", "error.booking_check_in_who")
    return Channel(officer_id=officer["id"])


@bp.get("/services/<code>/sessions")
def sessions(code: str):
    return jsonify(current_hall().bookings.sessions(code, request.args.get("date"), request_language()))


@bp.post("/bookings")
def book():
    return jsonify(current_hall().bookings.book(json_body(FIELDS), _address())), 201


@bp.get("/bookings/<code>")
def booking(code: str):
    return jsonify(current_hall().bookings.get(code, _address()))


@bp.post("/bookings/<code>/cancel")
def cancel(code: str):
    json_body(())
    return jsonify(current_hall().bookings.cancel(code, _address()))


@bp.post("/bookings/<code>/check-in")
def check_in(code: str):
    body = json_body(CHECK_IN_FIELDS)
    hall = current_hall()
    channel = _check_in_channel()
    ticket, job = hall.bookings.check_in(code, channel, body.get("priority"), body.get("lang"), hall.public_base)
    return jsonify({**_ticket_json(ticket), "print": hall.printing.status(job)}), 201


@bp.get("/bookings")
@officer_required
def bookings_of_day():
    return jsonify(current_hall().bookings.listing(g.officer, request.args.get("date"), request.args.get("service")))
