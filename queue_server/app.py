"""The app factory: one Flask app serves one hall.

Everything the request handlers need hangs off ``app.extensions["antre"]`` as a ``Hall``, so a
test can build as many independent halls (each with its own temporary database) as it likes.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import Flask, current_app

from .accounts import Accounts
from .clock import Clock, system_clock
from .config import HallConfig, load_config
from .engine import Engine
from .store import Store


@dataclass
class Hall:
    config: HallConfig
    store: Store
    engine: Engine
    accounts: Accounts


def current_hall() -> Hall:
    return current_app.extensions["antre"]


def open_hall(config: HallConfig, clock: Clock = system_clock) -> Hall:
    """The hall without the web: what the CLI, the benchmarks and the simulator use."""
    store = Store(config.database)
    return Hall(config, store, Engine(store, config, clock), Accounts(store, config, clock))


def create_app(config: HallConfig | str | Path, clock: Clock = system_clock) -> Flask:
    if not isinstance(config, HallConfig):
        config = load_config(config)
    hall = open_hall(config, clock)
    app = Flask(__name__)
    app.config["SECRET_KEY"] = _secret_key(hall.store)
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    # The officer console's session (queue_server/session.py): out of reach of scripts, not sent with
    # cross-site POSTs, and no longer-lived than the log-in token it carries.
    app.config.update(
        SESSION_COOKIE_NAME="antre_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=config.token_hours),
    )
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    app.extensions["antre"] = hall
    _add_announcer(app, hall)

    from . import api, errors

    errors.register(app)
    app.register_blueprint(api.bp)
    from antre.counter import bp as counter_bp

    app.register_blueprint(counter_bp)
    _add_printing(app, hall)
    _add_live(app)
    from antre.printer.agent_namespace import init_printer_agents

    init_printer_agents(app)
    from .ops import init_ops

    init_ops(app)
    return app


def _add_live(app: Flask) -> None:
    """The live channel (Socket.IO, after the announcer so calls carry their audio) and the displays."""
    from antre.display import bp as display_bp

    from .live import init_live

    init_live(app)
    app.register_blueprint(display_bp)


def _add_printing(app: Flask, hall: Hall) -> None:
    """Printed tickets and the kiosk: print queues (started now if a printer needs watching or jobs
    are left from before a restart), the issuing rules kiosks follow, and the kiosk pages."""
    from antre.kiosk import bp as kiosk_bp
    from antre.kiosk.issuing import Issuer
    from antre.printer.service import Printing

    printing = Printing(hall.config, hall.store, hall.engine)
    app.extensions["antre_printing"] = printing
    app.extensions["antre_issuer"] = Issuer(hall.engine, printing)
    app.register_blueprint(kiosk_bp)
    printing.start()


def _add_announcer(app: Flask, hall: Hall) -> None:
    """Announcements: subscribed first, so rendering is queued the moment a call commits (before
    the live channel tells the displays), with its WAV cache next to the database."""
    from .announce import Announcer, views

    announcer = Announcer.for_hall(hall.config)
    hall.engine.subscribe(announcer.on_events)
    app.extensions["antre_announcer"] = announcer
    app.register_blueprint(views.bp)


def _secret_key(store: Store) -> str:
    """Made on first start and kept in the hall's database: never in the repository or config."""
    with store.write() as tx:
        key = tx.meta("secret_key")
        if key is None:
            key = secrets.token_hex(32)
            tx.set_meta("secret_key", key)
    return key
