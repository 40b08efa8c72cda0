"""The live channel: committed queue events become Socket.IO messages for displays, consoles and phones.

Why it is built this way: the connections are tasks of one asyncio loop (python-socketio's
AsyncServer under uvicorn, queue_server/asgi.py), so thousands of screens and phones cost no thread
each; the Flask app beside it stays threaded. What to send is worked out by one emitter thread, which
reads the database (snapshots, the followed tickets' views) and hands its messages in order to the
loop (queue_server/live_loop.py), so a client receives everything in the emitter's order, its
snapshots (``state``) included.

The emitter follows the committed event log, not this process's commits: it reads the events above
the newest it has published. A commit in this process wakes it at once (the engine's listener, which
runs under the store's write lock, only wakes it); a commit in another server process (``antre run
--workers N``) wakes it through the bus (queue_server/live_bus.py, Redis pub/sub), and in any case
within half a second through the hall's log watch (queue_server/leader.py ``LogWatch``). So every process's clients get every event once and in order,
whichever process committed it, Redis or no Redis, and a restarted process starts from the log.

Protocol (Socket.IO v4, same origin, default namespace ``/``):

Audiences. A client picks one when it connects, by the ``auth`` object or the query string:
  - nothing: the whole hall (lobby displays, consoles, anything general);
  - ``counter=ID``: one counter (the screen above it), unknown id → the connection is refused;
  - ``ticket=ID``: one ticket (the visitor's phone), unknown id → refused;
  - ``kiosk=ID``: a kiosk (any id, or empty for /kiosk without one): it is sent only ``setup``, never the
    hall's traffic nor a snapshot, so a hall's kiosks cost the emitter nothing between setup changes;
  - ``monitor`` (any value): the live monitor (/admin/monitor), staff only: the connection must carry
    the session cookie of a hall or agency admin (401/403 ``Refused`` otherwise). It is sent ``monitor``
    and ``setup`` alone, never a snapshot: the page reads ``GET /api/v1/monitor``, which scopes an
    agency admin to their agency.
  - ``survey=COUNTER``: the survey tablet beside that counter (/survey?counter=ID), which must carry
    the counter's tablet key cookie (``antre survey-key``, /survey/pair; queue_server/skm/tablet.py):
    ticket ids are the survey's tokens, so an unpaired browser is refused (``unauthorized``). It is
    sent ``survey_offer`` and ``setup`` alone: on joining, the offer still open, if any.
``follow`` ``{counter: ID}`` | ``{ticket: ID}`` | ``{}`` switches an open connection to another audience;
it is acknowledged with ``{ok: true}`` or ``{error: {code, message, field}}`` and answered like a connect.

Server → client:
  - ``state`` ``{seq, counters, recent_calls, waiting}`` — the body of ``GET /api/v1/state``; sent on
    connect and on ``sync`` to the hall and counter audiences.
  - ``called`` ``{seq, prev, event_id, at, recall, ticket: {id, number, service, service_name, agency},
    counter: {id, name}, audio_url, caption, play_audio}`` — hall, and the counter's own audience.
    These audiences are public: no message to them names a ticket id (``id`` is null; an id cancels).
  - ``counter`` ``{seq, prev, counter}`` — a counter changed (ticket, serving, open, paused with reason, closed);
    ``counter`` has the shape of an entry of ``state.counters``. Hall, and that counter's audience.
  - ``queue`` ``{seq, prev, waiting: {CODE: n}}`` — a waiting count changed. Hall only.
  - ``ticket`` ``{seq, ticket, events}`` — the followed ticket as ``GET /api/v1/tickets/{id}`` shows it
    (without ``track_url``), on connect, on ``sync``, and whenever it or its place in the queue may
    have changed; ``events`` lists the kinds about this ticket (e.g. ``["recalled"]``). Ticket only.
  - ``setup`` ``{seq, version}`` — the hall's setup changed (queue_server/setup.py): services, counters,
    names, hours, lobby content. Every audience; a page reads its facts again and ``sync``s. Not part of
    the ``seq``/``prev`` chain of the messages above.
  - ``monitor`` ``{seq, kinds}`` — the queue or the monitor's alerts changed (``kinds``: the events'
    kinds, e.g. ``["issued", "alert_started"]``); the page reads ``GET /api/v1/monitor`` again. Monitor only.
  - ``survey_offer`` ``{seq, ticket: {id, number, service_name}, until, seconds}`` — the counter has
    completed this ticket: offer its survey until ``until`` (``seconds`` from now; config
    ``survey.tablet_seconds``). Sent from the committed ``completed`` event, and on joining while
    an offer is open and unanswered. That counter's survey audience only; outside the ``prev`` chain.
Client → server: ``sync`` (send me a fresh snapshot), ``follow`` (above).

Sequence numbers. ``seq`` is the id of the newest event-log row a message reflects: it grows across
restarts (the log is in the database), and ``GET /api/v1/state`` returns the same number. ``prev`` is
the ``seq`` of the previous message sent to the same audience (0 for the first). A client keeps ``base`` (the seq of
its last snapshot) and ``last`` (the seq of the last message it applied):
  1. before its first snapshot, ignore everything;
  2. a message with ``seq <= base`` is already in the snapshot: ignore it;
  3. a message with ``prev > last`` follows one that was missed: ignore it and ``sync``;
  4. otherwise apply it and set ``last = seq``.
On every (re)connect the server sends a snapshot, so a restart or a network cut resyncs the client
with no reload. ``ticket`` messages are whole snapshots: keep the one with the highest ``seq``.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import socketio
from flask import Flask, request
from socketio.exceptions import ConnectionRefusedError

from . import session as console_session
from .connguard import ABORT
from .engine import Event, public_ticket
from .hall import Hall
from .live_bus import LiveBus
from .live_loop import LoopBridge, Message
from .roles import is_admin
from .setup import EVENT as SETUP_CHANGED
from .skm import tablet as survey_tablet

log = logging.getLogger(__name__)

HALL = "hall"
KIOSK = "kiosk"  # an audience that is sent ``setup`` alone
MONITOR = "monitor"  # staff: sent ``monitor`` and ``setup``, never a snapshot
SURVEY = "survey"  # a counter's paired survey tablet: sent ``survey_offer`` and ``setup``
QUIET = (KIOSK, MONITOR)  # audiences that read their facts over HTTP: no snapshot is sent to them
CALLS = ("called", "recalled")
COUNTER_STATUS_EVENTS = ("paused", "resumed", "opened", "closed")  # they move the places of waiting tickets
SNAPSHOT_SECONDS = 2.0  # a snapshot this fresh is good enough for a burst of (re)connecting clients
LOG_BATCH = 500  # events read from the log at a time
MAX_QUEUED = 2000  # packets a client may fall behind (it stopped reading) before it is disconnected
SWEEP_SECONDS = 1.0  # how often connections are checked (unjoined, too far behind)
SETTLE_SECONDS = 5.0  # the longest the emitter waits for the loop to take its last batch
WAKE = "wake"  # a job: read the log now


class Refused(Exception):
    def __init__(self, code: str, message: str, field: str):
        super().__init__(message)
        self.body = {"code": code, "message": message, "field": field}


@dataclass
class _Step:
    """What one pass of the emitter handles: clients asking for a snapshot, and whether to stop (the
    events are read from the log)."""

    syncs: list[str] = field(default_factory=list)
    stop: bool = False


class LiveChannel:
    """One per app: the Socket.IO server, the audiences of its clients, and the emitter thread."""

    def __init__(self, app: Flask, hall: Hall):
        self.hall = hall
        self.sio = socketio.AsyncServer(async_mode="asgi", ping_interval=10, ping_timeout=10, logger=False, engineio_logger=False)
        self.bridge = LoopBridge(app, self.sio)
        self.bus: LiveBus | None = None  # when several server processes share the channel
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._audiences: dict[str, tuple[str, str | None]] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._sweeper: threading.Thread | None = None
        self._out: list[Message] = []  # the emitter's messages not yet handed to the loop
        self._in_flight: Any = None  # the future of the last batch handed to the loop
        self._cursor = 0  # the newest event of the log the emitter has published
        self._baseline: dict | None = None  # the snapshot the audiences were last brought up to
        self._snapshot: tuple[float, dict] | None = None
        self._sent_seq: dict[str, int] = {}
        self._ticket_views: dict[str, dict] = {}
        self.hall.engine.subscribe(self._on_events)
        self.sio.on("connect", self._connect)
        self.sio.on("disconnect", self._disconnect)
        self.sio.on("sync", self._sync)
        self.sio.on("follow", self._follow)

    def use_bus(self, bus: LiveBus) -> None:
        """Share the channel with the hall's other server processes: tell them of this process's
        commits, and read the log when they tell of theirs."""
        self.bus = bus

    def wake(self) -> None:
        """Read the log now (another process committed): from any thread."""
        if self._thread is not None:
            self._jobs.put(WAKE)

    # --- engine side (runs under the store's write lock: wake only) --------------------------------
    def _on_events(self, _events: list[Event]) -> None:
        if self._thread is not None:
            self._jobs.put(WAKE)
        if self.bus is not None:
            self.bus.publish()

    # --- client side (handlers on the loop; what blocks runs in its thread pool) ----------------------
    async def _connect(self, sid: str, environ: dict, auth: Any = None) -> None:
        try:
            audience = await self.bridge.call(self._audience_of_request, auth, environ=environ)
        except Refused as refused:
            raise ConnectionRefusedError(refused.body) from None
        self._start()
        await self._enter(sid, audience)

    async def _disconnect(self, sid: str, reason: Any = None) -> None:
        with self._lock:
            self._audiences.pop(sid, None)

    async def _sync(self, sid: str, _data: Any = None) -> None:
        self._jobs.put(sid)

    async def _follow(self, sid: str, data: Any = None) -> dict:
        try:
            audience = await self.bridge.call(self._audience, data if isinstance(data, dict) else {}, environ=self.sio.get_environ(sid) or {})
        except Refused as refused:
            return {"error": refused.body}
        old = self._audiences.get(sid)
        if old is not None:
            await self.sio.leave_room(sid, _room(old))
        await self._enter(sid, audience)
        return {"ok": True}

    def _audience_of_request(self, auth: Any) -> tuple[str, str | None]:
        return self._audience({**request.args.to_dict(), **(auth if isinstance(auth, dict) else {})})

    def _audience(self, params: dict) -> tuple[str, str | None]:
        counter, ticket = params.get("counter"), params.get("ticket")
        if counter is not None and ticket is not None:
            raise Refused("invalid", "follow either a counter or a ticket, not both", "counter")
        if params.get("kiosk") is not None and counter is None and ticket is None:
            return KIOSK, None
        if params.get(SURVEY) is not None and counter is None and ticket is None:
            return SURVEY, self._paired_tablet(params[SURVEY])
        if params.get(MONITOR) is not None and counter is None and ticket is None:
            return _staff_only(), None
        if counter is not None:
            if not isinstance(counter, str) or counter not in self.hall.config.counters:
                raise Refused("not_found", f"unknown counter {counter!r}", "counter")
            return "counter", counter
        if ticket is not None:
            if not self.hall.engine.has_ticket(ticket):
                raise Refused("not_found", "no ticket with that id", "ticket")
            return "ticket", ticket
        return HALL, None

    def _paired_tablet(self, counter: Any) -> str:
        """The counter whose tablet this connection is: it must carry that counter's key cookie."""
        if not isinstance(counter, str) or counter not in self.hall.config.counters:
            raise Refused("not_found", f"unknown counter {counter!r}", SURVEY)
        key = request.cookies.get(survey_tablet.COOKIE)
        if survey_tablet.tablet_of_key(self.hall.store, [counter], key) != counter:
            raise Refused("unauthorized", "pair this tablet first (antre survey-key, /survey/pair)", SURVEY)
        return counter

    async def _enter(self, sid: str, audience: tuple[str, str | None]) -> None:
        await self.sio.enter_room(sid, _room(audience))
        with self._lock:
            self._audiences[sid] = audience
        if audience[0] not in QUIET:  # a kiosk or the monitor reads its facts over HTTP: no snapshot to send
            self._jobs.put(sid)

    # --- for health and metrics ----------------------------------------------------------------------
    def clients(self) -> dict[str, int]:
        """Connected clients per audience kind (hall, counter, ticket, kiosk, monitor, survey)."""
        with self._lock:
            kinds = [kind for kind, _ in self._audiences.values()]
        return {kind: kinds.count(kind) for kind in (HALL, "counter", "ticket", KIOSK, MONITOR, SURVEY)}

    def health(self) -> dict[str, Any]:
        """Whether messages can go out: the emitter thread runs once a client has connected."""
        started = self._thread is not None
        alive = started and self._thread.is_alive()
        check = {
            "ok": alive or not started,
            "emitter": "running" if alive else ("stopped" if started else "idle"),
            "clients": sum(self.clients().values()),
        }
        if not check["ok"]:
            check["error"] = "the live channel's emitter has stopped: displays get no calls; restart the server"
        return check

    # --- the connections ------------------------------------------------------------------------------
    def disconnect_all(self, wait: float | None = None) -> None:
        """Drop every client's connection, as a server going away does, but at once: a WebSocket never
        ends by itself, so a stopping server would wait its whole grace period for them. Aborted, not
        closed: Engine.IO's close packet would tell the clients (the print agent too) not to reconnect.
        From any thread; waits up to ``wait`` seconds for it (None: not at all)."""
        self.bridge.run(self._abort(list(self.sio.eio.sockets.values())), wait)

    @staticmethod
    async def _abort(sockets: list) -> None:
        """End these Engine.IO sessions: what was still queued for them is dropped, their WebSocket is
        closed by its writer."""
        for sock in sockets:
            while not sock.queue.empty():
                sock.queue.get_nowait()
                sock.queue.task_done()
            await sock.close(wait=False, abort=True)
            sock.queue.put_nowait(None)  # the writer's signal to close the WebSocket

    def _drop(self, eio_sid: str, sock: Any) -> None:
        """End a session whose client stopped reading: its writer is stuck on the full connection, so
        the connection itself is dropped too (the server's ``antre.abort`` scope extension)."""
        scope = (self.sio.environ.get(eio_sid) or {}).get("asgi.scope") or {}
        abort = (scope.get("extensions") or {}).get(ABORT)
        self.bridge.run(self._abort([sock]))
        if abort is not None and self.bridge.attached:
            self.bridge.loop.call_soon_threadsafe(abort)

    def attach(self) -> None:
        """Called by every request the hall's ASGI app serves (queue_server/asgi.py), on uvicorn's loop:
        the first one makes the channel learn the loop and start watching the connections."""
        if not self.bridge.attached:
            self.bridge.attach()
            self._sweeper = threading.Thread(target=self._sweep, name="antre-live-sweep", daemon=True)
            self._sweeper.start()

    def _sweep(self) -> None:
        """Close every connection that has not joined the live channel (a namespace: an audience here,
        the printer-agents' one) within ``connections.join_timeout_seconds`` of being first seen, and
        every one that has fallen ``MAX_QUEUED`` packets behind.

        Why: an Engine.IO connection answers pings by itself, so a client that opens one and never says
        what it follows would hold its place (and its address's share, connections.per_address) for
        ever; a refused connect leaves the same kind of connection behind. Displays and phones join
        within a second of opening. A client that stops reading while its connection stays open would
        make the server keep every message for it."""
        first_seen: dict[str, float] = {}
        while True:
            seconds = self.hall.config.connections.join_timeout_seconds
            try:
                first_seen = self._close_stragglers(first_seen, seconds)
            except Exception:
                log.exception("live channel: checking the connections failed; trying again")
            time.sleep(min(SWEEP_SECONDS, seconds / 2))

    def _close_stragglers(self, first_seen: dict[str, float], seconds: float) -> dict[str, float]:
        """One pass: close the connections unjoined for ``seconds`` or too far behind; returns when the
        other unjoined ones were first seen."""
        now = time.monotonic()
        unjoined: dict[str, float] = {}
        closing = []
        for eio_sid, sock in list(self.sio.eio.sockets.items()):
            if sock.queue.qsize() > MAX_QUEUED:
                log.info("live channel: dropping %s, %d messages behind (it stopped reading)", eio_sid, sock.queue.qsize())
                self._drop(eio_sid, sock)
            elif not self._joined(eio_sid):
                since = first_seen.get(eio_sid, now)
                if now - since >= seconds:
                    log.info("live channel: closing %s, which joined nothing within %s s", eio_sid, seconds)
                    closing.append(sock)
                else:
                    unjoined[eio_sid] = since
        if closing:
            self.bridge.run(self._abort(closing))
        return unjoined

    def _joined(self, eio_sid: str) -> bool:
        manager = self.sio.manager
        return any(manager.sid_from_eio_sid(eio_sid, namespace) for namespace in list(manager.get_namespaces()))

    # --- the emitter thread -------------------------------------------------------------------------
    def _start(self) -> None:
        """Started by the first client: until someone listens there is nobody to tell."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="antre-live", daemon=True)
                self._thread.start()

    def close(self) -> None:
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join(timeout=5)

    def _run(self) -> None:
        self._baseline = self._read_snapshot()
        self._cursor = self._baseline["seq"]
        while True:
            step = self._next_step()
            try:
                self._handle(step)
            except Exception:
                log.exception("live channel: a step failed; clients will resync at their next snapshot")
            finally:
                self._flush()
            if step.stop:
                return

    def _next_step(self) -> _Step:
        """Wait for a wake or a client's sync; then take every job waiting."""
        step = _Step()
        self._take(step, self._jobs.get())
        while not step.stop:
            try:
                self._take(step, self._jobs.get_nowait())
            except queue.Empty:
                break
        return step

    @staticmethod
    def _take(step: _Step, job: Any) -> None:
        if job is None:
            step.stop = True
        elif job != WAKE:
            step.syncs.append(job)

    def _handle(self, step: _Step) -> None:
        self.bridge.settle(self._in_flight, SETTLE_SECONDS)  # the loop is behind: what comes meanwhile is taken at once
        while events := self.hall.engine.events_after(self._cursor, LOG_BATCH):
            self._publish(events)
            if len(events) < LOG_BATCH:
                break
        if step.syncs:
            self._send_snapshots(step.syncs)

    def _publish(self, events: list[Event]) -> None:
        """Calls go out first (they are what people wait for); then what the calls changed, from a
        snapshot, with the calls of the events it shows that were committed meanwhile."""
        self._emit_first(events)
        self._flush()
        self._cursor = events[-1].id  # sent: a step that fails after this never sends these calls twice
        snapshot = self._read_snapshot()
        late = [e for e in self.hall.engine.events_after(events[-1].id, LOG_BATCH) if e.id <= snapshot["seq"]]
        self._emit_first(late)
        events = events + late
        self._cursor = events[-1].id
        self._emit_offers(events)
        self._emit_changes(snapshot)
        self._emit_tickets(events, snapshot["seq"])
        self._baseline = snapshot

    def _emit_first(self, events: list[Event]) -> None:
        """What needs no snapshot: setup changes, the calls, the monitor's nudge."""
        self._emit_setup(events)
        self._emit_calls(events)
        self._emit_monitor(events)

    def _flush(self) -> None:
        """Hand what the emitter has worked out to the loop, in order."""
        messages, self._out = self._out, []
        self._in_flight = self.bridge.send(messages) or self._in_flight

    def _send(self, event: str, body: Any, to: str | None = None) -> None:
        self._out.append((event, body, to, None))

    def _emit_setup(self, events: Iterable[Event]) -> None:
        """A changed setup goes to every client, whatever it follows: each reads its facts again, from
        this process, so this process takes the new setup first if it has not yet (one stored by
        another process or by ``antre config import``, which its setup watch would find later)."""
        for event in events:
            if event.kind == SETUP_CHANGED:
                if (event.details.get("version") or 0) > self.hall.setup.version:
                    self.hall.setup.catch_up()
                self._send("setup", {"seq": event.id, "version": event.details.get("version")})

    def _emit_monitor(self, events: list[Event]) -> None:
        """Nearly every event moves a waiting count, a counter or an alert: the monitor pages read again."""
        kinds = list(dict.fromkeys(event.kind for event in events if event.kind != SETUP_CHANGED))
        if kinds:
            self._send(MONITOR, {"seq": max(event.id for event in events), "kinds": kinds}, to=MONITOR)

    def _emit_calls(self, events: Iterable[Event]) -> None:
        for event in events:
            if event.kind not in CALLS or not event.ticket:
                continue
            body = self._called(event)
            self._emit("called", body, HALL, event.id)
            if event.counter_id:
                self._emit("called", body, _room(("counter", event.counter_id)), event.id)

    def _emit_offers(self, events: list[Event]) -> None:
        """A completed ticket's survey goes to the tablet beside its counter, if the hall runs the survey."""
        if not self.hall.config.survey.enabled:
            return
        now = self.hall.engine.clock()
        for event in events:
            if event.kind == "completed" and event.ticket and event.counter_id:
                body = survey_tablet.offer(self.hall, event.id, event.ticket, event.at, now)
                self._send("survey_offer", body, to=_room((SURVEY, event.counter_id)))

    def _emit_changes(self, snapshot: dict) -> None:
        before = {c["id"]: c for c in self._baseline["counters"]}
        seq = snapshot["seq"]
        for counter in snapshot["counters"]:
            if before.get(counter["id"]) != counter:
                self._emit("counter", {"counter": counter}, HALL, seq)
                self._emit("counter", {"counter": counter}, _room(("counter", counter["id"])), seq)
        if snapshot["waiting"] != self._baseline["waiting"]:
            self._emit("queue", {"waiting": snapshot["waiting"]}, HALL, seq)

    def _emit_tickets(self, events: list[Event], seq: int) -> None:
        """A followed ticket is looked at again when it was in the events or its service's queue moved.

        They are all computed in one pass (``Engine.ticket_views``): one read, each counter's queue put
        in call order once. One at a time, 150 phones in a queue of 300 cost the emitter, which also
        serves every display, some 300 ms per step."""
        followed = self._followed_tickets()
        self._ticket_views = {t: v for t, v in self._ticket_views.items() if t in followed}
        kinds: dict[str, list[str]] = {}
        for event in events:
            if event.ticket:
                kinds.setdefault(event.ticket["id"], []).append(event.kind)
        touched = self._touched_services(events)
        due = [t for t in followed if t in kinds or t not in self._ticket_views or self._ticket_views[t]["service"] in touched]
        views = self.hall.engine.ticket_views(due) if due else {}
        for ticket_id, view in views.items():
            self._send_view(view, seq, kinds.get(ticket_id, []), to=_room(("ticket", ticket_id)), only_if_changed=True)

    def _touched_services(self, events: list[Event]) -> set[str]:
        services: set[str] = set()
        for event in events:
            if event.ticket:
                services.add(event.ticket["service"])
            services.update(v for k, v in event.details.items() if k in ("from_service", "to_service") and v)
            if event.kind in COUNTER_STATUS_EVENTS and event.counter_id in self.hall.config.counters:
                services.update(self.hall.config.counters[event.counter_id].services)
        # A ticket's place is counted over every service of its counters (call_order.py): a B ticket
        # called at a counter serving A and B moves the A tickets' places too.
        config = self.hall.config
        return services | {shared for code in services for c in config.counters_for_service(code) for shared in c.services}

    def _send_snapshots(self, sids: list[str]) -> None:
        snapshot = self._fresh_snapshot()
        with self._lock:
            audiences = {sid: self._audiences.get(sid) for sid in dict.fromkeys(sids)}
        # Phones reconnecting together (after a restart, a network cut) get their views from one pass.
        followed = {a[1] for a in audiences.values() if a is not None and a[0] == "ticket"}
        views = self.hall.engine.ticket_views(followed) if followed else {}
        for sid, audience in audiences.items():
            if audience is None or audience[0] in QUIET:
                continue  # gone meanwhile, or a kiosk or monitor (they ask for no snapshot)
            if audience[0] == "ticket":
                if audience[1] in views:
                    self._send_view(views[audience[1]], snapshot["seq"], [], to=sid)
            elif audience[0] == SURVEY:
                self._send_open_offer(audience[1], to=sid)
            else:
                self._send("state", snapshot, to=sid)

    def _send_open_offer(self, counter: str, to: str) -> None:
        offer = survey_tablet.open_offer(self.hall, counter)
        if offer is not None:
            self._send("survey_offer", offer, to=to)

    def _send_view(self, view: dict, seq: int, kinds: list[str], to: str, only_if_changed: bool = False) -> None:
        if only_if_changed and not kinds and self._ticket_views.get(view["id"]) == view:
            return
        self._ticket_views[view["id"]] = view
        self._send("ticket", {"seq": seq, "ticket": view, "events": kinds}, to=to)

    def _emit(self, name: str, body: dict, room: str, seq: int) -> None:
        """Stamp ``seq`` (never lower than what the audience already got) and ``prev``, then send."""
        prev = self._sent_seq.get(room, 0)  # 0: nothing sent to this audience yet, so nothing to miss
        seq = max(seq, prev)
        self._sent_seq[room] = seq
        self._send(name, {"seq": seq, "prev": prev, **body}, to=room)

    # --- reading ------------------------------------------------------------------------------------
    def _read_snapshot(self) -> dict:
        state = self.hall.engine.state()
        snapshot = {"seq": state.pop("last_event"), **state}
        self._snapshot = (time.monotonic(), snapshot)
        return snapshot

    def _fresh_snapshot(self) -> dict:
        if self._snapshot and time.monotonic() - self._snapshot[0] < SNAPSHOT_SECONDS:
            return self._snapshot[1]
        return self._read_snapshot()

    def _followed_tickets(self) -> set[str]:
        with self._lock:
            return {key for kind, key in self._audiences.values() if kind == "ticket" and key}

    def _called(self, event: Event) -> dict:
        ticket = event.ticket
        service = self.hall.config.services.get(ticket["service"])
        counter = self.hall.config.counters.get(event.counter_id)
        audio_url, caption = self._audio(event)
        return {
            "event_id": event.id,
            "at": event.at,
            "recall": event.kind == "recalled",
            "ticket": public_ticket(
                {
                    "id": ticket["id"],
                    "number": ticket["number"],
                    "service": ticket["service"],
                    "service_name": service.name if service else ticket["service"],
                    "agency": service.agency if service else "",
                }
            ),
            "counter": {
                "id": event.counter_id,
                "name": event.details.get("counter_name") or (counter.name if counter else event.counter_id),
            },
            "audio_url": audio_url,
            "caption": caption,
            # false when the hall's speakers hang on the server (announcements.output: server): displays stay silent
            "play_audio": getattr(self.hall.announcer, "play_audio", False),
        }

    def _audio(self, event: Event) -> tuple[str | None, str | None]:
        """The announcement's URL and caption; without an announcer, a URL that answers 404 JSON."""
        announcer = self.hall.announcer
        if announcer is None:
            return f"/api/v1/audio/call-{event.id}.wav", None
        try:
            key = announcer.audio_key(event)
            return (announcer.audio_url(key) if key else None), announcer.caption(event)
        except Exception:
            log.exception("live channel: no audio for event %s", event.id)
            return None, None


def _staff_only() -> str:
    """The monitor audience, for the session of a hall or agency admin only: refused otherwise."""
    officer = console_session.officer()
    if officer is None:
        raise Refused("unauthorized", "log in first", MONITOR)
    if not is_admin(officer):
        raise Refused("forbidden", "administrators only", MONITOR)
    return MONITOR


def _room(audience: tuple[str, str | None]) -> str:
    kind, key = audience
    if kind in (HALL, *QUIET):
        return kind
    return f"{kind}:{key}"


def init_live(app: Flask, hall: Hall) -> LiveChannel:
    """Attach the live channel for ``hall`` to ``app`` (the factory keeps it as ``hall.live``;
    SocketIO keeps itself in ``app.extensions["socketio"]``)."""
    return LiveChannel(app, hall)
