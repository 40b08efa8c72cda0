"""The operating calendar page (/admin/calendar): the hall's hours by weekday, its closed days with
their reasons, the planned breaks, and each agency's own hours and closed days.

The page edits the setup through the setup API (``PATCH /api/v1/admin/settings`` for the hall's,
``PATCH /api/v1/admin/agencies/{name}`` for an agency's), so the config's own rules judge every
value; this module only renders the page with what its script cannot ask the API for.
"""

from __future__ import annotations

from antre.queue_server.config import DAYS, PAUSE_REASONS
from antre.queue_server.hall import current_hall
from antre.queue_server.roles import is_hall_admin
from flask import g

from . import add_section, admin_page, bp, render_page


@bp.get("/calendar")
@admin_page
def calendar_page():
    """A hall admin sees the hall's calendar and every agency; an agency admin their agency's only
    (the API refuses the rest too)."""
    hall = current_hall()
    hall_admin = is_hall_admin(g.officer)
    agencies = list(hall.config.agencies) if hall_admin else [g.officer["agency"]]
    return render_page(
        "admin/calendar.html",
        hall_admin=hall_admin,
        agencies=agencies,
        days=DAYS,
        reasons=PAUSE_REASONS,
        today=hall.engine.today(),
    )


add_section("admin.calendar_page", "admin.calendar")
