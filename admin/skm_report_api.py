"""The SKM report's REST API beside the survey's (``/api/v1/skm``): the follow-up plans and the
exports, and the report's figures as the printable page and the publication (admin/skm_public.py)
read them in-process.

Administrators only: a hall admin every plan and the hall's figures, an agency admin their own
agency's (``roles.report_scope``, as the survey's API); officers 403.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from antre.queue_server.api import json_body
from antre.queue_server.engine import InvalidInput
from antre.queue_server.errors import request_language
from antre.queue_server.hall import current_hall
from antre.queue_server.reports.exports import to_csv, to_xlsx
from antre.queue_server.reports.figures import ReportFilters
from antre.queue_server.roles import report_scope
from antre.queue_server.skm.exports import SECTIONS, SkmTables
from antre.queue_server.skm.figures import with_period
from antre.queue_server.skm.followups import Followups
from antre.queue_server.skm.store import FOLLOWUP_COLUMNS, FollowupStore
from antre.queue_server.skm_api import skm_figures
from flask import Blueprint, Response, g, jsonify, request

from . import admin_required

bp = Blueprint("skm_report_api", __name__, url_prefix="/api/v1/skm")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.after_request
def _no_store(response: Response) -> Response:
    """Staff answers are never kept in a browser's or a proxy's cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


def followups() -> Followups:
    hall = current_hall()
    return Followups(FollowupStore(hall.store), hall.config, hall.engine.clock)


@bp.get("/followups")
@admin_required
def followup_list():
    """``from``, ``to`` (required) and ``agency``: the plans of periods overlapping the range."""
    period = ReportFilters.parse(request.args, current_hall().config, lambda _id: False)
    return jsonify(followups=followups().list(period.from_day, period.to_day, g.officer, period.agency))


@bp.post("/followups")
@admin_required
def followup_add():
    body = json_body(FOLLOWUP_COLUMNS)
    return jsonify(followups().add(body, g.officer)), 201


@bp.patch("/followups/<int:followup_id>")
@admin_required
def followup_change(followup_id: int):
    body = json_body(FOLLOWUP_COLUMNS)
    return jsonify(followups().change(followup_id, body, g.officer))


# --- the figures, as GET /api/v1/skm and /api/v1/skm/breakdown give them -------------------------------
def skm_answer(filters: ReportFilters, lang: str) -> dict[str, Any]:
    """The SKM of a period and scope: the very answer of ``GET /api/v1/skm``."""
    return skm_figures().summary(filters, lang)


def breakdown_rows(filters: ReportFilters, by: str, lang: str) -> list[dict[str, Any]]:
    """The rows of ``GET /api/v1/skm/breakdown`` (``by``: agency, service or counter)."""
    return skm_figures().breakdown(filters, by, lang)["rows"]


def report(filters: ReportFilters, officer: dict, lang: str) -> dict[str, Any]:
    """Everything the printable report and the exports hold, for a scope the caller may read: the
    SKM, its breakdown (per agency for the hall, per service for an agency) and the follow-up plans."""
    config = current_hall().config
    by = "agency" if filters.agency is None and filters.service is None and filters.counter is None else "service"
    below = replace(filters, service=None, counter=None, officer=None)
    return {
        "skm": skm_answer(filters, lang),
        "by": by,
        "breakdown": breakdown_rows(below, by, lang),
        "followups": followups().list(filters.from_day, filters.to_day, officer, filters.agency),
        "min_respondents": config.survey.min_respondents,
    }


def scoped_filters(args: Any) -> ReportFilters:
    """The query's period and scope, validated (400 naming the parameter) and kept to the caller's (403)."""
    hall = current_hall()
    officers = {o["id"]: o for o in hall.accounts.list()}
    filters = ReportFilters.parse(with_period(args), hall.config, lambda officer_id: officer_id in officers)
    return report_scope(g.officer, filters, hall.config, officers.get)


def _download(body: str | bytes, extension: str, filters: ReportFilters, stem: str) -> Response:
    response = Response(body, mimetype="text/csv" if extension == "csv" else XLSX)
    response.headers["Content-Disposition"] = f'attachment; filename="antre-{stem}-{filters.from_day}-{filters.to_day}.{extension}"'
    return response


@bp.get("/export.xlsx")
@admin_required
def export_xlsx():
    """The report's five sheets (summary, elements, profile, breakdown, follow-up)."""
    filters, lang = scoped_filters(request.args), request_language()
    tables = SkmTables(lang)
    whole = report(filters, g.officer, lang)
    return _download(to_xlsx([make(tables, whole) for make in SECTIONS.values()]), "xlsx", filters, "skm")


@bp.get("/export.csv")
@admin_required
def export_csv():
    """One section as CSV (``section``, default ``elements``): a CSV file holds one table."""
    section = request.args.get("section", "elements")
    if section not in SECTIONS:
        raise InvalidInput("error.skm_export_section", "section", sections=", ".join(SECTIONS))
    filters, lang = scoped_filters(request.args), request_language()
    return _download(to_csv(SECTIONS[section](SkmTables(lang), report(filters, g.officer, lang))), "csv", filters, f"skm-{section}")
