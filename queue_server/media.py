"""Uploaded images and short videos: agency logos and lobby notices.

An upload is shown on every screen of the hall, so what it is decides whether it is kept, never its
name or the type the browser claims: Pillow opens and fully decodes an image (a renamed or truncated
file fails here, not on the lobby's TV), a video is known by its container's first bytes, and
anything else (SVG and HTML included, which a browser would run as a page) is refused with a message
naming the file. Each upload gets an unguessable id; ``GET /media/<id>`` serves it with headers that
keep a browser from treating it as anything but the picture or video it is.
"""

from __future__ import annotations

import io
import re
import secrets
import warnings
from dataclasses import dataclass

from flask import Blueprint, Response, request
from PIL import Image

from .clock import iso
from .config import HallConfig
from .engine import Conflict, InvalidInput, NotFound
from .errors import ApiError
from .hall import Hall, current_hall

IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}
MAX_IMAGE_BYTES = 2 * 2**20
MAX_VIDEO_BYTES = 20 * 2**20
MAX_IMAGE_SIDE = 4000  # pixels, either way
MAX_UPLOAD_BYTES = MAX_VIDEO_BYTES + 64 * 1024  # the largest file and the multipart form around it
MAX_FILENAME = 120
MP4_BRANDS = (b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ", b"dash", b"mmp4")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# An upload never changes under its id: a screen keeps it for a year.
CACHE = "public, max-age=31536000, immutable"
# Opened on its own, it is a picture or a video, never a page: no script, no form, no plugin.
CSP = "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; sandbox"

bp = Blueprint("media", __name__)


@dataclass(frozen=True)
class Checked:
    """What the content of an upload turned out to be."""

    kind: str  # "image" or "video"
    content_type: str
    width: int | None = None
    height: int | None = None


def clean_filename(name: str | None) -> str:
    """The name shown in lists and messages: its last part only, without control characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    return CONTROL.sub("", base).strip()[:MAX_FILENAME] or "upload"


def check(data: bytes, filename: str) -> Checked:
    """The upload's kind and type by its content; InvalidInput (400) or ApiError 413 naming the file."""
    if not data:
        raise InvalidInput("error.media_empty", "file", name=filename)
    video = _video_type(data)
    if video is not None:
        _cap(len(data), MAX_VIDEO_BYTES, filename)
        return Checked("video", video)
    _cap(len(data), MAX_IMAGE_BYTES, filename)
    return _image(data, filename)


def _cap(size: int, limit: int, filename: str) -> None:
    if size > limit:
        raise ApiError(413, "too_large", "error.media_too_large", "file", name=filename, mb=limit // 2**20)


def _video_type(data: bytes) -> str | None:
    """MP4 (an ISO media file whose brand is a video one) or WebM (an EBML file of doctype webm)."""
    if data[4:8] == b"ftyp" and data[8:12] in MP4_BRANDS:
        return "video/mp4"
    if data[:4] == b"\x1a\x45\xdf\xa3" and b"webm" in data[:64]:
        return "video/webm"
    return None


def _image(data: bytes, filename: str) -> Checked:
    """Opened, measured before decoding (a huge image is refused unread), then decoded whole."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                kind = image.format
                if kind not in IMAGE_TYPES:
                    raise InvalidInput("error.media_type", "file", name=filename)
                width, height = image.size
                if width > MAX_IMAGE_SIDE or height > MAX_IMAGE_SIDE:
                    raise InvalidInput("error.media_pixels", "file", name=filename, width=width, height=height, side=MAX_IMAGE_SIDE)
                image.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidInput("error.media_type", "file", name=filename) from None
    return Checked("image", IMAGE_TYPES[kind], width, height)


def save(hall: Hall, data: bytes, filename: str, officer_id: int | None) -> dict:
    """Check and keep an upload; returns its record (without the bytes)."""
    name = clean_filename(filename)
    found = check(data, name)
    media = {
        "id": secrets.token_urlsafe(18),
        "kind": found.kind,
        "content_type": found.content_type,
        "filename": name,
        "size": len(data),
        "width": found.width,
        "height": found.height,
        "created_at": iso(hall.engine.clock()),
        "officer_id": officer_id,
    }
    with hall.store.write() as tx:
        tx.insert_media({**media, "data": data})
    return {**media, "url": url(media["id"])}


def listing(hall: Hall) -> list[dict]:
    """Every upload, newest first, each with its URL and whether the setup shows it."""
    used = hall.config.media_in_use()
    with hall.store.read() as tx:
        rows = tx.media_list()
    return [{**row, "url": url(row["id"]), "in_use": row["id"] in used} for row in rows]


def remove(hall: Hall, media_id: str) -> None:
    """Delete an upload the setup no longer shows (409 while an agency or a notice still does)."""
    if media_id in hall.config.media_in_use():
        raise Conflict("error.media_in_use", "id", id=media_id)
    with hall.store.write() as tx:
        if tx.media(media_id) is None:
            raise NotFound("error.media_unknown", "id", id=media_id)
        tx.delete_media(media_id)


def unknown_uploads(hall: Hall, config: HallConfig) -> list[str]:
    """One problem line per key of ``config`` naming an upload the hall's file does not hold, in
    parse_config's form (``hall.notices[1].media: ...``): the schema checks an id's shape, only the
    database knows whether it is there. For a setup about to be applied."""
    named = [(f"agencies[{i}].logo", a.logo) for i, a in enumerate(config.agencies.values())]
    named += [(f"hall.notices[{i}].media", n.media) for i, n in enumerate(config.notices)]
    with hall.store.read() as tx:
        return [
            f"{path}: no upload {media_id!r} (POST /api/v1/admin/media gives an id)"
            for path, media_id in named
            if media_id and tx.media(media_id) is None
        ]


def notices_shown(hall: Hall) -> list[dict]:
    """The lobby's notices (``hall.notices``) as its screen shows them, each upload as its URL and
    kind. The setup names an upload by id only, so one missing from the file shows nothing: its
    notice keeps its text, and a notice left with nothing is skipped."""
    with hall.store.read() as tx:
        found = {n.media: tx.media(n.media) for n in hall.config.notices if n.media}
    shown = []
    for notice in hall.config.notices:
        upload = found.get(notice.media)
        if upload is None and not notice.text:
            continue
        item = {"text": notice.text, "seconds": notice.seconds, "media_url": None, "media_kind": None}
        if upload is not None:
            item.update(media_url=url(upload["id"]), media_kind=upload["kind"])
        shown.append(item)
    return shown


def url(media_id: str) -> str:
    return f"/media/{media_id}"


@bp.get("/media/<media_id>")
def serve(media_id: str) -> Response:
    """The bytes with their stored type: a browser shows them inline and never runs them."""
    with current_hall().store.read() as tx:
        found = tx.media_bytes(media_id)
    if found is None:
        raise NotFound("error.media_unknown", "id", id=media_id)
    content_type, data = found
    response = Response(data, content_type=content_type)
    response.headers.update(
        {
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": CACHE,
            "Content-Disposition": "inline",
            "Content-Security-Policy": CSP,
            "Cross-Origin-Resource-Policy": "same-origin",
        }
    )
    return response.make_conditional(request, accept_ranges=True, complete_length=len(data))
