"""The one string catalogue (queue_server/translations/<lang>.po): complete in every language,
used by every page, script, ticket and message, and spelling *antrean* as KBBI does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from antre.printer.paper import ticket_bytes
from antre.printer.preview import ticket_png
from antre.queue_server import i18n
from antre.queue_server.config import load_config
from antre.queue_server.hall import hall_of
from jinja2 import Environment

from tests.support import ROOT, SMALL_HALL, write_config

SOURCES = [
    p
    for folder in ("queue_server", "kiosk", "display", "counter", "printer", "admin")
    for p in (ROOT / folder).rglob("*")
    if p.suffix in (".py", ".html", ".js")
]
TEMPLATES = [p for p in SOURCES if p.suffix == ".html"]
KEY = re.compile(r"""["'`]((?:kiosk|phone|display|console|paper|priority|pause|error|announce|config|admin|report)\.[a-z0-9_.-]+)["'`]""")
# Literals that look like keys but are not: blueprints' static endpoints, a file name, config paths.
NOT_KEYS = re.compile(r"^\w+\.static$|\.py$|^priority\.max_|^config\.yaml$")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdr]")
# What a template may say outside the catalogue: the brand's mark, and the names printed on keys.
ALLOWED = {"A", "Enter", "Esc", "R", "D", "N", "T", "C", "P", "K", "L"}


def entries(lang: str) -> dict[str, tuple[str, ...]]:
    return {
        m.id if isinstance(m.id, str) else m.id[0]: m.string if isinstance(m.string, tuple) else (m.string,)
        for m in i18n.catalogue(lang)
        if m.id
    }


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_language_has_every_key_translated_with_its_plural_forms_and_placeholders(lang):
    source, own = entries(i18n.SOURCE_LANGUAGE), entries(lang)
    assert own.keys() == source.keys(), (
        f"{lang}.po: missing {sorted(source.keys() - own.keys())}, extra {sorted(own.keys() - source.keys())}"
    )
    forms = i18n.catalogue(lang).num_plurals
    for key, texts in own.items():
        assert all(text.strip() for text in texts), f"{lang}.po: {key} is empty"
        if key in i18n._plural_keys():
            assert len(texts) == forms, f"{lang}.po: {key} has {len(texts)} forms, the language has {forms}"
        assert set(PLACEHOLDER.findall(" ".join(texts))) == set(PLACEHOLDER.findall(" ".join(source[key]))), (
            f"{lang}.po: {key} placeholders"
        )


def test_indonesian_has_one_plural_form_and_english_two():
    assert i18n.catalogue("id").num_plurals == 1 and i18n.catalogue("en").num_plurals == 2
    assert i18n.ngettext("en", "phone.ahead", 1) == "1 person ahead of you"
    assert i18n.ngettext("en", "phone.ahead", 2) == "2 people ahead of you"
    assert i18n.ngettext("id", "phone.ahead", 1) == "1 orang di depan Anda"
    assert i18n.plural_categories("en") == {"one": 0, "other": 1} and i18n.plural_categories("id") == {"other": 0}


def test_every_key_the_code_uses_is_in_the_catalogue(app):
    """Blueprint endpoints (``admin.home``) look like keys and are not."""
    known = set(entries(i18n.SOURCE_LANGUAGE)) | {rule.endpoint for rule in app.url_map.iter_rules()}
    used = {(path.relative_to(ROOT).as_posix(), key) for path in SOURCES for key in KEY.findall(path.read_text())}
    assert len(used) > 150  # the scan finds the keys at all
    missing = sorted(
        (path, key) for path, key in used if key not in known and not key.endswith((".", "_", ".css", ".js")) and not NOT_KEYS.search(key)
    )
    assert not missing, missing


def literal_text(template: Path) -> list[str]:
    """Words a template writes itself: its text and its text attributes, without Jinja, tags, key caps
    and the blocks that hold a class name or a meta setting."""
    source = re.sub(r"{%-? block (?:body_class|viewport) -?%}.*?{%-? endblock -?%}", "", template.read_text())
    data = "".join(value for _, kind, value in Environment().lex(source) if kind == "data")
    data = re.sub(r"<(script|style)\b.*?</\1>", " ", data, flags=re.S)
    attributes = re.findall(r'\b(?:title|alt|aria-label|placeholder)="([^"]*)"', data)
    data = re.sub(r"<!--.*?-->|<kbd>.*?</kbd>|<[^>]*>|&\w+;", " ", data, flags=re.S)
    return [word for text in (data, *attributes) for word in re.findall(r"[^\W\d_]+", text) if word not in ALLOWED]


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_templates_carry_no_untranslated_text(template):
    assert literal_text(template) == []


def test_the_check_finds_untranslated_text(tmp_path):
    page = tmp_path / "page.html"
    page.write_text('<h1>{{ _("kiosk.title") }}</h1><p title="Tutup">Silakan <kbd>Enter</kbd></p>{# a comment #}')
    assert literal_text(page) == ["Silakan", "Tutup"]


def test_no_antrian_where_a_visitor_reads_or_hears_it(tmp_path):
    for lang in i18n.LANGUAGES:
        for key, texts in entries(lang).items():
            assert not any("antrian" in text.lower() for text in texts), f"{lang}.po {key}"
    assert "antrean" in load_config(write_config(tmp_path, SMALL_HALL)).announcements["template"]
    for text in (ROOT / "config.yaml", ROOT / "README.md"):
        assert "antrian" not in text.read_text().lower().replace("(antrian → antrean)", "")


TICKET = {
    "id": "Zx8Qm2LkP0aB", "number": "A012", "service": "A", "service_name": "KTP Elektronik", "agency": "Disdukcapil",
    "status": "waiting", "priority": None, "issued_at": "2026-11-25T01:05:00+00:00", "waiting_ahead": 1, "eta_minutes": 6,
}  # fmt: skip


def test_an_english_ticket_prints_english_words_with_the_right_plural(tmp_path):
    hall = load_config(write_config(tmp_path, SMALL_HALL))
    one = ticket_bytes(TICKET, hall, "http://x/t/1", "en")
    assert b"QUEUE NUMBER" in one and b"Ahead of you: 1 person" in one and b"people" not in one and b"NOMOR" not in one
    two = ticket_bytes({**TICKET, "waiting_ahead": 2}, hall, "http://x/t/1", "en")
    assert b"Ahead of you: 2 people" in two
    assert b"Di depan Anda: 1 orang" in ticket_bytes(TICKET, hall, "http://x/t/1", "id")


def test_the_preview_of_an_english_ticket_is_the_english_ticket(client):
    ticket = client.post("/api/v1/tickets", json={"service": "A", "lang": "en"}).get_json()
    shown = client.get(f"/kiosk/ticket/{ticket['id']}.png").get_data()
    hall = hall_of(client.application).config
    view = hall_of(client.application).engine.ticket(ticket["id"])
    url = f"http://localhost/t/{ticket['id']}"
    assert shown == ticket_png(view, hall, url, "en")
    assert shown != ticket_png(view, hall, url, "id")
