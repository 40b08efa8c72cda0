"""Uploads (queue_server/media.py, admin/lobby.py): an image or a short video is known by its content,
never by its name or the type the browser claims; anything else is refused with a message naming the
file; only a hall admin uploads, lists and deletes; the setup's logos and notices cannot be deleted
from under it; ``/media/<id>`` serves the bytes so that a browser only ever shows them."""

from __future__ import annotations

import io
import os

import pytest
import yaml
from antre.queue_server import media
from antre.queue_server.config import ConfigError, load_config, parse_config
from antre.queue_server.engine import InvalidInput
from antre.queue_server.errors import ApiError
from antre.queue_server.hall import hall_of
from PIL import Image

from tests.support import SMALL_HALL

SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
WEBM = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08\x42\x82\x84webm" + bytes(64)
MP4 = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + bytes(64)


def picture(kind: str = "PNG", size: tuple[int, int] = (64, 32), noise: bool = False) -> bytes:
    """A real image made by Pillow; ``noise`` makes it incompressible (a big file)."""
    image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)) if noise else Image.new("RGB", size, "#1F6FB2")
    out = io.BytesIO()
    image.save(out, kind)
    return out.getvalue()


# --- checking by content -------------------------------------------------------------------------
def test_a_real_png_is_accepted_with_its_size():
    found = media.check(picture(size=(64, 32)), "logo.png")
    assert (found.kind, found.content_type, found.width, found.height) == ("image", "image/png", 64, 32)


def test_a_png_named_jpg_is_still_a_png_and_a_jpeg_and_webp_are_known_too():
    assert media.check(picture("PNG"), "logo.jpg").content_type == "image/png"
    assert media.check(picture("JPEG"), "foto.png").content_type == "image/jpeg"
    assert media.check(picture("WEBP"), "x").content_type == "image/webp"


@pytest.mark.parametrize(("data", "name"), [(HTML, "logo.png"), (SVG, "logo.svg"), (b"GIF89a not really", "a.gif")])
def test_html_svg_and_garbage_are_refused_naming_the_file(data, name):
    with pytest.raises(InvalidInput) as refused:
        media.check(data, name)
    assert name in refused.value.message and refused.value.field == "file"


def test_a_truncated_image_is_refused():
    whole = picture("PNG", (400, 300), noise=True)
    with pytest.raises(InvalidInput, match=r"cut\.png"):
        media.check(whole[: len(whole) // 2], "cut.png")


def test_an_image_too_large_in_bytes_or_in_pixels_is_refused():
    with pytest.raises(ApiError) as big:
        media.check(picture("PNG", (1000, 1000), noise=True), "besar.png")
    assert big.value.status == 413 and "besar.png" in big.value.message and "2 MB" in big.value.message
    with pytest.raises(InvalidInput, match="4001×10"):
        media.check(picture("PNG", (4001, 10)), "lebar.png")


def test_videos_are_known_by_their_container_and_capped_at_20_mb():
    assert media.check(WEBM, "iklan.mp4").content_type == "video/webm"
    assert media.check(MP4, "iklan.webm").content_type == "video/mp4"
    with pytest.raises(ApiError) as big:
        media.check(MP4 + bytes(media.MAX_VIDEO_BYTES), "panjang.mp4")
    assert big.value.status == 413 and "20 MB" in big.value.message


def test_a_file_name_keeps_only_its_last_part_without_control_characters():
    assert media.clean_filename("C:\\Users\\x\\logo\x00\n.png") == "logo.png"
    assert media.clean_filename("") == "upload"


# --- the setup keys ------------------------------------------------------------------------------
def setup_with(agency: dict | None = None, notices: list | None = None) -> dict:
    data = yaml.safe_load(yaml.safe_dump(SMALL_HALL))
    data["agencies"] = [{"name": "Disdukcapil", **(agency or {})}, {"name": "Kantor Imigrasi", "short_name": "Imigrasi"}]
    if notices is not None:
        data["hall"]["notices"] = notices
    return data


def problems(data: dict, tmp_path) -> list[str]:
    with pytest.raises(ConfigError) as refused:
        parse_config(data, tmp_path / "config.yaml")
    return refused.value.problems


def test_an_agency_colour_and_logo_and_notices_are_setup_keys(tmp_path):
    logo, clip = "a" * 24, "b" * 24
    config = parse_config(
        setup_with({"colour": "#1f6fb2", "logo": logo}, [{"text": "Bawa KTP asli"}, {"media": clip, "seconds": 20}]),
        tmp_path / "config.yaml",
    )
    assert config.agencies["Disdukcapil"].colour == "#1F6FB2" and config.agencies["Disdukcapil"].logo == logo
    assert [(n.text, n.media, n.seconds) for n in config.notices] == [("Bawa KTP asli", "", 10), ("", clip, 20)]
    assert config.media_in_use() == {logo, clip}


def test_bad_colours_logos_and_notices_are_named(tmp_path):
    found = problems(setup_with({"colour": "blue", "logo": "../etc/passwd"}, [{"seconds": 1}, {"text": "x", "media": 5}]), tmp_path)
    assert any(p.startswith("agencies[0].colour: must be a colour written #RRGGBB") for p in found), found
    assert any(p.startswith("agencies[0].logo: must be the id of an uploaded file") for p in found), found
    assert any(p.startswith("hall.notices[0].seconds: must be between 3 and 600") for p in found), found
    assert "hall.notices[0]: needs a text, a media (an uploaded image or video) or both" in found
    assert any(p.startswith("hall.notices[1].media:") for p in found), found


def test_the_example_hall_gives_some_agencies_colours():
    from tests.support import REAL_SIZE_HALL

    config = load_config(REAL_SIZE_HALL)
    assert sum(1 for agency in config.agencies.values() if agency.colour) >= 3


# --- the REST API --------------------------------------------------------------------------------
def upload(client, token: str | None, data: bytes, name: str, **headers):
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return client.post("/api/v1/admin/media", data={"file": (io.BytesIO(data), name)}, headers=headers, content_type="multipart/form-data")


def test_a_hall_admin_uploads_lists_and_deletes_and_the_file_is_served_only_as_itself(client, officers):
    png = picture(size=(120, 60))
    sent = upload(client, officers["admin"], png, "logo.jpg", **{"Content-Type": "image/jpeg"})
    assert sent.status_code == 201, sent.get_json()
    saved = sent.get_json()
    assert (saved["content_type"], saved["width"], saved["height"], saved["filename"]) == ("image/png", 120, 60, "logo.jpg")
    assert len(saved["id"]) >= 24 and saved["url"] == f"/media/{saved['id']}"

    served = client.get(saved["url"])
    assert served.status_code == 200 and served.data == png and served.content_type == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Content-Disposition"] == "inline"
    assert "sandbox" in served.headers["Content-Security-Policy"] and "default-src 'none'" in served.headers["Content-Security-Policy"]
    assert "max-age=31536000" in served.headers["Cache-Control"]
    part = client.get(saved["url"], headers={"Range": "bytes=0-7"})
    assert part.status_code == 206 and part.data == png[:8]  # a video is fetched in parts

    listed = client.get("/api/v1/admin/media", headers={"Authorization": f"Bearer {officers['admin']}"}).get_json()["media"]
    assert [(m["id"], m["in_use"]) for m in listed] == [(saved["id"], False)] and "data" not in listed[0]

    gone = client.delete(saved["url"].replace("/media", "/api/v1/admin/media"), headers={"Authorization": f"Bearer {officers['admin']}"})
    assert gone.status_code == 204
    assert client.get(saved["url"]).status_code == 404


def test_an_officer_is_refused_and_nobody_without_a_token_gets_in(client, officers):
    assert upload(client, officers["siti"], picture(), "a.png").status_code == 403
    assert client.get("/api/v1/admin/media", headers={"Authorization": f"Bearer {officers['siti']}"}).status_code == 403
    assert upload(client, None, picture(), "a.png").status_code == 401


def test_refusals_say_why_in_the_visitors_language(client, officers):
    html = upload(client, officers["admin"], HTML, "poster.png", **{"Accept-Language": "id"})
    assert html.status_code == 400
    assert html.get_json()["error"]["message"].startswith("berkas poster.png bukan gambar")
    big = upload(client, officers["admin"], picture("PNG", (1000, 1000), noise=True), "besar.png")
    assert big.status_code == 413 and "besar.png" in big.get_json()["error"]["message"]
    missing = client.post("/api/v1/admin/media", data={}, headers={"Authorization": f"Bearer {officers['admin']}"})
    assert missing.status_code == 400 and missing.get_json()["error"]["field"] == "file"


def test_a_body_beyond_the_upload_cap_is_413_and_other_routes_keep_64_kb(client, officers):
    huge = upload(client, officers["admin"], bytes(media.MAX_UPLOAD_BYTES + 1), "huge.webm")
    assert huge.status_code == 413
    elsewhere = client.post("/api/v1/tickets", data=b"{" + b" " * 70_000 + b"}", content_type="application/json")
    assert elsewhere.status_code == 413


def test_an_upload_the_setup_shows_cannot_be_deleted(app, client, officers, tmp_path):
    saved = upload(client, officers["admin"], picture(), "logo.png").get_json()
    hall = hall_of(app)
    hall.config = parse_config(setup_with({"logo": saved["id"]}), hall.config.path)
    admin = {"Authorization": f"Bearer {officers['admin']}"}
    refused = client.delete(f"/api/v1/admin/media/{saved['id']}", headers=admin)
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "conflict"
    assert client.get("/api/v1/admin/media", headers=admin).get_json()["media"][0]["in_use"] is True


def test_a_setup_naming_an_upload_the_hall_does_not_hold_is_told_by_key(app, client, officers):
    saved = upload(client, officers["admin"], picture(), "logo.png").get_json()
    hall = hall_of(app)
    missing = "z" * 24
    config = parse_config(setup_with({"logo": saved["id"]}, [{"text": "a"}, {"media": missing}]), hall.config.path)
    assert media.unknown_uploads(hall, config) == [f"hall.notices[1].media: no upload {missing!r} (POST /api/v1/admin/media gives an id)"]
