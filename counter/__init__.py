"""The officer console at /counter: log in, choose a counter, serve the queue from the keyboard.

The pages are rendered here; every queue action is a request from the page's JavaScript to the
REST API (/api/v1/counters/...), authenticated by the session cookie plus the page's CSRF token
(queue_server/session.py). Permissions are the API's: this blueprint only decides which page to show.
"""

from __future__ import annotations

from pathlib import Path

from antre.queue_server import session as console_session
from antre.queue_server.accounts import may_act_on
from antre.queue_server.config import PAUSE_REASONS
from antre.queue_server.engine import InvalidInput
from antre.queue_server.hall import current_hall
from flask import Blueprint, Response, current_app, jsonify, redirect, render_template, request, url_for

bp = Blueprint("counter", __name__, url_prefix="/counter", template_folder="templates", static_folder="static")

SOCKET_IO_CLIENT = Path("vendor/socket.io.min.js")
REPRINT_RULE = "/api/v1/tickets/<ticket_id>/reprint"
NEXT_AREAS = ("/counter", "/admin")  # where the log-in and password forms may send an officer on


@bp.after_request
def _no_store(response: Response) -> Response:
    """Console pages carry a CSRF token and an officer's view; never let a shared PC's cache keep them."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    return response


def _officer() -> dict | None:
    return console_session.officer()


def _counters_of(officer: dict) -> list:
    return [c for c in current_hall().config.counters.values() if may_act_on(officer, c.id, current_hall().config)]


def _login_page(error: str = "", status: int = 200, username: str = "", **params: object):
    """``error`` is a catalogue key, shown in both languages with ``params`` filled in."""
    page = render_template(
        "counter/login.html",
        hall=current_hall().config,
        csrf=console_session.csrf_token(),
        error=error,
        error_params=params,
        username=username,
        next=request.values.get("next", ""),
        logged_out=request.args.get("out") == "1",
    )
    return page, status


console_session.add_login_views(bp, _login_page, NEXT_AREAS)


@bp.route("/password", methods=["GET", "POST"])
def password():
    """Choose one's own password: required after an administrator's reset before anything else
    (the console and the administration send the officer here), and open to any officer."""
    officer = _officer()
    if officer is None:
        return redirect(url_for("counter.login_form", next=request.full_path))
    if request.method == "GET":
        return _password_page(officer)
    if not console_session.csrf_valid():
        return _password_page(officer, "console.form_expired", 400)
    form = request.form
    if form.get("new_password") != form.get("repeat_password"):
        return _password_page(officer, "console.password_mismatch", 400)
    try:
        current_hall().accounts.change_own_password(officer, form.get("current_password", ""), form.get("new_password", ""))
    except InvalidInput as error:
        return _password_page(officer, error.key, 400, **error.params)
    return redirect(console_session.safe_next(form.get("next"), NEXT_AREAS, "counter.home"))


def _password_page(officer: dict, error: str = "", status: int = 200, **params: object):
    page = render_template(
        "counter/password.html",
        hall=current_hall().config,
        officer=officer,
        csrf=console_session.csrf_token(),
        error=error,
        error_params=params,
        next=request.values.get("next", ""),
    )
    return page, status


@bp.get("", strict_slashes=False)
def home():
    """An officer of one counter goes straight to it, unless they have just left it ("Leave counter"
    lands here with ``?left=ID``): sending them back would open the counter they closed."""
    officer = _officer()
    if officer is None:
        return redirect(url_for("counter.login_form"))
    if officer["must_change_password"]:
        return redirect(url_for("counter.password"))
    counters = _counters_of(officer)
    left = current_hall().config.counters.get(request.args.get("left", ""))
    if len(counters) == 1 and left is None:
        return redirect(url_for("counter.console", counter_id=counters[0].id))
    return _choose_page(officer, left=left)


def _choose_page(officer: dict, error: str = "", left=None) -> str:
    hall = current_hall().config
    return render_template(
        "counter/choose.html",
        hall=hall,
        officer=officer,
        groups=_by_agency(_counters_of(officer)),
        services=hall.services.values(),
        csrf=console_session.csrf_token(),
        error=error,
        left=left,
    )


def _by_agency(counters: list) -> list[dict]:
    """The counters grouped by the agencies they serve, in the config's order: with 60 counters an
    officer finds theirs under their agency's name. A counter serving several agencies is one group
    of its own, headed by all of them."""
    hall = current_hall().config
    groups: dict[tuple[str, ...], dict] = {}
    for counter in counters:
        names = tuple(dict.fromkeys(hall.services[code].agency for code in counter.services))
        group = groups.setdefault(names, {"agencies": [hall.agency(name) for name in names], "counters": []})
        group["counters"].append({"counter": counter, "search": _counter_words(counter, group["agencies"])})
    return list(groups.values())


def _counter_words(counter, agencies: list) -> str:
    """What the chooser's filter field matches a counter by: its name and id, its services' codes and
    names, and its agencies' names."""
    services = [current_hall().config.services[code] for code in counter.services]
    words = [counter.id, counter.name, *(s.code for s in services), *(s.name for s in services)]
    words += [word for agency in agencies for word in (agency.name, agency.short_name)]
    return " ".join(words)


@bp.get("/<counter_id>")
def console(counter_id: str):
    officer = _officer()
    if officer is None:
        return redirect(url_for("counter.login_form", next=request.path))
    if officer["must_change_password"]:
        return redirect(url_for("counter.password", next=request.path))
    hall = current_hall().config
    counter = hall.counters.get(counter_id)
    if counter is None:
        return _choose_page(officer, "console.no_such_counter"), 404
    if not may_act_on(officer, counter_id, hall):
        return _choose_page(officer, "console.not_assigned"), 403
    current_hall().presence.seen(counter_id)
    return render_template(
        "counter/console.html",
        hall=hall,
        officer=officer,
        counter=counter,
        csrf=console_session.csrf_token(),
        settings=_console_settings(officer, counter),
        live_client=_live_client(),
    )


@bp.get("/<counter_id>/settings.json")
def console_settings(counter_id: str):
    """The console's settings read again after a setup change (the live channel's ``setup``): a renamed
    counter or changed services show without a reload; 404 when the counter was removed, 403 when it
    is no longer the officer's, so the page can offer the counter choice."""
    officer = _officer()
    if officer is None:
        return jsonify(error=_error("unauthorized", "log in again")), 401
    counter = current_hall().config.counters.get(counter_id)
    if counter is None:
        return jsonify(error=_error("not_found", f"no counter {counter_id!r}")), 404
    if not may_act_on(officer, counter_id, current_hall().config):
        return jsonify(error=_error("forbidden", f"counter {counter_id!r} is not yours")), 403
    return jsonify(_console_settings(officer, counter))


def _error(code: str, message: str) -> dict:
    return {"code": code, "message": message, "field": "counter_id"}


def _console_settings(officer: dict, counter) -> dict:
    """What the page's script needs, embedded as JSON: no extra round trip before the first paint."""
    hall = current_hall().config
    return {
        "counter": {"id": counter.id, "name": counter.name, "services": list(counter.services)},
        "officer": {"username": officer["username"], "role": officer["role"]},
        "services": [_service_entry(s) for s in hall.services.values()],
        "pause_reasons": list(PAUSE_REASONS),
        "timezone": hall.timezone.key,
        "can_reprint": _has_rule(REPRINT_RULE),
        "live": _live_client() is not None,
    }


def _service_entry(service) -> dict:
    """A service as the transfer dialog lists and searches it: grouped by agency, found by code,
    name, keywords or either of its agency's names."""
    agency = current_hall().config.agency(service.agency)
    return {
        "code": service.code,
        "name": service.name,
        "agency": agency.name,
        "agency_short": agency.short_name,
        "keywords": list(service.keywords),
    }


def _has_rule(rule: str) -> bool:
    return any(r.rule == rule for r in current_app.url_map.iter_rules())


def _live_client() -> str | None:
    """The Socket.IO client's URL when the live channel runs in this app; the console polls without it."""
    if getattr(current_hall(), "live", None) is None or not current_app.static_folder:
        return None
    if not (Path(current_app.static_folder) / SOCKET_IO_CLIENT).is_file():
        return None
    return url_for("static", filename=SOCKET_IO_CLIENT.as_posix())
