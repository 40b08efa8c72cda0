"""The ticket as ESC/POS bytes, rendered once through python-escpos's in-memory ``Dummy`` printer.

Rendering to bytes (instead of driving a connected printer command by command) lets the print
queue persist, retry and hand over a ticket as one blob, and makes a ticket's bytes the same
whichever connection carries them: TCP, USB, serial, a device file, or the printer-agent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from escpos.capabilities import Profile, get_profile
from escpos.constants import QR_ECLEVEL_M
from escpos.printer import Dummy

from .layout import Block, Feed, Logo, Paper, QRCode, Text, paper_for, ticket_blocks

if TYPE_CHECKING:
    from antre.queue_server.config import HallConfig

ESCPOS_CODEPAGE = "CP850"  # python-escpos's name for layout.CODEPAGE; sent as ESC t 2


def ticket_bytes(ticket: dict, hall: HallConfig, track_url: str, lang: str | None = None) -> bytes:
    """Everything the printer needs for one ticket, ending with a cut."""
    return blocks_bytes(ticket_blocks(ticket, hall, track_url, lang), paper_for(hall))


def blocks_bytes(blocks: list[Block], paper: Paper) -> bytes:
    printer = Dummy(profile=_profile(paper))
    printer.hw("INIT")
    # A fixed code page, not python-escpos's automatic switching: the layout already made every
    # character printable in it, and one ESC t up front is what cheap printers handle reliably.
    printer.charcode(ESCPOS_CODEPAGE)
    printer.set(align="center")
    for block in blocks:
        if isinstance(block, Text):
            printer.set(
                custom_size=True, width=block.width, height=block.height, bold=block.bold, invert=block.invert, smooth=block.height >= 4
            )
            printer.textln(block.text)
        elif isinstance(block, QRCode):
            # Native (GS ( k): sharp at any module size and a few dozen bytes instead of a raster image.
            printer.qr(block.data, ec=QR_ECLEVEL_M, size=block.module, native=True)
            printer.ln()
        elif isinstance(block, Logo):
            printer.image(block.image)
        elif isinstance(block, Feed):
            printer.ln(block.lines)
    printer.set(custom_size=True, width=1, height=1, bold=False, invert=False, smooth=False)
    printer.cut()
    return printer.output


def _profile(paper: Paper) -> Profile:
    """The default profile's features and code pages, with this paper's width: python-escpos checks
    images against the width and complains on stdout when it is unknown."""
    profile = Profile(features=dict(get_profile("default").features))
    profile.profile_data = {**profile.profile_data, "media": {"dpi": 203, "width": {"mm": paper.width_mm, "pixels": paper.dots}}}
    return profile
