"""The start page at ``/``: every screen of the hall in one place, for whoever sets it up.

A newcomer who runs ``make run`` and opens the server's address must not meet a JSON 404 and hunt
the README for the kiosk's URL. This page links each kiosk, display and counter screen, the console
and the API document, and says plainly when and why the kiosks issue nothing now (outside the
opening hours) and where that is changed. ``antre run`` prints the same list (``entry_points``), so
the terminal and the page never disagree.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from flask import Blueprint, render_template

from . import availability
from .config import DAYS, HallConfig
from .hall import current_hall

bp = Blueprint("start", __name__)
CLOSED_MESSAGES = {
    availability.OUTSIDE_HOURS: "start.closed_body",
    availability.HOLIDAY: "start.closed_holiday",
    availability.CLOSED_TODAY: "start.closed_today",
}


class EntryPoint(NamedTuple):
    group: str  # kiosk, display, counter, console, admin, api: a heading of the start page
    name: str  # from the config; empty for the hall's general pages, named by the catalogue (start.name.GROUP)
    path: str


def entry_points(config: HallConfig) -> list[EntryPoint]:
    """Every page a hall sets up, in the order a newcomer needs them."""
    points = [EntryPoint("kiosk", kiosk.name, f"/kiosk?id={kiosk.id}") for kiosk in config.kiosks.values()]
    if config.issuing.anonymous or not config.kiosks:
        points.append(EntryPoint("kiosk", "", "/kiosk"))
    points.append(EntryPoint("display", "", "/display"))
    points += [EntryPoint("display", screen.name, f"/display?screen={screen.id}") for screen in config.displays.values()]
    points += [EntryPoint("counter", counter.name, f"/display/counter/{counter.id}") for counter in config.counters.values()]
    points.append(EntryPoint("console", "", "/counter"))
    points.append(EntryPoint("admin", "", "/admin"))
    points.append(EntryPoint("api", "", "/api/v1/openapi.json"))
    return points


def closed_now(config: HallConfig, now: datetime) -> dict | None:
    """Why the kiosks issue nothing at ``now`` (a closed day, or outside the hall's hours of today),
    for the page to say: the catalogue key of the sentence and its values, the local time, the key
    and the file that change it."""
    why = availability.hall_closed(config, now)
    if why is None:
        return None
    local = now.astimezone(config.timezone)
    weekly = DAYS[local.weekday()] in config.weekly_hours
    return {
        **why.details,
        "message": CLOSED_MESSAGES[why.code],
        "now": f"{local:%H:%M}",
        "zone": local.tzname(),
        "setting": "hall.closed_days" if why.code == availability.HOLIDAY else "hall.weekly_hours" if weekly else "hall.opening_hours",
        "file": config.path.name,
    }


@bp.get("/")
def start():
    hall = current_hall()
    config = hall.config
    points = entry_points(config)
    groups = {group: [p for p in points if p.group == group] for group in dict.fromkeys(p.group for p in points)}
    return render_template(
        "start/index.html",
        hall=config,
        groups=groups,
        closed=closed_now(config, hall.engine.clock()),
        pair_command=f"antre --config {config.path.name} kiosk-key {next(iter(config.kiosks))}" if config.kiosks else None,
    )
