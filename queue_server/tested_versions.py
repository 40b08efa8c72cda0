"""The versions of the packages whose private internals Antre relies on, and what it relies on.

A routine upgrade of one of these can change what the code reaches into without any error: the live
channel would quietly drop back to a writer thread per client, a USB printer would stop printing.
So each is pinned in pyproject.toml to exactly the range below (tests/test_dependencies.py checks
both agree, and that the installed versions are inside), and ``live_transport.install`` keeps the
stock behaviour when a version it depends on is outside. README "Upgrading dependencies" says what
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
        "live_transport.py: Socket.poll/send/queue/check_ping_timeout/_websocket_handler, the writer loop "
        "calling poll, Server.sockets as a plain dict, packet.packet_names, exceptions.QueueEmpty",
    ),
    "python-socketio": Tested((5, 18, 1), (5, 19), "live.py: Server.eio is the Engine.IO server live_transport installs on"),
    "flask-socketio": Tested(
        (5, 7, 0), (5, 8), "live.py: SocketIO.server is the python-socketio server; threading mode runs WebSockets through simple-websocket"
    ),
    "simple-websocket": Tested(
        (1, 1, 0), (1, 2), "live_transport.py: Server.ws is its wsproto connection, Server.sock the blocking socket, Server.connected"
    ),
    "wsproto": Tested(
        (1, 3, 2), (1, 4), "live_transport.py: frames written with the connection's send(Message|TextMessage) outside simple-websocket"
    ),
    "uvicorn": Tested(
        (0, 55, 0),
        (0, 56),
        "connguard.py: HttpToolsProtocol.connection_made/connection_lost/on_message_begin/on_url/on_header/"
        "on_headers_complete/handle_websocket_upgrade (the upgraded transport's new protocol)/send_400_response and its "
        "client/transport/loop/url attributes; WebSocketsSansIOProtocol.connection_lost; server.py: Server.handle_exit, "
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
