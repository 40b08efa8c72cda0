"""Complaints in a real browser: filed from a served ticket's phone page, followed on the status page,
handled on the staff page; a complainant's words shown as text everywhere, never run."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.support import axe_violations, http
from tests.test_admin_browser import log_in

pytestmark = pytest.mark.browser

API = "/api/v1"
PHONE = {"width": 390, "height": 844}
HOSTILE = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 1"> Petugas meminta biaya tambahan'


def served_ticket(server) -> dict:
    token = http("POST", f"{server.url}{API}/auth/login", {"username": "siti", "password": PASSWORD})[1]["token"]
    status, ticket = http("POST", f"{server.url}{API}/tickets", {"service": "A"})
    assert status == 201, ticket
    for action in ("call-next", "complete"):
        assert http("POST", f"{server.url}{API}/counters/1/{action}", {}, token=token)[0] == 200
    return ticket


def test_a_complaint_from_a_served_ticket_gets_a_code_and_its_status_follows_staffs_answer(server, new_page):
    from playwright.sync_api import expect

    ticket = served_ticket(server)
    phone = new_page(PHONE)
    phone.goto(ticket["track_url"])
    phone.click("#complaint-open")
    expect(phone.locator("#complaint-about")).to_contain_text(ticket["number"])
    assert axe_violations(phone) == []
    phone.click("#complaint-send")  # nothing typed: the first required field is marked and focused
    expect(phone.locator("#c-what")).to_have_attribute("aria-invalid", "true")
    expect(phone.locator("#c-what")).to_be_focused()
    phone.get_by_label("Apa yang terjadi?").fill(HOSTILE)
    phone.get_by_label("Di mana dan kapan?").fill("Loket 1, pagi ini")
    phone.get_by_label("Rahasiakan identitas saya").check()
    phone.click("#complaint-send")
    code = phone.locator("#complaint-code")
    expect(code).to_be_visible()
    code_text = code.inner_text()
    assert code_text.startswith("PGD-") and len(code_text) == 16

    phone.click("#complaint-status-link")
    expect(phone.locator("#complaint")).to_have_attribute("data-status", "baru")
    expect(phone.locator("#complaint-status")).to_contain_text("Baru diterima")
    expect(phone.locator("#lapor-link")).to_have_attribute("href", "https://www.lapor.go.id")
    assert axe_violations(phone) == []

    staff = new_page()
    log_in(staff, server, "/admin/login", "admin")
    staff.goto(f"{server.url}/admin/complaints")
    row = staff.locator(f'tr[data-code="{code_text}"]')
    expect(row).to_contain_text("Baru diterima")
    expect(row.locator(".complaint-what")).to_contain_text("<script>window.pwned = 1</script>")
    row.get_by_role("button").click()
    expect(staff.locator("#detail-what")).to_have_text(HOSTILE)
    expect(staff.locator("#complaint-counts")).to_have_text("1 terbuka · 0 terlambat")
    assert axe_violations(staff) == []
    staff.select_option("#change-status", "diproses")
    staff.fill("#change-answer", "Biaya tambahan tidak dibenarkan; petugas sudah ditegur.")
    staff.click("#change-save")
    expect(staff.locator("#complaint-message")).to_have_text("Tersimpan.")
    expect(row).to_contain_text("Sedang diproses")
    assert staff.evaluate("window.pwned") is None

    phone.reload()
    expect(phone.locator("#complaint")).to_have_attribute("data-status", "diproses")
    expect(phone.locator("#complaint-answer")).to_have_text("Biaya tambahan tidak dibenarkan; petugas sudah ditegur.")
    assert phone.evaluate("window.pwned") is None


def test_the_status_page_shows_a_hostile_complaints_answer_as_text_and_finds_a_code_typed_loosely(server, new_page):
    from playwright.sync_api import expect

    filed = http("POST", f"{server.url}{API}/complaints", {"what": HOSTILE, "where_when": "<b>lobi</b>"})[1]
    token = http("POST", f"{server.url}{API}/auth/login", {"username": "admin", "password": PASSWORD})[1]["token"]
    status, _ = http("PATCH", f"{server.url}{API}/complaints/{filed['code']}", {"status": "diproses", "answer": HOSTILE}, token=token)
    assert status == 200
    phone = new_page(PHONE)
    phone.goto(f"{server.url}/pengaduan/lacak")
    phone.get_by_label("Kode pengaduan").fill(filed["code"].lower().replace("-", " "))
    phone.click("#track-send")
    expect(phone.locator("#complaint-code")).to_have_text(filed["code"])
    expect(phone.locator("#complaint-answer")).to_have_text(HOSTILE)
    assert phone.evaluate("window.pwned") is None
    phone.goto(f"{server.url}/pengaduan/PGD-0000-0000-00")
    expect(phone.locator("#complaint-missing")).to_be_visible()
