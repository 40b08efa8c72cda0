"""The live channel against a real ``antre run``, with the real python-socketio client.

The ``Follower`` below keeps the client rules of queue_server/live.py (ignore before the first
snapshot and what a snapshot shows, sync after a gap), so the tests check the protocol as a display
uses it, not just single messages.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
import socketio
import yaml

from tests.conftest import PASSWORD
from tests.support import ServerProcess, antre, http, wait_until

pytestmark = pytest.mark.slow


def in_order(client: socketio.Client) -> socketio.Client:
    """python-socketio's Engine.IO client hands each message to a new thread, so two messages can be
    handled out of order; a browser handles them in the order they came, and so does this client."""
    trigger = client.eio._trigger_event
    client.eio._trigger_event = lambda event, *args, **kwargs: trigger(event, *args)
    return client


class Follower:
    """A Socket.IO client that records every message and keeps a display's model of the hall."""

    def __init__(self, url: str, drop: int = 0, **query: str):
        self.messages: list[tuple[str, dict]] = []
        self.model: dict | None = None
        self.base = self.last = None
        self.drop = drop  # messages to lose on purpose, to make a gap
        self.syncs = 0
        self.refused: Any = None
        self.lock = threading.Lock()
        self.client = in_order(socketio.Client(reconnection_delay=0.2, reconnection_delay_max=1))
        self.client.on("*", self._receive)
        self.client.on("connect_error", self._refused)
        path = "&".join(f"{k}={v}" for k, v in query.items())
        self.url = f"{url}/?{path}" if path else url

    def connect(self) -> Follower:
        self.client.connect(self.url, transports=["websocket"], wait_timeout=10)
        return self

    def _refused(self, data: Any) -> None:
        self.refused = data

    def _receive(self, name: str, message: dict) -> None:
        with self.lock:
            self.messages.append((name, message))
            if name == "state":
                self.model = {key: message[key] for key in ("counters", "recent_calls", "waiting")}
                self.base = self.last = message["seq"]
            elif name in ("called", "counter", "queue") and self.base is not None and message["seq"] > self.base:
                self._apply(name, message)

    def _apply(self, name: str, message: dict) -> None:
        if self.drop:
            self.drop -= 1
            return
        if message["prev"] > self.last:
            self.syncs += 1
            self.base = None  # ignore everything until the fresh snapshot
            self.client.emit("sync")
            return
        self.last = message["seq"]
        if name == "queue":
            self.model["waiting"] = message["waiting"]
        elif name == "counter":
            self.model["counters"] = [message["counter"] if c["id"] == message["counter"]["id"] else c for c in self.model["counters"]]
        else:
            call = {
                "at": message["at"],
                "recall": message["recall"],
                "ticket": {key: message["ticket"][key] for key in ("id", "number", "service", "agency")},
                "counter": message["counter"],
            }
            self.model["recent_calls"] = [call, *self.model["recent_calls"]][:10]

    def names(self, since: int = 0) -> list[str]:
        return [name for name, _ in self.messages[since:]]

    def of(self, name: str) -> list[dict]:
        return [message for n, message in self.messages if n == name]

    def close(self) -> None:
        self.client.disconnect()


@pytest.fixture
def follow(server: ServerProcess):
    clients: list[Follower] = []

    def start(drop: int = 0, **query: str) -> Follower:
        client = Follower(server.url, drop, **query).connect()
        clients.append(client)
        wait_until(lambda: client.messages, 10, message="the first message after connecting")
        return client

    yield start
    for client in clients:
        client.close()


@pytest.fixture
def admin(server: ServerProcess) -> str:
    return http("POST", f"{server.url}/api/v1/auth/login", {"username": "admin", "password": PASSWORD})[1]["token"]


def api(server: ServerProcess, method: str, path: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
    return http(method, f"{server.url}/api/v1{path}", body, token)


def issue(server: ServerProcess, service: str = "A") -> dict:
    status, ticket = api(server, "POST", "/tickets", {"service": service})
    assert status == 201, ticket
    return ticket


def state_now(server: ServerProcess) -> dict:
    return api(server, "GET", "/state")[1]


def test_state_on_connect_is_the_body_of_get_state(server, follow):
    issue(server)
    client = follow()
    name, message = client.messages[0]
    assert name == "state"
    assert message == state_now(server)
    assert message["seq"] >= 1


def test_calls_and_queue_changes_arrive_in_order_with_increasing_seq(server, follow, admin):
    client = follow()
    issue(server)
    wait_until(lambda: client.of("queue"), message="queue after issuing")
    assert client.of("queue")[-1]["waiting"]["A"] == 1

    assert api(server, "POST", "/counters/1/call-next", token=admin)[0] == 200
    wait_until(lambda: client.of("called"), message="called after call-next")
    called = client.of("called")[0]
    assert called["ticket"] == {
        "id": None,  # a display's message: anyone may listen (test_displays_and_counter_screens_never_hear_a_ticket_id)
        "number": "A001",
        "service": "A",
        "service_name": "KTP Elektronik",
        "agency": "Disdukcapil",
    }
    assert called["counter"] == {"id": "1", "name": "Loket 1"}
    assert called["recall"] is False
    assert called["audio_url"].startswith("/api/v1/audio/") and called["audio_url"].endswith(".wav")

    assert api(server, "POST", "/counters/1/recall", token=admin)[0] == 200
    wait_until(lambda: len(client.of("called")) == 2, message="called again after recall")
    assert client.of("called")[1]["recall"] is True

    wait_until(lambda: client.model == {k: v for k, v in state_now(server).items() if k != "seq"}, message="model equal to GET /state")
    seqs = [message["seq"] for _, message in client.messages]
    assert seqs == sorted(seqs) and seqs[-1] == state_now(server)["seq"]
    for _, message in client.messages[1:]:
        assert message["prev"] <= message["seq"]
    assert client.syncs == 0


def test_a_refused_operation_emits_nothing(server, follow, admin):
    client = follow()
    assert api(server, "POST", "/counters/1/recall", token=admin)[0] == 409  # nothing to recall
    assert api(server, "POST", "/counters/1/complete", token=admin)[0] == 409
    assert api(server, "POST", "/tickets", {"service": "Z"})[0] == 400
    assert api(server, "POST", "/counters/3/pause", {"reason": "istirahat"}, token=admin)[0] == 200
    assert api(server, "POST", "/counters/3/pause", {"reason": "istirahat"}, token=admin)[0] == 409  # already paused
    assert api(server, "POST", "/counters/3/call-next", token=admin)[0] == 409  # paused
    # a marker, the next thing that happens: a desk ticket, since C's only counter is paused
    assert api(server, "POST", "/tickets", {"service": "C"}, token=admin)[0] == 201
    wait_until(lambda: client.of("queue"), message="the marker's queue message")
    assert client.names() == ["state", "counter", "queue"]
    paused = client.of("counter")[0]["counter"]
    assert paused["id"] == "3" and paused["status"] == "paused" and paused["pause_reason"] == "istirahat"


def test_a_counter_screen_gets_only_its_own_counter(server, follow, admin):
    own = follow(counter="2")
    hall = follow()
    issue(server)
    issue(server)
    assert api(server, "POST", "/counters/1/call-next", token=admin)[0] == 200
    assert api(server, "POST", "/counters/2/call-next", token=admin)[0] == 200
    wait_until(lambda: len(hall.of("called")) == 2, message="both calls in the hall")
    wait_until(lambda: own.of("counter"), message="the call at counter 2")
    assert own.names() == ["state", "called", "counter"]
    assert own.of("called")[0]["counter"]["id"] == "2" and own.of("called")[0]["ticket"]["number"] == "A002"
    assert own.of("counter")[0]["counter"]["ticket"]["number"] == "A002"


def test_a_kiosk_hears_setup_changes_and_none_of_the_halls_traffic(server, follow, admin, tmp_path):
    kiosk = Follower(server.url, kiosk="k1").connect()
    try:
        hall = follow()
        issue(server)
        assert api(server, "POST", "/counters/1/call-next", token=admin)[0] == 200
        wait_until(lambda: hall.of("called"), message="the call in the hall")
        document = yaml.safe_load(antre(server.config, "config", "export").stdout)
        document["counters"][0]["name"] = "Loket Satu"
        (tmp_path / "setup.yaml").write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
        assert antre(server.config, "config", "import", str(tmp_path / "setup.yaml")).returncode == 0
        wait_until(lambda: kiosk.messages, message="the setup message at the kiosk")
        assert kiosk.names() == ["setup"]  # no snapshot on connect, no call, no queue
        wait_until(lambda: hall.of("setup"), message="the setup message in the hall")
    finally:
        kiosk.close()


def test_displays_and_counter_screens_never_hear_a_ticket_id(server, follow, admin):
    hall, screen = follow(), follow(counter="2")
    tickets = [issue(server), issue(server)]
    assert api(server, "POST", "/counters/2/call-next", token=admin)[0] == 200
    assert api(server, "POST", "/counters/2/recall", token=admin)[0] == 200
    wait_until(lambda: len(screen.of("called")) == 2 and screen.of("counter"), message="the call and recall at counter 2")
    wait_until(lambda: len(hall.of("called")) == 2, message="the call and recall in the hall")
    hall.client.emit("sync")
    wait_until(lambda: len(hall.of("state")) == 2, message="a fresh snapshot")

    heard = str(hall.messages + screen.messages)
    assert not any(ticket["id"] in heard for ticket in tickets), "anyone listening could cancel the visitor called"
    assert hall.of("called")[0]["ticket"]["number"] == "A001" and hall.of("called")[0]["ticket"]["id"] is None
    assert hall.of("state")[-1]["recent_calls"][0]["ticket"]["number"] == "A001"
    assert screen.of("counter")[0]["counter"]["ticket"]["number"] == "A001"


def test_a_phone_follows_only_its_own_ticket(server, follow, admin):
    first, mine = issue(server), issue(server)
    phone = follow(ticket=mine["id"])
    assert phone.names() == ["ticket"]
    assert phone.of("ticket")[0]["ticket"]["waiting_ahead"] == 1
    issue(server, "C")  # another service's queue: nothing for this phone
    assert api(server, "POST", "/counters/1/call-next", token=admin)[0] == 200  # calls the first ticket
    wait_until(lambda: len(phone.of("ticket")) == 2, message="the phone's place moving up")
    assert phone.of("ticket")[1]["ticket"]["waiting_ahead"] == 0 and phone.of("ticket")[1]["events"] == []
    assert api(server, "POST", "/counters/2/call-next", token=admin)[0] == 200  # calls mine
    wait_until(lambda: len(phone.of("ticket")) == 3, message="the phone's own call")
    called = phone.of("ticket")[2]
    assert called["events"] == ["called"] and called["ticket"]["status"] == "called"
    assert called["ticket"]["counter"] == {"id": "2", "name": "Loket 2"}
    assert phone.names() == ["ticket"] * 3
    assert first["id"] not in str(phone.messages)


def test_a_phone_hears_its_place_move_when_its_counter_calls_another_service(server, follow, admin):
    assert api(server, "POST", "/counters/2/pause", {"reason": "istirahat"}, token=admin)[0] == 200  # Loket 1 alone serves A
    issue(server, "B")
    mine = issue(server)
    phone = follow(ticket=mine["id"])
    assert phone.of("ticket")[0]["ticket"]["waiting_ahead"] == 1, "Loket 1 calls the older B ticket first"
    assert api(server, "POST", "/counters/1/call-next", token=admin)[0] == 200
    wait_until(lambda: len(phone.of("ticket")) == 2, message="the phone's place moving up")
    assert phone.of("ticket")[1]["ticket"]["waiting_ahead"] == 0


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ({"counter": "99"}, "unknown counter '99'"),
        ({"ticket": "nope"}, "no ticket with that id"),
        ({"counter": "1", "ticket": "x"}, "not both"),
    ],
)
def test_an_unknown_counter_or_ticket_is_refused_with_a_message(server, query, problem):
    client = Follower(server.url, **query)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect()
    assert problem in client.refused["message"]


def test_follow_switches_the_audience_and_answers_bad_input(server, follow, admin):
    client = follow()
    answer = client.client.call("follow", {"counter": "nope"}, timeout=5)
    assert answer["error"]["field"] == "counter" and "unknown counter" in answer["error"]["message"]
    assert client.client.call("follow", {"counter": "3"}, timeout=5) == {"ok": True}
    wait_until(lambda: len(client.of("state")) == 2, message="a fresh snapshot after follow")
    issue(server)
    issue(server, "C")
    assert api(server, "POST", "/counters/3/call-next", token=admin)[0] == 200
    wait_until(lambda: client.of("counter"), message="the call at counter 3")
    assert client.names() == ["state", "state", "called", "counter"]


def test_a_client_that_missed_a_message_resyncs_to_get_state(server, follow, admin):
    client = follow(drop=1)
    for service in "AAC":
        issue(server, service)
    assert api(server, "POST", "/counters/1/call-next", token=admin)[0] == 200
    assert api(server, "POST", "/counters/3/call-next", token=admin)[0] == 200
    wait_until(lambda: client.syncs == 1 and len(client.of("state")) == 2, message="a resync after the gap")
    expected = state_now(server)
    shown = {k: v for k, v in expected.items() if k != "seq"}
    # The call and what it changed arrive as separate messages with the same seq: wait for all of them.
    wait_until(lambda: client.last == expected["seq"] and client.model == shown, message="the client caught up")


def test_after_a_server_restart_clients_reconnect_and_resync(server, follow, admin):
    client = follow()
    issue(server)
    wait_until(lambda: client.of("queue"), message="queue before the restart")
    server.stop()
    wait_until(lambda: not client.client.connected, message="the client noticing the server is gone")
    server.start()
    wait_until(lambda: len(client.of("state")) == 2, 20, message="a snapshot after reconnecting")
    token = http("POST", f"{server.url}/api/v1/auth/login", {"username": "admin", "password": PASSWORD})[1]["token"]
    assert api(server, "POST", "/counters/1/call-next", token=token)[0] == 200
    wait_until(lambda: client.of("called"), message="a call after the restart")
    expected = state_now(server)
    shown = {k: v for k, v in expected.items() if k != "seq"}
    # The call and what it changed arrive as separate messages with the same seq: wait for all of them.
    wait_until(lambda: client.last == expected["seq"] and client.model == shown, message="the client caught up")
    assert client.of("state")[1]["seq"] >= client.of("state")[0]["seq"]


def test_screens_hear_a_counter_open_when_an_officer_takes_it_and_close_when_they_leave(server, follow, admin):
    screen = follow(counter="2")
    assert api(server, "POST", "/counters/2/open", token=admin)[0] == 200
    wait_until(lambda: screen.of("counter"), message="the counter opening")
    assert api(server, "POST", "/counters/2/close", token=admin)[0] == 200
    wait_until(lambda: len(screen.of("counter")) == 2, message="the counter closing")
    assert [m["counter"]["status"] for m in screen.of("counter")] == ["open", "closed"]
