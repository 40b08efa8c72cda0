"""The screens people read from a distance: the lobby display and the small screen above each counter.

The pages are static HTML plus a small ES module each; everything they show comes from the live
channel (queue_server/live.py), so the server renders only the hall's facts (names, agencies,
timezone, ticker) into the page. When the setup changes (the live channel's ``setup``) a page reads
the same facts again from its ``facts.json`` and redraws, without a reload that would silence its
announcements. An unknown screen or counter gets a readable page, not a blank TV.
"""

from __future__ import annotations

from typing import Any

from antre.queue_server import media
from antre.queue_server.config import PAUSE_REASONS, HallConfig
from antre.queue_server.hall import current_hall
from flask import Blueprint, jsonify, render_template, request

bp = Blueprint("display", __name__, template_folder="templates", static_folder="static", static_url_path="/display/static")

MIN_ROTATE_SECONDS = 3
DEFAULT_ROTATE_SECONDS = 10
SKM_SECONDS = 15  # the published SKM's panel among the notices (survey.show_on_lobby): a table read from afar


_made: list[tuple[Any, dict[str, Any]]] = [(None, {})]  # (config, its facts): replaced whole, never half


def _hall_facts() -> dict[str, Any]:
    """The hall's facts for the page (a copy each caller may add to). Services, counters and screens
    name an agency by its official name; ``agencies`` gives each its short name, which the screens
    show large. Made once per setup: after a change every screen asks for them within a second."""
    hall = current_hall()
    config = hall.config
    made, facts = _made[0]
    if made is not config:
        facts = {**_facts_of(config), "setup": hall.setup.version}  # the version is set before the config
        _made[0] = (config, facts)
    return dict(facts)


def _facts_of(config: HallConfig) -> dict[str, Any]:
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


def _lobby_facts(screen_id: str | None) -> dict[str, Any] | None:
    """The lobby's facts, for all agencies or one screen's; None for a screen the setup lacks."""
    config = current_hall().config
    facts = _hall_facts()
    screen = None
    if screen_id is not None:
        screen = config.displays.get(screen_id)
        if screen is None:
            return None
    facts["screen"] = {"id": screen.id, "name": screen.name, "agencies": list(screen.agencies)} if screen else None
    facts["notices"] = media.notices_shown(current_hall()) + _skm_notice(config)
    return facts


def _skm_notice(config: HallConfig) -> list[dict[str, Any]]:
    """The published SKM as one more notice when the hall chooses it: its figures come from
    ``GET /api/v1/skm/public`` (js/notices.js), the same the public page /skm shows."""
    if not config.survey.show_on_lobby:
        return []
    return [{"kind": "skm", "text": None, "seconds": SKM_SECONDS, "media_url": None, "media_kind": None}]


def _counter_facts(counter_id: str) -> dict[str, Any] | None:
    """The counter screen's facts; None for a counter the setup lacks."""
    if counter_id not in current_hall().config.counters:
        return None
    config = current_hall().config
    facts = _hall_facts()
    counter = next(c for c in facts["counters"] if c["id"] == counter_id)
    facts["counter"] = {**counter, "agency_label": config.agency(counter["agency"]).label}
    return facts


def _facts_json(facts: dict[str, Any] | None, what: str, wanted: str):
    """A page's facts read again after a setup change; 404 tells it to show the missing view."""
    if facts is None:
        return jsonify(error={"code": "not_found", "message": f"unknown {what} {wanted!r}", "field": what}), 404
    return jsonify(facts), 200, {"Cache-Control": "no-store"}


def _missing(what: str, wanted: str, known: list[str]):
    """A readable page for a screen or counter id the config does not have (``what``: screen, counter)."""
    page = render_template("display/missing.html", what=what, wanted=wanted, known=", ".join(known) or "—", hall=current_hall().config.name)
    return page, 404


@bp.get("/display")
def lobby():
    """``?screen=ID`` shows only that screen's agencies; ``?rotate=S`` sets the seconds per page of counters."""
    config = current_hall().config
    screen_id = request.args.get("screen")
    facts = _lobby_facts(screen_id)
    if facts is None:
        return _missing("screen", screen_id, list(config.displays))
    rotate = request.args.get("rotate", "")
    facts["rotate_seconds"] = max(MIN_ROTATE_SECONDS, int(rotate)) if rotate.isdigit() else DEFAULT_ROTATE_SECONDS
    return render_template("display/lobby.html", facts=facts, hall=config.name)


@bp.get("/display/facts.json")
def lobby_facts():
    """The lobby's facts (``?screen=ID``: that screen's), as the page embeds them."""
    screen_id = request.args.get("screen")
    return _facts_json(_lobby_facts(screen_id), "screen", screen_id or "")


@bp.get("/display/counter/<counter_id>")
def counter(counter_id: str):
    config = current_hall().config
    facts = _counter_facts(counter_id)
    if facts is None:
        return _missing("counter", counter_id, list(config.counters))
    counter = config.counters[counter_id]
    return render_template(
        "display/counter.html", facts=facts, hall=config.name, counter=counter, agency_label=facts["counter"]["agency_label"]
    )


@bp.get("/display/counter/<counter_id>/facts.json")
def counter_facts(counter_id: str):
    """The counter screen's facts, as the page embeds them."""
    return _facts_json(_counter_facts(counter_id), "counter", counter_id)
