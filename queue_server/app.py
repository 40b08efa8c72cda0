"""The app factory: one Flask app serves one hall.

Everything the request handlers need is an attribute of the app's ``Hall`` (queue_server/hall.py),
reached as ``current_hall()``, so a test can build as many independent halls (each with its own
temporary database) as it likes. This module imports the blueprints; none of them imports it.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

from antre import admin
from antre.admin import reports_api, skm_public, skm_report_api
from antre.counter import bp as counter_bp
from antre.display import bp as display_bp
from antre.kiosk import bp as kiosk_bp
from antre.printer.agent_namespace import init_printer_agents
from antre.printer.service import Printing
from flask import Flask

from . import api, booking_api, complaints_api, errors, i18n, media, notify_api, skm_api, start
from .announce import Announcer, views
from .booking.desk import Bookings
from .booking.sweep import ExpirySweep
from .clock import Clock, system_clock
from .complaints.desk import Complaints
from .config import HallConfig, load_config
from .hall import Hall, attach_hall, open_hall
from .issuing import Issuer
from .leader import EventFollower, Leadership, LogWatch
from .live import init_live
from .live_bus import hall_bus
from .monitor import MonitorWatch
from .notify.notifier import Notifier
from .notify.push import PushChannel
from .notify.webhook import WebhookChannel
from .ops import init_ops
from .presence import CounterPresence
from .store import Store


def create_app(config: HallConfig | str | Path, clock: Clock = system_clock, own_url: str = "http://localhost") -> Flask:
    """``own_url``: where this app is served (the server passes its bind address); tickets' QR codes
    point there when the config sets no ``public_url``."""
    if not isinstance(config, HallConfig):
        config = load_config(config)
    hall = open_hall(config, clock)
    hall.own_url = own_url
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
    attach_hall(app, hall)
    _add_leadership(hall)
    _add_languages(app, hall)
    # The order matters: the engine tells its listeners in the order they subscribed, so the announcer
    # comes before the live channel (a call's message names audio already being rendered); the
    # printer-agents' namespace needs both the print queues and the live channel's SocketIO.
    _add_announcer(app, hall)
    errors.register(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(start.bp)
    app.register_blueprint(counter_bp)
    app.register_blueprint(media.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(admin.api)
    app.register_blueprint(admin.monitor.api)
    app.register_blueprint(reports_api.bp)
    app.register_blueprint(skm_api.bp)
    app.register_blueprint(skm_report_api.bp)
    app.register_blueprint(skm_public.bp)
    _add_complaints(app, hall)
    _add_printing(app, hall)
    _add_bookings(app, hall)
    _add_live(app, hall)
    _add_notifications(app, hall)
    hall.printer_agents = init_printer_agents(hall.live, hall.printing, hall.store)
    if hall.printer_agents is not None:  # in every process: an agent is connected to any one of them
        hall.log_watch.on_growth(hall.printer_agents.poke)
    init_ops(app, hall)
    hall.presence = CounterPresence(hall.engine, hall.store)
    hall.leadership.when_leading(hall.presence.start)
    hall.monitor = MonitorWatch(hall.engine, hall.store)
    hall.leadership.when_leading(hall.monitor.start)
    hall.log_watch.on_growth(hall.monitor.wake)
    hall.setup.watch()
    hall.log_watch.start()
    return app


def _add_leadership(hall: Hall) -> None:
    """Whether this process does the hall's single jobs (queue_server/leader.py: one process of
    several on the database does; a lone one at once), and the watch that wakes them for work
    committed by the other processes. The reports' follower runs only while leading."""
    hall.leadership = Leadership(hall.config.database).start()
    hall.store.before_close(hall.leadership.close)
    hall.log_watch = LogWatch(hall.store)
    hall.summaries.follow_while(lambda: hall.leadership.is_leader)
    hall.log_watch.on_growth(hall.summaries.wake)


def _add_languages(app: Flask, hall: Hall) -> None:
    """Every template gets the catalogue's words (queue_server/i18n.py) in ``lang``, the hall's
    language (as the setup has it now) unless the page passes another."""
    app.jinja_env.globals.update(i18n.template_globals())
    app.context_processor(lambda: {"lang": hall.config.language})


def _add_live(app: Flask, hall: Hall) -> None:
    """The live channel (Socket.IO, after the announcer so calls carry their audio), the bus it shares
    with the hall's other server processes if there are any (started by the server), and the displays."""
    hall.live = init_live(app, hall)
    hall.log_watch.on_growth(hall.live.wake)  # another process's commits, within half a second
    hall.live_bus = hall_bus(hall.config, hall.log_watch.poke)  # ... or at once, when Redis says so
    if hall.live_bus is not None:
        hall.live.use_bus(hall.live_bus)
    app.register_blueprint(display_bp)


def _add_printing(app: Flask, hall: Hall) -> None:
    """Printed tickets and the kiosk: print queues (started now if a printer needs watching or jobs
    are left from before a restart), the issuing rules kiosks follow, and the kiosk pages."""
    hall.printing = Printing(hall.config, hall.store, hall.engine)
    hall.issuer = Issuer(hall.engine, hall.printing)
    app.register_blueprint(kiosk_bp)
    hall.leadership.when_leading(hall.printing.start)
    hall.log_watch.on_growth(hall.printing.wake)


def _add_bookings(app: Flask, hall: Hall) -> None:
    """Booking from home, checked in through the kiosk's issuing path (so printed like a kiosk
    ticket), following the setup, with its expiry sweep."""
    hall.bookings = Bookings(hall.store, hall.engine, hall.config, hall.engine.clock, hall.issuer)
    hall.follow(hall.bookings.reconfigure)
    app.register_blueprint(booking_api.bp)
    hall.leadership.when_leading(ExpirySweep(hall.bookings, hall.store).start)


def _add_complaints(app: Flask, hall: Hall) -> None:
    """The complaints desk, following the setup (its limits and the calendar its due days count on)."""
    hall.complaints = Complaints(hall.store, hall.config, hall.engine.clock)
    hall.follow(hall.complaints.reconfigure)
    app.register_blueprint(complaints_api.bp)


def _add_notifications(app: Flask, hall: Hall) -> None:
    """Notifications away from the hall (queue_server/notify/): the follower of the log and its
    channels, Web Push and the signed webhook, each sending on a thread of its own."""
    notifier = hall.notifier = Notifier(hall.store, hall.config, hall.engine.clock, hall.engine.ticket_views)
    notifier.add_channel(PushChannel(notifier.store, notifier.settings, lambda: hall.public_base))
    notifier.add_channel(WebhookChannel(notifier.settings, hall.engine.clock))
    hall.engine.subscribe(notifier.wake)
    hall.log_watch.on_growth(notifier.wake)
    hall.follow(notifier.reconfigure)
    app.register_blueprint(notify_api.bp)
    hall.leadership.when_leading(notifier.start)


def _add_announcer(app: Flask, hall: Hall) -> None:
    """Announcements: subscribed first, so rendering is queued the moment a call commits (before
    the live channel tells the displays), with its WAV cache next to the database; the speakers and
    rendering ahead follow the log in the leader (queue_server/leader.py)."""
    hall.announcer = Announcer.for_hall(hall.config)
    hall.engine.subscribe(hall.announcer.on_events)
    if hall.announcer.hear_from_log():  # the speakers and rendering ahead: the leader's, from every process's calls
        follower = EventFollower(hall.store, hall.announcer.heard)
        hall.engine.subscribe(follower.wake)
        hall.log_watch.on_growth(follower.wake)
        hall.leadership.when_leading(follower.start)
    app.register_blueprint(views.bp)


def _secret_key(store: Store) -> str:
    """Made on first start and kept in the hall's database: never in the repository or config."""
    with store.write() as tx:
        key = tx.meta("secret_key")
        if key is None:
            key = secrets.token_hex(32)
            tx.set_meta("secret_key", key)
    return key
