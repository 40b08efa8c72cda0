"""Copying the write-ahead log into the database file, in a thread of its own.

SQLite's default is to checkpoint inside whichever commit pushes the log past 1,000 pages: that
commit then copies and syncs megabytes, and the officer who pressed "next" at that moment waits
tens of milliseconds instead of one. The store's connections therefore leave checkpoints to a
``Checkpointer``, which runs them in the background, PASSIVE: they never block a writer or a reader
(they copy what no reader still needs). Only as a backstop, when the log has passed
``store.BACKSTOP_CHECKPOINT_PAGES``, does a commit checkpoint itself.

It starts right after a commit, once ``delay`` seconds have passed since the last checkpoint or
``every`` commits have piled up: right after a commit, because that is when the next commit is
furthest away, so the checkpoint's own disk flush rarely delays a commit's. The log stays a few
megabytes however busy the hall is, and a hall that writes nothing keeps the thread asleep. What
the last commits of a burst leave in the log waits for the next commit; closing the last
connection to the file checkpoints it too (SQLite does that itself).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from pathlib import Path

log = logging.getLogger(__name__)

EVERY_COMMITS = 200
DELAY_SECONDS = 0.5


class Checkpointer:
    """One per store: told about each commit, checkpoints the log in its own thread."""

    def __init__(self, path: Path, every: int = EVERY_COMMITS, delay: float = DELAY_SECONDS):
        self.path = path
        self.every = every
        self.delay = delay
        self.checkpoints = 0
        self.failures = 0
        self._commits = 0
        self._last = time.monotonic()
        self._wake = threading.Event()
        self._stop = False
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def committed(self) -> None:
        """Called after each commit; costs a counter, a clock reading and, now and then, a wake-up."""
        self._commits += 1
        if self._commits >= self.every or time.monotonic() - self._last >= self.delay:
            if self._thread is None:
                self._start()
            self._wake.set()

    def close(self) -> None:
        with self._lock:
            thread, self._stop = self._thread, True
        if thread is not None:
            self._wake.set()
            thread.join(timeout=10)

    def _start(self) -> None:
        with self._lock:
            if self._thread is None and not self._stop:
                self._thread = threading.Thread(target=self._run, name="antre-checkpoint", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        conn: sqlite3.Connection | None = None
        failing = False
        try:
            while True:
                self._wake.wait()
                self._wake.clear()
                if self._stop:
                    return
                try:
                    conn = conn or sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                except sqlite3.Error as error:
                    self.failures += 1
                    if not failing:
                        log.warning("database %s: background checkpoint failed (%s); will retry after the next commits", self.path, error)
                    failing = True
                else:
                    self.checkpoints += 1
                    if failing:
                        log.info("database %s: background checkpoints work again", self.path)
                    failing = False
                self._commits, self._last = 0, time.monotonic()
        finally:
            if conn is not None:
                conn.close()
