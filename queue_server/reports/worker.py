"""One report request's answer, computed in the server's process or in a process of its own.

A year's report is a second or so of pure Python. In the server's process that second holds the
interpreter lock the engine's threads need between their SQLite calls, so an officer's Next would
wait behind it (measured: bench/reports.py). The server (``antre run``) therefore hands reports to a
worker process: spawned, never forked from the threaded server, one report at a time, started at
the server's first report and kept; it ends itself if the server is killed. It opens the same
database and reads it from WAL snapshots, as the server's reports would. Tests and the command
line, which have no officer waiting, answer in-process.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime
from pathlib import Path
from typing import Any

from ..config import HallConfig
from ..store import Store
from .exports import SECTIONS, Tables, to_csv, to_xlsx
from .figures import ReportFilters, Reports
from .monthly import monthly
from .store import ReportStore

log = logging.getLogger(__name__)
KINDS = ("summary", "summary.csv", "summary.xlsx", "detail", "detail.csv", "detail.xlsx", "monthly")


def answer(reports: Reports, kind: str, filters: ReportFilters, lang: str, section: str = "by_service") -> Any:
    """The JSON object, CSV text or XLSX bytes of ``GET /api/v1/reports/{kind}`` (``monthly``: the
    figures of /admin/reports/monthly)."""
    if kind == "summary":
        return reports.summary(filters)
    if kind == "detail":
        return reports.detail(filters)
    if kind == "monthly":  # the printable month of admin/reports.py
        return monthly(reports, filters)
    tables = Tables(lang)
    if kind.startswith("summary."):
        report = {"period": {"from": filters.from_day, "to": filters.to_day}, "summary": reports.summary(filters)}
        table = tables.summary(report)
        return to_csv(table) if kind == "summary.csv" else to_xlsx([table])
    report = reports.detail(filters)
    if kind == "detail.csv":
        return to_csv(SECTIONS[section](tables, report))
    return to_xlsx([build(tables, report) for build in SECTIONS.values()])


class ReportWorker:
    """The process reports run in (see the module's docstring)."""

    def __init__(self, database: Path):
        self.database = str(database)
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the process now (it imports for a second), not at the first report."""
        self._executor().submit(_warm, self.database).result()

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    1, mp_context=multiprocessing.get_context("spawn"), initializer=_end_with_parent, initargs=(os.getpid(),)
                )
            return self._pool

    def run(self, config: HallConfig, now: datetime, kind: str, filters: ReportFilters, lang: str, section: str = "by_service") -> Any:
        return self._submit(_answer, self.database, config, now, kind, filters, lang, section)

    def call(self, function: Callable[..., Any], *args: Any) -> Any:
        """``function(report_store, *args)`` in the report process (the staffing advisor's answer):
        ``function`` is a module-level one, so that the process can import it."""
        return self._submit(_call, self.database, function, args)

    def _submit(self, *job: Any) -> Any:
        try:
            return self._executor().submit(*job).result()
        except BrokenProcessPool:  # the process died (killed, out of memory): a new one for this request and the next
            log.warning("reports: the report process had died; starting a new one")
            with self._lock:
                self._pool = None
            return self._executor().submit(*job).result()

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None


# --- in the worker process --------------------------------------------------------------------
_stores: dict[str, Store] = {}
PARENT_LOOK_SECONDS = 1.0


def _end_with_parent(parent: int) -> None:
    """A server killed outright (SIGKILL, a crash) cannot stop its worker: the worker ends itself
    once it has been orphaned, instead of lingering with the database open."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_LOOK_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="antre-report-parent", daemon=True).start()


def _store(database: str) -> Store:
    if database not in _stores:
        _stores[database] = Store(database)
    return _stores[database]


def _warm(database: str) -> None:
    _store(database)


def _answer(database: str, config: HallConfig, now: datetime, kind: str, filters: ReportFilters, lang: str, section: str) -> Any:
    return answer(Reports(ReportStore(_store(database)), config, lambda: now), kind, filters, lang, section)


def _call(database: str, function: Callable[..., Any], args: tuple) -> Any:
    return function(ReportStore(_store(database)), *args)
