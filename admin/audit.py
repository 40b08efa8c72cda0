"""The audit trail page (/admin/audit): who changed the setup or an officer, when, and what before
and after, filtered and paged by ``GET /api/v1/admin/audit`` (which keeps an agency admin to their
agency's entries)."""

from __future__ import annotations

from antre.queue_server.hall import current_hall

from . import add_section, admin_page, bp, render_page


@bp.get("/audit")
@admin_page
def audit_page():
    """The hall's time zone goes to the script: every time is shown as the hall's clock says it."""
    return render_page("admin/audit.html", timezone=current_hall().config.timezone.key)


add_section("admin.audit_page", "admin.audit")
