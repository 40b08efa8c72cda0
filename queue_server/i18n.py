"""The one catalogue of user-facing words: ``translations/<lang>.po``, one gettext file per language.

Every word a visitor or an officer reads or hears — pages, their scripts, the printed ticket, the
fixed words of announcements, error messages — is looked up here by a stable key such as
``kiosk.title``. Keys rather than Indonesian sentences as msgids: a test can tell a missing entry
from a translated one, the Indonesian wording can be corrected (antrian → antrean) without touching
code, and one Indonesian word used in two places may be translated two ways.

The ``.po`` files are read with Babel when first needed and compiled in memory, so there is no
compile step and no binary ``.mo`` in the repository; ``pip install .`` ships the ``.po`` files.
A language is a file: ``LANGUAGES`` is whatever ``translations/`` holds, Indonesian first.
Placeholders are gettext's python-format, ``%(name)s``; plural entries get ``%(num)s``.

Plain Python, no Flask: the engine, the printer and the announcer use it as well as the pages.
"""

from __future__ import annotations

import io
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

TRANSLATIONS = Path(__file__).with_name("translations")
SOURCE_LANGUAGE = "id"
LANGUAGES: tuple[str, ...] = tuple(sorted((p.stem for p in TRANSLATIONS.glob("*.po")), key=lambda lang: (lang != SOURCE_LANGUAGE, lang)))


@cache
def catalogue(lang: str) -> Catalog:
    """The parsed ``.po`` file of one language (its messages, plural rule and header)."""
    with (TRANSLATIONS / f"{lang}.po").open("rb") as file:
        return read_po(file, locale=lang)


@cache
def translations(lang: str) -> Translations:
    """gettext translations of ``lang``, compiled in memory; a key missing here falls back to the
    Indonesian entry (the catalogue test keeps that from ever being needed)."""
    buffer = io.BytesIO()
    write_mo(buffer, catalogue(lang))
    buffer.seek(0)
    compiled = Translations(buffer)
    if lang != SOURCE_LANGUAGE:
        compiled.add_fallback(translations(SOURCE_LANGUAGE))
    return compiled


def known(lang: Any) -> str | None:
    """``lang`` if the catalogue has it, else None."""
    return lang if isinstance(lang, str) and lang in LANGUAGES else None


def second_language(lang: str) -> str:
    """The language of a page's sub-labels: English under any other language, Indonesian under English."""
    return SOURCE_LANGUAGE if lang == "en" else "en"


def gettext(lang: str, key: str, **params: Any) -> str:
    """The words of ``key`` in ``lang``, with ``%(name)s`` placeholders filled from ``params``
    (always formatted, as gettext's python-format expects: a literal percent sign is ``%%``).
    A plural entry takes the form that suits ``params["num"]``."""
    return _lookup(lang, key, params.get("num")) % params


def ngettext(lang: str, key: str, num: int, **params: Any) -> str:
    """The form of the plural entry ``key`` that suits ``num`` in ``lang`` (``%(num)s`` is filled in)."""
    return gettext(lang, key, num=num, **params)


def _lookup(lang: str, key: str, num: int | None) -> str:
    """A plural entry's ``msgid_plural`` is its own key again; one ``num`` chooses its form."""
    compiled = translations(lang)
    return compiled.ngettext(key, key, num) if num is not None and key in _plural_keys() else compiled.gettext(key)


@cache
def _plural_keys() -> frozenset[str]:
    return frozenset(message.id[0] for message in catalogue(SOURCE_LANGUAGE) if message.pluralizable)


def negotiate(accept_language: str | None, default: str) -> str:
    """The best language of an ``Accept-Language`` header that the catalogue has, else ``default``."""
    ranked = []
    for index, part in enumerate((accept_language or "").split(",")):
        tag, _, weight = part.strip().partition(";q=")
        try:
            quality = float(weight) if weight else 1.0
        except ValueError:
            continue
        lang = known(tag.split("-")[0].strip().lower())
        if lang and quality > 0:
            ranked.append((-quality, index, lang))
    return min(ranked)[2] if ranked else default


def plural_categories(lang: str) -> dict[str, int]:
    """Which plural form a script should use for each CLDR category that ``Intl.PluralRules`` gives
    (``one``, ``other``, ...): worked out from the catalogue's own ``Plural-Forms`` rule, so a
    script and the server always choose the same form."""
    choose, locale = translations(lang).plural, Locale.parse(lang)
    found: dict[str, int] = {}
    for n in range(1000):
        found.setdefault(locale.plural_form(n), int(choose(n)))
    return found


def script_texts(langs: tuple[str, ...], *prefixes: str) -> dict[str, Any]:
    """The entries a page's script needs, embedded in the page as JSON (see queue_server/static/i18n.js):
    per language the messages whose key starts with one of ``prefixes`` (a plural entry is a list
    of its forms) and the plural categories."""
    return {
        "langs": list(langs),
        "messages": {lang: _messages(lang, prefixes) for lang in langs},
        "plurals": {lang: plural_categories(lang) for lang in langs},
    }


def template_globals() -> dict[str, Any]:
    """What every template gets: ``_``/``ngettext`` in the page's language (the ``lang`` variable,
    the hall's by default) and ``_2``/``ngettext2`` in its second language (the sub-labels), with
    ``both`` writing a label and its sub-label; ``texts(prefix, ...)`` is what the page's
    script needs, for both languages. As with Jinja's own newstyle gettext, an entry is
    trusted markup (it may hold ``<kbd>``) and the values filled in are escaped. (Plain globals
    rather than jinja2.ext.i18n: its callables cannot be told a second language.)"""

    @pass_context
    def first(ctx: Context, key: str, **params: Any) -> Markup:
        return _markup(ctx["lang"], key, None, params)

    @pass_context
    def first_n(ctx: Context, key: str, num: int, **params: Any) -> Markup:
        return _markup(ctx["lang"], key, num, params)

    @pass_context
    def second(ctx: Context, key: str, **params: Any) -> Markup:
        return _markup(second_language(ctx["lang"]), key, None, params)

    @pass_context
    def second_n(ctx: Context, key: str, num: int, **params: Any) -> Markup:
        return _markup(second_language(ctx["lang"]), key, num, params)

    @pass_context
    def both(ctx: Context, key: str, **params: Any) -> Markup:
        other = second_language(ctx["lang"])
        return Markup('%s <span class="en" lang="%s">%s</span>') % (first(ctx, key, **params), other, second(ctx, key, **params))

    @pass_context
    def texts(ctx: Context, *prefixes: str) -> dict[str, Any]:
        return script_texts((ctx["lang"], second_language(ctx["lang"])), *prefixes)

    return {
        "_": first,
        "gettext": first,
        "ngettext": first_n,
        "_2": second,
        "ngettext2": second_n,
        "both": both,
        "texts": texts,
        "second_language": second_language,
    }


def _markup(lang: str, key: str, num: int | None, params: dict[str, Any]) -> Markup:
    values = {name: escape(value) if isinstance(value, str) else value for name, value in params.items()}
    if num is not None:
        values["num"] = num
    return Markup(_lookup(lang, key, values.get("num")) % values)


def _messages(lang: str, prefixes: tuple[str, ...]) -> dict[str, str | list[str]]:
    found: dict[str, str | list[str]] = {}
    for key in keys():
        if key.startswith(prefixes):
            message = catalogue(lang).get(key) or catalogue(SOURCE_LANGUAGE)[key]
            found[key] = list(message.string) if isinstance(message.string, tuple | list) else message.string
    return found


@lru_cache(maxsize=1)
def keys() -> tuple[str, ...]:
    """Every key of the source catalogue, in file order."""
    return tuple(message.id if isinstance(message.id, str) else message.id[0] for message in catalogue(SOURCE_LANGUAGE) if message.id)
