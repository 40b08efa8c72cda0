"""Which server process does the hall's single jobs, and how it hears of other processes' work.

Several server processes (``antre run --workers N``) each serve requests on one database; SQLite
serialises their writes, so issuing and calling are right in any of them. But some work is the
hall's, not a request's, and done twice it is wrong: a ticket printed twice, an alert recorded
twice, a counter closed by a process that never saw its console, a backup taken twice at 19:00.
One process, the leader, does that work:

- **printing**: sending the print jobs (printer/service.py; every process stores jobs, the leader's
  queues claim and send them);
- the **notifier** (Web Push and the webhook), the **booking sweep**, the **monitor**'s alerts, the
  **idle-counter sweep** (presence.py: what each process saw of the consoles is shared through the
  database), the **scheduled backup** (its outcome shared for every process's ``/healthz``) and the
  **reports' follower**;
- the hall's **speakers** and **rendering ahead** (announce/), which hear every process's calls
  through an ``EventFollower``.

Rendering a call's announcement is not tied to the leader: the process that committed the call
renders it at once, under a lock shared by every process, so no other renders it again
(announce/render.py); any process serves the audio.

Leadership is an exclusive ``flock`` on ``DATABASE.leader``, the model of ``ServingClaim``
(server.py): the kernel lets go of it however the holder ends, SIGKILL included, so no leader can
be stale. A process that is not the leader tries again every second from a daemon thread, so
another takes over about a second after the leader dies. A lone process is the leader at once:
nothing changes for a hall served by one process. The lock file stays after a stop: removing it
would race with the next process opening it.

``LogWatch`` is how a process hears of what other processes committed: in-process listeners
(``Engine.subscribe``) hear only this process's commits, so the leader's print queues and followers
are also woken when the event log or the print jobs grow, looked at twice a second.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path

from .engine import Event
from .periodic import Periodic
from .store import Store

log = logging.getLogger(__name__)

RETRY_SECONDS = 1.0
LOOK_SECONDS = 0.5
FOLLOW_BATCH = 200  # events handed to a follower at a time
IDLE_LOOK_SECONDS = 5.0  # a follower looks at least this often, even unwoken


class Leadership:
    """This process's claim to the hall's single jobs (see the module's docstring)."""

    def __init__(self, database: Path, retry_seconds: float = RETRY_SECONDS):
        database = Path(database).resolve()
        self.path = database.with_name(database.name + ".leader")
        self.retry_seconds = retry_seconds
        self._fd: int | None = None
        self._jobs: list[Callable[[], None]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def is_leader(self) -> bool:
        return self._fd is not None

    def start(self) -> Leadership:
        """Try at once (a lone process leads before it serves its first request), else keep trying."""
        if not self._try():
            self._thread = threading.Thread(target=self._retry, name="antre-leader", daemon=True)
            self._thread.start()
        return self

    def when_leading(self, job: Callable[[], None]) -> None:
        """Run ``job`` (a single job's ``start``) now if this process leads, else once it does."""
        with self._lock:
            if not self.is_leader:
                self._jobs.append(job)
                return
        self._run(job)

    def close(self) -> None:
        """Let go of the lock, so that another process takes over within a second."""
        self._stop.set()
        with self._lock:
            fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)

    def _try(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}\n".encode(), 0)
        with self._lock:
            if self._stop.is_set():  # closed meanwhile: never lead
                os.close(fd)
                return False
            self._fd = fd
            jobs, self._jobs = self._jobs, []
        log.info("this process (pid %d) now does the hall's single jobs (printing, notifications, sweeps, backup)", os.getpid())
        for job in jobs:
            self._run(job)
        return True

    def _retry(self) -> None:
        while not self._stop.wait(self.retry_seconds):
            try:
                if self._try():
                    return
            except OSError:
                log.exception("could not try for the hall's leader lock %s; trying again", self.path)

    @staticmethod
    def _run(job: Callable[[], None]) -> None:
        try:
            job()
        except Exception:
            log.exception("a single job (%r) could not start", job)


class LogWatch:
    """Calls its wakers when the event log or the print jobs have grown since it last looked: the
    work other processes committed, which no in-process listener hears of. One cheap query twice a
    second; a waker only sets an event for a thread of its own."""

    def __init__(self, store: Store, every: float = LOOK_SECONDS):
        self.store = store
        self._wakers: list[Callable[[], None]] = []
        self._seen: tuple[int, int] | None = None
        self._periodic = Periodic("antre-log-watch", every, self._look, failure="could not look at the event log", log=log, store=store)

    def on_growth(self, waker: Callable[[], None]) -> None:
        self._wakers.append(waker)

    def poke(self) -> None:
        """Look now, not at the next half second: for a signal that another process committed (the
        live channel's bus, queue_server/live_bus.py), so its print jobs go out at once."""
        self._periodic.wake()

    def start(self) -> None:
        self._periodic.start()

    def close(self) -> None:
        """Stop, and wait for a look under way (the store closes after this returns)."""
        self._periodic.close()

    def _mark(self) -> tuple[int, int]:
        with self.store.read() as tx:
            return tx.log_mark()

    def _look(self) -> None:
        """A busy or briefly unreadable database raises here, is logged, and the next look tries again."""
        mark = self._mark()
        if mark != self._seen:  # the first look too: work may have come in while this process started
            for waker in self._wakers:
                try:
                    waker()
                except Exception:
                    log.exception("waking %r failed", waker)
        self._seen = mark


class EventFollower:
    """Hands ``handle`` every event committed from ``start`` on, by any process, once each and in
    the log's order, as ``Event``s whose ticket is the ticket as it is when read (not as it was at the
    event, which only the committing process knows). For the leader's work that must hear every
    process's calls: the hall's speakers and rendering ahead (announce/). Woken by this process's
    commits and by ``LogWatch``; its cursor starts at the end of the log: a new leader does not
    replay what the previous one handled, nor a restarted server yesterday's calls."""

    def __init__(self, store: Store, handle: Callable[[list[Event]], None]):
        self.store = store
        self.handle = handle
        self._cursor = 0
        # a batch that fails is not handed on again: a call spoken twice is worse than once missed
        failure = f"could not hand on the latest events to {handle!r}"
        self._periodic = Periodic("antre-event-follower", IDLE_LOOK_SECONDS, self._hand_on, failure=failure, log=log, store=store)

    def wake(self, _events: object = None) -> None:
        """The engine's listener or the log watch: cheap, it only tells the thread to look."""
        self._periodic.wake()

    def start(self) -> None:
        if not self._periodic.started and not self.store.closed:
            with self.store.read() as tx:
                self._cursor = tx.log_mark()[0]
            self._periodic.start()

    def close(self) -> None:
        """Stop, and wait for a batch under way (the store closes after this returns)."""
        self._periodic.close()

    def _hand_on(self) -> None:
        while not self._periodic.stopped and (events := self._next()):
            self._cursor = events[-1].id
            self.handle(events)

    def _next(self) -> list[Event]:
        with self.store.read() as tx:
            rows = tx.events_since(self._cursor, FOLLOW_BATCH)
        return [Event(r["id"], r["kind"], r["at"], r["ticket"], r["counter_id"], r["officer_id"], r["details"]) for r in rows]
