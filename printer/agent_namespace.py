"""The server's side of the printer-agents: a Socket.IO namespace on the hall's live channel.

The protocol both ends speak is in agent_protocol.py. New jobs are pushed by one thread of this
namespace: the request that issued the ticket never waits for laying it out.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import queue
import secrets
import threading
from functools import partial
from typing import TYPE_CHECKING, Any

import socketio
from antre.queue_server.live_loop import LoopBridge
from antre.queue_server.store import Store
from socketio.exceptions import ConnectionRefusedError

from .agent_protocol import NAMESPACE, STATUSES
from .jobs import AGENT
from .service import Printing

if TYPE_CHECKING:
    from antre.queue_server.live import LiveChannel

log = logging.getLogger(__name__)


def issue_agent_key(store: Store, kiosk: str) -> str:
    """A new key for a kiosk's agent (replacing any earlier one); shown once, stored as a digest."""
    key = secrets.token_urlsafe(24)
    with store.write() as tx:
        tx.set_meta(f"agent_key:{kiosk}", hashlib.sha256(key.encode()).hexdigest())
    return key


class PrinterAgents(socketio.AsyncNamespace):
    """The namespace's handlers run on the live channel's loop; what they do with the database (the
    key, the jobs) runs in its thread pool (``LoopBridge.call``)."""

    def __init__(self, printing: Printing, store: Store, bridge: LoopBridge):
        super().__init__(NAMESPACE)
        self.printing = printing
        self.store = store
        self.bridge = bridge
        self._sids: dict[str, str] = {}  # sid -> kiosk
        self._lock = threading.Lock()
        self._new: queue.SimpleQueue = queue.SimpleQueue()
        self._pusher: threading.Thread | None = None
        printing.agents.subscribe(self._job_changed)

    # --- Socket.IO events --------------------------------------------------------------------
    async def on_connect(self, sid: str, environ: dict, auth: Any = None) -> None:
        kiosk = await self.bridge.call(self._admit, auth)
        with self._lock:
            self._sids[sid] = kiosk
        await self.enter_room(sid, kiosk)
        await self.bridge.call(partial(self.printing.agent_seen, kiosk, connected=True))

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        with self._lock:
            kiosk = self._sids.pop(sid, None)
            still = kiosk in self._sids.values()
        if kiosk is not None and not still:
            await self.bridge.call(partial(self.printing.agent_seen, kiosk, connected=False))

    async def on_ready(self, sid: str, data: Any = None) -> None:
        kiosk = self._kiosk(sid)
        jobs = await self.bridge.call(self._ready, kiosk, data)
        for job, payload in jobs:
            await self.emit("job", _job_message(job, payload), to=sid)

    async def on_ack(self, sid: str, data: Any = None) -> dict:
        kiosk = self._kiosk(sid)
        job_id = data.get("id") if isinstance(data, dict) else None
        try:
            await self.bridge.call(self.printing.agents.acknowledge, int(job_id), kiosk)
        except (KeyError, TypeError, ValueError):
            return {"error": f"kiosk {kiosk} has no print job {job_id!r}"}
        return {"ok": True}

    async def on_status(self, sid: str, data: Any = None) -> None:
        await self.bridge.call(self._report, self._kiosk(sid), data)

    # --- helpers (in the thread pool) --------------------------------------------------------
    def _admit(self, auth: Any) -> str:
        """The kiosk whose agent this is, if its key is right; refused otherwise."""
        auth = auth if isinstance(auth, dict) else {}
        kiosk, key = auth.get("kiosk"), auth.get("key")
        if self.printing.target_for(kiosk) != AGENT:
            raise ConnectionRefusedError(f"kiosk {kiosk!r} does not print through a printer-agent (config kiosks[].printer: agent)")
        with self.store.read() as tx:
            digest = tx.meta(f"agent_key:{kiosk}")
        given = hashlib.sha256(str(key).encode()).hexdigest()
        if digest is None or not hmac.compare_digest(digest, given):
            raise ConnectionRefusedError(f"wrong or missing key for kiosk {kiosk}; make one with: antre printer-agent-key {kiosk}")
        return kiosk

    def _ready(self, kiosk: str, data: Any) -> list:
        self._report(kiosk, data)
        return list(self.printing.agents.deliverable(kiosk))

    def _kiosk(self, sid: str) -> str:
        with self._lock:
            return self._sids[sid]

    def _report(self, kiosk: str, data: Any) -> None:
        data = data if isinstance(data, dict) else {}
        status = data.get("status") if data.get("status") in STATUSES else None
        error = str(data["error"])[:300] if data.get("error") else None
        self.printing.agent_seen(kiosk, connected=True, status=status, error=error)
        if error and isinstance(data.get("job"), int):
            with contextlib.suppress(KeyError):
                self.printing.agents.report_error(data["job"], kiosk, error)

    def _job_changed(self, job: dict) -> None:
        if job["status"] == "pending":
            self._push(job["kiosk"])

    def poke(self) -> None:
        """Some server process committed work (queue_server/leader.py ``LogWatch``): jobs it stored
        for the agents connected to this process are pushed now, as this process's own would be."""
        with self._lock:
            kiosks = set(self._sids.values())
        for kiosk in kiosks:
            self._push(kiosk)

    def _push(self, kiosk: str) -> None:
        with self._lock:
            if self._pusher is None:  # started with the first agent job, not with every app
                self._pusher = threading.Thread(target=self._push_new_jobs, name="printer-agent-push", daemon=True)
                self._pusher.start()
        self._new.put(kiosk)

    def _push_new_jobs(self) -> None:
        while True:
            kiosk = self._new.get()
            try:
                with self._lock:
                    connected = kiosk in self._sids.values()
                if connected:  # an absent agent gets its jobs when it says ready after connecting
                    jobs = self.printing.agents.deliverable(kiosk, statuses=("pending",))
                    self.bridge.send([("job", _job_message(job, payload), kiosk, NAMESPACE) for job, payload in jobs])
            except Exception:
                log.exception("printer-agent: pushing new jobs to kiosk %s failed; it gets them on its next ready", kiosk)


def _job_message(job: dict, payload: bytes) -> dict:
    return {"id": job["id"], "ticket_id": job["ticket_id"], "data": payload}


def init_printer_agents(live: LiveChannel | None, printing: Printing, store: Store) -> PrinterAgents | None:
    """Register the namespace on the hall's live channel; None when there is none."""
    if live is None:
        return None
    agents = PrinterAgents(printing, store, live.bridge)
    live.sio.register_namespace(agents)
    return agents
