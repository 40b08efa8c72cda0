"""Announcement figures: how fast a new call becomes audio, and how fast cached audio is served.

    python bench/announce.py [--renders 100] [--fetches 1000] [--calls 100] [--interval 0.2]

Prints (a) render time of a new sentence (request → WAV ready), over distinct numbers; (b) time to
serve a cached WAV through the Flask app (test client, no network); (c) time from call-next
returning to its audio being ready for a display to fetch; (d) against a real ``antre run``: a
Socket.IO client acting as the lobby display fetches each call's ``audio_url`` the moment its
``called`` message arrives, and the server's ``Server-Timing: render;dur=`` says whether the audio
was ready (0) or had to be waited for. The calls come ``--interval`` seconds apart (a hall of
100 counters, each calling every minute, makes under two calls a second), so rendering ahead
(foresight.py) has time to work, as it has in a hall; (c) calls back to back, so it shows the
on-demand render time when foresight falls behind. Targets (README.md, Announcements): (b) p99 < 10 ms;
(d) ready before the display fetches it in ≥ 99 % of calls.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import socketio
from flask import Flask

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from antre.queue_server.announce import Announcer, announcement_text, views  # noqa: E402
from antre.queue_server.config import load_config  # noqa: E402
from antre.queue_server.hall import attach_hall, open_hall  # noqa: E402

from tests.support import ServerProcess, antre, http, write_config  # noqa: E402

DEADLINE = 30.0
QUEUE_SECONDS = 1.0


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000  # noqa: E731
    return f"p50 {pick(0.50):7.2f} ms   p99 {pick(0.99):7.2f} ms   max {ordered[-1] * 1000:7.2f} ms   (n={len(ordered)})"


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def ready(announcer: Announcer, key: str) -> None:
    if announcer.renderer.wait(key, DEADLINE) is None:
        raise SystemExit(f"render failed: {announcer.renderer.status()}")


def render_times(announcer: Announcer, n: int) -> list[float]:
    """(a) distinct sentences, each asked for and waited on, one after the other."""
    announcer.say("A999", "1")  # starts the speech process, as a running server already has
    settings = announcer.settings
    texts = [announcement_text(f"B{i:03d}", "Loket 2", "", "", settings) for i in range(1, n + 1)]
    return [timed(lambda text=text: ready(announcer, announcer.renderer.request(text))) for text in texts]


def serve_times(announcer: Announcer, n: int) -> list[float]:
    """(b) one cached WAV fetched repeatedly through the blueprint."""
    app = Flask(__name__)
    hall = open_hall(announcer.hall)
    hall.announcer = announcer
    attach_hall(app, hall)
    app.register_blueprint(views.bp)
    client = app.test_client()
    url = announcer.audio_url(announcer.renderer.key(announcement_text("A999", "Loket 1", "", "", announcer.settings)))

    def fetch() -> None:
        response = client.get(url)
        assert response.status_code == 200 and len(response.data) > 44, response.status_code
        response.close()

    fetch()
    try:
        return [timed(fetch) for _ in range(n)]
    finally:
        hall.store.close()


def call_to_ready_times(folder: Path, n: int) -> list[float]:
    """(c) the engine calls, its listener enqueues the render, we wait until the file is there."""
    hall = open_hall(load_config(write_config(folder)))
    announcer = Announcer(hall.config, folder / "audio")
    hall.engine.subscribe(announcer.on_events)
    keys: list[str] = []
    hall.engine.subscribe(lambda events: keys.extend(k for e in events if (k := announcer.audio_key(e))))
    try:
        announcer.say("A999", "1")
        for _ in range(n):
            hall.engine.issue("A")
        samples = []
        for _ in range(n):
            hall.engine.call_next("1")
            started = time.perf_counter()
            ready(announcer, keys[-1])
            samples.append(time.perf_counter() - started)
        return samples
    finally:
        announcer.close()
        hall.store.close()


def display_fetches(folder: Path, n: int, interval: float) -> tuple[list[float], list[float], int]:
    """(d) a real server and a display: (event latency after call-next returns, fetch time, calls ready)."""
    config = write_config(folder)
    antre(config, "officer", "add", "bench", "--role", "admin", stdin="bench-password-1\n")
    server = ServerProcess(config).start()
    arrived: dict[str, tuple[float, float, float]] = {}
    done = threading.Condition()
    display = socketio.Client()

    @display.on("called")
    def on_called(message: dict) -> None:
        at = time.perf_counter()
        with urllib.request.urlopen(server.url + message["audio_url"], timeout=10) as response:
            response.read()
            waited = float(re.search(r"dur=([\d.]+)", response.headers["Server-Timing"]).group(1))
        with done:
            arrived[message["ticket"]["number"]] = (at, time.perf_counter() - at, waited)
            done.notify_all()

    try:
        display.connect(server.url, transports=["websocket"])
        token = http("POST", f"{server.url}/api/v1/auth/login", {"username": "bench", "password": "bench-password-1"})[1]["token"]
        latencies, fetches, ready = [], [], 0
        numbers = [http("POST", f"{server.url}/api/v1/tickets", {"service": "A"})[1]["number"] for _ in range(n)]
        time.sleep(QUEUE_SECONDS)  # a hall's queue waits minutes before the first call; a second is plenty here
        for number in numbers:
            started = time.perf_counter()
            http("POST", f"{server.url}/api/v1/counters/1/call-next", token=token)
            with done:
                if not done.wait_for(lambda number=number: number in arrived, timeout=DEADLINE):
                    raise SystemExit(f"no called message for {number}")
            at, fetch, waited = arrived[number]
            latencies.append(at - started)
            fetches.append(fetch)
            ready += waited == 0.0
            time.sleep(interval)  # officers call one after another, not all in the same millisecond
        return latencies, fetches, ready
    finally:
        display.disconnect()
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=100)
    parser.add_argument("--fetches", type=int, default=1000)
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between calls in (d); a busy hall calls about twice a second")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        config = load_config(write_config(folder))
        announcer = Announcer(config, folder / "audio-a")
        try:
            renders = render_times(announcer, args.renders)
            serves = serve_times(announcer, args.fetches)
            voice = announcer.renderer.status()["espeak_voice"]
        finally:
            announcer.close()
        (folder / "c").mkdir()
        calls = call_to_ready_times(folder / "c", args.calls)
        (folder / "d").mkdir()
        latencies, fetches, ready = display_fetches(folder / "d", args.calls, args.interval)
    print(f"voice {voice}, rate {config.announcements['rate']}, reading {config.announcements['reading']}")
    print(f"(a) render a new sentence        {percentiles(renders)}")
    print(f"(b) serve a cached WAV (Flask)   {percentiles(serves)}")
    print(f"(c) call-next → audio ready      {percentiles(calls)}")
    print(f"(d) call-next sent → called msg  {percentiles(latencies)}")
    print(f"    display fetches audio_url    {percentiles(fetches)}")
    print(f"    audio ready before the fetch {ready}/{len(fetches)} calls ({100 * ready / len(fetches):.1f} %, target ≥ 99 %)")


if __name__ == "__main__":
    main()
