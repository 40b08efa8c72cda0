"""The reports over HTTP: who may read what, the exports equal the JSON, bad parameters are 400
naming the parameter."""

from __future__ import annotations

import csv
import io

import pytest
from antre.queue_server.hall import hall_of
from openpyxl import load_workbook

from tests.conftest import PASSWORD

DAY = "2026-11-25"
PERIOD = f"from={DAY}&to={DAY}"


@pytest.fixture
def day(app, clock, officers):
    """A few tickets in both agencies: siti serves A at counter 1, budi C at counter 3."""
    hall = hall_of(app)
    ids = {o["username"]: o["id"] for o in hall.accounts.list()}
    e = hall.engine
    for service in ("A", "A", "B", "C"):
        e.issue(service)
        clock.advance(minutes=2)
    e.call_next("1", ids["siti"])
    e.call_next("3", ids["budi"])
    clock.advance(minutes=6)
    e.complete("1", ids["siti"])
    e.transfer("3", "A", ids["budi"])
    e.call_next("1", ids["siti"])
    clock.advance(minutes=3)
    e.complete("1", ids["siti"])
    hall.accounts.add("dukcapil", PASSWORD, "agency_admin", agency="Disdukcapil")
    tokens = {**officers, "dukcapil": hall.accounts.login("dukcapil", PASSWORD)[0]}
    return tokens, ids


def get(client, path: str, token: str, lang: str = "id"):
    return client.get(f"/api/v1/reports/{path}", headers={"Authorization": f"Bearer {token}", "Accept-Language": lang})


def test_a_hall_admin_reads_the_hall_and_the_filters_narrow_it(client, day):
    tokens, ids = day
    hall = get(client, f"summary?{PERIOD}", tokens["admin"]).get_json()
    assert (hall["issued"], hall["served"], hall["transferred"]) == (4, 2, 1)
    imigrasi = get(client, f"summary?{PERIOD}&agency=Kantor Imigrasi", tokens["admin"]).get_json()
    assert (imigrasi["issued"], imigrasi["served"]) == (1, 0)
    assert get(client, f"summary?{PERIOD}&officer={ids['siti']}", tokens["admin"]).get_json()["served"] == 2


def test_an_agency_admin_reads_only_their_agency(client, day):
    tokens, ids = day
    own = get(client, f"summary?{PERIOD}", tokens["dukcapil"]).get_json()
    assert own == get(client, f"summary?{PERIOD}&agency=Disdukcapil", tokens["admin"]).get_json()
    assert own["issued"] == 3  # A, A, B: not the passport ticket
    for other in ("agency=Kantor Imigrasi", "service=C", "counter=3", f"officer={ids['budi']}"):
        response = get(client, f"detail?{PERIOD}&{other}", tokens["dukcapil"])
        assert response.status_code == 403, other
        assert response.get_json()["error"]["code"] == "forbidden"
    assert get(client, f"summary.xlsx?{PERIOD}&service=C", tokens["dukcapil"]).status_code == 403
    detail = get(client, f"detail?{PERIOD}", tokens["dukcapil"]).get_json()
    assert [a["agency"] for a in detail["by_agency"]] == ["Disdukcapil"]
    assert [s["service"] for s in detail["by_service"]] == ["A", "B"]
    choices = get(client, "choices", tokens["dukcapil"]).get_json()
    assert choices["agencies"] == ["Disdukcapil"] and [c["id"] for c in choices["counters"]] == ["1", "2"]
    assert [o["username"] for o in choices["officers"]] == ["dukcapil", "siti"]


def test_an_officer_reads_only_their_own_figures(client, day):
    tokens, ids = day
    assert get(client, f"summary?{PERIOD}&officer={ids['budi']}", tokens["siti"]).status_code == 403
    own = get(client, f"summary?{PERIOD}", tokens["siti"]).get_json()
    assert own == get(client, f"summary?{PERIOD}&officer={ids['siti']}", tokens["admin"]).get_json()
    officers = get(client, f"detail?{PERIOD}", tokens["siti"]).get_json()["officers"]
    assert [o["username"] for o in officers] == ["siti"]
    assert get(client, "choices", tokens["siti"]).get_json()["officers"] == [{"id": ids["siti"], "username": "siti"}]


def test_without_a_token_it_is_401(client, day):
    assert client.get(f"/api/v1/reports/summary?{PERIOD}").status_code == 401


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("to=2026-11-25", "from"),
        ("from=2026-13-01&to=2026-11-25", "from"),
        ("from=2026-11-25&to=yesterday", "to"),
        ("from=2026-11-25&to=2026-11-24", "to"),
        ("from=2020-01-01&to=2026-11-24", "to"),
        (f"{PERIOD}&agency=Dinas Rahasia", "agency"),
        (f"{PERIOD}&service=Z", "service"),
        (f"{PERIOD}&counter=99", "counter"),
        (f"{PERIOD}&officer=999", "officer"),
        (f"{PERIOD}&officer=siti", "officer"),
        (f"{PERIOD}&section=everything", "section"),
    ],
)
def test_a_bad_parameter_is_400_naming_it(client, day, query, field):
    tokens, _ = day
    response = get(client, f"detail.csv?{query}", tokens["admin"])
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == field


def _numbers(row: list[str]) -> list:
    """CSV cells back to what the JSON holds: numbers as numbers, empty as null."""
    out = []
    for cell in row:
        try:
            out.append(int(cell) if cell.lstrip("-").isdigit() else float(cell))
        except ValueError:
            out.append(cell or None)
    return out


def test_the_summary_csv_and_xlsx_equal_the_json(client, day):
    tokens, _ = day
    summary = get(client, f"summary?{PERIOD}", tokens["admin"]).get_json()
    wanted = [
        summary["issued"],
        summary["served"],
        summary["no_show"],
        summary["cancelled"],
        summary["expired"],
        summary["transferred"],
        summary["within_target_share"],
        *summary["wait_minutes"].values(),
        *summary["service_minutes"].values(),
        summary["priority_share"],
    ]
    response = get(client, f"summary.csv?{PERIOD}", tokens["admin"], lang="en")
    assert response.mimetype == "text/csv"
    header, row = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert header[:4] == ["From", "To", "Issued", "Served"]
    assert _numbers(row) == [DAY, DAY, *wanted]
    sheet = load_workbook(io.BytesIO(get(client, f"summary.xlsx?{PERIOD}", tokens["admin"]).data)).active
    assert sheet["C1"].value == "Diambil"  # Indonesian, the hall's language
    assert [cell.value for cell in sheet[2]] == [DAY, DAY, *wanted]


def test_the_detail_workbook_has_every_section_with_totals_equal_to_the_page(client, day):
    tokens, _ = day
    detail = get(client, f"detail?{PERIOD}", tokens["admin"]).get_json()
    book = load_workbook(io.BytesIO(get(client, f"detail.xlsx?{PERIOD}", tokens["admin"], lang="en").data))
    assert book.sheetnames == ["Summary", "By day", "By agency", "By service", "Arrivals by hour", "Priority", "Transfers", "Officers", "Bookings"]
    rows = [[cell.value for cell in row] for row in book["By service"].iter_rows()]
    assert rows[0][:5] == ["Service code", "Service", "Agency", "Target wait (minutes)", "Issued"]
    assert [r[0] for r in rows[1:]] == ["A", "B", "C", "Total"]
    for row, service in zip(rows[1:4], detail["by_service"], strict=True):
        assert row[4:7] == [service["issued"], service["served"], service["no_show"]]
        assert row[11] == service["wait_minutes"]["mean"]
    total = rows[-1]
    assert total[4:6] == [detail["summary"]["issued"], detail["summary"]["served"]]
    assert sum(r[4] for r in rows[1:4]) == total[4]  # the services' tickets add up to the hall's
    assert total[10] == detail["summary"]["within_target_share"]
    officers = [[cell.value for cell in row] for row in book["Officers"].iter_rows()]
    assert [(r[0], r[1]) for r in officers[1:]] == [(o["username"], o["served"]) for o in detail["officers"]]
    transfers = [[cell.value for cell in row] for row in book["Transfers"].iter_rows()]
    assert transfers[1:] == [["C", "A", 1], ["Total", None, 1]]


def test_a_detail_csv_is_one_section(client, day):
    tokens, _ = day
    detail = get(client, f"detail?{PERIOD}", tokens["admin"]).get_json()
    text = get(client, f"detail.csv?{PERIOD}&section=daily", tokens["admin"], lang="en").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == ["Day", "Issued", "Served", "Within target wait"]
    assert [_numbers(r) for r in rows[1:]] == [[d["day"], d["issued"], d["served"], d["within_target_share"]] for d in detail["daily"]] + [
        ["Total", detail["summary"]["issued"], detail["summary"]["served"], detail["summary"]["within_target_share"]]
    ]


def test_the_report_process_answers_as_the_server_itself_would(app, client, day):
    """``antre run`` computes reports in a process of its own: same answers, same refusals."""
    from antre.queue_server.reports.worker import ReportWorker

    tokens, _ = day
    hall = hall_of(app)
    here = [get(client, path, tokens["dukcapil"]) for path in (f"detail?{PERIOD}", f"detail.csv?{PERIOD}&section=officers")]
    hall.report_worker = ReportWorker(hall.config.database)
    try:
        hall.report_worker.start()
        there = [get(client, path, tokens["dukcapil"]) for path in (f"detail?{PERIOD}", f"detail.csv?{PERIOD}&section=officers")]
        assert get(client, f"summary?{PERIOD}&service=C", tokens["dukcapil"]).status_code == 403
    finally:
        hall.report_worker.close()
    assert [r.get_data() for r in there] == [r.get_data() for r in here]
