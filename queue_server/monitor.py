"""The live monitor: per service, who waits and for how long against the service's target, which
counters serve it, and the alerts that need the hall manager now.

The rule (``alerts_for``, the one place it is written):
  - ``over_target``: the longest wait of a service now passes its ``target_wait_minutes``;
  - ``no_open_counter``: a service has visitors waiting and none of its counters is open. A paused
    counter is not open: its officer is away, so nobody is being served there.

Alerts are kept in the event log, the single source of truth: ``alert_started`` {alert, service,
details} when one becomes true and ``alert_ended`` {alert, service, minutes, started_id} when it no
longer is. The watcher (``MonitorWatch``) evaluates the rule after queue events and every
``TICK_SECONDS`` (a wait passes its target with no event at all), commits the transitions, then hands
them to the engine's listeners (the live channel tells the monitor pages). It starts from the alerts
the log has open: after a restart one still true continues (no second start), one no longer true ends.
Its thread starts with the server (app.py) and stops when the store closes, finishing any write first.

Plain Python, no Flask: the web layer (admin/monitor.py) and the tests call it with the hall's clock.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from . import availability
from .availability import CLOSED, OPEN, PAUSED
from .clock import iso, parse_iso
from .config import HallConfig
from .engine import Engine, Event
from .periodic import Periodic
from .store import Store

log = logging.getLogger(__name__)

OVER_TARGET = "over_target"
NO_OPEN_COUNTER = "no_open_counter"
ALERTS = (OVER_TARGET, NO_OPEN_COUNTER)
STARTED = "alert_started"
ENDED = "alert_ended"
KINDS = (STARTED, ENDED)
TICK_SECONDS = 15.0  # a wait passes its target between events: looked at again this often
SETTLE_SECONDS = 1.0  # a burst of queue events is looked at once, not once per event


def alerts_for(waiting: int, longest_wait_minutes: float | None, target_wait_minutes: int, counters_open: int) -> list[str]:
    """The alerts a service raises now (the rule; see the module docstring)."""
    alerts = []
    if longest_wait_minutes is not None and longest_wait_minutes > target_wait_minutes:
        alerts.append(OVER_TARGET)
    if waiting and not counters_open:
        alerts.append(NO_OPEN_COUNTER)
    return alerts


def minutes_between(start: datetime, end: datetime) -> float:
    return round(max(0.0, (end - start).total_seconds()) / 60, 1)


def service_rows(config: HallConfig, heads: dict[str, dict], states: dict[str, dict], now: datetime) -> list[dict]:
    """Every service of the hall as the monitor shows it, in the config's order, with its alerts."""
    rows = []
    for code, service in config.services.items():
        head = heads.get(code, {"waiting": 0, "since": None})
        statuses = [availability.status_of(states.get(c.id)) for c in config.counters_for_service(code)]
        counters = {status: statuses.count(status) for status in (OPEN, PAUSED, CLOSED)}
        longest = minutes_between(parse_iso(head["since"]), now) if head["since"] else None
        rows.append(
            {
                "code": code,
                "name": service.name,
                "agency": service.agency,
                "waiting": head["waiting"],
                "longest_wait_minutes": longest,
                "target_wait_minutes": service.target_wait_minutes,
                "counters": counters,
                "alerts": alerts_for(head["waiting"], longest, service.target_wait_minutes, counters[OPEN]),
            }
        )
    return rows


def read_services(engine: Engine) -> tuple[int, list[dict]]:
    """(the newest event's id, every service's row) as the database has them now, in one snapshot.
    Tickets of an earlier day still waiting are yesterday's leftovers (the engine expires them at the
    day's first operation): they wait for nothing and raise no alert."""
    now = engine.clock()
    with engine.store.read() as tx:
        heads = tx.waiting_heads(engine.today())
        states = tx.counter_states()
        seq = tx.last_event_id()
    return seq, service_rows(engine.hall, heads, states, now)


def state(engine: Engine, agency: str | None = None) -> dict:
    """The body of ``GET /api/v1/monitor``: the services (of one agency, or all) and their alerts
    now, each alert with when the log says it started (null until the watcher has recorded it)."""
    seq, rows = read_services(engine)
    if agency is not None:
        rows = [row for row in rows if row["agency"] == agency]
    with engine.store.read() as tx:
        started = {(e["details"]["alert"], e["details"]["service"]): e["at"] for e in tx.open_alerts()}
    alerts = [
        {
            "alert": alert,
            "service": row["code"],
            "service_name": row["name"],
            "agency": row["agency"],
            "started_at": started.get((alert, row["code"])),
        }
        for row in rows
        for alert in row["alerts"]
    ]
    return {"at": iso(engine.clock()), "seq": seq, "services": rows, "alerts": alerts}


def logged_alerts(engine: Engine, from_day: str, to_day: str, agency: str | None = None) -> list[dict]:
    """The alerts that ran on the hall's local days ``from_day``..``to_day`` (inclusive), oldest
    first, with start, end (null while it runs) and duration in minutes (so far, while it runs)."""
    zone = engine.hall.timezone
    since = datetime.combine(date.fromisoformat(from_day), time(), zone)
    until = datetime.combine(date.fromisoformat(to_day) + timedelta(days=1), time(), zone)
    now = engine.clock()
    with engine.store.read() as tx:
        rows = tx.alerts_between(iso(since), iso(until))
    alerts = []
    for row in rows:
        service = engine.hall.service(row["details"]["service"])
        if agency is not None and service.agency != agency:
            continue
        end = parse_iso(row["ended_at"]) if row["ended_at"] else now
        alerts.append(
            {
                "id": row["id"],
                "alert": row["details"]["alert"],
                "service": service.code,
                "service_name": service.name,
                "agency": service.agency,
                "started_at": row["at"],
                "ended_at": row["ended_at"],
                "minutes": minutes_between(parse_iso(row["at"]), end),
                "details": row["details"].get("details", {}),
            }
        )
    return alerts


@dataclass(frozen=True)
class _Open:
    """An alert running, as the log has it: the id and time of its ``alert_started``."""

    id: int
    at: str


class MonitorWatch:
    """Records the alerts' transitions in the log, one evaluation at a time (commit, then publish)."""

    def __init__(self, engine: Engine, store: Store):
        self.engine = engine
        self.store = store
        self._open: dict[tuple[str, str], _Open] | None = None  # read from the log at the first evaluation
        self._lock = threading.Lock()
        self._periodic = Periodic(
            "antre-monitor",
            TICK_SECONDS,
            self.evaluate,
            failure="monitor: evaluating the alerts failed; trying again",
            log=log,
            first=True,
            settle=SETTLE_SECONDS,
        )
        engine.subscribe(self._on_events)
        store.before_close(self.close)

    def _on_events(self, events: list[Event]) -> None:
        """Runs under the store's write lock: only note that something may have changed."""
        if any(event.kind not in KINDS for event in events):
            self._periodic.wake()

    def wake(self) -> None:
        """Evaluate soon (the tick does it anyway; tests that move the clock do not wait for it)."""
        self._periodic.wake()

    def evaluate(self) -> list[Event]:
        """Compare the rule now with the alerts the log has open; record and publish the differences."""
        with self._lock:
            if self._periodic.stopped:
                return []
            if self._open is None:
                with self.store.read() as tx:
                    self._open = {(e["details"]["alert"], e["details"]["service"]): _Open(e["id"], e["at"]) for e in tx.open_alerts()}
            _, rows = read_services(self.engine)
            now = self.engine.clock()
            true_now = {(alert, row["code"]): row for row in rows for alert in row["alerts"]}
            starting = [key for key in true_now if key not in self._open]
            ending = [key for key in self._open if key not in true_now]
            if not starting and not ending:
                return []
            events = self._record(now, [(key, true_now[key]) for key in starting], ending)
            self.engine.publish(events)  # under the lock: two evaluations are told in their commits' order
        return events

    def _record(self, now: datetime, starting: Iterable[tuple[tuple[str, str], dict]], ending: list[tuple[str, str]]) -> list[Event]:
        at = iso(now)
        events = []
        with self.store.write() as tx:
            for (alert, service), opened in [(key, self._open[key]) for key in ending]:
                details = {
                    "alert": alert,
                    "service": service,
                    "minutes": minutes_between(parse_iso(opened.at), now),
                    "started_id": opened.id,
                }
                events.append(Event(tx.add_event(at, ENDED, None, None, None, details), ENDED, at, None, None, None, details))
            for (alert, service), row in starting:
                facts = {key: row[key] for key in ("waiting", "longest_wait_minutes", "target_wait_minutes")}
                details = {"alert": alert, "service": service, "details": {**facts, "counters": row["counters"]}}
                events.append(Event(tx.add_event(at, STARTED, None, None, None, details), STARTED, at, None, None, None, details))
        for key in ending:
            del self._open[key]
        for event in events:
            if event.kind == STARTED:
                self._open[event.details["alert"], event.details["service"]] = _Open(event.id, event.at)
        return events

    # --- the thread -----------------------------------------------------------------------------
    def start(self) -> None:
        self._periodic.start()

    def close(self) -> None:
        """Stop; an evaluation under way, by the thread or a request, finishes first (the store
        closes after this returns)."""
        self._periodic.close()
        with self._lock:
            pass
