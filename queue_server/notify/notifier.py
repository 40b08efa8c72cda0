"""The notifier: a follower of the committed event log that turns events into deliveries, and one
worker thread per channel that sends them.

Why the log and not the engine's in-process callbacks: the cursor (``meta``) makes a restart resume
where it stopped, a second server process could follow the same log, and the deliveries' UNIQUE
keys mean a message read twice is still queued once. The follower is woken by the engine's listener
after each commit and runs at once (a call's message should reach the phone in well under a second);
its writes queue in the engine's group commit. Each channel's worker sends outside every transaction
and retries with growing pauses (1, 2, 4, ... s, at most ``MAX_BACKOFF_SECONDS``), so a gateway that
hangs or fails holds up only its own later deliveries, never a call, never another channel.

Backoff pauses run on the real clock, not the hall's: they are about a network, not the queue.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from ..clock import Clock, iso, system_clock
from ..config import HallConfig
from ..ratelimit import SlidingWindow
from ..store import Store
from . import messages
from .channels import Channel, Undeliverable
from .messages import Message
from .store import NotifyStore

log = logging.getLogger(__name__)
BATCH = 200
LOOK_SECONDS = 5.0  # the follower looks for due reminders (and a closed store) at least this often
MAX_BACKOFF_SECONDS = 300
SUBSCRIBES_PER_ADDRESS_PER_HOUR = 30
FOLLOWED_KINDS = frozenset({"issued", "called", "recalled", "cancelled", "expired", "completed", "no_show", "transferred", "voided"})


class Notifier:
    def __init__(self, store: Store, config: HallConfig, clock: Clock, ticket_views: Callable[[Iterable[str]], dict[str, dict]]):
        self.store = NotifyStore(store)
        self.config = config
        self.clock = clock
        self.ticket_views = ticket_views  # the engine's views of tickets (their ``waiting_ahead``), in one pass
        self.channels: list[Channel] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._workers: dict[str, _Worker] = {}
        # failed subscribe and unsubscribe requests per client address (queue_server/notify_api.py)
        self.subscribers = SlidingWindow(SUBSCRIBES_PER_ADDRESS_PER_HOUR, timedelta(hours=1), clock)
        store.before_close(self.close)

    def reconfigure(self, config: HallConfig) -> None:
        self.config = config

    def settings(self):
        return self.config.notifications

    def add_channel(self, channel: Channel) -> None:
        """Register a channel (before ``start``): the hall's own, beside push and the webhook."""
        self.channels.append(channel)

    # --- from the log to deliveries -----------------------------------------------------------
    def catch_up(self) -> int:
        """Queue the deliveries of every event committed so far, then the "N more before you" and
        the reminders now due; returns how many events were read. The events' own messages (a call)
        go to the workers first: the places of followed tickets take longer to work out."""
        read, moved = 0, False
        with self._lock:
            while events := self.store.events_after(after := self.store.cursor(), BATCH):
                made, carried = self._messages(events)
                if self.store.queue(self._deliveries(made), after, events[-1]["id"], carried):
                    read += len(events)
                    moved = moved or any(e["kind"] in FOLLOWED_KINDS or e["counter_id"] for e in events)
                self._wake_workers()
            later = (self._ahead(iso(self.clock())) if moved else []) + self._reminders()
            self.store.add_deliveries(self._deliveries(later))
        self._wake_workers()
        return read

    def _messages(self, events: list[dict]) -> tuple[list[Message], list[tuple[str, str]]]:
        made, carried = [], []
        for event in events:
            kind, details = event["kind"], event["details"]
            if kind in ("called", "recalled"):
                ticket = self.store.ticket(event["ticket_id"])
                if ticket is not None:
                    made.append(messages.called(event, ticket, self.store.booking(ticket_id=ticket["id"])))
            elif kind == "issued" and details.get("booking") is not None:
                carried.append((str(details["booking"]), event["ticket_id"]))
            elif kind == "booked":
                booking = self.store.booking(booking_id=details.get("booking"))
                if booking is not None:
                    made.append(messages.booked(booking, event["at"], self._service_name(booking["service"]), self.config.timezone))
        return made, carried

    def _ahead(self, at: str) -> list[Message]:
        """"N more before you" for each followed waiting ticket now ``notifications.ahead`` or fewer
        from its turn (its delivery keys make it once per ticket)."""
        limit, made = self.settings().ahead, []
        for ticket_id, view in self.ticket_views(self.store.followed_waiting(limit)).items():
            places = view.get("waiting_ahead")
            if places is not None and 0 < places <= limit:
                ticket = self.store.ticket(ticket_id)
                made.append(messages.ahead(ticket, places, at, self.store.booking(ticket_id=ticket_id)))
        return made

    def _reminders(self) -> list[Message]:
        now = self.clock()
        until = now + timedelta(minutes=self.config.booking.reminder_minutes)
        return [
            messages.reminder(booking, iso(now), self._service_name(booking["service"]), self.config.timezone)
            for booking in self.store.bookings_starting(iso(now), iso(until))
        ]

    def _service_name(self, code: str) -> str:
        service = self.config.services.get(code)
        return service.name if service else code

    def _deliveries(self, made: list[Message]) -> list[dict]:
        rows = []
        for message in made:
            text = json.dumps(message.as_json(), ensure_ascii=False)
            for channel in self.channels:
                for target in channel.targets(message):
                    rows.append(
                        {
                            "key": f"{message.kind}:{message.ref}:{channel.name}:{target}",
                            "channel": channel.name,
                            "target": target,
                            "kind": message.kind,
                            "message": text,
                            "created_at": _now(),
                        }
                    )
        return rows

    # --- threads ------------------------------------------------------------------------------
    def wake(self, _events: object = None) -> None:
        """The engine's listener: cheap, it only tells the follower there is work."""
        self._wake.set()

    def start(self) -> None:
        if self._threads:
            return
        self.store.start_cursor()
        for channel in self.channels:
            worker = self._workers[channel.name] = _Worker(self.store, channel, self._stop)
            self._threads.append(threading.Thread(target=worker.run, name=f"antre-notify-{channel.name}", daemon=True))
        self._threads.append(threading.Thread(target=self._follow, name="antre-notify", daemon=True))
        for thread in self._threads:
            thread.start()

    def close(self) -> None:
        """Stop the threads and wait for them: none may be inside a write when the store closes (a
        worker in the middle of a request finishes it, at most its channel's timeout)."""
        self._stop.set()
        self._wake.set()
        self._wake_workers()
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join()

    def _wake_workers(self) -> None:
        for worker in self._workers.values():
            worker.wake.set()

    def _follow(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(LOOK_SECONDS)
            self._wake.clear()
            if self._stop.is_set() or self.store.store.closed:
                return
            try:
                self.catch_up()
            except Exception:  # the next wake tries again
                log.exception("notifications: could not follow the latest events")


class _Worker:
    """One channel's sender: the due deliveries in order, each outside every transaction."""

    def __init__(self, store: NotifyStore, channel: Channel, stop: threading.Event):
        self.store = store
        self.channel = channel
        self.stop = stop
        self.wake = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                for delivery in self.store.due(self.channel.name, _now()):
                    if self.stop.is_set():
                        return
                    self._send(delivery)
                wait = self._seconds_to_next()
            except Exception:
                log.exception("notifications: the %s channel's worker failed; it goes on", self.channel.name)
                wait = LOOK_SECONDS
            self.wake.wait(wait)
            self.wake.clear()

    def _send(self, delivery: dict) -> None:
        attempts = delivery["attempts"] + 1
        try:
            self.channel.deliver(delivery)
        except Undeliverable as failure:
            last = failure.final or attempts >= self.channel.attempts()
            pause = min(2 ** (attempts - 1), MAX_BACKOFF_SECONDS)
            next_at = None if last else _now(pause)
            self.store.record(delivery["id"], status="failed" if last else "pending", attempts=attempts, next_at=next_at, last_error=failure.reason)
            return
        self.store.record(delivery["id"], status="sent", attempts=attempts, next_at=None, sent_at=_now())

    def _seconds_to_next(self) -> float:
        upcoming = self.store.next_due(self.channel.name)
        if upcoming is None:
            return LOOK_SECONDS
        seconds = (datetime.fromisoformat(upcoming) - system_clock()).total_seconds()
        return min(max(seconds, 0.0), LOOK_SECONDS)


def _now(after_seconds: float = 0) -> str:
    """Delivery times are the real clock's (see the module's docstring), in UTC."""
    return iso(system_clock() + timedelta(seconds=after_seconds))
