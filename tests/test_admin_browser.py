"""The administration's officers page in headless Chromium against a real ``antre run``: a password
reset end to end, a disabled officer let back in, and an agency admin kept to their agency."""

from __future__ import annotations

import pytest
from antre.queue_server.config import load_config
from antre.queue_server.hall import open_hall

from tests.conftest import PASSWORD
from tests.support import ServerProcess, write_config

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The small hall with a hall admin, the Disdukcapil agency admin, siti (1, 2), budi (3) and rina (2)."""
    config = write_config(tmp_path_factory.mktemp("admin-hall"))
    hall = open_hall(load_config(config))
    try:
        hall.accounts.add("admin", PASSWORD, "admin")
        hall.accounts.add("dukcapil", PASSWORD, "agency_admin", agency="Disdukcapil")
        hall.accounts.add("siti", PASSWORD, "officer", ["1", "2"])
        hall.accounts.add("budi", PASSWORD, "officer", ["3"])
        hall.accounts.add("rina", PASSWORD, "officer", ["2"])
    finally:
        hall.store.close()
    process = ServerProcess(config).start()
    yield process
    process.kill()


def log_in(page, server, path: str, username: str, password: str = PASSWORD):
    page.goto(f"{server.url}{path}")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    return page


def officers_page(page, server, username: str):
    log_in(page, server, "/admin/login", username)
    page.click('nav a[href="/admin/officers"]')
    expect(page.locator("tr[data-username]").first).to_be_visible()
    return page


def row(page, username: str):
    return page.locator(f'tr[data-username="{username}"]')


def test_a_reset_password_is_shown_once_and_siti_must_change_it_before_the_console(server, new_page):
    admin = officers_page(new_page(), server, "admin")
    row(admin, "siti").get_by_role("button", name="Atur ulang kata sandi").click()
    expect(admin.locator("#one-time")).to_be_visible()
    expect(admin.locator("#one-time-user")).to_have_text("siti")
    one_time = admin.locator("#one-time-password").inner_text()
    assert len(one_time) == 12

    siti = log_in(new_page(), server, "/counter/login", "siti", one_time)
    expect(siti.locator("#password-required")).to_contain_text("Pilih kata sandi baru")
    siti.goto(f"{server.url}/counter/1")
    assert "/counter/password" in siti.url, "nothing else opens before the change"
    siti.fill("#current-password", one_time)
    siti.fill("#new-password", "sandi-baru-siti")
    siti.fill("#repeat-password", "sandi-baru-siti")
    siti.click("button[type=submit]")
    expect(siti.locator("#counter-name")).to_have_text("Loket 1")

    admin.locator("#one-time-hide").click()
    expect(admin.locator("#one-time")).to_be_hidden()


def test_a_disabled_officer_enabled_again_can_log_in(server, new_page):
    admin = officers_page(new_page(), server, "admin")
    row(admin, "budi").get_by_role("button", name="Nonaktifkan").click()
    expect(row(admin, "budi")).to_contain_text("nonaktif")

    refused = new_page()
    refused.goto(f"{server.url}/counter/login")
    refused.fill("#username", "budi")
    refused.fill("#password", PASSWORD)
    refused.click("button[type=submit]")
    expect(refused.locator("#login-error")).to_be_visible()

    row(admin, "budi").get_by_role("button", name="Aktifkan").click()
    expect(row(admin, "budi").locator(".state-active")).to_be_visible()
    budi = log_in(new_page(), server, "/counter/login", "budi")
    expect(budi.locator("#counter-name")).to_have_text("Loket 3")

    row(admin, "budi").get_by_label("Peran").select_option("agency_admin")
    row(admin, "budi").get_by_label("Instansi").select_option("Kantor Imigrasi")
    row(admin, "budi").get_by_role("button", name="Simpan peran").click()
    expect(row(admin, "budi")).to_have_attribute("data-role", "agency_admin")


def test_an_agency_admin_sees_their_agency_only_and_a_crafted_request_is_403(server, new_page):
    page = officers_page(new_page(), server, "dukcapil")
    expect(page.locator("tr[data-username]")).to_have_count(3)  # dukcapil, rina, siti
    assert row(page, "budi").count() == 0 and row(page, "admin").count() == 0
    crafted = page.evaluate(
        """async () => {
            const headers = {'X-CSRF-Token': document.querySelector('meta[name=csrf-token]').content};
            const response = await fetch('/api/v1/admin/officers/budi', {method: 'DELETE', headers});
            return {status: response.status, body: await response.json()};
        }"""
    )
    assert crafted["status"] == 403 and crafted["body"]["error"]["code"] == "forbidden"

    row(page, "rina").locator(".counters-field").fill("1, 2")
    row(page, "rina").get_by_role("button", name="Simpan loket").click()
    expect(page.locator("#officers-message")).to_contain_text("rina disimpan")
    expect(row(page, "rina").locator(".counters-field")).to_have_value("1, 2")


def test_an_officer_is_shown_a_403_page(server, new_page):
    page = log_in(new_page(), server, "/admin/login", "rina")
    response = page.goto(f"{server.url}/admin/officers")
    assert response.status == 403
    expect(page.locator("#forbidden")).to_contain_text("hanya untuk admin gedung dan admin instansi")
