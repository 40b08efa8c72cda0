"""The ticket as a PNG at the printer's width in dots, drawn from the same blocks as the paper.

The kiosk screen, the admin pages and the README show this picture so that what a visitor sees
on screen is what the paper says. It imitates the printer rather than a web page: a monospaced
font in the 12×24-dot cell of the printer's font A, the same size multipliers, a QR code with the
same module size and error correction, and pure black on white like thermal paper.
"""

from __future__ import annotations

import io
from functools import lru_cache
from typing import TYPE_CHECKING

import qrcode
from PIL import Image, ImageDraw, ImageFont

from .layout import CHAR_HEIGHT, CHAR_WIDTH, Block, Feed, Logo, Paper, QRCode, Text, paper_for, ticket_blocks

if TYPE_CHECKING:
    from antre.queue_server.config import HallConfig

LINE_SPACING = 34  # the printer's default line feed, 1/6 inch at 203 dpi
MARGIN = 24
FONT_FILES = {False: "DejaVuSansMono.ttf", True: "DejaVuSansMono-Bold.ttf"}
FONT_SIZE = 20  # DejaVu Sans Mono at 20 px advances 12 px and stands 24 px: font A's cell


def ticket_png(ticket: dict, hall: HallConfig, track_url: str, lang: str | None = None) -> bytes:
    buffer = io.BytesIO()
    ticket_image(ticket, hall, track_url, lang).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def ticket_image(ticket: dict, hall: HallConfig, track_url: str, lang: str | None = None) -> Image.Image:
    return blocks_image(ticket_blocks(ticket, hall, track_url, lang), paper_for(hall))


def blocks_image(blocks: list[Block], paper: Paper) -> Image.Image:
    """Each block drawn as a paper-wide strip, stacked top to bottom like the paper feeds."""
    strips = [_strip(block, paper.dots) for block in blocks]
    sheet = Image.new("1", (paper.dots, sum(s.height for s in strips) + 2 * MARGIN), 1)
    y = MARGIN
    for strip in strips:
        sheet.paste(strip, (0, y))
        y += strip.height
    return sheet


def _strip(block: Block, dots: int) -> Image.Image:
    if isinstance(block, Text):
        return _text_strip(block, dots)
    if isinstance(block, QRCode):
        code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=block.module, border=0)
        code.add_data(block.data)
        code.make(fit=True)
        return _centred(code.make_image().get_image().convert("1"), dots, LINE_SPACING)
    if isinstance(block, Logo):
        return block.image
    assert isinstance(block, Feed)
    return Image.new("1", (dots, LINE_SPACING * block.lines), 1)


def _text_strip(block: Text, dots: int) -> Image.Image:
    """The line drawn in the scaled cell the printer uses (GS ! multiplies the 12×24 cell), then
    thresholded: thermal paper has no grey."""
    cell = (CHAR_WIDTH * block.height * len(block.text), CHAR_HEIGHT * block.height)
    ink, paper = (255, 0) if block.invert else (0, 255)
    line = Image.new("L", cell, paper)
    draw, font = ImageDraw.Draw(line), _font(block.bold, FONT_SIZE * block.height)
    for i, char in enumerate(block.text):  # one cell each, like the printer: no drift, rules join up
        draw.text((i * CHAR_WIDTH * block.height, 0), char, font=font, fill=ink)
    if block.width != block.height:
        line = line.resize((CHAR_WIDTH * block.width * len(block.text), cell[1]), Image.Resampling.LANCZOS)
    line = line.point(lambda value: 255 if value >= 128 else 0).convert("1")
    return _centred(line, dots, max(line.height, LINE_SPACING) - line.height)


def _centred(image: Image.Image, dots: int, space_below: int) -> Image.Image:
    strip = Image.new("1", (dots, image.height + space_below), 1)
    strip.paste(image, ((dots - image.width) // 2, 0))
    return strip


@lru_cache(maxsize=32)
def _font(bold: bool, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans Mono (Debian's fonts-dejavu-core); Pillow's own font when it is missing, so a
    machine without it still gets a readable, if less faithful, preview."""
    try:
        return ImageFont.truetype(FONT_FILES[bold], size)
    except OSError:
        return ImageFont.load_default(size)
