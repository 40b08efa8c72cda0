"""Backups: a copy made while tickets are being issued holds every ticket acknowledged before it
began, restore puts a copy in place and keeps what it replaced, the daily schedule prunes, and a
damaged database is refused at start with what to do."""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from antre.queue_server.backup import BackupSchedule, backup, next_run, prune
from antre.queue_server.config import BackupSettings, ConfigError, load_config

from tests.support import SMALL_HALL, ServerProcess, antre, http, wait_until, write_config

API = "/api/v1"
JAKARTA = ZoneInfo("Asia/Jakarta")


def ticket_ids(database: Path) -> set[str]:
    with sqlite3.connect(database) as conn:
        return {row[0] for row in conn.execute("SELECT id FROM tickets")}


def hall_in(folder: Path, **extra) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return write_config(folder, {**SMALL_HALL, **extra})


class IssueStream:
    """A thread taking tickets over HTTP one after another, remembering each one whose 201 arrived."""

    def __init__(self, url: str):
        self.url = url
        self.acknowledged: list[str] = []
        self.errors: list[tuple[int, object]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> IssueStream:
        self._thread.start()
        return self

    def __exit__(self, *_) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        services = "ABC"
        while not self._stop.is_set():
            status, body = http("POST", f"{self.url}{API}/tickets", {"service": services[len(self.acknowledged) % 3]})
            if status == 201:
                self.acknowledged.append(body["id"])
            else:
                self.errors.append((status, body))


@pytest.mark.slow
def test_a_backup_during_a_stream_of_issues_restores_every_ticket_acknowledged_before_it_began(tmp_path):
    config = hall_in(tmp_path / "hall")
    server = ServerProcess(config).start()
    try:
        with IssueStream(server.url) as stream:
            wait_until(lambda: len(stream.acknowledged) >= 50, timeout=60, message="50 tickets before the backup")
            before = set(stream.acknowledged)
            made = antre(config, "backup", str(tmp_path / "backups") + "/")
            after_backup = len(stream.acknowledged)
            wait_until(lambda: len(stream.acknowledged) >= after_backup + 20, timeout=60, message="issuing to go on after the backup")
        refused = antre(config, "restore", str(next((tmp_path / "backups").glob("*.db"))))
        assert http("GET", f"{server.url}{API}/state")[0] == 200
    finally:
        server.stop()
    assert made.returncode == 0, made.stderr
    assert "backup written" in made.stdout
    assert stream.errors == []
    assert refused.returncode != 0 and "in use" in refused.stderr  # the live database is left alone
    [copy] = (tmp_path / "backups").glob("antre-*.db")

    elsewhere = hall_in(tmp_path / "elsewhere")
    restored = antre(elsewhere, "restore", str(copy))
    assert restored.returncode == 0, restored.stderr
    kept = ticket_ids(tmp_path / "elsewhere" / "antre.db")
    assert before <= kept, f"{len(before - kept)} acknowledged tickets missing from the restored copy"
    assert kept <= set(stream.acknowledged)


def test_restore_puts_the_copy_in_place_keeps_the_database_it_replaced_and_the_hall_serves_it(tmp_path, clock):
    config = hall_in(tmp_path)
    server = ServerProcess(config).start()
    try:
        kept = http("POST", f"{server.url}{API}/tickets", {"service": "A"})[1]
        made = antre(config, "backup", str(tmp_path / "copy.db"))
        later = http("POST", f"{server.url}{API}/tickets", {"service": "A"})[1]
    finally:
        server.stop()
    assert made.returncode == 0, made.stderr

    restored = antre(config, "restore", str(tmp_path / "copy.db"))
    assert restored.returncode == 0, restored.stderr
    assert "antre.db.before-restore" in restored.stdout
    assert ticket_ids(tmp_path / "antre.db") == {kept["id"]}
    assert ticket_ids(tmp_path / "antre.db.before-restore") == {kept["id"], later["id"]}

    server = ServerProcess(config).start()
    try:
        assert http("GET", f"{server.url}{API}/tickets/{kept['id']}")[0] == 200
        assert http("GET", f"{server.url}{API}/tickets/{later['id']}")[0] == 404
        assert http("POST", f"{server.url}{API}/tickets", {"service": "A"})[1]["number"] == "A002"
    finally:
        server.stop()


def test_restore_refuses_what_is_not_a_sound_antre_database_and_changes_nothing(tmp_path):
    config = hall_in(tmp_path)
    assert antre(config, "init").returncode == 0
    before = (tmp_path / "antre.db").read_bytes()
    (tmp_path / "notes.db").write_text("not a database")
    with sqlite3.connect(tmp_path / "other.db") as conn:
        conn.execute("CREATE TABLE t (x)")
    for source, reason in (("notes.db", "not a readable SQLite database"), ("other.db", "not an Antre database"), ("gone.db", "no such")):
        result = antre(config, "restore", str(tmp_path / source))
        assert result.returncode != 0 and reason in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
    assert (tmp_path / "antre.db").read_bytes() == before
    assert not list(tmp_path.glob("*.before-restore*"))


def test_a_database_with_a_damaged_page_is_refused_at_start_with_what_to_do(tmp_path):
    config = hall_in(tmp_path, backup={"folder": "backups", "time": "02:30"})
    assert antre(config, "init").returncode == 0
    database = tmp_path / "antre.db"
    with sqlite3.connect(database) as conn:
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'tickets'").fetchone()[0]
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    with open(database, "r+b") as handle:
        handle.seek((root - 1) * page_size)
        handle.write(b"\xff" * page_size)

    for command in (["init"], ["run", "--port", "1"]):
        result = antre(config, *command)
        assert result.returncode != 0, result.stdout
        assert "is damaged" in result.stderr and "restore BACKUP_FILE" in result.stderr and "backups" in result.stderr
        assert "Traceback" not in result.stderr


def test_the_backup_config_is_validated_with_the_key_path(tmp_path):
    for section, problem in (
        ({"folder": "b", "time": "25:00"}, "backup.time: must be a time of day HH:MM"),
        ({"folder": "b"}, "backup.time: is required"),
        ({"folder": "b", "time": "02:00", "keep": 0}, "backup.keep: must be between 1 and 3650"),
        ({"folder": "b", "time": "02:00", "folders": "c"}, "backup.folders: unknown key"),
    ):
        with pytest.raises(ConfigError) as raised:
            load_config(hall_in(tmp_path, backup=section))
        assert any(line.startswith(problem) for line in raised.value.problems), raised.value.problems
    path = hall_in(tmp_path)
    path.write_text(path.read_text() + "backup: {folder: backups, time: 23:00}\n")  # unquoted: YAML reads 1380
    settings = load_config(path).backup
    assert settings == BackupSettings(tmp_path / "backups", time(23, 0), 7)


def test_the_daily_backup_runs_at_the_halls_local_time_and_keeps_the_newest(tmp_path, hall):
    assert next_run(datetime(2026, 11, 25, 1, 0, tzinfo=JAKARTA), time(2, 30), JAKARTA) == datetime(2026, 11, 25, 2, 30, tzinfo=JAKARTA)
    assert next_run(datetime(2026, 11, 25, 2, 30, tzinfo=JAKARTA), time(2, 30), JAKARTA) == datetime(2026, 11, 26, 2, 30, tzinfo=JAKARTA)
    utc_evening = datetime(2026, 11, 25, 20, 0, tzinfo=ZoneInfo("UTC"))  # 03:00 the next morning in Jakarta
    assert next_run(utc_evening, time(2, 30), JAKARTA) == datetime(2026, 11, 27, 2, 30, tzinfo=JAKARTA)

    hall.engine.issue("A")
    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / "notes.txt").write_text("not a backup")
    days = iter(range(1, 6))
    schedule = BackupSchedule(
        hall.config.database,
        BackupSettings(folder, time(2, 30), keep=3),
        JAKARTA,
        lambda: datetime(2026, 11, next(days), 2, 30, tzinfo=JAKARTA),
    )
    made = [schedule.run_once().path.name for _ in range(5)]
    assert sorted(p.name for p in folder.iterdir()) == sorted(["notes.txt", *made[-3:]])
    assert made[-1] == "antre-20261105-023000.db"
    assert len(ticket_ids(folder / made[-1])) == 1
    assert prune(folder, "antre", 1) == [folder / made[-3], folder / made[-2]]


def test_a_backup_onto_the_database_itself_is_refused(tmp_path, hall):
    with pytest.raises(RuntimeError, match="the database itself"):
        backup(hall.config.database, hall.config.database)
