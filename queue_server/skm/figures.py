"""The SKM figures of a period and scope as the API, the report pages and exports show them: the
index (index.py) of the responses, the population served and its minimum sample, the profile and
the lowest elements; a breakdown by agency, service or counter; the comments.

A counter's or an officer's figures are shown only from ``survey.min_respondents`` responses:
below that they are ``hidden`` but for the count, since a handful of responses would let whoever
reads them guess who answered what (docs/CONTRACT.md, "SKM survey API").
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from ..config import HallConfig
from ..engine import InvalidInput
from ..i18n import gettext
from ..reports.figures import ReportFilters, counters_of, hall_agencies, services_of
from ..reports.store import ReportStore
from ..roles import counter_agency
from .elements import ELEMENTS, title_key
from .index import Index, grade_key, profile_tally, sample_min
from .store import SkmStore, Tally

BREAKDOWNS = ("agency", "service", "counter")
PERIOD = re.compile(r"^(\d{4})(?:-([QS])([1-4]))?$")
MAX_COMMENTS = 1_000  # the newest comments an answer lists; ``total`` says how many there are


def period_days(period: str) -> tuple[str, str]:
    """``2026`` → the year, ``2026-S1`` → January–June, ``2026-Q3`` → July–September."""
    match = PERIOD.match(period or "")
    months = {"Q": 3, "S": 6}.get(match.group(2)) if match else None
    if match is None or (months == 6 and int(match.group(3)) > 2):
        raise InvalidInput("error.skm_period", "period")
    year = int(match.group(1))
    first, last = (1, 12) if months is None else ((int(match.group(3)) - 1) * months + 1, int(match.group(3)) * months)
    end = date(year + 1, 1, 1) if last == 12 else date(year, last + 1, 1)
    return date(year, first, 1).isoformat(), date.fromordinal(end.toordinal() - 1).isoformat()


def with_period(args: dict[str, Any]) -> dict[str, Any]:
    """A query's arguments with ``period`` turned into ``from`` and ``to``, unless both are given."""
    args = dict(args)
    if args.get("period") and not (args.get("from") and args.get("to")):
        args["from"], args["to"] = period_days(args["period"])
    return args


class SkmFigures:
    def __init__(self, responses: SkmStore, reports: ReportStore, config: HallConfig):
        self.responses = responses
        self.reports = reports
        self.config = config

    def summary(self, filters: ReportFilters, lang: str) -> dict:
        """The figures of one scope (the shape of ``GET /api/v1/skm``, docs/CONTRACT.md)."""
        tally = self.responses.tallies(filters, profile=True)[0]
        body: dict[str, Any] = {
            "period": {"from": filters.from_day, "to": filters.to_day},
            "scope": {"agency": filters.agency, "service": filters.service, "counter": filters.counter, "officer": filters.officer},
            "respondents": tally.respondents,
        }
        if self._hidden(filters, tally):
            return {**body, "hidden": True}
        population = sum(self._population(filters).values())
        index = Index.of(tally.sums, tally.counts)
        grades = index.element_grades()
        return {
            **body,
            **self._figures(index, tally.respondents, population, lang),
            "answered": list(index.answered),
            "complete": index.complete,
            "unanswered": index.unanswered,
            "elements": [
                {"element": e, "title": gettext(lang, title_key(e)), "nrr": nrr, "answered": n, "grade": grade}
                for e, nrr, n, grade in zip(ELEMENTS, index.nrr, index.answered, grades, strict=True)
            ],
            "lowest": index.lowest(),
            "profile": profile_tally(tally.respondents, tally.profile),
            "hidden": False,
        }

    def breakdown(self, filters: ReportFilters, by: str, lang: str) -> dict:
        """One row per agency, service or counter of the scope (``GET /api/v1/skm/breakdown``)."""
        if by not in BREAKDOWNS:
            raise InvalidInput("error.skm_breakdown", "by", choices=", ".join(BREAKDOWNS))
        tallies = {t.key: t for t in self.responses.tallies(filters, by)}
        population = self._population(filters, by)
        rows = []
        for key in self._keys(filters, by, [*tallies, *population]):
            tally = tallies.get(key) or Tally(key, 0, (0,) * len(ELEMENTS), (0,) * len(ELEMENTS))
            row = {"key": key, "name": self._name(by, key), "agency": self._agency(by, key), "respondents": tally.respondents}
            if self._hidden(filters, tally, by):
                rows.append({**row, "hidden": True})
                continue
            index = Index.of(tally.sums, tally.counts)
            rows.append({**row, **self._figures(index, tally.respondents, population.get(key, 0), lang), "hidden": False})
        return {"period": {"from": filters.from_day, "to": filters.to_day}, "by": by, "rows": rows}

    def comments(self, filters: ReportFilters) -> dict:
        """The comments of the scope, with the day, service and agency only."""
        rows, total = self.responses.comments(filters, MAX_COMMENTS)
        comments = [{**row, "service_name": self.config.service(row["service"]).name} for row in rows]
        return {"period": {"from": filters.from_day, "to": filters.to_day}, "comments": comments, "total": total}

    # --- parts ----------------------------------------------------------------------------------
    @staticmethod
    def _figures(index: Index, respondents: int, population: int, lang: str) -> dict:
        needed = sample_min(population)
        return {
            "population": population,
            "sample_min": needed,
            "sample_met": respondents >= needed and respondents > 0,
            "nrr": index.nrr,
            "index": index.index,
            "ikm": index.ikm,
            "grade": index.grade,
            "grade_label": None if index.grade is None else gettext(lang, grade_key(index.grade)),
        }

    def _hidden(self, filters: ReportFilters, tally: Tally, by: str | None = None) -> bool:
        """A counter's or officer's figures below the minimum count of responses."""
        personal = filters.counter is not None or filters.officer is not None or by == "counter"
        return personal and tally.respondents < self.config.survey.min_respondents

    def _population(self, filters: ReportFilters, by: str | None = None) -> dict[str | None, int]:
        """Tickets served in the scope (from the reports' facts), in all or by agency/service/counter."""
        scoped = filters.agency is not None or filters.service is not None
        counts = self.reports.served_counts(
            filters.from_day,
            filters.to_day,
            services=services_of(self.config, filters) if scoped else None,
            counter=filters.counter,
            officer=filters.officer,
            by=None if by is None else "counter" if by == "counter" else "service",
        )
        if by != "agency":
            return counts
        agencies: dict[str | None, int] = {}
        for service, n in counts.items():
            agency = self.config.service(service).agency
            agencies[agency] = agencies.get(agency, 0) + n
        return agencies

    def _keys(self, filters: ReportFilters, by: str, seen: list) -> list:
        """The rows of a breakdown: the setup's agencies, services or counters in the scope, in the
        setup's order, then any the data names that the setup no longer has."""
        if by == "agency":
            agencies = {self.config.services[s].agency for s in services_of(self.config, filters)}
            known = [a for a in hall_agencies(self.config) if a in agencies]
        elif by == "service":
            known = services_of(self.config, filters)
        else:
            counters = counters_of(self.config, filters)
            known = list(self.config.counters) if counters is None else counters
            if filters.service is not None:
                known = [c for c in known if filters.service in self.config.counters[c].services]
        if filters.officer is not None:  # an officer's rows: only where they served
            known = [k for k in known if k in seen]
        return [*known, *sorted({k for k in seen if k is not None and k not in known})]

    def _name(self, by: str, key: str) -> str:
        if by == "service":
            return self.config.service(key).name
        if by == "counter":
            counter = self.config.counters.get(key)
            return counter.name if counter else key
        return key

    def _agency(self, by: str, key: str) -> str | None:
        if by == "service":
            return self.config.service(key).agency
        if by == "counter":
            return counter_agency(self.config, key)
        return key
