"""The monthly report sent upward (admin/reports.py prints it): the hall, then each agency.

One read of the month's fact rows (and one of the month before, for the comparison), grouped by agency
here, instead of a report per agency: the figures are the same functions the API's ``detail`` uses,
so the printed month equals the reports page for the same month and agency.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from ..engine import InvalidInput
from .figures import SERVICE, ReportFilters, Reports, daily, hall_agencies, priority, services_of, summarise


def month_range(text: str | None, today: str) -> tuple[str, str]:
    """The first and last day of ``text`` (YYYY-MM); without it the last whole month before ``today``,
    the one a monthly report is usually made for."""
    if not text:
        first_of_this = date.fromisoformat(today).replace(day=1)
        text = (first_of_this - timedelta(days=1)).isoformat()[:7]
    try:
        first = date.fromisoformat(f"{text}-01")
    except ValueError:
        raise InvalidInput("error.report_month", "month") from None
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first.isoformat(), (following - timedelta(days=1)).isoformat()


def month_before(filters: ReportFilters) -> ReportFilters:
    """The calendar month before (a monthly report compares months, not equal numbers of days)."""
    last = date.fromisoformat(filters.from_day) - timedelta(days=1)
    return replace(filters, from_day=last.replace(day=1).isoformat(), to_day=last.isoformat())


def _section(facts: list[tuple], before: list[tuple], filters: ReportFilters, reports: Reports) -> dict[str, Any]:
    by_service: dict[str, list[tuple]] = defaultdict(list)
    for fact in facts:
        by_service[fact[SERVICE]].append(fact)
    return {
        "summary": summarise(facts),
        "previous": summarise(before),
        "daily": daily(facts, filters),
        "priority": priority(facts),
        "by_service": reports.by_service(by_service, filters),
        "by_agency": reports.by_agency(by_service, filters),
    }


def monthly(reports: Reports, filters: ReportFilters) -> dict[str, Any]:
    """``hall`` (the whole hall, with ``by_agency``; None when ``filters`` names an agency) and
    ``agencies``: each agency's section, in the setup's order."""
    config = reports.config
    previous = month_before(filters)
    facts, before = reports.facts(filters), reports.facts(previous)
    agency_of = {code: service.agency for code, service in config.services.items()}
    grouped: dict[str, list[tuple]] = defaultdict(list)
    grouped_before: dict[str, list[tuple]] = defaultdict(list)
    for fact in facts:
        grouped[agency_of.get(fact[SERVICE], "")].append(fact)
    for fact in before:
        grouped_before[agency_of.get(fact[SERVICE], "")].append(fact)
    covered = {agency_of[code] for code in services_of(config, filters)}
    names = [name for name in hall_agencies(config) if name in covered]
    hall = _section(facts, before, filters, reports) if filters.agency is None else None
    agencies = [{"agency": name, **_section(grouped[name], grouped_before[name], replace(filters, agency=name), reports)} for name in names]
    return {
        "period": {"from": filters.from_day, "to": filters.to_day},
        "previous_period": {"from": previous.from_day, "to": previous.to_day},
        "hall": hall,
        "agencies": agencies,
    }
