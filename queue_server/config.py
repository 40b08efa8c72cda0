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
from datetime import datetime, time
from functools import cached_property
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


class ConfigError(Exception):
    """A config file that cannot be used; ``problems`` holds one line per mistake."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


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
class ConnectionLimits:
    """Config ``connections``: what one client may hold of the server (queue_server/server.py and the live
    channel enforce it). Each connection still sending its request, and each open WebSocket, holds one of
    the worker's threads; without these, one address holding them all stopped the hall."""

    per_address: int = 300  # open connections from one address; 0: no cap (behind a reverse proxy)
    header_timeout_seconds: float = 10  # a request whose headers take longer is dropped
    join_timeout_seconds: float = 10  # a Socket.IO connection that follows nothing by then is closed


@dataclass(frozen=True)
class Agency:
    """An agency of the hall: ``name`` is its official name, which services and displays are filed
    under; ``short_name`` is what visitors know it by ("Disdukcapil"), shown large where space is short."""

    name: str
    short_name: str = ""

    @property
    def label(self) -> str:
        return self.short_name or self.name

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "short_name": self.short_name}


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
    agencies: dict[str, Agency] = field(default_factory=dict)  # by official name, in the config's order
    kiosk_requires_open_counter: bool = False
    counter_idle_minutes: float = 30
    kiosk_priority_categories: tuple[str, ...] = PRIORITY_CATEGORIES  # what the kiosk offers (officers may issue any)

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
        """Whether ``moment`` falls inside ``hall.opening_hours`` in the hall's timezone (always, without it)."""
        if self.opening_hours is None:
            return True
        opens, closes = self.opening_hours
        now = moment.astimezone(self.timezone).time()
        return opens <= now < closes


# --- the schema -------------------------------------------------------------------------------
# Each mapping is {key: (checker, required)}; a checker returns the cleaned value or raises
# _Invalid with a message that reads well after "path: ".


class _Invalid(Exception):
    pass


def _string(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Invalid("must be a non-empty text")
    return value.strip()


def _optional_text(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _Invalid("must be text")
    return value.strip()


def _number(minimum: float, maximum: float | None = None, integer: bool = False) -> Callable:
    def check(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _Invalid("must be a whole number" if integer else "must be a number")
        if integer and not isinstance(value, int):
            raise _Invalid("must be a whole number")
        if value < minimum or (maximum is not None and value > maximum):
            bound = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
            raise _Invalid(f"must be {bound}, got {value}")
        return value

    return check


def _one_of(choices: tuple[str, ...]) -> Callable:
    def check(value: Any) -> str:
        if value not in choices:
            raise _Invalid(f"must be one of {', '.join(map(str, choices))}, got {value!r}")
        return value

    return check


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Invalid("must be true or false")
    return value


def _timezone(value: Any) -> ZoneInfo:
    if not isinstance(value, str):
        raise _Invalid("must be a timezone name such as Asia/Jakarta")
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise _Invalid(f"unknown timezone {value!r} (use a name such as Asia/Jakarta)") from None


def _pattern(regex: re.Pattern, meaning: str) -> Callable:
    def check(value: Any) -> str:
        text = str(value) if isinstance(value, (int, str)) and not isinstance(value, bool) else None
        if text is None or not regex.match(text):
            raise _Invalid(f"{meaning}, got {value!r}")
        return text

    return check


def _text_list(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _Invalid("must be a list of texts")
    return tuple(v.strip() for v in value)


def _categories(value: Any) -> tuple[str, ...]:
    """Priority categories in the order the kiosk shows them; none at all is allowed (no priority step)."""
    if not isinstance(value, list):
        raise _Invalid(f"must be a list of priority categories ({', '.join(PRIORITY_CATEGORIES)})")
    unknown = [v for v in value if v not in PRIORITY_CATEGORIES]
    if unknown:
        raise _Invalid(f"unknown priority category {unknown[0]!r} (known: {', '.join(PRIORITY_CATEGORIES)})")
    if len(set(value)) != len(value):
        raise _Invalid("names a category twice")
    return tuple(value)


def _url(value: Any) -> str:
    if not isinstance(value, str) or not re.match(r"^https?://[^\s/]+", value):
        raise _Invalid(f"must be an http(s) URL such as http://192.168.1.10:5000, got {value!r}")
    return value.rstrip("/")


CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def _clock(value: Any) -> time:
    """``HH:MM``. YAML 1.1 reads an unquoted ``23:00`` as the base-60 number 1380: taken back as 23:00."""
    if isinstance(value, int) and not isinstance(value, bool) and 60 <= value < 24 * 60:
        return time(*divmod(value, 60))
    match = CLOCK.match(value) if isinstance(value, str) else None
    if match is None:
        raise _Invalid(f"must be a time of day HH:MM such as 02:30, got {value!r}")
    return time(int(match.group(1)), int(match.group(2)))


CLOCK_RANGE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")


def _clock_range(example: str, in_order: str) -> Callable[[Any], str]:
    """A checker for ``HH:MM-HH:MM`` (opening hours, a break): ``example`` is shown when the text is
    malformed, ``in_order`` ("close after it opens") when the end does not come after the start."""

    def check(value: Any) -> str:
        if not isinstance(value, str) or not CLOCK_RANGE.match(value):
            raise _Invalid(f"must look like {example}, got {value!r}")
        start, end = value.split("-")
        if end <= start:
            raise _Invalid(f"must {in_order}, got {value!r}")
        return value

    return check


def _kiosk_printer(value: Any) -> str | dict:
    """A name, or a printer section whose keys ``_cross_check`` validates with their full path."""
    if isinstance(value, dict):
        return value
    if value not in KIOSK_PRINTERS:
        raise _Invalid(
            f"must be one of {', '.join(KIOSK_PRINTERS)} or a printer section such as {{kind: network, host: ...}}, got {value!r}"
        )
    return value


def _announcement_template(value: Any) -> str:
    """Only the placeholders the announcer can fill, so a typo fails at start-up, not at the first call."""
    from .announce.sentence import check_template  # here, not at the top: the announce package imports this module

    text = _string(value)
    try:
        check_template(text)
    except ValueError as error:
        raise _Invalid(str(error).removeprefix("announcements.template: ")) from None
    return text


def _password_hash(value: Any) -> str:
    """scrypt parameters for new passwords, within what hashlib and OpenSSL accept: werkzeug asks for
    132·N·R·P bytes, which must stay under 2 GiB and, below N = 128, is less than scrypt needs."""
    match = SCRYPT_METHOD.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise _Invalid(f"must look like scrypt:N:R:P, such as the default {DEFAULT_PASSWORD_HASH}, got {value!r}")
    n, r, p = map(int, match.groups())
    if n < 128 or n & (n - 1):
        raise _Invalid(f"N must be a power of two of at least 128, such as 32768, got {value!r}")
    if r < 1 or p < 1:
        raise _Invalid(f"R and P must be at least 1, got {value!r}")
    if 132 * n * r * p >= 2**31:
        raise _Invalid(f"needs too much memory (132 x N x R x P bytes must stay under 2 GiB), got {value!r}")
    return value


HALL = {
    "name": (_string, True),
    "timezone": (_timezone, True),
    "language": (_one_of(LANGUAGES), False),
    "opening_hours": (_clock_range("08:00-15:00", "close after it opens"), False),
    "ticker": (_optional_text, False),
    "breaks": (
        [{"time": (_clock_range("12:00-13:00", "end after it starts"), True), "reason": (_string, False), "counters": (_text_list, False)}],
        False,
    ),
}
PRIORITY = {
    "max_consecutive": (_number(1, 100, integer=True), False),
    "max_normal_wait_minutes": (_number(1, 24 * 60), False),
}
SERVICE = {
    "code": (_pattern(SERVICE_CODE, "must be one or two capital letters such as A or KT"), True),
    "name": (_string, True),
    "agency": (_string, True),
    "target_wait_minutes": (_number(1, 24 * 60, integer=True), False),
    "duration_minutes": (_number(0.5, 24 * 60), False),
    "requirements": (_text_list, False),
    "fee": (_optional_text, False),
    "keywords": (_text_list, False),
}
AGENCY = {
    "name": (_string, True),
    "short_name": (_string, False),
}
COUNTER = {
    "id": (_pattern(COUNTER_ID, "must be a short slug of lower-case letters, digits, - or _"), True),
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
    "id": (_pattern(COUNTER_ID, "must be a short slug of lower-case letters, digits, - or _"), True),
    "name": (_string, True),
    "printer": (_kiosk_printer, False),
    "return_seconds": (_number(3, 600, integer=True), False),
    "idle_seconds": (_number(10, 3600, integer=True), False),
    "reach_fraction": (_number(0.4, 1), False),
}
DISPLAY = {
    "id": (_pattern(COUNTER_ID, "must be a short slug of lower-case letters, digits, - or _"), True),
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
    "kiosk_requires_open_counter": (_boolean, False),
    "counter_idle_minutes": (_number(1, 24 * 60), False),
    "kiosk_priority_categories": (_categories, False),
}

PRINTER_DEFAULTS = {"kind": "dummy", "width_mm": 80, "port": 9100, "timeout_seconds": 5}


def _check(schema: Any, value: Any, path: str, problems: list[str]) -> Any:
    """Clean ``value`` against ``schema``, appending a line to ``problems`` for each mistake."""
    if isinstance(schema, dict):
        if not isinstance(value, dict):
            problems.append(f"{path}: must be a mapping of keys")
            return None
        cleaned = {}
        for key in value:
            if key not in schema:
                known = ", ".join(schema)
                problems.append(f"{_join(path, key)}: unknown key (known keys: {known})")
        for key, (sub, required) in schema.items():
            if value.get(key) is None:
                if required:
                    problems.append(f"{_join(path, key)}: is required")
                continue
            cleaned[key] = _check(sub, value[key], _join(path, key), problems)
        return cleaned
    if isinstance(schema, list):
        if not isinstance(value, list):
            problems.append(f"{path}: must be a list")
            return []
        return [_check(schema[0], item, f"{path}[{i}]", problems) for i, item in enumerate(value)]
    try:
        return schema(value)
    except _Invalid as invalid:
        problems.append(f"{path}: {invalid}")
        return None


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else str(key)


def _unique(items: list[dict], key: str, path: str, what: str, problems: list[str]) -> None:
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        value = item.get(key) if item else None
        if value is None:
            continue
        if value in seen:
            problems.append(f"{path}[{i}].{key}: duplicate {what} {value!r} (also {path}[{seen[value]}])")
        else:
            seen[value] = i


def _cross_check(cfg: dict, problems: list[str]) -> None:
    """References between sections: the checks a per-key schema cannot make."""
    services = [s for s in cfg.get("services") or [] if s]
    counters = [c for c in cfg.get("counters") or [] if c]
    _unique(services, "code", "services", "service code", problems)
    _unique(counters, "id", "counters", "counter id", problems)
    _unique([k for k in cfg.get("kiosks") or [] if k], "id", "kiosks", "kiosk id", problems)
    _unique([d for d in cfg.get("displays") or [] if d], "id", "displays", "display id", problems)
    if not services and "services" in cfg:
        problems.append("services: at least one service is needed")
    if not counters and "counters" in cfg:
        problems.append("counters: at least one counter is needed")
    codes = {s.get("code") for s in services}
    agencies = _resolve_agencies(cfg, services, problems)
    for i, counter in enumerate(cfg.get("counters") or []):
        for j, code in enumerate((counter or {}).get("services") or ()):
            if code not in codes:
                problems.append(f"counters[{i}].services[{j}]: unknown service {code!r}")
        if counter and counter.get("services") == ():
            problems.append(f"counters[{i}].services: a counter must serve at least one service")
    ids = {c.get("id") for c in counters}
    for i, planned in enumerate((cfg.get("hall") or {}).get("breaks") or []):
        if planned and planned.get("counters") == ():
            problems.append(f"hall.breaks[{i}].counters: must name at least one counter (leave it out for the whole hall)")
        for j, counter_id in enumerate((planned or {}).get("counters") or ()):
            if counter_id not in ids:
                problems.append(f"hall.breaks[{i}].counters[{j}]: unknown counter {counter_id!r}")
    for i, screen in enumerate(cfg.get("displays") or []):
        if screen and screen.get("agencies"):
            screen["agencies"] = tuple(
                _agency_named(agencies, name, f"displays[{i}].agencies[{j}]", problems) for j, name in enumerate(screen["agencies"])
            )
    _check_printer(cfg.get("printer") or {}, "printer", problems)
    for i, kiosk in enumerate(cfg.get("kiosks") or []):
        if kiosk and isinstance(kiosk.get("printer"), dict):
            kiosk["printer"] = _check(PRINTER, kiosk["printer"], f"kiosks[{i}].printer", problems)
            _check_printer(kiosk["printer"], f"kiosks[{i}].printer", problems)


def _resolve_agencies(cfg: dict, services: list[dict], problems: list[str]) -> dict[str, str]:
    """Every name an agency goes by (official or short) → its official name, and each service's
    ``agency`` replaced by the official name. Without an ``agencies`` section, the services' own
    agency texts are the agencies."""
    listed = [a for a in cfg.get("agencies") or [] if a]
    if "agencies" not in cfg:
        return {s["agency"]: s["agency"] for s in services if s.get("agency")}
    _unique(listed, "name", "agencies", "agency name", problems)
    _unique(listed, "short_name", "agencies", "agency short name", problems)
    names = {a["name"]: a["name"] for a in listed if a.get("name")}
    for i, agency in enumerate(listed):
        short = agency.get("short_name")
        if short in names and names[short] != agency.get("name") and short not in {a.get("short_name") for a in listed[:i]}:
            problems.append(f"agencies[{i}].short_name: {short!r} is the name of another agency")
        elif short and short not in names:
            names[short] = agency.get("name")
    for i, service in enumerate(cfg.get("services") or []):
        if service and service.get("agency"):
            service["agency"] = _agency_named(names, service["agency"], f"services[{i}].agency", problems)
    return names


def _agency_named(names: dict[str, str], name: str, path: str, problems: list[str]) -> str:
    if name not in names:
        problems.append(f"{path}: unknown agency {name!r} (agencies: {', '.join(sorted(set(names.values())))})")
        return name
    return names[name]


def _check_printer(printer: dict, path: str, problems: list[str]) -> None:
    """The keys each kind of printer cannot do without."""
    needs = {"network": "host", "usb": "vendor_id", "serial": "device", "file": "path"}
    kind = printer.get("kind")
    if kind in needs and needs[kind] not in printer:
        problems.append(f"{path}.{needs[kind]}: is required for a {kind} printer")
    if kind == "usb" and "product_id" not in printer:
        problems.append(f"{path}.product_id: is required for a usb printer")


def parse_config(data: Any, path: Path) -> HallConfig:
    """Validate already-parsed YAML; ``path`` anchors the relative database path."""
    problems: list[str] = []
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
        services={s["code"]: Service(**s) for s in cfg["services"]},
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
        agencies=_agencies(cfg),
        kiosk_requires_open_counter=cfg.get("kiosk_requires_open_counter", False),
        counter_idle_minutes=cfg.get("counter_idle_minutes", 30),
        kiosk_priority_categories=cfg.get("kiosk_priority_categories", PRIORITY_CATEGORIES),
    )


def _agencies(cfg: dict) -> dict[str, Agency]:
    """The agencies in the config's order; without an ``agencies`` section, in the order services name them."""
    if "agencies" in cfg:
        return {a["name"]: Agency(a["name"], a.get("short_name", "")) for a in cfg["agencies"]}
    return {s["agency"]: Agency(s["agency"]) for s in cfg["services"]}


def _backup(section: dict | None, path: Path) -> BackupSettings | None:
    """The daily backup; ``folder`` is relative to the config file, like ``database``."""
    if not section:
        return None
    folder = Path(section["folder"])
    return BackupSettings(folder if folder.is_absolute() else path.parent / folder, section["time"], section.get("keep", 7))


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
