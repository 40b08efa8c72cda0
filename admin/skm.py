"""The SKM pages: /admin/skm (the IKM of any period and scope, its elements, sample, profile,
breakdown, comments and follow-up plans, drawn from ``GET /api/v1/skm`` and its siblings) and
/admin/skm/print (the report a unit submits, rendered whole on the server so that it prints the same
from any browser). Hall admins see the hall, agency admins their agency (the API's scope rule)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from antre.queue_server.engine import InvalidInput
from antre.queue_server.hall import current_hall
from antre.queue_server.reports.figures import ReportFilters
from antre.queue_server.roles import Forbidden
from antre.queue_server.skm.elements import ELEMENTS
from antre.queue_server.skm.exports import SkmTables, weighted
from antre.queue_server.skm.index import GRADES, LOWEST_GRADE, PROFILE_FIELDS, SCALE
from antre.queue_server.skm.publication import quarter_of
from babel.dates import format_date
from babel.numbers import format_decimal
from flask import g, request

from . import add_section, admin_page, bp, render_page
from .skm_report_api import report, scoped_filters


@bp.get("/skm")
@admin_page
def skm_page():
    """The period presets count from the hall's today, not the browser's."""
    hall = current_hall()
    return render_page("admin/skm.html", today=hall.engine.today(), elements=ELEMENTS, min_respondents=hall.config.survey.min_respondents)


add_section("admin.skm_page", "skm.report.nav")


@bp.get("/skm/print")
@admin_page
def skm_print():
    """``from``/``to`` (the current quarter without them) and ``agency`` (an agency admin's own is
    the only one they may name): a bad one is said on the page, not as a bare error."""
    hall = current_hall()
    lang = hall.config.language
    first, last = quarter_of(date.fromisoformat(hall.engine.today()))
    args = {"from": first.isoformat(), "to": last.isoformat(), **request.args.to_dict()}
    try:
        filters = scoped_filters({name: args.get(name) for name in ("from", "to", "agency")})
    except (InvalidInput, Forbidden) as problem:
        status = 403 if isinstance(problem, Forbidden) else 400
        return render_page("admin/skm_print.html", status, problem=problem.text(lang), whole=None)
    whole = report(filters, g.officer, lang)
    return render_page(
        "admin/skm_print.html",
        whole=whole,
        skm=whole["skm"],
        unit=filters.agency or hall.config.name,
        period=_period_words(filters, lang),
        printed=format_date(date.fromisoformat(hall.engine.today()), "long", locale=lang),
        numbers=SkmNumbers(lang),
        weighted=weighted,
        profile_fields=PROFILE_FIELDS,
        profile_label=SkmTables(lang).profile_label,
        grade_bands=grade_bands(),
    )


def grade_bands() -> list[tuple[str, Decimal, Decimal]]:
    """The grade table as (grade, lowest IKM, highest IKM), best first, read from the index's own
    table (queue_server/skm/index.py GRADES) so that the printed method never disagrees with it."""
    step = Decimal("0.01")
    lows = [*GRADES, (Decimal(SCALE), LOWEST_GRADE)]
    highs = [Decimal(SCALE * 4), *(low - step for low, _grade in GRADES)]
    return [(grade, low, high) for (low, grade), high in zip(lows, highs, strict=True)]


def _period_words(filters: ReportFilters, lang: str) -> str:
    first, last = (format_date(date.fromisoformat(day), "long", locale=lang) for day in (filters.from_day, filters.to_day))
    return f"{first} – {last}"


class SkmNumbers:
    """The SKM's figures as the report's language writes them: NRR to 3 decimals, IKM to 2, "–" for none."""

    def __init__(self, lang: str):
        self.lang = lang

    def count(self, value: int | None) -> str:
        return "–" if value is None else format_decimal(value, "#,##0", locale=self.lang)

    def nrr(self, value: float | None) -> str:
        return "–" if value is None else format_decimal(value, "0.000", locale=self.lang)

    def index(self, value: float | None) -> str:
        """Σ NRR × 1/9 to 4 decimals, as the API rounds it."""
        return "–" if value is None else format_decimal(value, "0.0000", locale=self.lang)

    def ikm(self, value: float | None) -> str:
        return "–" if value is None else format_decimal(value, "0.00", locale=self.lang)
