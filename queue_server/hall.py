"""One hall and the services that run it: what every blueprint reaches through ``current_hall()``.

Its own module so the blueprints (api, kiosk, display, counter, announce) can import it without
importing the app factory, which imports them: the factory builds a ``Hall``, the blueprints read one.
``open_hall`` gives the core (config, database, engine, accounts) for the CLI, the simulator and the
benchmarks; a running server adds its services (``create_app`` in app.py), which stay None otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from flask import Flask, current_app

from .accounts import Accounts
from .clock import Clock, iso, system_clock
from .config import HallConfig
from .engine import Engine
from .reports.summaries import Summaries
from .reports.worker import ReportWorker
from .setup import Setup, adopt
from .skm.survey import Survey
from .store import Store

if TYPE_CHECKING:
    from antre.printer.agent_namespace import PrinterAgents
    from antre.printer.service import Printing

    from .announce import Announcer
    from .booking.desk import Bookings
    from .complaints.desk import Complaints
    from .issuing import Issuer
    from .leader import Leadership, LogWatch
    from .live import LiveChannel
    from .live_bus import LiveBus
    from .monitor import MonitorWatch
    from .notify.notifier import Notifier
    from .ops import Ops
    from .presence import CounterPresence

_SLOT = "antre"  # the hall's one place on the Flask app (``app.extensions``)


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
    live_bus: LiveBus | None = None  # the Redis bus between server processes, when ``live.message_queue`` is set
    printer_agents: PrinterAgents | None = None
    ops: Ops | None = None
    presence: CounterPresence | None = None
    monitor: MonitorWatch | None = None
    summaries: Summaries | None = None  # the reports' facts, kept from the log (open_hall makes it)
    report_worker: ReportWorker | None = None  # the process reports run in (the server's; None: in-process)
    survey: Survey | None = None  # the SKM survey's responses (open_hall makes it)
    complaints: Complaints | None = None  # the complaints desk (create_app makes it)
    bookings: Bookings | None = None  # booking from home (create_app makes it)
    notifier: Notifier | None = None  # Web Push and the webhook (create_app makes and starts it)
    leadership: Leadership | None = None  # whether this process does the hall's single jobs (create_app)
    log_watch: LogWatch | None = None  # wakes them for work other processes committed (create_app)
    own_url: str = "http://localhost"  # where the server listens (create_app); printed codes fall back to it
    setup: Setup = field(init=False)
    _followers: list[Callable[[HallConfig], None]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self.setup = Setup(self)

    @property
    def public_base(self) -> str:
        """The base of every ticket's ``track_url`` and printed QR code: ``public_url``, else the
        server's own address, never the request's ``Host`` header (any client may set that)."""
        return (self.config.public_url or self.own_url).rstrip("/")

    def reconfigure(self, config: HallConfig) -> None:
        """Run on a changed setup from now on (queue_server/setup.py): every part that keeps the
        config, and every follower, gets the new one."""
        self.config = config
        self.engine.reconfigure(config)
        self.accounts.hall = config
        if self.summaries is not None:
            self.summaries.reconfigure(config)
        if self.announcer is not None:
            self.announcer.reconfigure(config)
        if self.printing is not None:
            self.printing.reconfigure(config)
        for follower in self._followers:
            follower(config)

    def follow(self, follower: Callable[[HallConfig], None]) -> None:
        """Call ``follower(config)`` on every change of the setup (a part made after the hall, such
        as the kiosk's voice)."""
        self._followers.append(follower)


def open_hall(config: HallConfig, clock: Clock = system_clock) -> Hall:
    """The hall without the web: what the CLI, the benchmarks and the simulator use."""
    store = Store(config.database)
    config = adopt(store, config, iso(clock()))
    engine = Engine(store, config, clock)
    summaries = Summaries(store, config)
    engine.subscribe(summaries.wake)  # the follower's thread runs only in a server (HallServer.load starts it)
    survey = Survey(store, config, clock)
    hall = Hall(config, store, engine, Accounts(store, config, clock), summaries=summaries, survey=survey)
    hall.follow(survey.reconfigure)
    return hall


def attach_hall(app: Flask, hall: Hall) -> None:
    """Let ``app``'s requests reach ``hall`` (one hall per app, so tests can run many side by side)."""
    app.extensions[_SLOT] = hall


def hall_of(app: Flask) -> Hall:
    return app.extensions[_SLOT]


def current_hall() -> Hall:
    """The hall of the app handling the current request."""
    return hall_of(current_app)
