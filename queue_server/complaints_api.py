"""The complaints' REST API at /api/v1/complaints (the rules: queue_server/complaints/desk.py).

Public: ``POST`` files a complaint and answers its tracking code; ``GET /{code}`` is its status and
answer, for whoever holds the code, with nothing of the complainant. Staff (authenticated like the
rest of /api/v1): the list, one complaint with its changes, and ``PATCH`` to change its status, write
its answer or (hall admins) assign it to an agency.

A request carrying a kiosk's key (the paired kiosk's cookie) files with channel ``kiosk`` and is not
counted against the per-address limit: the kiosk is one address for every visitor of the hall.
"""

from __future__ import annotations

from flask import Blueprint, Response, g, jsonify, request

from .api import json_body, officer_required
from .complaints.desk import CHANGES, FIELDS, Origin
from .engine import InvalidInput
from .hall import current_hall
from .issuing_access import client_of, requesting_kiosk

bp = Blueprint("complaints_api", __name__, url_prefix="/api/v1/complaints")


@bp.after_request
def _private(response: Response) -> Response:
    """A complaint is the complainant's and the hall's business: never cached, never sent on as a referrer."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _origin(body: dict) -> Origin:
    hall = current_hall()
    if requesting_kiosk(hall) is not None:
        return Origin("kiosk", None)
    return Origin("phone" if body.get("ticket") is not None else "web", client_of(request.remote_addr or ""))


@bp.post("")
def file_complaint():
    body = json_body(FIELDS)
    return jsonify(current_hall().complaints.file(body, _origin(body))), 201


@bp.get("/<code>")
def complaint_status(code: str):
    return jsonify(current_hall().complaints.public(code))


@bp.get("")
@officer_required
def complaints_list():
    overdue = request.args.get("overdue", "0")
    if overdue not in ("0", "1"):
        raise InvalidInput("error.complaint_overdue", "overdue")
    listing = current_hall().complaints.listing(
        g.officer, request.args.get("agency") or None, request.args.get("status") or None, overdue == "1"
    )
    return jsonify(listing)


@bp.get("/<code>/record")
@officer_required
def complaint_record(code: str):
    return jsonify(current_hall().complaints.detail(g.officer, code))


@bp.patch("/<code>")
@officer_required
def change_complaint(code: str):
    return jsonify(current_hall().complaints.change(g.officer, code, json_body(CHANGES)))
