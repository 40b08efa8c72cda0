"""The hall's setup, kept in its database and changed while the hall runs.

config.yaml holds two kinds of keys. The machine's (``MACHINE_KEYS``: where the database is, the
public address, the printer, log-ins, backups, limits) stay in the file: they belong to the computer
the hall runs on. Everything else (agencies, services, counters, kiosks, displays, hours, priority,
announcements) is the hall's **setup document**: a mapping in exactly config.yaml's shape, stored in
the database and validated by the same ``parse_config``, so a mistake reads the same whether it was
typed in a file or in the browser, and ``antre config export`` / ``import`` round-trip it.

Where the setup comes from at start-up (``adopt``):
  - a new database takes config.yaml's setup (the seed);
  - while the setup was last taken from config.yaml, an edited config.yaml is taken again, so a hall
    that never uses the browser keeps working as it always did;
  - once the setup was changed in the browser or imported, the database wins and a differing
    config.yaml only earns a warning (``antre config import`` applies a file on purpose).

A change (``Setup.change``) is validated on a copy, stored with an audit event (``setup_changed``:
who, what, before and after) in one transaction, and then handed to every part of the running hall
(``Hall.reconfigure``) and, through the engine's listeners, to the live channel, which tells every
screen to read its facts again. Tickets already issued keep their number and place.
"""

from __future__ import annotations

import copy
import datetime
import hashlib
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import yaml

from .clock import iso
from .config import ConfigError, HallConfig, parse_config
from .engine import Conflict, Event
from .store import Store, Tx

if TYPE_CHECKING:
    from .hall import Hall

log = logging.getLogger(__name__)

MACHINE_KEYS = ("database", "public_url", "printer", "auth", "backup", "issuing", "connections", "live", "notifications")
FROM_FILE = "config.yaml"  # the ``source`` of a setup taken from the config file at start-up
EVENT = "setup_changed"
WATCH_SECONDS = 0.5  # how soon a setup stored by another process (antre config import) reaches the screens

Edit = Callable[[dict], None]


class SetupInvalid(ConfigError):
    """An edit that would leave the setup invalid: ``problems`` as parse_config words them."""


@dataclass(frozen=True)
class Stored:
    """The setup as the database holds it."""

    document: dict
    version: int
    source: str  # FROM_FILE, or how it was last changed (browser, import)
    seed_digest: str  # the digest of the config.yaml setup last taken in


def setup_document(raw: dict) -> dict:
    """The setup keys of a config mapping, as plain JSON values (YAML's dates become ISO texts)."""
    return _plain({key: value for key, value in raw.items() if key not in MACHINE_KEYS})


def machine_keys(raw: dict) -> dict:
    return {key: raw[key] for key in MACHINE_KEYS if key in raw}


def digest(document: dict) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def to_yaml(document: dict) -> str:
    """The setup as config.yaml text: keys in the document's order, words as typed."""
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=120)


def _plain(value: Any) -> Any:
    """JSON's types only: the document is stored as JSON and served by the admin API."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return value


def build(config: HallConfig, document: dict) -> HallConfig:
    """The hall's config with ``document`` as its setup and the machine keys of ``config``; raises
    SetupInvalid with one line per problem."""
    try:
        return parse_config({**machine_keys(config.raw), **document}, config.path)
    except ConfigError as error:
        raise SetupInvalid(error.details or error.problems) from None


def adopt(store: Store, config: HallConfig, at: str) -> HallConfig:
    """The config the hall runs with: config.yaml's machine keys and the setup the database holds
    (taking config.yaml's setup first where the module docstring says so)."""
    from_file = setup_document(config.raw)
    with store.write() as tx:
        stored = read(tx)
        if stored is None or (stored.source == FROM_FILE and stored.seed_digest != digest(from_file)):
            what = "seeded from config.yaml" if stored is None else "taken again from the edited config.yaml"
            before = stored.document if stored else None
            store_document(tx, from_file, source=FROM_FILE, at=at, officer_id=None, what=what, before=before, after=from_file)
            return config
    if digest(from_file) != stored.seed_digest:
        log.warning(
            "config.yaml's setup differs from the hall's setup, which was last changed by %s: the hall's wins. "
            "Apply the file with `antre config import %s`, or see the hall's with `antre config export`.",
            stored.source,
            config.path,
        )
    return build(config, stored.document)


def read(tx: Tx) -> Stored | None:
    text = tx.meta("setup")
    if text is None:
        return None
    return Stored(json.loads(text), int(tx.meta("setup_version") or 1), tx.meta("setup_source") or FROM_FILE, tx.meta("setup_seed") or "")


def store_document(tx: Tx, document: dict, *, source: str, at: str, officer_id: int | None, what: str, before: Any, after: Any) -> int:
    """Write the setup and its audit event (``before`` and ``after``: the part that changed, or the
    whole document); returns the event's id."""
    version = int(tx.meta("setup_version") or 0) + 1
    tx.set_meta("setup", json.dumps(document, ensure_ascii=False))
    tx.set_meta("setup_version", str(version))
    tx.set_meta("setup_source", source)
    if source == FROM_FILE:
        tx.set_meta("setup_seed", digest(document))
    details = {"what": what, "version": version, "source": source, "before": before, "after": after}
    return tx.add_event(at, EVENT, None, None, officer_id, details)


class Setup:
    """Changes to a running hall's setup. One change at a time (``_lock``): each starts from the
    setup the previous one left, so two admins saving at once never undo each other; a change made
    meanwhile by another process (``antre config import``) is refused, never overwritten, and picked
    up by ``catch_up``."""

    def __init__(self, hall: Hall):
        self.hall = hall
        self._lock = threading.Lock()
        self._watcher: threading.Thread | None = None
        self._stop = threading.Event()
        self.version = self._stored().version
        hall.store.before_close(self.close)

    def document(self) -> dict:
        return copy.deepcopy(self._stored().document)

    def _stored(self) -> Stored:
        with self.hall.store.read() as tx:
            stored = read(tx)
        return stored or Stored(setup_document(self.hall.config.raw), 0, FROM_FILE, "")

    def change(
        self,
        edit: Edit,
        *,
        officer_id: int | None,
        what: str,
        source: str = "browser",
        part: Callable[[dict], Any] | None = None,
        along: Callable[[Tx, str], None] | None = None,
        expected_version: int | None = None,
    ) -> HallConfig:
        """Apply ``edit`` to a copy of the setup, validate it, store it, then run the hall on it.

        ``part`` picks what the audit event records as before and after (the edited service, say;
        the whole document without it). ``along`` runs in the same transaction, after the setup is
        written (moving the tickets of a removed service). ``expected_version``: refuse with a
        Conflict when someone else saved since the editor's page was loaded.
        """
        with self._lock:
            stored = self._stored()
            if expected_version is not None and expected_version != stored.version:
                raise Conflict("error.setup_outdated", version=stored.version)
            document = copy.deepcopy(stored.document)
            before = copy.deepcopy(part(document) if part else document)
            edit(document)
            document = _plain(document)
            config = build(self.hall.config, document)
            after = part(document) if part else document
            now = iso(self.hall.engine.clock())
            try:
                with self.hall.store.write() as tx:
                    current = read(tx)
                    if current is not None and current.version != stored.version:
                        raise Conflict("error.setup_outdated", version=current.version)
                    event_id = store_document(tx, document, source=source, at=now, officer_id=officer_id, what=what, before=before, after=after)
                    if along is not None:
                        along(tx, now)
            except BaseException:
                self.hall.engine.reconfigure(self.hall.config)  # services ``along`` retired are the hall's again
                raise
            self._run_on(config, Event(event_id, EVENT, now, None, None, officer_id, {"version": stored.version + 1, "what": what}))
            return config

    def replace(self, document: dict, *, officer_id: int | None, source: str, what: str) -> HallConfig:
        """Put a whole setup in place (``antre config import``, ``PUT /admin/setup``): validated first,
        nothing applied on error. Machine keys in ``document`` are left out: they stay config.yaml's.
        A service it leaves out that still has tickets today is refused, as removing it in /admin is
        (TicketsWaiting): the admin moves or closes them there first, never loses them here."""
        new = setup_document(document)
        kept = {service.get("code") for service in new.get("services") or [] if isinstance(service, dict)}

        def edit(current: dict) -> None:
            current.clear()
            current.update(new)

        def retire_dropped(tx: Tx, at: str) -> None:
            for code in self.hall.config.services:
                if code not in kept:
                    self.hall.engine.retire_service(tx, at, code, None, False, officer_id)

        return self.change(edit, officer_id=officer_id, what=what, source=source, along=retire_dropped)

    def catch_up(self) -> bool:
        """Run on a setup another process stored (``antre config import`` while the server runs);
        returns whether there was one."""
        with self.hall.store.read() as tx:
            stored, event = read(tx), tx.latest_event(EVENT)
        if stored is None or stored.version <= self.version or event is None:
            return False
        with self._lock:
            config = build(self.hall.config, stored.document)
            details = {"version": stored.version, "what": event["details"].get("what")}
            self._run_on(config, Event(event["id"], EVENT, event["at"], None, None, event["officer_id"], details))
        return True

    def _run_on(self, config: HallConfig, event: Event) -> None:
        self.version = event.details["version"]
        self.hall.reconfigure(config)
        self.hall.engine.publish([event])

    def watch(self, every: float = WATCH_SECONDS) -> None:
        """Look for setups stored by other processes every ``every`` seconds, in a thread of its own."""
        if self._watcher is None:
            self._watcher = threading.Thread(target=self._watch, args=(every,), name="antre-setup", daemon=True)
            self._watcher.start()

    def _watch(self, every: float) -> None:
        while not self._stop.wait(every) and not self.hall.store.closed:
            try:
                self.catch_up()
            except Exception:  # a broken setup in the database must not end the watch; the log says why
                log.exception("setup: the setup another process stored could not be applied")

    def close(self) -> None:
        """Stop the watch and wait for it: it must not be reading when the store closes its
        connections (a read on a closed connection crashes the process)."""
        self._stop.set()
        if self._watcher is not None and self._watcher is not threading.current_thread():
            self._watcher.join()
