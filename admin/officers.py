"""The officers area: accounts, roles, passwords, sessions, and who is signed in at which counter.

Every rule (who may manage whom, valid roles and agencies, the last hall admin) is the accounts'
(queue_server/accounts.py, queue_server/roles.py); this module only maps requests onto them.
"""

from __future__ import annotations

from antre.queue_server.accounts import one_time_password
from antre.queue_server.api import _body
from antre.queue_server.clock import iso
from antre.queue_server.errors import ApiError
from antre.queue_server.hall import current_hall
from antre.queue_server.roles import is_hall_admin
from flask import g, jsonify

from . import add_section, admin_page, admin_required, api, bp, render_page


@bp.get("/officers")
@admin_page
def officers_page():
    hall = current_hall().config
    agencies = list(hall.agencies) if is_hall_admin(g.officer) else [g.officer["agency"]]
    return render_page("admin/officers.html", agencies=agencies, counters=list(hall.counters.values()))


add_section("admin.officers_page", "admin.officers")


@api.get("/officers")
@admin_required
def list_officers():
    """The officers the caller may manage, each with where they are signed in."""
    hall = current_hall()
    sessions = hall.accounts.sessions()
    held = hall.engine.counters_held()
    return jsonify([_with_presence(o, sessions, held) for o in hall.accounts.list(by=g.officer)])


def _with_presence(officer: dict, sessions: dict[int, dict], held: dict[str, dict]) -> dict:
    """``signed_in``: null, or how many sessions since when, and the counters the officer holds with
    when each counter's console was last seen (queue_server/presence.py)."""
    open_sessions = sessions.get(officer["id"])
    if open_sessions is None:
        return {**officer, "signed_in": None}
    presence = current_hall().presence
    counters = [
        {"id": counter_id, "seen_at": _iso_or_none(presence.last_seen(counter_id))}
        for counter_id, state in held.items()
        if state["officer_id"] == officer["id"]
    ]
    return {**officer, "signed_in": {**open_sessions, "counters": counters}}


def _iso_or_none(moment) -> str | None:
    return iso(moment) if moment is not None else None


@api.post("/officers")
@admin_required
def add_officer():
    """Without ``password`` the officer gets a one-time password, returned once, to change at log-in."""
    body = _body()
    accounts = current_hall().accounts
    password = body.get("password")
    one_time = None
    if password is None:
        one_time = password = one_time_password()
    officer = accounts.add(
        _username(body),
        password,
        body.get("role") or "officer",
        _counters(body),
        body.get("agency"),
        by=g.officer,
        must_change=one_time is not None,
    )
    return jsonify({**officer, "one_time_password": one_time}), 201


@api.patch("/officers/<username>")
@admin_required
def edit_officer(username: str):
    body = _body()
    counters = _counters(body) if "counters" in body else None
    officer = current_hall().accounts.update(username, g.officer, counters=counters, role=body.get("role"), agency=body.get("agency"))
    return jsonify(officer)


@api.delete("/officers/<username>")
@admin_required
def disable_officer(username: str):
    """Disable (the record stays, for the audit trail and the tickets they served)."""
    return jsonify(current_hall().accounts.disable(username, g.officer))


@api.post("/officers/<username>/enable")
@admin_required
def enable_officer(username: str):
    return jsonify(current_hall().accounts.enable(username, g.officer))


@api.post("/officers/<username>/password")
@admin_required
def reset_password(username: str):
    one_time, officer = current_hall().accounts.reset_password(username, g.officer)
    return jsonify({**officer, "one_time_password": one_time})


@api.delete("/officers/<username>/sessions")
@admin_required
def end_sessions(username: str):
    hall = current_hall()
    officer = hall.accounts.end_sessions(username, g.officer)
    hall.presence.signed_out(officer["id"])
    return jsonify(officer)


def _username(body: dict) -> str:
    username = body.get("username")
    if not isinstance(username, str):
        raise ApiError(400, "invalid", "error.username", "username")
    return username.strip().lower()


def _counters(body: dict) -> list[str]:
    counters = body.get("counters") or []
    if not isinstance(counters, list) or not all(isinstance(c, str) for c in counters):
        raise ApiError(400, "invalid", "error.counters_list", "counters")
    return counters
