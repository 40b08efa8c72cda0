"""The published SKM, for anyone: the page /skm (no log-in, QR-able; a phone's width and a big screen
alike) and its JSON ``GET /api/v1/skm/public``, which the lobby display's panel reads too.

What is published is ``queue_server/skm/publication.py``'s: per agency only, and no value for a unit
with fewer responses than ``survey.min_respondents``. No session, no CSRF: nothing here is private.
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from antre.queue_server.errors import request_language
from antre.queue_server.hall import current_hall
from antre.queue_server.i18n import second_language
from antre.queue_server.reports.figures import ReportFilters
from antre.queue_server.skm.publication import public_summary
from antre.queue_server.skm.store import FollowupStore
from babel.dates import format_date
from flask import Blueprint, Response, current_app, jsonify, render_template

from .skm import SkmNumbers
from .skm_report_api import breakdown_rows, skm_answer

bp = Blueprint("skm_public", __name__)
MAX_AGE = 60  # seconds a browser, a proxy or this server keeps the published figures: they change slowly
_CACHE = "antre.skm_public"


def published(lang: str) -> dict[str, Any]:
    """The published figures, computed at most once a minute per language and day: anyone may ask
    for them, and a year of a big hall's responses takes a few hundred milliseconds to sum."""
    cache = current_app.extensions.setdefault(_CACHE, {})  # language → (until, day, figures)
    today = current_hall().engine.today()
    kept = cache.get(lang)
    if kept is None or kept[0] < time.monotonic() or kept[1] != today:
        kept = cache[lang] = (time.monotonic() + MAX_AGE, today, _summary(lang))
    return kept[2]


def _summary(lang: str) -> dict[str, Any]:
    hall = current_hall()
    config = hall.config

    def figures(from_day: str, to_day: str, agency: str | None) -> dict[str, Any]:
        return skm_answer(ReportFilters(from_day, to_day, agency=agency), lang)

    def by_agency(from_day: str, to_day: str) -> list[dict[str, Any]]:
        return breakdown_rows(ReportFilters(from_day, to_day), "agency", lang)

    return public_summary(config.name, hall.engine.today(), config.survey.min_respondents, figures, by_agency, FollowupStore(hall.store))


def _public(response: Response) -> Response:
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    return response


@bp.get("/api/v1/skm/public")
def public_json():
    return _public(jsonify(published(request_language())))


@bp.get("/skm")
def public_page():
    """Server-rendered whole, in the hall's language with the second beside it: it needs no script."""
    config = current_hall().config
    lang = config.language
    page = render_template(
        "admin/skm_public.html",
        summary=published(lang),
        hall=config,
        lang=lang,
        second=second_language(lang),
        numbers=SkmNumbers(lang),
        day=lambda text: format_date(date.fromisoformat(text), "long", locale=lang),
    )
    return _public(Response(page, mimetype="text/html"))
