"""The SKM report beyond the page: the exports hold the API's numbers, the printable report holds the
period's figures and follow-up plans, and the publication shows per-agency IKM only from the minimum
number of responses, never a comment."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from tests.support import SMALL_HALL, write_config
from tests.test_admin_officers import admin_login
from tests.test_openapi import call, document  # noqa: F401  (fixtures: each answer checked against openapi.json)
from tests.test_skm_api import MONTH, surveyed  # noqa: F401  (the fixture: five answered tickets, two agencies)

PLAN = {
    "period_from": "2026-11-01",
    "period_to": "2026-11-30",
    "agency": "Disdukcapil",
    "element": "u3",
    "finding": "Waktu penyelesaian <b>lama</b>",
    "plan": "Tambah loket perekaman",
    "owner": "Kasi Pelayanan",
    "due_day": "2026-12-31",
}


@pytest.fixture
def config_path(tmp_path):
    """The small hall publishing from four responses: Disdukcapil (four) shows a value, the passport
    office (one) does not."""
    return write_config(tmp_path, {**SMALL_HALL, "survey": {"min_respondents": 4}})


def get(client, path, token, **headers):
    return client.get(path, headers={"Authorization": f"Bearer {token}", **headers})


def test_the_workbook_holds_the_numbers_of_the_json(client, surveyed):  # noqa: F811
    tokens, _ids = surveyed
    client.post("/api/v1/skm/followups", json=PLAN, headers={"Authorization": f"Bearer {tokens['admin']}"})
    figures = get(client, f"/api/v1/skm?{MONTH}&agency=Disdukcapil", tokens["admin"]).get_json()
    response = get(client, f"/api/v1/skm/export.xlsx?{MONTH}&agency=Disdukcapil", tokens["admin"], **{"Accept-Language": "en"})
    assert response.status_code == 200
    assert 'filename="antre-skm-2026-11-01-2026-11-30.xlsx"' in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Summary", "Elements", "Respondents", "Breakdown", "Follow-up"]
    summary = [cell.value for cell in book["Summary"][2]]
    assert summary[5:10] == [figures["respondents"], figures["population"], figures["sample_min"], figures["index"], figures["ikm"]]
    elements = list(book["Elements"].iter_rows(min_row=2, max_row=10, values_only=True))
    assert [row[2] for row in elements] == figures["nrr"]
    assert [row[0] for row in elements] == [f"U{i}" for i in range(1, 10)] and elements[2][1] == "Completion time"
    assert elements[2][3] == round(figures["nrr"][2] / 9, 3)
    services = list(book["Breakdown"].iter_rows(min_row=2, values_only=True))
    assert [(row[0], row[3]) for row in services] == [("A", 4), ("B", 0)]
    plans = list(book["Follow-up"].iter_rows(min_row=2, values_only=True))
    assert plans[0][:3] == ("U3", "Disdukcapil", PLAN["finding"])


def test_a_csv_section_holds_the_same_rows_and_a_bad_one_is_refused(client, surveyed):  # noqa: F811
    tokens, _ids = surveyed
    figures = get(client, f"/api/v1/skm?{MONTH}", tokens["admin"]).get_json()
    text = get(client, f"/api/v1/skm/export.csv?{MONTH}&section=elements", tokens["admin"]).get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["Unsur", "Nama", "NRR"]
    assert [float(row[2]) for row in rows[1:10]] == figures["nrr"]
    agencies = get(client, f"/api/v1/skm/export.csv?{MONTH}&section=breakdown", tokens["admin"]).get_data(as_text=True)
    assert "Kantor Imigrasi" in agencies
    bad = get(client, f"/api/v1/skm/export.csv?{MONTH}&section=comments", tokens["admin"])
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "section"


def test_a_counter_under_the_minimum_exports_its_count_only(client, surveyed):  # noqa: F811
    tokens, _ids = surveyed
    response = get(client, f"/api/v1/skm/export.xlsx?{MONTH}&counter=2", tokens["admin"])
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))  # in the hall's language: no Accept-Language
    summary = [cell.value for cell in book["Ringkasan"][2]]
    assert summary[4:6] == ["2", 0] and summary[-1] == "kurang dari 4 tanggapan"
    assert book["Unsur"].max_row == 2  # the headers and the index row, no element's NRR


def test_exports_keep_each_caller_to_their_scope(client, surveyed):  # noqa: F811
    tokens, _ids = surveyed
    assert get(client, f"/api/v1/skm/export.xlsx?{MONTH}&agency=Kantor%20Imigrasi", tokens["dukcapil"]).status_code == 403
    own = get(client, f"/api/v1/skm/export.csv?{MONTH}&section=summary", tokens["dukcapil"]).get_data(as_text=True)
    assert "Disdukcapil" in own
    assert get(client, f"/api/v1/skm/export.xlsx?{MONTH}", tokens["siti"]).status_code == 403


def test_the_printable_report_holds_the_figures_and_the_plans(app, client, surveyed):  # noqa: F811
    tokens, _ids = surveyed
    client.post("/api/v1/skm/followups", json=PLAN, headers={"Authorization": f"Bearer {tokens['admin']}"})
    assert admin_login(client, "admin").status_code == 302
    page = client.get(f"/admin/skm/print?{MONTH}&agency=Disdukcapil").get_data(as_text=True)
    assert "86,11" in page and "B (Baik)" in page and "2,750" in page
    assert "88,31–100,00: A (Sangat Baik)" in page and "25,00–64,99: D (Tidak Baik)" in page
    assert "Waktu penyelesaian &lt;b&gt;lama&lt;/b&gt;" in page and "Tambah loket perekaman" in page
    assert "Rencana tindak lanjut: 1; selesai 0 (0 %); terlambat 0." in page
    assert "Antrean tertib" not in page  # comments are not in the submitted report
    bad = client.get("/admin/skm/print?from=2026-11-31&to=2026-12-01")
    assert bad.status_code == 400


def test_the_publication_shows_agencies_from_the_minimum_and_never_a_comment(app, client, surveyed, clock):  # noqa: F811
    published = client.get("/api/v1/skm/public")
    assert published.status_code == 200 and published.headers["Cache-Control"].startswith("public")
    quarter, year = published.get_json()["periods"]
    assert (quarter["label"], year["label"]) == ("2026-Q3", "2026")
    agencies = {a["agency"]: a for a in year["agencies"]}
    assert (agencies["Disdukcapil"]["ikm"], agencies["Disdukcapil"]["grade"], agencies["Disdukcapil"]["respondents"]) == (86.11, "B", 4)
    assert agencies["Kantor Imigrasi"] == {
        "agency": "Kantor Imigrasi",
        "respondents": 1,
        "shown": False,
        "ikm": None,
        "grade": None,
        "grade_label": None,
    }
    assert year["hall"]["respondents"] == 5 and year["hall"]["shown"] is True
    assert "Antrean tertib" not in published.get_data(as_text=True) and "counter" not in published.get_data(as_text=True)

    clock.advance(days=40)  # 4 January 2027: the fourth quarter of 2026 is the latest completed one
    quarter = client.get("/api/v1/skm/public").get_json()["periods"][0]
    assert quarter["label"] == "2026-Q4" and quarter["hall"]["respondents"] == 5
    page = client.get("/skm").get_data(as_text=True)
    assert "86,11" in page and "Disdukcapil" in page and "kurang dari 4 tanggapan" in page
    assert "Antrean tertib" not in page and "Paspor cepat" not in page


def test_the_lobby_offers_the_skm_panel_only_when_the_hall_chooses_it(client, officers, auth):
    def skm_notices():
        return [n for n in client.get("/display/facts.json").get_json()["notices"] if n.get("kind") == "skm"]

    assert skm_notices() == []  # survey.show_on_lobby is off by default
    version = client.get("/api/v1/admin/settings", headers=auth(officers["admin"])).get_json()["version"]
    changed = client.patch(
        "/api/v1/admin/settings", json={"survey": {"show_on_lobby": True}, "version": version}, headers=auth(officers["admin"])
    )
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["settings"]["survey"]["show_on_lobby"] is True
    assert [n["seconds"] for n in skm_notices()] == [15]


def test_the_follow_up_and_public_endpoints_answer_as_documented(call, surveyed):  # noqa: F811
    tokens, _ids = surveyed
    plan = call("post", "/skm/followups", json=PLAN, token=tokens["admin"], expect=201).get_json()
    call("post", "/skm/followups", json={**PLAN, "status": "batal"}, token=tokens["admin"], expect=400)
    call("post", "/skm/followups", json={**PLAN, "agency": "Kantor Imigrasi"}, token=tokens["dukcapil"], expect=403)
    call("post", "/skm/followups", json=PLAN, expect=401)
    call("patch", f"/skm/followups/{plan['id']}", json={"status": "berjalan"}, token=tokens["dukcapil"], expect=200)
    call("patch", "/skm/followups/999", json={"status": "berjalan"}, token=tokens["admin"], expect=404)
    call("get", f"/skm/followups?{MONTH}", token=tokens["admin"], expect=200)
    call("get", f"/skm/followups?{MONTH}", token=tokens["siti"], expect=403)
    call("get", "/skm/public", expect=200)
