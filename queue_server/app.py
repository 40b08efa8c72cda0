"""The app factory: one Flask app serves one hall.

Everything the request handlers need hangs off ``app.extensions["antre"]`` as a ``Hall``, so a
test can build as many independent halls (each with its own temporary database) as it likes.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
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
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    app.extensions["antre"] = hall

    from . import api, errors

    errors.register(app)
    app.register_blueprint(api.bp)
    return app


def _secret_key(store: Store) -> str:
    """Made on first start and kept in the hall's database: never in the repository or config."""
    with store.write() as tx:
        key = tx.meta("secret_key")
        if key is None:
            key = secrets.token_hex(32)
            tx.set_meta("secret_key", key)
    return key
