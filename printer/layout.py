"""The one ticket layout, described once as a list of blocks that the paper and the preview render.

The ticket is laid out in printer terms — character cells of the printer's font A, size
multipliers, QR module size — so that the ESC/POS bytes (``paper.py``) and the PNG preview
(``preview.py``) are two renderings of the same list and cannot drift apart. Text is made
printable here, transliterated to the printer's code page and wrapped to the paper's columns,
for the same reason: the preview shows the ``-`` the printer will print, not the ``–`` it cannot.
"""

from __future__ import annotations

import logging
import textwrap
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING

from antre.queue_server.i18n import gettext, ngettext
from babel.dates import format_date
from PIL import Image

if TYPE_CHECKING:
    from antre.queue_server.config import HallConfig

log = logging.getLogger(__name__)

# CP850 (Latin-1 letters, "·", box drawing) sits in slot 2 of the ESC t table on Epson and on the
# Epson-compatible printers sold in Indonesia, and it is slot 2 in python-escpos's default profile.
CODEPAGE = "cp850"
CHAR_WIDTH, CHAR_HEIGHT = 12, 24  # font A, in dots
MAX_SCALE = 8  # GS ! takes width and height multipliers 1..8
NUMBER_HEIGHT = MAX_SCALE
QR_MODULE = 6  # dots per QR module: a 29-module code is 174 dots, about 22 mm, easy for any phone
LOGO_MAX_HEIGHT = 160
RULE = "─"  # U+2500, 0xC4 in both CP850 and CP437, so a rule stays a rule on any Latin table

_SUBSTITUTES = str.maketrans(  # what Unicode decomposition cannot bring back to the code page
    {
        "–": "-",
        "—": "-",
        "‒": "-",
        "−": "-",
        "‘": "'",
        "’": "'",
        "‚": ",",
        "“": '"',
        "”": '"',
        "„": '"',
        "…": "...",
        "•": "·",
        "€": "EUR",
        "\u00a0": " ",
        "Ł": "L",
        "ł": "l",
        "Đ": "D",
        "đ": "d",
        "Œ": "OE",
        "œ": "oe",
    }
)


@dataclass(frozen=True)
class Paper:
    width_mm: int
    dots: int  # printable width at 203 dpi

    @property
    def columns(self) -> int:
        """Characters per line, one short of the full width: some printers wrap a full line by
        themselves, and the line feed that follows then prints an empty line."""
        return self.dots // CHAR_WIDTH - 1


PAPERS = {58: Paper(58, 384), 80: Paper(80, 576)}


@dataclass(frozen=True)
class Text:
    """One printed line, centred, already printable and short enough for its size."""

    text: str
    width: int = 1
    height: int = 1
    bold: bool = False
    invert: bool = False


@dataclass(frozen=True)
class QRCode:
    data: str
    module: int = QR_MODULE


@dataclass(frozen=True, eq=False)
class Logo:
    image: Image.Image  # 1-bit, exactly the paper's width, the logo centred on it


@dataclass(frozen=True)
class Feed:
    lines: int = 1


Block = Text | QRCode | Logo | Feed


def paper_for(hall: HallConfig) -> Paper:
    return PAPERS[hall.printer.get("width_mm", 80)]


def ticket_blocks(ticket: dict, hall: HallConfig, track_url: str, lang: str | None = None) -> list[Block]:
    """The ticket as blocks; ``lang`` is the visitor's choice at the kiosk, the hall's language otherwise."""
    paper = paper_for(hall)
    lang = lang or hall.language
    blocks: list[Block] = []
    logo = _logo(hall, paper)
    if logo is not None:
        blocks += [logo, Feed()]
    blocks += _wrapped(hall.name, paper, bold=True)
    blocks.append(Text(RULE * paper.columns))
    blocks += _wrapped(ticket["agency"], paper)
    blocks += _wrapped(ticket["service_name"], paper, bold=True, height=2)
    blocks += [Feed(), Text(printable(gettext(lang, "paper.number")))]
    number = printable(ticket["number"])
    blocks.append(Text(number, width=max(1, min(MAX_SCALE, paper.columns // len(number))), height=NUMBER_HEIGHT, bold=True))
    if ticket.get("priority"):
        blocks += _wrapped(_priority_label(ticket["priority"], lang), paper, bold=True, invert=True)
    blocks.append(Feed())
    issued = datetime.fromisoformat(ticket["issued_at"]).astimezone(hall.timezone)
    blocks += _joined([format_date(issued, "EEEE, d MMMM y", locale=lang), f"{issued:%H:%M} {issued.tzname()}"], paper)
    blocks += _joined(_waiting(ticket, lang), paper)
    blocks += [Feed(), QRCode(track_url)]
    blocks += _wrapped(gettext(lang, "paper.scan"), paper)
    blocks.append(Text(RULE * paper.columns))
    blocks += _wrapped(hall.printer["footer"] if "footer" in hall.printer else gettext(lang, "paper.footer"), paper)
    return blocks


def printable(text: str) -> str:
    """Text the printer prints as written: control bytes (which would be taken as commands) become
    spaces, characters outside the code page lose their accents or become ``?``."""
    out = []
    for char in text.translate(_SUBSTITUTES):
        if char < " " or char == "\x7f":
            out.append(" ")
        elif _encodable(char):
            out.append(char)
        else:
            plain = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c) and _encodable(c))
            out.append(plain or "?")
    return "".join(out)


@lru_cache(maxsize=512)
def _encodable(char: str) -> bool:
    try:
        char.encode(CODEPAGE)
    except UnicodeEncodeError:
        return False
    return True


def _logo(hall: HallConfig, paper: Paper) -> Logo | None:
    """The configured logo, or none with a warning: a missing picture must not stop tickets printing."""
    name = hall.printer.get("logo")
    if not name:
        return None
    path = hall.path.parent / name
    try:
        return Logo(logo_bitmap(str(path), paper.dots))
    except OSError as error:
        log.warning("printer.logo %s cannot be used (%s); printing tickets without it", path, error)
        return None


@lru_cache(maxsize=8)
def logo_bitmap(path: str, dots: int) -> Image.Image:
    """The logo shrunk to fit, centred on a paper-wide 1-bit canvas; cached because it is the
    only slow step of a layout and the file rarely changes while the server runs."""
    with Image.open(path) as source:
        logo = source.convert("RGBA")
    white = Image.new("RGBA", logo.size, "white")
    logo = Image.alpha_composite(white, logo).convert("L")
    logo.thumbnail((dots, LOGO_MAX_HEIGHT))
    canvas = Image.new("L", (dots, logo.height), 255)
    canvas.paste(logo, ((dots - logo.width) // 2, 0))
    return canvas.convert("1")


def _wrapped(text: str, paper: Paper, *, bold: bool = False, height: int = 1, invert: bool = False) -> list[Text]:
    lines = textwrap.wrap(printable(text), paper.columns - 2 * invert)
    if invert:  # a space either side makes white-on-black text read as a label
        lines = [f" {line} " for line in lines]
    return [Text(line, height=height, bold=bold, invert=invert) for line in lines]


def _joined(parts: list[str], paper: Paper) -> list[Text]:
    """Parts on one line separated by " · " while they fit, else one part per line: a 58 mm
    ticket breaks between facts instead of in the middle of one."""
    lines: list[str] = []
    for part in (printable(p) for p in parts):
        if lines and len(lines[-1]) + 3 + len(part) <= paper.columns:
            lines[-1] += " · " + part
        else:
            lines.append(part)
    return [Text(line) for wrapped in lines for line in textwrap.wrap(wrapped, paper.columns)]


def _waiting(ticket: dict, lang: str) -> list[str]:
    ahead = ticket.get("waiting_ahead")
    if ahead is None:  # a reprint of a ticket already called: the queue position no longer applies
        return []
    eta = ticket.get("eta_minutes")
    if eta is None:
        estimate = gettext(lang, "paper.eta_unknown")
    elif ahead == 0:
        estimate = gettext(lang, "paper.eta_soon")
    else:
        estimate = ngettext(lang, "paper.eta", eta)
    return [ngettext(lang, "paper.ahead", ahead), estimate]


def _priority_label(priority: str | bool, lang: str) -> str:
    """The priority line, such as PRIORITAS: LANSIA: the category in the words the kiosk and the console use."""
    label = gettext(lang, "paper.priority")
    category = f"priority.{priority}" if isinstance(priority, str) else None
    return f"{label}: {gettext(lang, category)}".upper() if category else label
