"""The reports' REST API at /api/v1/reports: figures as JSON, CSV and XLSX, and the filter choices.

Authenticated like the rest of /api/v1 (Bearer token, or the console's session cookie with its CSRF
token). Who may read what is ``roles.report_scope``'s one rule: a hall admin the hall, an agency admin
their agency, an officer their own figures. Every request first applies the events committed since
the reports' tables were last brought up to date, so a report includes everything committed before it.
"""

from __future__ import annotations

from typing import Any

from antre.queue_server.api import officer_required
from antre.queue_server.engine import InvalidInput
from antre.queue_server.errors import request_language
from antre.queue_server.hall import current_hall
from antre.queue_server.reports.exports import SECTIONS
from antre.queue_server.reports.figures import ReportFilters, Reports, counters_of, hall_agencies, services_of
from antre.queue_server.reports.worker import answer
from antre.queue_server.roles import AGENCY_ADMIN, is_hall_admin, officer_agency, report_scope
from flask import Blueprint, Response, g, jsonify, request

bp = Blueprint("reports_api", __name__, url_prefix="/api/v1/reports")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.after_request
def _no_store(response: Response) -> Response:
    """Reports name officers and their times: never kept in a browser's or a proxy's cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _officers() -> dict[int, dict]:
    return {o["id"]: o for o in current_hall().accounts.list()}


def _filters() -> ReportFilters:
    """The query's filters, validated (400 naming the parameter), then scoped to the caller (403)."""
    hall = current_hall()
    officers = _officers()
    filters = ReportFilters.parse(request.args, hall.config, lambda officer_id: officer_id in officers)
    return report_scope(g.officer, filters, hall.config, officers.get)


def _answer(kind: str, section: str = "by_service") -> Any:
    """Catch the tables up with the log, then compute the answer: in the report process when the
    server has one (queue_server/reports/worker.py), else here."""
    filters, hall = _filters(), current_hall()
    hall.summaries.catch_up()
    if hall.report_worker is not None:
        return hall.report_worker.run(hall.config, hall.engine.clock(), kind, filters, request_language(), section)
    return answer(Reports(hall.summaries.reports, hall.config, hall.engine.clock), kind, filters, request_language(), section)


def _download(kind: str, section: str = "by_service") -> Response:
    """An export, named for what it holds: ``antre-by_service-2026-11-01-2026-11-30.csv``."""
    body = _answer(kind, section)
    stem, extension = kind.split(".")
    stem = section if kind == "detail.csv" else "report" if kind == "detail.xlsx" else stem
    period = f"{request.args['from']}-{request.args['to']}"  # valid: _answer has checked them
    response = Response(body, mimetype="text/csv" if extension == "csv" else XLSX)
    response.headers["Content-Disposition"] = f'attachment; filename="antre-{stem}-{period}.{extension}"'
    return response


def _section() -> str:
    section = request.args.get("section", "by_service")
    if section not in SECTIONS:
        raise InvalidInput("error.report_section", "section", sections=", ".join(SECTIONS))
    return section


@bp.get("/summary")
@officer_required
def summary():
    return jsonify(_answer("summary"))


@bp.get("/summary.csv")
@officer_required
def summary_csv():
    return _download("summary.csv")


@bp.get("/summary.xlsx")
@officer_required
def summary_xlsx():
    return _download("summary.xlsx")


@bp.get("/detail")
@officer_required
def detail():
    return jsonify(_answer("detail"))


@bp.get("/detail.csv")
@officer_required
def detail_csv():
    """One section as CSV (``section``, default ``by_service``): a CSV file holds one table."""
    return _download("detail.csv", _section())


@bp.get("/detail.xlsx")
@officer_required
def detail_xlsx():
    """Every section, a sheet each."""
    return _download("detail.xlsx")


@bp.get("/choices")
@officer_required
def choices():
    """What the caller may filter by: agencies, services, counters and officers within their scope."""
    hall, officer = current_hall(), g.officer
    config = hall.config
    if not is_hall_admin(officer) and officer["role"] != AGENCY_ADMIN:
        return jsonify(agencies=[], services=[], counters=[], officers=[{"id": officer["id"], "username": officer["username"]}])
    scope = ReportFilters("", "", agency=None if is_hall_admin(officer) else officer.get("agency"))
    services = services_of(config, scope)
    counters = counters_of(config, scope)
    people = [o for o in _officers().values() if scope.agency is None or officer_agency(config, o) == scope.agency]
    body: dict[str, Any] = {
        "agencies": [name for name in hall_agencies(config) if any(config.services[code].agency == name for code in services)],
        "services": [{"code": code, "name": config.services[code].name, "agency": config.services[code].agency} for code in services],
        "counters": [{"id": c, "name": config.counters[c].name} for c in (counters if counters is not None else config.counters)],
        "officers": [{"id": o["id"], "username": o["username"]} for o in sorted(people, key=lambda o: o["username"])],
    }
    return jsonify(body)
