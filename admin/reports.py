"""The report pages: /admin/reports (the figures of any period, drawn as charts each with its table)
and /admin/reports/monthly (a month printed for sending upward: the hall, then a page per agency).

Both read through the reports' one scope rule (roles.report_scope): a hall admin sees the hall, an
agency admin their agency, an officer only their own figures. /admin/reports draws what
``GET /api/v1/reports/detail`` returns, so the page and the exports can never disagree; the monthly
report is rendered on the server, whole, so that it prints the same from any browser.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from antre.queue_server.engine import InvalidInput
from antre.queue_server.hall import current_hall
from antre.queue_server.reports.figures import ReportFilters, Reports, hall_agencies
from antre.queue_server.reports.monthly import month_range
from antre.queue_server.reports.worker import answer
from antre.queue_server.roles import Forbidden, report_scope
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent
from flask import g, request

from . import add_section, admin_page, bp, officer_page, render_page


@bp.get("/reports")
@officer_page
def reports_page():
    """The date picker starts at the hall's today, not the browser's: the period presets count from it."""
    return render_page("admin/reports.html", today=current_hall().engine.today())


add_section("admin.reports_page", "report.page.title")


@bp.get("/reports/monthly")
@admin_page
def monthly_page():
    """``month`` (YYYY-MM, the last whole month without it) and ``agency`` (an agency admin's own is
    the only one they may name): a bad one is said on the page, not as a bare error."""
    hall = current_hall()
    lang = hall.config.language
    try:
        first, last = month_range(request.args.get("month"), hall.engine.today())
        args = {"from": first, "to": last, "agency": request.args.get("agency")}
        filters = report_scope(g.officer, ReportFilters.parse(args, hall.config, lambda _id: False), hall.config)
    except (InvalidInput, Forbidden) as problem:
        status = 403 if isinstance(problem, Forbidden) else 400
        return render_page("admin/monthly.html", status, problem=problem.text(lang), month=None, agencies=hall_agencies(hall.config))
    report = _monthly(filters)
    return render_page(
        "admin/monthly.html",
        month=report,
        month_name=format_date(date.fromisoformat(first), "MMMM y", locale=lang),
        previous_name=format_date(date.fromisoformat(report["previous_period"]["from"]), "MMMM y", locale=lang),
        printed=format_date(date.fromisoformat(hall.engine.today()), "long", locale=lang),
        agency=filters.agency,
        agencies=hall_agencies(hall.config),
        numbers=Numbers(lang),
        chart=_chart_data,
    )


def _monthly(filters: ReportFilters) -> dict[str, Any]:
    """The month's figures, computed where the API's reports are (the report process when the server
    has one: a long computation must not hold up an officer's Next)."""
    hall = current_hall()
    hall.summaries.catch_up()
    if hall.report_worker is not None:
        return hall.report_worker.run(hall.config, hall.engine.clock(), "monthly", filters, hall.config.language)
    return answer(Reports(hall.summaries.reports, hall.config, hall.engine.clock), "monthly", filters, hall.config.language)


class Numbers:
    """Figures as the report's language writes them ("12,5", "87,5 %"), and "–" for none."""

    def __init__(self, lang: str):
        self.lang = lang

    def count(self, value: int | None) -> str:
        return "–" if value is None else format_decimal(value, "#,##0", locale=self.lang)

    def minutes(self, value: float | None) -> str:
        return "–" if value is None else format_decimal(value, "#,##0.0", locale=self.lang)

    def share(self, value: float | None) -> str:
        return "–" if value is None else format_percent(value, "#,##0.0 %", locale=self.lang)


def _chart_data(section: dict[str, Any]) -> str:
    """The small chart's data (tickets issued and served per day) for admin/static/monthly.js."""
    days = section["daily"]
    return json.dumps(
        {"labels": [d["day"][8:] for d in days], "issued": [d["issued"] for d in days], "served": [d["served"] for d in days]}
    )
