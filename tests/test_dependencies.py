"""Pinned where it relies on internals: the packages queue_server/tested_versions.py names are
declared in pyproject.toml with exactly the tested range, installed inside it, and what the code
reaches into is still there (tests/test_live_transport.py drives real clients through the live part)."""

from __future__ import annotations

import tomllib

from antre.queue_server.hall import hall_of
from antre.queue_server.tested_versions import TESTED, outside_tested
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from tests.support import ROOT


def declared() -> dict[str, Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = (Requirement(line) for line in project["dependencies"])
    return {canonicalize_name(r.name): r for r in requirements}


def test_every_package_whose_internals_are_used_is_installed_inside_its_tested_range():
    problems = [problem for name in TESTED if (problem := outside_tested(name))]
    assert problems == [], (
        "re-check what README 'Upgrading dependencies' lists, then move the range in tested_versions.py and pyproject.toml"
    )


def test_pyproject_declares_each_of_them_with_exactly_the_tested_range():
    requirements = declared()
    for name, tested in TESTED.items():
        assert name in requirements, f"{name} is relied on but not declared in pyproject.toml"
        assert requirements[name].specifier == SpecifierSet(tested.specifier), f"{name}: pyproject says {requirements[name].specifier}"


def test_engineio_still_keeps_each_connections_unsent_packets_in_an_asyncio_queue(app):
    import asyncio

    from engineio.async_socket import AsyncSocket

    live = hall_of(app).live
    assert isinstance(live.sio.eio.sockets, dict)
    sock = AsyncSocket(live.sio.eio, "sid")
    assert isinstance(sock.queue, asyncio.Queue) and sock.queue.qsize() == 0


def test_python_escpos_still_has_the_raw_write_usb_and_serial_printing_go_through():
    from escpos.printer import Serial, Usb

    assert callable(getattr(Usb, "_raw", None)) and callable(getattr(Serial, "_raw", None))


def test_uvicorn_still_has_the_protocol_methods_the_connection_limits_override():
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
    from uvicorn.server import Server

    for name in (
        "connection_made", "connection_lost", "on_message_begin", "on_url", "on_header", "on_headers_complete",
        "handle_websocket_upgrade", "send_400_response",
    ):  # fmt: skip
        assert callable(getattr(HttpToolsProtocol, name, None)), f"HttpToolsProtocol.{name} is gone"
    assert callable(getattr(WebSocketsSansIOProtocol, "connection_lost", None))
    assert callable(getattr(Server, "handle_exit", None))
