"""The report pages: /admin/reports (the figures of any period, drawn as charts each with its table)
and /admin/reports/monthly (a month printed for sending upward: the hall, then a page per agency).

The figures are the reports' (queue_server/reports/figures.py), read through the same scope the
REST API applies (roles.report_scope): a hall admin sees the hall, an agency admin their agency, an
officer only their own figures. /admin/reports draws what ``GET /api/v1/reports/detail`` returns, so
the page and the exports can never disagree.
"""

from __future__ import annotations

from antre.queue_server.hall import current_hall

from . import add_section, bp, officer_page, render_page


@bp.get("/reports")
@officer_page
def reports_page():
    """The hall's today and time zone go to the script: the period presets start from the hall's
    calendar, not the browser's."""
    hall = current_hall()
    return render_page("admin/reports.html", today=hall.engine.today(), timezone=hall.config.timezone.key)


add_section("admin.reports_page", "report.page.title")
