"""The SKM survey's REST API (docs/CONTRACT.md "SKM survey API").

* ``POST /api/v1/tickets/<id>/survey`` and ``GET`` of it are public: the ticket id is the survey's
  token (queue_server/skm/survey.py has the rules). Responses are limited per client address.
* ``GET /api/v1/skm``, ``/skm/breakdown`` and ``/skm/comments`` are staff's, authenticated like the
  rest of /api/v1. Who reads which figures is the reports' rule (``roles.report_scope``): a hall
  admin the hall, an agency admin their agency, an officer their own aggregate only (and a counter's
  or officer's figures only from ``survey.min_respondents`` responses, skm/figures.py). The comments
  are the administrators' only. Every staff request first brings the reports' facts up to date,
  since the population N is counted from them.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, current_app, g, jsonify, request

from .api import json_body, officer_required
from .errors import request_language
from .hall import current_hall
from .issuing_access import client_of
from .ratelimit import SlidingWindow
from .reports.figures import ReportFilters
from .roles import report_scope, require_admin
from .skm.figures import SkmFigures, with_period
from .skm.survey import BODY_FIELDS
from .skm.tablet import COOKIE as TABLET_COOKIE
from .skm.tablet import TABLET, channel_of

bp = Blueprint("skm_api", __name__, url_prefix="/api/v1")
# Survey responses per client address and hour. A visitor answers once per ticket, a family a few
# times; every try counts, refused ones too, so that guessing ticket ids costs as much as answering.
# The counter's paired tablet (one address answering for a whole counter) is not counted.
RESPONSES_PER_ADDRESS_PER_HOUR = 30
_LIMIT = "antre.survey_limit"


@bp.after_request
def _no_store(response: Response) -> Response:
    """Survey states and figures are never kept in a browser's or a proxy's cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _limit() -> SlidingWindow:
    limit = current_app.extensions.get(_LIMIT)
    if limit is None:
        limit = current_app.extensions[_LIMIT] = SlidingWindow(
            RESPONSES_PER_ADDRESS_PER_HOUR, timedelta(hours=1), current_hall().engine.clock
        )
    return limit


@bp.get("/tickets/<ticket_id>/survey")
def survey_state(ticket_id: str):
    return jsonify(current_hall().survey.state(ticket_id))


@bp.post("/tickets/<ticket_id>/survey")
def answer_survey(ticket_id: str):
    """The channel is ``tablet`` when the request carries the tablet key of the counter that served
    the ticket (skm/tablet.py), else ``phone``; a paired tablet answers for a whole counter's visitors
    from one address, so only phones count against the per-address limit."""
    hall = current_hall()
    channel = channel_of(hall, ticket_id, request.cookies.get(TABLET_COOKIE))
    if channel != TABLET:
        _limit().take(client_of(request.remote_addr or ""))
    hall.survey.answer(ticket_id, json_body(BODY_FIELDS), channel)
    return jsonify(ok=True), 201


def _filters(allowed: tuple[str, ...] = ("from", "to", "agency", "service", "counter", "officer")) -> ReportFilters:
    """The query's period (``from``/``to``, or ``period``) and scope, validated (400 naming the
    parameter), then scoped to the caller (403)."""
    hall = current_hall()
    officers = {o["id"]: o for o in hall.accounts.list()}
    args = {name: value for name, value in with_period(request.args).items() if name in allowed}
    filters = ReportFilters.parse(args, hall.config, lambda officer_id: officer_id in officers)
    return report_scope(g.officer, filters, hall.config, officers.get)


def skm_figures() -> SkmFigures:
    """The survey's figures, after the reports' facts (the population N) catch up with the log."""
    hall = current_hall()
    hall.summaries.catch_up()
    return SkmFigures(hall.survey.responses, hall.summaries.reports, hall.config)


@bp.get("/skm")
@officer_required
def skm():
    filters = _filters()
    return jsonify(skm_figures().summary(filters, request_language()))


@bp.get("/skm/breakdown")
@officer_required
def skm_breakdown():
    filters = _filters()
    return jsonify(skm_figures().breakdown(filters, request.args.get("by", ""), request_language()))


@bp.get("/skm/comments")
@officer_required
def skm_comments():
    require_admin(g.officer)
    return jsonify(skm_figures().comments(_filters(("from", "to", "agency", "service"))))
