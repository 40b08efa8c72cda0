"""What an anonymous client can send and what it gets back: malformed, oversized or misspelt requests
are refused with the contract's JSON errors, and nothing a client sends (the Host header, a replayed
request id) reaches a printed ticket or another day's queue."""

from __future__ import annotations

import base64
import contextlib
import json
import socket
import zlib

import pytest
from antre.queue_server.app import create_app
from antre.queue_server.hall import hall_of
from antre.queue_server.issuing_access import new_kiosk_key

from tests.support import ServerProcess, http, write_config
from tests.test_printer_api import hall_data, qr_command
from tests.test_session_auth import log_in

API = "/api/v1"


def refused(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error.get("field") == field, error
    return error


def tickets_issued(app) -> int:
    return sum(hall_of(app).engine.state()["waiting"].values())


# --- bodies -------------------------------------------------------------------------------------
def test_json_nested_a_thousand_deep_is_a_bad_body_not_a_crash(client):
    deep = '{"service": "A", "kiosk": ' + "[" * 1000 + "]" * 1000 + "}"
    response = client.post(f"{API}/tickets", data=deep, content_type="application/json")
    refused(response, 400, "body")


def test_a_body_not_sent_as_json_is_refused_and_issues_nothing(client, app):
    response = client.post(f"{API}/tickets", data='{"service": "A"}', content_type="text/plain")
    error = refused(response, 415)
    assert error["code"] == "unsupported_media_type" and "application/json" in error["message"]
    assert tickets_issued(app) == 0
    assert client.post(f"{API}/tickets", data='{"service": "A"}', content_type="application/json; charset=utf-8").status_code == 201


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/tickets", {"service": "A", "prority": "lansia"}, "prority"),
        ("/auth/login", {"username": "admin", "password": "x" * 8, "remember": True}, "remember"),
    ],
)
def test_a_field_the_openapi_document_does_not_name_is_refused_by_name(client, app, path, body, field):
    error = refused(client.post(f"{API}{path}", json=body), 400, field)
    assert field in error["message"]
    assert tickets_issued(app) == 0


def test_a_counter_action_without_a_body_schema_takes_no_fields(client, officers, auth):
    client.post(f"{API}/tickets", json={"service": "A"})
    response = client.post(f"{API}/counters/1/call-next", json={"counter": "2"}, headers=auth(officers["siti"]))
    refused(response, 400, "counter")
    assert client.post(f"{API}/counters/1/call-next", json={}, headers=auth(officers["siti"])).status_code == 200


@pytest.mark.parametrize("limit", ["²", "١٢", "１０"])
def test_unicode_digits_in_limit_are_refused_not_a_crash(client, officers, auth, limit):
    refused(client.get(f"{API}/counters/1/waiting", query_string={"limit": limit}, headers=auth(officers["siti"])), 400, "limit")


# --- kiosk request ids --------------------------------------------------------------------------
def test_a_request_id_with_a_trailing_newline_is_refused(client, app, kiosk_k1):
    response = client.post(f"{API}/tickets", json={"service": "A", "kiosk": "k1", "request_id": "tap-0001-abcd\n"}, headers=kiosk_k1)
    refused(response, 400, "request_id")
    assert tickets_issued(app) == 0


def test_a_retry_after_midnight_is_a_new_ticket_not_yesterdays(client, clock, kiosk_k1):
    tap = {"service": "A", "kiosk": "k1", "request_id": "tap-late-0001"}
    yesterday = client.post(f"{API}/tickets", json=tap, headers=kiosk_k1).get_json()
    clock.advance(days=1)
    today = client.post(f"{API}/tickets", json=tap, headers=kiosk_k1)
    assert today.status_code == 201 and "Idempotent-Replayed" not in today.headers
    assert today.get_json()["id"] != yesterday["id"] and today.get_json()["status"] == "waiting"
    again = client.post(f"{API}/tickets", json=tap, headers=kiosk_k1)
    assert again.headers["Idempotent-Replayed"] == "true" and again.get_json()["id"] == today.get_json()["id"]


def test_request_ids_of_earlier_days_are_not_kept(client, app, clock, kiosk_k1):
    assert client.post(f"{API}/tickets", json={"service": "A", "kiosk": "k1", "request_id": "tap-day1-0001"}, headers=kiosk_k1).status_code == 201
    clock.advance(days=1)
    assert client.post(f"{API}/tickets", json={"service": "A", "kiosk": "k1", "request_id": "tap-day2-0001"}, headers=kiosk_k1).status_code == 201
    with hall_of(app).store.read() as tx:
        assert tx.issued_for_request("tap-day1-0001", since="") is None
        assert tx.issued_for_request("tap-day2-0001", since="") is not None


# --- the Host header ----------------------------------------------------------------------------
@pytest.fixture
def printing_app(tmp_path, clock, printer):
    """A hall with a kiosk printer and no ``public_url``."""
    data = hall_data(printer)
    del data["public_url"]
    app = create_app(write_config(tmp_path, data), clock)
    yield app
    hall_of(app).printing.stop()
    hall_of(app).store.close()


def test_the_host_header_never_reaches_track_url_or_the_printed_qr(printing_app, printer):
    client = printing_app.test_client()
    printer.start()
    key = new_kiosk_key(hall_of(printing_app).store, "k1")
    headers = {"Host": "evil.example", "Authorization": f"Kiosk {key}"}
    ticket = client.post(f"{API}/tickets", json={"service": "A", "kiosk": "k1"}, headers=headers).get_json()
    assert ticket["track_url"] == f"http://localhost/t/{ticket['id']}"
    (paper,) = printer.wait_for_tickets(1)
    assert qr_command(ticket["track_url"]) in paper and b"evil" not in paper


@pytest.mark.slow
def test_the_server_puts_its_own_address_in_tickets_and_warns_without_public_url(server):
    status, ticket = http("POST", f"{server.url}{API}/tickets", {"service": "A"})
    assert status == 201 and ticket["track_url"] == f"{server.url}/t/{ticket['id']}"
    with socket.create_connection(("127.0.0.1", server.port)) as connection:
        body = b'{"service": "A"}'
        connection.sendall(
            b"POST /api/v1/tickets HTTP/1.1\r\nHost: evil.example\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        answer = read_all(connection)
    assert b"201" in answer.split(b"\r\n", 1)[0] and b"evil" not in answer
    assert "public_url is not set" in server.log_path.read_text()


# --- the web server's own limits and answers ----------------------------------------------------
def read_all(connection: socket.socket) -> bytes:
    connection.settimeout(10)
    answer = b""
    while chunk := connection.recv(65536):
        answer += chunk
    return answer


def raw_request(server: ServerProcess, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send bytes as they are (what a hostile client may send); returns (status, headers, body)."""
    with socket.create_connection(("127.0.0.1", server.port)) as connection:
        with contextlib.suppress(OSError):  # the server may answer and close before reading everything
            connection.sendall(request)
        answer = read_all(connection)
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
    return int(status_line.split()[1]), headers, body


@pytest.mark.slow
def test_a_chunked_body_is_capped_at_64_kb_like_any_other(server):
    body = json.dumps({"service": "A", "kiosk": "k" * 96_000}).encode()
    chunks = b"".join(f"{len(part):x}\r\n".encode() + part + b"\r\n" for part in (body[i : i + 8000] for i in range(0, len(body), 8000)))
    status, headers, body = raw_request(
        server,
        b"POST /api/v1/tickets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
        b"Connection: close\r\n\r\n" + chunks + b"0\r\n\r\n",
    )
    assert status == 413 and headers["content-type"] == "application/json"
    assert json.loads(body)["error"]["code"] == "request_entity_too_large"


@pytest.mark.slow
def test_requests_the_web_server_cannot_parse_are_answered_in_json(server):
    for request in (
        b"GET /api/v1/services HTTP/1.1\r\nHost: x\r\nNot a header\r\n\r\n",
        b"GET /api/v1/services HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n",
    ):
        status, headers, body = raw_request(server, request)
        assert 400 <= status < 500 and headers["content-type"] == "application/json", (status, headers, body[:200])
        error = json.loads(body)["error"]
        assert error["code"] == "bad_request" and f"HTTP {status}" in error["message"]


# --- the console's cookie -----------------------------------------------------------------------
def session_content(cookie: str) -> dict:
    """What anyone holding the cookie reads in it: Flask signs its session, it does not hide it."""
    compressed = cookie.startswith(".")
    payload = cookie.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return json.loads(zlib.decompress(raw) if compressed else raw)


def test_the_session_cookie_does_not_carry_a_working_bearer_token(client, officers, auth):
    assert log_in(client, "siti").status_code == 302
    content = session_content(client.get_cookie("antre_session").value)
    for value in content.values():
        if isinstance(value, str):
            assert client.get(f"{API}/auth/me", headers=auth(value)).status_code == 401
    assert client.get(f"{API}/auth/me").get_json()["username"] == "siti"
