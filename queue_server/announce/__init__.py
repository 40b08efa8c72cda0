"""Voice announcements: a committed call becomes a spoken sentence, rendered once, served or played.

The engine hands committed events to ``Announcer.on_events``, which only enqueues the rendering, so
calling a number never waits for speech and never fails because of it. The live channel puts
``Announcer.audio_url(announcer.audio_key(event))`` into its ``called`` message; the key is a pure
function of the sentence, so it does not matter which listener runs first, and the audio is usually
rendered before a display asks for it. ``play_audio`` tells a display whether to play it (not when
the hall's speakers hang on the server), and ``caption`` is the sentence to show while it plays.
"""

from __future__ import annotations

import logging
import shutil
import wave
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..config import HallConfig
from ..engine import Event
from . import views
from .foresight import Foresight
from .player import NoPlayer, Player, PlayError, play_file
from .render import Renderer, RenderError, Voice
from .sentence import announcement_text, caption_text

__all__ = ["Announcer", "NoPlayer", "PlayError", "RenderError", "Renderer", "Voice", "announcement_text", "caption_text", "views"]

log = logging.getLogger(__name__)  # the parent of the render and player loggers

DEFAULT_VOICES = {"id": "id", "en": "en"}
CALLS = ("called", "recalled")


class Announcer:
    """The hall's announcements, built from its config; one per server process."""

    def __init__(self, hall: HallConfig, cache_dir: str | Path, *, player_command: Sequence[str] | None = None):
        settings = hall.announcements
        self.hall = hall
        self.settings = settings
        self.enabled: bool = settings["enabled"]
        voice = Voice(settings.get("voice") or DEFAULT_VOICES[settings["language"]], settings["rate"], settings["volume"])
        self.renderer = Renderer(cache_dir, voice, settings["repeat"], max_bytes=settings["cache_mb"] * 2**20)
        self.player = Player(self.renderer, player_command) if self.enabled and settings["output"] == "server" else None
        self.foresight = Foresight(hall, self._render_ahead) if self.enabled else None
        self._from_log = False  # the speakers and rendering ahead hear the hall's log (``hear_from_log``)

    def reconfigure(self, hall: HallConfig) -> None:
        """A changed setup: names, sentence, voice and repeats apply to the next call. Turning
        announcements on or off, or moving them to the server's speakers, waits for the next start."""
        settings = {**hall.announcements, "enabled": self.enabled, "output": self.settings["output"]}
        self.hall, self.settings = hall, settings
        self.renderer.voice = Voice(settings.get("voice") or DEFAULT_VOICES[settings["language"]], settings["rate"], settings["volume"])
        self.renderer.repeat = settings["repeat"]
        if self.foresight is not None:
            self.foresight.reconfigure(hall)

    @property
    def play_audio(self) -> bool:
        """Whether displays should play the calls: not when off, nor when the server's speakers do."""
        return self.enabled and self.settings["output"] == "display"

    def warm_up(self) -> None:
        """Start the speech process now (a serving hall), so the first call is as quick as the rest."""
        if self.enabled:
            self.renderer.warm_up()

    # --- for the engine and the live channel ----------------------------------------------------
    def on_events(self, events: list[Event]) -> None:
        """Engine listener: start rendering every call and recall at once (and, unless they hear the
        hall's log, queue it for the speakers and look ahead)."""
        if self._from_log:
            self._announce(events, speak=False)
        else:
            self.heard(events)

    def heard(self, events: list[Event]) -> None:
        """Every call and recall rendered, queued for the speakers, and the likely next ones rendered ahead."""
        self._announce(events, speak=True)
        if self.foresight is not None:
            self.foresight.on_events(events)

    def hear_from_log(self) -> bool:
        """In a server, where several processes may share the hall: from now on this process's calls
        are only rendered at once (``on_events``), and the hall's speakers and rendering ahead hear every
        process's events through ``heard``, which the leader's ``leader.EventFollower`` calls (so two
        processes never talk over each other on the speakers, nor render ahead from half the queue).
        Returns whether there is anything to hear (off, or speakers and looking ahead both absent: no)."""
        self._from_log = True
        return self.player is not None or self.foresight is not None

    def _announce(self, events: list[Event], speak: bool) -> None:
        for event in events:
            try:
                text = self._text(event)
                if text is None:
                    continue
                key = self.renderer.request(text)
                if speak and self.player is not None:
                    self.player.enqueue(key)
            except Exception:
                log.exception("announcements: event %s (%s) could not be announced", event.id, event.kind)

    def audio_key(self, event: Event) -> str | None:
        """The audio of a call or recall event; None when announcements are off or it is no call."""
        text = self._text(event)
        return None if text is None else self.renderer.key(text)

    @staticmethod
    def audio_url(key: str) -> str:
        return f"/api/v1/audio/{key}.wav"

    def caption(self, event: Event) -> str | None:
        """The sentence as text for the screen (number as printed), shown while the audio plays."""
        parts = self._parts(event)
        return None if parts is None else caption_text(*parts, self.settings)

    def status(self) -> dict[str, Any]:
        return {"enabled": self.enabled, "output": self.settings["output"], **self.renderer.status()}

    def call_fields(self, event: Event) -> dict[str, Any]:
        """What a ``called`` message adds for announcements: ``audio_url``, ``caption``, ``play_audio``."""
        key = self.audio_key(event)
        return {"audio_url": None if key is None else self.audio_url(key), "caption": self.caption(event), "play_audio": self.play_audio}

    @classmethod
    def for_hall(cls, hall: HallConfig) -> Announcer:
        """The hall's announcer, its WAV cache in ``audio-cache`` next to the database."""
        return cls(hall, hall.database.parent / "audio-cache")

    # --- for the command line -------------------------------------------------------------------
    def say(self, number: str, counter: str, *, timeout: float = 30.0) -> tuple[Path, str]:
        """Render one announcement (``antre say A012 1``); returns the WAV and the sentence spoken.

        ``counter`` is a counter id from the config or else a name to speak as given. Raises
        ValueError for a malformed number and RenderError when the voice fails.
        """
        known = self.hall.counters.get(counter)
        service = self.hall.services.get(number.rstrip("0123456789"))
        parts = (number, known.name if known else counter, service.name if service else "", service.agency if service else "")
        text = announcement_text(*parts, self.settings)
        key = self.renderer.request(text)
        path = self.renderer.wait(key, timeout)
        if path is None:
            raise RenderError(self.renderer.error(key) or f"the announcement was not rendered within {timeout:g} s")
        return path, text

    def close(self) -> None:
        if self.foresight is not None:
            self.foresight.close()
        if self.player is not None:
            self.player.close()
        self.renderer.close()

    # --- helpers --------------------------------------------------------------------------------
    def _parts(self, event: Event) -> tuple[str, str, str, str] | None:
        """(number, counter name, service name, agency) of a call event, else None."""
        if not self.enabled or event.kind not in CALLS or not event.ticket:
            return None
        ticket = event.ticket
        counter_id = event.counter_id or ticket.get("counter_id")
        counter = self.hall.counters.get(counter_id)
        counter_name = event.details.get("counter_name") or (counter.name if counter else str(counter_id))
        service = self.hall.services.get(ticket["service"])
        return ticket["number"], counter_name, service.name if service else "", service.agency if service else ""

    def _render_ahead(self, number: str, counter_id: str) -> bool:
        """Foresight's request: the sentence for ``number`` called to ``counter_id``, rendered when idle.

        Only once the speech process runs (the server warmed it up, or a call started it): a hall that
        never calls, such as most tests, renders nothing ahead. Returns whether it asked.
        """
        if not self.renderer.started:
            return False
        counter = self.hall.counters[counter_id]
        service = self.hall.services.get(number.rstrip("0123456789"))
        parts = (number, counter.name, service.name if service else "", service.agency if service else "")
        self.renderer.request(announcement_text(*parts, self.settings), urgent=False)
        return True

    def _text(self, event: Event) -> str | None:
        parts = self._parts(event)
        return None if parts is None else announcement_text(*parts, self.settings)


def say_once(hall: HallConfig, number: str, counter: str, save_to: Path | None = None) -> str:
    """``antre say``: render one call into the hall's cache, then play it here or copy it to ``save_to``.

    Returns the line to show. Raises ValueError (bad number), RenderError (voice), NoPlayer or
    PlayError (speakers), OSError (``save_to`` not writable).
    """
    level = log.level
    log.setLevel(logging.CRITICAL)  # a failure is raised to the command as one line; the server's log lines would repeat it
    announcer = Announcer.for_hall(hall)
    try:
        path, text = announcer.say(number, counter)
    finally:
        announcer.close()
        log.setLevel(level)
    with wave.open(str(path), "rb") as audio:
        seconds = audio.getnframes() / audio.getframerate()
    if save_to is not None:
        try:
            shutil.copyfile(path, save_to)
        except OSError as error:
            raise OSError(f"cannot write {save_to}: {error.strerror or error}") from None
        return f"saved {save_to} ({seconds:.1f} s): {text}"
    play_file(path)
    return f"played {path} ({seconds:.1f} s): {text}"
