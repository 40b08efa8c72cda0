"""Load and validate a hall's config.yaml.

A config mistake must never surface as a traceback at the hall: every problem is collected and
reported as one line naming the key path (``services[2].code: ...``), and nothing starts until the
file is clean. The schema below is the single list of accepted keys; a key not listed is an error,
so a typo (``serivces``) is caught instead of silently ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import cached_property
from itertools import pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from . import i18n

# UU 25/2009 Pasal 29: the elderly, people with disabilities, pregnant women, children, victims of disasters
PRIORITY_CATEGORIES = ("lansia", "disabilitas", "ibu_hamil", "anak", "korban_bencana")
# The pause reasons the console offers; screens show their words (pause.<code> in the catalogue) and
# any other reason as "lainnya", never the raw text.
PAUSE_REASONS = ("istirahat", "sholat", "rapat", "lainnya")
PRINTER_KINDS = ("network", "usb", "serial", "file", "dummy")
KIOSK_PRINTERS = ("default", "network", "agent", "none")  # or a printer section of the kiosk's own
LANGUAGES = i18n.LANGUAGES  # a language is a file of the catalogue (queue_server/translations)
READING_MODES = ("digits", "cardinal", "mixed")
SERVICE_CODE = re.compile(r"^[A-Z]{1,2}$")
# werkzeug's own scrypt default (N=2**15, r=8, p=1), written out so a hall can see and set it.
DEFAULT_PASSWORD_HASH = "scrypt:32768:8:1"
SCRYPT_METHOD = re.compile(r"scrypt:([0-9]+):([0-9]+):([0-9]+)")
COUNTER_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")  # date.weekday() order
CLOSED_DAY = "closed"  # a day of ``weekly_hours`` without service
# One level of the operating calendar (the hall, an agency, a service): a day's hours, (opens, closes),
# or None on a day marked closed; a day not listed falls back to the next wider level.
WeeklyHours = dict[str, "tuple[time, time] | None"]
COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
MEDIA_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")  # what queue_server/media.py gives an upload
DEFAULT_NOTICE_SECONDS = 10


@dataclass(frozen=True)
class Problem:
    """One mistake in a setup: where (``path``, such as ``services[2].code``) and what, as a catalogue
    entry, so the administration pages say it in the reader's language beside the field; ``line()``
    in English is what config.yaml's readers get on the command line."""

    path: str
    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def message(self, lang: str = "en") -> str:
        return i18n.gettext(lang, self.key, **self.params)

    def line(self, lang: str = "en") -> str:
        return f"{self.path}: {self.message(lang)}" if self.path else self.message(lang)


class ConfigError(Exception):
    """A config that cannot be used; ``problems`` holds one English line per mistake, ``details``
    the same mistakes as ``Problem``s (a mistake of the file itself, such as bad YAML, is a line only)."""

    def __init__(self, problems: list[str | Problem]):
        self.details = [p for p in problems if isinstance(p, Problem)]
        self.problems = [p.line() if isinstance(p, Problem) else p for p in problems]
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class BackupSettings:
    """Config ``backup``: a copy into ``folder`` every day at ``at`` (the hall's local time), keeping ``keep``
    (queue_server/backup.py makes the copies)."""

    folder: Path
    at: time
    keep: int = 7


@dataclass(frozen=True)
class IssuingSettings:
    """Config ``issuing``: tickets taken without a kiosk's key or an officer's token (a phone, a
    script). Off unless the hall turns it on, and then limited per address and per day, so that one
    client cannot flood the queue (queue_server/issuing_access.py applies it)."""

    anonymous: bool = False
    per_address_per_hour: int = 10
    anonymous_per_day: int = 500


@dataclass(frozen=True)
class SurveySettings:
    """Config ``survey``: the SKM survey (Permenpan RB 14/2017) offered to served visitors on their
    phone page and on the tablet beside the counter (queue_server/skm/ applies it)."""

    enabled: bool = True
    days: int = 7  # a served ticket may be answered for this many days after it was served
    min_respondents: int = 5  # an officer's or counter's aggregate is shown only from this many responses
    tablet_seconds: int = 90  # the counter tablet offers a survey this long, then resets
    show_on_lobby: bool = False  # the lobby display shows the published IKM per agency among its notices


@dataclass(frozen=True)
class ComplaintSettings:
    """Config ``complaints``: the complaint form (pengaduan, UU 25/2009 Pasal 36–42) on the phone page
    and the kiosk, with its answer's due date and its limits against flooding."""

    enabled: bool = True
    response_days: int = 5  # working days (the hall's calendar) until an answer is due
    per_address_per_hour: int = 5  # complaints one client address may file in any hour
    per_ticket: int = 3  # complaints filed from one ticket's page


@dataclass(frozen=True)
class ConnectionLimits:
    """Config ``connections``: what one client may hold of the server (queue_server/server.py and the live
    channel enforce it). Each connection still sending its request, and each open WebSocket, holds one of
    the worker's threads; without these, one address holding them all stopped the hall."""

    per_address: int = 300  # open connections from one address; 0: no cap (behind a reverse proxy)
    header_timeout_seconds: float = 10  # a request whose headers take longer is dropped
    join_timeout_seconds: float = 10  # a Socket.IO connection that follows nothing by then is closed


@dataclass(frozen=True)
class LiveSettings:
    """Config ``live``: how many server processes serve the hall, and the Redis they share the live
    channel through (queue_server/server.py, queue_server/live_bus.py). One process needs no Redis."""

    workers: int = 1
    message_queue: str | None = None  # "redis://HOST:PORT/0"; required when workers > 1


@dataclass(frozen=True)
class Agency:
    """An agency of the hall: ``name`` is its official name, which services and displays are filed
    under; ``short_name`` is what visitors know it by ("Disdukcapil"), shown large where space is short."""

    name: str
    short_name: str = ""
    colour: str = ""  # "#RRGGBB": a band beside its name on kiosk tiles and displays, never behind text
    logo: str = ""  # the id of an uploaded image (queue_server/media.py), shown small beside its name
    weekly_hours: WeeklyHours = field(default_factory=dict)
    closed_days: dict[date, str] = field(default_factory=dict)  # the agency's own days off, with their reason

    @property
    def label(self) -> str:
        return self.short_name or self.name

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "short_name": self.short_name, "colour": self.colour, "logo": self.logo}


@dataclass(frozen=True)
class Notice:
    """A lobby notice (``hall.notices``): a text, an uploaded image or short video, or both, on the
    lobby display's notice area for ``seconds`` at a time."""

    text: str = ""
    media: str = ""  # the id of an upload (queue_server/media.py)
    seconds: int = DEFAULT_NOTICE_SECONDS

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "media": self.media, "seconds": self.seconds}


@dataclass(frozen=True)
class Service:
    code: str
    name: str
    agency: str  # the agency's official name (config.yaml may name it by its short name)
    target_wait_minutes: int = 30
    duration_minutes: float = 5.0
    requirements: tuple[str, ...] = ()
    fee: str = ""
    keywords: tuple[str, ...] = ()  # what a visitor may type at the kiosk's search besides the name
    weekly_hours: WeeklyHours = field(default_factory=dict)
    cutoff_minutes: int = 0  # no tickets this long before the service closes
    daily_quota: int | None = None  # tickets per local day; None: no limit
    booking: BookingRule | None = None  # booked visits (queue_server/booking/); None: not bookable


@dataclass(frozen=True)
class BookingSession:
    """One bookable session of a service's day: visitors who booked it join the queue at ``start``
    at the earliest (the later of their check-in and ``start``)."""

    start: time
    end: time
    places: int

    @property
    def label(self) -> str:
        """``HH:MM-HH:MM``: how config.yaml, the API and the pages name the session."""
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


@dataclass(frozen=True)
class BookingRule:
    """Config ``services[].booking``: the sessions visitors may book, each with its own places,
    separate from the walk-in ``daily_quota``; a booking not checked in by its session's end plus
    ``grace_minutes`` expires."""

    sessions: tuple[BookingSession, ...]
    grace_minutes: int = 30


@dataclass(frozen=True)
class BookingSettings:
    """Config ``booking``: the hall's rules for booking from home (queue_server/booking/ applies them)."""

    days_ahead: int = 14  # how many days ahead (today included) a session may be booked
    per_address_per_hour: int = 10  # bookings one client address may make in any hour
    reminder_minutes: int = 60  # a reminder goes this long before the booked session starts
    keep_days: int = 30  # a booking's name and phone number are erased this many days after its day


@dataclass(frozen=True)
class WebhookSettings:
    """Config ``notifications.webhook``: where signed notifications go (a hall's WhatsApp or SMS gateway)."""

    url: str
    secret: str
    timeout_seconds: float = 5
    attempts: int = 5  # tries before a delivery is given up, with growing pauses between them


@dataclass(frozen=True)
class NotificationSettings:
    """Config ``notifications``: what visitors are told away from the hall (queue_server/notify/)."""

    ahead: int = 3  # "N more before you" is sent when this many tickets are left ahead
    push: bool = True  # Web Push to phone pages that subscribed (VAPID keys made per hall)
    webhook: WebhookSettings | None = None


@dataclass(frozen=True)
class Counter:
    id: str
    name: str
    services: tuple[str, ...]


@dataclass(frozen=True)
class Kiosk:
    """``printer``: "default" (or "network") prints on the hall's ``printer`` through the server,
    "agent" through the kiosk PC's printer-agent, "none" not at all; a mapping is the kiosk's own
    printer, driven by the server like the hall's."""

    id: str
    name: str
    printer: str | dict[str, Any] = "default"
    return_seconds: int = 20  # the confirmation screen goes back to the start after this
    idle_seconds: int = 60  # a half-finished choice is abandoned after this without a touch
    reach_fraction: float = 0.75  # on a portrait screen, every control sits in this lowest part of its height


@dataclass(frozen=True)
class Screen:
    id: str
    name: str
    agencies: tuple[str, ...]


@dataclass(frozen=True)
class Break:
    """A planned pause (the hall's ISHOMA rota): these counters stop serving for ``end - start``,
    from the first free moment after ``start``. The wait estimate counts on it before it begins."""

    start: time
    end: time
    reason: str
    counters: tuple[str, ...]

    @property
    def minutes(self) -> float:
        return (self.end.hour * 60 + self.end.minute) - (self.start.hour * 60 + self.start.minute)


@dataclass(frozen=True)
class HallConfig:
    """The validated hall: what the engine, the API and the pages read."""

    path: Path
    name: str
    timezone: ZoneInfo
    language: str
    database: Path
    public_url: str | None
    max_consecutive_priority: int
    max_normal_wait_minutes: float | None
    services: dict[str, Service]
    counters: dict[str, Counter]
    kiosks: dict[str, Kiosk]
    displays: dict[str, Screen]
    printer: dict[str, Any]
    announcements: dict[str, Any]
    ticker: str
    token_hours: float
    raw: dict[str, Any] = field(repr=False, default_factory=dict)
    opening_hours: tuple[time, time] | None = None
    breaks: tuple[Break, ...] = ()
    backup: BackupSettings | None = None
    password_hash: str = DEFAULT_PASSWORD_HASH  # the werkzeug method new passwords are hashed with
    issuing: IssuingSettings = IssuingSettings()
    connections: ConnectionLimits = ConnectionLimits()
    live: LiveSettings = LiveSettings()
    survey: SurveySettings = SurveySettings()
    complaints: ComplaintSettings = ComplaintSettings()
    booking: BookingSettings = BookingSettings()
    notifications: NotificationSettings = NotificationSettings()
    agencies: dict[str, Agency] = field(default_factory=dict)  # by official name, in the config's order
    kiosk_requires_open_counter: bool = False
    counter_idle_minutes: float = 30
    kiosk_priority_categories: tuple[str, ...] = PRIORITY_CATEGORIES  # what the kiosk offers (officers may issue any)
    notices: tuple[Notice, ...] = ()  # the lobby display's notices, shown in turn

    def media_in_use(self) -> set[str]:
        """The uploads the setup shows (agency logos, notices): the ones that may not be deleted."""
        used = {agency.logo for agency in self.agencies.values()} | {notice.media for notice in self.notices}
        return used - {""}
    weekly_hours: WeeklyHours = field(default_factory=dict)  # the hall's hours per weekday, over ``opening_hours``
    closed_days: dict[date, str] = field(default_factory=dict)  # holidays: the whole hall closed, with the reason

    def agency(self, name: str) -> Agency:
        return self.agencies.get(name) or Agency(name)

    def service(self, code: str) -> Service:
        """The service, or a stand-in named by its code for one removed from the setup since: its
        tickets and calls stay in the database and are still shown."""
        return self.services.get(code) or Service(code, code, "")

    def counters_for_service(self, code: str) -> tuple[Counter, ...]:
        return self._counters_by_service.get(code, ())

    @cached_property
    def _counters_by_service(self) -> dict[str, tuple[Counter, ...]]:
        """Worked out once: the wait estimate asks for every ticket it estimates."""
        return {code: tuple(c for c in self.counters.values() if code in c.services) for code in self.services}

    def is_open(self, moment: datetime) -> bool:
        """Whether the hall issues at ``moment`` by its calendar: a working day, within its hours of
        the day or some service's own (queue_server/availability.py decides)."""
        from .availability import hall_closed  # here, not at the top: availability imports this module

        return hall_closed(self, moment) is None


# --- the schema -------------------------------------------------------------------------------
# Each mapping is {key: (checker, required)}; a checker returns the cleaned value or raises
# _Invalid with a message that reads well after "path: ".


class _Invalid(Exception):
    """A value a checker refuses: ``key`` is its catalogue entry (``config.*``), ``params`` fill it."""

    def __init__(self, key: str, **params: Any):
        super().__init__(key)
        self.key, self.params = key, params


def _string(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Invalid("config.non_empty_text")
    return value.strip()


def _optional_text(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _Invalid("config.text")
    return value.strip()


def _number(minimum: float, maximum: float | None = None, integer: bool = False) -> Callable:
    def check(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _Invalid("config.whole_number" if integer else "config.number")
        if integer and not isinstance(value, int):
            raise _Invalid("config.whole_number")
        if value < minimum or (maximum is not None and value > maximum):
            if maximum is None:
                raise _Invalid("config.at_least", low=minimum, got=value)
            raise _Invalid("config.between", low=minimum, high=maximum, got=value)
        return value

    return check


def _one_of(choices: tuple[str, ...]) -> Callable:
    def check(value: Any) -> str:
        if value not in choices:
            raise _Invalid("config.one_of", choices=", ".join(map(str, choices)), got=repr(value))
        return value

    return check


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Invalid("config.boolean")
    return value


def _timezone(value: Any) -> ZoneInfo:
    if not isinstance(value, str):
        raise _Invalid("config.timezone_name")
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise _Invalid("config.timezone_unknown", got=repr(value)) from None


def _pattern(regex: re.Pattern, meaning: str) -> Callable:
    """``meaning``: the catalogue entry saying what the text must look like."""

    def check(value: Any) -> str:
        text = str(value) if isinstance(value, (int, str)) and not isinstance(value, bool) else None
        if text is None or not regex.match(text):
            raise _Invalid(meaning, got=repr(value))
        return text

    return check


def _text_list(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _Invalid("config.text_list")
    return tuple(v.strip() for v in value)


def _categories(value: Any) -> tuple[str, ...]:
    """Priority categories in the order the kiosk shows them; none at all is allowed (no priority step)."""
    if not isinstance(value, list):
        raise _Invalid("config.categories_list", known=", ".join(PRIORITY_CATEGORIES))
    unknown = [v for v in value if v not in PRIORITY_CATEGORIES]
    if unknown:
        raise _Invalid("config.category_unknown", got=repr(unknown[0]), known=", ".join(PRIORITY_CATEGORIES))
    if len(set(value)) != len(value):
        raise _Invalid("config.category_twice")
    return tuple(value)


def _url(value: Any) -> str:
    if not isinstance(value, str) or not re.match(r"^https?://[^\s/]+", value):
        raise _Invalid("config.url", got=repr(value))
    return value.rstrip("/")


def _colour(value: Any) -> str:
    if not isinstance(value, str) or not COLOUR.match(value):
        raise _Invalid("config.colour", got=repr(value))
    return value.upper()


def _media_id(value: Any) -> str:
    if not isinstance(value, str) or not MEDIA_ID.match(value):
        raise _Invalid("config.media_id", got=repr(value))
    return value


CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def _clock(value: Any) -> time:
    """``HH:MM``. YAML 1.1 reads an unquoted ``23:00`` as the base-60 number 1380: taken back as 23:00."""
    if isinstance(value, int) and not isinstance(value, bool) and 60 <= value < 24 * 60:
        return time(*divmod(value, 60))
    match = CLOCK.match(value) if isinstance(value, str) else None
    if match is None:
        raise _Invalid("config.clock", got=repr(value))
    return time(int(match.group(1)), int(match.group(2)))


CLOCK_RANGE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")


def _clock_range(example: str, in_order: str) -> Callable[[Any], str]:
    """A checker for ``HH:MM-HH:MM`` (opening hours, a break): ``example`` is shown when the text is
    malformed, ``in_order`` (a catalogue entry: "must close after it opens") when the end does not
    come after the start."""

    def check(value: Any) -> str:
        if not isinstance(value, str) or not CLOCK_RANGE.match(value):
            raise _Invalid("config.look_like", example=example, got=repr(value))
        start, end = value.split("-")
        if end <= start:
            raise _Invalid(in_order, got=repr(value))
        return value

    return check


def _day_hours(value: Any) -> tuple[time, time] | None:
    """One day of ``weekly_hours``: ``HH:MM-HH:MM``, or ``closed`` (None)."""
    if value == CLOSED_DAY:
        return None
    try:
        return _hours(_clock_range("08:00-15:00", "config.close_after_open")(value))
    except _Invalid:
        raise _Invalid("config.day_hours", closed=CLOSED_DAY, got=repr(value)) from None


WEEKLY_HOURS = dict.fromkeys(DAYS, (_day_hours, False))


def _date(value: Any) -> date:
    """``YYYY-MM-DD``; YAML reads an unquoted date as a date already."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise _Invalid("config.date", got=repr(value))


CLOSED_DAYS = [{"date": (_date, True), "reason": (_string, True)}]


def _kiosk_printer(value: Any) -> str | dict:
    """A name, or a printer section whose keys ``_cross_check`` validates with their full path."""
    if isinstance(value, dict):
        return value
    if value not in KIOSK_PRINTERS:
        raise _Invalid("config.kiosk_printer", choices=", ".join(KIOSK_PRINTERS), got=repr(value))
    return value


def _announcement_template(value: Any) -> str:
    """Only the placeholders the announcer can fill, so a typo fails at start-up, not at the first call."""
    from .announce.sentence import check_template  # here, not at the top: the announce package imports this module

    text = _string(value)
    try:
        check_template(text)
    except ValueError as error:
        raise _Invalid("config.template", problem=str(error).removeprefix("announcements.template: ")) from None
    return text


def _password_hash(value: Any) -> str:
    """scrypt parameters for new passwords, within what hashlib and OpenSSL accept: werkzeug asks for
    132·N·R·P bytes, which must stay under 2 GiB and, below N = 128, is less than scrypt needs."""
    match = SCRYPT_METHOD.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise _Invalid("config.password_hash", default=DEFAULT_PASSWORD_HASH, got=repr(value))
    n, r, p = map(int, match.groups())
    if n < 128 or n & (n - 1):
        raise _Invalid("config.password_hash_n", got=repr(value))
    if r < 1 or p < 1:
        raise _Invalid("config.password_hash_rp", got=repr(value))
    if 132 * n * r * p >= 2**31:
        raise _Invalid("config.password_hash_memory", got=repr(value))
    return value


HALL = {
    "name": (_string, True),
    "timezone": (_timezone, True),
    "language": (_one_of(LANGUAGES), False),
    "opening_hours": (_clock_range("08:00-15:00", "config.close_after_open"), False),
    "ticker": (_optional_text, False),
    "breaks": (
        [{"time": (_clock_range("12:00-13:00", "config.end_after_start"), True), "reason": (_string, False), "counters": (_text_list, False)}],
        False,
    ),
    "notices": ([{"text": (_optional_text, False), "media": (_media_id, False), "seconds": (_number(3, 600, integer=True), False)}], False),
    "weekly_hours": (WEEKLY_HOURS, False),
    "closed_days": (CLOSED_DAYS, False),
}
PRIORITY = {
    "max_consecutive": (_number(1, 100, integer=True), False),
    "max_normal_wait_minutes": (_number(1, 24 * 60), False),
}
SERVICE = {
    "code": (_pattern(SERVICE_CODE, "config.service_code_format"), True),
    "name": (_string, True),
    "agency": (_string, True),
    "target_wait_minutes": (_number(1, 24 * 60, integer=True), False),
    "duration_minutes": (_number(0.5, 24 * 60), False),
    "requirements": (_text_list, False),
    "fee": (_optional_text, False),
    "keywords": (_text_list, False),
    "weekly_hours": (WEEKLY_HOURS, False),
    "cutoff_minutes": (_number(0, 24 * 60, integer=True), False),
    "daily_quota": (_number(1, 1_000_000, integer=True), False),
    "booking": (
        {
            "sessions": ([{"time": (_clock_range("08:00-10:00", "config.end_after_start"), True), "places": (_number(1, 100_000, integer=True), True)}], True),
            "grace_minutes": (_number(0, 24 * 60, integer=True), False),
        },
        False,
    ),
}
AGENCY = {
    "name": (_string, True),
    "short_name": (_string, False),
    "colour": (_colour, False),
    "logo": (_media_id, False),
    "weekly_hours": (WEEKLY_HOURS, False),
    "closed_days": (CLOSED_DAYS, False),
}
COUNTER = {
    "id": (_pattern(COUNTER_ID, "config.slug_format"), True),
    "name": (_string, True),
    "services": (_text_list, True),
}
PRINTER = {
    "kind": (_one_of(PRINTER_KINDS), True),
    "host": (_string, False),
    "port": (_number(1, 65535, integer=True), False),
    "width_mm": (_one_of((58, 80)), False),
    "vendor_id": (_number(0, 0xFFFF, integer=True), False),
    "product_id": (_number(0, 0xFFFF, integer=True), False),
    "device": (_string, False),
    "baudrate": (_number(300, 921600, integer=True), False),
    "path": (_string, False),
    "footer": (_optional_text, False),
    "logo": (_string, False),
    "timeout_seconds": (_number(0.1, 120), False),
}
ANNOUNCEMENTS = {
    "enabled": (_boolean, False),
    "language": (_one_of(LANGUAGES), False),
    "template": (_announcement_template, False),
    "repeat": (_number(1, 5, integer=True), False),
    "reading": (_one_of(READING_MODES), False),
    "voice": (_string, False),
    "rate": (_number(60, 400, integer=True), False),
    "volume": (_number(0, 1), False),
    "output": (_one_of(("display", "server")), False),
    "cache_mb": (_number(10, 100_000, integer=True), False),
}
KIOSK = {
    "id": (_pattern(COUNTER_ID, "config.slug_format"), True),
    "name": (_string, True),
    "printer": (_kiosk_printer, False),
    "return_seconds": (_number(3, 600, integer=True), False),
    "idle_seconds": (_number(10, 3600, integer=True), False),
    "reach_fraction": (_number(0.4, 1), False),
}
DISPLAY = {
    "id": (_pattern(COUNTER_ID, "config.slug_format"), True),
    "name": (_string, True),
    "agencies": (_text_list, True),
}
AUTH = {
    "token_hours": (_number(0.25, 24 * 31), False),
    "password_hash": (_password_hash, False),
}
ISSUING = {
    "anonymous": (_boolean, False),
    "per_address_per_hour": (_number(1, 100000, integer=True), False),
    "anonymous_per_day": (_number(1, 1000000, integer=True), False),
}
BACKUP = {
    "folder": (_string, True),
    "time": (_clock, True),
    "keep": (_number(1, 3650, integer=True), False),
}
SURVEY = {
    "enabled": (_boolean, False),
    "days": (_number(1, 366, integer=True), False),
    "min_respondents": (_number(1, 1000, integer=True), False),
    "tablet_seconds": (_number(10, 3600, integer=True), False),
    "show_on_lobby": (_boolean, False),
}
COMPLAINTS = {
    "enabled": (_boolean, False),
    "response_days": (_number(1, 60, integer=True), False),
    "per_address_per_hour": (_number(1, 10000, integer=True), False),
    "per_ticket": (_number(1, 100, integer=True), False),
}
BOOKING = {
    "days_ahead": (_number(1, 366, integer=True), False),
    "per_address_per_hour": (_number(1, 100_000, integer=True), False),
    "reminder_minutes": (_number(0, 7 * 24 * 60, integer=True), False),
    "keep_days": (_number(1, 3650, integer=True), False),
}
NOTIFICATIONS = {
    "ahead": (_number(1, 100, integer=True), False),
    "push": (_boolean, False),
    "webhook": (
        {
            "url": (_url, True),
            "secret": (_string, True),
            "timeout_seconds": (_number(0.5, 60), False),
            "attempts": (_number(1, 20, integer=True), False),
        },
        False,
    ),
}
def _redis_url(value: Any) -> str:
    if not isinstance(value, str) or not re.match(r"^rediss?://[^\s/]+(/\d+)?$", value):
        raise _Invalid("config.redis_url", got=repr(value))
    return value


LIVE = {
    "workers": (_number(1, 64, integer=True), False),
    "message_queue": (_redis_url, False),
}
CONNECTIONS = {
    "per_address": (_number(0, 100_000, integer=True), False),
    "header_timeout_seconds": (_number(1, 300), False),
    "join_timeout_seconds": (_number(1, 300), False),
}
TOP = {
    "hall": (HALL, True),
    "database": (_string, True),
    "public_url": (_url, False),
    "priority": (PRIORITY, False),
    "agencies": ([AGENCY], False),
    "services": ([SERVICE], True),
    "counters": ([COUNTER], True),
    "printer": (PRINTER, False),
    "announcements": (ANNOUNCEMENTS, False),
    "kiosks": ([KIOSK], False),
    "displays": ([DISPLAY], False),
    "auth": (AUTH, False),
    "backup": (BACKUP, False),
    "issuing": (ISSUING, False),
    "connections": (CONNECTIONS, False),
    "live": (LIVE, False),
    "kiosk_requires_open_counter": (_boolean, False),
    "counter_idle_minutes": (_number(1, 24 * 60), False),
    "kiosk_priority_categories": (_categories, False),
    "survey": (SURVEY, False),
    "complaints": (COMPLAINTS, False),
    "booking": (BOOKING, False),
    "notifications": (NOTIFICATIONS, False),
}

PRINTER_DEFAULTS = {"kind": "dummy", "width_mm": 80, "port": 9100, "timeout_seconds": 5}


def _check(schema: Any, value: Any, path: str, problems: list[Problem]) -> Any:
    """Clean ``value`` against ``schema``, appending a line to ``problems`` for each mistake."""
    if isinstance(schema, dict):
        if not isinstance(value, dict):
            problems.append(Problem(path, "config.mapping"))
            return None
        cleaned = {}
        for key in value:
            if key not in schema:
                known = ", ".join(schema)
                problems.append(Problem(_join(path, key), "config.unknown_key", {"known": known}))
        for key, (sub, required) in schema.items():
            if value.get(key) is None:
                if required:
                    problems.append(Problem(_join(path, key), "config.required"))
                continue
            cleaned[key] = _check(sub, value[key], _join(path, key), problems)
        return cleaned
    if isinstance(schema, list):
        if not isinstance(value, list):
            problems.append(Problem(path, "config.list"))
            return []
        return [_check(schema[0], item, f"{path}[{i}]", problems) for i, item in enumerate(value)]
    try:
        return schema(value)
    except _Invalid as invalid:
        problems.append(Problem(path, invalid.key, invalid.params))
        return None


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else str(key)


def _unique(items: list[dict], key: str, path: str, what: str, problems: list[Problem]) -> None:
    """``what``: the catalogue entry naming the duplicate ("duplicate service code %(got)s (also %(other)s)")."""
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        value = item.get(key) if item else None
        if value is None:
            continue
        if value in seen:
            shown = value.isoformat() if isinstance(value, date) else repr(value)
            problems.append(Problem(f"{path}[{i}].{key}", what, {"got": shown, "other": f"{path}[{seen[value]}]"}))
        else:
            seen[value] = i


def _cross_check(cfg: dict, problems: list[Problem]) -> None:
    """References between sections: the checks a per-key schema cannot make."""
    services = [s for s in cfg.get("services") or [] if s]
    counters = [c for c in cfg.get("counters") or [] if c]
    _unique(services, "code", "services", "config.duplicate_service_code", problems)
    _unique(counters, "id", "counters", "config.duplicate_counter_id", problems)
    _unique([k for k in cfg.get("kiosks") or [] if k], "id", "kiosks", "config.duplicate_kiosk_id", problems)
    _unique([d for d in cfg.get("displays") or [] if d], "id", "displays", "config.duplicate_display_id", problems)
    _unique([d for d in (cfg.get("hall") or {}).get("closed_days") or [] if d], "date", "hall.closed_days", "config.duplicate_date", problems)
    for i, agency in enumerate(cfg.get("agencies") or []):
        _unique([d for d in (agency or {}).get("closed_days") or [] if d], "date", f"agencies[{i}].closed_days", "config.duplicate_date", problems)
    live = cfg.get("live") or {}
    if isinstance(live, dict) and isinstance(live.get("workers"), int) and live["workers"] > 1 and "message_queue" not in live:
        problems.append(Problem("live.message_queue", "config.workers_need_message_queue", {"workers": live["workers"]}))
    if not services and "services" in cfg:
        problems.append(Problem("services", "config.need_service"))
    if not counters and "counters" in cfg:
        problems.append(Problem("counters", "config.need_counter"))
    codes = {s.get("code") for s in services}
    agencies = _resolve_agencies(cfg, services, problems)
    for i, counter in enumerate(cfg.get("counters") or []):
        for j, code in enumerate((counter or {}).get("services") or ()):
            if code not in codes:
                problems.append(Problem(f"counters[{i}].services[{j}]", "config.unknown_service", {"got": repr(code)}))
        if counter and counter.get("services") == ():
            problems.append(Problem(f"counters[{i}].services", "config.counter_needs_service"))
    ids = {c.get("id") for c in counters}
    for i, planned in enumerate((cfg.get("hall") or {}).get("breaks") or []):
        if planned and planned.get("counters") == ():
            problems.append(Problem(f"hall.breaks[{i}].counters", "config.break_needs_counter"))
        for j, counter_id in enumerate((planned or {}).get("counters") or ()):
            if counter_id not in ids:
                problems.append(Problem(f"hall.breaks[{i}].counters[{j}]", "config.unknown_counter", {"got": repr(counter_id)}))
    for i, notice in enumerate((cfg.get("hall") or {}).get("notices") or []):
        if notice is not None and not notice.get("text") and not notice.get("media"):
            problems.append(Problem(f"hall.notices[{i}]", "config.notice_empty"))
    for i, screen in enumerate(cfg.get("displays") or []):
        if screen and screen.get("agencies"):
            screen["agencies"] = tuple(
                _agency_named(agencies, name, f"displays[{i}].agencies[{j}]", problems) for j, name in enumerate(screen["agencies"])
            )
    for i, service in enumerate(cfg.get("services") or []):
        _check_sessions(((service or {}).get("booking") or {}).get("sessions") or [], f"services[{i}].booking.sessions", problems)
    _check_printer(cfg.get("printer") or {}, "printer", problems)
    for i, kiosk in enumerate(cfg.get("kiosks") or []):
        if kiosk and isinstance(kiosk.get("printer"), dict):
            kiosk["printer"] = _check(PRINTER, kiosk["printer"], f"kiosks[{i}].printer", problems)
            _check_printer(kiosk["printer"], f"kiosks[{i}].printer", problems)


def _check_sessions(sessions: list[dict], path: str, problems: list[Problem]) -> None:
    """A service's booking sessions may not overlap: a visitor's session must say when they join the
    queue, and two sessions sharing a minute would make two places of one time."""
    ranges = sorted((s["time"].split("-"), i) for i, s in enumerate(sessions) if s and isinstance(s.get("time"), str) and "-" in s["time"])
    for ((_, end), _), ((start, _), i) in pairwise(ranges):
        if start < end:
            problems.append(Problem(f"{path}[{i}].time", "config.sessions_overlap", {"got": repr(sessions[i]["time"])}))


def _resolve_agencies(cfg: dict, services: list[dict], problems: list[Problem]) -> dict[str, str]:
    """Every name an agency goes by (official or short) → its official name, and each service's
    ``agency`` replaced by the official name. Without an ``agencies`` section, the services' own
    agency texts are the agencies."""
    listed = [a for a in cfg.get("agencies") or [] if a]
    if "agencies" not in cfg:
        return {s["agency"]: s["agency"] for s in services if s.get("agency")}
    _unique(listed, "name", "agencies", "config.duplicate_agency_name", problems)
    _unique(listed, "short_name", "agencies", "config.duplicate_agency_short_name", problems)
    names = {a["name"]: a["name"] for a in listed if a.get("name")}
    for i, agency in enumerate(listed):
        short = agency.get("short_name")
        if short in names and names[short] != agency.get("name") and short not in {a.get("short_name") for a in listed[:i]}:
            problems.append(Problem(f"agencies[{i}].short_name", "config.short_name_taken", {"got": repr(short)}))
        elif short and short not in names:
            names[short] = agency.get("name")
    for i, service in enumerate(cfg.get("services") or []):
        if service and service.get("agency"):
            service["agency"] = _agency_named(names, service["agency"], f"services[{i}].agency", problems)
    return names


def _agency_named(names: dict[str, str], name: str, path: str, problems: list[Problem]) -> str:
    if name not in names:
        problems.append(Problem(path, "config.unknown_agency", {"got": repr(name), "known": ", ".join(sorted(set(names.values())))}))
        return name
    return names[name]


def _check_printer(printer: dict, path: str, problems: list[Problem]) -> None:
    """The keys each kind of printer cannot do without."""
    needs = {"network": "host", "usb": "vendor_id", "serial": "device", "file": "path"}
    kind = printer.get("kind")
    if kind in needs and needs[kind] not in printer:
        problems.append(Problem(f"{path}.{needs[kind]}", "config.printer_needs", {"kind": kind}))
    if kind == "usb" and "product_id" not in printer:
        problems.append(Problem(f"{path}.product_id", "config.printer_needs", {"kind": "usb"}))


def parse_config(data: Any, path: Path) -> HallConfig:
    """Validate already-parsed YAML; ``path`` anchors the relative database path."""
    problems: list[Problem] = []
    cfg = _check(TOP, data, "", problems)
    if cfg is None:
        raise ConfigError([f"{path}: the file must hold a mapping of keys (hall, services, counters, ...)"])
    _cross_check(cfg, problems)
    if problems:
        raise ConfigError(problems)
    return _build(cfg, data, path)


def _build(cfg: dict, raw: dict, path: Path) -> HallConfig:
    hall = cfg["hall"]
    priority = cfg.get("priority") or {}
    announcements = {
        "enabled": True,
        "language": hall.get("language", "id"),
        "repeat": 1,
        "reading": "mixed",
        "rate": 150,
        "volume": 1.0,
        "output": "display",
        "cache_mb": 300,
        **(cfg.get("announcements") or {}),
    }
    announcements.setdefault("template", i18n.gettext(announcements["language"], "announce.template"))
    printer = {**PRINTER_DEFAULTS, **(cfg.get("printer") or {})}
    kiosks = [
        {**k, "printer": {**PRINTER_DEFAULTS, **k["printer"]}} if isinstance(k.get("printer"), dict) else k for k in cfg.get("kiosks") or []
    ]
    database = Path(cfg["database"])
    if not database.is_absolute():
        database = path.parent / database
    return HallConfig(
        path=path,
        name=hall["name"],
        timezone=hall["timezone"],
        language=hall.get("language", "id"),
        database=database,
        public_url=cfg.get("public_url"),
        max_consecutive_priority=priority.get("max_consecutive", 3),
        max_normal_wait_minutes=priority.get("max_normal_wait_minutes"),
        services={s["code"]: _service(s) for s in cfg["services"]},
        counters={c["id"]: Counter(**c) for c in cfg["counters"]},
        kiosks={k["id"]: Kiosk(**k) for k in kiosks},
        displays={d["id"]: Screen(**d) for d in cfg.get("displays") or []},
        printer=printer,
        announcements=announcements,
        ticker=hall.get("ticker", ""),
        token_hours=(cfg.get("auth") or {}).get("token_hours", 12),
        password_hash=(cfg.get("auth") or {}).get("password_hash", DEFAULT_PASSWORD_HASH),
        raw=raw,
        opening_hours=_hours(hall.get("opening_hours")),
        breaks=tuple(_break(b, tuple(c["id"] for c in cfg["counters"])) for b in hall.get("breaks") or []),
        backup=_backup(cfg.get("backup"), path),
        issuing=IssuingSettings(**(cfg.get("issuing") or {})),
        connections=ConnectionLimits(**(cfg.get("connections") or {})),
        live=LiveSettings(**(cfg.get("live") or {})),
        survey=SurveySettings(**(cfg.get("survey") or {})),
        complaints=ComplaintSettings(**(cfg.get("complaints") or {})),
        booking=BookingSettings(**(cfg.get("booking") or {})),
        notifications=_notifications(cfg.get("notifications") or {}),
        agencies=_agencies(cfg),
        kiosk_requires_open_counter=cfg.get("kiosk_requires_open_counter", False),
        counter_idle_minutes=cfg.get("counter_idle_minutes", 30),
        kiosk_priority_categories=cfg.get("kiosk_priority_categories", PRIORITY_CATEGORIES),
        notices=tuple(Notice(**notice) for notice in hall.get("notices") or []),
        weekly_hours=hall.get("weekly_hours", {}),
        closed_days=_closed_days(hall),
    )


def _agencies(cfg: dict) -> dict[str, Agency]:
    """The agencies in the config's order; without an ``agencies`` section, in the order services name them."""
    if "agencies" in cfg:
        return {
            a["name"]: Agency(a["name"], a.get("short_name", ""), a.get("colour", ""), a.get("logo", ""), a.get("weekly_hours", {}), _closed_days(a))
            for a in cfg["agencies"]
        }
    return {s["agency"]: Agency(s["agency"]) for s in cfg["services"]}


def _closed_days(section: dict) -> dict[date, str]:
    return {day["date"]: day["reason"] for day in section.get("closed_days") or []}


def _backup(section: dict | None, path: Path) -> BackupSettings | None:
    """The daily backup; ``folder`` is relative to the config file, like ``database``."""
    if not section:
        return None
    folder = Path(section["folder"])
    return BackupSettings(folder if folder.is_absolute() else path.parent / folder, section["time"], section.get("keep", 7))


def _service(entry: dict) -> Service:
    booking = entry.get("booking")
    if booking is None:
        return Service(**entry)
    sessions = tuple(BookingSession(*_hours(s["time"]), s["places"]) for s in booking["sessions"])
    return Service(**{**entry, "booking": BookingRule(sessions, booking.get("grace_minutes", 30))})


def _notifications(entry: dict) -> NotificationSettings:
    webhook = entry.get("webhook")
    return NotificationSettings(**{**entry, "webhook": WebhookSettings(**webhook) if webhook else None})


def _break(entry: dict, all_counters: tuple[str, ...]) -> Break:
    """Without ``counters`` the whole hall pauses; without ``reason`` it is the lunch break."""
    start, end = _hours(entry["time"])
    return Break(start, end, entry.get("reason", "istirahat"), entry.get("counters") or all_counters)


def _hours(text: str | None) -> tuple[time, time] | None:
    if text is None:
        return None
    opens, closes = text.split("-")
    return time.fromisoformat(opens), time.fromisoformat(closes)


def load_config(path: str | Path) -> HallConfig:
    """Read and validate a config file; raises ConfigError with one line per problem."""
    path = Path(path).resolve()
    return parse_config(read_yaml(path), path)


def read_yaml(path: Path) -> Any:
    """A YAML file's content; ConfigError saying what is wrong with the file (missing, not UTF-8,
    not YAML, and where)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{path}: config file not found"]) from None
    except OSError as error:
        raise ConfigError([f"{path}: cannot be read ({error.strerror})"]) from None
    except UnicodeDecodeError as error:
        raise ConfigError([f"{path}: not UTF-8 text (byte {error.start}); save the file as UTF-8"]) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        reason = getattr(error, "problem", None) or "not valid YAML"
        context, start = getattr(error, "context", None), getattr(error, "context_mark", None)
        if context and start and mark and start.line != mark.line:  # e.g. an unclosed quote: say where it opened
            reason += f" ({context} at line {start.line + 1})"
        raise ConfigError([f"{path}: not valid YAML{where}: {reason}"]) from None
