"""The kiosk's voice: ``GET /kiosk/speech/<lang>/<phrase>.wav``, what a blind visitor hears.

The kiosk never sends text to speak. It names a phrase by what it is, and this module builds the
sentence from the catalogue, the config or the ticket, so a hostile client can ask only for the
hall's own bounded set of sentences, never make the server render text of its own (which would burn
its CPU):

- ``ui/NAME``                 the catalogue's ``speech.NAME`` (a button, a screen, the help)
- ``priority/CODE``           a priority category the kiosk offers
- ``agency/NAME``             an agency (its short and official names)
- ``service/CODE/name``       a service's name
- ``service/CODE/requirements`` its name, requirements and fee (the confirm step)
- ``key/CHAR``                a key of the on-screen keyboard (a-z, 0-9)
- ``ticket/TICKET_ID``        the number, twice and slowly, and where to wait

The sound comes from the hall's speech stack (queue_server/announce: espeak-ng through the same
renderer and disk cache as the calls, one voice per language, without the call's chime), so it works
offline and a phrase rendered once is served from disk ever after. The kiosk asks for a screen's
phrases when the screen shows (rendered ahead), and plays them from memory when a visitor touches.
New renders are limited per client address; cached phrases are always served.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from functools import cache
from pathlib import Path

from antre.queue_server.announce.render import Renderer, Voice
from antre.queue_server.announce.sentence import cardinal, letter_names, spoken_name, spoken_number
from antre.queue_server.config import HallConfig
from antre.queue_server.errors import ApiError
from antre.queue_server.hall import current_hall
from antre.queue_server.i18n import catalogue, gettext, known
from antre.queue_server.issuing_access import client_of
from flask import current_app, request, send_file

from . import bp

RENDERS_PER_MINUTE = 120  # per client address: a screen needs about 20 phrases, each language once
MAX_PENDING = 64  # renders waiting in all; beyond that a request is answered 503 at once
WAIT_SECONDS = 5.0
VOICES = {"id": "id", "en": "en"}
_SLOT = "antre_kiosk_speech"


class UnknownPhrase(LookupError):
    """A phrase the hall has no sentence for: 404, never rendered."""


class KioskSpeech:
    """The kiosk's phrases of one hall, one renderer per language (started at its first phrase)."""

    def __init__(self, hall: HallConfig, cache_dir: Path):
        self.hall = hall
        settings = hall.announcements
        self.renderers = {
            lang: Renderer(
                cache_dir / f"kiosk-{lang}",
                Voice(self._voice(lang), settings["rate"], settings["volume"]),
                max_bytes=settings["cache_mb"] * 2**20 // 4,
                with_chime=False,
            )
            for lang in VOICES
        }
        self.renders_per_minute = RENDERS_PER_MINUTE
        self._lock = threading.Lock()
        self._recent: dict[str, deque[float]] = {}

    def reconfigure(self, hall: HallConfig) -> None:
        """A changed setup: the phrases say the new names from now on (the voices stay until the next start)."""
        self.hall = hall

    def _voice(self, lang: str) -> str:
        """The hall's own voice where it speaks this language, else espeak-ng's voice of it."""
        settings = self.hall.announcements
        return settings.get("voice") if settings.get("voice") and settings["language"] == lang else VOICES[lang]

    # --- the sentences --------------------------------------------------------------------------
    def text(self, lang: str, phrase: str) -> str:
        """The sentence of ``phrase`` in ``lang``; UnknownPhrase when the hall has none."""
        kind, _, rest = phrase.partition("/")
        if kind == "ui" and f"speech.{rest}" in _speech_keys():
            return gettext(lang, f"speech.{rest}")
        if kind == "priority" and rest in self.hall.kiosk_priority_categories:
            return gettext(lang, f"priority.{rest}")
        if kind == "agency":
            return self._agency(lang, rest)
        if kind == "service":
            return self._service(lang, *rest.partition("/")[::2])
        if kind == "key" and len(rest) == 1 and rest.isascii() and rest.isalnum():
            return cardinal(int(rest), lang) if rest.isdigit() else letter_names(lang)[rest.upper()]
        if kind == "ticket":
            return self._ticket(lang, rest)
        raise UnknownPhrase(phrase)

    def _agency(self, lang: str, name: str) -> str:
        agency = self.hall.agencies.get(name)  # every agency of the hall, listed or only named by its services
        if agency is None:
            raise UnknownPhrase(name)
        return spoken_name(f"{agency.short_name}. {name}" if agency.short_name else name, lang)

    def _service(self, lang: str, code: str, part: str) -> str:
        service = self.hall.services.get(code)
        if service is None or part not in ("name", "requirements"):
            raise UnknownPhrase(code)
        name = spoken_name(service.name, lang)
        if part == "name":
            return name
        asked = gettext(lang, "kiosk.ask_at_counter")
        requirements = "; ".join(service.requirements) or asked
        return gettext(lang, "speech.requirements", name=name, requirements=requirements, fee=service.fee or asked)

    def _ticket(self, lang: str, ticket_id: str) -> str:
        with current_hall().store.read() as tx:
            ticket = tx.ticket(ticket_id)
        if ticket is None:
            raise UnknownPhrase(ticket_id)
        slowly = ", ".join(spoken_number(ticket["number"], lang, "digits").split())
        service = self.hall.services.get(ticket["service"])
        counters = ", ".join(spoken_name(c.name, lang) for c in self.hall.counters_for_service(ticket["service"]))
        name = spoken_name(service.name, lang) if service else ""
        return gettext(lang, "speech.ticket", number=slowly, service=name, counters=counters)

    # --- rendering ------------------------------------------------------------------------------
    def audio(self, lang: str, phrase: str, client: str) -> Path:
        """The WAV of ``phrase``, rendered now if need be (within the client's allowance)."""
        renderer = self.renderers[lang]
        text = self.text(lang, phrase)
        key = renderer.key(text)
        path = renderer.path(key)
        if path is not None:
            return path
        if renderer.stats["pending"] >= MAX_PENDING:
            raise ApiError(503, "busy", "error.speech_busy")
        self._allow(client)
        renderer.request(text)
        path = renderer.wait(key, WAIT_SECONDS)
        if path is None:
            raise ApiError(503, "not_ready", "error.speech_not_ready")
        return path

    def _allow(self, client: str) -> None:
        """At most ``renders_per_minute`` new renders per address in any minute, else 429."""
        now = time.monotonic()
        with self._lock:
            for address in list(self._recent):
                stamps = self._recent[address]
                while stamps and stamps[0] <= now - 60:
                    stamps.popleft()
                if not stamps:
                    del self._recent[address]
            stamps = self._recent.setdefault(client, deque())
            if len(stamps) >= self.renders_per_minute:
                raise ApiError(429, "throttled", "error.speech_rate", num=max(1, math.ceil(stamps[0] + 60 - now)))
            stamps.append(now)

    def close(self) -> None:
        for renderer in self.renderers.values():
            renderer.close()


@cache
def _speech_keys() -> frozenset[str]:
    """The catalogue's ``speech.*`` entries: read once, the catalogue does not change while the server runs."""
    return frozenset(message.id for message in catalogue("id") if isinstance(message.id, str) and message.id.startswith("speech."))


def kiosk_speech() -> KioskSpeech:
    """The app's kiosk voice, made at the first phrase asked for (a hall without kiosks starts none)."""
    extensions = current_app.extensions
    if _SLOT not in extensions:
        hall = current_hall()
        speech = extensions.setdefault(_SLOT, KioskSpeech(hall.config, hall.config.database.parent / "audio-cache"))
        hall.follow(speech.reconfigure)
    return extensions[_SLOT]


@bp.get("/kiosk/speech/<lang>/<path:phrase>.wav")
def speech(lang: str, phrase: str):
    if known(lang) is None or lang not in VOICES:
        raise ApiError(404, "not_found", "error.speech_unknown")
    try:
        path = kiosk_speech().audio(lang, phrase, client_of(request.remote_addr or ""))
    except UnknownPhrase:
        raise ApiError(404, "not_found", "error.speech_unknown") from None
    # The same phrase may say something else after the hall's config changes: checked again each time.
    return send_file(path, mimetype="audio/wav", conditional=True, max_age=0)
