"""The live monitor (/admin/monitor) for the hall manager's screen, and its REST endpoints at
/api/v1/monitor: the services' waits against their targets, their counters, and the alerts (the rule
and the alerts' log are queue_server/monitor.py's). A hall admin sees the hall, an agency admin their
agency's services only; officers are refused (403), anonymous callers 401.
"""

from __future__ import annotations

from datetime import date

from antre.queue_server import monitor
from antre.queue_server.errors import ApiError
from antre.queue_server.hall import current_hall
from antre.queue_server.roles import is_hall_admin
from flask import Blueprint, g, jsonify, request

from . import add_section, admin_page, admin_required, bp, render_page

api = Blueprint("monitor_api", __name__, url_prefix="/api/v1/monitor")


@bp.get("/monitor")
@admin_page
def monitor_page():
    """The agencies offered by the filter are the ones the admin may see; times in the hall's clock."""
    hall = current_hall().config
    agencies = list(dict.fromkeys(s.agency for s in hall.services.values())) if is_hall_admin(g.officer) else [g.officer["agency"]]
    return render_page("admin/monitor.html", agencies=agencies, timezone=hall.timezone.key)


add_section("admin.monitor_page", "monitor.title")


def _scope() -> str | None:
    """The agency whose services the caller sees: None (every one) for a hall admin."""
    return None if is_hall_admin(g.officer) else g.officer["agency"]


@api.get("", strict_slashes=False)
@admin_required
def monitor_state():
    return jsonify(monitor.state(current_hall().engine, _scope()))


@api.get("/alerts")
@admin_required
def monitor_alerts():
    """The logged alerts of the hall's local days ``from``..``to`` (each defaults to today)."""
    engine = current_hall().engine
    today = engine.today()
    from_day, to_day = _day("from", today), _day("to", today)
    if from_day > to_day:
        raise ApiError(400, "invalid", "error.monitor_range", "from")
    return jsonify(alerts=monitor.logged_alerts(engine, from_day, to_day, _scope()), period={"from": from_day, "to": to_day})


def _day(name: str, default: str) -> str:
    value = request.args.get(name) or default
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise ApiError(400, "invalid", "error.monitor_day", name, name=name) from None
