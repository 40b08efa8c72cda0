"""The SKM report's REST API beside the survey's (``/api/v1/skm``): the follow-up plans, the exports,
and the public summary that the page /skm and the lobby display show.

The follow-up plans are the administrators' (a hall admin all of them, an agency admin their own
agency's; officers 403). The public summary is for anyone: per agency only, never a comment, a
counter or an officer, and no value for an agency with fewer responses than ``survey.min_respondents``.
"""

from __future__ import annotations

from antre.queue_server.api import json_body
from antre.queue_server.hall import current_hall
from antre.queue_server.reports.figures import ReportFilters
from antre.queue_server.skm.followups import Followups
from antre.queue_server.skm.store import FOLLOWUP_COLUMNS, FollowupStore
from flask import Blueprint, Response, g, jsonify, request

from . import admin_required

bp = Blueprint("skm_report_api", __name__, url_prefix="/api/v1/skm")


@bp.after_request
def _no_store(response: Response) -> Response:
    """Staff answers are never cached; the public summary says its own (a minute: it changes slowly)."""
    response.headers.setdefault("Cache-Control", "no-store")
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
