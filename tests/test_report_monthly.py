"""The monthly report's figures (queue_server/reports/monthly.py): the month asked for (or the last
whole one), each agency's page equal to the report of that agency, the hall's equal to the hall's,
and the month before as the comparison."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from antre.queue_server.clock import ManualClock
from antre.queue_server.engine import InvalidInput
from antre.queue_server.hall import open_hall
from antre.queue_server.reports.figures import ReportFilters, Reports
from antre.queue_server.reports.monthly import month_range, monthly

JAKARTA = ZoneInfo("Asia/Jakarta")


def test_the_month_is_its_first_to_its_last_day_and_by_default_the_last_whole_one():
    assert month_range("2028-02", "2026-12-03") == ("2028-02-01", "2028-02-29")
    assert month_range("2026-12", "2026-12-03") == ("2026-12-01", "2026-12-31")
    assert month_range(None, "2026-12-03") == ("2026-11-01", "2026-11-30")
    assert month_range("", "2027-01-15") == ("2026-12-01", "2026-12-31")
    with pytest.raises(InvalidInput) as refused:
        month_range("2026-13", "2026-12-03")
    assert refused.value.field == "month"


@pytest.fixture
def history(hall_config):
    """Two tickets of Disdukcapil (A) and one of Kantor Imigrasi (C) on a November day, served at
    counters 1 and 3; one ticket of A on an October day."""
    clock = ManualClock(datetime(2026, 10, 20, 8, 0, tzinfo=JAKARTA))
    hall = open_hall(hall_config, clock)
    engine = hall.engine
    engine.issue("A")
    clock.advance(minutes=5)
    engine.call_next("1")
    clock.now = datetime(2026, 11, 10, 8, 0, tzinfo=JAKARTA)
    engine.issue("A", priority="lansia")
    engine.issue("A")
    engine.issue("C")
    clock.advance(minutes=4)
    for counter in ("1", "1", "3"):
        engine.call_next(counter)
        clock.advance(minutes=2)
    engine.complete("1")
    engine.complete("3")
    hall.summaries.catch_up()
    yield Reports(hall.summaries.reports, hall.config, clock)
    hall.store.close()


def test_each_agency_page_equals_that_agencys_report_and_the_hall_page_the_halls(history):
    november = ReportFilters("2026-11-01", "2026-11-30")
    report = monthly(history, november)
    assert report["previous_period"] == {"from": "2026-10-01", "to": "2026-10-31"}
    assert report["hall"]["summary"] == history.summary(november)
    assert report["hall"]["summary"]["issued"] == 3 and report["hall"]["previous"]["issued"] == 1
    assert [row["agency"] for row in report["hall"]["by_agency"]] == ["Disdukcapil", "Kantor Imigrasi"]
    assert [page["agency"] for page in report["agencies"]] == ["Disdukcapil", "Kantor Imigrasi"]
    for page in report["agencies"]:
        detail = history.detail(replace(november, agency=page["agency"]))
        for section in ("summary", "daily", "priority", "by_service"):
            assert page[section] == detail[section], (page["agency"], section)
    dukcapil = report["agencies"][0]
    assert dukcapil["summary"]["issued"] == 2 and dukcapil["previous"]["issued"] == 1
    assert dukcapil["priority"] == [{"category": "lansia", "tickets": 1, "share": 0.5}]


def test_an_agencys_monthly_report_has_no_hall_page(history):
    report = monthly(history, ReportFilters("2026-11-01", "2026-11-30", agency="Kantor Imigrasi"))
    assert report["hall"] is None
    assert [page["agency"] for page in report["agencies"]] == ["Kantor Imigrasi"]
    assert report["agencies"][0]["summary"]["served"] == 1
