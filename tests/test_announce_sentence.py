"""The spoken sentence: ticket numbers in three readings and two languages, names read naturally."""

from __future__ import annotations

import subprocess
from string import ascii_uppercase

import pytest
from antre.queue_server.announce.sentence import announcement_text, caption_text, check_template, letter_names, spoken_number

from tests.support import needs_espeak

ID_TEMPLATE = "Nomor antrean {number}, silakan menuju {counter}"
EN_TEMPLATE = "Ticket number {number}, please proceed to {counter}"

NUMBERS = [
    # (language, reading, number, spoken)
    ("id", "digits", "A001", "a nol nol satu"),
    ("id", "digits", "A123", "a satu dua tiga"),
    ("id", "digits", "A000", "a nol nol nol"),
    ("id", "digits", "A1000", "a satu nol nol nol"),
    ("id", "digits", "KT045", "ka te nol empat lima"),
    ("id", "digits", "B010", "be nol satu nol"),
    ("id", "cardinal", "A123", "a seratus dua puluh tiga"),
    ("id", "cardinal", "A001", "a satu"),
    ("id", "cardinal", "A010", "a sepuluh"),
    ("id", "cardinal", "A000", "a nol"),
    ("id", "cardinal", "A011", "a sebelas"),
    ("id", "cardinal", "A1000", "a seribu"),
    ("id", "cardinal", "ZZ999", "zet zet sembilan ratus sembilan puluh sembilan"),
    ("id", "mixed", "A001", "a nol nol satu"),
    ("id", "mixed", "A010", "a nol sepuluh"),
    ("id", "mixed", "A100", "a seratus"),
    ("id", "mixed", "A123", "a seratus dua puluh tiga"),
    ("id", "mixed", "A000", "a nol nol nol"),
    ("id", "mixed", "A1000", "a seribu"),
    ("id", "mixed", "A1001", "a seribu satu"),
    ("id", "mixed", "KT012", "ka te nol dua belas"),
    ("id", "mixed", "VQ007", "fe ki nol nol tujuh"),
    ("id", "mixed", "XY020", "eks ye nol dua puluh"),
    ("en", "digits", "A123", "eh one two three"),
    ("en", "digits", "A001", "eh zero zero one"),
    ("en", "cardinal", "A123", "eh one hundred twenty-three"),
    ("en", "cardinal", "A1000", "eh one thousand"),
    ("en", "cardinal", "B1234", "bee one thousand two hundred thirty-four"),
    ("en", "mixed", "A010", "eh zero ten"),
    ("en", "mixed", "A000", "eh zero zero zero"),
    ("en", "mixed", "WZ101", "double-u zed one hundred one"),
]


@pytest.mark.parametrize(("language", "reading", "number", "spoken"), NUMBERS)
def test_ticket_numbers_are_spelled_out(language, reading, number, spoken):
    assert spoken_number(number, language, reading) == spoken


SENTENCES = [
    # (language, reading, template, number, counter, service, agency, sentence)
    ("id", "mixed", ID_TEMPLATE, "A001", "Loket 12", "", "", "Nomor antrean a nol nol satu, silakan menuju loket dua belas"),
    ("id", "mixed", ID_TEMPLATE, "B010", "Loket 1", "", "", "Nomor antrean be nol sepuluh, silakan menuju loket satu"),
    ("id", "cardinal", ID_TEMPLATE, "C120", "Meja Informasi", "", "", "Nomor antrean ce seratus dua puluh, silakan menuju meja informasi"),
    ("id", "mixed", ID_TEMPLATE, "A005", "Loket B", "", "", "Nomor antrean a nol nol lima, silakan menuju loket be"),
    ("id", "digits", ID_TEMPLATE, "A005", "Loket 2A", "", "", "Nomor antrean a nol nol lima, silakan menuju loket dua a"),
    ("id", "mixed", ID_TEMPLATE, "KT100", "Loket 100", "", "", "Nomor antrean ka te seratus, silakan menuju loket seratus"),
    (
        "id",
        "mixed",
        "Nomor {number}, layanan {service} {agency}, ke {counter}",
        "A021",
        "Loket 3",
        "KTP & KK",
        "Disdukcapil",
        "Nomor a nol dua puluh satu, layanan KTP dan KK disdukcapil, ke loket tiga",
    ),
    (
        "en",
        "mixed",
        EN_TEMPLATE,
        "A123",
        "Counter 12",
        "",
        "",
        "Ticket number eh one hundred twenty-three, please proceed to counter twelve",
    ),
    ("en", "digits", EN_TEMPLATE, "A123", "Counter 12", "", "", "Ticket number eh one two three, please proceed to counter twelve"),
    ("en", "cardinal", EN_TEMPLATE, "F007", "Desk 3 & 4", "", "", "Ticket number ef seven, please proceed to desk three and four"),
    ("en", "mixed", EN_TEMPLATE, "K040", "Information", "", "", "Ticket number kay zero forty, please proceed to information"),
]


@pytest.mark.parametrize(("language", "reading", "template", "number", "counter", "service", "agency", "sentence"), SENTENCES)
def test_the_sentence_follows_the_template(language, reading, template, number, counter, service, agency, sentence):
    settings = {"language": language, "reading": reading, "template": template}
    assert announcement_text(number, counter, service, agency, settings) == sentence


def test_the_caption_shows_the_number_as_printed():
    settings = {"language": "id", "reading": "mixed", "template": ID_TEMPLATE}
    assert caption_text("A001", "Loket 12", "KTP", "Disdukcapil", settings) == "Nomor antrean A001, silakan menuju Loket 12"


@pytest.mark.parametrize("number", ["A", "001", "a001", "ABC001", "A-001", ""])
def test_a_malformed_number_is_refused_with_its_value(number):
    with pytest.raises(ValueError, match="not a ticket number"):
        spoken_number(number, "id", "mixed")


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("Nomor {nomor} ke {counter}", r"unknown placeholder \{nomor\}"),
        ("Nomor {number:>5}", r"unknown placeholder \{number:>5\}"),
        ("Nomor {} ke {counter}", r"unknown placeholder \{\}"),
        ("Nomor {number", "announcements.template: "),
    ],
)
def test_a_template_the_announcer_cannot_fill_is_refused(template, message):
    with pytest.raises(ValueError, match=message):
        check_template(template)


def test_every_field_may_be_used():
    check_template("{number} {counter} {service} {agency} {{literal}}")


@needs_espeak
def test_english_letter_spellings_sound_like_the_letters():
    """espeak-ng must say each spelling exactly as it says the letter itself (e.g. "eh" as A, not "ay" as I)."""

    def phonemes(words: list[str]) -> list[str]:
        # One clause per word (the commas); stress marks are dropped, as the sentence around sets stress.
        out = subprocess.run(["espeak-ng", "-v", "en", "-q", "-x", ", ".join(words)], capture_output=True, text=True, check=True).stdout
        return [word.replace("'", "").replace(",", "") for word in out.split()]

    assert phonemes([letter_names("en")[letter] for letter in ascii_uppercase]) == phonemes(list(ascii_uppercase))
