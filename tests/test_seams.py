"""Seams between the parts: what each import pulls in, checked in a fresh interpreter.

- The app factory imports the blueprints; no blueprint (nor any other module) imports the factory.
- The printer-agent runs on a kiosk PC: importing it, and the ``antre`` command up to starting it,
  brings in no Flask, no Flask-SocketIO, no queue engine and no SQLite. (tests/test_print_agent.py
  checks the same of a running agent connected to a real server.)
"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.support import ROOT

FACTORY = "antre.queue_server.app"
SERVER_ONLY = ("flask", "flask_socketio", "sqlite3", "sqlite_utils", "antre.queue_server.engine")
BLUEPRINTS = (
    "antre.queue_server.api",
    "antre.queue_server.announce.views",
    "antre.kiosk",
    "antre.kiosk.kiosk_page",
    "antre.kiosk.ticket_page",
    "antre.display",
    "antre.counter",
    "antre.admin",
    "antre.admin.lobby",
    "antre.admin.officers",
)


def modules_after(code: str) -> dict:
    """``modules``: what a fresh interpreter holds after running ``code``; ``result``: what ``code`` set."""
    script = f"import json, sys\nresult = None\n{code}\nprint(json.dumps({{'modules': sorted(sys.modules), 'result': result}}))"
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.splitlines()[-1])


def test_no_module_but_the_factory_imports_the_factory():
    """Every module of the six packages, imported one after the other: the first one that brings in
    the factory is named (entry points such as server.py and cli.py import it only when run)."""
    found = modules_after(f"""
import importlib, importlib.util, pkgutil
result = {{"imported": [], "culprit": None}}
for package in ("antre.queue_server", "antre.kiosk", "antre.display", "antre.counter", "antre.printer", "antre.admin"):
    path = importlib.util.find_spec(package).submodule_search_locations
    for name in [package, *(module.name for module in pkgutil.walk_packages(path, package + "."))]:
        if name != "{FACTORY}":
            importlib.import_module(name)
            result["imported"].append(name)
            if "{FACTORY}" in sys.modules and result["culprit"] is None:
                result["culprit"] = name
""")
    assert found["result"]["culprit"] is None, f"{found['result']['culprit']} imports the app factory"
    assert set(BLUEPRINTS) <= set(found["result"]["imported"])


def test_the_printer_agent_and_its_command_import_nothing_of_the_server():
    """What ``antre printer-agent`` imports before it connects: the command group and the agent
    with its printer connection."""
    found = modules_after("""
import tempfile
from pathlib import Path
from antre.queue_server.cli import main
from antre.printer.agent import PrinterAgent, parse_printer
from antre.printer.connections import open_connection
folder = Path(tempfile.mkdtemp())
PrinterAgent("http://127.0.0.1:9", "k1", "key", open_connection(parse_printer(f"file:{folder}/paper"), folder), folder / "ids")
""")
    assert "antre.printer.agent" in found["modules"]
    assert [name for name in SERVER_ONLY if name in found["modules"]] == []


def test_the_screens_do_not_import_each_other():
    """The kiosk, the displays, the console and the administration each stand on the hall (queue_server)
    alone: what two of them share (pause reasons, priority categories, the words, the log-in) lives
    there, in one place."""
    screens = ("antre.kiosk", "antre.display", "antre.counter", "antre.admin")
    for screen in screens:
        loaded = modules_after(f"import {screen}")["modules"]
        others = [name for name in loaded if name.startswith(tuple(s for s in screens if s != screen))]
        assert others == [], f"{screen} imports {others}"
