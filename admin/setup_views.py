"""The pages that edit the setup's lists: services, counters, agencies, kiosks and displays.

Each page is the same list editor (admin/static/collection.js) given a spec per list: which field
of the config's schema it shows, under which catalogue label, with which input. The pages only read
and write through the setup's REST API (admin/setup_api.py), which decides who may change what, so a
crafted request gets the same 403 as a click; the views here only refuse a page an agency admin has
no part in. The field names are the schema's keys (queue_server/config.py): a spec naming a key the
schema lacks fails ``test_every_field_of_the_pages_is_a_key_of_its_schema``.
"""

from __future__ import annotations

from typing import Any

from antre.queue_server.roles import is_hall_admin
from flask import g

from . import add_section, admin_page, bp, render_page

# Input kinds collection.js knows: text, number, lines (one per line), agency (a select of the
# agencies), services (checkboxes grouped by agency), agencies (checkboxes), hours (the weekly grid),
# days (closed days with reasons), booking (sessions with their places, and the grace minutes),
# colour, logo (an upload, chosen or sent on the spot).


def field(name: str, kind: str = "text", **extra: Any) -> dict[str, Any]:
    """One input of an item's form; its label is the catalogue's ``admin.item.<name>``."""
    return {"name": name, "kind": kind, "label": f"admin.item.{name}", **extra}


SERVICES = {
    "kind": "services",
    "key": "code",
    "title": "admin.services",
    "add": "admin.add_service",
    "columns": ["code", "name", "agency"],
    "agency_filter": True,
    "fields": [
        field("code", required=True, fixed=True, hint="admin.hint.code"),
        field("name", required=True),
        field("agency", "agency", required=True),
        field("target_wait_minutes", "number", min=1, step=1),
        field("duration_minutes", "number", min=0.5, step=0.5),
        field("requirements", "lines", hint="admin.hint.lines"),
        field("fee"),
        field("keywords", "lines", hint="admin.hint.lines"),
        field("weekly_hours", "hours", hint="admin.hint.hours"),
        field("cutoff_minutes", "number", min=0, step=1),
        field("daily_quota", "number", min=1, step=1),
        field("booking", "booking", hint="admin.hint.booking"),
    ],
}
COUNTERS = {
    "kind": "counters",
    "key": "id",
    "title": "admin.counters",
    "add": "admin.add_counter",
    "columns": ["id", "name", "services"],
    "agency_filter": True,
    "fields": [
        field("id", required=True, fixed=True, hint="admin.hint.slug"),
        field("name", required=True),
        field("services", "services", required=True),
    ],
}
AGENCIES = {
    "kind": "agencies",
    "key": "name",
    "title": "admin.agencies",
    "add": "admin.add_agency",
    "columns": ["name", "short_name", "colour"],
    "agency_filter": False,
    "fields": [
        field("name", required=True),
        field("short_name"),
        field("colour", "colour"),
        field("logo", "logo"),
        field("weekly_hours", "hours", hint="admin.hint.hours"),
        field("closed_days", "days"),
    ],
}
KIOSKS = {
    "kind": "kiosks",
    "key": "id",
    "title": "admin.kiosks",
    "add": "admin.add_kiosk",
    "columns": ["id", "name"],
    "agency_filter": False,
    "fields": [
        field("id", required=True, fixed=True, hint="admin.hint.slug"),
        field("name", required=True),
        field("return_seconds", "number", min=3, step=1),
        field("idle_seconds", "number", min=10, step=1),
        field("reach_fraction", "number", min=0.4, max=1, step=0.05),
    ],
}
DISPLAYS = {
    "kind": "displays",
    "key": "id",
    "title": "admin.displays",
    "add": "admin.add_display",
    "columns": ["id", "name", "agencies"],
    "agency_filter": False,
    "fields": [
        field("id", required=True, fixed=True, hint="admin.hint.slug"),
        field("name", required=True),
        field("agencies", "agencies", required=True),
    ],
}
PAGES = {
    "services": [SERVICES],
    "counters": [COUNTERS],
    "agencies": [AGENCIES],
    "screens": [KIOSKS, DISPLAYS],
}


def _page(name: str, title: str, hall_only: bool = False) -> tuple[str, int]:
    """The list editor with the page's specs; a hall's page refuses an agency admin with a 403 page
    (the API refuses them as well: the page is only spared)."""
    if hall_only and not is_hall_admin(g.officer):
        return render_page("admin/hall_only.html", 403)
    return render_page("admin/setup_list.html", title=title, collections=PAGES[name])


@bp.get("/services")
@admin_page
def services_page():
    """An agency admin gets the page too: the API lists and accepts their agency's services only."""
    return _page("services", "admin.services")


@bp.get("/counters")
@admin_page
def counters_page():
    return _page("counters", "admin.counters")


@bp.get("/agencies")
@admin_page
def agencies_page():
    return _page("agencies", "admin.agencies", hall_only=True)


@bp.get("/screens")
@admin_page
def screens_page():
    return _page("screens", "admin.screens", hall_only=True)


add_section("admin.services_page", "admin.services")
add_section("admin.counters_page", "admin.counters")
add_section("admin.agencies_page", "admin.agencies", hall_only=True)
add_section("admin.screens_page", "admin.screens", hall_only=True)
