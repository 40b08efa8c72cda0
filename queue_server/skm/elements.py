"""The survey's questions as the regulation sets them: nine elements (unsur), each with its own four
answers scored 1–4, and the respondent's profile.

The order is the one of Permenpan RB 14/2017, Bab II (the unsur list): ``u8`` is complaint handling
and ``u9`` facilities. The sample questionnaire in its annex happens to ask about facilities before
complaints; the element keys follow the unsur list so that ``u1``…``u9`` mean the same everywhere.
Every visible word is in the catalogue: ``skm.<element>.title`` (the element's name),
``skm.<element>.question`` and ``skm.<element>.a1``…``a4`` (the answers, worst first), and
``skm.<field>.<value>`` for the profile's choices.
"""

from __future__ import annotations

ELEMENTS: tuple[str, ...] = ("u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9")
SCORES: tuple[int, ...] = (1, 2, 3, 4)

SEXES: tuple[str, ...] = ("L", "P")
EDUCATION: tuple[str, ...] = ("SD", "SMP", "SMA", "D3", "S1", "S2", "S3")
OCCUPATIONS: tuple[str, ...] = ("PNS", "TNI", "POLRI", "Swasta", "Wirausaha", "Lainnya")
PROFILE_CHOICES: dict[str, tuple[str, ...]] = {"sex": SEXES, "education": EDUCATION, "occupation": OCCUPATIONS}
AGE_RANGE = (10, 120)  # whole years a respondent may give; outside it the age is refused


def title_key(element: str) -> str:
    return f"skm.{element}.title"


def question_key(element: str) -> str:
    return f"skm.{element}.question"


def answer_key(element: str, score: int) -> str:
    return f"skm.{element}.a{score}"


def choice_key(field: str, value: str) -> str:
    return f"skm.{field}.{value}"
