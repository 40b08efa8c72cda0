"""The ``antre`` command as the person setting up a hall types it (each call is the real process).

Officers that a test only needs as a starting point are made through ``Accounts``; what is under
test always goes through the command line. Independent commands run two at a time to keep this fast.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path

import click
import pytest
from antre.queue_server.accounts import LoginFailed
from antre.queue_server.cli import main
from antre.queue_server.config import load_config
from antre.queue_server.hall import open_hall
from antre.queue_server.schema import SCHEMA_VERSION

from tests.conftest import PASSWORD
from tests.support import SMALL_HALL, ServerProcess, antre, free_port, serving, write_config


def run_all(config: Path, runs: list[tuple[tuple[str, ...], str]]) -> list:
    """Run several independent ``antre`` commands (args, stdin) side by side; results in order."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(lambda run: antre(config, *run[0], stdin=run[1]), runs))


def commands(group: click.Group = main, prefix: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """Every command and sub-command the CLI offers, so a new one is covered without editing this test."""
    for name, command in sorted(group.commands.items()):
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from commands(command, (*prefix, name))


def one_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got:\n{result.stderr}"
    assert "Traceback" not in result.stdout + result.stderr
    return lines[0]


# --- help --------------------------------------------------------------------------------------------


def test_help_works_for_antre_and_for_every_sub_command(config_path):
    every = [((), main), *commands()]
    names = {" ".join(path) for path, _ in every}
    assert {"", "init", "run", "officer", "officer add", "officer list", "officer disable"} <= names

    results = run_all(config_path, [((*path, "--help"), "") for path, _ in every])

    for (path, command), result in zip(every, results, strict=True):
        where = f"antre {' '.join(path)} --help".replace("  ", " ")
        assert result.returncode == 0, f"{where}: {result.stderr}"
        assert result.stdout.startswith("Usage: "), where
        assert command.get_short_help_str(limit=40)[:20] in " ".join(result.stdout.split()), f"{where} shows what it does"
        assert result.stderr == "", where
    top = results[0].stdout
    assert all(name in top for name in ("init", "run", "officer")), "the top-level help lists the commands"


def test_officer_add_help_says_the_password_comes_from_stdin(config_path):
    result = antre(config_path, "officer", "add", "-h")

    assert result.returncode == 0
    assert "stdin" in result.stdout
    assert "--counters" in result.stdout and "--role" in result.stdout


# --- init ----------------------------------------------------------------------------------------------


def test_init_creates_the_database_and_running_it_again_changes_nothing(config_path, hall_config):
    database = hall_config.database
    assert not database.exists()

    first = antre(config_path, "init")
    assert first.returncode == 0, first.stderr
    assert f"schema version {SCHEMA_VERSION}" in first.stdout
    assert database.exists()
    hall = open_hall(hall_config)
    hall.accounts.add("kepala", PASSWORD, "admin")
    hall.engine.issue("A")
    hall.store.close()

    second = antre(config_path, "init")
    assert second.returncode == 0, second.stderr
    assert second.stdout == first.stdout, "same database, same schema version"
    assert second.stderr == ""
    conn = sqlite3.connect(database)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    finally:
        conn.close()
    hall = open_hall(hall_config)
    try:
        assert [o["username"] for o in hall.accounts.list()] == ["kepala"], "init keeps the hall's officers"
        assert hall.engine.state()["waiting"]["A"] == 1, "and its tickets"
    finally:
        hall.store.close()


# --- run ---------------------------------------------------------------------------------------------------


def test_a_second_run_on_a_database_already_served_exits_with_one_line_and_the_first_keeps_serving(tmp_path, config_path, server):
    """Two servers on one database each showed their displays only their own calls (464 and 436 of 900).
    The second config reaches the same file by another path: the database counts, not the config."""
    other = tmp_path / "other"
    other.mkdir()
    same_database = write_config(other, {**SMALL_HALL, "database": "../antre.db"})
    port = free_port()
    second = antre(same_database, "run", "--port", str(port), timeout=30)
    line = one_line(second)
    assert second.returncode == 1
    assert line.startswith(f"antre: database {tmp_path / 'antre.db'} is already served by another 'antre run'")
    assert server.url in line, "it says which server holds the database"
    assert not serving(f"http://127.0.0.1:{port}")
    assert serving(server.url)


def test_a_killed_server_does_not_keep_its_database_from_being_served_again(config_path, server):
    server.kill()
    again = ServerProcess(config_path).start()
    try:
        assert serving(again.url)
    finally:
        again.stop()


# --- officer add -----------------------------------------------------------------------------------------


def test_officer_add_reads_the_password_from_stdin_and_the_officer_can_log_in(config_path, hall):
    added, admin = run_all(
        config_path,
        [
            (("officer", "add", "siti", "--counters", "1, 2"), PASSWORD + "\r\n"),
            (("officer", "add", "kepala", "--role", "admin"), PASSWORD + "\n"),
        ],
    )

    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == "added officer siti (1, 2)"
    assert admin.returncode == 0, admin.stderr
    assert admin.stdout.strip() == "added admin kepala (all counters)"
    token, officer = hall.accounts.login("siti", PASSWORD)
    assert (officer["role"], officer["counters"]) == ("officer", ["1", "2"])
    assert hall.accounts.authenticate(token)["username"] == "siti"
    with pytest.raises(LoginFailed):
        hall.accounts.login("siti", PASSWORD + "\r")


def test_a_hall_that_leaves_out_auth_password_hash_stores_full_strength_scrypt(tmp_path):
    """The one test paying for production's hash (about 0.1 s a time): every other test hall lowers it."""
    config = write_config(tmp_path, {key: value for key, value in SMALL_HALL.items() if key != "auth"})

    added = antre(config, "officer", "add", "kepala", "--role", "admin", stdin=PASSWORD + "\n")

    assert added.returncode == 0, added.stderr
    with closing(sqlite3.connect(load_config(config).database)) as db:
        (stored,) = db.execute("SELECT password_hash FROM officers").fetchone()
    assert stored.startswith("scrypt:32768:8:1$"), stored
    hall = open_hall(load_config(config))
    try:
        assert hall.accounts.login("kepala", PASSWORD)[1]["username"] == "kepala"
        with pytest.raises(LoginFailed):
            hall.accounts.login("kepala", PASSWORD[:-1])
    finally:
        hall.store.close()


REFUSED_ADDS = {
    "a short password": ((), "pendek\n", "password must have at least 8 characters"),
    "no password at all": ((), "", "no password on stdin"),
    "an unknown counter": (("--counters", "1,99"), PASSWORD + "\n", "unknown counter '99'"),
    "an officer without counters": ((), PASSWORD + "\n", "an officer needs at least one counter (--counters ID,ID)"),
}


def test_officer_add_refuses_bad_input_with_one_clear_line_and_adds_nobody(config_path, hall):
    hall.accounts.add("siti", PASSWORD, "officer", ["1"])
    cases = list(REFUSED_ADDS)
    runs = [(("officer", "add", "budi", *REFUSED_ADDS[case][0]), REFUSED_ADDS[case][1]) for case in cases]
    runs += [
        (("officer", "add", "siti", "--counters", "2"), PASSWORD + "\n"),
        (("officer", "add", "Siti Rahma", "--counters", "2"), PASSWORD + "\n"),
    ]
    cases += ["a user name already taken", "a user name with spaces and capitals"]
    expected = [REFUSED_ADDS[case][2] for case in REFUSED_ADDS] + ["officer 'siti' already exists", "username must be 2-32 characters"]

    results = run_all(config_path, runs)

    for case, result, message in zip(cases, results, expected, strict=True):
        assert result.returncode != 0, case
        line = one_line(result)
        assert line.startswith("antre: ") and message in line, f"{case}: {line}"
        assert result.stdout == "", case
    assert [(o["username"], o["counters"]) for o in hall.accounts.list()] == [("siti", ["1"])]


# --- officer list and disable --------------------------------------------------------------------------------


def test_officer_list_shows_each_officers_role_counters_and_whether_they_may_log_in(config_path, hall):
    empty = antre(config_path, "officer", "list")
    assert empty.returncode == 0
    assert "no officers yet" in empty.stdout

    hall.accounts.add("kepala", PASSWORD, "admin")
    hall.accounts.add("siti", PASSWORD, "officer", ["1", "2"])
    hall.accounts.add("budi", PASSWORD, "officer", ["3"])
    hall.accounts.disable("budi")

    listed = antre(config_path, "officer", "list")

    assert listed.returncode == 0, listed.stderr
    rows = [line.split() for line in listed.stdout.splitlines()]
    assert rows == [
        ["budi", "officer", "disabled", "counters:", "3"],
        ["kepala", "admin", "active", "counters:", "-"],
        ["siti", "officer", "active", "counters:", "1,2"],
    ]


def test_officer_disable_stops_log_in_and_ends_the_sessions_already_open(config_path, hall):
    hall.accounts.add("siti", PASSWORD, "officer", ["1"])
    hall.accounts.add("budi", PASSWORD, "officer", ["3"])
    siti_token, _ = hall.accounts.login("siti", PASSWORD)
    budi_token, _ = hall.accounts.login("budi", PASSWORD)

    disabled, unknown = run_all(config_path, [(("officer", "disable", "siti"), ""), (("officer", "disable", "tidak-ada"), "")])

    assert disabled.returncode == 0, disabled.stderr
    assert disabled.stdout.strip() == "disabled siti"
    assert hall.accounts.authenticate(siti_token) is None, "the open session ended at once"
    with pytest.raises(LoginFailed):
        hall.accounts.login("siti", PASSWORD)
    assert hall.accounts.authenticate(budi_token)["username"] == "budi", "other officers stay logged in"
    assert unknown.returncode != 0
    assert one_line(unknown) == "antre: no officer named 'tidak-ada'"


# --- officer enable, password and agency admins ----------------------------------------------------------


def test_a_disabled_officer_enabled_again_logs_in_with_their_password(config_path, hall):
    hall.accounts.add("siti", PASSWORD, "officer", ["1"])
    hall.accounts.disable("siti")

    enabled, unknown = run_all(config_path, [(("officer", "enable", "siti"), ""), (("officer", "enable", "tidak-ada"), "")])

    assert enabled.returncode == 0, enabled.stderr
    assert enabled.stdout.strip() == "enabled siti"
    assert hall.accounts.login("siti", PASSWORD)[1]["active"] is True
    assert one_line(unknown) == "antre: no officer named 'tidak-ada'"


def test_officer_password_sets_the_password_from_stdin_and_ends_open_sessions(config_path, hall):
    hall.accounts.add("siti", PASSWORD, "officer", ["1"])
    old_token, _ = hall.accounts.login("siti", PASSWORD)

    changed, short = run_all(
        config_path, [(("officer", "password", "siti"), "sandi-baru-siti\n"), (("officer", "password", "siti"), "pendek\n")]
    )

    assert changed.returncode == 0, changed.stderr
    assert hall.accounts.authenticate(old_token) is None
    assert hall.accounts.login("siti", "sandi-baru-siti")[1]["username"] == "siti"
    assert short.returncode != 0 and "password must have at least 8 characters" in one_line(short)


def test_officer_add_makes_an_agency_admin_of_an_agency_named_by_either_name(tmp_path):
    data = {
        **SMALL_HALL,
        "agencies": [{"name": "Dinas Kependudukan dan Pencatatan Sipil", "short_name": "Disdukcapil"}, {"name": "Kantor Imigrasi"}],
    }
    config = write_config(tmp_path, data)

    short, official, missing, unknown = run_all(
        config,
        [
            (("officer", "add", "dukcapil", "--role", "agency_admin", "--agency", "Disdukcapil"), PASSWORD + "\n"),
            (("officer", "add", "imigrasi", "--role", "agency_admin", "--agency", "Kantor Imigrasi"), PASSWORD + "\n"),
            (("officer", "add", "tanpa", "--role", "agency_admin"), PASSWORD + "\n"),
            (("officer", "add", "samsat", "--role", "agency_admin", "--agency", "Samsat"), PASSWORD + "\n"),
        ],
    )

    assert short.stdout.strip() == "added agency_admin dukcapil (the counters of Dinas Kependudukan dan Pencatatan Sipil)", short.stderr
    assert official.returncode == 0, official.stderr
    assert "agency admin needs an agency" in one_line(missing)
    assert "unknown agency 'Samsat'" in one_line(unknown)
    listed = antre(config, "officer", "list").stdout
    assert "agency: Dinas Kependudukan dan Pencatatan Sipil" in listed and "tanpa" not in listed
