"""The screens people read from a distance: the lobby display and the small screen above each counter.

The pages are static HTML plus a small ES module each; everything they show comes from the live
channel (queue_server/live.py), so the server renders only the hall's fixed facts (names, agencies,
timezone, ticker) into the page. An unknown screen or counter gets a readable page, not a blank TV.
"""

from __future__ import annotations

from typing import Any

from antre.queue_server import media
from antre.queue_server.config import PAUSE_REASONS
from antre.queue_server.hall import current_hall
from flask import Blueprint, render_template, request

bp = Blueprint("display", __name__, template_folder="templates", static_folder="static", static_url_path="/display/static")

MIN_ROTATE_SECONDS = 3
DEFAULT_ROTATE_SECONDS = 10


def _hall_facts() -> dict[str, Any]:
    """The hall's fixed facts for the page. Services, counters and screens name an agency by its
    official name; ``agencies`` gives each its short name, which the screens show large."""
    config = current_hall().config
    return {
        "name": config.name,
        "timezone": config.timezone.key,
        "language": config.language,
        "ticker": config.ticker,
        "agencies": [agency.as_dict() for agency in config.agencies.values()],
        "pause_reasons": list(PAUSE_REASONS),  # the codes the console sends; any other reason reads as "lainnya"
        "services": [{"code": s.code, "name": s.name, "agency": s.agency} for s in config.services.values()],
        "counters": [
            {"id": c.id, "name": c.name, "agency": config.services[c.services[0]].agency, "services": list(c.services)}
            for c in config.counters.values()
        ],
    }


def _missing(what: str, wanted: str, known: list[str]):
    """A readable page for a screen or counter id the config does not have (``what``: screen, counter)."""
    page = render_template("display/missing.html", what=what, wanted=wanted, known=", ".join(known) or "—", hall=current_hall().config.name)
    return page, 404


@bp.get("/display")
def lobby():
    """``?screen=ID`` shows only that screen's agencies; ``?rotate=S`` sets the seconds per page of counters."""
    config = current_hall().config
    screen_id = request.args.get("screen")
    facts = _hall_facts()
    screen = None
    if screen_id is not None:
        screen = config.displays.get(screen_id)
        if screen is None:
            return _missing("screen", screen_id, list(config.displays))
    rotate = request.args.get("rotate", "")
    seconds = max(MIN_ROTATE_SECONDS, int(rotate)) if rotate.isdigit() else DEFAULT_ROTATE_SECONDS
    facts["screen"] = {"id": screen.id, "name": screen.name, "agencies": list(screen.agencies)} if screen else None
    facts["rotate_seconds"] = seconds
    facts["notices"] = media.notices_shown(current_hall())
    return render_template("display/lobby.html", facts=facts, hall=config.name)


@bp.get("/display/counter/<counter_id>")
def counter(counter_id: str):
    config = current_hall().config
    found = config.counters.get(counter_id)
    if found is None:
        return _missing("counter", counter_id, list(config.counters))
    facts = _hall_facts()
    facts["counter"] = next(c for c in facts["counters"] if c["id"] == counter_id)
    agency_label = config.agency(facts["counter"]["agency"]).label
    return render_template("display/counter.html", facts=facts, hall=config.name, counter=found, agency_label=agency_label)
