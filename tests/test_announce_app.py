"""Announcements inside the hall: the app wiring, the config keys, and ``antre say``."""

from __future__ import annotations

import copy
import shutil
import wave

import pytest
from antre.queue_server.announce import announcement_text
from antre.queue_server.app import create_app
from antre.queue_server.config import ConfigError, load_config
from antre.queue_server.engine import Event
from antre.queue_server.hall import hall_of

from tests.support import RENDER_DEADLINE, SMALL_HALL, antre, needs_espeak, wait_until, write_config


def hall_file(tmp_path, **announcements):
    data = copy.deepcopy(SMALL_HALL)
    data["announcements"] = announcements
    return write_config(tmp_path, data)


# --- config ---------------------------------------------------------------------------------------
def test_announcement_defaults(hall_config):
    settings = hall_config.announcements
    assert {k: settings[k] for k in ("enabled", "language", "reading", "repeat", "rate", "volume", "output", "cache_mb")} == {
        "enabled": True,
        "language": "id",
        "reading": "mixed",
        "repeat": 1,
        "rate": 150,
        "volume": 1.0,
        "output": "display",
        "cache_mb": 300,
    }
    assert "voice" not in settings  # chosen by language: espeak-ng "id" or "en"


def test_every_announcement_key_is_accepted(tmp_path):
    keys = {
        "language": "en",
        "reading": "digits",
        "repeat": 2,
        "voice": "en-us",
        "rate": 170,
        "volume": 0.8,
        "output": "server",
        "cache_mb": 50,
    }
    settings = load_config(hall_file(tmp_path, **keys, template="Number {number} to {counter}, {service} {agency}")).announcements
    assert {k: settings[k] for k in keys} == keys


@pytest.mark.parametrize(
    ("announcements", "problem"),
    [
        ({"voice": ""}, "announcements.voice: must be a non-empty text"),
        ({"rate": 20}, "announcements.rate: must be between 60 and 400, got 20"),
        ({"rate": 150.5}, "announcements.rate: must be a whole number"),
        ({"volume": 1.5}, "announcements.volume: must be between 0 and 1, got 1.5"),
        ({"output": "speaker"}, "announcements.output: must be one of display, server, got 'speaker'"),
        ({"reading": "words"}, "announcements.reading: must be one of digits, cardinal, mixed, got 'words'"),
        ({"repeat": 0}, "announcements.repeat: must be between 1 and 5, got 0"),
        ({"cache_mb": 1}, "announcements.cache_mb: must be between 10 and 100000, got 1"),
        ({"cache_mb": "big"}, "announcements.cache_mb: must be a whole number"),
        (
            {"template": "Nomor {nomor}"},
            "announcements.template: unknown placeholder {nomor} (known: {number}, {counter}, {service}, {agency})",
        ),
        ({"template": "Nomor {number"}, "announcements.template: "),
        ({"speed": 3}, "announcements.speed: unknown key"),
    ],
)
def test_a_bad_announcement_key_is_named(tmp_path, announcements, problem):
    with pytest.raises(ConfigError) as refused:
        load_config(hall_file(tmp_path, **announcements))
    assert len(refused.value.problems) == 1
    assert refused.value.problems[0].startswith(problem)


# --- the app ---------------------------------------------------------------------------------------
def heard_calls(app) -> list[Event]:
    heard: list[Event] = []
    hall_of(app).engine.subscribe(lambda events: heard.extend(e for e in events if e.kind in ("called", "recalled")))
    return heard


@needs_espeak
def test_a_call_through_the_api_is_rendered_and_served_as_wav(app, client, officers, auth, tmp_path):
    announcer = hall_of(app).announcer
    assert announcer.renderer.cache_dir == tmp_path / "audio-cache"
    heard = heard_calls(app)
    client.post("/api/v1/tickets", json={"service": "A"})
    assert client.post("/api/v1/counters/1/call-next", headers=auth(officers["siti"])).status_code == 200
    assert client.post("/api/v1/counters/1/recall", headers=auth(officers["siti"])).status_code == 200

    called, recalled = (announcer.call_fields(event) for event in heard)
    assert called == recalled, "a recall speaks the same sentence, from the cache"
    assert called["caption"] == "Nomor antrean A001, silakan menuju Loket 1"
    assert called["play_audio"] is True
    assert announcer.renderer.wait(called["audio_url"].rsplit("/", 1)[1].removesuffix(".wav"), RENDER_DEADLINE) is not None
    response = client.get(called["audio_url"])
    assert response.status_code == 200 and response.mimetype == "audio/wav"
    assert response.headers["Server-Timing"].startswith("render;dur=")


def spoken_key(announcer, number: str, counter_id: str) -> str:
    """The cache key of the call of ``number`` to ``counter_id``, as rendering ahead would ask for it."""
    hall = announcer.hall
    service = hall.services[number.rstrip("0123456789")]
    return announcer.renderer.key(
        announcement_text(number, hall.counters[counter_id].name, service.name, service.agency, announcer.settings)
    )


@needs_espeak
def test_the_likely_next_calls_are_rendered_before_anyone_presses_next(app, client):
    announcer = hall_of(app).announcer
    announcer.warm_up()  # as a serving hall does; until then nothing is rendered ahead
    for _ in range(3):
        client.post("/api/v1/tickets", json={"service": "A"})
    ready = lambda number, counter: announcer.renderer.state(spoken_key(announcer, number, counter)) == "ready"  # noqa: E731
    # A is served at Loket 1 and Loket 2: the head and the one behind it, for each of them.
    wait_until(lambda: all(ready(n, c) for n in ("A001", "A002") for c in ("1", "2")), RENDER_DEADLINE, message="A001 and A002 rendered")
    assert not ready("A003", "1"), "only the head of the queue and the one behind it"


@needs_espeak
def test_tickets_issued_behind_the_head_do_not_ask_for_it_again(app, client):
    announcer = hall_of(app).announcer
    announcer.warm_up()
    client.post("/api/v1/tickets", json={"service": "A"})
    client.post("/api/v1/tickets", json={"service": "A"})
    wait_until(lambda: announcer.renderer.stats["renders"] == 4 and not announcer.renderer.stats["pending"], RENDER_DEADLINE)
    asked = announcer.renderer.stats
    for _ in range(20):
        client.post("/api/v1/tickets", json={"service": "A"})
    client.post("/api/v1/tickets", json={"service": "B"})  # a change the foresight thread handles after the twenty
    key = spoken_key(announcer, "B001", "1")
    wait_until(lambda: announcer.renderer.state(key) == "ready", RENDER_DEADLINE, message="B001 rendered ahead")
    assert announcer.renderer.stats["cache_hits"] == asked["cache_hits"], "the heads of A were not asked for again"
    assert announcer.renderer.stats["renders"] == asked["renders"] + 1


@needs_espeak
def test_with_a_broken_voice_the_call_succeeds_and_its_audio_says_why(tmp_path, clock):
    app = create_app(load_config(hall_file(tmp_path, voice="no-such-voice")), clock)
    announcer = hall_of(app).announcer
    try:
        accounts = hall_of(app).accounts
        accounts.add("siti", "rahasia-petugas-1", "officer", ["1"])
        token = accounts.login("siti", "rahasia-petugas-1")[0]
        heard = heard_calls(app)
        client = app.test_client()
        client.post("/api/v1/tickets", json={"service": "A"})
        response = client.post("/api/v1/counters/1/call-next", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200 and response.get_json()["number"] == "A001"
        assert client.get("/api/v1/state").get_json()["counters"][0]["ticket"]["number"] == "A001"

        fields = announcer.call_fields(heard[0])
        failed = client.get(fields["audio_url"])
        assert failed.status_code == 503
        assert "no-such-voice" in failed.get_json()["error"]["message"]
    finally:
        announcer.close()
        hall_of(app).store.close()


def test_server_speakers_keep_the_display_silent(tmp_path, clock):
    app = create_app(load_config(hall_file(tmp_path, output="server")), clock)
    announcer = hall_of(app).announcer
    try:
        assert announcer.play_audio is False
    finally:
        announcer.close()
        hall_of(app).store.close()


# --- antre say --------------------------------------------------------------------------------------
@needs_espeak
def test_antre_say_saves_one_announcement(tmp_path):
    config = hall_file(tmp_path)
    target = tmp_path / "check.wav"
    done = antre(config, "say", "A012", "1", "--save", str(target))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"saved {target} (") and "Nomor antrean a nol dua belas, silakan menuju loket satu" in done.stdout
    with wave.open(str(target), "rb") as audio:
        assert audio.getsampwidth() == 2 and 1.5 <= audio.getnframes() / audio.getframerate() <= 12
    assert list((tmp_path / "audio-cache").glob("*.wav")), "the hall's cache is warmed as well"


@pytest.mark.parametrize(
    ("args", "announcements", "message"),
    [
        (("12A", "1"), {}, "antre: not a ticket number: '12A'"),
        (("A012", "1", "--save", "/no/such/folder/x.wav"), {}, "antre: cannot write /no/such/folder/x.wav"),
        (("A012", "1", "--save", "x.wav"), {"voice": "no-such-voice"}, "antre: espeak-ng has no usable voice 'no-such-voice'"),
        (("A012",), {}, "antre: Missing argument 'COUNTER'"),
    ],
)
@needs_espeak
def test_antre_say_fails_with_one_clear_line(tmp_path, args, announcements, message):
    done = antre(hall_file(tmp_path, **announcements), "say", *args)
    assert done.returncode != 0
    assert done.stderr.startswith(message) and len(done.stderr.strip().splitlines()) == 1, done.stderr


@needs_espeak
@pytest.mark.skipif(bool(shutil.which("aplay") or shutil.which("paplay")), reason="this machine has a player")
def test_antre_say_without_a_player_says_what_to_install(tmp_path):
    done = antre(hall_file(tmp_path), "say", "A012", "1")
    assert done.returncode == 1
    assert (
        done.stderr.strip() == "antre: no audio player found: install alsa-utils (aplay) or pulseaudio-utils (paplay), or use --save FILE"
    )
