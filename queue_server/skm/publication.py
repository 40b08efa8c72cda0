"""What the hall publishes of its SKM: the latest completed quarter's and the current year's IKM and
grade, for the hall and per agency, with the follow-up plans' progress (the public page /skm, its JSON
``GET /api/v1/skm/public`` and the lobby display's panel).

Only aggregates per agency are published, never a comment, a service, a counter or an officer; an
agency (or the hall) with fewer responses than ``survey.min_respondents`` is listed without a value,
so a handful of answers is never published as the unit's index.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from .followups import STATUSES
from .store import FollowupStore

# figures(from_day, to_day, agency) -> the SKM answer of GET /api/v1/skm for that scope;
# by_agency(from_day, to_day) -> its breakdown rows by agency.
Figures = Callable[[str, str, str | None], dict[str, Any]]
ByAgency = Callable[[str, str], list[dict[str, Any]]]


def quarter_of(day: date) -> tuple[date, date]:
    """The first and last day of the calendar quarter holding ``day``."""
    first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    after = date(day.year + 1, 1, 1) if first.month == 10 else date(day.year, first.month + 3, 1)
    return first, after - timedelta(days=1)


def published_periods(today: str) -> list[dict[str, str]]:
    """The latest quarter that has ended, and the current year up to today."""
    day = date.fromisoformat(today)
    first, _ = quarter_of(day)
    q_first, q_last = quarter_of(first - timedelta(days=1))
    quarter = {
        "kind": "quarter",
        "label": f"{q_first.year}-Q{(q_first.month - 1) // 3 + 1}",
        "from": q_first.isoformat(),
        "to": q_last.isoformat(),
    }
    year = {"kind": "year", "label": str(day.year), "from": date(day.year, 1, 1).isoformat(), "to": today}
    return [quarter, year]


def _value(row: dict[str, Any], minimum: int) -> dict[str, Any]:
    """A unit's published figures: its value only from ``minimum`` responses on."""
    shown = row.get("respondents", 0) >= minimum and row.get("ikm") is not None and not row.get("hidden")
    return {
        "respondents": row.get("respondents", 0),
        "shown": shown,
        "ikm": row["ikm"] if shown else None,
        "grade": row["grade"] if shown else None,
        "grade_label": row["grade_label"] if shown else None,
    }


def public_summary(name: str, today: str, minimum: int, figures: Figures, by_agency: ByAgency, plans: FollowupStore) -> dict[str, Any]:
    """The published SKM: for each period the hall's figures, each agency's (best first, then the
    ones without a value by name) and how many follow-up plans are at each status."""
    periods = []
    for period in published_periods(today):
        hall = figures(period["from"], period["to"], None)
        agencies = [
            {"agency": row.get("agency") or row.get("name") or row["key"], **_value(row, minimum)}
            for row in by_agency(period["from"], period["to"])
        ]
        agencies.sort(key=lambda a: (not a["shown"], -(a["ikm"] or 0), a["agency"]))
        status = dict.fromkeys(STATUSES, 0)
        for _agency, state, count in plans.followup_status_counts(period["from"], period["to"]):
            status[state] = status.get(state, 0) + count
        periods.append({**period, "hall": _value(hall, minimum), "agencies": agencies, "followups": status})
    return {"hall": name, "min_respondents": minimum, "periods": periods}
