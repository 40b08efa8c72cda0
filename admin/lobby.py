"""Lobby content and agency branding: the uploads (images and short videos) that agency logos and
lobby notices show, and the page (/admin/lobby) where the hall admin edits the ticker and the
notices. The setup itself (``agencies[].logo``, ``hall.notices``, ``hall.ticker``) is edited like
any other setup key (``PATCH /api/v1/admin/settings``); this module keeps the files."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from antre.queue_server import media
from antre.queue_server.api import officer_required
from antre.queue_server.errors import ApiError
from antre.queue_server.hall import current_hall
from antre.queue_server.roles import require_hall_admin
from flask import g, jsonify, request

from . import add_section, api, bp, hall_admin_page, render_page


@bp.get("/lobby")
@hall_admin_page
def lobby_page():
    """The ticker, the notices and the uploads they show, with the upload limits stated."""
    limits = {
        "image_mb": media.MAX_IMAGE_BYTES // 2**20,
        "video_mb": media.MAX_VIDEO_BYTES // 2**20,
        "side": media.MAX_IMAGE_SIDE,
    }
    return render_page("admin/lobby.html", limits=limits)


add_section("admin.lobby_page", "admin.lobby", hall_only=True)


def large_body(view: Callable) -> Callable:
    """The one route allowed a body beyond the app's 64 KB: set before anything reads the form
    (the session's CSRF check may)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        request.max_content_length = media.MAX_UPLOAD_BYTES
        return view(*args, **kwargs)

    return wrapper


@api.post("/media")
@large_body
@officer_required
def upload():
    """Multipart field ``file``, checked by its content (queue_server/media.py)."""
    require_hall_admin(g.officer)
    sent = request.files.get("file")
    if sent is None:
        raise ApiError(400, "invalid", "error.media_missing", "file")
    saved = media.save(current_hall(), sent.read(media.MAX_VIDEO_BYTES + 1), sent.filename, g.officer["id"])
    return jsonify(saved), 201


@api.get("/media")
@officer_required
def listing():
    require_hall_admin(g.officer)
    return jsonify(media=media.listing(current_hall()))


@api.delete("/media/<media_id>")
@officer_required
def delete(media_id: str):
    require_hall_admin(g.officer)
    media.remove(current_hall(), media_id)
    return "", 204
