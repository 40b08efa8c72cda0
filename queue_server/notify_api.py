"""Notifications' web face (queue_server/notify/): the hall's VAPID public key, phones subscribing a
ticket or a booking to Web Push, the service worker that shows the pushes, and the delivery log.

Subscribing is public (the ticket id or booking code is the token), so the requests that fail (an
unknown ticket or code, a bad subscription, a fourth device) are limited per client address: a
script cannot use it to try codes. At most three subscriptions per ticket or booking.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, g, jsonify, request, send_from_directory

from .api import json_body, officer_required
from .clock import iso
from .codes import BOOKINGS
from .engine import InvalidInput, NotFound
from .errors import ApiError
from .hall import current_hall
from .issuing_access import client_of
from .notify.push import MOST_PER_OWNER, PushChannel, subscription
from .roles import require_hall_admin

bp = Blueprint("notify_api", __name__)
STATIC = Path(__file__).with_name("static")
SUBSCRIPTION_FIELDS = ("endpoint", "expirationTime", "keys")
LOG_LIMIT = 200


def _push() -> PushChannel:
    hall = current_hall()
    channel = next((c for c in hall.notifier.channels if isinstance(c, PushChannel)), None)
    if channel is None or not hall.config.notifications.push:
        raise ApiError(404, "not_found", "notify.error.push_off")
    return channel


def _owner(kind: str, token: str) -> str:
    """The ticket's id, or the booking's row id; 404 alike for unknown and malformed (after the
    request was counted against the address's limit)."""
    current_hall().notifier.subscribers.take(client_of(request.remote_addr or ""))
    store = current_hall().notifier.store
    if kind == "ticket":
        ticket = store.ticket(token) if len(token) <= 40 else None
        if ticket is None or ticket["status"] not in ("waiting", "called", "serving"):
            raise NotFound("error.no_ticket", "ticket_id")
        return ticket["id"]
    code = BOOKINGS.stored(token)
    booking = store.booking_by_code(code) if code else None
    if booking is None or booking["status"] not in ("booked", "checked_in"):
        raise NotFound("notify.error.no_booking", "code")
    return str(booking["id"])


def _counted_back() -> None:
    """A request that did what it asked costs nothing: only misses and refusals fill the address's
    allowance, so visitors sharing one address (a carrier's NAT) are not refused for each other."""
    current_hall().notifier.subscribers.give_back(client_of(request.remote_addr or ""))


def _subscribe(kind: str, token: str):
    owner = _owner(kind, token)
    _push()
    endpoint, p256dh, auth = subscription(json_body(SUBSCRIPTION_FIELDS))
    hall = current_hall()
    if not hall.notifier.store.subscribe(kind, owner, endpoint, p256dh, auth, iso(hall.engine.clock()), MOST_PER_OWNER):
        raise ApiError(409, "too_many_subscriptions", "notify.error.too_many", num=MOST_PER_OWNER)
    _counted_back()
    return jsonify({"subscribed": True, "endpoint": endpoint}), 201


def _unsubscribe(kind: str, token: str):
    owner = _owner(kind, token)
    endpoint = json_body(SUBSCRIPTION_FIELDS).get("endpoint")
    if not isinstance(endpoint, str):
        raise InvalidInput("notify.error.subscription", "endpoint")
    if not current_hall().notifier.store.unsubscribe(kind, owner, endpoint):
        raise NotFound("notify.error.not_subscribed", "endpoint")
    _counted_back()
    return Response(status=204)


@bp.get("/api/v1/push/key")
def push_key():
    return jsonify({"public_key": _push().public_key()})


@bp.post("/api/v1/tickets/<ticket_id>/push")
def subscribe_ticket(ticket_id: str):
    return _subscribe("ticket", ticket_id)


@bp.delete("/api/v1/tickets/<ticket_id>/push")
def unsubscribe_ticket(ticket_id: str):
    return _unsubscribe("ticket", ticket_id)


@bp.post("/api/v1/bookings/<code>/push")
def subscribe_booking(code: str):
    return _subscribe("booking", code)


@bp.delete("/api/v1/bookings/<code>/push")
def unsubscribe_booking(code: str):
    return _unsubscribe("booking", code)


@bp.get("/api/v1/admin/notifications")
@officer_required
def delivery_log():
    """The latest deliveries (hall admins: they carry what was sent to visitors' phones)."""
    require_hall_admin(g.officer)
    limit = request.args.get("limit", "50")
    if not limit.isdigit() or not 1 <= int(limit) <= LOG_LIMIT:
        raise InvalidInput("notify.error.limit", "limit", most=LOG_LIMIT)
    store = current_hall().notifier.store
    return jsonify({"deliveries": store.deliveries(int(limit), request.args.get("channel") or None, request.args.get("status") or None)})


@bp.get("/sw.js")
def service_worker():
    """At the root, so its scope covers the ticket (/t/...) and booking (/booking/...) pages."""
    response = send_from_directory(STATIC / "js", "sw.js", mimetype="text/javascript", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response
