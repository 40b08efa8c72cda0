"""A report's sections as tables, and those tables as CSV or XLSX.

Every export is made from the same JSON the page draws (``figures.Reports.detail``), so its
figures, and its totals row (the period's own summary, never a sum of medians), equal the page's.
Headers come from the catalogue in the language asked for; numbers stay numbers (shares as
fractions, formatted as per cent in the spreadsheet; minutes with one decimal).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..i18n import gettext

# The summary's columns: (path in the summary object, catalogue key of its header).
SUMMARY_COLUMNS = (
    ("issued", "report.col.issued"),
    ("served", "report.col.served"),
    ("no_show", "report.col.no_show"),
    ("cancelled", "report.col.cancelled"),
    ("expired", "report.col.expired"),
    ("transferred", "report.col.transferred"),
    ("within_target_share", "report.col.within_target_share"),
    ("wait_minutes.mean", "report.col.wait_mean"),
    ("wait_minutes.median", "report.col.wait_median"),
    ("wait_minutes.p90", "report.col.wait_p90"),
    ("wait_minutes.max", "report.col.wait_max"),
    ("service_minutes.mean", "report.col.service_mean"),
    ("service_minutes.median", "report.col.service_median"),
    ("service_minutes.p90", "report.col.service_p90"),
    ("priority_share", "report.col.priority_share"),
)
SHARES = {"within_target_share", "priority_share", "share"}
# The bookings' columns: (path in a bookings figures object, catalogue key of its header).
BOOKING_COLUMNS = (
    ("booked.tickets", "report.booking.booked_tickets"),
    ("booked.share", "report.booking.booked_share"),
    ("booked.wait_minutes.mean", "report.booking.booked_wait_mean"),
    ("booked.wait_minutes.median", "report.booking.booked_wait_median"),
    ("booked.wait_minutes.p90", "report.booking.booked_wait_p90"),
    ("walk_in.tickets", "report.booking.walk_in_tickets"),
    ("walk_in.wait_minutes.mean", "report.booking.walk_in_wait_mean"),
    ("walk_in.wait_minutes.median", "report.booking.walk_in_wait_median"),
    ("walk_in.wait_minutes.p90", "report.booking.walk_in_wait_p90"),
    ("funnel.made", "report.booking.made"),
    ("funnel.checked_in", "report.booking.checked_in"),
    ("funnel.cancelled", "report.booking.cancelled"),
    ("funnel.expired", "report.booking.expired"),
    ("funnel.pending", "report.booking.pending"),
    ("funnel.no_show_rate", "report.booking.no_show_rate"),
    ("funnel.punctuality.early_over_30", "report.booking.early_over_30"),
    ("funnel.punctuality.early_up_to_30", "report.booking.early_up_to_30"),
    ("funnel.punctuality.late_up_to_15", "report.booking.late_up_to_15"),
    ("funnel.punctuality.late_over_15", "report.booking.late_over_15"),
    ("funnel.punctuality.median_minutes", "report.booking.punctuality_median"),
)
BOOKING_SHARES = {"booked.share", "funnel.no_show_rate"}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass
class Table:
    """One section: a sheet of the workbook, or one CSV. ``share_columns``: indexes of 0..1 shares."""

    name: str
    headers: list[str]
    rows: list[list[Any]]
    total: list[Any] | None = None
    share_columns: set[int] = field(default_factory=set)


def _pick(figures: dict | None, path: str) -> Any:
    """The value at ``path``; None under a missing object (the funnel of a counter's report)."""
    for part in path.split("."):
        if figures is None:
            return None
        figures = figures[part]
    return figures


def _summary_cells(figures: dict) -> list[Any]:
    return [_pick(figures, path) for path, _ in SUMMARY_COLUMNS]


def _shares_after(offset: int) -> set[int]:
    return {offset + i for i, (path, _) in enumerate(SUMMARY_COLUMNS) if path in SHARES}


class Tables:
    """Builds each section's table in one language."""

    def __init__(self, lang: str):
        self.lang = lang

    def _(self, key: str, **params: Any) -> str:
        return gettext(self.lang, key, **params)

    def _summary_headers(self) -> list[str]:
        return [self._(key) for _, key in SUMMARY_COLUMNS]

    def summary(self, report: dict) -> Table:
        """The contract's summary export: the period, then its figures (one row; the detail's
        summary adds the previous period's row)."""
        headers = [self._("report.col.from"), self._("report.col.to"), *self._summary_headers()]
        rows = [[report["period"]["from"], report["period"]["to"], *_summary_cells(report["summary"])]]
        if "previous" in report:
            rows.append([report["previous_period"]["from"], report["previous_period"]["to"], *_summary_cells(report["previous"])])
        return Table(self._("report.section.summary"), headers, rows, share_columns=_shares_after(2))

    def daily(self, report: dict) -> Table:
        headers = [
            self._("report.col.day"),
            self._("report.col.issued"),
            self._("report.col.served"),
            self._("report.col.within_target_share"),
        ]
        rows = [[d["day"], d["issued"], d["served"], d["within_target_share"]] for d in report["daily"]]
        s = report["summary"]
        return Table(
            self._("report.section.daily"), headers, rows, [self._("report.total"), s["issued"], s["served"], s["within_target_share"]], {3}
        )

    def by_agency(self, report: dict) -> Table:
        rows = [[a["agency"], *_summary_cells(a)] for a in report["by_agency"]]
        total = [self._("report.total"), *_summary_cells(report["summary"])]
        return Table(
            self._("report.section.by_agency"), [self._("report.col.agency"), *self._summary_headers()], rows, total, _shares_after(1)
        )

    def by_service(self, report: dict) -> Table:
        head = [self._("report.col.service"), self._("report.col.name"), self._("report.col.agency"), self._("report.col.target")]
        rows = [[s["service"], s["name"], s["agency"], s["target_wait_minutes"], *_summary_cells(s)] for s in report["by_service"]]
        total = [self._("report.total"), "", "", None, *_summary_cells(report["summary"])]
        return Table(self._("report.section.by_service"), [*head, *self._summary_headers()], rows, total, _shares_after(4))

    def heatmap(self, report: dict) -> Table:
        heat = report["heatmap"]
        headers = [self._("report.col.weekday"), *[f"{hour:02d}:00" for hour in heat["hours"]], self._("report.total")]
        rows = [
            [self._(f"admin.day.{WEEKDAYS[day]}"), *cells, sum(cells)] for day, cells in zip(heat["weekdays"], heat["cells"], strict=True)
        ]
        columns = [sum(column) for column in zip(*heat["cells"], strict=True)] if heat["hours"] else []
        return Table(self._("report.section.heatmap"), headers, rows, [self._("report.total"), *columns, sum(columns)])

    def priority(self, report: dict) -> Table:
        headers = [self._("report.col.category"), self._("report.col.tickets"), self._("report.col.share")]
        rows = [[p["category"], p["tickets"], p["share"]] for p in report["priority"]]
        total = [self._("report.total"), sum(p["tickets"] for p in report["priority"]), report["summary"]["priority_share"]]
        return Table(self._("report.section.priority"), headers, rows, total, {2})

    def transfers(self, report: dict) -> Table:
        headers = [self._("report.col.from_service"), self._("report.col.to_service"), self._("report.col.tickets")]
        rows = [[t["from"], t["to"], t["count"]] for t in report["transfers"]]
        return Table(self._("report.section.transfers"), headers, rows, [self._("report.total"), "", report["summary"]["transferred"]])

    def officers(self, report: dict) -> Table:
        reasons = sorted({reason for o in report["officers"] for reason in o["paused_minutes"]})
        headers = [
            self._("report.col.officer"),
            self._("report.col.served"),
            self._("report.col.service_mean"),
            self._("report.col.signed_in"),
            *[self._("report.col.paused_for", reason=reason) for reason in reasons],
            self._("report.col.idle"),
        ]
        rows = [
            [
                o["username"],
                o["served"],
                o["service_minutes_mean"],
                o["signed_in_minutes"],
                *[o["paused_minutes"].get(reason) for reason in reasons],
                o["idle_minutes"],
            ]
            for o in report["officers"]
        ]
        return Table(self._("report.section.officers"), headers, rows)

    def bookings(self, report: dict) -> Table:
        """Booked against walk-in tickets and the bookings' funnel, per service, the whole as the total."""
        bookings = report["bookings"]
        head = [self._("report.col.service"), self._("report.col.name"), self._("report.col.agency")]
        headers = [*head, *[self._(key) for _, key in BOOKING_COLUMNS]]
        rows = [[s["service"], s["name"], s["agency"], *[_pick(s, path) for path, _ in BOOKING_COLUMNS]] for s in bookings["by_service"]]
        total = [self._("report.total"), "", "", *[_pick(bookings["summary"], path) for path, _ in BOOKING_COLUMNS]]
        shares = {len(head) + i for i, (path, _) in enumerate(BOOKING_COLUMNS) if path in BOOKING_SHARES}
        return Table(self._("report.booking.section"), headers, rows, total, shares)


SECTIONS: dict[str, Callable[[Tables, dict], Table]] = {
    "summary": Tables.summary,
    "daily": Tables.daily,
    "by_agency": Tables.by_agency,
    "by_service": Tables.by_service,
    "heatmap": Tables.heatmap,
    "priority": Tables.priority,
    "transfers": Tables.transfers,
    "officers": Tables.officers,
    "bookings": Tables.bookings,
}


def to_csv(table: Table) -> str:
    """UTF-8 with a byte-order mark, so a spreadsheet opened by double-click reads the names right."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(table.headers)
    writer.writerows(table.rows)
    if table.total is not None:
        writer.writerow(table.total)
    return out.getvalue()


def to_xlsx(tables: list[Table]) -> bytes:
    """One sheet per table, headers bold, the totals row bold, shares formatted as per cent."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    for table in tables:
        sheet = book.create_sheet(_sheet_name(table.name, book.sheetnames))
        sheet.append(table.headers)
        for cell in sheet[1]:
            cell.font = bold
        for row in table.rows:
            sheet.append(row)
        if table.total is not None:
            sheet.append(table.total)
            for cell in sheet[sheet.max_row]:
                cell.font = bold
        for index in table.share_columns:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index + 1, max_col=index + 1):
                cell.number_format = "0.0%"
        sheet.freeze_panes = "B2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_name(name: str, taken: list[str]) -> str:
    """A sheet name Excel accepts: at most 31 characters, none of []:*?/\\, unique in the book."""
    clean = "".join(" " if ch in "[]:*?/\\" else ch for ch in name)[:31] or "Sheet"
    return clean if clean not in taken else f"{clean[:28]} {len(taken)}"
