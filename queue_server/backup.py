"""Backups of the hall's SQLite file: a consistent copy while the hall runs, a daily schedule, restore.

Why the online backup API in one step: the store keeps the file in WAL mode, where a reader never
blocks the writer, so copying the whole file inside one read transaction gives a snapshot of one
moment without holding anything that issuing waits for. Copying in several steps would be worse,
not better: every commit by another connection between two steps makes SQLite start the copy
again, and a busy hall commits every few milliseconds.

Every copy is written next to its destination under a temporary name, checked with
``PRAGMA integrity_check``, synced, and only then renamed into place, so a file with the final name
is always a complete, sound database; a half-written copy never looks like a backup.

Restoring refuses while a server has the database open: leaving WAL mode needs every other
connection closed, so asking for it is a cheap and exact test. The restored file replaces the
database with one rename; the previous file is kept beside it as ``<database>.before-restore``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

from .config import BackupSettings
from .schema import SCHEMA_VERSION

log = logging.getLogger(__name__)

STAMP = "%Y%m%d-%H%M%S"
BUSY_TIMEOUT_SECONDS = 10


class BackupError(RuntimeError):
    """A backup or restore that did not happen; the message says why and what to do."""


@dataclass(frozen=True)
class Copy:
    """What a backup or restore wrote: the file, its size, and what it holds."""

    path: Path
    bytes: int
    tickets: int
    seq: int
    newest_ticket_at: str | None
    seconds: float
    previous: Path | None = None  # restore only: where the replaced database was kept

    def summary(self) -> str:
        newest = f", newest issued {self.newest_ticket_at}" if self.newest_ticket_at else ""
        return f"{self.path} ({self.bytes / 2**20:.1f} MiB, {self.tickets} tickets{newest}, event log up to #{self.seq})"


# --- copying ----------------------------------------------------------------------------------


def backup(database: Path, dest: str | Path, now: datetime | None = None) -> Copy:
    """Copy ``database`` to ``dest``, a file, or a folder (then ``<stem>-YYYYmmdd-HHMMSS.db`` in it)."""
    target = backup_path(database, dest, now or datetime.now().astimezone())
    if target.resolve() == database.resolve():
        raise BackupError(f"{target} is the database itself; give another file or a folder")
    started = time.monotonic()
    with _open(database, "rw") as source:
        _copy(source, target)
    return _described(target, time.monotonic() - started)


def backup_path(database: Path, dest: str | Path, now: datetime) -> Path:
    """``dest`` itself, or a time-stamped file inside it when it is a folder (existing, or written with a trailing /)."""
    if Path(dest).is_dir() or str(dest).endswith(os.sep):
        return Path(dest) / f"{database.stem}-{now.strftime(STAMP)}.db"
    return Path(dest)


def restore(database: Path, source: Path) -> Copy:
    """Put the backup ``source`` in place of ``database`` (which no server may have open)."""
    started = time.monotonic()
    with _open(source, "ro") as backup_db:
        _check_restorable(backup_db, source)
        partial = _copy(backup_db, database.with_name(f"{database.name}.restoring"), rename=False)
    try:
        previous = _set_aside(database)
        os.replace(partial, database)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    _sync_folder(database.parent)
    return replace(_described(database, time.monotonic() - started), previous=previous)


def damage(database: Path) -> str | None:
    """What ``PRAGMA quick_check`` finds wrong with the file (its first lines), or None when sound.

    A damaged page otherwise passes start-up, which reads only the first page, and then fails
    every request that touches it."""
    if not database.exists():
        return None
    with _open(database, "rw") as conn:
        try:
            lines = [row[0] for row in conn.execute("PRAGMA quick_check(5)")]
        except sqlite3.DatabaseError as error:
            return str(error)
    return None if lines == ["ok"] else "; ".join(lines)


def _open(path: Path, mode: str) -> contextlib.closing[sqlite3.Connection]:
    """An existing database only: a mistyped path must not create an empty one."""
    if not path.is_file():
        raise BackupError(f"{path}: no such database file")
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode={mode}", uri=True, isolation_level=None, timeout=BUSY_TIMEOUT_SECONDS)
    return contextlib.closing(conn)


def _copy(source: sqlite3.Connection, target: Path, rename: bool = True) -> Path:
    """Copy into a temporary file beside ``target``, check and sync it; rename it to ``target`` when asked."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        with contextlib.closing(sqlite3.connect(partial, isolation_level=None)) as copy:
            source.backup(copy)  # one step: see the module docstring
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
            problems = [row[0] for row in copy.execute("PRAGMA integrity_check(5)")]
            if problems != ["ok"]:
                raise BackupError(f"the copy failed its integrity check ({'; '.join(problems)}); nothing was written to {target}")
        with open(partial, "rb") as handle:
            os.fsync(handle.fileno())
        if rename:
            os.replace(partial, target)
            _sync_folder(target.parent)
            return target
        return partial
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _check_restorable(conn: sqlite3.Connection, source: Path) -> None:
    try:
        problems = [row[0] for row in conn.execute("PRAGMA integrity_check(5)")]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{source} is not a readable SQLite database ({error})") from None
    if problems != ["ok"]:
        raise BackupError(f"{source} is damaged ({'; '.join(problems)}); restore another backup")
    if version < 1 or "tickets" not in tables:
        raise BackupError(f"{source} is not an Antre database")
    if version > SCHEMA_VERSION:
        raise BackupError(f"{source} was made by a newer Antre (schema {version}, this one knows {SCHEMA_VERSION}); upgrade Antre first")


def _set_aside(database: Path) -> Path | None:
    """Keep the current database as ``.before-restore`` (numbered if that exists), after making sure
    no server has it open; its log is folded in first, so no stale ``-wal`` meets the restored file."""
    if not database.exists():
        return None
    with _open(database, "rw") as conn:
        conn.execute("PRAGMA busy_timeout=0")
        try:
            conn.execute("PRAGMA journal_mode=DELETE").fetchone()
        except sqlite3.OperationalError as error:
            if getattr(error, "sqlite_errorname", "") == "SQLITE_BUSY":
                raise BackupError(f"{database} is in use (is 'antre run' serving it?); stop the server, then restore") from None
            raise
    for leftover in (Path(f"{database}-wal"), Path(f"{database}-journal")):
        if leftover.exists():
            raise BackupError(f"{leftover} is still there; start and stop the server once so SQLite folds it in, then restore")
    Path(f"{database}-shm").unlink(missing_ok=True)
    previous = _free_name(database.with_name(f"{database.name}.before-restore"))
    os.link(database, previous)
    return previous


def _free_name(path: Path) -> Path:
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.name}.{n}")
    return candidate


def _described(path: Path, seconds: float) -> Copy:
    with _open(path, "ro") as conn:
        tickets, newest = conn.execute("SELECT COUNT(*), MAX(issued_at) FROM tickets").fetchone()
        seq = conn.execute("SELECT COALESCE(MAX(id), 0) FROM events").fetchone()[0]
    return Copy(path, path.stat().st_size, tickets, seq, newest, seconds)


def _sync_folder(folder: Path) -> None:
    """A rename is durable only once its folder is synced."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- the daily schedule -----------------------------------------------------------------------


def next_run(now: datetime, at: clock_time, timezone: ZoneInfo) -> datetime:
    """The first moment after ``now`` when the hall's clock shows ``at``."""
    local = now.astimezone(timezone)
    run = datetime.combine(local.date(), at, timezone)
    return run if run > local else datetime.combine(local.date() + timedelta(days=1), at, timezone)


def prune(folder: Path, stem: str, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` backups named ``<stem>-YYYYmmdd-HHMMSS.db``; return the deleted."""
    backups = sorted(p for p in folder.glob(f"{stem}-????????-??????.db") if p.is_file())
    doomed = backups[: max(0, len(backups) - keep)]
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed


class BackupSchedule:
    """A server thread that makes the daily backup and prunes the folder; a failure is logged and
    tried again the next day (``GET /healthz`` does not hide a full disk either)."""

    def __init__(self, database: Path, settings: BackupSettings, timezone: ZoneInfo, now: Callable[[], datetime] | None = None):
        self.database = database
        self.settings = settings
        self.timezone = timezone
        self.now = now or (lambda: datetime.now(timezone))
        self.last: Copy | None = None
        self.last_error: str | None = None
        self.on_run: Callable[[], None] | None = None  # told after each scheduled backup, made or failed
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> Copy:
        """One scheduled backup now: copy into the folder, then prune beyond ``keep``."""
        copy = backup(self.database, self.settings.folder, self.now())
        prune(self.settings.folder, self.database.stem, self.settings.keep)
        return copy

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="antre-backup", daemon=True)
            self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while True:
            due = next_run(self.now(), self.settings.at, self.timezone)
            if self._stop.wait(max(0.0, (due - self.now()).total_seconds())):
                return
            self.scheduled_run()

    def scheduled_run(self) -> None:
        """What the schedule does when due: the backup, its outcome kept (``last``, ``last_error``) and told."""
        try:
            self.last, self.last_error = self.run_once(), None
            log.info("backup: %s", self.last.summary())
        except (OSError, sqlite3.Error, BackupError) as error:
            self.last_error = str(error)
            log.error("backup into %s failed: %s; the next try is tomorrow at %s", self.settings.folder, error, self.settings.at)
        if self.on_run is not None:
            try:
                self.on_run()
            except Exception:
                log.exception("backup: its outcome could not be shared")
