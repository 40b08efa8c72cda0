"""One hall and the services that run it: what every blueprint reaches through ``current_hall()``.

Its own module so the blueprints (api, kiosk, display, counter, announce) can import it without
importing the app factory, which imports them: the factory builds a ``Hall``, the blueprints read one.
``open_hall`` gives the core (config, database, engine, accounts) for the CLI, the simulator and the
benchmarks; a running server adds its services (``create_app`` in app.py), which stay None otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import Flask, current_app

from .accounts import Accounts
from .clock import Clock, system_clock
from .config import HallConfig
from .engine import Engine
from .store import Store

if TYPE_CHECKING:
    from antre.printer.agent_namespace import PrinterAgents
    from antre.printer.service import Printing

    from .announce import Announcer
    from .issuing import Issuer
    from .live import LiveChannel
    from .ops import Ops
    from .presence import CounterPresence

_SLOT = "antre"  # the hall's one place on the Flask app, next to Flask-SocketIO's own "socketio"


@dataclass(eq=False)
class Hall:
    config: HallConfig
    store: Store
    engine: Engine
    accounts: Accounts
    announcer: Announcer | None = None
    printing: Printing | None = None
    issuer: Issuer | None = None
    live: LiveChannel | None = None
    printer_agents: PrinterAgents | None = None
    ops: Ops | None = None
    presence: CounterPresence | None = None
    own_url: str = "http://localhost"  # where the server listens (create_app); printed codes fall back to it

    @property
    def public_base(self) -> str:
        """The base of every ticket's ``track_url`` and printed QR code: ``public_url``, else the
        server's own address, never the request's ``Host`` header (any client may set that)."""
        return (self.config.public_url or self.own_url).rstrip("/")


def open_hall(config: HallConfig, clock: Clock = system_clock) -> Hall:
    """The hall without the web: what the CLI, the benchmarks and the simulator use."""
    store = Store(config.database)
    return Hall(config, store, Engine(store, config, clock), Accounts(store, config, clock))


def attach_hall(app: Flask, hall: Hall) -> None:
    """Let ``app``'s requests reach ``hall`` (one hall per app, so tests can run many side by side)."""
    app.extensions[_SLOT] = hall


def hall_of(app: Flask) -> Hall:
    return app.extensions[_SLOT]


def current_hall() -> Hall:
    """The hall of the app handling the current request."""
    return hall_of(current_app)
