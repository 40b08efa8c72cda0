"""The OpenAPI document at /api/v1/openapi.json describes the real responses, status by status.

Every response of a scenario that walks each endpoint through its success and error cases is
validated against the schema the document gives for that path, method and status. The schemas
forbid undocumented fields, so a field added to the API without the document fails here.
"""

from __future__ import annotations

import io
import re

import pytest
from antre.queue_server.hall import hall_of
from jsonschema import Draft202012Validator
from PIL import Image

from tests.conftest import PASSWORD

API = "/api/v1"


@pytest.fixture
def document(client) -> dict:
    """The document as the server serves it."""
    return client.get(f"{API}/openapi.json").get_json()


class Checker:
    """Validates responses against the document and remembers which (path, method, status) it saw."""

    def __init__(self, document: dict):
        self.document = document
        self.seen: set[tuple[str, str, str]] = set()

    def operation(self, method: str, path: str) -> tuple[str, dict]:
        for template, item in self.document["paths"].items():
            pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
            if re.match(pattern, path.removeprefix(API).split("?")[0]) and method in item:
                return template, item[method]
        raise AssertionError(f"{method.upper()} {path} is not in the OpenAPI document")

    def response_spec(self, operation: dict, status: int) -> dict:
        responses = operation["responses"]
        spec = responses.get(str(status)) or responses.get("default")
        assert spec is not None, f"status {status} is not documented"
        if "$ref" in spec:
            spec = self.document["components"]["responses"][spec["$ref"].rsplit("/", 1)[1]]
        return spec

    def check(self, method: str, path: str, response) -> None:
        template, operation = self.operation(method, path)
        spec = self.response_spec(operation, response.status_code)
        self.seen.add((template, method, str(response.status_code)))
        content = spec.get("content")
        if content is None:
            assert response.get_data() == b"", f"{method.upper()} {path} → {response.status_code} should have no body"
            return
        assert response.mimetype in content, f"{method.upper()} {path} answered {response.mimetype}"
        schema = {**content[response.mimetype]["schema"], "components": self.document["components"]}
        errors = sorted(Draft202012Validator(schema).iter_errors(response.get_json()), key=str)
        assert not errors, f"{method.upper()} {path} → {response.status_code}: " + "; ".join(
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5]
        )


@pytest.fixture
def call(client, document):
    checker = Checker(document)

    def call(
        method: str, path: str, json=None, token: str | None = None, data=None, expect: int | None = None, content_type=None, kiosk_key: str = ""
    ):
        headers = {"Authorization": f"Bearer {token}"} if token else {"Authorization": f"Kiosk {kiosk_key}"} if kiosk_key else {}
        response = client.open(f"{API}{path}", method=method.upper(), json=json, data=data, headers=headers, content_type=content_type)
        checker.check(method, f"{API}{path}", response)
        if expect is not None:
            assert response.status_code == expect, response.get_data(as_text=True)
        return response

    call.checker = checker
    return call


def test_the_document_is_valid_openapi_3_1_and_names_every_route(app, document):
    assert document["openapi"].startswith("3.1")
    documented = {re.sub(r"\{[^}]+\}", "{}", path) for path in document["paths"]}
    routes = {
        re.sub(r"<[^>]+>", "{}", rule.rule.removeprefix(API))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(API) and not rule.rule.startswith(f"{API}/audio/")
    }
    assert routes - documented == set(), "routes missing from the OpenAPI document"


def test_public_endpoints_answer_as_documented(call, kiosk_k1):
    call("get", "/services", expect=200)
    key = kiosk_k1["Authorization"].split()[1]
    ticket = call("post", "/tickets", json={"service": "A", "priority": "lansia", "kiosk": "k1"}, kiosk_key=key, expect=201).get_json()
    call("post", "/tickets", json={"service": "A", "kiosk": "k1"}, expect=401)
    call("post", "/tickets", json={"service": "A", "priority": True}, expect=201)
    call("post", "/tickets", json={"service": "nope"}, expect=400)
    call("post", "/tickets", data="not json", expect=415)
    call("post", "/tickets", data="not json", content_type="application/json", expect=400)
    call("get", f"/tickets/{ticket['id']}", expect=200)
    call("get", "/tickets/unknown-id", expect=404)
    call("get", f"/tickets/{ticket['id']}/history", expect=401)
    call("post", f"/tickets/{ticket['id']}/cancel", expect=200)
    call("post", f"/tickets/{ticket['id']}/cancel", expect=409)
    call("get", "/state", expect=200)
    call("get", "/openapi.json", expect=200)


def test_officer_endpoints_answer_as_documented(call, officers):
    call("post", "/auth/login", json={"username": "siti", "password": "wrong"}, expect=401)
    call("post", "/auth/login", json={"username": "siti"}, expect=400)
    token = call("post", "/auth/login", json={"username": "siti", "password": PASSWORD}, expect=200).get_json()["token"]
    call("get", "/auth/me", token=token, expect=200)
    call("get", "/auth/me", expect=401)

    call("post", "/counters/1/call-next", token=token, expect=204)
    first = call("post", "/tickets", json={"service": "A"}, expect=201).get_json()
    second = call("post", "/tickets", json={"service": "A"}, expect=201).get_json()
    call("post", "/tickets", json={"service": "B"}, expect=201)
    call("get", "/counters/1/waiting", token=token, expect=200)
    call("get", f"/tickets/{first['id']}/history", token=token, expect=200)
    call("post", "/counters/1/call-next", token=token, expect=200)
    call("post", "/counters/1/recall", token=token, expect=200)
    call("post", "/counters/1/start", token=token, expect=200)
    call("post", "/counters/1/start", token=token, expect=409)
    call("post", "/counters/1/complete", token=token, expect=200)
    call("post", "/counters/1/call", json={"ticket_id": second["id"]}, token=token, expect=200)
    call("post", "/counters/1/call", json={"ticket_id": first["id"]}, token=token, expect=409)
    call("post", "/counters/1/call", json={}, token=token, expect=400)
    call("post", "/counters/1/transfer", json={"service": "B"}, token=token, expect=200)
    call("post", "/counters/1/call-next", token=token, expect=200)
    call("post", "/counters/1/no-show", token=token, expect=200)
    call("post", "/counters/1/pause", json={"reason": "istirahat"}, token=token, expect=200)
    call("post", "/counters/1/call-next", token=token, expect=409)
    call("post", "/counters/1/resume", token=token, expect=200)
    call("post", "/counters/3/call-next", token=token, expect=403)
    call("post", "/counters/nope/call-next", token=token, expect=404)
    call("post", "/counters/1/call-next", expect=401)
    call("post", "/auth/logout", token=token, expect=204)


def test_admin_media_endpoints_answer_as_documented(call, officers):
    image = io.BytesIO()
    Image.new("RGB", (8, 8), "#1F6FB2").save(image, "PNG")
    admin, siti = officers["admin"], officers["siti"]

    def upload(data: bytes, name: str, token: str, expect: int):
        form = {"file": (io.BytesIO(data), name)}
        return call("post", "/admin/media", data=form, token=token, content_type="multipart/form-data", expect=expect)

    saved = upload(image.getvalue(), "a.png", admin, 201).get_json()
    upload(b"<svg/>", "a.svg", admin, 400)
    upload(b"\x1a\x45\xdf\xa3webm" + bytes(20 * 2**20), "v.webm", admin, 413)
    upload(image.getvalue(), "a.png", siti, 403)
    call("get", "/admin/media", token=admin, expect=200)
    call("get", "/admin/media", expect=401)
    call("delete", f"/admin/media/{saved['id']}", token=admin, expect=204)
    call("delete", f"/admin/media/{saved['id']}", token=admin, expect=404)


def test_throttled_login_answers_as_documented(call, officers):
    for _ in range(20):
        if call("post", "/auth/login", json={"username": "siti", "password": "wrong"}).status_code == 429:
            break
    call("post", "/auth/login", json={"username": "siti", "password": PASSWORD}, expect=429)


def test_errors_for_unknown_paths_and_methods_answer_as_documented(client, document):
    checker = Checker(document)
    response = client.delete(f"{API}/tickets")
    checker.check("post", f"{API}/tickets", response)
    assert response.status_code == 405 and "POST" in response.headers["Allow"]


def test_admin_officer_endpoints_answer_as_documented(call, officers):
    admin, siti = officers["admin"], officers["siti"]
    call("get", "/admin/officers", token=siti, expect=403)
    call("get", "/admin/officers", expect=401)
    call("get", "/admin/officers", token=admin, expect=200)
    added = call("post", "/admin/officers", json={"username": "rina", "counters": ["1"]}, token=admin, expect=201).get_json()
    assert added["one_time_password"]
    call("post", "/admin/officers", json={"username": "rina", "counters": ["1"]}, token=admin, expect=409)
    call("post", "/admin/officers", json={"username": "x y", "counters": ["1"]}, token=admin, expect=400)
    call("patch", "/admin/officers/rina", json={"counters": ["1", "2"]}, token=admin, expect=200)
    call("patch", "/admin/officers/nobody", json={"counters": ["1"]}, token=admin, expect=404)
    call("delete", "/admin/officers/rina", token=admin, expect=200)
    call("delete", "/admin/officers/admin", token=admin, expect=409)
    call("post", "/admin/officers/rina/enable", token=admin, expect=200)
    one_time = call("post", "/admin/officers/siti/password", token=admin, expect=200).get_json()["one_time_password"]
    call("get", "/admin/officers", token=siti, expect=401)  # the reset ended her session
    fresh = call("post", "/auth/login", json={"username": "siti", "password": one_time}, expect=200).get_json()["token"]
    call("post", "/counters/1/call-next", token=fresh, expect=403)
    call("post", "/auth/password", json={"current_password": one_time, "new_password": "x"}, token=fresh, expect=400)
    call("post", "/auth/password", json={"current_password": one_time, "new_password": "sandi-baru-siti"}, token=fresh, expect=200)
    call("delete", "/admin/officers/siti/sessions", token=admin, expect=200)


def test_monitor_endpoints_answer_as_documented(call, officers, app, clock):
    admin, siti = officers["admin"], officers["siti"]
    engine = hall_of(app).engine
    engine.issue("A")
    clock.advance(minutes=31)
    hall_of(app).monitor.evaluate()
    engine.open_counter("1")
    hall_of(app).monitor.evaluate()
    state = call("get", "/monitor", token=admin, expect=200).get_json()
    assert [(a["alert"], a["service"]) for a in state["alerts"]] == [("over_target", "A")] and state["alerts"][0]["started_at"]
    logged = call("get", "/monitor/alerts", token=admin, expect=200).get_json()["alerts"]
    assert sorted((a["alert"], a["ended_at"] is None) for a in logged) == [("no_open_counter", False), ("over_target", True)]
    call("get", "/monitor/alerts?from=2026-11-32", token=admin, expect=400)
    for path in ("/monitor", "/monitor/alerts"):
        call("get", path, expect=401)
        call("get", path, token=siti, expect=403)
def test_report_endpoints_answer_as_documented(call, officers, app, clock):
    engine = hall_of(app).engine
    engine.issue("A", priority="lansia")
    clock.advance(minutes=4)
    engine.call_next("1")
    clock.advance(minutes=5)
    engine.transfer("1", "B")
    engine.pause("1", "istirahat")
    period = "from=2026-11-25&to=2026-11-25"
    for path in (f"/reports/summary?{period}", f"/reports/detail?{period}", "/reports/choices"):
        call("get", path, token=officers["admin"], expect=200)
    call("get", f"/reports/detail?{period}", token=officers["siti"], expect=200)
    call("get", f"/reports/summary?{period}&officer=3", token=officers["siti"], expect=403)
    call("get", "/reports/summary?from=2026-11-25", token=officers["admin"], expect=400)
    call("get", f"/reports/summary?{period}", expect=401)


def test_staffing_advice_answers_as_documented(call, officers, app, clock):
    engine = hall_of(app).engine
    engine.issue("A")
    engine.call_next("2")
    clock.advance(minutes=6)
    engine.complete("2")
    day = clock.now.date().isoformat()
    query = f"/reports/staffing?weekday={clock.now.weekday()}&from={day}&to={day}"
    call("get", query, token=officers["admin"], expect=200)
    call("get", f"{query}&simulate=1&days=1", token=officers["admin"], expect=200)
    call("get", f"{query}&share=2", token=officers["admin"], expect=400)
    call("get", query, token=officers["siti"], expect=403)
    call("get", query, expect=401)


def test_complaint_endpoints_answer_as_documented(call, officers, kiosk_k1):
    body = {"what": "Petugas meminta biaya tambahan.", "where_when": "Loket 2, pagi"}
    code = call("post", "/complaints", json=body, expect=201).get_json()["code"]
    call("post", "/complaints", json={**body, "agency": "Kantor Imigrasi"}, kiosk_key=kiosk_k1["Authorization"].split()[1], expect=201)
    call("post", "/complaints", json={**body, "what": "pendek"}, expect=400)
    call("post", "/complaints", json=body, kiosk_key="wrong", expect=401)
    call("get", f"/complaints/{code}", expect=200)
    call("get", "/complaints/PGD-0000-0000-00", expect=404)
    call("get", "/complaints", token=officers["admin"], expect=200)
    call("get", "/complaints?status=lama", token=officers["admin"], expect=400)
    call("get", "/complaints", expect=401)
    call("get", "/complaints", token=officers["siti"], expect=403)
    call("get", f"/complaints/{code}/record", token=officers["admin"], expect=200)
    call("get", f"/complaints/{code}/record", token=officers["siti"], expect=403)
    call("get", "/complaints/PGD-0000-0000-00/record", token=officers["admin"], expect=404)
    call("patch", f"/complaints/{code}", json={"agency": "Disdukcapil", "note": "KTP"}, token=officers["admin"], expect=200)
    call("patch", f"/complaints/{code}", json={"status": "selesai"}, token=officers["admin"], expect=400)
    call("patch", f"/complaints/{code}", json={"status": "diproses"}, token=officers["siti"], expect=403)
    call("patch", "/complaints/PGD-0000-0000-00", json={"status": "diproses"}, token=officers["admin"], expect=404)
    call("patch", f"/complaints/{code}", json={"status": "selesai", "answer": "Sudah ditangani."}, token=officers["admin"], expect=200)
    for _ in range(5):  # the address's fifth complaint this hour is its last
        last = call("post", "/complaints", json=body)
    assert last.status_code == 429


def test_a_hall_without_complaints_answers_as_documented(tmp_path, document):
    from antre.queue_server.app import create_app

    from tests.support import SMALL_HALL, write_config

    app = create_app(write_config(tmp_path, {**SMALL_HALL, "complaints": {"enabled": False}}))
    app.config["TESTING"] = True
    try:
        response = app.test_client().post(f"{API}/complaints", json={"what": "Petugas meminta biaya tambahan.", "where_when": "Loket 2"})
        Checker(document).check("post", f"{API}/complaints", response)
        assert response.status_code == 409
    finally:
        hall_of(app).printing.stop()
        hall_of(app).store.close()
