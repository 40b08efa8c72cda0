"""Rendering announcements to WAV files: one worker thread, one speech process, a bounded disk cache.

The call that triggers an announcement must never wait for a synthesizer, and pyttsx3 is not
thread-safe, so ``request`` only enqueues (it runs inside the engine's listener, under the store's
write lock: no disk access there, not even to look for a cached file); one dedicated worker thread,
started by the first request, looks in the cache and renders, in order, through a long-lived speech
process (``synth.py``; why a process is explained there). Files are named by a hash
of everything that shapes the sound, so a recall, a second display or a restart finds the file ready,
and a file never changes once written (a display may cache it forever).

Several server processes share the cache (next to the database). Each sentence is rendered by one of
them: a render happens under an exclusive ``flock`` on the cache's ``render.lock``, after looking
once more for the file, so a process asked for a sentence another has just rendered (a recall
through another process, two processes rendering ahead) finds it ready instead of rendering it
again. The lock, not a leader, because the process that committed a call knows its sentence at
once: sending it to another process first would cost the display its audio being ready. A process
asked for audio it is not rendering itself waits for the file a bounded time, as another process
may be rendering it (``wait``).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import itertools
import json
import logging
import os
import queue
import select
import subprocess
import sys
import threading
import time
import wave
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .chime import chime

log = logging.getLogger(__name__)

# Part of every cache key: bump it when the chime or the layout of the file changes.
FORMAT = 1
KEY_LENGTH = 32
CHIME_GAP_SECONDS = 0.3
REPEAT_GAP_SECONDS = 0.8
SYNTH = Path(__file__).with_name("synth.py")


class RenderError(RuntimeError):
    """An announcement that could not be rendered; the message says why and what to do."""


@dataclass(frozen=True)
class Voice:
    """An espeak-ng voice name (``id``, ``en``, ``en-us`` ...), words per minute, and 0–1 volume."""

    name: str
    rate: int = 150
    volume: float = 1.0


def cache_key(text: str, voice: Voice, repeat: int) -> str:
    """A hash of everything that changes the sound, so equal keys always mean equal audio."""
    identity = json.dumps([FORMAT, text, voice.name, voice.rate, voice.volume, repeat], ensure_ascii=False)
    return hashlib.sha256(identity.encode()).hexdigest()[:KEY_LENGTH]


@dataclass
class _Job:
    key: str
    text: str
    urgent: bool
    done: threading.Event = field(default_factory=threading.Event)


URGENT, AHEAD, STOP = 0, 1, 2  # queue order: calls first, then renders ahead of time, then the stop sign
MAX_AHEAD = 64  # renders ahead of time waiting at most; more would only be out of date
LOCK_NAME = "render.lock"  # in the cache folder: held while any process renders into it
ELSEWHERE_LOOK_SECONDS = 0.02  # how often ``wait`` looks for a file another process renders


class _SpeechProcess:
    """The worker's handle on the child running pyttsx3; restarted after a crash or a deadline."""

    def __init__(self, timeout: float):
        self.timeout = timeout
        self._process: subprocess.Popen | None = None

    def ask(self, request: dict[str, Any]) -> dict[str, Any]:
        if self._process is None or self._process.poll() is not None:
            try:
                # -P: do not put this package's folder on the child's sys.path.
                self._process = subprocess.Popen(
                    [sys.executable, "-P", str(SYNTH)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8"
                )
            except OSError as error:
                raise RenderError(f"cannot start the speech process: {error}") from None
        process = self._process
        try:
            process.stdin.write(json.dumps(request) + "\n")
            process.stdin.flush()
        except OSError:
            self.close()
            raise RenderError("the speech process exited; it will be restarted for the next announcement") from None
        readable, _, _ = select.select([process.stdout], [], [], self.timeout)
        line = process.stdout.readline() if readable else ""
        if not line:
            self.close()
            what = f"took longer than {self.timeout:g} s" if not readable else "exited"
            raise RenderError(f"the speech process {what}; it will be restarted for the next announcement")
        reply = json.loads(line)
        if not reply["ok"]:
            raise RenderError(reply["error"])
        return reply

    def close(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        with contextlib.suppress(OSError):
            process.stdin.close()
        try:
            process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()


class Renderer:
    """Turns sentences into cached announcement WAVs (chime + sentence × repeat, 16-bit mono)."""

    def __init__(
        self,
        cache_dir: str | Path,
        voice: Voice,
        repeat: int = 1,
        *,
        max_files: int = 5000,
        max_bytes: int = 300 * 2**20,
        timeout: float = 20.0,
        with_chime: bool = True,
    ):
        """``with_chime``: a call opens with the chime to turn heads in the hall; the kiosk's own speech
        (kiosk/speech.py) answers a visitor's touch and would only be slowed by it."""
        self.with_chime = with_chime
        self.cache_dir = Path(cache_dir)
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        self.voice = voice
        self.repeat = repeat
        self.max_files = max_files
        self.max_bytes = max_bytes
        self._speech = _SpeechProcess(timeout)
        self._lock = threading.Lock()
        self._pending: dict[str, _Job] = {}
        self._failed: OrderedDict[str, str] = OrderedDict()
        self._queue: queue.PriorityQueue[tuple[int, int, _Job | None]] = queue.PriorityQueue()
        self._order = itertools.count()
        self._ahead = 0
        self._stats = {"renders": 0, "cache_hits": 0, "failures": 0}
        self._voice_id: str | None = None
        self._last_error: str | None = None
        self._thread: threading.Thread | None = None
        self._usage: tuple[int, int] | None = None  # (files, bytes) in the cache, counted at the first render
        self._lock_path = self.cache_dir / LOCK_NAME
        self._remove_leftovers()

    # --- asking ---------------------------------------------------------------------------------
    def key(self, text: str) -> str:
        return cache_key(text, self.voice, self.repeat)

    def request(self, text: str, *, urgent: bool = True) -> str:
        """Make sure ``text`` gets rendered; returns its key at once (no disk access, no waiting).

        A call is urgent; a render ahead of time (``urgent=False``) waits behind every call, and is
        dropped when too many are waiting already. A call for a sentence waiting as ahead-of-time
        work is moved to the front.
        """
        key = self.key(text)
        with self._lock:
            job = self._pending.get(key)
            if job is None and (urgent or self._ahead < MAX_AHEAD):
                self._failed.pop(key, None)
                self._pending[key] = job = _Job(key, text, urgent)
                self._put(job)
            elif job is not None and urgent and not job.urgent:
                job.urgent = True
                self._put(job)
            self._start()
        return key

    def _put(self, job: _Job) -> None:
        """Queue ``job`` (the caller holds the lock); a job queued twice is done once, the second skipped."""
        if not job.urgent:
            self._ahead += 1
        self._queue.put((URGENT if job.urgent else AHEAD, next(self._order), job))

    @property
    def started(self) -> bool:
        return self._thread is not None

    def warm_up(self) -> None:
        """Start the worker and try the voice now, so a bad voice is logged when the server starts."""
        with self._lock:
            self._start()

    def wait(self, key: str, timeout: float) -> Path | None:
        """The file once rendered, waiting up to ``timeout`` seconds; None if failed or late. A key
        this process is not rendering may be rendered by another server process on the cache: its
        file is looked for until the deadline (so a key nobody renders costs the wait)."""
        path = self.path(key)
        if path is not None:
            return path
        with self._lock:
            job = self._pending.get(key)
        if job is not None:
            job.done.wait(timeout)
            return self.path(key)
        if not _well_formed(key) or self.error(key) is not None:
            return None
        deadline = time.monotonic() + timeout
        while (path := self.path(key)) is None and time.monotonic() < deadline:
            time.sleep(ELSEWHERE_LOOK_SECONDS)
        return path

    def path(self, key: str) -> Path | None:
        """The rendered file, if there is one now."""
        if not _well_formed(key):
            return None
        path = self._file(key)
        return path if path.is_file() else None

    def state(self, key: str) -> str:
        """``ready``, ``pending``, ``failed`` or ``unknown``."""
        if self.path(key):
            return "ready"
        with self._lock:
            if key in self._pending:
                return "pending"
            if key in self._failed:
                return "failed"
        return "unknown"

    def error(self, key: str) -> str | None:
        """Why the rendering of ``key`` failed, if it did."""
        with self._lock:
            return self._failed.get(key)

    @property
    def stats(self) -> dict[str, int]:
        with self._lock:
            return {**self._stats, "pending": len(self._pending)}

    def status(self) -> dict[str, Any]:
        """For a health page: is the voice working, and what went wrong last."""
        return {
            "ok": self._last_error is None,
            "voice": self.voice.name,
            "espeak_voice": self._voice_id,
            "last_error": self._last_error,
            **self.stats,
        }

    def close(self) -> None:
        """Stop the worker after the renders already asked for, and the speech process with it."""
        with self._lock:
            thread = self._thread
        if thread is not None:
            self._queue.put((STOP, 0, None))
            thread.join(timeout=30)

    # --- the worker -----------------------------------------------------------------------------
    def _start(self) -> None:
        """Start the worker thread once (the caller holds the lock); a hall that never calls starts none."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="announce-render", daemon=True)
            self._thread.start()

    def _file(self, key: str) -> Path:
        return self.cache_dir / f"{key}.wav"

    def _work(self) -> None:
        try:
            self._check_voice()
            while True:
                lane, _, job = self._queue.get()
                if job is None:
                    break
                if lane == AHEAD:
                    with self._lock:
                        self._ahead -= 1
                if not job.done.is_set():
                    self._render(job)
        finally:
            self._speech.close()

    def _ask(self, **request: Any) -> dict[str, Any]:
        voice = {"voice": self.voice.name, "rate": self.voice.rate, "volume": self.voice.volume}
        reply = self._speech.ask({**voice, **request})
        self._voice_id, self._last_error = reply["voice"], None
        return reply

    def _check_voice(self) -> None:
        """Start the speech process at once and try the voice, so a bad voice is logged at start-up."""
        try:
            self._ask()
        except Exception as error:
            self._last_error = str(error)
            log.error("announcements: voice %r cannot be used: %s; calls will be shown but not spoken", self.voice.name, error)

    def _remove_leftovers(self) -> None:
        """Temporary files of a render cut short (a crash), unless another process is rendering now:
        then they may be its own."""
        with open(self._lock_path, "a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return
            for leftover in self.cache_dir.glob("*.tmp"):
                leftover.unlink(missing_ok=True)

    def _render(self, job: _Job) -> None:
        """Render under the cache's lock, unless the file is there (rendered before, or meanwhile by
        another process): each sentence is rendered once, whichever processes ask for it."""
        if self._touch(job):
            return
        with open(self._lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # let go when the file closes
            if not self._touch(job):
                self._render_now(job)

    def _render_now(self, job: _Job) -> None:
        speech = self.cache_dir / f"{job.key}.speech.tmp"
        try:
            self._ask(text=job.text, path=str(speech))
            self._assemble(speech, self._file(job.key))
            outcome = None
        except RenderError as error:
            outcome = str(error)
        except Exception as error:  # a bug or a full disk must not stop the worker thread
            log.exception("announcements: rendering %r failed", job.text)
            outcome = f"rendering failed unexpectedly: {error}"
        finally:
            speech.unlink(missing_ok=True)
        if outcome is None:
            self._count_new(self._file(job.key))
        with self._lock:
            del self._pending[job.key]
            if outcome is None:
                self._stats["renders"] += 1
            else:
                self._stats["failures"] += 1
                self._failed[job.key] = self._last_error = outcome
                while len(self._failed) > 256:
                    self._failed.popitem(last=False)
        job.done.set()
        if outcome is not None:
            log.error("announcements: could not render %r: %s", job.text, outcome)

    def _touch(self, job: _Job) -> bool:
        """A cached file is marked as just used (pruning drops the least recently used); False if none."""
        try:
            os.utime(self._file(job.key))
        except FileNotFoundError:
            return False
        with self._lock:
            del self._pending[job.key]
            self._stats["cache_hits"] += 1
        job.done.set()
        return True

    def _assemble(self, speech_path: Path, target: Path) -> None:
        """chime, gap (unless ``with_chime`` is off), sentence, then (gap, sentence) for each repeat, written atomically."""
        with wave.open(str(speech_path), "rb") as speech:
            if speech.getsampwidth() != 2 or speech.getnchannels() != 1:
                raise RenderError(
                    f"espeak-ng produced {speech.getsampwidth() * 8}-bit audio with {speech.getnchannels()} channels, not 16-bit mono"
                )
            rate = speech.getframerate()
            sentence = speech.readframes(speech.getnframes())
        silence = b"\0\0"
        repeat_gap = silence * int(rate * REPEAT_GAP_SECONDS)
        opening = chime(rate, self.voice.volume) + silence * int(rate * CHIME_GAP_SECONDS) if self.with_chime else b""
        frames = opening + repeat_gap.join([sentence] * self.repeat)
        partial = target.with_suffix(".wav.tmp")
        with wave.open(str(partial), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(rate)
            out.writeframes(frames)
        os.replace(partial, target)

    def _count_new(self, path: Path) -> None:
        """Add a new file to the running total, and prune only when the cache is over its bounds.

        Scanning the folder after every render would cost a stat per cached file, on the same GIL
        as the officer pressing Next; the total is counted once and kept up to date instead.
        """
        if self._usage is None:
            self._usage = self._scan()
        else:
            with contextlib.suppress(FileNotFoundError):  # another process's prune may have taken it already
                files, size = self._usage
                self._usage = (files + 1, size + path.stat().st_size)
        files, size = self._usage
        if files > self.max_files or size > self.max_bytes:
            self._prune()

    def _scan(self) -> tuple[int, int]:
        sizes = [size for _, size, _ in self._cached_files()]
        return len(sizes), sum(sizes)

    def _cached_files(self) -> list[tuple[float, int, str]]:
        """(last used, size, path) of every cached WAV, least recently used first.

        ``os.scandir`` rather than ``Path.glob``: a full cache holds thousands of files, and building a
        ``Path`` for each cost most of a scan.
        """
        files = []
        with os.scandir(self.cache_dir) as entries:
            for entry in entries:
                if not entry.name.endswith(".wav"):
                    continue
                try:
                    info = entry.stat()
                except FileNotFoundError:
                    continue
                files.append((info.st_mtime, info.st_size, entry.path))
        return sorted(files)

    def _prune(self) -> None:
        """Bring the cache back under its bounds, least recently used files first, with room to spare.

        It goes down to nine tenths of each bound: stopping just under it, a full cache would be
        scanned again after every render, on the GIL that also answers the officers and the displays.
        """
        files = self._cached_files()
        total = sum(size for _, size, _ in files)
        count = len(files)
        max_files = self.max_files - max(1, self.max_files // 10)
        max_bytes = self.max_bytes * 9 // 10
        for _, size, path in files:
            if count <= max_files and total <= max_bytes:
                break
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
            count -= 1
            total -= size
        self._usage = (count, total)


def _well_formed(key: str) -> bool:
    """A key as ``cache_key`` makes them (anything else names no file, and is never waited for)."""
    return len(key) == KEY_LENGTH and all(c in "0123456789abcdef" for c in key)
