"""The SKM report in headless Chromium against a real ``antre run``: the page on the real-size hall at
the desk PC's size (nothing overflows, axe clean, a period switch redraws the figures, a follow-up
added inline is on the printable report), and the lobby display's SKM panel when the hall shows it.

Responses are stored through the survey's own store before the server starts: the current quarter's
(every element 3, U3 2: IKM 72.22, C) on the hall's today and the previous quarter's (all 4: 100, A)
on its last day. The server runs on the real clock, so the days are counted from today."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from itertools import islice

import pytest
from antre.queue_server.config import load_config
from antre.queue_server.hall import open_hall
from antre.queue_server.skm.elements import ELEMENTS
from antre.queue_server.skm.publication import quarter_of

from tests.conftest import PASSWORD
from tests.support import SMALL_HALL, ServerProcess, axe_violations, tv_page, write_config, write_real_size_config
from tests.test_admin_browser import log_in

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

CURRENT = {**dict.fromkeys(ELEMENTS, 3), "u3": 2}  # Σ NRR = 26, index 26/9, IKM 72.22: C
PREVIOUS = dict.fromkeys(ELEMENTS, 4)  # IKM 100.00: A
PER_SERVICE = 6  # responses per service and quarter: above survey.min_respondents (5)
DUKCAPIL = "Dinas Kependudukan dan Pencatatan Sipil Kota Besar"

# Whatever of a section's contents lies outside it (a table scrolls inside its own box, which counts).
OVERFLOWS = """() => {
  const out = [];
  if (document.documentElement.scrollWidth > document.documentElement.clientWidth + 1) out.push('the page scrolls sideways');
  for (const section of document.querySelectorAll('.report-section, .report-filters, .report-tools')) {
    const box = section.getBoundingClientRect();
    for (const node of section.querySelectorAll('*')) {
      if (node.closest('.table-scroll') && !node.matches('.table-scroll')) continue;
      const r = node.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      if (r.left < box.left - 1 || r.right > box.right + 1) out.push(`${node.tagName}.${node.className} "${node.textContent.slice(0, 30)}"`);
    }
  }
  return out;
}"""


def hall_today(config) -> date:
    return datetime.now(config.timezone).date()


def responses(config, services, today: date) -> list[dict]:
    """PER_SERVICE responses per service in the current quarter (today) and the previous (its last day)."""
    previous = quarter_of(today)[0] - timedelta(days=1)
    rows = []
    for code in services:
        service = config.services[code]
        for day, scores in ((today, CURRENT), (previous, PREVIOUS)):
            for n in range(PER_SERVICE):
                rows.append(
                    {
                        "ticket_id": f"{day.isoformat()}-{code}-{n}",
                        "answered_at": f"{day.isoformat()}T03:00:00Z",
                        "day": day.isoformat(),
                        "served_day": day.isoformat(),
                        "service": code,
                        "agency": service.agency,
                        "counter_id": None,
                        "officer_id": None,
                        "channel": "phone",
                        **scores,
                        "sex": "LP"[n % 2],
                        "age": 20 + 7 * n,
                        "education": "SMA",
                        "occupation": "Swasta",
                        "comment": "Petugas ramah" if n == 0 else None,
                    }
                )
    return rows


def start(folder, config_path, services_of, agency_admin: str | None = None) -> ServerProcess:
    """The hall's server with an admin (and ``dukcapil``, an agency admin of ``agency_admin``)."""
    config = load_config(config_path)
    hall = open_hall(config)
    try:
        hall.accounts.add("admin", PASSWORD, "admin")
        if agency_admin:
            hall.accounts.add("dukcapil", PASSWORD, "agency_admin", agency=agency_admin)
        hall.survey.responses.insert_many(responses(config, services_of(config), hall_today(config)))
    finally:
        hall.store.close()
    return ServerProcess(config_path).start()


@pytest.fixture(scope="module")
def big_hall(tmp_path_factory):
    """The real-size hall, one service of each agency answered."""
    folder = tmp_path_factory.mktemp("skm-real-size")

    def first_of_each_agency(config):
        firsts: dict[str, str] = {}
        for code, service in config.services.items():
            firsts.setdefault(service.agency, code)
        return list(firsts.values())

    server = start(folder, write_real_size_config(folder), first_of_each_agency, DUKCAPIL)
    yield server
    server.kill()


def test_the_skm_page_fits_is_accessible_switches_period_and_its_plans_print(big_hall, new_page):
    page = log_in(new_page(), big_hall, "/admin/login?next=/admin/skm", "admin")
    expect(page.locator("#skm-ikm")).to_have_text("72,22")
    expect(page.locator("#skm-grade")).to_have_text("C")
    expect(page.locator("#skm-breakdown tbody tr")).to_have_count(len(_agencies(big_hall)))
    expect(page.locator('#skm-elements tr[data-element="u3"] .skm-lowest')).to_have_text("terendah")
    expect(page.locator("#skm-comments li").first).to_contain_text("Petugas ramah")
    expect(page.locator("#skm-body")).to_have_attribute("aria-busy", "false")
    assert page.evaluate(OVERFLOWS) == []
    assert axe_violations(page) == []

    today = date.fromisoformat(page.locator("#skm-date").input_value())
    previous = quarter_of(today)[0] - timedelta(days=1)
    page.fill("#skm-date", previous.isoformat())
    page.dispatch_event("#skm-date", "change")
    page.get_by_role("button", name="Tampilkan").click()
    expect(page.locator("#skm-ikm")).to_have_text("100,00")
    expect(page.locator("#skm-grade")).to_have_text("A")

    page.fill("#skm-date", today.isoformat())
    page.dispatch_event("#skm-date", "change")
    page.get_by_role("button", name="Tampilkan").click()
    expect(page.locator("#skm-ikm")).to_have_text("72,22")
    expect(page.locator("#followup-element")).to_have_value("u3")  # the weak element, suggested
    page.fill("#followup-finding", "Penyelesaian melebihi standar waktu")
    page.fill("#followup-plan", "Loket tambahan pada jam sibuk <segera>")
    page.fill("#followup-owner", "Kepala Bidang Pelayanan")
    page.fill("#followup-due", (today + timedelta(days=30)).isoformat())
    page.get_by_role("button", name="Simpan rencana").click()
    expect(page.locator("#skm-followups tbody tr[data-id]")).to_have_count(1)
    expect(page.locator("#skm-followups-summary")).to_have_text("Rencana tindak lanjut: 1; selesai 0 (0 %); terlambat 0.")
    expect(page.locator("#skm-followups tbody")).to_contain_text("Loket tambahan pada jam sibuk <segera>")
    assert page.evaluate(OVERFLOWS) == []

    page.select_option("#skm-counter", index=1)  # a counter: no response there, under the minimum
    page.get_by_role("button", name="Tampilkan").click()
    expect(page.locator("#skm-grade-label")).to_have_text("kurang dari 5 tanggapan")
    expect(page.locator("#skm-ikm")).to_have_text("–")
    page.select_option("#skm-counter", "")

    page.locator("#skm-print").click()
    page.wait_for_url("**/admin/skm/print?**")
    expect(page.locator("#print-ikm")).to_have_text("72,22")
    expect(page.locator("#print-followups-table")).to_contain_text("Loket tambahan pada jam sibuk <segera>")
    expect(page.locator("#print-elements-table tbody tr")).to_have_count(9)
    assert axe_violations(page) == []


def test_an_agency_admin_reads_and_plans_for_their_agency_only(big_hall, new_page):
    page = log_in(new_page(), big_hall, "/admin/login?next=/admin/skm", "dukcapil")
    expect(page.locator("#skm-ikm")).to_have_text("72,22")
    expect(page.locator("#skm-respondents")).to_have_text(str(PER_SERVICE))
    assert page.locator("#skm-agency option").all_inner_texts() == [DUKCAPIL]
    assert page.locator("#followup-agency option").all_inner_texts() == [DUKCAPIL]
    expect(page.locator("#skm-breakdown tbody tr")).to_have_count(1)
    expect(page.locator("#skm-comments li")).to_have_count(1)


def _agencies(server: ServerProcess) -> set[str]:
    config = load_config(server.config)
    return {service.agency for service in config.services.values()}


@pytest.fixture(scope="module")
def lobby_hall(tmp_path_factory):
    """The small hall showing its SKM on the lobby, both agencies answered."""
    folder = tmp_path_factory.mktemp("skm-lobby")
    data = {**SMALL_HALL, "survey": {"show_on_lobby": True}}
    server = start(folder, write_config(folder, data), lambda config: list(islice(config.services, 3)))
    yield server
    server.kill()


def test_the_lobby_shows_the_published_skm_among_its_notices(lobby_hall, browser):
    """The panel shows the latest completed quarter (the previous one, all fours) and both agencies."""
    with tv_page(browser) as page:
        page.goto(f"{lobby_hall.url}/display?rotate=3")
        panel = page.locator("#notices .skm-panel")
        expect(panel).to_be_visible(timeout=20_000)
        expect(panel).to_have_attribute("data-period", "quarter")  # the latest completed quarter: all fours
        expect(panel.locator(".skm-panel-ikm")).to_have_text("100,00")
        expect(panel.locator(".skm-panel-grade")).to_have_text("A")
        expect(panel.locator(".skm-panel-agencies li")).to_have_count(2)


@pytest.mark.parametrize("viewport", [{"width": 390, "height": 844}, {"width": 1920, "height": 1080}])
def test_the_public_page_reads_on_a_phone_and_a_big_screen(big_hall, new_page, viewport):
    page = new_page(viewport)
    page.goto(f"{big_hall.url}/skm")
    expect(page.locator('[data-period="quarter"] .public-ikm-value')).to_have_text("100,00")
    expect(page.locator('[data-period="year"] tbody tr')).to_have_count(len(_agencies(big_hall)))
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth") is True
    assert "Petugas ramah" not in page.content()
    assert axe_violations(page) == []
