"""The complaints page (/admin/complaints): staff's list of complaints with their status, due day and
an overdue marker, and one complaint opened to read it, change its status and write its answer.

A hall admin sees every complaint and assigns them to agencies; an agency admin their agency's (the
desk, queue_server/complaints/desk.py, enforces it on every request: the page only offers what its
API will accept). The page reads and writes through /api/v1/complaints.
"""

from __future__ import annotations

from antre.queue_server.complaints.desk import STATUSES
from antre.queue_server.hall import current_hall
from antre.queue_server.roles import is_hall_admin
from flask import g

from . import add_section, admin_page, bp, render_page


@bp.get("/complaints")
@admin_page
def complaints_page():
    hall = current_hall()
    hall_admin = is_hall_admin(g.officer)
    return render_page(
        "admin/complaints.html",
        hall_admin=hall_admin,
        agencies=list(hall.config.agencies) if hall_admin else [g.officer["agency"]],
        statuses=STATUSES,
        timezone=hall.config.timezone.key,
    )


add_section("admin.complaints_page", "complaint.nav")
