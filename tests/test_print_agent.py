"""The printer-agent end to end: a real server, a real agent process with a file printer, a kill."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from antre.printer.agent import PrintedJobs, parse_printer

from tests.support import ROOT, SMALL_HALL, ServerProcess, antre, http, wait_until, write_config

pytestmark = pytest.mark.slow


@pytest.fixture
def hall(tmp_path):
    config = write_config(
        tmp_path, {**SMALL_HALL, "kiosks": [{"id": "k1", "name": "Kiosk Lobi", "printer": "agent"}, {"id": "k2", "name": "Dua"}]}
    )
    key = antre(config, "printer-agent-key", "k1")
    assert key.returncode == 0, key.stderr
    kiosk_key = antre(config, "kiosk-key", "k1")
    assert kiosk_key.returncode == 0, kiosk_key.stderr
    server = ServerProcess(config).start()
    server.kiosk_key = kiosk_key.stdout.strip()
    yield config, server, key.stdout.strip()
    server.stop()


class Agent:
    def __init__(self, config: Path, server: ServerProcess, key: str, folder: Path):
        self.args = [
            sys.executable,
            "-m",
            "antre.queue_server.cli",
            "--config",
            str(config),
            "printer-agent",
            "--server",
            server.url,
            "--kiosk",
            "k1",
        ]
        self.args += ["--key", key, "--printer", f"file:{folder / 'paper.bin'}", "--state", str(folder / "printed.ids")]
        self.paper = folder / "paper.bin"
        self.log = folder / "agent.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> Agent:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(self.args, cwd=ROOT, stdout=log, stderr=log, start_new_session=True)
        return self

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)

    def printed(self) -> bytes:
        return self.paper.read_bytes() if self.paper.exists() else b""


def issue(server: ServerProcess) -> dict:
    status, ticket = http("POST", f"{server.url}/api/v1/tickets", {"service": "A", "kiosk": "k1"}, kiosk_key=server.kiosk_key)
    assert status == 201, ticket
    return ticket


def test_agent_prints_its_kiosks_jobs_and_after_a_kill_none_is_lost_or_doubled(hall, tmp_path):
    config, server, key = hall
    agent = Agent(config, server, key, tmp_path).start()
    try:
        first = issue(server)
        wait_until(lambda: first["number"].encode() in agent.printed(), timeout=20, message=f"first ticket printed ({agent.log})")
        wait_until(lambda: http("GET", f"{server.url}/api/v1/tickets/{first['id']}")[1]["print"]["status"] == "acknowledged", message="ack")
        numbers = [first["number"]]
        for _ in range(3):
            numbers.append(issue(server)["number"])
        agent.kill()  # mid-stream: some of these may be printed, some not, some printed but not acknowledged
        for _ in range(3):
            numbers.append(issue(server)["number"])
        printers = http("GET", f"{server.url}/api/v1/printers")[1]["printers"]
        wait_until(lambda: not http("GET", f"{server.url}/api/v1/printers")[1]["printers"][1]["connected"], message="agent seen gone")
        agent.start()
        wait_until(lambda: all(n.encode() in agent.printed() for n in numbers), timeout=20, message="every ticket printed")
        paper = agent.printed()
        assert {n: paper.count(n.encode()) for n in numbers} == dict.fromkeys(numbers, 1)
        assert paper.count(b"\x1dV") == len(numbers)
        assert [p["id"] for p in printers] == ["default", "agent-k1"]
    finally:
        agent.stop()


def test_an_agent_with_a_wrong_key_is_refused(hall, tmp_path):
    config, server, _ = hall
    agent = Agent(config, server, "not-the-key", tmp_path).start()
    try:
        wait_until(lambda: b"wrong or missing key for kiosk k1" in agent.log.read_bytes(), timeout=20, message="refusal logged")
        issue(server)
        assert agent.printed() == b""
    finally:
        agent.stop()


def test_a_key_only_for_agent_kiosks(hall):
    config, _, _ = hall
    result = antre(config, "printer-agent-key", "k2")
    assert result.returncode == 1 and "kiosk 'k2' is not configured with printer: agent" in result.stderr


def test_a_running_agent_imported_nothing_of_the_server(hall, tmp_path):
    """Started as on a kiosk PC, connected, one ticket printed: Python's own import log (-X importtime)
    names no Flask, Flask-SocketIO, queue engine or SQLite (tests/test_seams.py checks the same quickly)."""
    config, server, key = hall
    agent = Agent(config, server, key, tmp_path)
    agent.args[1:1] = ["-X", "importtime"]
    agent.start()
    try:
        ticket = issue(server)
        wait_until(lambda: ticket["number"].encode() in agent.printed(), timeout=20, message=f"the ticket printed ({agent.log})")
    finally:
        agent.stop()
    lines = agent.log.read_text().splitlines()
    imported = {line.rsplit("|", 1)[-1].strip() for line in lines if line.startswith("import time:")}
    assert "antre.printer.agent" in imported
    assert sorted(imported & {"flask", "flask_socketio", "sqlite3", "sqlite_utils", "antre.queue_server.engine"}) == []


def test_printed_job_ids_survive_a_restart(tmp_path):
    ids = PrintedJobs(tmp_path / "state" / "printed.ids")
    ids.add(7)
    ids.add(9)
    again = PrintedJobs(tmp_path / "state" / "printed.ids")
    assert 7 in again and 9 in again and 8 not in again


@pytest.mark.parametrize(
    ("spec", "section"),
    [
        ("file:/dev/usb/lp0", {"kind": "file", "path": "/dev/usb/lp0"}),
        ("usb:0416:5011", {"kind": "usb", "vendor_id": 0x0416, "product_id": 0x5011}),
        ("serial:/dev/ttyUSB0:19200", {"kind": "serial", "device": "/dev/ttyUSB0", "baudrate": 19200}),
        ("network:192.168.1.50", {"kind": "network", "host": "192.168.1.50", "port": 9100}),
        ("dummy", {"kind": "dummy"}),
    ],
)
def test_printer_specs(spec, section):
    assert parse_printer(spec) == section


@pytest.mark.parametrize("spec", ["usb:zz", "serial:", "bluetooth:1", "network:h:port"])
def test_a_bad_printer_spec_is_one_clear_line(spec):
    with pytest.raises(ValueError, match="is not understood; use file:"):
        parse_printer(spec)
