"""The versions of the packages whose private internals Antre relies on, and what it relies on.

A routine upgrade of one of these can change what the code reaches into without any error: the live
channel would stop closing clients that fell behind, a USB printer would stop printing.
So each is pinned in pyproject.toml to exactly the range below (tests/test_dependencies.py checks
both agree, and that the installed versions are inside). README "Upgrading dependencies" says what
to re-check before widening a range. This module imports nothing heavy: the printer-agent may use it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import metadata


@dataclass(frozen=True)
class Tested:
    lowest: tuple[int, ...]  # the version the code was checked against
    below: tuple[int, ...]  # the first version it was not: patch releases in between are accepted
    relied_on: str  # what the code uses that the package does not promise to keep

    @property
    def specifier(self) -> str:
        """As pyproject.toml states it, e.g. ``>=4.15.1,<4.16``."""
        return f">={_dotted(self.lowest)},<{_dotted(self.below)}"


TESTED: dict[str, Tested] = {
    "python-engineio": Tested(
        (4, 15, 1),
        (4, 16),
        "live.py: AsyncServer.sockets maps each connection to its AsyncSocket, whose ``queue`` holds the packets not yet "
        "written (a client that stopped reading is closed when it grows too long) and ``close(wait=False, abort=True)``",
    ),
    "python-socketio": Tested(
        (5, 18, 1), (5, 19), "live.py: AsyncServer.eio is its Engine.IO server; manager.sid_from_eio_sid and get_namespaces tell a joined connection"
    ),
    "uvicorn": Tested(
        (0, 55, 0),
        (0, 56),
        "connguard.py: HttpToolsProtocol.connection_made/connection_lost/on_message_begin/on_url/on_header/"
        "on_headers_complete/handle_websocket_upgrade (the upgraded transport's new protocol)/send_400_response and its "
        "client/transport/loop/url attributes; WebSocketsSansIOProtocol.connection_lost, run_asgi and its scope/transport; server.py: Server.handle_exit, "
        "should_exit/force_exit, run(sockets=)",
    ),
    "python-escpos": Tested((3, 1), (3, 2), "printer/connections.py: Usb/Serial._raw writes ready-made ESC/POS bytes"),
}


def installed(distribution: str) -> tuple[int, ...] | None:
    """The installed version's leading numbers (``4.15.1`` → (4, 15, 1)); None if not installed."""
    try:
        found = re.match(r"\d+(?:\.\d+)*", metadata.version(distribution))
    except metadata.PackageNotFoundError:
        return None
    return tuple(int(part) for part in found.group().split(".")) if found else None


def outside_tested(distribution: str) -> str | None:
    """Why the installed ``distribution`` is not one the code was tested with; None if it is."""
    tested = TESTED[distribution]
    version = installed(distribution)
    if version is None:
        return f"{distribution} is not installed"
    if not tested.lowest <= version < tested.below:
        return f"{distribution} {_dotted(version)} is outside the tested range {tested.specifier}"
    return None


def _dotted(version: tuple[int, ...]) -> str:
    return ".".join(str(part) for part in version)
