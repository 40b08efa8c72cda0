"""What the people who keep a hall running look at: ``GET /healthz``, ``GET /metrics``, and the daily backup.

``/healthz`` answers 200 when every check passes and 503 naming those that do not, so a monitor (or
a systemd watchdog script, or a person with curl) knows what to fix, not only that something is
wrong. It is public and says nothing secret: states and reasons, no paths, keys or accounts.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask, Response, jsonify

from .backup import BackupSchedule
from .clock import iso, system_clock
from .hall import Hall, current_hall
from .metrics import CONTENT_TYPE, HallMetrics

MIN_FREE_BYTES = 100 * 2**20  # below this the disk under the database is reported as failing
PRINTER_FAILING = ("offline", "paper_out")
BACKUP_OUTCOME = "backup_outcome"  # meta: the last scheduled backup's file and tickets, or its error

bp = Blueprint("ops", __name__)


@dataclass(frozen=True)
class WorkerSlot:
    """Which of ``antre run --workers N``'s processes this is (queue_server/server.py sets it), shown in
    ``/healthz`` so an IT person, or a test, can tell which process answered."""

    index: int = 0
    workers: int = 1

    def describe(self) -> dict[str, int]:
        return {"pid": os.getpid(), "index": self.index, "workers": self.workers}


@dataclass
class Ops:
    """One per app: its metrics, which worker serves it and, when ``backup`` is configured, the backup schedule."""

    metrics: HallMetrics
    schedule: BackupSchedule | None = None
    worker: WorkerSlot = WorkerSlot()

    def close(self) -> None:
        if self.schedule is not None:
            self.schedule.close()


def init_ops(app: Flask, hall: Hall) -> Ops:
    """Wire the metrics to the engine, the store, the printers and the live channel; start the daily backup.

    Called by the app factory after printing and the live channel exist."""
    printing, live = hall.printing, hall.live
    metrics = HallMetrics()
    hall.engine.subscribe(metrics.on_events)
    hall.store.observe_commits(metrics.on_commit)
    for target, queue in printing.queues.items():
        queue.observe_jobs(lambda job, target=target: metrics.on_print_job(target, job))
    printing.agents.subscribe(lambda job: metrics.on_print_job(f"agent-{job['kiosk']}", job))
    metrics.gauge("antre_live_clients", "Connected live-channel clients, by audience.", "audience", live.clients)
    settings = hall.config.backup
    schedule = BackupSchedule(hall.config.database, settings, hall.config.timezone) if settings else None
    ops = hall.ops = Ops(metrics, schedule)
    app.register_blueprint(bp)
    if schedule is not None:
        schedule.on_run = lambda: _share_backup(hall.store, schedule)
        hall.leadership.when_leading(schedule.start)  # one process of several takes the backup
    return ops


@bp.get("/metrics")
def metrics() -> Response:
    return Response(current_hall().ops.metrics.render(), content_type=CONTENT_TYPE)


@bp.get("/healthz")
def healthz():
    hall = current_hall()
    checks = health_checks(hall)
    failing = [name for name, check in checks.items() if not check["ok"]]
    body: dict[str, Any] = {"status": "unhealthy" if failing else "ok", "failing": failing, "checks": checks}
    body["worker"] = hall.ops.worker.describe()
    if failing:
        body["message"] = "not healthy: " + "; ".join(f"{name} ({checks[name].get('error', 'failing')})" for name in failing)
    response = jsonify(body)
    response.status_code = 503 if failing else 200
    response.headers["Cache-Control"] = "no-store"
    return response


def health_checks(hall: Hall) -> dict[str, dict[str, Any]]:
    checks = {
        "database": _database(hall.store),
        "disk": _disk(hall.config.database.parent),
        "printers": _printers(hall.printing),
        "speech": _speech(hall.announcer),
        "live": hall.live.health(),
    }
    if hall.live_bus is not None:
        checks["live_bus"] = hall.live_bus.health()
    schedule = hall.ops.schedule
    if schedule is not None:
        checks["backup"] = _backup(schedule, hall.store)
    return checks


def _database(store: Any) -> dict[str, Any]:
    """A real write (the time of this check, in ``meta``), not durable: it reaches the log file, so a
    full disk or a read-only file shows here, without queueing at the disk ahead of tickets."""
    started = time.perf_counter()
    try:
        with store.write(durable=False) as tx:
            tx.set_meta("health_checked_at", iso(system_clock()))
    except sqlite3.Error as error:
        full = getattr(error, "sqlite_errorname", "") == "SQLITE_FULL"
        return {"ok": False, "error": "disk full: nothing new can be saved" if full else f"cannot write ({error})"}
    return {"ok": True, "write_ms": round((time.perf_counter() - started) * 1000, 2)}


def _disk(folder: Any) -> dict[str, Any]:
    free = shutil.disk_usage(folder).free
    check: dict[str, Any] = {"ok": free >= MIN_FREE_BYTES, "free_mb": free // 2**20, "min_free_mb": MIN_FREE_BYTES // 2**20}
    if not check["ok"]:
        check["error"] = f"only {check['free_mb']} MB free under the database"
    return check


def _printers(printing: Any) -> dict[str, Any]:
    printers = {p["id"]: p["status"] for p in printing.printers()["printers"]}
    failing = [f"{name} {status}" for name, status in printers.items() if status in PRINTER_FAILING]
    check: dict[str, Any] = {"ok": not failing, "printers": printers}
    if failing:
        check["error"] = ", ".join(failing)
    return check


def _speech(announcer: Any) -> dict[str, Any]:
    status = announcer.status()
    if not status["enabled"]:
        return {"ok": True, "enabled": False}
    if shutil.which("espeak-ng") is None:
        return {"ok": False, "enabled": True, "error": "espeak-ng is not installed"}
    check = {"ok": status["ok"], "enabled": True, "voice": status["voice"]}
    if not status["ok"]:
        check["error"] = status["last_error"]
    return check


def _share_backup(store: Any, schedule: BackupSchedule) -> None:
    """The outcome of the scheduled backup, kept in the database: one process of several (the leader)
    takes it, and ``/healthz`` tells it through every process (and after a restart)."""
    last = schedule.last
    outcome = {"last": {"file": last.path.name, "tickets": last.tickets} if last else None, "error": schedule.last_error}
    with store.write(durable=False) as tx:
        tx.set_meta(BACKUP_OUTCOME, json.dumps(outcome))


def _backup(schedule: BackupSchedule, store: Any) -> dict[str, Any]:
    with store.read() as tx:
        kept = tx.meta(BACKUP_OUTCOME)
    outcome = json.loads(kept) if kept else {"last": None, "error": None}
    check: dict[str, Any] = {
        "ok": outcome["error"] is None,
        "at": schedule.settings.at.strftime("%H:%M"),
        "keep": schedule.settings.keep,
        "last": outcome["last"],
    }
    if outcome["error"]:
        check["error"] = f"the last scheduled backup failed: {outcome['error']}"
    return check
