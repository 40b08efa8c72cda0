"""The printed ticket: ESC/POS bytes from python-escpos, and the PNG preview drawn from the same blocks."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from antre.printer.layout import MAX_SCALE, PAPERS, Text, printable, ticket_blocks
from antre.printer.paper import ticket_bytes
from antre.printer.preview import ticket_image, ticket_png
from antre.queue_server.config import load_config
from PIL import Image

from tests.support import SMALL_HALL, write_config

GS_V = b"\x1dV"
ESC_T_CP850 = b"\x1bt\x02"
URL = "http://192.168.1.10:5000/t/Zx8Qm2LkP0aB"


def make_hall(folder: Path, **printer):
    data = {
        **SMALL_HALL,
        "hall": {"name": "Mal Pelayanan Publik Kota Contoh", "timezone": "Asia/Jakarta", "language": "id"},
        "public_url": "http://192.168.1.10:5000",
        "printer": {"kind": "dummy", **printer},
    }
    return load_config(write_config(folder, data))


def view(**changes) -> dict:
    """A ticket as the engine's view shows it."""
    ticket = {
        "id": "Zx8Qm2LkP0aB",
        "number": "A012",
        "service": "A",
        "service_name": "KTP Elektronik",
        "agency": "Disdukcapil",
        "status": "waiting",
        "priority": None,
        "issued_at": "2026-11-25T01:05:09.000000+00:00",  # 08:05 in Jakarta
        "waiting_ahead": 4,
        "eta_minutes": 15,
    }
    return {**ticket, **changes}


def qr_payloads(data: bytes) -> list[bytes]:
    """What each native QR "store data" command (GS ( k, cn 49, fn 80) holds."""
    payloads, start = [], 0
    while (start := data.find(b"\x1d(k", start)) >= 0:
        length = data[start + 3] + 256 * data[start + 4]
        body = data[start + 5 : start + 5 + length]
        if body[:3] == b"1P0":
            payloads.append(body[3:])
        start += 5 + length
    return payloads


def test_ticket_bytes_carry_everything_a_ticket_needs(tmp_path):
    hall = make_hall(tmp_path)
    data = ticket_bytes(view(), hall, URL)
    assert data.startswith(b"\x1b@" + ESC_T_CP850)  # reset, then the code page, before any text
    for text in (
        b"Mal Pelayanan Publik Kota Contoh",
        b"Disdukcapil",
        b"KTP Elektronik",
        b"NOMOR ANTREAN",
        b"A012",
        b"Rabu, 25 November 2026 \xfa 08:05 WIB",
        b"Di depan Anda: 4 orang \xfa Perkiraan: 15 menit",
        b"Mohon menunggu nomor Anda dipanggil",
    ):
        assert text in data
    assert qr_payloads(data) == [URL.encode()]
    assert data.index(b"A012") < data.index(b"\x1d(k") < data.rindex(GS_V)
    assert data.endswith(GS_V + b"\x00")


def test_the_number_uses_the_largest_type_that_fits_the_paper(tmp_path):
    wide = ticket_bytes(view(), make_hall(tmp_path), URL)
    big = wide.split(b"\x1d!\x77", 1)[1]  # GS ! : 8 x width, 8 x height
    assert big.split(b"\n", 1)[0].endswith(b"A012")
    for width_mm, number in ((80, "A012"), (58, "A012"), (58, "KT1234")):
        hall = make_hall(tmp_path, width_mm=width_mm)
        line = next(b for b in ticket_blocks(view(number=number), hall, URL) if isinstance(b, Text) and b.text == number)
        assert line.height == MAX_SCALE
        assert len(number) * 12 * line.width < PAPERS[width_mm].dots
        assert len(number) * 12 * (line.width + 1) >= PAPERS[width_mm].dots - 12 or line.width == MAX_SCALE


def test_every_line_fits_a_58_mm_paper(tmp_path):
    hall = make_hall(tmp_path, width_mm=58)
    long_service = view(service_name="Penerbitan Kartu Identitas Anak dan Akta Kelahiran", priority="ibu_hamil")
    for block in ticket_blocks(long_service, hall, URL):
        if isinstance(block, Text):
            assert len(block.text) * block.width * 12 < 384, block


def test_text_is_sent_in_cp850_and_what_it_lacks_is_transliterated(tmp_path):
    hall = make_hall(tmp_path)
    data = ticket_bytes(view(service_name="Café – “Izin” ‘Usaha’ Łódź", agency="Dinas\x1b\x1dPerizinan"), hall, URL)
    assert b"Caf\x82 - \"Izin\" 'Usaha' L\xa2dz" in data  # é and ó are in CP850; the dash, quotes, Ł and ź are not
    assert b"Dinas  Perizinan" in data  # control bytes in config text never reach the printer as commands
    assert b"?" not in data.split(b"\x1d(k")[0]
    assert printable("Jalan Sudirman №5 ✓") == "Jalan Sudirman No5 ?"


def test_english_ticket_priority_and_unknown_wait(tmp_path):
    hall = make_hall(tmp_path, footer="Terima kasih")
    data = ticket_bytes(view(priority="lansia", eta_minutes=None), hall, URL, lang="en")
    for text in (
        b"QUEUE NUMBER",
        b"Wednesday, 25 November 2026",
        b"Ahead of you: 4 people",
        b"No counter open yet",
        b"\x1dB\x01 PRIORITY: ELDERLY \n",
        b"Terima kasih",
    ):
        assert text in data
    assert b"Mohon menunggu" not in data


def test_a_reprinted_called_ticket_has_no_queue_position(tmp_path):
    data = ticket_bytes(view(status="called", waiting_ahead=None, eta_minutes=None, priority=True), make_hall(tmp_path), URL)
    assert b"Di depan Anda" not in data and b"Perkiraan" not in data
    assert b" PRIORITAS \n" in data


def test_an_engine_ticket_prints(tmp_path, engine, hall_config):
    ticket = engine.issue("A", priority="disabilitas", kiosk="k1")
    data = ticket_bytes(ticket, hall_config, f"http://antre.local/t/{ticket['id']}")
    assert ticket["number"].encode() in data and b"DISABILITAS" in data
    assert qr_payloads(data) == [f"http://antre.local/t/{ticket['id']}".encode()]


def test_logo_is_printed_as_a_raster_image_and_a_missing_one_is_skipped(tmp_path):
    logo = Image.new("RGB", (300, 120), "white")
    logo.paste((0, 0, 0), (100, 20, 200, 100))
    logo.save(tmp_path / "logo.png")
    with_logo = ticket_bytes(view(), make_hall(tmp_path, logo="logo.png"), URL)
    assert b"\x1dv0" in with_logo  # GS v 0, raster bit image
    assert with_logo.index(b"\x1dv0") < with_logo.index(b"Mal Pelayanan")
    without = ticket_bytes(view(), make_hall(tmp_path, logo="missing.png"), URL)
    assert b"\x1dv0" not in without and b"A012" in without


@pytest.mark.parametrize(("width_mm", "dots"), [(80, 576), (58, 384)])
def test_preview_has_the_printer_width_and_shows_the_number(tmp_path, width_mm, dots):
    png = ticket_png(view(), make_hall(tmp_path, width_mm=width_mm), URL)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.width == dots
    ink = _ink(image)
    wide_rows = [y for y in range(ink.height) if _span(ink, y) > dots // 2]
    assert len(wide_rows) > 100  # only the 8 x high number is both this wide and this tall
    assert 0.02 < ink.histogram()[255] / (ink.width * ink.height) < 0.5


def test_preview_draws_the_same_blocks_as_the_paper(tmp_path):
    logo = Image.new("RGB", (100, 100), "black")
    logo.save(tmp_path / "logo.png")
    hall = make_hall(tmp_path, logo="logo.png")
    plain = ticket_image(view(), make_hall(tmp_path), URL)
    branded = ticket_image(view(), hall, URL)
    assert branded.height > plain.height + 100  # the logo, like on paper, sits on top
    assert _span(_ink(branded), 24 + 50) == 100


def _ink(image: Image.Image) -> Image.Image:
    """Dark pixels as 255, paper as 0."""
    return image.convert("L").point(lambda value: 255 if value < 128 else 0)


def _span(ink: Image.Image, y: int) -> int:
    """From the first to the last dark pixel of row ``y``."""
    box = ink.crop((0, y, ink.width, y + 1)).getbbox()
    return box[2] - box[0] if box else 0
