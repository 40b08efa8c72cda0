"""The sentence spoken for a call, written the way espeak-ng must read it.

A synthesizer given "A001" guesses (English reads "a zero zero one" with the article "a"; Indonesian
may read "seratus"); a hall must hear its own way of saying numbers. So everything the voice reads is
spelled out here: ticket letters by their names, numbers as words, in the hall's chosen reading:

- ``digits``   A123 → "a satu dua tiga"
- ``cardinal`` A123 → "a seratus dua puluh tiga", A010 → "a sepuluh"
- ``mixed``    leading zeros as "nol", the rest as a cardinal (the Surabaya MPP practice):
               A001 → "a nol nol satu", A010 → "a nol sepuluh", A123 → "a seratus dua puluh tiga"

Letter spellings were checked against ``espeak-ng -x`` (the phonemes the voice will say); written
spellings rather than capitals, because a lone "A" is the article in English and spelled names are
what the hall should hear in both languages.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from string import Formatter, ascii_uppercase
from typing import Any

from num2words import num2words

from ..i18n import gettext

FIELDS = ("number", "counter", "service", "agency")
TICKET_NUMBER = re.compile(r"^([A-Z]{1,2})(\d+)$")



def letter_names(language: str) -> dict[str, str]:
    """A to Z as the voice says them, from the catalogue's ``announce.letters`` (26 words in
    alphabet order, spelled for espeak-ng: see the comment on that entry)."""
    return dict(zip(ascii_uppercase, gettext(language, "announce.letters").split(), strict=True))

# In a name: a run of digits, an "&", a capital letter standing alone ("Loket B", "Loket 2A"), a title-case word.
_NAME_PART = re.compile(r"\d+|&|(?<![^\W\d_])[A-Z](?![^\W\d_])|\b[A-Z][a-z]+\b")


def check_template(template: str) -> None:
    """Refuse a template the announcer could not fill, at start-up rather than at the first call."""
    try:
        parts = list(Formatter().parse(template))
    except ValueError as error:
        raise ValueError(f"announcements.template: {error} (write a literal brace as {{{{ or }}}})") from None
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in FIELDS or spec or conversion:
            shown = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
            known = ", ".join("{" + f + "}" for f in FIELDS)
            raise ValueError(f"announcements.template: unknown placeholder {shown} (known: {known})")


def cardinal(value: int, language: str) -> str:
    """A whole number in words; English without "and" or commas, the way a hall announces it."""
    words = num2words(value, lang=language)
    if language == "en":
        words = words.replace(",", "").replace(" and ", " ")
    return words


def spoken_number(number: str, language: str, reading: str) -> str:
    """``A001`` in words: letter names, then the digits in the hall's reading."""
    match = TICKET_NUMBER.match(number)
    if match is None:
        raise ValueError(f"not a ticket number: {number!r} (expected one or two capital letters and digits, such as A001)")
    prefix, digits = match.groups()
    letters = [letter_names(language)[letter] for letter in prefix]
    zero = cardinal(0, language)
    if reading == "digits":
        said = [cardinal(int(d), language) for d in digits]
    elif reading == "cardinal":
        said = [cardinal(int(digits), language)]
    elif reading == "mixed":
        rest = digits.lstrip("0")
        said = [zero] * (len(digits) - len(rest)) + ([cardinal(int(rest), language)] if rest else [])
    else:
        raise ValueError(f"unknown reading {reading!r} (digits, cardinal or mixed)")
    return " ".join(letters + said)


def spoken_name(name: str, language: str) -> str:
    """A counter, service or agency name as said mid-sentence: "Loket 12" → "loket dua belas".

    Numbers become words, a lone capital becomes its letter name, "&" becomes "dan"/"and", and
    title-case words are lowered; acronyms (KTP, BPJS) are left for espeak-ng, which spells them.
    """

    def say(match: re.Match) -> str:
        part = match.group()
        if part.isdigit():
            return f" {cardinal(int(part), language)} "
        if part == "&":
            return f" {gettext(language, 'announce.and')} "
        if len(part) == 1:
            return f" {letter_names(language)[part]} "
        return part.lower()

    return " ".join(_NAME_PART.sub(say, name).split())


def announcement_text(number: str, counter_name: str, service_name: str, agency: str, settings: Mapping[str, Any]) -> str:
    """The sentence the voice reads, from ``announcements`` settings (language, reading, template)."""
    language = settings.get("language", "id")
    values = {
        "number": spoken_number(number, language, settings.get("reading", "mixed")),
        "counter": spoken_name(counter_name, language),
        "service": spoken_name(service_name, language),
        "agency": spoken_name(agency, language),
    }
    return " ".join(settings["template"].format_map(values).split())


def caption_text(number: str, counter_name: str, service_name: str, agency: str, settings: Mapping[str, Any]) -> str:
    """The same sentence as a deaf visitor should read it on screen: the number as printed."""
    values = {"number": number, "counter": counter_name, "service": service_name, "agency": agency}
    return " ".join(settings["template"].format_map(values).split())
