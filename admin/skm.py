"""The SKM pages: /admin/skm (the IKM of any period and scope, its elements, sample, profile,
breakdown, comments and follow-up plans, drawn from ``GET /api/v1/skm`` and its siblings) and
/admin/skm/print (the report a unit submits, rendered whole on the server so that it prints the same
from any browser). Hall admins see the hall, agency admins their agency (the API's scope rule)."""

from __future__ import annotations

from antre.queue_server.hall import current_hall
from antre.queue_server.skm.elements import ELEMENTS

from . import add_section, admin_page, bp, render_page


@bp.get("/skm")
@admin_page
def skm_page():
    """The period presets count from the hall's today, not the browser's."""
    hall = current_hall()
    return render_page("admin/skm.html", today=hall.engine.today(), elements=ELEMENTS, min_respondents=hall.config.survey.min_respondents)


add_section("admin.skm_page", "skm.report.title")
