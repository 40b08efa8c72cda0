"""Checkpoints happen in the background: commits never copy the log into the database file themselves."""

from __future__ import annotations

import logging
import shutil
import sqlite3
from pathlib import Path

from antre.queue_server.checkpoint import Checkpointer
from antre.queue_server.store import Store

from tests.support import wait_until


def write_rows(store: Store, count: int, start: int = 0) -> None:
    for i in range(start, start + count):
        with store.write() as tx:
            tx.set_meta(f"row-{i}", "x" * 3000)  # about a page each, as a ticket's commit is several


def rows_in_database_file_alone(store: Store, tmp_path: Path) -> int | None:
    """What a copy of the database file holds without its log: what checkpoints have put there.
    None when the copy caught a checkpoint half-way through writing the file."""
    copy = tmp_path / "copy.db"
    shutil.copyfile(store.path, copy)
    conn = sqlite3.connect(copy)
    try:
        return conn.execute("SELECT COUNT(*) FROM meta WHERE key LIKE 'row-%'").fetchone()[0]
    except sqlite3.DatabaseError:
        return None
    finally:
        conn.close()


def test_commits_reach_the_database_file_in_the_background(tmp_path: Path):
    store = Store(tmp_path / "hall.db")
    store.checkpointer.delay = 0  # a checkpoint after every commit, so that the last one is copied too
    write_rows(store, 51)
    wait_until(lambda: rows_in_database_file_alone(store, tmp_path) == 51, 10, message="every row in the database file")
    assert store.checkpointer.checkpoints >= 1
    store.close()


def test_a_commit_does_not_checkpoint_even_past_sqlites_usual_threshold(tmp_path: Path):
    Store(tmp_path / "hall.db").close()  # closing checkpoints: the file now holds the empty tables
    store = Store(tmp_path / "hall.db")
    store.checkpointer.close()  # no background checkpoints: whatever reaches the file, a commit put there
    write_rows(store, 1500)  # SQLite alone would checkpoint inside the commit that passes 1,000 pages
    assert rows_in_database_file_alone(store, tmp_path) == 0
    with store.read() as tx:
        assert tx.meta("row-1499") == "x" * 3000
    store.close()


def test_a_failing_checkpoint_is_logged_once_and_the_thread_keeps_going(tmp_path: Path, caplog):
    not_a_database = tmp_path / "notes.txt"
    not_a_database.write_text("this is not a database" * 500)
    checkpointer = Checkpointer(not_a_database, every=1, delay=0)
    with caplog.at_level(logging.WARNING, logger="antre.queue_server.checkpoint"):
        checkpointer.committed()
        wait_until(lambda: caplog.records, 10, message="the warning")
        checkpointer.committed()
        wait_until(lambda: checkpointer.failures >= 2, 10, message="a second try")
    checkpointer.close()
    assert len(caplog.records) == 1
    assert str(not_a_database) in caplog.records[0].getMessage()
    assert "not a database" in caplog.records[0].getMessage()
