"""The print queue: tickets are printed off the request path, from jobs stored before sending.

Why it is built this way:

- The ticket exists, and the kiosk shows it, before anything is printed. Printing is a job row in
  the hall's database, so a job survives a crash or a restart of the server.
- One worker thread sends the printer's jobs, oldest first. It claims a job by moving the job's
  ``next_attempt_at`` into the future (a lease) in one atomic store call: two server processes
  never send the same job, and a job whose sender died mid-send is taken up again after the lease.
- Backoff belongs to the printer, not to each job: while the printer is down every job waits, and
  when it is back they print in the order they were issued.
- A job is marked sent as soon as ``send`` returns and is never sent again; a second copy only
  comes from a reprint, which is a new job. (A crash in the instant between the last byte and
  that update reprints that one ticket at restart — the one duplicate a printer without job
  numbers cannot rule out.)
- A job older than ``give_up_after`` is no longer printed: the visitor has left with the number
  from the screen, and a ticket coming out minutes later would be taken by the next person. It
  fails, visibly, and staff can reprint.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from antre.queue_server.clock import Clock, iso, parse_iso, system_clock

from .connections import Connection, PaperOut, PrinterError

log = logging.getLogger(__name__)

REPORTS_STATUS = "reports_status"  # the note kept on a printer that has answered a status question
AGENT = "agent"  # the target of jobs printed by a kiosk's printer-agent; any other target is a server-side printer
MAX_IDLE_SECONDS = 60.0

Render = Callable[[dict], bytes]  # a job -> the ticket's ESC/POS bytes
Listener = Callable[[dict | None, dict], None]  # (job that changed or None, printer state)


class JobStore(Protocol):
    """Where jobs live. The server backs it with the ``print_jobs`` table (``printer.hallstore``);
    times are ISO UTC text from ``queue_server.clock.iso``, so text order is time order. A job's
    status is pending, sent (final when the server printed it; for an agent, handed over and
    awaiting its acknowledgement), acknowledged (the agent printed it) or failed (given up)."""

    def add_job(self, job: dict) -> dict:
        """Insert a job (``new_job`` builds it); return the stored row with its id."""
        ...

    def claim_job(self, target: str, now: str, lease_until: str) -> dict | None:
        """Atomically take the oldest pending job of ``target`` due by ``now``: add one to its
        attempts, set its next_attempt_at to ``lease_until``; return the updated row."""
        ...

    def update_job(self, job_id: int, **fields: Any) -> dict:
        """Set the given columns; return the updated row."""
        ...

    def job(self, job_id: int) -> dict | None: ...

    def jobs(
        self,
        *,
        target: str | None = None,
        kiosk: str | None = None,
        statuses: tuple[str, ...] | None = None,
        ticket_id: str | None = None,
        newest: int | None = None,
    ) -> list[dict]:
        """Jobs matching every given filter, oldest first; ``newest`` keeps only the last ones."""
        ...

    def counts(self, target: str) -> dict[str, int]:
        """How many jobs of ``target`` are in each status."""
        ...

    def next_attempt_at(self, target: str) -> str | None:
        """The earliest next_attempt_at among pending jobs of ``target``."""
        ...

    def note(self, printer: str) -> str | None:
        """What was learnt about the printer named ``printer`` (a connection's name) before a restart."""
        ...

    def set_note(self, printer: str, note: str) -> None: ...


def new_job(
    ticket_id: str, target: str, now: str, *, kiosk: str | None = None, track_url: str = "", lang: str = "id", officer_id: int | None = None
) -> dict:
    """A pending job due ``now``: what ``JobStore.add_job`` stores."""
    return {
        "ticket_id": ticket_id,
        "kiosk": kiosk,
        "target": target,
        "status": "pending",
        "attempts": 0,
        "last_error": None,
        "track_url": track_url,
        "lang": lang,
        "officer_id": officer_id,
        "created_at": now,
        "updated_at": now,
        "next_attempt_at": now,
    }


@dataclass(frozen=True)
class RetryPolicy:
    first_delay: float = 1.0  # seconds before the first retry; doubles per failure
    max_delay: float = 8.0  # a printer back from a paper change prints within seconds
    give_up_after: float = 120.0  # a job this old (seconds since the ticket was issued) is not printed
    lease: float = 30.0  # how long a claimed job is out of other senders' reach; above any send timeout
    check_every: float | None = 30.0  # ask an idle printer how it is; None: only learn from jobs

    def delay(self, failures: int) -> float:
        return min(self.max_delay, self.first_delay * 2 ** (failures - 1))


class PrintQueue:
    """Sends the jobs of one target (a printer the server drives) through its connection."""

    def __init__(
        self,
        store: JobStore,
        connection: Connection,
        render: Render,
        *,
        target: str = "default",
        retry: RetryPolicy | None = None,
        clock: Clock = system_clock,
    ):
        if target == AGENT:
            raise ValueError(f"{AGENT!r} names the printer-agents' jobs; a server-side printer needs another target name")
        self.store = store
        self.connection = connection
        self.render = render
        self.target = target
        self.retry = retry or RetryPolicy()
        self.clock = clock
        self._listeners: list[Listener] = []
        self._observers: list[Callable[[dict], None]] = []
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._state: dict[str, Any] = {"status": "unknown", "since": None, "last_error": None, "checked_at": None}
        self._failures = 0
        self._hold_until = 0.0  # time.monotonic() before which the failing printer is left alone
        self._next_check = 0.0
        self._noted: bool | None = None  # the connection's reports_status as last kept in the store
        self.on_state: Callable[[dict], None] | None = None  # told the printer's state when its status or error changes

    # --- the outside -------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._stopping.clear()
                self._thread = threading.Thread(target=self._run, name=f"print-queue-{self.target}", daemon=True)
                self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the job being sent, if any; pending jobs stay in the store for the next start."""
        self._stopping.set()
        self._wake.set()
        with self._lock:  # a start under way (another thread gaining the leadership) has started its thread
            thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener(job, printer_state)`` after every job change, and ``listener(None,
        printer_state)`` when a check changes the printer's status: for the kiosk and staff pages."""
        self._listeners.append(listener)

    def observe_jobs(self, observer: Callable[[dict], None]) -> None:
        """Call ``observer(job)`` after every job change, without the printer's state: reading that
        state costs two queries on the worker's thread, between one job and the next, so a listener
        that only counts jobs (the metrics) must not ask for it."""
        self._observers.append(observer)

    def enqueue(self, ticket_id: str, kiosk: str | None = None, **fields: Any) -> dict:
        """Store a job for the ticket, start the worker if it sleeps, and return the job."""
        job = self.store.add_job(new_job(ticket_id, self.target, iso(self.clock()), kiosk=kiosk, **fields))
        self.wake()
        return job

    def wake(self) -> None:
        """A job was stored for this target (here or by a caller's own transaction): send it now."""
        self.start()
        self._wake.set()

    def printer_status(self) -> str:
        """``printer_state()["status"]`` alone, from memory: every ticket's answer carries it, so it
        must cost no query."""
        with self._lock:
            return self._state["status"]

    def printer_state(self) -> dict:
        """What ``GET /api/v1/printers`` shows for this printer. ``status`` is unknown (not tried
        yet), ok, offline or paper_out; ``since`` is when it last changed."""
        with self._lock:
            state = dict(self._state)
        counts = self.store.counts(self.target)
        return {
            "name": self.connection.name,
            **state,
            "pending": counts.get("pending", 0),
            "failed": counts.get("failed", 0),
            "next_attempt_at": self.store.next_attempt_at(self.target),
        }

    # --- the worker --------------------------------------------------------------------------
    def _run(self) -> None:
        self._recall()
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                busy = self._step()
                self._remember()
                if busy:
                    continue
                wait = self._idle_seconds()
            except Exception:
                log.exception("print queue: unexpected error; trying again shortly")
                wait = self.retry.first_delay
            self._wake.wait(wait)

    def _step(self) -> bool:
        """Send one due job, or check an idle printer; False when there is nothing to do now."""
        if time.monotonic() < self._hold_until:
            return False
        now = self.clock()
        job = self.store.claim_job(self.target, iso(now), iso(now + timedelta(seconds=self.retry.lease)))
        if job is not None:
            self._attempt(job, now)
            return True
        if self.retry.check_every is not None and time.monotonic() >= self._next_check:
            self._check()
            return True
        return False

    def _attempt(self, job: dict, now: datetime) -> None:
        if self._too_old(job, now):
            why = job["last_error"] or "the printer was busy"
            self._change(job, now, status="failed", last_error=f"not printed in time ({why}); reprint it if still needed")
            return
        data = self._render(job, now)
        if data is None:
            return
        try:
            self.connection.send(data)
        except Exception as error:
            if not isinstance(error, PrinterError):
                log.exception("print queue: %s failed unexpectedly", self.connection.name)
                error = PrinterError(f"{self.connection.name} failed ({error})")
            delay = self._printer_failed(error)
            if _age(job, now) + delay > self.retry.give_up_after:
                self._change(job, now, status="failed", last_error=f"{error}; gave up after {job['attempts']} attempts")
            else:
                self._change(job, now, last_error=str(error), next_attempt_at=iso(now + timedelta(seconds=delay)))
            return
        self._printer_ok()
        self._change(job, now, status="sent", last_error=None)

    def _recall(self) -> None:
        """A network printer known to answer status questions stays known across a restart: if it
        has hung meanwhile, it is offline at once instead of swallowing the next tickets unread."""
        try:
            if hasattr(self.connection, "reports_status") and self.store.note(self.connection.name) == REPORTS_STATUS:
                self.connection.reports_status = True
        except Exception:
            log.exception("print queue: what was known about %s could not be read", self.connection.name)
        self._noted = getattr(self.connection, "reports_status", None)

    def _remember(self) -> None:
        """Keep whether the printer answers status questions, when a job or a check has changed it."""
        known = getattr(self.connection, "reports_status", None)
        if known is not self._noted:
            self.store.set_note(self.connection.name, REPORTS_STATUS if known else "")
            self._noted = known

    def _check(self) -> None:
        before = self._state["status"]
        try:
            self.connection.check()
        except PrinterError as error:
            self._printer_failed(error)
        else:
            self._printer_ok()
        if self._state["status"] != before:
            self._notify(None)

    def _render(self, job: dict, now: datetime) -> bytes | None:
        """The job's bytes, or None after failing the job: a ticket that cannot be laid out will not
        lay out better on the next try."""
        try:
            return self.render(job)
        except Exception as error:
            log.exception("print queue: ticket %s could not be laid out", job["ticket_id"])
            self._change(job, now, status="failed", last_error=f"the ticket could not be laid out ({error})")
            return None

    def _idle_seconds(self) -> float:
        now = time.monotonic()
        if now < self._hold_until:
            return self._hold_until - now
        waits = [MAX_IDLE_SECONDS]
        if self.retry.check_every is not None:
            waits.append(self._next_check - now)
        due = self.store.next_attempt_at(self.target)
        if due is not None:
            waits.append((parse_iso(due) - self.clock()).total_seconds())
        return max(0.01, min(waits))

    # --- bookkeeping -------------------------------------------------------------------------
    def _printer_ok(self) -> None:
        self._failures = 0
        self._hold_until = 0.0
        if self.retry.check_every is not None:
            self._next_check = time.monotonic() + self.retry.check_every
        self._set_state("ok", None)

    def _printer_failed(self, error: PrinterError) -> float:
        """Hold the printer back for the next backoff step; return that delay in seconds."""
        self._failures += 1
        delay = self.retry.delay(self._failures)
        self._hold_until = self._next_check = time.monotonic() + delay
        self._set_state("paper_out" if isinstance(error, PaperOut) else "offline", str(error))
        return delay

    def _set_state(self, status: str, error: str | None) -> None:
        at = iso(self.clock())
        with self._lock:
            changed = (status, error) != (self._state["status"], self._state["last_error"])
            if status != self._state["status"]:
                self._state["since"] = at
            self._state.update(status=status, last_error=error, checked_at=at)
            state = dict(self._state)
        if changed and self.on_state is not None:
            try:
                self.on_state(state)
            except Exception:
                log.exception("print queue: the state of %s could not be shared", self.connection.name)

    def _change(self, job: dict, now: datetime, **fields: Any) -> dict:
        job = self.store.update_job(job["id"], updated_at=iso(now), **fields)
        self._notify(job)
        return job

    def _notify(self, job: dict | None) -> None:
        calls: list[tuple[Callable[..., None], tuple]] = [(observer, (job,)) for observer in self._observers if job is not None]
        if self._listeners:
            state = self.printer_state()
            calls += [(listener, (job, state)) for listener in self._listeners]
        for call, args in calls:
            try:
                call(*args)
            except Exception:
                log.exception("print queue listener %r failed", call)

    def _too_old(self, job: dict, now: datetime) -> bool:
        return _age(job, now) > self.retry.give_up_after


class AgentJobs:
    """The jobs of kiosks whose printer hangs on the kiosk PC: handed to that kiosk's printer-agent
    over the live channel, done when the agent acknowledges them.

    Delivery is at least once: whatever an agent has not acknowledged is handed over again when
    it reconnects, and the agent skips job ids it has already printed (it keeps them on disk), so
    the paper gets each ticket once."""

    def __init__(self, store: JobStore, render: Render, *, retry: RetryPolicy | None = None, clock: Clock = system_clock):
        self.store = store
        self.render = render
        self.retry = retry or RetryPolicy()
        self.clock = clock
        self._listeners: list[Callable[[dict], None]] = []

    def subscribe(self, listener: Callable[[dict], None]) -> None:
        """Call ``listener(job)`` after every change: a new job (status pending) is the agent's cue."""
        self._listeners.append(listener)

    def enqueue(self, ticket_id: str, kiosk: str, **fields: Any) -> dict:
        job = self.store.add_job(new_job(ticket_id, AGENT, iso(self.clock()), kiosk=kiosk, **fields))
        self.submitted(job)
        return job

    def submitted(self, job: dict) -> None:
        """A job was stored (here or in a caller's own transaction): tell the listeners."""
        self._notify(job)

    def deliverable(self, kiosk: str, statuses: tuple[str, ...] = ("pending", "sent")) -> list[tuple[dict, bytes]]:
        """The kiosk's jobs not yet acknowledged (or only the new ones: ``statuses=("pending",)``),
        oldest first, with their bytes, now marked sent. A job older than ``retry.give_up_after``
        fails instead: its visitor has long gone."""
        now = self.clock()
        delivered = []
        for job in self.store.jobs(target=AGENT, kiosk=kiosk, statuses=statuses):
            if _age(job, now) > self.retry.give_up_after:
                why = "not printed: the kiosk's printer-agent was away too long; reprint it if still needed"
                self._change(job, now, status="failed", last_error=job["last_error"] or why)
                continue
            try:
                data = self.render(job)
            except Exception as error:
                log.exception("print queue: ticket %s could not be laid out", job["ticket_id"])
                self._change(job, now, status="failed", last_error=f"the ticket could not be laid out ({error})")
                continue
            delivered.append((self._change(job, now, status="sent", attempts=job["attempts"] + 1), data))
        return delivered

    def acknowledge(self, job_id: int, kiosk: str) -> dict:
        """The kiosk's agent printed the job. Accepted in any state: a late acknowledgement of a job
        that had been given up on still tells the truth about the paper."""
        job = self.store.job(job_id)
        if job is None or job["target"] != AGENT or job["kiosk"] != kiosk:
            raise KeyError(f"kiosk {kiosk} has no print job {job_id}")
        if job["status"] == "acknowledged":
            return job
        return self._change(job, self.clock(), status="acknowledged", last_error=None)

    def report_error(self, job_id: int, kiosk: str, error: str) -> dict:
        """The agent could not print the job yet (it keeps trying): staff see why."""
        job = self.store.job(job_id)
        if job is None or job["target"] != AGENT or job["kiosk"] != kiosk:
            raise KeyError(f"kiosk {kiosk} has no print job {job_id}")
        return self._change(job, self.clock(), last_error=error[:300])

    def _change(self, job: dict, now: datetime, **fields: Any) -> dict:
        job = self.store.update_job(job["id"], updated_at=iso(now), **fields)
        self._notify(job)
        return job

    def _notify(self, job: dict) -> None:
        for listener in self._listeners:
            try:
                listener(job)
            except Exception:
                log.exception("agent jobs listener %r failed", listener)


def _age(job: dict, now: datetime) -> float:
    return (now - parse_iso(job["created_at"])).total_seconds()
