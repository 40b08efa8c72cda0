"""The administration's pages for the hall's calendar, settings, lobby content and audit trail, in
headless Chromium against a real ``antre run``: what is saved there reaches the kiosk and the lobby,
a bad value is named beside its field and saves nothing, the audit trail shows the change, and an
agency admin is kept out of the hall's pages."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from antre.queue_server.config import load_config
from antre.queue_server.hall import open_hall

from tests.conftest import PASSWORD
from tests.support import (
    SMALL_HALL,
    ServerProcess,
    axe_violations,
    kiosk_page,
    real_size_hall,
    tv_page,
    write_config,
    write_real_size_config,
)
from tests.test_admin_browser import log_in

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

KIOSK_SCREEN = {"width": 1280, "height": 800}
LIVE = 15_000  # ms: a screen follows a saved change by the live channel, or at worst by its poll
PAGES = ("/admin/calendar", "/admin/settings", "/admin/lobby", "/admin/audit")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The small hall with a hall admin and the Disdukcapil agency admin."""
    config = write_config(tmp_path_factory.mktemp("admin-hall-pages"))
    hall = open_hall(load_config(config))
    try:
        hall.accounts.add("admin", PASSWORD, "admin")
        hall.accounts.add("dukcapil", PASSWORD, "agency_admin", agency="Disdukcapil")
    finally:
        hall.store.close()
    process = ServerProcess(config).start()
    yield process
    process.kill()


def admin_page(page, server, path: str, username: str = "admin"):
    """The page signed in and with its data loaded: a field filled before the page's script has read
    the setup would be overwritten by it (seen once under load)."""
    log_in(page, server, f"/admin/login?next={path}", username)
    page.wait_for_url(f"**{path}")
    page.wait_for_load_state("networkidle")
    return page


def fetch(page, method: str, path: str, body: dict | None = None) -> dict:
    """A request from the page as its script would make it (session cookie and CSRF token)."""
    return page.evaluate(
        """async ([method, path, body]) => {
            const headers = {'X-CSRF-Token': document.querySelector('meta[name=csrf-token]').content, 'Content-Type': 'application/json'};
            const response = await fetch('/api/v1' + path, {method, headers, body: body ? JSON.stringify(body) : undefined});
            return {status: response.status, body: await response.json()};
        }""",
        [method, path, body],
    )


def png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (640, 360), "#E0A100").save(out, "PNG")
    return out.getvalue()


def test_a_bad_time_is_named_beside_its_field_in_indonesian_and_nothing_is_saved(server, new_page):
    page = admin_page(new_page(), server, "/admin/calendar")
    monday = page.locator('#hall-week .day-row[data-day="monday"]')
    expect(monday).to_be_visible()
    before = fetch(page, "GET", "/admin/settings")["body"]
    monday.get_by_label("Senin: Buka").fill("25:00")
    monday.get_by_label("Senin: Tutup").fill("15:00")
    page.get_by_role("button", name="Simpan kalender aula").click()

    problem = monday.locator(".field-problem")
    expect(problem).to_have_text("harus berbentuk seperti 08:00-15:00 atau closed, bukan '25:00-15:00'")
    opens = monday.get_by_label("Senin: Buka")
    expect(opens).to_have_attribute("aria-invalid", "true")
    assert opens.get_attribute("aria-describedby") == problem.get_attribute("id")
    expect(page.locator("#setup-summary")).to_contain_text("Senin: harus berbentuk seperti 08:00-15:00")
    after = fetch(page, "GET", "/admin/settings")["body"]
    assert after == before, "nothing saved"


def test_each_bad_setting_is_named_beside_its_own_field_and_nothing_is_saved(server, new_page):
    page = admin_page(new_page(), server, "/admin/settings")
    expect(page.get_by_label("Maksimal prioritas berturut-turut")).to_have_value("3")
    before = fetch(page, "GET", "/admin/settings")["body"]
    page.get_by_label("Maksimal prioritas berturut-turut").fill("banyak")
    page.get_by_label("Volume (0 sampai 1)").fill("2")
    page.get_by_role("button", name="Simpan").click()

    expect(page.locator("#setup-summary li")).to_have_count(2)
    for label, words in (
        ("Maksimal prioritas berturut-turut", "harus bilangan bulat"),
        ("Volume (0 sampai 1)", "harus antara 0 dan 1, bukan 2"),
    ):
        field = page.get_by_label(label)
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(page.locator(f"#{field.get_attribute('aria-describedby')}")).to_have_text(words)
    expect(page.get_by_label("Nama aula")).not_to_have_attribute("aria-invalid", "true")
    assert fetch(page, "GET", "/admin/settings")["body"] == before
    assert axe_violations(page) == [], "the problems shown are accessible too"

    page.get_by_label("Maksimal prioritas berturut-turut").fill("3")
    page.get_by_label("Volume (0 sampai 1)").fill("")
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator("#setup-message")).to_contain_text("Pengaturan aula disimpan")
    expect(page.locator(".field-problem")).to_have_count(0)


def test_a_break_for_an_unknown_counter_is_named_beside_its_counters(server, new_page):
    page = admin_page(new_page(), server, "/admin/calendar")
    expect(page.locator('#hall-week .day-row[data-day="monday"]')).to_be_visible()
    page.get_by_role("button", name="Tambah jeda").click()
    planned = page.locator(".break-row").last
    planned.get_by_label("Jeda mulai").fill("12:00")
    planned.get_by_label("Jeda selesai").fill("13:00")
    planned.get_by_label("Alasan").select_option("sholat")
    planned.get_by_label("Loket (dipisah koma)").fill("1, 9")
    page.get_by_role("button", name="Simpan kalender aula").click()
    expect(planned.locator(".field-problem")).to_have_text("loket '9' tidak dikenal")
    expect(planned.get_by_label("Loket (dipisah koma)")).to_have_attribute("aria-invalid", "true")

    planned.get_by_label("Loket (dipisah koma)").fill("1")
    page.get_by_role("button", name="Simpan kalender aula").click()
    expect(page.locator("#setup-message")).to_contain_text("Kalender disimpan")
    hall = fetch(page, "GET", "/admin/settings")["body"]["settings"]["hall"]
    assert hall["breaks"] == [{"time": "12:00-13:00", "reason": "sholat", "counters": ["1"]}]
    page.locator(".break-row").last.get_by_role("button", name="Hapus").click()
    page.get_by_role("button", name="Simpan kalender aula").click()
    expect(page.locator("#setup-message")).to_contain_text("Kalender disimpan")


def test_a_holiday_added_on_the_calendar_closes_an_open_kiosk_with_its_reason(server, new_page, browser):
    today = datetime.now(ZoneInfo(SMALL_HALL["hall"]["timezone"])).date().isoformat()
    with kiosk_page(browser, server.url, KIOSK_SCREEN) as kiosk:
        expect(kiosk.locator("#closed-banner")).to_be_hidden()
        page = admin_page(new_page(), server, "/admin/calendar")
        expect(page.locator('#hall-week .day-row[data-day="monday"]')).to_be_visible()
        for date, reason in (("2025-12-25", "Hari Raya Natal"), (today, "Cuti bersama <Natal>")):
            page.get_by_role("button", name="Tambah hari libur").first.click()
            row = page.locator("#hall-closed .closed-row").last
            row.get_by_label("Tanggal").fill(date)
            row.get_by_label("Alasan").fill(reason)
        page.get_by_role("button", name="Simpan kalender aula").click()
        expect(page.locator("#setup-message")).to_contain_text("Kalender disimpan")

        expect(kiosk.locator("#closed-banner")).to_contain_text("Cuti bersama <Natal>", timeout=LIVE)
        expect(kiosk.locator("[data-testid=service-A]")).to_be_disabled()

        page.reload()
        expect(page.locator("#hall-closed .closed-row")).to_have_count(2)
        past, saved = page.locator("#hall-closed .closed-row").all()
        expect(past).to_have_class("closed-row past")
        expect(past).to_contain_text("sudah lewat")
        expect(saved).to_have_class("closed-row")
        expect(saved.get_by_label("Alasan")).to_have_value("Cuti bersama <Natal>")
        saved.get_by_role("button", name="Hapus").click()
        page.get_by_role("button", name="Simpan kalender aula").click()
        expect(page.locator("#setup-message")).to_contain_text("Kalender disimpan")
        expect(kiosk.locator("#closed-banner")).to_be_hidden(timeout=LIVE)


def test_the_calendar_shows_a_services_cut_off_and_quota_read_only_with_a_filter(server, new_page):
    page = admin_page(new_page(), server, "/admin/calendar")
    changed = fetch(page, "PATCH", "/admin/services/C", {"daily_quota": 2, "cutoff_minutes": 30})
    assert changed["status"] == 200
    page.reload()
    paspor = page.locator('#service-rule-rows tr[data-code="C"]')
    expect(paspor).to_contain_text("30 menit")
    expect(paspor.locator("td").nth(3)).to_have_text("2")
    expect(paspor.locator("input")).to_have_count(0)
    page.get_by_label("Instansi").last.select_option("Disdukcapil")
    expect(paspor).to_have_count(0)
    expect(page.locator("#service-rules-none")).to_be_visible()
    page.get_by_label("Instansi").last.select_option("")
    page.get_by_label("Cari").fill("paspor")
    expect(page.locator("#service-rule-rows tr")).to_have_count(1)


def test_the_ticker_changed_on_the_lobby_page_shows_on_an_open_lobby(server, new_page, browser):
    with tv_page(browser) as lobby:
        lobby.goto(f"{server.url}/display")
        lobby.wait_for_function("window.antreDisplay && window.antreDisplay.live.base !== null", timeout=10_000)
        page = admin_page(new_page(), server, "/admin/lobby")
        page.get_by_label("Teks berjalan di layar lobi").fill("Layanan <b>gratis</b>, tanpa calo")
        page.get_by_role("button", name="Simpan konten lobi").click()
        expect(page.locator("#setup-message")).to_contain_text("Konten lobi disimpan")
        expect(lobby.locator("#ticker")).to_contain_text("Layanan <b>gratis</b>, tanpa calo", timeout=LIVE)


def test_a_notice_with_an_uploaded_image_shows_on_the_lobby(server, new_page, browser, tmp_path):
    picture = tmp_path / "poster.png"
    picture.write_bytes(png())
    page = admin_page(new_page(), server, "/admin/lobby")
    expect(page.locator("#upload-limits")).to_contain_text("2 MB")
    page.get_by_label("Berkas", exact=True).set_input_files(picture)
    page.get_by_role("button", name="Unggah").click()
    expect(page.locator("#setup-message")).to_contain_text("poster.png diunggah")
    expect(page.locator("#uploads .upload")).to_have_count(1)

    page.get_by_role("button", name="Tambah pengumuman").click()
    notice = page.locator(".notice-row").last
    notice.get_by_label("Teks").fill("Bawa KTP asli")
    notice.get_by_label("Gambar atau video").select_option(label="poster.png (gambar)")
    notice.get_by_label("Detik tampil").fill("5")
    expect(notice.locator(".notice-preview img")).to_be_visible()
    page.get_by_role("button", name="Simpan konten lobi").click()
    expect(page.locator("#setup-message")).to_contain_text("Konten lobi disimpan")
    expect(page.locator("#uploads .upload-use")).to_have_text("sedang dipakai")

    page.get_by_role("button", name="Hapus berkas: poster.png").click()
    expect(page.locator("#setup-message")).to_contain_text("dipakai")
    expect(page.locator("#uploads .upload")).to_have_count(1)

    with tv_page(browser) as lobby:
        lobby.goto(f"{server.url}/display?rotate=600")
        lobby.wait_for_function("window.antreDisplay && window.antreDisplay.live.base !== null", timeout=10_000)
        lobby.evaluate("window.antreDisplay.notices.show()")
        expect(lobby.locator("#notices .notice-text")).to_have_text("Bawa KTP asli")
        lobby.wait_for_function(
            "(() => { const i = document.querySelector('#notices img'); return i && i.complete && i.naturalWidth > 0; })()"
        )


def test_the_audit_page_lists_the_change_just_made_with_who_and_before_and_after(server, new_page):
    page = admin_page(new_page(), server, "/admin/settings")
    field = page.get_by_label("Maksimal prioritas berturut-turut")
    expect(field).to_have_value("3")
    field.fill("4")
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator("#setup-message")).to_contain_text("Pengaturan aula disimpan")

    page.click('nav a[href="/admin/audit"]')
    entry = page.locator(".audit-entry").first
    expect(entry.locator(".audit-who")).to_have_text("admin")
    expect(entry.locator(".audit-what")).to_contain_text("settings changed")
    change = entry.locator("tr", has=page.locator(".audit-path", has_text="priority.max_consecutive"))
    expect(change.locator(".audit-before")).to_have_text("3")
    expect(change.locator(".audit-after")).to_have_text("4")

    page.get_by_label("Jenis").select_option("officer_changed")
    page.get_by_role("button", name="Tampilkan").click()
    expect(page.locator('.audit-entry[data-kind="setup_changed"]')).to_have_count(0)


def test_the_audit_page_shows_the_halls_local_time_and_pages_back_to_older_entries(server, new_page):
    page = admin_page(new_page(), server, "/admin/audit")
    for n in range(51):
        assert fetch(page, "PATCH", "/admin/settings", {"hall": {"ticker": f"Pengumuman {n}"}})["status"] == 200
    page.reload()
    entries = page.locator(".audit-entry")
    expect(entries).to_have_count(50)
    moment = entries.first.locator("time")
    local = datetime.fromisoformat(moment.get_attribute("datetime")).astimezone(ZoneInfo(SMALL_HALL["hall"]["timezone"]))
    assert f"{local:%H.%M}" in moment.inner_text()
    expect(entries.first.locator(".audit-after")).to_have_text("Pengumuman 50")
    expect(entries.first.locator(".audit-before")).to_have_text("Pengumuman 49")
    page.get_by_role("button", name="Lebih lama").click()
    expect(entries.nth(50)).to_be_visible()
    assert len(set(entries.evaluate_all("(items) => items.map((item) => item.dataset.id)"))) == entries.count()

    page.get_by_label("Cari").fill("seeded")
    page.get_by_role("button", name="Tampilkan").click()
    expect(entries).to_have_count(1)
    expect(entries.first.locator(".audit-what")).to_have_text("seeded from config.yaml")
    expect(page.get_by_role("button", name="Lebih lama")).to_be_hidden()

    today = datetime.now(ZoneInfo(SMALL_HALL["hall"]["timezone"])).date()
    page.get_by_label("Cari").fill("")
    page.get_by_label("Dari tanggal").fill((today + timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Tampilkan").click()
    expect(page.locator("#audit-none")).to_be_visible()
    expect(entries).to_have_count(0)
    page.get_by_label("Dari tanggal").fill(today.isoformat())
    page.get_by_label("Sampai tanggal").fill(today.isoformat())
    page.get_by_role("button", name="Tampilkan").click()
    expect(entries).to_have_count(50)


def test_a_save_over_a_newer_version_says_so_and_offers_the_new_data(server, new_page):
    first = admin_page(new_page(), server, "/admin/settings")
    second = admin_page(new_page(), server, "/admin/settings")
    expect(second.get_by_label("Nama aula")).not_to_have_value("")
    first.get_by_label("Nama aula").fill("MPP Uji Satu")
    first.get_by_role("button", name="Simpan").click()
    expect(first.locator("#setup-message")).to_contain_text("disimpan")

    second.get_by_label("Nama aula").fill("MPP Uji Dua")
    second.get_by_role("button", name="Simpan").click()
    expect(second.locator("#setup-message")).to_contain_text("diubah orang lain")
    second.get_by_role("button", name="Muat ulang data").click()
    expect(second.get_by_label("Nama aula")).to_have_value("MPP Uji Satu")


def test_an_agency_admin_gets_403_on_the_hall_pages_and_api_and_sees_their_agency_only(server, new_page):
    page = admin_page(new_page(), server, "/admin/calendar", "dukcapil")
    expect(page.locator("#hall-calendar")).to_have_count(0)
    expect(page.locator("#agency-choice option")).to_have_text(["Disdukcapil"])
    expect(page.locator('nav a[href="/admin/settings"]')).to_have_count(0)
    expect(page.locator('nav a[href="/admin/lobby"]')).to_have_count(0)

    for path in ("/admin/settings", "/admin/lobby"):
        response = page.goto(f"{server.url}{path}")
        assert response.status == 403
        expect(page.locator("#forbidden")).to_contain_text("hanya untuk admin gedung")
    refused = fetch(page, "PATCH", "/admin/settings", {"hall": {"ticker": "dari admin instansi"}})
    assert refused["status"] == 403 and refused["body"]["error"]["code"] == "forbidden"
    other = fetch(page, "PATCH", "/admin/agencies/Kantor%20Imigrasi", {"closed_days": [{"date": "2026-12-31", "reason": "x"}]})
    assert other["status"] == 403 and other["body"]["error"]["code"] == "forbidden"

    page.goto(f"{server.url}/admin/calendar")
    page.get_by_role("button", name="Tambah hari libur").click()
    day = page.locator("#agency-closed .closed-row").last
    day.get_by_label("Tanggal").fill("2026-12-31")
    day.get_by_label("Alasan").fill("Tutup buku akhir tahun")
    page.locator('#agency-week .day-row[data-day="friday"]').get_by_label("Jumat: Tutup").fill("11:30")
    page.locator('#agency-week .day-row[data-day="friday"]').get_by_label("Jumat: Buka").fill("08:00")
    page.get_by_role("button", name="Simpan kalender instansi").click()
    expect(page.locator("#setup-message")).to_contain_text("Kalender disimpan")
    agency = fetch(page, "GET", "/admin/agencies/Disdukcapil")["body"]["item"]
    assert agency["closed_days"] == [{"date": "2026-12-31", "reason": "Tutup buku akhir tahun"}]
    assert agency["weekly_hours"] == {"friday": "08:00-11:30"}


@pytest.mark.parametrize("path", PAGES)
def test_the_pages_pass_the_accessibility_audit(server, new_page, path):
    page = admin_page(new_page(), server, path)
    page.wait_for_load_state("networkidle")
    assert axe_violations(page) == []


def test_the_calendar_holds_the_real_size_hall(tmp_path, new_page):
    """36 agencies to choose from, the hall's break rota, and a table of services' own rules that a
    search narrows: no form per service."""
    config = write_real_size_config(tmp_path)
    hall = open_hall(load_config(config))
    try:
        hall.accounts.add("admin", PASSWORD, "admin")
    finally:
        hall.store.close()
    process = ServerProcess(config).start()
    try:
        page = admin_page(new_page(), process, "/admin/calendar")
        data = real_size_hall()
        expect(page.locator("#agency-choice option")).to_have_count(len(data["agencies"]))
        expect(page.locator(".break-row")).to_have_count(len(data["hall"]["breaks"]))
        expect(page.locator(".break-row").first.get_by_label("Loket (dipisah koma)")).to_have_value(
            ", ".join(data["hall"]["breaks"][0]["counters"])
        )
        assert page.locator("input").count() < 100
        assert axe_violations(page) == []
    finally:
        process.kill()
