"""The SKM report as tables: the sheets of ``GET /api/v1/skm/export.xlsx`` and the sections of
``export.csv``, made from the same JSON as the page (``GET /api/v1/skm``), so a download holds the
page's numbers. Headers come from the catalogue in the language asked for; numbers stay numbers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..i18n import gettext
from ..reports.exports import Table
from .elements import ELEMENTS, title_key
from .index import PROFILE_FIELDS


def weighted(nrr: float | None) -> float | None:
    """An element's share of the index, NRR × 1/9, as the submitted table shows it (3 decimals)."""
    return None if nrr is None else round(nrr / len(ELEMENTS), 3)


class SkmTables:
    """``report``: {"skm": the API's answer, "breakdown": rows, "by": their kind, "followups": plans}."""

    def __init__(self, lang: str):
        self.lang = lang

    def _(self, key: str, **params: Any) -> str:
        return gettext(self.lang, key, **params)

    def profile_label(self, field: str, value: str) -> str:
        if value in ("null", ""):
            return self._("skm.report.not_given")
        return self._("skm.report.age_band", band=value) if field == "age" else self._(f"skm.{field}.{value}")

    def summary(self, report: dict) -> Table:
        skm = report["skm"]
        scope = skm.get("scope") or {}
        names = ("from", "to", "agency", "service", "counter", "respondents", "population", "sample_min", "index", "ikm", "grade")
        headers = [self._(f"skm.report.col_{name}") for name in names]
        row = [skm["period"]["from"], skm["period"]["to"], scope.get("agency"), scope.get("service"), scope.get("counter")]
        row += [skm.get(name) for name in ("respondents", "population", "sample_min", "index", "ikm")]
        row.append(self._grade(skm, report["min_respondents"]))
        return Table(self._("skm.report.col_sheet_summary"), headers, [row])

    def _grade(self, skm: dict, minimum: int) -> str | None:
        """The grade with its label; for a scope shown only from the minimum, says it is below it."""
        if skm.get("hidden"):
            return self._("skm.report.too_few", num=minimum)
        return skm["grade"] and f"{skm['grade']} ({skm['grade_label']})"

    def elements(self, report: dict) -> Table:
        skm = report["skm"]
        lowest = set(skm.get("lowest") or [])
        headers = [self._("skm.report.element"), self._("skm.report.name"), self._("skm.report.nrr"), self._("skm.report.nrr_weighted")]
        headers += [self._("skm.report.answered"), self._("skm.report.grade"), self._("skm.report.note")]
        rows = [
            [
                e["element"].upper(),
                self._(title_key(e["element"])),
                e["nrr"],
                weighted(e["nrr"]),
                e["answered"],
                e["grade"],
                self._("skm.report.lowest") if e["element"] in lowest else "",
            ]
            for e in skm.get("elements", [])  # none for a counter's or officer's scope below the minimum
        ]
        total = [self._("skm.report.index"), "", None, skm.get("index"), skm["respondents"], skm.get("grade"), ""]
        return Table(self._("skm.report.col_sheet_elements"), headers, rows, total)

    def profile(self, report: dict) -> Table:
        profile = report["skm"].get("profile") or {}
        headers = [self._("skm.report.col_field"), self._("skm.report.choice"), self._("skm.report.people")]
        rows = [
            [self._(f"skm.report.profile_{field}"), self.profile_label(field, value), n]
            for field in PROFILE_FIELDS
            for value, n in (profile.get(field) or {}).items()
        ]
        return Table(self._("skm.report.col_sheet_profile"), headers, rows)

    def breakdown(self, report: dict) -> Table:
        headers = [self._(f"skm.report.by_{report['by']}"), self._("skm.report.name"), self._("skm.report.agency")]
        headers += [
            self._("skm.report.respondents"),
            self._("skm.report.population"),
            self._("skm.report.sample_min"),
            self._("skm.report.ikm"),
            self._("skm.report.grade"),
        ]
        headers += [f"NRR {element.upper()}" for element in ELEMENTS]
        rows = []
        for row in report["breakdown"]:
            head = [row.get("key"), row.get("name"), row.get("agency")]
            if row.get("hidden"):
                rows.append([*head, row.get("respondents"), None, None, None, self._("skm.report.too_few", num=report["min_respondents"])])
                continue
            figures = [row.get("respondents"), row.get("population"), row.get("sample_min"), row.get("ikm"), row.get("grade")]
            rows.append([*head, *figures, *(row.get("nrr") or [None] * len(ELEMENTS))])
        return Table(self._("skm.report.col_sheet_breakdown"), headers, rows)

    def followups(self, report: dict) -> Table:
        names = ("element", "agency", "finding", "plan", "owner", "due_day", "status")
        headers = [self._(f"skm.followup.{name}") for name in names] + [self._("skm.followup.overdue")]
        rows = [
            [
                p["element"].upper(),
                p["agency"] or self._("skm.followup.hall"),
                p["finding"],
                p["plan"],
                p["owner"],
                p["due_day"],
                self._(f"skm.followup.status_{p['status']}"),
                self._("skm.report.col_yes") if p["overdue"] else "",
            ]
            for p in report["followups"]
        ]
        return Table(self._("skm.report.col_sheet_followups"), headers, rows)


SECTIONS: dict[str, Callable[[SkmTables, dict], Table]] = {
    "summary": SkmTables.summary,
    "elements": SkmTables.elements,
    "profile": SkmTables.profile,
    "breakdown": SkmTables.breakdown,
    "followups": SkmTables.followups,
}
