"""The report pages in headless Chromium against a real ``antre run`` of the real-size hall, with a
history made through the engine on a manual clock: the page shows what the API returns, each chart
is drawn with its table beside it, the filters change the figures, an agency admin sees only their
agency and an officer only themselves, and the monthly report prints a page per agency."""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from antre.queue_server.clock import ManualClock
from antre.queue_server.config import load_config
from antre.queue_server.hall import open_hall
from antre.queue_server.i18n import gettext

from tests.conftest import PASSWORD
from tests.support import TV, ServerProcess, axe_violations, real_size_hall, write_real_size_config
from tests.test_admin_browser import log_in

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

JAKARTA = ZoneInfo("Asia/Jakarta")
LAPTOP = {"width": 1280, "height": 800}  # the smaller screen the report pages are checked at
NOVEMBER = {"preset": "month", "date": "2026-11-15"}
DAYS = (date(2026, 10, 15), date(2026, 11, 2), date(2026, 11, 3), date(2026, 11, 10))
SITI_COUNTER, ANDI_COUNTER = "101", "108"  # Disdukcapil's and Samsat's
AGENCY = {agency.get("short_name", agency["name"]): agency["name"] for agency in real_size_hall()["agencies"]}
DUKCAPIL, SAMSAT = AGENCY["Disdukcapil"], AGENCY["Samsat"]


def play_day(engine, clock: ManualClock, day: date, officers: dict[str, int]) -> None:
    """A morning at two counters: Disdukcapil's (siti) and Samsat's (andi). Tickets come every few
    minutes, some with priority; each counter calls, starts and completes them in turn, with one
    no-show, one transfer and a break at Disdukcapil's."""
    clock.now = datetime.combine(day, datetime.min.time(), JAKARTA).replace(hour=8)
    engine.open_counter(SITI_COUNTER, officers["siti"])
    engine.open_counter(ANDI_COUNTER, officers["andi"])
    for index in range(8):
        engine.issue(("AA", "AB")[index % 2], priority="lansia" if index % 4 == 0 else None)
        engine.issue(("BE", "BF")[index % 2])
        clock.advance(minutes=3)
    for turn in range(8):
        for counter, officer in ((SITI_COUNTER, officers["siti"]), (ANDI_COUNTER, officers["andi"])):
            if engine.call_next(counter, officer) is None:
                continue
            clock.advance(minutes=1)
            if counter == SITI_COUNTER and turn == 2:
                engine.no_show(counter, officer)
                continue
            if counter == SITI_COUNTER and turn == 4:
                engine.transfer(counter, "AC", officer)
                continue
            engine.start(counter, officer)
            clock.advance(minutes=4 + turn % 3)
            engine.complete(counter, officer)
        if turn == 5:
            engine.pause(SITI_COUNTER, "istirahat", officers["siti"])
            clock.advance(minutes=15)
            engine.resume(SITI_COUNTER, officers["siti"])
    engine.close_counter(SITI_COUNTER, officers["siti"])
    engine.close_counter(ANDI_COUNTER, officers["andi"])


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The real-size hall with a hall admin, Disdukcapil's agency admin, and two officers whose
    mornings make the history the reports read."""
    config = write_real_size_config(tmp_path_factory.mktemp("report-pages"))
    clock = ManualClock(datetime(2026, 10, 1, 7, 0, tzinfo=JAKARTA))
    hall = open_hall(load_config(config), clock)
    try:
        hall.accounts.add("admin", PASSWORD, "admin")
        hall.accounts.add("dukcapil", PASSWORD, "agency_admin", agency=DUKCAPIL)
        officers = {
            name: hall.accounts.add(name, PASSWORD, "officer", [counter])["id"]
            for name, counter in (("siti", SITI_COUNTER), ("andi", ANDI_COUNTER))
        }
        for day in DAYS:
            play_day(hall.engine, clock, day, officers)
    finally:
        hall.store.close()
    process = ServerProcess(config).start()
    process.officers = officers
    yield process
    process.kill()


def signed_in(page, server, username: str, path: str):
    log_in(page, server, f"/admin/login?{urlencode({'next': path})}", username)
    page.wait_for_url(f"**{path.split('?')[0]}*")
    return page


def api(page, path: str) -> tuple[int, dict]:
    """The API as the page's own session reads it."""
    return page.evaluate(
        "async (path) => { const r = await fetch(path, {headers: {Accept: 'application/json'}}); return [r.status, await r.json()]; }",
        f"/api/v1/reports/{path}",
    )


def shown_report(page, server, username: str, **params: str):
    signed_in(page, server, username, f"/admin/reports?{urlencode(params)}")
    expect(page.locator("#report-body")).to_have_attribute("aria-busy", "false")
    return page


def figure(page, key: str, column: str = "now") -> str:
    return page.locator(f'#summary-table tr[data-figure="{key}"] td.{column}').inner_text()


def percent(share: float) -> str:
    """A share as the Indonesian page writes it: 87,5%."""
    return f"{share * 100:.1f}".replace(".", ",")


def test_the_chart_library_is_served_by_the_hall_server(server, new_page):
    page = new_page(LAPTOP)
    response = page.goto(f"{server.url}/static/vendor/chart.umd.min.js")
    assert response.status == 200 and "Chart.js v4" in response.text()


def test_a_hall_admin_sees_the_figures_the_api_returns_each_chart_beside_its_table(server, new_page):
    page = shown_report(new_page(TV), server, "admin", **NOVEMBER)
    status, detail = api(page, "detail?from=2026-11-01&to=2026-11-30")
    assert status == 200 and detail["summary"]["issued"] == 48  # 16 tickets on each of three November days
    assert figure(page, "issued") == "48"
    assert figure(page, "served") == str(detail["summary"]["served"])
    assert figure(page, "issued", "before") == str(detail["previous"]["issued"])
    assert percent(detail["summary"]["within_target_share"]) in figure(page, "within_target_share")
    assert page.locator('#summary-table tr[data-figure="issued"] .change').inner_text().startswith("▲")
    # The chart is drawn, and its table holds the same days' numbers.
    assert page.evaluate("() => window.Chart.getChart('chart-daily').data.datasets[0].data.reduce((a, b) => a + b, 0)") == 48
    expect(page.locator("#daily-table tbody tr")).to_have_count(30)
    day = next(d for d in detail["daily"] if d["day"] == "2026-11-02")
    expect(page.locator("#daily-table tbody tr").nth(1).locator("td").first).to_have_text(str(day["issued"]))
    ktp = next(s for s in detail["by_service"] if s["service"] == "AA")
    row = page.locator("#services-table tbody tr", has_text="AA ·")
    expect(row.locator("td").nth(1)).to_have_text(str(ktp["issued"]))
    assert page.evaluate("() => window.Chart.getChart('chart-waits').data.labels.length") <= 20
    expect(page.locator("#heatmap-table tbody tr")).to_have_count(7)
    expect(page.locator("#officers-table tbody tr")).to_have_count(2)
    expect(page.locator("#transfers-table tbody tr", has_text="AC")).to_contain_text("3")
    assert page.get_attribute("#export-xlsx", "href").startswith("/api/v1/reports/detail.xlsx?from=2026-11-01&to=2026-11-30")
    assert axe_violations(page) == []
    page.emulate_media(media="print")
    expect(page.locator(".admin-nav")).to_be_hidden()
    expect(page.locator("#report-filters")).to_be_hidden()
    assert page.evaluate("() => getComputedStyle(document.querySelectorAll('.report-section')[1]).breakBefore") == "page"


def test_the_filters_change_the_figures(server, new_page):
    page = shown_report(new_page(LAPTOP), server, "admin", **NOVEMBER)
    page.select_option("#report-agency", SAMSAT)
    page.click("#report-filters button[type=submit]")
    expect(page.locator('#summary-table tr[data-figure="issued"] td.now')).to_have_text("24")
    assert "agency=" in page.url
    export = page.request.get(f"{server.url}{page.get_attribute('#export-csv', 'href')}")
    assert export.status == 200 and "BF" in export.text() and "AA" not in export.text()
    assert page.evaluate("() => document.documentElement.scrollWidth <= innerWidth")  # nothing wider than the desk's screen
    page.fill("#report-service-search", "BF")
    expect(page.locator("#report-service option")).to_have_count(2)  # "all" and BF
    page.select_option("#report-service", "BF")
    page.fill("#report-date", "2026-11-04")  # a Wednesday
    for preset, period in {
        "week": ("2026-11-02", "2026-11-08"),
        "quarter": ("2026-10-01", "2026-12-31"),
        "semester": ("2026-07-01", "2026-12-31"),
        "year": ("2026-01-01", "2026-12-31"),
    }.items():
        page.select_option("#report-preset", preset)
        assert (page.input_value("#report-from"), page.input_value("#report-to")) == period, preset
    page.select_option("#report-preset", "day")
    page.fill("#report-date", "2026-11-02")
    page.dispatch_event("#report-date", "change")
    assert page.input_value("#report-from") == page.input_value("#report-to") == "2026-11-02"
    page.click("#report-filters button[type=submit]")
    _, detail = api(page, "detail?from=2026-11-02&to=2026-11-02&service=BF")
    expect(page.locator('#summary-table tr[data-figure="issued"] td.now')).to_have_text(str(detail["summary"]["issued"]))
    assert detail["summary"]["issued"] == 4


def test_an_agency_admin_sees_no_other_agency_and_a_crafted_request_says_why(server, new_page):
    page = shown_report(new_page(LAPTOP), server, "dukcapil", **NOVEMBER)
    assert page.locator("#report-agency option").all_inner_texts() == [DUKCAPIL]
    services = page.locator("#report-service option").all_inner_texts()[1:]
    assert services and all(not text.startswith(("BE", "BF")) for text in services)
    expect(page.locator("#agencies-table tbody tr")).to_have_count(1)
    expect(page.locator("#officers-table tbody")).not_to_contain_text("andi")
    expect(page.locator('#summary-table tr[data-figure="issued"] td.now')).to_have_text("24")
    assert SAMSAT not in page.locator("main").inner_text()
    page.goto(f"{server.url}/admin/reports?{urlencode({**NOVEMBER, 'agency': SAMSAT})}")
    expect(page.locator("#report-message")).to_contain_text(gettext("id", "error.other_agency")[1:])
    expect(page.locator("#report-body")).to_be_hidden()


def test_an_officer_sees_only_their_own_figures(server, new_page):
    page = shown_report(new_page(LAPTOP), server, "siti", **NOVEMBER)
    expect(page.locator("#officers-table tbody tr")).to_have_count(1)
    expect(page.locator("#officers-table tbody")).to_contain_text("siti")
    assert page.locator("#report-officer option").all_inner_texts() == ["siti"]
    expect(page.locator("#report-agency")).to_have_count(0)  # nothing but their own figures to choose
    assert axe_violations(page) == []
    _, mine = api(page, f"detail?from=2026-11-01&to=2026-11-30&officer={server.officers['siti']}")
    expect(page.locator('#summary-table tr[data-figure="served"] td.now')).to_have_text(str(mine["summary"]["served"]))
    assert api(page, f"summary?from=2026-11-01&to=2026-11-30&officer={server.officers['andi']}")[0] == 403
    page.goto(f"{server.url}/admin/reports?{urlencode({**NOVEMBER, 'officer': server.officers['andi']})}")
    expect(page.locator("#report-message")).to_contain_text(gettext("id", "error.own_figures_only")[1:])
    expect(page.locator("#report-body")).to_be_hidden()
    assert page.goto(f"{server.url}/admin/reports/monthly?month=2026-11").status == 403
    page.click("#own-reports")  # the 403 page shows an officer the one administration page they may open
    expect(page.locator("#officers-table tbody tr")).to_have_count(1)


def test_the_monthly_report_has_the_hall_then_a_page_per_agency(server, new_page):
    page = signed_in(new_page(TV), server, "admin", "/admin/reports/monthly?month=2026-11")
    expect(page.locator(".monthly-agency")).to_have_count(len(set(AGENCY.values())))
    expect(page.locator("#monthly-hall [data-figure=issued] dd").first).to_have_text("48")
    expect(page.locator(f'.monthly-agency[data-agency="{SAMSAT}"] [data-figure=issued] dd').first).to_have_text("24")
    assert page.evaluate("() => [...document.querySelectorAll('.monthly-agency')].every((s) => getComputedStyle(s).breakBefore === 'page')")
    assert page.evaluate("() => window.Chart.getChart(document.querySelector('#monthly-hall canvas')).data.datasets[0].data.length") == 30
    expect(page.locator("main")).to_contain_text("November 2026")
    page.select_option("select[name=agency]", SAMSAT)
    page.click(".monthly-tools button[type=submit]")
    expect(page.locator(".monthly-agency")).to_have_count(1)
    expect(page.locator("#monthly-hall")).to_have_count(0)
    page.go_back()
    assert axe_violations(page) == []

    agency = signed_in(new_page(LAPTOP), server, "dukcapil", "/admin/reports/monthly?month=2026-11")
    expect(agency.locator(".monthly-agency")).to_have_count(1)
    expect(agency.locator("#monthly-hall")).to_have_count(0)
    expect(agency.locator(".monthly-agency")).to_have_attribute("data-agency", DUKCAPIL)
    assert agency.goto(f"{server.url}/admin/reports/monthly?{urlencode({'month': '2026-11', 'agency': SAMSAT})}").status == 403
    expect(agency.locator("#monthly-problem")).to_be_visible()
