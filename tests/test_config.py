"""config.yaml as a hall administrator edits it: every mistake is one line naming the key path."""

from __future__ import annotations

import copy
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from antre.queue_server.config import ConfigError, load_config

from tests.support import ROOT, SMALL_HALL, antre, free_port, write_config


def broken(tmp_path: Path, change: Callable[[dict], object]) -> Path:
    """The small hall with one edit applied, written to a file."""
    data = copy.deepcopy(SMALL_HALL)
    change(data)
    return write_config(tmp_path, data)


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as refused:
        load_config(path)
    return refused.value.problems


# --- the demo hall ---------------------------------------------------------------------------------


def test_the_bundled_demo_hall_loads_and_looks_like_a_real_mal_pelayanan_publik():
    hall = load_config(ROOT / "config.yaml")

    agencies = {s.agency for s in hall.services.values()}
    assert len(agencies) >= 6, agencies
    assert len(hall.services) >= 12
    assert len(hall.counters) >= 14
    assert sum(1 for c in hall.counters.values() if len(c.services) > 1) >= 2, "some counters serve several services"
    unserved = [code for code in hall.services if not hall.counters_for_service(code)]
    assert unserved == [], "every service has a counter, or its visitors would wait for ever"
    assert hall.timezone.key == "Asia/Jakarta"
    assert hall.database == ROOT / "data" / "antre.db", "a relative database path is relative to the config file"


def test_the_small_test_hall_gets_sensible_defaults(hall_config):
    assert hall_config.max_consecutive_priority == 3
    assert hall_config.max_normal_wait_minutes is None
    assert hall_config.printer["kind"] == "dummy", "with no printer configured nothing crashes for lack of one"
    assert hall_config.announcements["template"] == "Nomor antrean {number}, silakan menuju {counter}"
    limits = hall_config.connections
    assert (limits.per_address, limits.header_timeout_seconds, limits.join_timeout_seconds) == (300, 10, 10)


# --- one line per mistake --------------------------------------------------------------------------

MISTAKES = {
    "unknown top-level key": (
        lambda d: d.update(colour_scheme="dark"),
        "colour_scheme: unknown key (known keys: hall, database, public_url, priority, agencies, services, counters, "
        "printer, announcements, kiosks, displays, auth, backup, issuing, connections, live, kiosk_requires_open_counter, "
        "counter_idle_minutes, kiosk_priority_categories, survey, complaints, booking, notifications)",
    ),
    "several workers without a message queue": (
        lambda d: d.update(live={"workers": 2}),
        "live.message_queue: live.workers is 2: several processes share the live channel through Redis, so set "
        "live.message_queue (e.g. redis://127.0.0.1:6379/0) or set live.workers back to 1",
    ),
    "a message queue that is not a Redis URL": (
        lambda d: d.update(live={"workers": 2, "message_queue": "http://127.0.0.1:6379"}),
        "live.message_queue: must be a Redis URL such as redis://127.0.0.1:6379/0, got 'http://127.0.0.1:6379'",
    ),
    "unknown key inside a list item": (
        lambda d: d["services"][1].update(colour="blue"),
        "services[1].colour: unknown key (known keys: code, name, agency, target_wait_minutes, duration_minutes, requirements, fee, keywords, weekly_hours, cutoff_minutes, daily_quota, booking)",
    ),
    "unknown key inside a section": (
        lambda d: d["priority"].update(max_consecutiv=2),
        "priority.max_consecutiv: unknown key (known keys: max_consecutive, max_normal_wait_minutes)",
    ),
    "text where a whole number belongs": (
        lambda d: d["priority"].update(max_consecutive="three"),
        "priority.max_consecutive: must be a whole number",
    ),
    "a fraction where a whole number belongs": (
        lambda d: d["priority"].update(max_consecutive=2.5),
        "priority.max_consecutive: must be a whole number",
    ),
    "text where true/false belongs": (
        lambda d: d.update(announcements={"enabled": "yes"}),
        "announcements.enabled: must be true or false",
    ),
    "one service code where a list belongs": (
        lambda d: d["counters"][0].update(services="A"),
        "counters[0].services: must be a list of texts",
    ),
    "a list where a section belongs": (
        lambda d: d.update(hall=["MPP Uji"]),
        "hall: must be a mapping of keys",
    ),
    "a port out of range": (
        lambda d: d.update(printer={"kind": "network", "host": "10.0.0.5", "port": 70000}),
        "printer.port: must be between 1 and 65535, got 70000",
    ),
    "a paper width no printer has": (
        lambda d: d.update(printer={"kind": "dummy", "width_mm": 70}),
        "printer.width_mm: must be one of 58, 80, got 70",
    ),
    "a negative connection cap": (
        lambda d: d.update(connections={"per_address": -1}),
        "connections.per_address: must be between 0 and 100000, got -1",
    ),
    "a header timeout of no time": (
        lambda d: d.update(connections={"header_timeout_seconds": 0}),
        "connections.header_timeout_seconds: must be between 1 and 300, got 0",
    ),
    "a missing required key": (
        lambda d: d["services"][2].pop("name"),
        "services[2].name: is required",
    ),
    "a missing required section": (
        lambda d: d.pop("counters"),
        "counters: is required",
    ),
    "a service code used twice": (
        lambda d: d["services"].append({"code": "A", "name": "Akta", "agency": "Disdukcapil"}),
        "services[3].code: duplicate service code 'A' (also services[0])",
    ),
    "a counter id used twice": (
        lambda d: d["counters"].append({"id": "2", "name": "Loket 2b", "services": ["B"]}),
        "counters[3].id: duplicate counter id '2' (also counters[1])",
    ),
    "a counter naming a service that does not exist": (
        lambda d: d["counters"][1].update(services=["A", "Z"]),
        "counters[1].services[1]: unknown service 'Z'",
    ),
    "a bad timezone": (
        lambda d: d["hall"].update(timezone="Asia/Jakata"),
        "hall.timezone: unknown timezone 'Asia/Jakata' (use a name such as Asia/Jakarta)",
    ),
    "WIB instead of a timezone name": (
        lambda d: d["hall"].update(timezone="WIB"),
        "hall.timezone: unknown timezone 'WIB' (use a name such as Asia/Jakarta)",
    ),
    "a printer kind that does not exist": (
        lambda d: d.update(printer={"kind": "laser"}),
        "printer.kind: must be one of network, usb, serial, file, dummy, got 'laser'",
    ),
    "a network printer without a host": (
        lambda d: d.update(printer={"kind": "network", "port": 9100}),
        "printer.host: is required for a network printer",
    ),
    "a counter with no services": (
        lambda d: d["counters"][2].update(services=[]),
        "counters[2].services: a counter must serve at least one service",
    ),
    "a break that ends before it starts": (
        lambda d: d["hall"].update(breaks=[{"time": "13:00-12:00"}]),
        "hall.breaks[0].time: must end after it starts, got '13:00-12:00'",
    ),
    "a break time that is not a time range": (
        lambda d: d["hall"].update(breaks=[{"time": "12.00"}]),
        "hall.breaks[0].time: must look like 12:00-13:00, got '12.00'",
    ),
    "a break for a counter that does not exist": (
        lambda d: d["hall"].update(breaks=[{"time": "12:00-13:00", "counters": ["1", "9"]}]),
        "hall.breaks[0].counters[1]: unknown counter '9'",
    ),
    "a break naming no counter": (
        lambda d: d["hall"].update(breaks=[{"time": "12:00-13:00", "counters": []}]),
        "hall.breaks[0].counters: must name at least one counter (leave it out for the whole hall)",
    ),
    "a break without its time": (
        lambda d: d["hall"].update(breaks=[{"reason": "istirahat"}]),
        "hall.breaks[0].time: is required",
    ),
    "a password hash other than scrypt": (
        lambda d: d["auth"].update(password_hash="pbkdf2:sha256:600000"),
        "auth.password_hash: must look like scrypt:N:R:P, such as the default scrypt:32768:8:1, got 'pbkdf2:sha256:600000'",
    ),
    "a scrypt N that is not a power of two": (
        lambda d: d["auth"].update(password_hash="scrypt:30000:8:1"),
        "auth.password_hash: N must be a power of two of at least 128, such as 32768, got 'scrypt:30000:8:1'",
    ),
    "a scrypt N too small for scrypt to run": (
        lambda d: d["auth"].update(password_hash="scrypt:64:8:1"),
        "auth.password_hash: N must be a power of two of at least 128, such as 32768, got 'scrypt:64:8:1'",
    ),
    "a scrypt R of zero": (
        lambda d: d["auth"].update(password_hash="scrypt:32768:0:1"),
        "auth.password_hash: R and P must be at least 1, got 'scrypt:32768:0:1'",
    ),
    "scrypt parameters that need more memory than a log-in may take": (
        lambda d: d["auth"].update(password_hash="scrypt:1048576:16:1"),
        "auth.password_hash: needs too much memory (132 x N x R x P bytes must stay under 2 GiB), got 'scrypt:1048576:16:1'",
    ),
    "a service filed under an agency the list does not have": (
        lambda d: d.update(agencies=[{"name": "Dinas Kependudukan dan Pencatatan Sipil", "short_name": "Disdukcapil"}]),
        "services[2].agency: unknown agency 'Kantor Imigrasi' (agencies: Dinas Kependudukan dan Pencatatan Sipil)",
    ),
    "two agencies with one short name": (
        lambda d: d.update(
            agencies=[{"name": "Disdukcapil", "short_name": "Dukcapil"}, {"name": "Kantor Imigrasi", "short_name": "Dukcapil"}]
        ),
        "agencies[1].short_name: duplicate agency short name 'Dukcapil' (also agencies[0])",
    ),
    "a short name that is another agency's name": (
        lambda d: d.update(agencies=[{"name": "Disdukcapil"}, {"name": "Kantor Imigrasi", "short_name": "Disdukcapil"}]),
        "agencies[1].short_name: 'Disdukcapil' is the name of another agency",
    ),
    "keywords written as one text": (
        lambda d: d["services"][0].update(keywords="ktp, e-ktp"),
        "services[0].keywords: must be a list of texts",
    ),
    "a priority category the law does not name": (
        lambda d: d.update(kiosk_priority_categories=["lansia", "veteran"]),
        "kiosk_priority_categories: unknown priority category 'veteran' (known: lansia, disabilitas, ibu_hamil, anak, korban_bencana)",
    ),
    "an idle time of zero": (
        lambda d: d.update(counter_idle_minutes=0),
        "counter_idle_minutes: must be between 1 and 1440, got 0",
    ),
}


@pytest.mark.parametrize("case", list(MISTAKES))
def test_each_config_mistake_is_one_line_naming_the_key_path_and_what_is_wrong(case, tmp_path):
    change, line = MISTAKES[case]

    assert problems_of(broken(tmp_path, change)) == [line]


def test_a_break_rota_is_read_with_the_whole_hall_and_lunch_as_defaults(tmp_path):
    data = copy.deepcopy(SMALL_HALL)
    data["hall"]["breaks"] = [{"time": "12:00-13:00"}, {"time": "15:00-15:15", "reason": "sholat", "counters": ["2"]}]
    lunch, prayer = load_config(write_config(tmp_path, data)).breaks

    assert (lunch.reason, lunch.counters, lunch.minutes) == ("istirahat", ("1", "2", "3"), 60)
    assert (prayer.reason, prayer.counters, prayer.minutes) == ("sholat", ("2",), 15)


def test_a_lower_case_service_code_is_refused_with_what_a_code_looks_like(tmp_path):
    path = broken(tmp_path, lambda d: d["services"][2].update(code="c"))

    assert problems_of(path)[0] == "services[2].code: must be one or two capital letters such as A or KT, got 'c'"


def test_a_misspelt_key_is_reported_as_unknown_and_the_key_it_should_have_been_as_missing(tmp_path):
    path = broken(tmp_path, lambda d: d["hall"].update(timezon=d["hall"].pop("timezone")))

    assert problems_of(path) == [
        "hall.timezon: unknown key (known keys: name, timezone, language, opening_hours, ticker, breaks, notices, weekly_hours, closed_days)",
        "hall.timezone: is required",
    ]


def test_several_mistakes_are_all_reported_at_once_one_line_each(tmp_path):
    def three_mistakes(d):
        d["hall"]["timezone"] = "Jakarta"
        d["services"][0]["colour"] = "red"
        d["counters"][2]["services"] = ["C", "X"]

    problems = problems_of(broken(tmp_path, three_mistakes))

    assert sorted(problems) == sorted(
        [
            "hall.timezone: unknown timezone 'Jakarta' (use a name such as Asia/Jakarta)",
            "services[0].colour: unknown key (known keys: code, name, agency, target_wait_minutes, duration_minutes, requirements, fee, keywords, weekly_hours, cutoff_minutes, daily_quota, booking)",
            "counters[2].services[1]: unknown service 'X'",
        ]
    )


def test_an_unclosed_quote_is_reported_with_the_line_where_it_opened(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text('hall:\n  name: "MPP Uji\n  timezone: Asia/Jakarta\nservices: []\n', encoding="utf-8")

    (line,) = problems_of(path)

    assert line.startswith(f"{path}: not valid YAML at line ")
    assert line.endswith("(while scanning a quoted scalar at line 2)"), line


def test_invalid_yaml_points_at_the_offending_line(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("hall:\n  name: MPP Uji\n  timezone: Asia/Jakarta\n counters: []\n", encoding="utf-8")

    (line,) = problems_of(path)

    assert line.startswith(f"{path}: not valid YAML at line 4, column 2")


def test_a_missing_config_file_says_so(tmp_path):
    path = tmp_path / "nowhere.yaml"

    assert problems_of(path) == [f"{path}: config file not found"]


def test_an_empty_config_file_says_what_it_should_hold(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("# nothing yet\n", encoding="utf-8")

    assert problems_of(path) == [f"{path}: the file must hold a mapping of keys (hall, services, counters, ...)"]


def test_a_config_saved_in_a_windows_code_page_is_a_clear_mistake_not_a_crash(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_bytes(write_config(tmp_path).read_bytes().replace(b"MPP Uji", "MPP Ují".encode("cp1252")))

    (line,) = problems_of(path)

    assert line.startswith(f"{path}: not UTF-8 text")


# --- the command line with a broken config ------------------------------------------------------------


def test_antre_with_a_broken_config_exits_non_zero_with_the_problem_lines_and_no_traceback(tmp_path):
    folders = {name: tmp_path / name for name in ("mistakes", "yaml", "missing", "database")}
    for folder in folders.values():
        folder.mkdir()

    def mistakes(d):
        d["hall"]["timezone"] = "WIB"
        d["services"].append({"code": "A", "name": "Akta", "agency": "Disdukcapil"})
        d["printer"] = {"kind": "network"}

    configs = {
        "mistakes": broken(folders["mistakes"], mistakes),
        "yaml": folders["yaml"] / "config.yaml",
        "missing": folders["missing"] / "config.yaml",
        "database": broken(folders["database"], lambda d: d.update(database="config.yaml/antre.db")),
    }
    configs["yaml"].write_text("hall: {name: MPP\n", encoding="utf-8")
    runs = [
        ("mistakes", ("init",)),
        ("mistakes", ("run", "--port", str(free_port()))),
        ("yaml", ("officer", "list")),
        ("missing", ("init",)),
        ("database", ("init",)),
        ("database", ("run", "--port", str(free_port()))),
    ]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = dict(zip(runs, pool.map(lambda run: antre(configs[run[0]], *run[1], timeout=20), runs), strict=True))

    for (name, command), result in results.items():
        where = f"antre {' '.join(command)} with the {name} config"
        assert result.returncode != 0, where
        assert "Traceback" not in result.stdout + result.stderr, f"{where}:\n{result.stderr}"
        assert result.stdout == "", where
        assert all(line.startswith("antre: config: ") for line in result.stderr.splitlines()), f"{where}:\n{result.stderr}"

    assert results[("mistakes", ("init",))].stderr.splitlines() == [
        "antre: config: hall.timezone: unknown timezone 'WIB' (use a name such as Asia/Jakarta)",
        "antre: config: services[3].code: duplicate service code 'A' (also services[0])",
        "antre: config: printer.host: is required for a network printer",
    ]
    assert "not valid YAML at line 2" in results[("yaml", ("officer", "list"))].stderr
    assert "config file not found" in results[("missing", ("init",))].stderr
    assert results[("database", ("init",))].stderr.startswith("antre: config: database: cannot open ")


def test_agencies_go_by_their_official_name_and_may_be_named_by_their_short_one(tmp_path):
    official = "Dinas Kependudukan dan Pencatatan Sipil Kota Contoh"
    path = broken(
        tmp_path,
        lambda d: d.update(
            agencies=[{"name": official, "short_name": "Disdukcapil"}, {"name": "Kantor Imigrasi"}],
            displays=[{"id": "lobi", "name": "Lobi", "agencies": ["Disdukcapil"]}],
        ),
    )
    hall = load_config(path)
    assert hall.services["A"].agency == official, "a service filed under the short name belongs to the official one"
    assert hall.displays["lobi"].agencies == (official,)
    assert [(a.name, a.label) for a in hall.agencies.values()] == [(official, "Disdukcapil"), ("Kantor Imigrasi", "Kantor Imigrasi")]


def test_without_an_agencies_list_the_services_agencies_are_the_agencies(hall_config):
    assert [a.label for a in hall_config.agencies.values()] == ["Disdukcapil", "Kantor Imigrasi"]
    assert hall_config.kiosk_requires_open_counter is False
    assert hall_config.counter_idle_minutes == 30


def test_a_service_carries_its_search_keywords(tmp_path):
    hall = load_config(broken(tmp_path, lambda d: d["services"][2].update(keywords=["paspor", " passport "])))
    assert hall.services["C"].keywords == ("paspor", "passport")


def test_survey_and_complaints_have_defaults_and_refuse_values_out_of_range(tmp_path):
    config = load_config(broken(tmp_path, lambda cfg: None))
    assert (config.survey.days, config.survey.min_respondents, config.complaints.response_days) == (7, 5, 5)
    lines = problems_of(broken(tmp_path, lambda cfg: cfg.update(survey={"days": 0}, complaints={"per_ticket": "many"})))
    assert any(line.startswith("survey.days:") for line in lines)
    assert any(line.startswith("complaints.per_ticket:") for line in lines)


def test_booking_sessions_and_notifications_are_read_with_their_defaults(tmp_path):
    def book(cfg):
        cfg["services"][0]["booking"] = {"sessions": [{"time": "08:00-10:00", "places": 20}, {"time": "10:00-12:00", "places": 15}]}
        cfg["notifications"] = {"webhook": {"url": "http://127.0.0.1:9/hook", "secret": "s3cret"}}

    config = load_config(broken(tmp_path, book))
    rule = config.services[SMALL_HALL["services"][0]["code"]].booking
    assert [(s.label, s.places) for s in rule.sessions] == [("08:00-10:00", 20), ("10:00-12:00", 15)]
    assert rule.grace_minutes == 30
    assert (config.notifications.ahead, config.notifications.webhook.attempts) == (3, 5)
    assert config.booking.days_ahead == 14


def test_a_booking_session_must_end_after_it_starts_and_name_its_places(tmp_path):
    def bad(cfg):
        cfg["services"][0]["booking"] = {"sessions": [{"time": "10:00-08:00", "places": 5}, {"time": "12:00-13:00"}]}

    lines = problems_of(broken(tmp_path, bad))
    assert any(line.startswith("services[0].booking.sessions[0].time:") for line in lines)
    assert any(line.startswith("services[0].booking.sessions[1].places:") for line in lines)
