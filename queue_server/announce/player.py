"""Server speaker mode: the hall's loudspeakers hang on the server, so the server plays the calls.

One worker thread plays announcements in the order the calls were made, one at a time: a second call
waits for the first to finish instead of talking over it. Each entry waits for its own render, so
order is kept even when a later announcement happens to be cached and an earlier one is not.
"""

from __future__ import annotations

import logging
import queue
import shutil
import subprocess
import threading
from collections.abc import Sequence
from pathlib import Path

from .render import Renderer

log = logging.getLogger(__name__)

PLAY_TIMEOUT_SECONDS = 60.0  # longer than any announcement (chime + 5 repeats); a stuck player is killed


def player_command() -> list[str] | None:
    """aplay (ALSA) if present, else paplay (PulseAudio/PipeWire), else None."""
    for name, options in (("aplay", ["-q"]), ("paplay", [])):
        found = shutil.which(name)
        if found:
            return [found, *options]
    return None


class NoPlayer(RuntimeError):
    """No command to play sound with on this machine."""

    def __init__(self) -> None:
        super().__init__("no audio player found: install alsa-utils (aplay) or pulseaudio-utils (paplay), or use --save FILE")


class PlayError(RuntimeError):
    """The player ran but did not play the file (no sound card, a busy device, a hang)."""


def play_file(path: Path, command: Sequence[str] | None = None) -> None:
    """Play one WAV to the end; raises NoPlayer, or PlayError with what the player said."""
    command = list(command) if command else player_command()
    if command is None:
        raise NoPlayer()
    try:
        subprocess.run(
            [*command, str(path)], check=True, timeout=PLAY_TIMEOUT_SECONDS, stdin=subprocess.DEVNULL, capture_output=True, text=True
        )
    except subprocess.CalledProcessError as error:
        said = (error.stderr or "").strip().splitlines()
        raise PlayError(f"{command[0]} failed (exit {error.returncode}){': ' + said[-1] if said else ''}") from None
    except subprocess.TimeoutExpired:
        raise PlayError(f"{command[0]} did not finish within {PLAY_TIMEOUT_SECONDS:g} s") from None


class Player:
    """Plays rendered announcements through the server's speakers, in order, never overlapping."""

    def __init__(self, renderer: Renderer, command: Sequence[str] | None = None, render_wait: float = 20.0):
        self.renderer = renderer
        self.command = list(command) if command else player_command()
        self.render_wait = render_wait
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._warned = False
        self._thread = threading.Thread(target=self._work, name="announce-play", daemon=True)
        self._thread.start()

    def enqueue(self, key: str) -> None:
        """Play this announcement after the ones already waiting."""
        if self.command is None:
            if not self._warned:
                self._warned = True
                log.warning("announcements.output is 'server' but %s; calls will not be heard from this machine", NoPlayer())
            return
        self._queue.put(key)

    def close(self) -> None:
        """Stop after the announcements already queued."""
        self._queue.put(None)
        self._thread.join(timeout=PLAY_TIMEOUT_SECONDS)

    def _work(self) -> None:
        while (key := self._queue.get()) is not None:
            path = self.renderer.wait(key, self.render_wait)
            if path is None:
                log.error("announcements: nothing to play for %s (%s)", key, self.renderer.error(key) or "not rendered in time")
                continue
            try:
                play_file(path, self.command)
            except (OSError, PlayError) as error:
                log.error("announcements: playing %s failed: %s", path.name, error)
