"""Real announcement audio from pyttsx3 + espeak-ng: the file, the cache, failures, HTTP, server speakers."""

from __future__ import annotations

import copy
import logging
import math
import os
import shutil
import sys
import wave
from array import array
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from antre.queue_server.announce import Announcer, views
from antre.queue_server.announce.chime import chime
from antre.queue_server.announce.render import Renderer, Voice, cache_key
from antre.queue_server.clock import ManualClock
from antre.queue_server.config import HallConfig, parse_config
from antre.queue_server.engine import Engine, Event
from antre.queue_server.hall import attach_hall, open_hall
from antre.queue_server.store import Store
from flask import Flask
from flask.testing import FlaskClient

from tests.support import RENDER_DEADLINE, SMALL_HALL, needs_espeak, wait_until

pytestmark = needs_espeak

SENTENCE = "Nomor antrean a nol nol satu, silakan menuju loket satu"


def hall_with(tmp_path: Path, **announcements) -> HallConfig:
    data = copy.deepcopy(SMALL_HALL)
    data["announcements"] = announcements
    return parse_config(data, tmp_path / "config.yaml")


def call_event(event_id: int = 1, number: str = "A001", counter_id: str = "1", kind: str = "called") -> Event:
    ticket = {"id": f"t{event_id}", "number": number, "service": number[0], "counter_id": counter_id, "status": "called"}
    return Event(event_id, kind, "2026-11-25T01:00:00.000000+00:00", ticket, counter_id, None, {"counter_name": f"Loket {counter_id}"})


def samples(path: Path) -> tuple[wave._wave_params, array]:
    with wave.open(str(path), "rb") as audio:
        params = audio.getparams()
        frames = array("h", audio.readframes(audio.getnframes()))
    if sys.byteorder == "big":
        frames.byteswap()
    return params, frames


def rms(frames: array) -> float:
    return math.sqrt(sum(s * s for s in frames) / len(frames))


@pytest.fixture(scope="module")
def announcer(tmp_path_factory):
    """One announcer and one rendered cache for the module: most tests only need a few sentences."""
    folder = tmp_path_factory.mktemp("announcer")
    announcer = Announcer(hall_with(folder), folder / "audio")
    yield announcer
    announcer.close()


def settled(renderer: Renderer) -> dict[str, int]:
    """The renderer's counts once it has looked at everything asked of it."""
    wait_until(lambda: renderer.stats["pending"] == 0, RENDER_DEADLINE, message="the render queue to empty")
    return renderer.stats


def test_a_call_renders_a_chime_then_speech_as_16_bit_wav(announcer):
    event = call_event()
    announcer.on_events([event])
    key = announcer.audio_key(event)
    path = announcer.renderer.wait(key, RENDER_DEADLINE)
    assert path is not None, announcer.renderer.status()

    params, frames = samples(path)
    assert (params.sampwidth, params.nchannels) == (2, 1)
    assert 1.5 <= params.nframes / params.framerate <= 12
    intro = chime(params.framerate, 1.0)
    assert frames[: len(intro) // 2].tobytes() == intro
    speech = frames[len(intro) // 2 :]
    assert rms(speech) > 500, "the sentence after the chime is (nearly) silent"


def test_a_second_identical_request_renders_nothing(tmp_path):
    renderer = Renderer(tmp_path, Voice("id"))
    try:
        first = renderer.request(SENTENCE)
        path = renderer.wait(first, RENDER_DEADLINE)
        assert path is not None
        written = path.stat().st_mtime_ns
        assert renderer.request(SENTENCE) == first
        assert renderer.wait(first, RENDER_DEADLINE) == path
        assert settled(renderer) == {"renders": 1, "cache_hits": 1, "failures": 0, "pending": 0}
    finally:
        renderer.close()
    restarted = Renderer(tmp_path, Voice("id"))
    try:
        assert restarted.request(SENTENCE) == first
        assert settled(restarted)["renders"] == 0 and restarted.stats["cache_hits"] == 1
        assert path.stat().st_mtime_ns >= written
    finally:
        restarted.close()


def test_everything_that_changes_the_sound_changes_the_key():
    variants = [(Voice("id"), 1), (Voice("en"), 1), (Voice("id", rate=180), 1), (Voice("id", volume=0.5), 1), (Voice("id"), 2)]
    assert len({cache_key(SENTENCE, voice, repeat) for voice, repeat in variants}) == len(variants)
    assert cache_key(SENTENCE, Voice("id"), 1) == cache_key(SENTENCE, Voice("id"), 1)


def test_repeat_repeats_the_sentence(tmp_path):
    once = Renderer(tmp_path, Voice("id"))
    twice = Renderer(tmp_path, Voice("id"), repeat=2)
    try:
        short, long = once.request(SENTENCE), twice.request(SENTENCE)
        one, two = samples(once.wait(short, RENDER_DEADLINE))[0], samples(twice.wait(long, RENDER_DEADLINE))[0]
        intro = len(chime(one.framerate)) // 2
        assert two.nframes - intro > 1.9 * (one.nframes - intro)
    finally:
        once.close()
        twice.close()


def rendered(renderer: Renderer, text: str) -> str:
    """Render ``text`` now, one file at a time, and return its key."""
    key = renderer.request(text)
    assert renderer.wait(key, RENDER_DEADLINE) is not None
    return key


def test_the_cache_is_bounded_and_drops_the_least_recently_used(tmp_path):
    renderer = Renderer(tmp_path, Voice("id"), max_files=3)
    try:
        keys = []
        for i in range(5):
            keys.append(rendered(renderer, f"Nomor antrean a nol nol {i}"))
            if i == 2:
                os.utime(tmp_path / f"{keys[0]}.wav", (0, 0))  # the oldest by far
        assert sorted(p.stem for p in tmp_path.glob("*.wav")) == sorted(keys[2:])
        assert not list(tmp_path.glob("*.tmp"))
    finally:
        renderer.close()


def test_a_full_cache_is_pruned_with_room_to_spare_not_one_file_per_render(tmp_path):
    renderer = Renderer(tmp_path, Voice("id"), max_files=10)
    try:
        keys = []
        for i in range(12):
            keys.append(rendered(renderer, f"Nomor antrean b nol nol {i}"))
            if i == 10:
                assert len(list(tmp_path.glob("*.wav"))) == 9, "the eleventh file brings the cache down to nine tenths"
        assert len(list(tmp_path.glob("*.wav"))) == 10, "the twelfth fits without another prune"
        assert (tmp_path / f"{keys[-1]}.wav").is_file()
    finally:
        renderer.close()


def test_a_broken_voice_fails_clearly_and_the_call_still_succeeds(tmp_path, caplog):
    hall = hall_with(tmp_path, voice="no-such-voice")
    announcer = Announcer(hall, tmp_path / "audio")
    store = Store(hall.database)
    engine = Engine(store, hall, ManualClock(datetime(2026, 11, 25, 8, 0, tzinfo=ZoneInfo("Asia/Jakarta"))))
    heard: list[Event] = []
    engine.subscribe(announcer.on_events)
    engine.subscribe(heard.extend)
    try:
        with caplog.at_level(logging.ERROR, logger="antre.queue_server.announce"):
            engine.issue("A")
            ticket = engine.call_next("1")
            assert ticket["number"] == "A001" and ticket["status"] == "called"
            called = next(e for e in heard if e.kind == "called")
            key = announcer.audio_key(called)
            assert announcer.renderer.wait(key, RENDER_DEADLINE) is None
        assert announcer.renderer.state(key) == "failed"
        error = announcer.renderer.error(key)
        assert "no-such-voice" in error and "espeak-ng --voices" in error
        status = announcer.status()
        assert status["ok"] is False and "no-such-voice" in status["last_error"]
        assert "no-such-voice" in caplog.text

        with audio_client(announcer) as client:
            response = client.get(announcer.audio_url(key))
        assert response.status_code == 503
        assert response.get_json()["error"]["code"] == "render_failed"
    finally:
        announcer.close()
        store.close()


def test_a_killed_speech_process_is_restarted(announcer):
    renderer = announcer.renderer
    first = renderer.request("Nomor antrean a nol nol satu")
    assert renderer.wait(first, RENDER_DEADLINE) is not None
    for pid in speech_processes():
        os.kill(pid, 9)
    second = renderer.request("Nomor antrean a nol nol dua")
    third = renderer.request("Nomor antrean a nol nol tiga")
    renderer.wait(second, RENDER_DEADLINE)
    assert renderer.wait(third, RENDER_DEADLINE) is not None


def speech_processes() -> list[int]:
    """Children of this test process running synth.py (found through /proc, as ps would)."""
    found = []
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        for pid in (task / "children").read_text().split():
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            if b"synth.py" in cmdline:
                found.append(int(pid))
    assert found, "no speech process found"
    return found


@contextmanager
def audio_client(announcer: Announcer) -> Iterator[FlaskClient]:
    """The audio blueprint alone, serving a hall whose announcer is ``announcer``."""
    app = Flask(__name__)
    hall = open_hall(announcer.hall)
    hall.announcer = announcer
    attach_hall(app, hall)
    app.register_blueprint(views.bp)
    try:
        yield app.test_client()
    finally:
        hall.store.close()


def test_audio_url_serves_wav_waiting_for_a_render_in_flight(announcer):
    with audio_client(announcer) as client:
        event = call_event(7, "B012", "2")
        announcer.on_events([event])
        url = announcer.audio_url(announcer.audio_key(event))
        assert url.startswith("/api/v1/audio/") and url.endswith(".wav")

        response = client.get(url)  # asked at once: the view waits for the render
        assert response.status_code == 200
        assert response.mimetype == "audio/wav"
        assert response.data[:4] == b"RIFF" and response.data[8:12] == b"WAVE"
        assert "max-age" in response.headers["Cache-Control"]

        partial = client.get(url, headers={"Range": "bytes=0-99"})
        assert partial.status_code == 206 and len(partial.data) == 100


@pytest.mark.parametrize("key", ["0123456789abcdef0123456789abcdef", "nope", "0123456789ABCDEF0123456789ABCDEF"])
def test_unknown_audio_is_a_json_404(announcer, key):
    with audio_client(announcer) as client:
        response = client.get(f"/api/v1/audio/{key}.wav")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_disabled_announcements_give_no_audio(tmp_path):
    announcer = Announcer(hall_with(tmp_path, enabled=False), tmp_path / "audio")
    try:
        event = call_event()
        announcer.on_events([event])
        assert announcer.audio_key(event) is None
        assert announcer.renderer.stats["pending"] == 0 and announcer.renderer.stats["renders"] == 0
    finally:
        announcer.close()


def test_say_renders_one_announcement_for_the_command_line(announcer):
    path, text = announcer.say("A012", "1")
    assert text == "Nomor antrean a nol dua belas, silakan menuju loket satu"
    assert path.is_file() and samples(path)[0].nframes > 0
    assert announcer.say("A012", "1") == (path, text)
    assert announcer.say("B7", "Meja Informasi")[1] == "Nomor antrean be tujuh, silakan menuju meja informasi"
    with pytest.raises(ValueError, match="not a ticket number"):
        announcer.say("12A", "1")


RECORDER = """
import sys, time
log, path = sys.argv[1], sys.argv[2]
with open(log, "a") as out:
    out.write(f"start {path} {time.monotonic()}\\n")
time.sleep(0.15)
with open(log, "a") as out:
    out.write(f"end {path} {time.monotonic()}\\n")
"""


def test_server_speakers_play_calls_in_order_one_at_a_time(tmp_path):
    recorder, log = tmp_path / "recorder.py", tmp_path / "played.log"
    recorder.write_text(RECORDER)
    hall = hall_with(tmp_path, output="server")
    announcer = Announcer(hall, tmp_path / "audio", player_command=[sys.executable, str(recorder), str(log)])
    try:
        events = [
            call_event(1, "A001", "1"),
            call_event(2, "A002", "2"),
            call_event(3, "C001", "3"),
            call_event(4, "A001", "1", "recalled"),
        ]
        announcer.on_events(events[:2])
        announcer.on_events(events[2:])
        expected = [announcer.renderer.cache_dir / f"{announcer.audio_key(e)}.wav" for e in events]
    finally:
        announcer.close()  # plays what was queued, then stops
    lines = [line.split() for line in log.read_text().splitlines()]
    assert [(kind, Path(path)) for kind, path, _ in lines] == [(k, p) for p in expected for k in ("start", "end")]
    times = [float(t) for _, _, t in lines]
    assert times == sorted(times), "two announcements overlapped"


@pytest.mark.skipif(shutil.which("aplay") or shutil.which("paplay"), reason="this machine has a player")
def test_server_speakers_without_a_player_warn_once(tmp_path, caplog):
    announcer = Announcer(hall_with(tmp_path, output="server"), tmp_path / "audio")
    try:
        with caplog.at_level(logging.WARNING, logger="antre.queue_server.announce"):
            announcer.on_events([call_event(1), call_event(2, "A002")])
        warnings = [r for r in caplog.records if "aplay" in r.getMessage()]
        assert len(warnings) == 1
    finally:
        announcer.close()
