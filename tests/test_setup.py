"""The hall's setup in its database (queue_server/setup.py): where it comes from at start-up, how a
change is validated, audited and applied to the running hall, and ``antre config export/import``."""

from __future__ import annotations

import copy
import logging
import threading

import pytest
import socketio
import yaml
from antre.queue_server.config import load_config
from antre.queue_server.engine import Conflict
from antre.queue_server.hall import open_hall
from antre.queue_server.setup import SetupInvalid

from .support import SMALL_HALL, antre, http, wait_until, write_config

NEW_SERVICE = {"code": "D", "name": "Akta Kelahiran", "agency": "Disdukcapil"}


def add_service(document: dict) -> None:
    document["services"].append(dict(NEW_SERVICE))
    document["counters"][1]["services"].append("D")


def reopen(path, clock=None):
    return open_hall(load_config(path), *([clock] if clock else []))


def audit(hall) -> list[dict]:
    with hall.store.read() as tx:
        return tx._all("SELECT * FROM events WHERE kind = 'setup_changed' ORDER BY id")


# --- where the setup comes from ----------------------------------------------------------------------


def test_a_new_hall_takes_its_setup_from_config_yaml_and_records_it(tmp_path):
    hall = reopen(write_config(tmp_path))
    assert list(hall.config.services) == ["A", "B", "C"]
    assert hall.setup.version == 1
    assert [event["officer_id"] for event in audit(hall)] == [None]
    assert "seeded from config.yaml" in audit(hall)[0]["details"]
    hall.store.close()


def test_an_edited_config_yaml_is_taken_again_while_nobody_changed_the_setup_elsewhere(tmp_path):
    path = write_config(tmp_path)
    reopen(path).store.close()
    data = copy.deepcopy(SMALL_HALL)
    data["services"][2]["name"] = "Paspor Baru"
    write_config(tmp_path, data)
    hall = reopen(path)
    assert hall.config.services["C"].name == "Paspor Baru"
    assert hall.setup.version == 2
    hall.store.close()


def test_once_changed_in_the_browser_the_hall_keeps_its_setup_and_warns_about_config_yaml(tmp_path, caplog):
    path = write_config(tmp_path)
    hall = reopen(path)
    hall.setup.change(add_service, officer_id=None, what="added service D")
    hall.store.close()
    data = copy.deepcopy(SMALL_HALL)
    data["services"][2]["name"] = "Paspor Baru"
    write_config(tmp_path, data)
    with caplog.at_level(logging.WARNING, logger="antre.queue_server.setup"):
        hall = reopen(path)
    assert hall.config.services["C"].name == "Paspor", "the browser's change is not lost to an old file"
    assert "D" in hall.config.services
    assert "antre config import" in caplog.text
    hall.store.close()


# --- changing it while the hall runs -----------------------------------------------------------------


def test_a_change_reaches_the_engine_at_once_and_tickets_keep_their_number_and_place(hall):
    first = hall.engine.issue("A")
    second = hall.engine.issue("A")
    hall.setup.change(lambda d: d["services"][0].update(name="KTP-el"), officer_id=None, what="renamed A")
    hall.setup.change(add_service, officer_id=None, what="added D")
    assert hall.config.services["A"].name == "KTP-el"
    assert {s["code"]: s["name"] for s in hall.engine.services()}["A"] == "KTP-el"
    issued = hall.engine.issue("D")
    assert issued["number"] == "D001"
    assert [t["number"] for t in (first, second)] == ["A001", "A002"]
    called = hall.engine.call_next("2", None)
    assert called["number"] == "A001", "the queue is the one it was before the change"


def test_a_change_that_breaks_a_rule_is_refused_with_the_rule_and_changes_nothing(hall):
    def two_a(document: dict) -> None:
        document["services"].append({"code": "A", "name": "Lagi", "agency": "Disdukcapil"})

    before = hall.setup.document()
    with pytest.raises(SetupInvalid) as refused:
        hall.setup.change(two_a, officer_id=None, what="bad")
    assert refused.value.problems == ["services[3].code: duplicate service code 'A' (also services[0])"]
    assert hall.setup.document() == before
    assert hall.setup.version == 1
    assert len(audit(hall)) == 1


def test_a_refused_change_names_each_problem_in_the_admin_s_language_too(hall):
    with pytest.raises(SetupInvalid) as refused:
        hall.setup.change(lambda d: d["services"][0].update(code="a1", name=""), officer_id=None, what="bad")
    lines = [problem.line("id") for problem in refused.value.details]
    assert lines[:2] == [
        "services[0].code: harus satu atau dua huruf kapital seperti A atau KT, bukan 'a1'",
        "services[0].name: harus berisi teks, tidak boleh kosong",
    ]
    assert refused.value.problems[0] == "services[0].code: must be one or two capital letters such as A or KT, got 'a1'"


def test_every_change_is_audited_with_who_what_and_the_part_before_and_after(hall):
    admin = hall.accounts.add("admin", "a-long-password", "admin")
    hall.setup.change(
        lambda d: d["services"][2].update(name="Paspor Elektronik"),
        officer_id=admin["id"],
        what="service C",
        part=lambda d: d["services"][2],
    )
    event = audit(hall)[-1]
    assert event["officer_id"] == admin["id"]
    details = yaml.safe_load(event["details"])
    assert details["what"] == "service C"
    assert details["before"]["name"] == "Paspor" and details["after"]["name"] == "Paspor Elektronik"
    assert details["version"] == 2


def test_a_change_made_from_an_outdated_page_is_refused(hall):
    hall.setup.change(add_service, officer_id=None, what="added D")
    with pytest.raises(Conflict) as refused:
        hall.setup.change(lambda d: d["hall"].update(name="X"), officer_id=None, what="renamed", expected_version=1)
    assert refused.value.code == "conflict"
    assert hall.config.name == "MPP Uji"


def test_two_admins_saving_at_once_both_keep_their_change(hall):
    names = [f"Layanan {i}" for i in range(8)]

    def add(i: int) -> None:
        hall.setup.change(
            lambda d: d["services"].append({"code": f"Z{chr(65 + i)}", "name": names[i], "agency": "Disdukcapil"}),
            officer_id=None,
            what=f"added {i}",
        )

    threads = [threading.Thread(target=add, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert {s.name for s in hall.config.services.values()} >= set(names)
    assert hall.setup.version == 9


def test_a_setup_another_process_stored_is_picked_up(tmp_path):
    path = write_config(tmp_path)
    serving, other = reopen(path), reopen(path)
    other.setup.change(add_service, officer_id=None, what="added D elsewhere")
    seen = []
    serving.engine.subscribe(seen.extend)
    assert serving.setup.catch_up()
    assert "D" in serving.config.services
    assert [event.kind for event in seen] == ["setup_changed"]
    assert not serving.setup.catch_up(), "nothing new the second time"
    serving.store.close()
    other.store.close()


# --- screens hear of it ------------------------------------------------------------------------------


@pytest.mark.slow
def test_every_connected_screen_is_told_of_a_change_made_by_antre_config_import(server, tmp_path):
    heard: list[dict] = []
    client = socketio.Client()
    client.on("setup", heard.append)
    client.connect(server.url, transports=["websocket"], wait_timeout=10)
    try:
        document = yaml.safe_load(antre(server.config, "config", "export").stdout)
        add_service(document)
        (tmp_path / "setup.yaml").write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
        result = antre(server.config, "config", "import", str(tmp_path / "setup.yaml"))
        assert result.returncode == 0, result.stderr
        wait_until(lambda: heard, message="the setup message")
        assert heard[0]["version"] == 2
        _, services = http("GET", f"{server.url}/api/v1/services")
        assert "D" in {s["code"] for s in services}
    finally:
        client.disconnect()


# --- antre config export / import --------------------------------------------------------------------


@pytest.mark.slow
def test_export_then_import_into_a_new_hall_is_lossless(tmp_path):
    first = tmp_path / "first"
    first.mkdir()
    config = write_config(first)
    hall = reopen(config)
    hall.setup.change(add_service, officer_id=None, what="added D")
    hall.store.close()
    exported = antre(config, "config", "export")
    assert exported.returncode == 0, exported.stderr
    (tmp_path / "setup.yaml").write_text(exported.stdout, encoding="utf-8")
    second = tmp_path / "second"
    second.mkdir()
    other = write_config(second)
    imported = antre(other, "config", "import", str(tmp_path / "setup.yaml"))
    assert imported.returncode == 0, imported.stderr
    assert antre(other, "config", "export").stdout == exported.stdout
    assert "Akta Kelahiran" in exported.stdout


@pytest.mark.slow
def test_import_names_every_problem_and_applies_nothing(tmp_path):
    config = write_config(tmp_path)
    broken = copy.deepcopy(SMALL_HALL)
    broken["services"][0]["code"] = "a1"
    broken["counters"][2]["services"] = ["Q"]
    (tmp_path / "broken.yaml").write_text(yaml.safe_dump(broken), encoding="utf-8")
    before = antre(config, "config", "export").stdout
    result = antre(config, "config", "import", str(tmp_path / "broken.yaml"))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "note: auth, database, issuing: the machine's keys stay as config.yaml has them; not imported",
        "antre: config: services[0].code: must be one or two capital letters such as A or KT, got 'a1'",
        "antre: config: counters[0].services[0]: unknown service 'A'",
        "antre: config: counters[1].services[0]: unknown service 'A'",
        "antre: config: counters[2].services[0]: unknown service 'Q'",
    ]
    assert antre(config, "config", "export").stdout == before
    missing = antre(config, "config", "import", str(tmp_path / "nowhere.yaml"))
    assert missing.returncode == 2 and "config file not found" in missing.stderr


def test_a_whole_setup_that_leaves_out_a_service_with_tickets_today_is_refused_and_changes_nothing(hall):
    hall.engine.issue("C")
    without_c = hall.setup.document()
    without_c["services"] = [s for s in without_c["services"] if s["code"] != "C"]
    without_c["counters"] = [c for c in without_c["counters"] if c["id"] != "3"]
    with pytest.raises(Conflict) as refused:
        hall.setup.replace(without_c, officer_id=None, source="import", what="imported")
    assert refused.value.code == "tickets_waiting"
    assert "C" in hall.config.services and hall.setup.version == 1
    assert hall.engine.issue("C")["number"] == "C002", "the service still issues: nothing was half-removed"
    for _ in range(2):
        hall.engine.call_next("3")
        hall.engine.complete("3")
    hall.setup.replace(without_c, officer_id=None, source="import", what="imported")
    assert "C" not in hall.config.services, "once served, the service may go"


@pytest.mark.slow
def test_the_command_line_knows_a_kiosk_added_in_the_administration(tmp_path):
    config = write_config(tmp_path)
    hall = reopen(config)
    hall.setup.change(lambda d: d["kiosks"].append({"id": "k9", "name": "Kios Lantai 9"}), officer_id=None, what="kiosk k9 added")
    hall.store.close()
    made = antre(config, "kiosk-key", "k9")
    assert made.returncode == 0, made.stderr
    assert len(made.stdout.strip()) > 20
