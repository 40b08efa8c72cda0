"""``GET /api/v1/audio/<key>.wav``: the announcement audio named in each ``called`` message.

Register with ``app.register_blueprint(views.bp)``; the audio comes from the hall's announcer
(``current_hall().announcer``). A display usually asks a few milliseconds after the call, so a
render still in flight is waited for (briefly) rather than answered with an error the display would
have to retry. The audio behind a key never changes, so browsers may keep it. The response says how
long it waited for the renderer (``Server-Timing: render;dur=MS``, 0 when the file was ready), which
is how the benchmark counts the calls whose audio was ready before a display asked for it.
"""

from __future__ import annotations

import time

from flask import Blueprint, jsonify, send_file

from ..hall import current_hall

bp = Blueprint("announce", __name__)

WAIT_SECONDS = 5.0
CACHE_SECONDS = 24 * 3600


def _error(status: int, code: str, message: str):
    response = jsonify(error={"code": code, "message": message})
    response.status_code = status
    return response


@bp.get("/api/v1/audio/<key>.wav")
def audio(key: str):
    announcer = current_hall().announcer
    if announcer is None:
        return _error(404, "not_found", "announcements are not set up on this server")
    renderer = announcer.renderer
    path = renderer.path(key)
    waited = 0.0
    if path is None:
        started = time.perf_counter()
        path = renderer.wait(key, WAIT_SECONDS)
        waited = time.perf_counter() - started
    if path is not None:
        # conditional=True answers Range requests, which media elements make.
        response = send_file(path, mimetype="audio/wav", conditional=True, max_age=CACHE_SECONDS)
        response.headers["Server-Timing"] = f"render;dur={waited * 1000:.1f}"
        return response
    state = renderer.state(key)
    if state == "failed":
        return _error(503, "render_failed", f"the announcement could not be rendered: {renderer.error(key)}")
    if state == "pending":
        response = _error(503, "not_ready", f"the announcement is still being rendered after {WAIT_SECONDS:g} s; try again")
        response.headers["Retry-After"] = "1"
        return response
    return _error(404, "not_found", f"no announcement audio {key}")
