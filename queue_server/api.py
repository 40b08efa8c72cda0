"""The REST API under /api/v1, as docs/CONTRACT.md describes it; OpenAPI document at /api/v1/openapi.json."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from datetime import datetime, time, timedelta
from functools import cache, wraps
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from .accounts import may_act_on
from .errors import ApiError
from .hall import current_hall
from .issuing_access import request_channel
from .roles import require_own_password
from .session import request_token

bp = Blueprint("api", __name__, url_prefix="/api/v1")
OPENAPI = Path(__file__).with_name("openapi.json")
LOCAL_TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
MAX_VOID_IDS = 1000
WHILE_PASSWORD_CHANGE_REQUIRED = ("api.change_password", "api.me", "api.logout")


# --- request helpers ----------------------------------------------------------------------------
def _body() -> dict:
    """The JSON object sent, with only the fields the OpenAPI document names (see ``json_body``)."""
    return json_body(_known_fields())


def json_body(known: Iterable[str]) -> dict:
    """The JSON object sent, or {} for an empty body; anything else is refused, saying why.

    A body sent in chunks (no Content-Length) is held to the same 64 KB as any other; only
    ``application/json`` is read (415 otherwise: a form or text body is not guessed at); nesting too
    deep for the parser is a malformed body (400), not a crash; a field not in ``known`` is refused
    (400 naming it), so a misspelt one is not silently ignored.
    """
    data = request.get_data()
    if not data:
        return {}
    limit = request.max_content_length
    if limit is not None and request.content_length is None and len(data) >= limit:
        raise RequestEntityTooLarge()  # werkzeug cuts a chunked body at the limit instead of refusing it
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", "error.content_type")
    try:
        body = request.get_json(silent=True)
    except RecursionError:
        body = None
    if not isinstance(body, dict):
        raise ApiError(400, "invalid", "error.body", "body")
    unknown = next((name for name in body if name not in known), None)
    if unknown is not None:
        raise ApiError(400, "invalid", "error.unknown_field", unknown, name=unknown)
    return body


def _known_fields() -> frozenset[str]:
    """The body fields the OpenAPI document gives this endpoint (its request schema's properties)."""
    path = request.url_rule.rule.removeprefix(bp.url_prefix).replace("<", "{").replace(">", "}")
    return _request_fields().get((request.method.lower(), path), frozenset())


@cache
def _request_fields() -> dict[tuple[str, str], frozenset[str]]:
    document = json.loads(OPENAPI.read_text(encoding="utf-8"))
    schemas = document["components"]["schemas"]
    fields = {}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {}) if isinstance(operation, dict) else {}
            schema = content.get("application/json", {}).get("schema")
            if schema is None:
                continue
            if "$ref" in schema:  # a named schema, or one written inline
                schema = schemas[schema["$ref"].rsplit("/", 1)[1]]
            fields[(method, path)] = frozenset(schema.get("properties", {}))
    return fields


def _text(body: dict, name: str, required: bool = True) -> Any:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        raise ApiError(400, "invalid", "error.text_required", name, name=name)
    return value


def _track_url(ticket_id: str) -> str:
    return f"{current_hall().public_base}/t/{ticket_id}"


def _ticket_json(ticket: dict) -> dict:
    return {**ticket, "track_url": _track_url(ticket["id"])}


def _bearer_token() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def officer_required(view: Callable) -> Callable:
    """Bearer token, or the console's session cookie with its CSRF token → ``g.officer``; 401 without a valid one.

    An officer given a one-time password may only change it (and see who they are, or log out):
    anything else is 403 ``password_change_required`` until they have."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        g.token = request_token(_bearer_token())
        officer = current_hall().accounts.authenticate(g.token)
        if officer is None:
            raise ApiError(401, "unauthorized", "error.log_in_first")
        if request.endpoint not in WHILE_PASSWORD_CHANGE_REQUIRED:
            require_own_password(officer)
        g.officer = officer
        return view(*args, **kwargs)

    return wrapper


def _counter_officer(counter_id: str) -> int:
    """The acting officer's id, after checking they may act on this counter (403 otherwise)."""
    hall = current_hall()
    if counter_id not in hall.config.counters:
        raise ApiError(404, "not_found", "error.unknown_counter", "counter", counter=counter_id)
    if not may_act_on(g.officer, counter_id, hall.config):
        raise ApiError(403, "forbidden", "error.not_assigned", username=g.officer["username"], counter=counter_id)
    hall.presence.seen(counter_id)
    return g.officer["id"]


# --- public -------------------------------------------------------------------------------------
@bp.get("/openapi.json")
def openapi() -> Response:
    return Response(OPENAPI.read_text(encoding="utf-8"), mimetype="application/json")


@bp.get("/services")
def services():
    return jsonify(current_hall().engine.services())


def _printing():
    return current_hall().printing


@bp.post("/tickets")
def issue_ticket():
    """A kiosk sends ``request_id`` (one per tap, repeated on retry): the same id answers the same
    ticket. ``print`` says how its printing goes; the answer never waits for the printer. Who may
    issue (an officer, a kiosk with its key, anyone only where the hall allows): issuing_access.py."""
    body = _body()
    if "service" not in body:
        raise ApiError(400, "invalid", "error.service_required", "service")
    channel = request_channel(current_hall(), body.get("kiosk"), _bearer_token())
    lang = current_hall().config.language if body.get("lang") is None else body["lang"]
    ticket, job, created = current_hall().issuer.issue(
        body["service"], body.get("priority"), channel, lang, body.get("request_id"), current_hall().public_base
    )
    response = jsonify({**_ticket_json(ticket), "print": _printing().status(job)})
    if not created:
        response.headers["Idempotent-Replayed"] = "true"
    return response, 201


@bp.post("/tickets/void")
@officer_required
def void_tickets():
    """An admin (the hall's supervisor) clears a flood in one step: today's waiting tickets issued
    between ``issued_from`` and ``issued_until`` (local ``HH:MM``; of ``service`` if given), or the
    listed ``ticket_ids``, are cancelled with ``reason`` in each ticket's history."""
    if g.officer["role"] != "admin":
        raise ApiError(403, "forbidden", "error.admin_only")
    body = _body()
    ids = body.get("ticket_ids")
    if ids is not None and (not isinstance(ids, list) or not 1 <= len(ids) <= MAX_VOID_IDS or not all(isinstance(i, str) for i in ids)):
        raise ApiError(400, "invalid", "error.ticket_ids", "ticket_ids", max=MAX_VOID_IDS)
    since, until = _today_at(body, "issued_from"), _today_at(body, "issued_until")
    if since is None and ids is None:
        raise ApiError(400, "invalid", "error.void_selection", "issued_from")
    engine = current_hall().engine
    midnight = engine.day_began()
    service = _text(body, "service", required=False)
    voided = engine.void(body.get("reason"), g.officer["id"], since or midnight, until or midnight + timedelta(days=1), service, ids)
    return jsonify(voided=len(voided), tickets=voided)


def _today_at(body: dict, name: str) -> datetime | None:
    """A local ``HH:MM`` of the hall's current day, as a moment; None when not sent."""
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not LOCAL_TIME.match(value):
        raise ApiError(400, "invalid", "error.local_time", name, name=name)
    engine = current_hall().engine
    return datetime.combine(engine.day_began().date(), time.fromisoformat(value), engine.hall.timezone)


@bp.get("/tickets/<ticket_id>")
def get_ticket(ticket_id: str):
    ticket = current_hall().engine.ticket(ticket_id)
    return jsonify({**_ticket_json(ticket), "print": _printing().status(_printing().latest(ticket_id))})


@bp.post("/tickets/<ticket_id>/reprint")
@officer_required
def reprint_ticket(ticket_id: str):
    """Print a ticket again (officers and admins), on the printer of ``kiosk`` if given, else of the
    kiosk that issued it, else the hall's printer."""
    kiosk = _text(_body(), "kiosk", required=False)
    if kiosk is not None and kiosk not in current_hall().config.kiosks:
        raise ApiError(400, "invalid", "error.unknown_kiosk", "kiosk", kiosk=kiosk)
    job = _printing().reprint(ticket_id, kiosk, _track_url(ticket_id), g.officer["id"])
    return jsonify(_printing().status(job)), 202


@bp.get("/printers")
def printers():
    """Every printer with its state and its jobs' counts; an officer's token adds the recent jobs."""
    officer = current_hall().accounts.authenticate(request_token(_bearer_token()))
    return jsonify(_printing().printers(with_jobs=officer is not None))


@bp.post("/tickets/<ticket_id>/cancel")
def cancel_ticket(ticket_id: str):
    """Whoever holds the (unguessable) ticket id may give up that place in the queue."""
    return jsonify(_ticket_json(current_hall().engine.cancel(ticket_id)))


@bp.get("/state")
def state():
    """Public, without ticket ids; an officer's token (the console's reprint) adds them."""
    officer = current_hall().accounts.authenticate(request_token(_bearer_token()))
    snapshot = current_hall().engine.state(with_ids=officer is not None)
    return jsonify({"seq": snapshot.pop("last_event"), **snapshot})


# --- officers -----------------------------------------------------------------------------------
@bp.post("/auth/login")
def login():
    body = _body()
    username, password = _text(body, "username"), _text(body, "password")
    token, officer = current_hall().accounts.login(username, password, request.remote_addr or "")
    return jsonify(token=token, officer=officer)


@bp.post("/auth/logout")
@officer_required
def logout():
    current_hall().accounts.logout(g.token)
    current_hall().presence.signed_out(g.officer["id"])
    return "", 204


@bp.get("/auth/me")
@officer_required
def me():
    return jsonify(g.officer)


@bp.post("/auth/password")
@officer_required
def change_password():
    """The officer's own password: ``current_password`` (or the one-time one an administrator gave)
    and ``new_password``; the only action allowed while ``must_change_password`` is set."""
    body = _body()
    officer = current_hall().accounts.change_own_password(g.officer, body.get("current_password"), body.get("new_password"))
    return jsonify(officer)


@bp.get("/tickets/<ticket_id>/history")
@officer_required
def ticket_history(ticket_id: str):
    return jsonify(current_hall().engine.history(ticket_id))


@bp.get("/counters/<counter_id>/waiting")
@officer_required
def counter_waiting(counter_id: str):
    _counter_officer(counter_id)
    limit = request.args.get("limit", "10")
    if not re.fullmatch("[0-9]{1,3}", limit) or not 1 <= int(limit) <= 200:  # isdigit() also passes "²", which int() cannot read
        raise ApiError(400, "invalid", "error.limit", "limit")
    tickets = current_hall().engine.waiting_for_counter(counter_id, int(limit))
    return jsonify([_ticket_json(t) for t in tickets])


@bp.get("/counters/<counter_id>/today")
@officer_required
def counter_today(counter_id: str):
    """The counter's figures for the hall's current local day, as its console shows them."""
    _counter_officer(counter_id)
    hall = current_hall()
    day = hall.engine.today()
    with hall.store.read() as tx:
        figures = tx.counter_day_figures(counter_id, day)
    average = {name: None if figures[name] is None else round(figures[name], 1) for name in ("avg_service_seconds", "avg_wait_seconds")}
    return jsonify(counter=counter_id, day=day, served=figures["served"], no_shows=figures["no_shows"], **average)


def _counter_action(name: str, action: Callable[[str, int, dict], Any]) -> None:
    def view(counter_id: str):
        officer_id = _counter_officer(counter_id)
        result = action(counter_id, officer_id, _body())
        if result is None:
            return "", 204
        return jsonify(_ticket_json(result) if "number" in result else result)

    bp.add_url_rule(f"/counters/<counter_id>/{name}", f"counter_{name.replace('-', '_')}", officer_required(view), methods=["POST"])


def _engine():
    return current_hall().engine


_counter_action("call-next", lambda c, o, b: _engine().call_next(c, o))
_counter_action("recall", lambda c, o, b: _engine().recall(c, o))
_counter_action("start", lambda c, o, b: _engine().start(c, o))
_counter_action("complete", lambda c, o, b: _engine().complete(c, o))
_counter_action("no-show", lambda c, o, b: _engine().no_show(c, o))
_counter_action("transfer", lambda c, o, b: _engine().transfer(c, _text(b, "service"), o, _text(b, "note", required=False)))
_counter_action("call", lambda c, o, b: _engine().call_ticket(c, _text(b, "ticket_id"), o))
_counter_action("pause", lambda c, o, b: _engine().pause(c, _text(b, "reason"), o))
_counter_action("resume", lambda c, o, b: _engine().resume(c, o))
_counter_action("open", lambda c, o, b: _engine().open_counter(c, o))
_counter_action("close", lambda c, o, b: _engine().close_counter(c, o))
