"""The setup's list pages in headless Chromium against a real ``antre run``: a service added in the
browser offered by an open kiosk and waited for in the lobby, a counter renamed on the lobby, a
field's problem beside it in Indonesian, a removed service's waiting tickets moved, a stale page,
and on the real-size hall an agency admin kept to their agency's services."""

from __future__ import annotations

import pytest
from antre.queue_server.config import load_config
from antre.queue_server.hall import open_hall

from tests.conftest import PASSWORD
from tests.support import ServerProcess, axe_violations, http, kiosk_page, tv_page, write_config, write_real_size_config
from tests.test_admin_browser import log_in
from tests.test_media import picture

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

SCREEN = {"width": 1280, "height": 800}


def serve(config, *agency_admins: tuple[str, str]) -> ServerProcess:
    """A real server of ``config`` with the hall admin ``admin`` and the given (username, agency) agency admins."""
    hall = open_hall(load_config(config))
    try:
        hall.accounts.add("admin", PASSWORD, "admin")
        for username, agency in agency_admins:
            hall.accounts.add(username, PASSWORD, "agency_admin", agency=agency)
    finally:
        hall.store.close()
    return ServerProcess(config).start()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The small hall; its tests change different items, so they share it."""
    process = serve(write_config(tmp_path_factory.mktemp("setup-pages")))
    yield process
    process.kill()


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """The real-size hall (36 agencies, 300 services, 60 counters) with Disdukcapil's agency admin."""
    process = serve(write_real_size_config(tmp_path_factory.mktemp("setup-pages-big")), ("dukcapil", "Disdukcapil"))
    yield process
    process.kill()


def admin_page(new_page, server, path: str, username: str = "admin"):
    page = log_in(new_page(), server, "/admin/login", username)
    page.goto(f"{server.url}{path}")
    expect(page.locator("tbody tr").first).to_be_visible()
    return page


def row(page, key: str):
    return page.locator(f'tbody tr[data-key="{key}"]')


def edit(page, key: str):
    row(page, key).get_by_role("button", name="Ubah").click()
    form = page.locator(".item-form")
    expect(form).to_be_visible()
    return form


def api_token(server, username: str = "admin") -> str:
    status, body = http("POST", f"{server.url}/api/v1/auth/login", {"username": username, "password": PASSWORD})
    assert status == 200, body
    return body["token"]


def test_a_service_added_in_the_browser_is_offered_by_an_open_kiosk_and_waited_for_in_the_lobby(browser, server, new_page):
    with kiosk_page(browser, server.url, SCREEN) as kiosk, tv_page(browser) as lobby:
        lobby.goto(f"{server.url}/display")
        expect(lobby.locator('.tile[data-counter="1"]')).to_be_visible()
        page = admin_page(new_page, server, "/admin/services")
        page.get_by_role("button", name="Tambah layanan").click()
        form = page.locator(".item-form")
        form.get_by_label("Kode").fill("D")
        form.get_by_label("Nama", exact=False).first.fill("Akta Kelahiran")
        form.get_by_label("Instansi").select_option("Disdukcapil")
        form.get_by_label("Persyaratan").fill("Surat keterangan lahir\nKartu Keluarga")
        form.get_by_role("button", name="Simpan").click()
        expect(page.locator("#setup-message")).to_have_text("Akta Kelahiran disimpan.")
        expect(row(page, "D")).to_contain_text("Disdukcapil")

        counters = admin_page(new_page, server, "/admin/counters")
        form = edit(counters, "2")
        form.locator(".check-filter").fill("akta")
        form.get_by_label("D · Akta Kelahiran").check()
        form.get_by_role("button", name="Simpan").click()
        expect(counters.locator("#setup-message")).to_have_text("Loket 2 disimpan.")
        expect(row(counters, "2")).to_contain_text("A, D")

        expect(kiosk.locator("[data-testid=service-D]")).to_contain_text("Akta Kelahiran")
        status, ticket = http("POST", f"{server.url}/api/v1/tickets", {"service": "D"})
        assert status == 201, ticket
        expect(lobby.locator('#waiting .chip[data-service="D"]')).to_contain_text("1")


def test_a_counter_renamed_in_the_browser_shows_its_new_name_on_the_open_lobby(browser, server, new_page):
    with tv_page(browser) as lobby:
        lobby.goto(f"{server.url}/display")
        expect(lobby.locator('.tile[data-counter="3"] .name')).to_have_text("Loket 3")
        page = admin_page(new_page, server, "/admin/counters")
        form = edit(page, "3")
        form.get_by_label("Nama", exact=False).first.fill("Loket Paspor <b>")
        form.get_by_role("button", name="Simpan").click()
        expect(page.locator("#setup-message")).to_have_text("Loket Paspor <b> disimpan.")
        expect(row(page, "3").locator("td").first).to_have_text("Loket Paspor <b>")
        expect(lobby.locator('.tile[data-counter="3"] .name')).to_have_text("Loket Paspor <b>")


def test_a_field_problem_is_shown_beside_its_field_in_indonesian_and_nothing_is_saved(server, new_page):
    page = admin_page(new_page, server, "/admin/services")
    form = edit(page, "B")
    name = form.get_by_label("Nama", exact=False).first
    name.fill("")
    form.get_by_label("Senin: Buka").fill("15:00")
    form.get_by_label("Senin: Tutup").fill("08:00")
    form.get_by_role("button", name="Simpan").click()
    beside = form.locator('[data-field="name"] .problem')
    expect(beside).to_have_text("harus berisi teks, tidak boleh kosong")
    expect(name).to_have_attribute("aria-invalid", "true")
    assert beside.get_attribute("id") in name.get_attribute("aria-describedby").split()
    expect(form.locator('[data-field="weekly_hours"] .problem')).to_be_visible()
    expect(form.locator('[data-field="weekly_hours"]')).to_have_attribute("aria-invalid", "true")
    expect(form.locator(".problems")).to_contain_text("Nama: harus berisi teks, tidak boleh kosong")
    expect(page.locator("#setup-message")).to_contain_text("Tidak disimpan")
    assert axe_violations(page) == []
    status, body = http("GET", f"{server.url}/api/v1/admin/services/B", token=api_token(server))
    assert status == 200 and body["item"]["name"] == "Kartu Keluarga" and "weekly_hours" not in body["item"]


def test_removing_a_service_with_waiting_tickets_says_how_many_and_moves_them(server, new_page):
    tickets = [http("POST", f"{server.url}/api/v1/tickets", {"service": "B"})[1] for _ in range(2)]
    page = admin_page(new_page, server, "/admin/services")
    form = edit(page, "B")
    form.get_by_role("button", name="Hapus").click()
    form.get_by_role("button", name="Ya, hapus").click()
    choice = form.locator(".waiting-choice")
    expect(choice).to_contain_text("2 tiket masih menunggu layanan B")
    choice.get_by_label("Layanan tujuan").select_option("A")
    choice.get_by_role("button", name="Ya, hapus").click()
    expect(page.locator("#setup-message")).to_have_text("Kartu Keluarga dihapus; 2 tiket yang menunggu sudah ditangani.")
    expect(row(page, "B")).to_have_count(0)
    for ticket in tickets:
        status, moved = http("GET", f"{server.url}/api/v1/tickets/{ticket['id']}")
        assert status == 200 and moved["service"] == "A" and moved["status"] == "waiting"


def test_a_save_from_a_stale_page_says_so_and_reloads_the_data(server, new_page):
    page = admin_page(new_page, server, "/admin/screens")
    form = edit(page, "k1")
    status, _ = http("PATCH", f"{server.url}/api/v1/admin/kiosks/k1", {"name": "Kios Pintu Utara"}, token=api_token(server))
    assert status == 200
    form.get_by_label("Kembali ke awal bila tidak dipakai", exact=False).fill("120")
    form.get_by_role("button", name="Simpan").click()
    expect(page.locator("#setup-stale")).to_be_visible()
    page.get_by_role("button", name="Muat ulang data").click()
    expect(page.locator("#setup-stale")).to_be_hidden()
    expect(row(page, "k1")).to_contain_text("Kios Pintu Utara")
    status, body = http("GET", f"{server.url}/api/v1/admin/kiosks/k1", token=api_token(server))
    assert "idle_seconds" not in body["item"], "the stale change was not saved"


def test_on_the_real_size_hall_an_agency_admin_lists_and_edits_only_their_agency(big, new_page):
    admin = admin_page(new_page, big, "/admin/services")
    expect(admin.locator(".item-count")).to_have_text("300 dari 300 ditampilkan")
    admin.locator(".agency-filter").select_option("Dinas Kependudukan dan Pencatatan Sipil Kota Besar")
    expect(admin.locator(".item-count")).to_have_text("25 dari 300 ditampilkan")
    admin.locator(".agency-filter").select_option("")
    admin.locator(".search").fill("paspor")
    expect(admin.locator("tbody tr").first).to_contain_text("Paspor")
    assert admin.locator("tbody tr").count() < 20

    page = admin_page(new_page, big, "/admin/services", "dukcapil")
    expect(page.locator(".item-count")).to_have_text("25 dari 25 ditampilkan")
    assert set(page.locator("tbody tr td.col-agency").all_inner_texts()) == {"Disdukcapil"}
    form = edit(page, "AA")
    assert form.get_by_label("Instansi").locator("option").all_inner_texts() == ["Dinas Kependudukan dan Pencatatan Sipil Kota Besar"]
    form.get_by_label("Biaya").fill("Gratis (tanpa pungutan)")
    form.get_by_role("button", name="Simpan").click()
    expect(page.locator("#setup-message")).to_contain_text("disimpan")
    status, body = http("GET", f"{big.url}/api/v1/admin/services/AA", token=api_token(big))
    assert status == 200 and body["item"]["fee"] == "Gratis (tanpa pungutan)" and body["item"]["agency"] == "Disdukcapil"

    other = admin.locator("tbody tr").first.get_attribute("data-key")
    crafted = page.evaluate(
        """async (code) => {
            const headers = {'X-CSRF-Token': document.querySelector('meta[name=csrf-token]').content, 'Content-Type': 'application/json'};
            const response = await fetch(`/api/v1/admin/services/${code}`, {method: 'PATCH', headers, body: JSON.stringify({fee: 'x'})});
            return {status: response.status, body: await response.json()};
        }""",
        other,
    )
    assert crafted["status"] == 403 and crafted["body"]["error"]["code"] == "forbidden"


def test_on_the_real_size_hall_a_counters_services_are_grouped_by_agency_and_searchable(big, new_page):
    page = admin_page(new_page, big, "/admin/counters")
    expect(page.locator(".item-count")).to_have_text("60 dari 60 ditampilkan")
    form = edit(page, "101")
    assert form.locator(".check-group").count() == 36
    form.locator(".check-filter").fill("ktp-el")
    visible = form.locator(".check-group:not([hidden]) label.check:not([hidden])")
    expect(visible.first).to_be_visible()
    assert visible.count() < 10
    assert axe_violations(page) == []


def test_an_agency_gets_a_colour_a_logo_uploaded_on_the_spot_and_a_closed_day(server, new_page, tmp_path):
    logo = tmp_path / "logo-imigrasi.png"
    logo.write_bytes(picture(size=(64, 32)))
    page = admin_page(new_page, server, "/admin/agencies")
    form = edit(page, "Kantor Imigrasi")
    form.get_by_label("Tanpa warna khusus").uncheck()
    form.locator("input[type=color]").fill("#8a1538")
    form.get_by_label("Unggah logo baru").set_input_files(str(logo))
    expect(page.locator("#setup-message")).to_have_text("logo-imigrasi.png diunggah.")
    expect(form.locator(".logo-preview")).to_be_visible()
    form.get_by_role("button", name="Tambah hari libur").click()
    form.get_by_label("Tanggal").fill("2026-12-25")
    form.get_by_label("Alasan").fill("Hari Raya Natal")
    form.get_by_role("button", name="Simpan").click()
    expect(page.locator("#setup-message")).to_have_text("Kantor Imigrasi disimpan.")
    expect(row(page, "Kantor Imigrasi")).to_contain_text("#8A1538")
    status, body = http("GET", f"{server.url}/api/v1/admin/agencies/Kantor Imigrasi".replace(" ", "%20"), token=api_token(server))
    assert status == 200
    item = body["item"]
    assert item["colour"] == "#8A1538" and item["closed_days"] == [{"date": "2026-12-25", "reason": "Hari Raya Natal"}]
    shown = page.request.get(f"{server.url}/media/{item['logo']}")
    assert shown.ok and shown.headers["content-type"] == "image/png"


def test_a_display_added_on_the_screens_page_shows_the_agencies_ticked(server, new_page):
    page = admin_page(new_page, server, "/admin/screens")
    displays = page.locator("#displays")
    displays.get_by_role("button", name="Tambah layar").click()
    form = displays.locator(".item-form")
    form.get_by_label("ID").fill("lobi-paspor")
    form.get_by_label("Nama", exact=False).first.fill("Layar Paspor")
    form.get_by_label("Kantor Imigrasi").check()
    form.get_by_role("button", name="Simpan").click()
    expect(page.locator("#setup-message")).to_have_text("Layar Paspor disimpan.")
    expect(row(page, "lobi-paspor")).to_contain_text("Kantor Imigrasi")
    edit(page, "lobi-paspor").get_by_role("button", name="Simpan").click()
    expect(page.locator("#setup-message")).to_have_text("Tidak ada yang diubah.")
    page.keyboard.press("Escape")
    expect(displays.locator(".item-form")).to_have_count(0)
    expect(row(page, "lobi-paspor").get_by_role("button", name="Ubah")).to_be_focused()
    screen = page.context.new_page()
    screen.goto(f"{server.url}/display?screen=lobi-paspor")
    expect(screen.locator('.tile[data-counter="3"]')).to_be_visible()
    expect(screen.locator('.tile[data-counter="1"]')).to_have_count(0)


def test_a_services_hours_cut_off_quota_and_requirements_are_saved_as_the_setup_keys(server, new_page):
    page = admin_page(new_page, server, "/admin/services")
    form = edit(page, "C")
    form.get_by_label("Senin: Buka").fill("07:30")
    form.get_by_label("Senin: Tutup").fill("15:00")
    form.get_by_label("Minggu: Libur").check()
    form.get_by_label("Batas ambil nomor", exact=False).fill("30")
    form.get_by_label("Kuota harian").fill("120")
    form.get_by_label("Persyaratan").fill("  KTP-el asli \n\nKartu Keluarga\n")
    form.get_by_label("Biaya").fill("Rp350.000")
    form.get_by_role("button", name="Simpan").click()
    expect(page.locator("#setup-message")).to_have_text("Paspor disimpan.")
    status, body = http("GET", f"{server.url}/api/v1/admin/services/C", token=api_token(server))
    assert status == 200
    assert body["item"] == {
        "code": "C",
        "name": "Paspor",
        "agency": "Kantor Imigrasi",
        "duration_minutes": 12,
        "weekly_hours": {"monday": "07:30-15:00", "sunday": "closed"},
        "cutoff_minutes": 30,
        "daily_quota": 120,
        "requirements": ["KTP-el asli", "Kartu Keluarga"],
        "fee": "Rp350.000",
    }
    form = edit(page, "C")
    expect(form.get_by_label("Senin: Buka")).to_have_value("07:30")
    expect(form.get_by_label("Minggu: Buka")).to_be_disabled()
