"""docs/CONTRACT.md stays complete and current, and the repository cites nothing outside itself.

The contract only grows, and it is only useful if every command, option, config key, endpoint, URL
and Socket.IO event the code offers is on it: these tests walk the code's own lists (the click
command tree, the config schema, openapi.json, the app's URL map, the Socket.IO handlers), so a
change that adds one without documenting it fails here. A maintainer with only the repository must
be able to read every document the code refers to, so no file may point outside it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from antre.queue_server import cli, config
from antre.queue_server.hall import hall_of

from tests.support import ROOT

DOCS = ROOT / "docs"
CONTRACT = (DOCS / "CONTRACT.md").read_text(encoding="utf-8")
PLACEHOLDER = re.compile(r"\{[^}]*\}|<[^>]*>")
HIDDEN_METHODS = {"HEAD", "OPTIONS"}


def _normal(text: str) -> str:
    """``/t/{id}``, ``/t/{ticket_id}`` and Flask's ``/t/<ticket_id>`` are the same URL."""
    return PLACEHOLDER.sub("{}", text.strip())


CODE_SPANS = {_normal(span) for span in re.findall(r"`([^`\n]+)`", CONTRACT)}


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """Every command and sub-command of the click tree, with its path (``("officer", "add")``)."""
    for name, command in group.commands.items():
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))


def _table_rows() -> list[list[str]]:
    """The contract's table rows as cells; ``\\|`` inside a cell (``officer\\|admin``) is no border."""
    rows = [line for line in CONTRACT.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in re.split(r"(?<!\\)\|", row)[1:-1]] for row in rows]


COMMANDS = list(_commands(cli.main))


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(path) for path, _ in COMMANDS])
def test_every_command_has_a_row_naming_its_arguments_and_options(path, command):
    words = r"\s+".join(map(re.escape, path))
    names = re.compile(rf"^`antre\b.*(?<![\w-]){words}(?![\w-])")
    rows = [" ".join(row) for row in _table_rows() if row and names.search(row[0])]
    assert rows, f"docs/CONTRACT.md has no row for `antre {' '.join(path)}`"
    wanted = [p.human_readable_name if isinstance(p, click.Argument) else max(p.opts, key=len) for p in command.params]
    assert any(all(w in row for w in wanted) for row in rows), f"`antre {' '.join(path)}`: the row must name {wanted}"


def test_every_option_of_the_antre_group_is_documented():
    for param in cli.main.params:
        assert max(param.opts, key=len) in CONTRACT


def _config_keys(schema: object, path: str = "") -> Iterator[str]:
    """Every key path of config.py's schema, lists written ``services[].code`` as in the contract."""
    if isinstance(schema, dict):
        for key, (sub, _required) in schema.items():
            full = f"{path}.{key}" if path else key
            yield full
            yield from _config_keys(sub, full)
    elif isinstance(schema, list):
        yield from _config_keys(schema[0], f"{path}[]")


@pytest.mark.parametrize("key", list(_config_keys(config.TOP)))
def test_every_config_key_the_loader_accepts_is_documented(key):
    assert f"`{key}`" in CONTRACT, f"config key {key} is accepted by queue_server/config.py but not in docs/CONTRACT.md"


def _openapi_operations() -> Iterator[str]:
    document = json.loads((ROOT / "queue_server" / "openapi.json").read_text(encoding="utf-8"))
    for path, operations in document["paths"].items():
        for method in operations:
            if method != "parameters":
                yield f"{method.upper()} {path}"


@pytest.mark.parametrize("operation", list(_openapi_operations()))
def test_every_openapi_operation_is_in_the_contract(operation):
    assert _normal(operation) in CODE_SPANS, f"{operation} is in openapi.json but not in docs/CONTRACT.md"


def test_every_url_the_app_serves_is_in_the_contract(app):
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            wanted = [f"{method} {rule.rule.removeprefix('/api/v1')}" for method in sorted(rule.methods - HIDDEN_METHODS)]
        else:
            wanted = [rule.rule]
        missing += [w for w in wanted if _normal(w) not in CODE_SPANS]
    assert not missing, f"served but not in docs/CONTRACT.md: {missing}"


def test_every_socketio_namespace_and_client_event_is_in_the_contract(app):
    server = hall_of(app).live.sio
    events = {namespace: set(handlers) for namespace, handlers in server.handlers.items()}
    for namespace, handler in server.namespace_handlers.items():
        events.setdefault(namespace, set()).update(name.removeprefix("on_") for name in vars(type(handler)) if name.startswith("on_"))
    for namespace, names in events.items():
        assert f"`{namespace}`" in CONTRACT, f"Socket.IO namespace {namespace} is not in docs/CONTRACT.md"
        for name in names - {"connect", "disconnect"}:
            assert f"`{name}`" in CONTRACT, f"Socket.IO event {name} ({namespace}) is not in docs/CONTRACT.md"


REPOSITORY_FOLDERS = ("queue_server", "kiosk", "display", "counter", "printer", "tests", "bench", "scripts", "docs", ".ci")
REPOSITORY_PATH = re.compile(rf"(?<![\w/.~-])((?:{'|'.join(map(re.escape, REPOSITORY_FOLDERS))})/[\w./-]*\w)")


@pytest.mark.parametrize("document", ["README.md", "docs/CONTRACT.md", "docs/DESIGN.md", "docs/DOMAIN.md"])
def test_every_file_of_the_repository_a_document_names_exists(document):
    """A file moved or renamed without its documents being told fails here, not in a reader's hands."""
    spans = re.findall(r"`([^`\n]+)`", (ROOT / document).read_text(encoding="utf-8"))
    named = {path for span in spans for path in REPOSITORY_PATH.findall(span)}
    missing = sorted(path for path in named if not (ROOT / path).exists())
    assert not missing, f"{document} names files that do not exist: {missing}"


def test_the_readme_links_the_documents_near_the_top():
    top = (ROOT / "README.md").read_text(encoding="utf-8")[:3000]
    for name in ("docs/CONTRACT.md", "docs/DESIGN.md", "docs/DOMAIN.md"):
        assert f"]({name})" in top


# --- nothing refers outside the repository -----------------------------------------------------
SKIPPED_DIRS = {
    ".git",
    ".venv",
    "venv",
    "node_modules",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    "data",
    "build",
    "dist",
    "out",
    "vendor",
}
TEXT_SUFFIXES = {".py", ".md", ".html", ".js", ".css", ".json", ".yaml", ".yml", ".toml", ".sh", ".txt", ".cfg", ".ini", ".svg"}
TEXT_NAMES = {"Makefile", "run", ".gitignore"}
RELATIVE_PATH = re.compile(r"(?<![\w.])((?:\.\./)+[\w.-]*)")
DOCUMENT = re.compile(r"(?<![\w./-])((?:[\w.-]+/)*)([A-Z][A-Z_]+\.md)\b")
OUTSIDE_WORDS = re.compile(r"/work/|\bshared/[A-Z]+\.md|design card|core issue|\bissue \d+\b|\bstop \d+\b", re.IGNORECASE)


def _repository_files() -> Iterator[Path]:
    for path in sorted(ROOT.rglob("*")):
        parts = path.relative_to(ROOT).parts
        if any(part in SKIPPED_DIRS or part.endswith(".egg-info") for part in parts[:-1]):
            continue
        if path.is_file() and (path.suffix in TEXT_SUFFIXES or path.name in TEXT_NAMES) and path != Path(__file__).resolve():
            yield path


def _inside(path: Path) -> bool:
    """A file of this repository (a checkout may sit beside other folders that hold the same names)."""
    resolved = path.resolve()
    return resolved.is_relative_to(ROOT) and resolved.is_file()


def _outside_references(path: Path) -> Iterator[str]:
    text = path.read_text(encoding="utf-8", errors="replace")
    for match in RELATIVE_PATH.finditer(text):
        if not (path.parent / match.group(1)).resolve().is_relative_to(ROOT):
            yield match.group(1)
    for match in DOCUMENT.finditer(text):
        name = match.group(1) + match.group(2)
        if not any(_inside(folder / name) for folder in (path.parent, ROOT)):  # a link, or a path from the root
            yield name
    yield from (match.group(0) for match in OUTSIDE_WORDS.finditer(text))


def test_no_file_refers_to_documents_outside_the_repository():
    found = {str(path.relative_to(ROOT)): refs for path in _repository_files() if (refs := sorted(set(_outside_references(path))))}
    assert not found, f"references to files outside the repository (point them at docs/ or reword them): {found}"
