"""The staff's bookings page (/admin/bookings): a day's bookings per service and session (booked,
checked in, expired, cancelled, places left), for the hall manager and the agencies' admins.

Rendered whole on the server from the booking desk's listing (``Bookings.listing``, the same as
``GET /api/v1/bookings``), which decides who sees what: a hall admin every service, an agency admin
their agency's. A plain GET form picks the day and, for a hall admin, one agency of a large hall.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from antre.queue_server.hall import current_hall
from antre.queue_server.roles import is_hall_admin
from flask import g, request

from . import add_section, admin_page, bp, render_page

STATUSES = ("booked", "checked_in", "expired", "cancelled")


@bp.get("/bookings")
@admin_page
def bookings_page():
    hall = current_hall()
    day = _day(request.args.get("date", ""), hall.engine.today())
    hall_admin = is_hall_admin(g.officer)
    agency = request.args.get("agency", "") if hall_admin else g.officer["agency"]
    listing = hall.bookings.listing(g.officer, day, None)
    services = [_counted(s) for s in listing["services"] if not agency or s["agency"] == agency]
    agencies = sorted({s.agency for s in hall.config.services.values() if s.booking}) if hall_admin else []
    return render_page(
        "admin/bookings.html", day=day, agency=agency, agencies=agencies, services=services, statuses=STATUSES, hall_admin=hall_admin
    )


def _day(text: str, today: str) -> str:
    """The day asked for, or today for a missing or malformed one."""
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        return today


def _counted(service: dict) -> dict:
    """A service's sessions with how many of their bookings are in each status."""
    sessions = [{**s, "counts": Counter(b["status"] for b in s["bookings"])} for s in service["sessions"]]
    return {**service, "sessions": sessions}


add_section("admin.bookings_page", "admin.bookings.nav")
