"""The speech process: pyttsx3 driving espeak-ng, one request at a time, in a process of its own.

The renderer starts this file as a child process (``python -P synth.py``) and talks to it in JSON
lines: ``{"voice", "rate", "volume"[, "text", "path"]}`` in, ``{"ok": true, "voice": id}`` or
``{"ok": false, "error": "..."}`` out. Without ``text`` it only checks the voice.

Why a process and not just a thread (each point checked on pyttsx3 2.99 with espeak-ng 1.51):
- espeak-ng is a C library with process-wide state that pyttsx3 initialises once per process and
  never shuts down; a state inherited across ``fork`` makes the child hang (pyttsx3 issue #131), and a
  hang or crash inside the C library would otherwise take the whole hall server with it. A child
  process can be killed after a deadline and started again.
- pyttsx3 reports a voice it cannot set only through its "error" callback and carries on with the
  previous voice, so a misspelt voice would silently speak Indonesian numbers with an English voice.
  Here the callback is watched and the request fails with a clear message instead.
- pyttsx3 writes every WAV at 22050 Hz whatever the voice; MBROLA voices are 16 kHz and come out
  sped up (pyttsx3 issue #220), so they are refused by name.
- pyttsx3 prints "Audio saved to ..." on stdout for every file; the replies therefore travel on a
  duplicate of the original stdout, and fd 1 is pointed at /dev/null.
- pyttsx3 runs espeak-ng in its asynchronous mode: ``runAndWait`` can return before espeak-ng's
  own thread has written the WAV, and the next ``runAndWait`` starts with ``stop()``, which cancels
  an utterance still winding down. So a render waits for pyttsx3's "finished-utterance"
  notification (sent after the file is closed), then until espeak-ng reports it is idle.
- Setting the voice again before every sentence made espeak-ng end about 1 in 200 sentences at once,
  with no audio. The voice, rate and volume are therefore set only when they change (0 empty files
  in 1,600 renders), and an empty result is tried once more before it counts as a failure.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
import wave
from typing import Any, TextIO


class SynthError(Exception):
    pass


def _replies() -> TextIO:
    """Keep the real stdout for replies and send everything else printed to /dev/null."""
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    return replies


IDLE_SECONDS = 2.0
FINISH_SECONDS = 15.0
ATTEMPTS = 2


class Speaker:
    def __init__(self) -> None:
        import pyttsx3
        from pyttsx3.drivers import _espeak

        self.espeak = _espeak
        self.errors: list[BaseException] = []
        self.finished = threading.Event()
        self.current: tuple[tuple[str, int, float], str] | None = None
        self.engine = pyttsx3.init("espeak")
        self.engine.connect("error", self._on_error)
        self.engine.connect("finished-utterance", lambda **_: self.finished.set())
        # A fresh pyttsx3 engine queues property changes until its first run loop; running an empty
        # loop once makes later setProperty calls take effect (and fail) immediately.
        self._run()

    def _run(self) -> None:
        """runAndWait, then wait until espeak-ng is idle, so the next runAndWait cannot cancel itself."""
        self.engine.runAndWait()
        self._wait_idle()

    def _wait_idle(self) -> None:
        deadline = time.monotonic() + IDLE_SECONDS
        while self.espeak.IsPlaying() and time.monotonic() < deadline:
            time.sleep(0.001)

    def _on_error(self, exception: BaseException | None = None, **_: Any) -> None:
        self.errors.append(exception or SynthError("unknown pyttsx3 error"))

    def use(self, voice: str, rate: int, volume: float) -> str:
        """Set the voice, rate and volume, unless they are set already (see the module docstring)."""
        if self.current is not None and self.current[0] == (voice, rate, volume):
            return self.current[1]
        self.current = None
        self.errors.clear()
        self.engine.setProperty("voice", voice)
        if self.errors:
            raise SynthError(f"espeak-ng has no usable voice {voice!r} ({self.errors[0]}); list voices with `espeak-ng --voices`")
        identifier = str(self.engine.getProperty("voice"))
        if identifier.startswith("mb/"):
            raise SynthError(f"MBROLA voice {voice!r} is not supported: pyttsx3 saves it at the wrong sample rate (pyttsx3 issue #220)")
        self.engine.setProperty("rate", rate)
        self.engine.setProperty("volume", volume)
        if self.errors:
            raise SynthError(f"espeak-ng refused rate {rate} or volume {volume}: {self.errors[0]}")
        self.current = ((voice, rate, volume), identifier)
        return identifier

    def save(self, text: str, path: str) -> None:
        """Write ``text`` as a WAV; an empty result is tried once more before it counts as a failure."""
        for _ in range(ATTEMPTS):
            if self._save_once(text, path) > 0:
                return
        raise SynthError(f"espeak-ng produced no audio for this text ({ATTEMPTS} attempts)")

    def _save_once(self, text: str, path: str) -> int:
        """One synthesis; returns the number of frames written."""
        self.errors.clear()
        self.finished.clear()
        self.engine.save_to_file(text, path)
        self.engine.runAndWait()
        finished = self.finished.wait(FINISH_SECONDS)
        self._wait_idle()
        if not finished:
            raise SynthError(f"espeak-ng did not finish the sentence within {FINISH_SECONDS:g} s")
        if self.errors:
            raise SynthError(f"speech synthesis failed: {self.errors[0]}")
        try:
            with wave.open(path, "rb") as speech:
                return speech.getnframes()
        except (OSError, EOFError, wave.Error) as error:
            raise SynthError(f"espeak-ng wrote no readable WAV ({error})") from None


def serve(requests: TextIO, replies: TextIO) -> None:
    try:
        speaker: Speaker | None = Speaker()
        broken = ""
    except Exception as error:  # an absent libespeak-ng shows up here, as OSError or RuntimeError
        speaker, broken = None, f"pyttsx3 could not start espeak-ng ({error}); install the espeak-ng package"
    for line in requests:
        try:
            if speaker is None:
                raise SynthError(broken)
            request = json.loads(line)
            identifier = speaker.use(request["voice"], request["rate"], request["volume"])
            if "text" in request:
                speaker.save(request["text"], request["path"])
            reply: dict[str, Any] = {"ok": True, "voice": identifier}
        except Exception as error:
            reply = {"ok": False, "error": str(error)}
        replies.write(json.dumps(reply) + "\n")


if __name__ == "__main__":
    serve(sys.stdin, _replies())
