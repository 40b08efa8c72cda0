"""The live channel: committed queue events become Socket.IO messages for displays, consoles and phones.

Why it is built this way: the engine calls its listeners after the commit while holding the store's
write lock, so the listener here only puts the events on a queue. One emitter thread turns them into
messages, in commit order, and is the only code that sends anything; a client's snapshot (``state``)
is sent by that same thread, so what a client receives is always in order with what it was shown.
That thread also writes each WebSocket frame itself (queue_server/live_transport.py) instead of waking a
writer thread per client, which is what kept 500 clients from their latency target.

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

from flask import Flask, request
from flask_socketio import ConnectionRefusedError, SocketIO

from . import live_transport
from . import session as console_session
from .engine import Event, NotFound, public_ticket
from .hall import Hall
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
CATCH_UP_SECONDS = 0.2  # how long to wait for the listener to hand over events a snapshot already shows


class Refused(Exception):
    def __init__(self, code: str, message: str, field: str):
        super().__init__(message)
        self.body = {"code": code, "message": message, "field": field}


@dataclass
class _Step:
    """What one pass of the emitter handles: events in commit order, and clients asking for a snapshot."""

    events: list[Event] = field(default_factory=list)
    syncs: list[str] = field(default_factory=list)
    stop: bool = False


class LiveChannel:
    """One per app: the SocketIO server, the audiences of its clients, and the emitter thread."""

    def __init__(self, app: Flask, hall: Hall):
        self.hall = hall
        self.socketio = SocketIO(app, async_mode="threading", manage_session=False, ping_interval=10, ping_timeout=10)
        self.server = self.socketio.server
        # one writer wake-up per message is what limits 500 clients; False: the stock (slow) path
        self.direct_writes = live_transport.install(self.server.eio)
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._audiences: dict[str, tuple[str, str | None]] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._baseline: dict | None = None  # the snapshot the audiences were last brought up to
        self._snapshot: tuple[float, dict] | None = None
        self._sent_seq: dict[str, int] = {}
        self._ticket_views: dict[str, dict] = {}
        self.hall.engine.subscribe(self._on_events)
        self.socketio.on_event("connect", self._connect)
        self.socketio.on_event("disconnect", self._disconnect)
        self.socketio.on_event("sync", self._sync)
        self.socketio.on_event("follow", self._follow)

    # --- engine side (runs under the store's write lock: enqueue only) -----------------------------
    def _on_events(self, events: list[Event]) -> None:
        if self._thread is not None:
            self._jobs.put(events)

    # --- client side (request threads) --------------------------------------------------------------
    def _connect(self, auth: Any = None) -> None:
        params = {**request.args.to_dict(), **(auth if isinstance(auth, dict) else {})}
        try:
            audience = self._audience(params)
        except Refused as refused:
            raise ConnectionRefusedError(refused.body) from None
        self._start()
        self._enter(request.sid, audience)

    def _disconnect(self, reason: Any = None) -> None:
        with self._lock:
            self._audiences.pop(request.sid, None)

    def _sync(self, _data: Any = None) -> None:
        self._jobs.put(request.sid)

    def _follow(self, data: Any = None) -> dict:
        try:
            audience = self._audience(data if isinstance(data, dict) else {})
        except Refused as refused:
            return {"error": refused.body}
        old = self._audiences.get(request.sid)
        if old is not None:
            self.server.leave_room(request.sid, _room(old))
        self._enter(request.sid, audience)
        return {"ok": True}

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
            try:
                self.hall.engine.ticket(ticket)
            except NotFound:
                raise Refused("not_found", "no ticket with that id", "ticket") from None
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

    def _enter(self, sid: str, audience: tuple[str, str | None]) -> None:
        self.server.enter_room(sid, _room(audience))
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

    # --- the emitter thread -------------------------------------------------------------------------
    def _start(self) -> None:
        """Started by the first client: until someone listens there is nobody to tell."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="antre-live", daemon=True)
                self._thread.start()

    def disconnect_all(self) -> None:
        """Drop every client's connection, as a server going away does, but at once: a WebSocket never
        ends by itself, so a stopping server would wait its whole grace period for them. Aborted, not
        closed: Engine.IO's close packet would tell the clients (the print agent too) not to reconnect."""
        for sock in list(self.server.eio.sockets.values()):
            sock.close(wait=False, abort=True)

    def close_unjoined(self, seconds: float) -> None:
        """Close, from now on, every connection that has not joined the live channel (a namespace: an
        audience here, the printer-agents' one) within ``seconds`` of being first seen.

        Why: an Engine.IO connection costs a thread while its WebSocket is open and answers pings by
        itself, so a client that opens one and never says what it follows would hold that thread for
        ever. A refused connect (an unknown counter, a wrong agent key) leaves the same kind of
        connection behind. Displays and phones join within a second of opening.
        """
        thread = threading.Thread(target=self._sweep_unjoined, args=(seconds,), name="antre-live-joins", daemon=True)
        thread.start()

    def _sweep_unjoined(self, seconds: float) -> None:
        first_seen: dict[str, float] = {}
        while True:
            try:
                first_seen = self._close_unjoined(first_seen, seconds)
            except Exception:
                log.exception("live channel: checking for unjoined connections failed; trying again")
            time.sleep(min(1.0, seconds / 2))

    def _close_unjoined(self, first_seen: dict[str, float], seconds: float) -> dict[str, float]:
        """One pass: close the connections unjoined for ``seconds``; returns when the others were first seen."""
        now = time.monotonic()
        unjoined: dict[str, float] = {}
        for eio_sid, sock in list(self.server.eio.sockets.items()):
            if self._joined(eio_sid):
                continue
            since = first_seen.get(eio_sid, now)
            if now - since >= seconds:
                log.info("live channel: closing %s, which joined nothing within %s s", eio_sid, seconds)
                sock.close(wait=False, abort=True)
            else:
                unjoined[eio_sid] = since
        return unjoined

    def _joined(self, eio_sid: str) -> bool:
        manager = self.server.manager
        return any(manager.sid_from_eio_sid(eio_sid, namespace) for namespace in list(manager.get_namespaces()))

    def close(self) -> None:
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join(timeout=5)

    def _run(self) -> None:
        self._baseline = self._read_snapshot()
        while True:
            step = self._next_step()
            try:
                self._handle(step)
            except Exception:
                log.exception("live channel: a step failed; clients will resync at their next snapshot")
            if step.stop:
                return

    def _next_step(self) -> _Step:
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
        elif isinstance(job, str):
            step.syncs.append(job)
        else:
            step.events.extend(job)

    def _handle(self, step: _Step) -> None:
        if step.events:
            self._publish(step)
        if step.syncs:
            self._send_snapshots(step.syncs)

    def _publish(self, step: _Step) -> None:
        """Calls go out first (they are what people wait for); then what the calls changed."""
        self._emit_setup(step.events)
        self._emit_calls(step.events)
        self._emit_monitor(step.events)
        snapshot = self._read_snapshot()
        late = self._catch_up(step, snapshot["seq"])
        self._emit_calls(late)
        events = step.events + late
        self._emit_offers(events)
        self._emit_changes(snapshot)
        self._emit_tickets(events, snapshot["seq"])
        self._baseline = snapshot

    def _catch_up(self, step: _Step, seq: int) -> list[Event]:
        """Events the snapshot already shows but the listener has not handed over yet (it runs just
        after the commit): wait briefly for them, so the next step never goes back in ``seq``."""
        late: list[Event] = []
        newest = max(e.id for e in step.events)
        deadline = time.monotonic() + CATCH_UP_SECONDS
        while newest < seq and not step.stop:
            try:
                job = self._jobs.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            extra = _Step()
            self._take(extra, job)
            late.extend(extra.events)
            step.syncs.extend(extra.syncs)
            step.stop = extra.stop
            newest = max([newest, *(e.id for e in extra.events)])
        return late

    def _emit_setup(self, events: Iterable[Event]) -> None:
        """A changed setup goes to every client, whatever it follows: each reads its facts again."""
        for event in events:
            if event.kind == SETUP_CHANGED:
                self.server.emit("setup", {"seq": event.id, "version": event.details.get("version")})

    def _emit_monitor(self, events: list[Event]) -> None:
        """Nearly every event moves a waiting count, a counter or an alert: the monitor pages read again."""
        kinds = list(dict.fromkeys(event.kind for event in events if event.kind != SETUP_CHANGED))
        if kinds:
            self.server.emit(MONITOR, {"seq": max(event.id for event in events), "kinds": kinds}, to=MONITOR)

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
                self.server.emit("survey_offer", body, to=_room((SURVEY, event.counter_id)))

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
                self.server.emit("state", snapshot, to=sid)

    def _send_open_offer(self, counter: str, to: str) -> None:
        offer = survey_tablet.open_offer(self.hall, counter)
        if offer is not None:
            self.server.emit("survey_offer", offer, to=to)

    def _send_view(self, view: dict, seq: int, kinds: list[str], to: str, only_if_changed: bool = False) -> None:
        if only_if_changed and not kinds and self._ticket_views.get(view["id"]) == view:
            return
        self._ticket_views[view["id"]] = view
        self.server.emit("ticket", {"seq": seq, "ticket": view, "events": kinds}, to=to)

    def _emit(self, name: str, body: dict, room: str, seq: int) -> None:
        """Stamp ``seq`` (never lower than what the audience already got) and ``prev``, then send."""
        prev = self._sent_seq.get(room, 0)  # 0: nothing sent to this audience yet, so nothing to miss
        seq = max(seq, prev)
        self._sent_seq[room] = seq
        self.server.emit(name, {"seq": seq, "prev": prev, **body}, to=room)

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
