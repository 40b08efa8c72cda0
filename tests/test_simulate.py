"""The hall-day simulator: reproducible for a seed, drives the real engine, keeps its history on request."""

from __future__ import annotations

import copy
import json
from dataclasses import asdict
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import sqlite_utils
from antre.queue_server.config import load_config
from antre.queue_server.simulate import Scenario, simulate, working_days

from tests.support import SMALL_HALL, antre, write_config

SHORT = Scenario(seed=11, hours=(time(8, 0), time(9, 0)), load=0.9)


def test_the_same_seed_gives_the_same_day_and_another_seed_another(hall_config):
    first, again = simulate(hall_config, SHORT), simulate(hall_config, SHORT)
    assert asdict(first.total) == asdict(again.total)
    assert [asdict(f) for f in first.services] == [asdict(f) for f in again.services]
    assert first.total.tickets > 20
    other = simulate(hall_config, Scenario(seed=12, hours=SHORT.hours, load=SHORT.load))
    assert asdict(other.total) != asdict(first.total)


def test_the_history_is_the_real_engines_with_every_kind_of_event(hall_config, tmp_path):
    database = tmp_path / "history.db"
    scenario = Scenario(seed=3, hours=(time(11, 0), time(13, 30)), load=1.0, no_show_share=0.2, transfer_share=0.2)
    result = simulate(hall_config, scenario, database)
    db = sqlite_utils.Database(database)
    kinds = {row["kind"] for row in db.query("SELECT DISTINCT kind FROM events")}
    assert {"issued", "called", "started", "completed", "recalled", "no_show", "transferred", "paused", "resumed"} <= kinds
    assert db["tickets"].count == result.total.tickets
    open_left = db.execute("SELECT COUNT(*) FROM tickets WHERE status IN ('waiting', 'called', 'serving')").fetchone()[0]
    assert open_left == 0  # officers keep serving after the doors close until everyone has left
    assert "total" in result.table()


def test_officers_follow_the_halls_break_rota_when_it_has_one(tmp_path):
    data = copy.deepcopy(SMALL_HALL)
    data["hall"]["breaks"] = [{"time": "08:20-08:40", "reason": "sholat", "counters": ["2"]}]
    database = tmp_path / "rota.db"
    simulate(load_config(write_config(tmp_path, data)), Scenario(seed=5, hours=(time(8, 0), time(9, 0)), load=1.0), database)
    pauses = list(sqlite_utils.Database(database).query("SELECT counter_id, at, details FROM events WHERE kind = 'paused'"))
    assert [(p["counter_id"], json.loads(p["details"])["reason"]) for p in pauses] == [("2", "sholat")]
    paused_at = datetime.fromisoformat(pauses[0]["at"]).astimezone(ZoneInfo("Asia/Jakarta")).time()
    assert time(8, 20) <= paused_at < time(8, 40)  # at the officer's first free moment after 08:20


def test_several_days_skip_the_weekend():
    assert working_days(date(2026, 11, 6), 3) == [date(2026, 11, 6), date(2026, 11, 9), date(2026, 11, 10)]


def test_the_command_prints_the_figures_and_refuses_to_overwrite_a_file(config_path, tmp_path):
    done = antre(config_path, "simulate", "--seed", "4", "--hours", "08:00-08:45", "--into", str(tmp_path / "sim.db"))
    assert done.returncode == 0, done.stderr
    assert "MAE est." in done.stdout and "naive baseline" in done.stdout
    assert (tmp_path / "sim.db").exists()
    again = antre(config_path, "simulate", "--into", str(tmp_path / "sim.db"))
    assert again.returncode != 0 and "already exists" in again.stderr
    bad = antre(config_path, "simulate", "--hours", "sixteen")
    assert bad.returncode != 0 and "--hours" in bad.stderr and "Traceback" not in bad.stderr


def test_a_scenario_with_given_arrivals_service_times_and_shifts(hall_config, tmp_path):
    """The staffing advisor's check drives the simulator so: arrivals per hour, service times, and
    counters staffed only in their hours (closed at the end of their shift)."""
    database = tmp_path / "plan.db"
    scenario = Scenario(
        seed=2,
        hours=(time(9, 0), time(23, 59)),
        priority_share=0.0,
        no_show_share=0.0,
        impatient_share=0.0,
        transfer_share=0.0,
        breaks=False,
        arrivals={"A": {9: 20.0, 10: 20.0}},
        service_minutes={"A": (4.0, 2.0)},
        staffing={"2": (9,), "1": (9, 10)},
    )
    result = simulate(hall_config, scenario, database)
    jakarta = ZoneInfo("Asia/Jakarta")
    assert {o.service for o in result.outcomes} == {"A"} and 25 < len(result.outcomes) < 60
    assert {o.issued.astimezone(jakarta).hour for o in result.outcomes} == {9, 10}
    db = sqlite_utils.Database(database)

    def local(row: dict) -> time:
        return datetime.fromisoformat(row["at"]).astimezone(jakarta).time()

    calls = {c: [local(row) for row in db.query("SELECT at FROM events WHERE kind = 'called' AND counter_id = ?", [c])] for c in "12"}
    assert calls["2"] and all(moment < time(10, 0) for moment in calls["2"])
    assert calls["1"] and all(moment < time(11, 0) for moment in calls["1"])
    closed = [local(row) for row in db.query("SELECT at FROM events WHERE kind = 'closed' AND counter_id = '2'")]
    assert len(closed) == 1 and time(10, 0) <= closed[0] < time(10, 30)
