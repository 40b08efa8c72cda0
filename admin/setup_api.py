"""The hall's setup over REST, under /api/v1/admin: its lists (services, counters, agencies, kiosks,
displays) item by item, its settings, the whole document, and the audit trail of its changes.

Every change goes through ``hall.setup.change`` (queue_server/setup.py), so the config's own
validation judges it and a refusal reads as it would for config.yaml; here only the roles, the
shape of the request and the words of the audit trail are decided. The body fields an item accepts
are the config schema's keys for it, so a key added to the schema is editable here at once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from antre.queue_server import setup_edits as edits
from antre.queue_server.api import json_body, officer_required
from antre.queue_server.availability import CLOSED
from antre.queue_server.clock import iso
from antre.queue_server.config import AGENCY, COUNTER, DISPLAY, KIOSK, SERVICE, TOP
from antre.queue_server.engine import Conflict, Event
from antre.queue_server.errors import ApiError, request_language
from antre.queue_server.hall import current_hall
from antre.queue_server.roles import is_hall_admin, may_manage_agency, require_admin, require_agency, require_hall_admin
from antre.queue_server.setup import MACHINE_KEYS, SetupInvalid, setup_document
from antre.queue_server.store import AuditScope, Tx
from flask import g, jsonify, request

from . import api

SCHEMAS = {"services": SERVICE, "counters": COUNTER, "agencies": AGENCY, "kiosks": KIOSK, "displays": DISPLAY}
NOUNS = {"services": "service", "counters": "counter", "agencies": "agency", "kiosks": "kiosk", "displays": "display"}
HALLS_OWN = ("kiosks", "displays")  # the hall's, not an agency's: only the hall admin changes them
SETTINGS = tuple(key for key in TOP if key not in MACHINE_KEYS and key not in SCHEMAS)
VERSION = "version"  # the setup version the editor's page was loaded at: a stale one is refused (409)
AUDIT_KINDS = ("setup_changed", "officer_changed", "skm_followup_changed")
AUDIT_LIMIT = 50
AUDIT_MAX = 500
KINDS_RULE = "/<any(services, counters, agencies, kiosks, displays):kind>"


# --- whose an item is -------------------------------------------------------------------------------
def _official(name: Any) -> Any:
    """An agency's official name from either of its names (services may use the short one)."""
    for agency in current_hall().config.agencies.values():
        if name in (agency.name, agency.short_name):
            return agency.name
    return name


def _agency_of(document: dict, kind: str, item: dict) -> str | None:
    """The one agency an item belongs to; None for the hall's own (kiosks, displays, a counter
    shared by agencies)."""
    if kind == "services":
        return _official(item.get("agency"))
    if kind == "agencies":
        return item.get("name")
    if kind == "counters":
        by_code = {s.get("code"): s for s in document.get("services") or []}
        owners = {_official(by_code.get(code, {}).get("agency")) for code in item.get("services") or []}
        return owners.pop() if len(owners) == 1 else None
    return None


def _require_item(document: dict, kind: str, item: dict) -> None:
    """403 unless the acting admin may change this item."""
    if kind in HALLS_OWN:
        require_hall_admin(g.officer)
    require_agency(g.officer, _agency_of(document, kind, item))


def _visible(document: dict, kind: str, item: dict) -> bool:
    return kind in HALLS_OWN or may_manage_agency(g.officer, _agency_of(document, kind, item))


def _snapshot() -> tuple[dict, int]:
    """The setup and its version. The version is read first: a change landing in between then makes
    the editor's next save a 409 to reload, never an overwrite of a change they did not see."""
    version = current_hall().setup.version
    return current_hall().setup.document(), version


def _lookup(document: dict, kind: str, key: str) -> dict | None:
    return next((item for item in document.get(kind) or [] if item.get(edits.KEYS[kind]) == key), None)


# --- saving -----------------------------------------------------------------------------------------
def _expected_version(body: dict) -> int | None:
    value = body.pop(VERSION, None) if body else request.args.get(VERSION)
    if value is None:
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ApiError(400, "invalid", "error.setup_version", VERSION)
    return value


def _problem(line: str, item_path: str | None, said: dict[str, str]) -> dict:
    """One line of parse_config as ``{field, message, text}``: the field relative to the edited item
    when the problem is inside it (``name`` rather than ``services[3].name``); ``text`` the problem
    alone in the reader's language, for the page to show beside that field."""
    path, _, rest = line.partition(": ")
    if item_path and path.startswith(f"{item_path}."):
        path = path.removeprefix(f"{item_path}.")
    return {"field": path, "message": line, "text": said.get(line, rest or line)}


def _save(
    edit: Callable[[dict], str | None],
    what: str,
    version: int | None,
    part: Callable[[dict], Any] | None = None,
    along: Callable[[Tx, str], None] | None = None,
) -> int:
    """Run ``edit`` (which returns the path of the item it edited) through the setup; returns the
    new version. A refusal of the validation is 400 ``invalid_setup`` with every problem."""
    edited: list[str | None] = [None]

    def run(document: dict) -> None:
        edited[0] = edit(document)

    hall = current_hall()
    try:
        hall.setup.change(run, officer_id=g.officer["id"], what=what, part=part, along=along, expected_version=version)
    except SetupInvalid as invalid:
        lang = request_language()
        said = {problem.line(): problem.message(lang) for problem in invalid.details}
        problems = [_problem(line, edited[0], said) for line in invalid.problems]
        raise ApiError(
            400, "invalid_setup", "error.invalid_setup", problems[0]["field"], {"problems": problems}, problem=invalid.problems[0]
        ) from None
    return hall.setup.version


def _item_body(kind: str) -> tuple[dict, int | None]:
    body = json_body((*SCHEMAS[kind], VERSION))
    return body, _expected_version(body)


def _described(kind: str, key: str, item: dict | None) -> str:
    name = (item or {}).get("name")
    return f"{NOUNS[kind]} {key}" + (f" {name}" if name and name != key else "")


# --- the lists --------------------------------------------------------------------------------------
@api.get(KINDS_RULE)
@officer_required
def list_items(kind: str):
    """Items as the setup document has them; an agency admin sees their agency's."""
    require_admin(g.officer)
    document, version = _snapshot()
    listed = [item for item in edits.items(document, kind) if _visible(document, kind, item)]
    return jsonify(items=listed, version=version)


@api.post(KINDS_RULE)
@officer_required
def add_item(kind: str):
    require_admin(g.officer)
    if kind == "agencies":
        require_hall_admin(g.officer)
    body, version = _item_body(kind)
    key = body.get(edits.KEYS[kind])

    def edit(document: dict) -> str:
        _require_item(document, kind, body)
        return f"{kind}[{edits.add(document, kind, body)}]"

    version = _save(edit, f"{_described(kind, key, body)} added", version, part=lambda d: _lookup(d, kind, key))
    return jsonify(item=_lookup(current_hall().setup.document(), kind, key), version=version), 201


@api.get(f"{KINDS_RULE}/<key>")
@officer_required
def get_item(kind: str, key: str):
    require_admin(g.officer)
    document, version = _snapshot()
    item = edits.find(document, kind, key)
    if not _visible(document, kind, item):
        raise ApiError(403, "forbidden", "error.other_agency")
    return jsonify(item=item, version=version)


@api.patch(f"{KINDS_RULE}/<key>")
@officer_required
def change_item(kind: str, key: str):
    """Merge the fields sent (null removes one). Keys stay, but for an agency's name (hall admin)."""
    require_admin(g.officer)
    body, version = _item_body(kind)
    new_key = body.get(edits.KEYS[kind]) or key
    if new_key != key and kind == "agencies":
        require_hall_admin(g.officer)

    def edit(document: dict) -> str:
        _require_item(document, kind, edits.find(document, kind, key))
        index = edits.merge(document, kind, key, body)
        _require_item(document, kind, document[kind][index])
        return f"{kind}[{index}]"

    what = f"{NOUNS[kind]} {key} " + ("renamed" if set(body) == {"name"} else f"changed ({', '.join(body)})")
    version = _save(edit, what, version, part=lambda d: _lookup(d, kind, key) or _lookup(d, kind, new_key))
    return jsonify(item=_lookup(current_hall().setup.document(), kind, new_key), version=version)


@api.delete(f"{KINDS_RULE}/<key>")
@officer_required
def remove_item(kind: str, key: str):
    """Take an item out of the setup. A service's waiting tickets go where ``?waiting=`` says
    (``transfer&to=CODE`` or ``close``), in the same transaction; without it they refuse (409)."""
    require_admin(g.officer)
    if kind == "agencies":
        require_hall_admin(g.officer)
    version = _expected_version({})
    along, events, done = _removal_along(kind, key)

    def edit(document: dict) -> None:
        _require_item(document, kind, edits.find(document, kind, key))
        edits.remove(document, kind, key)

    before = _lookup(current_hall().setup.document(), kind, key)
    version = _save(edit, f"{_described(kind, key, before)} removed{done}", version, part=lambda d: _lookup(d, kind, key), along=along)
    current_hall().engine.publish(events)
    return jsonify(version=version, tickets=len(events))


def _removal_along(kind: str, key: str) -> tuple[Callable[[Tx, str], None] | None, list[Event], str]:
    """What runs in the removal's transaction (the tickets' fate, a counter's check), the list its
    ticket events land in, and the words it adds to the audit trail."""
    events: list[Event] = []
    if kind == "counters":
        return _counter_closed(key), events, ""
    if kind != "services":
        return None, events, ""
    choice, to = request.args.get("waiting"), request.args.get("to")
    if choice not in (None, "transfer", "close"):
        raise ApiError(400, "invalid", "error.waiting_choice", "waiting")
    if choice == "transfer":
        document = current_hall().setup.document()
        target = _lookup(document, "services", to) if to != key else None
        if target is None:
            raise ApiError(400, "invalid", "error.transfer_target", "to", service=to)
        require_agency(g.officer, _agency_of(document, "services", target))
    else:
        to = None
    engine, officer_id = current_hall().engine, g.officer["id"]

    def along(tx: Tx, at: str) -> None:
        events.extend(engine.retire_service(tx, at, key, to, choice == "close", officer_id))

    done = {None: "", "transfer": f"; its waiting tickets moved to {to}", "close": "; its waiting tickets closed"}[choice]
    return along, events, done


def _counter_closed(counter_id: str) -> Callable[[Tx, str], None]:
    """A counter open or serving someone stays: its officer closes it first (checked in the
    removal's transaction, so nobody opens it in between)."""

    def along(tx: Tx, at: str) -> None:
        state = tx.counter_state(counter_id)
        if state["status"] != CLOSED or state["ticket_id"]:
            raise Conflict("error.counter_in_use", counter=counter_id)

    return along


# --- settings and the whole document ----------------------------------------------------------------
@api.get("/settings")
@officer_required
def get_settings():
    """The top-level setup keys that are no list of items: ``hall`` (name, hours, breaks, ticker…),
    ``priority``, ``announcements``, the kiosk's and counters' switches."""
    require_admin(g.officer)
    document, version = _snapshot()
    return jsonify(settings={key: document[key] for key in SETTINGS if key in document}, version=version)


@api.patch("/settings")
@officer_required
def change_settings():
    """A section sent (``hall``, ``priority``, ``announcements``) is merged one level deep; null removes."""
    require_hall_admin(g.officer)
    body = json_body((*SETTINGS, VERSION))
    version = _expected_version(body)
    version = _save(
        lambda d: edits.merge_settings(d, body),
        f"settings changed ({', '.join(body)})",
        version,
        part=lambda d: {key: d.get(key) for key in body},
    )
    document = current_hall().setup.document()
    return jsonify(settings={key: document[key] for key in SETTINGS if key in document}, version=version)


@api.get("/setup")
@officer_required
def get_setup():
    require_hall_admin(g.officer)
    document, version = _snapshot()
    return jsonify(setup=document, version=version)


@api.put("/setup")
@officer_required
def replace_setup():
    """The whole setup at once, as ``antre config import`` does (machine keys in it are left out)."""
    require_hall_admin(g.officer)
    body = json_body(("setup", VERSION))
    version = _expected_version(body)
    if not isinstance(body.get("setup"), dict):
        raise ApiError(400, "invalid", "error.setup_document", "setup")

    def edit(document: dict) -> None:
        document.clear()
        document.update(setup_document(body["setup"]))

    version = _save(edit, "setup replaced in the browser", version)
    return jsonify(setup=current_hall().setup.document(), version=version)


# --- the audit trail --------------------------------------------------------------------------------
@api.get("/audit")
@officer_required
def audit():
    """Changes to the setup and the officers, newest first; an agency admin sees their agency's.
    ``before`` (an event id) pages back: pass the previous page's ``next_before``."""
    require_admin(g.officer)
    kinds = _choice("kind", AUDIT_KINDS)
    limit = _number("limit", AUDIT_LIMIT, AUDIT_MAX)
    filters = {"officer_id": _number("officer"), "before": _number("before"), "since": _moment("since"), "until": _moment("until")}
    about = None if is_hall_admin(g.officer) else _scope(g.officer.get("agency"))
    hall = current_hall()
    with hall.store.read() as tx:
        rows = tx.audit_events(kinds, limit, about=about, q=request.args.get("q") or None, **filters)
        names = {officer["id"]: officer["username"] for officer in tx.officers()}
    events = [_audit_row(row, names) for row in rows]
    return jsonify(events=events, next_before=events[-1]["id"] if len(events) == limit else None)


def _audit_row(row: dict, names: dict[int, str]) -> dict:
    details = row["details"]
    return {
        "id": row["id"],
        "at": row["at"],
        "kind": row["kind"],
        "officer_id": row["officer_id"],
        "officer": names.get(row["officer_id"]),
        "what": details.get("what"),
        "before": details.get("before"),
        "after": details.get("after"),
    }


def _scope(agency: str | None) -> AuditScope:
    config = current_hall().config
    known = config.agencies.get(agency or "")
    names = (agency or "", known.short_name) if known and known.short_name else (agency or "",)
    counters = tuple(c.id for c in config.counters.values() if {config.services[s].agency for s in c.services} == {agency})
    return AuditScope(agency or "", names, counters)


def _choice(name: str, choices: tuple[str, ...]) -> tuple[str, ...]:
    value = request.args.get(name)
    if value is None:
        return choices
    if value not in choices:
        raise ApiError(400, "invalid", "error.audit_kind", name, kinds=", ".join(choices))
    return (value,)


def _number(name: str, default: int | None = None, maximum: int = 2**62) -> int | None:
    value = request.args.get(name)
    if value is None:
        return default
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= maximum:
        raise ApiError(400, "invalid", "error.audit_number", name, name=name, max=maximum)
    return int(value)


def _moment(name: str) -> str | None:
    """An ISO date or time, in the hall's timezone when it names none, as the events store it (UTC)."""
    value = request.args.get(name)
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ApiError(400, "invalid", "error.audit_time", name, name=name) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=current_hall().config.timezone)
    return iso(moment)
