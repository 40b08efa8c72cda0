"""Printing for one hall: which printer each kiosk's tickets go to, the queues that send them, the
printer-agents' jobs, and what staff see of all of it (``GET /api/v1/printers``).

Targets: ``default`` is the hall's ``printer`` section, driven by the server; ``kiosk-<id>`` is a
kiosk's own printer section, also driven by the server; ``agent`` is every job printed by a kiosk
PC's printer-agent. A ticket taken without a kiosk (a phone, an officer) is not printed.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from dataclasses import replace
from typing import Any

from antre.queue_server.clock import Clock, iso, system_clock
from antre.queue_server.config import HallConfig
from antre.queue_server.engine import Engine, NotFound
from antre.queue_server.store import Store

from .connections import DummyConnection, FileConnection, open_connection
from .hallstore import HallJobStore
from .jobs import AGENT, AgentJobs, PrintQueue, RetryPolicy, new_job
from .paper import ticket_bytes

log = logging.getLogger(__name__)

DEFAULT = "default"
RECENT_JOBS = 50
ISSUED_VIEWS = 256  # tickets kept as issued for their first print; a bound, not a size anyone reaches
SHARED_STATE = ":state"  # after a printer's name: the note of its state, as the process sending its jobs shares it


class Printing:
    def __init__(self, config: HallConfig, store: Store, engine: Engine, *, retry: RetryPolicy | None = None, clock: Clock = system_clock):
        """``clock`` is real time even when the engine's is not: backoff and give-up are about the
        printer's seconds, not the queue's business day."""
        self.config = config
        self.store = store
        self.engine = engine
        self.clock = clock
        self.jobs = HallJobStore(store)
        self.queues: dict[str, PrintQueue] = {}
        self._kiosks: dict[str, list[str]] = {}  # target -> kiosk ids printing there
        for kiosk in config.kiosks.values():
            target = self.target_for(kiosk.id)
            if target is not None:
                self._kiosks.setdefault(target, []).append(kiosk.id)
        self._retry = retry
        for target in [DEFAULT, *(t for t in self._kiosks if t not in (DEFAULT, AGENT))]:
            self._add_queue(target)
        self.agents = AgentJobs(self.jobs, self._renderer(DEFAULT), retry=retry, clock=clock)
        self._agents_seen: dict[str, dict[str, Any]] = {}
        self._issued: OrderedDict[int, dict] = OrderedDict()  # job id -> its ticket as the kiosk showed it
        self.sending = False  # whether this process sends the jobs (``start``): the leader of several does
        self._lock = threading.Lock()

    def _add_queue(self, target: str) -> PrintQueue:
        connection = open_connection(self._layout_config(target).printer, self.config.path.parent)
        queue = PrintQueue(self.jobs, connection, self._renderer(target), target=target, retry=self._retry, clock=self.clock)
        queue.on_state = lambda state: self.jobs.set_note(connection.name + SHARED_STATE, json.dumps(state))
        self.queues[target] = queue
        return queue

    def _state(self, queue: PrintQueue) -> dict[str, Any]:
        """A printer's state: its queue's own where this process sends the jobs, else what the process
        that sends them (the leader) last shared through the database."""
        if self.sending:
            return queue.printer_state()
        note = self.jobs.note(queue.connection.name + SHARED_STATE)
        shared = json.loads(note) if note else {}
        state = queue.printer_state()
        return {**state, **{key: shared[key] for key in ("status", "since", "last_error", "checked_at") if key in shared}}

    def reconfigure(self, config: HallConfig) -> None:
        """A changed setup: tickets print with the new names at once, and a kiosk newly given a printer
        of its own gets its print queue now. A kiosk's printer section changed while the hall runs
        takes effect at the next start (its queue may hold jobs for the printer it had)."""
        self.config = config
        for kiosk in config.kiosks.values():
            target = self.target_for(kiosk.id)
            if target is not None and target not in self.queues and target != AGENT:
                queue = self._add_queue(target)
                if self.sending:
                    queue.start()

    # --- routing -------------------------------------------------------------------------------
    def target_for(self, kiosk_id: str | None) -> str | None:
        kiosk = self.config.kiosks.get(kiosk_id) if kiosk_id else None
        if kiosk is None or kiosk.printer == "none":
            return None
        if isinstance(kiosk.printer, dict):
            return f"kiosk-{kiosk.id}"
        return AGENT if kiosk.printer == AGENT else DEFAULT

    def new_job(self, ticket_id: str, kiosk: str | None, track_url: str, lang: str, officer_id: int | None = None) -> dict | None:
        """The job row for a ticket from this kiosk, not stored yet (the caller stores it in its own
        transaction and then calls ``submitted``); None when the kiosk prints nothing."""
        target = self.target_for(kiosk)
        if target is None:
            return None
        return new_job(ticket_id, target, iso(self.clock()), kiosk=kiosk, track_url=track_url, lang=lang, officer_id=officer_id)

    def submitted(self, job: dict, ticket: dict | None = None) -> None:
        """A stored job: wake its printer's worker, or tell the kiosk's agent. ``ticket`` is the
        ticket as just issued: its first print uses it instead of reading the ticket again (whose
        estimate walks the whole waiting list, in the worker, while the next visitor taps)."""
        if job["target"] == AGENT:
            self.agents.submitted(job)
            return
        if not self.sending:  # another process sends it: its watch of the database wakes it (queue_server/leader.py)
            return
        if ticket is not None:
            with self._lock:
                self._issued[job["id"]] = ticket
                while len(self._issued) > ISSUED_VIEWS:
                    self._issued.popitem(last=False)
        self.queues[job["target"]].wake()

    def reprint(self, ticket_id: str, kiosk: str | None, track_url: str, officer_id: int) -> dict:
        """A new job for an existing ticket, on the printer of ``kiosk`` or of the kiosk that issued
        it, else the hall's printer."""
        with self.store.read() as tx:
            ticket = tx.ticket(ticket_id)
        if ticket is None:
            raise NotFound("error.no_ticket", "ticket_id")
        kiosk = kiosk or ticket["kiosk"]
        job = self.new_job(ticket_id, kiosk, track_url, ticket["lang"] or self.config.language, officer_id)
        if job is None:
            job = new_job(
                ticket_id, DEFAULT, iso(self.clock()), kiosk=kiosk, track_url=track_url, lang=ticket["lang"], officer_id=officer_id
            )
        job = self.jobs.add_job(job)
        self.submitted(job)
        return job

    # --- the queues ----------------------------------------------------------------------------
    def start(self) -> None:
        """Send the jobs from now on, in this process (the one of several that leads: each job is
        printed by one process). Start the workers that have something to do: a printer to watch
        (network, USB, serial), or jobs left from before a restart or stored by another process.
        The rest start with their first job."""
        self.sending = True
        for target, queue in self.queues.items():
            if not isinstance(queue.connection, (DummyConnection, FileConnection)) or self.jobs.counts(target).get("pending"):
                queue.start()

    def wake(self) -> None:
        """Some process committed work (``leader.LogWatch``): it may have stored jobs, which no
        listener of this process heard of. Each queue this process sends looks for them now."""
        if not self.sending:
            return
        for target, queue in self.queues.items():
            if queue.running or self.jobs.counts(target).get("pending"):
                queue.wake()

    def stop(self) -> None:
        for queue in self.queues.values():
            queue.stop()

    # --- what kiosks and staff see -------------------------------------------------------------
    def status(self, job: dict | None) -> dict | None:
        """The ``print`` field of a ticket: its latest job and how its printer is."""
        if job is None:
            return None
        return {"job_id": job["id"], "status": job["status"], "printer": self._printer_status(job), "error": job["last_error"]}

    def latest(self, ticket_id: str) -> dict | None:
        jobs = self.jobs.jobs(ticket_id=ticket_id, newest=1)
        return jobs[0] if jobs else None

    def printers(self, with_jobs: bool = False) -> dict:
        printers = [self._queue_view(target, queue) for target, queue in self.queues.items()]
        printers += [self._agent_view(kiosk) for kiosk in self._kiosks.get(AGENT, [])]
        body: dict[str, Any] = {"printers": printers}
        if with_jobs:
            body["jobs"] = self._recent_jobs()
        return body

    def _printer_status(self, job: dict) -> str:
        if job["target"] == AGENT:
            return self._agent_status(job["kiosk"])
        queue = self.queues[job["target"]]
        return queue.printer_status() if self.sending else self._state(queue)["status"]

    def _agent_status(self, kiosk: str) -> str:
        with self._lock:
            return _agent_status(self._agents_seen.get(kiosk, {}))

    def _queue_view(self, target: str, queue: PrintQueue) -> dict:
        layout = self._layout_config(target)
        return {"id": target, "kind": layout.printer["kind"], "kiosks": self._kiosks.get(target, []), **self._state(queue)}

    def _agent_view(self, kiosk: str) -> dict:
        with self._lock:
            seen = dict(self._agents_seen.get(kiosk, {}))
        counts = self.jobs.jobs(target=AGENT, kiosk=kiosk, statuses=("pending", "sent"))
        connected = seen.get("connected", False)
        return {
            "id": f"agent-{kiosk}",
            "kind": AGENT,
            "kiosks": [kiosk],
            "name": f"printer-agent of {self.config.kiosks[kiosk].name}",
            "status": _agent_status(seen),
            "since": seen.get("since"),
            "last_error": seen.get("last_error") if connected else "the printer-agent is not connected",
            "checked_at": seen.get("checked_at"),
            "connected": connected,
            "pending": len(counts),
            "failed": len(self.jobs.jobs(target=AGENT, kiosk=kiosk, statuses=("failed",))),
            "next_attempt_at": None,
        }

    def _recent_jobs(self) -> list[dict]:
        jobs = self.jobs.jobs(newest=RECENT_JOBS)
        with self.store.read() as tx:
            numbers = {job["ticket_id"]: (tx.ticket(job["ticket_id"]) or {}).get("number") for job in jobs}
        keep = ("id", "ticket_id", "kiosk", "target", "status", "attempts", "last_error", "officer_id", "created_at", "updated_at")
        return [{**{k: job[k] for k in keep}, "number": numbers[job["ticket_id"]]} for job in reversed(jobs)]

    # --- the printer-agents report here (printer.agent_namespace) ---------------------------------
    def agent_seen(self, kiosk: str, *, connected: bool, status: str | None = None, error: str | None = None) -> None:
        now = iso(self.clock())
        with self._lock:
            seen = self._agents_seen.setdefault(kiosk, {"status": "unknown", "since": now})
            status = status or seen["status"]
            if status != seen["status"] or connected != seen.get("connected"):
                seen["since"] = now
            seen.update(connected=connected, status=status, last_error=error, checked_at=now)

    # --- layout --------------------------------------------------------------------------------
    def _layout_config(self, target: str) -> HallConfig:
        """The hall with the printer section of ``target``; a kiosk's own printer keeps the hall's
        footer and logo unless it sets its own."""
        kiosk = self.config.kiosks.get(target.removeprefix("kiosk-")) if target.startswith("kiosk-") else None
        if kiosk is None or not isinstance(kiosk.printer, dict):  # the hall's printer, or a kiosk removed since
            return self.config
        own = kiosk.printer
        inherited = {key: self.config.printer[key] for key in ("footer", "logo") if key in self.config.printer}
        return replace(self.config, printer={**inherited, **own})

    def _renderer(self, target: str):
        """Renders with the setup as it is when the job prints (names changed since print as they are now)."""

        def render(job: dict) -> bytes:
            with self._lock:
                issued = self._issued.pop(job["id"], None)
            # A retry prints the ticket as it is now: people ahead have moved on while the printer was down.
            ticket = issued if issued is not None and job["attempts"] <= 1 else self.engine.ticket(job["ticket_id"])
            return ticket_bytes(ticket, self._layout_config(target), job["track_url"], job["lang"])

        return render


def _agent_status(seen: dict[str, Any]) -> str:
    """A printer-agent's printer status as last reported, or offline while the agent is away."""
    return seen.get("status", "unknown") if seen.get("connected") else "offline"
