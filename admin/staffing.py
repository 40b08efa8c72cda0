"""The staffing advisor: the page /admin/staffing and ``GET /api/v1/reports/staffing``.

For a weekday, from the reports' legs and spans of a date range (the last eight weeks unless asked),
how many counters each service needs per hour for a share of visitors within its target wait
(queue_server/reports/staffing.py, Erlang C), beside the counters it had; with ``simulate=1`` the
same inputs played through the hall-day simulator (queue_server/staffing_check.py), computed in the
server's report process like the reports. Administrators only; an agency admin sees their agency
(``roles.report_scope``, the reports' one rule).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from antre.queue_server.engine import InvalidInput
from antre.queue_server.hall import current_hall
from antre.queue_server.reports import staffing
from antre.queue_server.reports.figures import ReportFilters, hall_agencies, services_of
from antre.queue_server.roles import is_hall_admin, report_scope
from antre.queue_server.staffing_check import DEFAULT_DAYS, MAX_DAYS, staffing_answer
from flask import g, jsonify, request

from . import add_section, admin_page, admin_required, bp, render_page
from .reports_api import bp as reports_bp


@bp.get("/staffing")
@admin_page
def staffing_page():
    hall = current_hall().config
    agencies = hall_agencies(hall) if is_hall_admin(g.officer) else [g.officer["agency"]]
    return render_page("admin/staffing.html", agencies=agencies, weekday=_today().weekday())


add_section("admin.staffing_page", "staffing.title")


@dataclass(frozen=True)
class _Query:
    filters: ReportFilters
    weekday: int
    share: float
    simulate_days: int | None  # None: no simulator check


@reports_bp.get("/staffing")
@admin_required
def staffing_advice():
    query = _query()
    hall = current_hall()
    hall.summaries.catch_up()
    filters = query.filters
    question = (services_of(hall.config, filters), filters.from_day, filters.to_day, query.weekday, query.share, query.simulate_days)
    if hall.report_worker is not None:  # under antre run: never in the process that serves an officer's Next
        return jsonify(hall.report_worker.call(staffing_answer, hall.config, *question))
    return jsonify(staffing_answer(hall.summaries.reports, hall.config, *question))


def _query() -> _Query:
    """The query's parameters, each bad one a 400 naming it, then scoped to the caller (403)."""
    hall = current_hall()
    args = request.args
    weekday = _number(args, "weekday", int, 0, 6, _today().weekday())
    share = _number(args, "share", float, 0.01, 0.99, staffing.DEFAULT_SHARE)
    simulate_days = _number(args, "days", int, 1, MAX_DAYS, DEFAULT_DAYS) if args.get("simulate") == "1" else None
    last = _today() - timedelta(days=1)
    period = {"from": (last - timedelta(weeks=staffing.DEFAULT_WEEKS) + timedelta(days=1)).isoformat(), "to": last.isoformat()}
    asked = {key: args[key] for key in ("from", "to", "agency", "service") if args.get(key)}
    filters = ReportFilters.parse(period | asked, hall.config, lambda _id: False)
    return _Query(report_scope(g.officer, filters, hall.config), weekday, share, simulate_days)


def _today() -> date:
    """The hall's local day: the page's and the API's default weekday, and the end of the default range."""
    return date.fromisoformat(current_hall().engine.today())


def _number(args, name: str, kind: type, low: float, high: float, default: float):
    """A number parameter within ``low``..``high``: 400 ``invalid`` naming it otherwise."""
    text = args.get(name)
    if text is None or text == "":
        return default
    try:
        value = kind(text)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise InvalidInput("error.staffing_number", name, name=name, low=low, high=high)
    return value
