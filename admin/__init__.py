"""The hall's administration at /admin (pages) and /api/v1/admin (REST), Indonesian first.

Hall admins may use all of it, agency admins the part of it that belongs to their agency
(queue_server/roles.py); officers are refused (403), except on the report pages, which show an
officer their own figures. The server checks the role on every request, page or API: hiding a link
is never the protection.

Each area of the administration is a module of its own that registers its pages on ``bp``, its REST
endpoints on ``api`` and its entry in the navigation with ``add_section``, so the skeleton here and
its base template never change when an area is added. The pages use the console's session cookie and
CSRF token (queue_server/session.py); the API takes a Bearer token as well, like the rest of /api/v1.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from antre.queue_server import session as console_session
from antre.queue_server.api import officer_required
from antre.queue_server.hall import current_hall
from antre.queue_server.roles import is_admin, is_hall_admin, require_admin
from flask import Blueprint, Response, g, redirect, render_template, request, url_for

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates", static_folder="static")
api = Blueprint("admin_api", __name__, url_prefix="/api/v1/admin")

# The navigation: (endpoint, catalogue key) of each area, in NAV_ORDER (an area not named there
# comes last, in the order it registered); HALL_ONLY names the endpoints an agency admin is not shown
# (their views refuse them too).
NAV_ORDER = (
    "admin.monitor_page",
    "admin.bookings_page",
    "admin.reports_page",
    "admin.skm_page",
    "admin.complaints_page",
    "admin.staffing_page",
    "admin.services_page",
    "admin.counters_page",
    "admin.agencies_page",
    "admin.screens_page",
    "admin.calendar_page",
    "admin.settings_page",
    "admin.notifications_page",
    "admin.lobby_page",
    "admin.officers_page",
    "admin.audit_page",
)
SECTIONS: list[tuple[str, str]] = []
HALL_ONLY: set[str] = set()


def add_section(endpoint: str, key: str, hall_only: bool = False) -> None:
    SECTIONS.append((endpoint, key))
    SECTIONS.sort(key=lambda section: NAV_ORDER.index(section[0]) if section[0] in NAV_ORDER else len(NAV_ORDER))
    if hall_only:
        HALL_ONLY.add(endpoint)


def sections_for(officer: dict) -> list[tuple[str, str]]:
    return [(endpoint, key) for endpoint, key in SECTIONS if is_hall_admin(officer) or endpoint not in HALL_ONLY]


@bp.after_request
def _no_store(response: Response) -> Response:
    """Administration pages carry a CSRF token and officers' details: never cached, never framed."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    return response


def render_page(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    """An administration page with what base.html needs: the hall, the officer, the navigation, CSRF."""
    officer = g.get("officer")
    page = render_template(
        template,
        hall=current_hall().config,
        officer=officer,
        sections=sections_for(officer) if officer and is_admin(officer) else [],
        csrf=console_session.csrf_token(),
        **context,
    )
    return page, status


def admin_page(view: Callable, admits: Callable[[dict], bool] = is_admin) -> Callable:
    """A page for administrators (or whom ``admits`` lets in): log in first, change a one-time
    password first, 403 page for the others."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        officer = console_session.officer()
        if officer is None:
            return redirect(url_for("admin.login_form", next=request.path))
        if officer["must_change_password"]:
            return redirect(url_for("counter.password", next=request.path))
        g.officer = officer
        if not admits(officer):
            return render_page("admin/forbidden.html", 403)
        return view(*args, **kwargs)

    return wrapper


def officer_page(view: Callable) -> Callable:
    """A page every signed-in officer may open (their own reports): what it shows comes from an API
    that keeps each role to its own figures, so the page itself admits anyone signed in."""
    return admin_page(view, admits=lambda officer: True)


def hall_admin_page(view: Callable) -> Callable:
    """A page for the hall's own settings: an agency admin gets the 403 page saying it is the hall admin's."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not is_hall_admin(g.officer):
            return render_page("admin/hall_only.html", 403)
        return view(*args, **kwargs)

    return admin_page(wrapper)


def admin_required(view: Callable) -> Callable:
    """An administration REST endpoint: authenticated as all of /api/v1 (``g.officer``), then 403 for officers."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        require_admin(g.officer)
        return view(*args, **kwargs)

    return officer_required(wrapper)


def _login_page(error: str = "", status: int = 200, username: str = "", **params: object) -> tuple[str, int]:
    return render_page(
        "admin/login.html",
        status,
        error=error,
        error_params=params,
        username=username,
        next=request.values.get("next", ""),
        logged_out=request.args.get("out") == "1",
    )


# The console's log-in (same accounts, throttling and session): one sign-in serves both.
console_session.add_login_views(bp, _login_page, ("/admin",))


@bp.get("", strict_slashes=False)
@admin_page
def home():
    return render_page("admin/home.html")


from . import (  # noqa: E402, F401  (each area registers its pages, endpoints and section)
    audit,
    bookings,
    calendar,
    complaints,
    lobby,
    monitor,
    notifications,
    officers,
    reports,
    settings,
    setup_api,
    setup_views,
    skm,
    staffing,
)
