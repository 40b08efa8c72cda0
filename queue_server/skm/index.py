"""The SKM arithmetic of Permenpan RB 14/2017, exact and in one place.

* **NRR** of an element (nilai rata-rata): the sum of its answers over the number of respondents who
  answered it; an element nobody answered has none.
* **index**: the NRRs weighted exactly 1/9 each, Σ NRR × 1/9. Public tools use the printed 0.11,
  which is 0.99 × the right value (a perfect score gives 99) and turns an A of 88.40 into a B of
  87.52. When an element has no answer at all in the set, Σ × 1/9 would count it as 0: the index is
  then the mean of the answered elements' NRRs, and the result says ``complete: false`` and which
  elements are ``unanswered``.
* **IKM** = index × 25, rounded half-up to two decimals from the exact value.
* **grade** from the rounded IKM, by the regulation's table (``GRADES``; not the 2004 one).
* **sample_min**: Krejcie–Morgan's minimum sample for a population N, rounded to nearest.

Everything is computed with ``fractions.Fraction``; floats appear only in what is shown.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from ..i18n import gettext
from .elements import EDUCATION, ELEMENTS, OCCUPATIONS, SEXES

WEIGHT = Fraction(1, len(ELEMENTS))  # exactly 1/9, never 0.11
SCALE = 25  # the index (1..4) × 25 is the IKM (25..100)
# The 2017 table: the lowest rounded IKM of each grade, best first. Below 65.00 is D.
GRADES: tuple[tuple[Decimal, str], ...] = ((Decimal("88.31"), "A"), (Decimal("76.61"), "B"), (Decimal("65.00"), "C"))
LOWEST_GRADE = "D"
# Krejcie & Morgan (1970): chi-square for one degree of freedom at 95 %, the population's share P
# (0.5 gives the largest sample) and the margin of error d.
CHI_SQUARE = Fraction("3.841")
SHARE = Fraction(1, 2)
MARGIN = Fraction(5, 100)
# The profile's age bands (years), as the API names them; ages are whole years in AGE_RANGE.
AGE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("<20", 0, 20),
    ("20-29", 20, 30),
    ("30-39", 30, 40),
    ("40-49", 40, 50),
    ("50-59", 50, 60),
    (">=60", 60, None),
)  # (name, from, below)
PROFILE_KEYS: dict[str, tuple[str, ...]] = {
    "sex": SEXES,
    "age": tuple(name for name, _from, _below in AGE_BANDS),
    "education": EDUCATION,
    "occupation": OCCUPATIONS,
}
PROFILE_FIELDS = tuple(PROFILE_KEYS)
UNKNOWN = "null"  # the profile's count of respondents who did not give a field


def nrr(scores: Iterable[int]) -> Fraction | None:
    """The mean of the answers given (None when there are none)."""
    scores = list(scores)
    return Fraction(sum(scores), len(scores)) if scores else None


def half_up(value: Fraction, places: int) -> Decimal:
    """``value`` rounded half-up to ``places`` decimals, exactly: Decimal's own division would round
    a long fraction at 28 digits first, which can move a value sitting just below a half."""
    scale = 10**places
    return Decimal(math.floor(value * scale + Fraction(1, 2))).scaleb(-places)


def grade_of(ikm: Decimal) -> str:
    """The grade of an IKM rounded to two decimals (the one place the table is read)."""
    return next((grade for lowest, grade in GRADES if ikm >= lowest), LOWEST_GRADE)


def grade_key(grade: str) -> str:
    return f"skm.grade.{grade}"


@dataclass(frozen=True)
class Index:
    """The index of one set of responses, from its per-element sums and answer counts."""

    exact_nrr: tuple[Fraction | None, ...]
    answered: tuple[int, ...]
    exact_index: Fraction | None

    @classmethod
    def of(cls, sums: Sequence[int | None], counts: Sequence[int]) -> Index:
        """``sums[i]``/``counts[i]``: the total and the number of answers of element ``ELEMENTS[i]``."""
        nrrs = tuple(Fraction(s, n) if n else None for s, n in zip(sums, counts, strict=True))
        given = [value for value in nrrs if value is not None]
        index = sum(given, Fraction(0)) / len(given) if given else None  # = Σ NRR × 1/9 when all nine are answered
        return cls(nrrs, tuple(counts), index)

    @property
    def nrr(self) -> list[float | None]:
        """Each element's NRR rounded to 3 decimals, for display."""
        return [None if value is None else float(half_up(value, 3)) for value in self.exact_nrr]

    @property
    def index(self) -> float | None:
        return None if self.exact_index is None else float(half_up(self.exact_index, 4))

    @property
    def ikm_decimal(self) -> Decimal | None:
        return None if self.exact_index is None else half_up(self.exact_index * SCALE, 2)

    @property
    def ikm(self) -> float | None:
        value = self.ikm_decimal
        return None if value is None else float(value)

    @property
    def grade(self) -> str | None:
        value = self.ikm_decimal
        return None if value is None else grade_of(value)

    @property
    def complete(self) -> bool:
        return all(value is not None for value in self.exact_nrr)

    @property
    def unanswered(self) -> list[str]:
        return [element for element, value in zip(ELEMENTS, self.exact_nrr, strict=True) if value is None]

    def grade_label(self, lang: str) -> str | None:
        """The grade's name in ``lang`` ("Sangat Baik" … "Tidak Baik")."""
        grade = self.grade
        return None if grade is None else gettext(lang, grade_key(grade))

    def element_grades(self) -> list[str | None]:
        """Each element's own grade: its NRR × 25 read by the same table."""
        return [None if value is None else grade_of(half_up(value * SCALE, 2)) for value in self.exact_nrr]

    def lowest(self, k: int = 3) -> list[str]:
        return lowest(self.exact_nrr, k)


def lowest(nrrs: Sequence[Fraction | float | None], k: int = 3) -> list[str]:
    """At most ``k`` answered elements scoring below the mean of the answered NRRs, lowest first (ties
    in the regulation's order): where a follow-up plan starts. Below the mean, so that elements tied
    with the rest are never singled out (all equal: none is lowest)."""
    answered = [(Fraction(value), place) for place, value in enumerate(nrrs) if value is not None]
    if not answered:
        return []
    mean = sum(value for value, _place in answered) / len(answered)
    return [ELEMENTS[place] for value, place in sorted(answered)[:k] if value < mean]


def sample_min(population: int) -> int:
    """Krejcie–Morgan: S = χ²·N·P(1−P) / (d²(N−1) + χ²·P(1−P)), rounded to nearest (half up).
    N=100 → 80, 1,000 → 278, 1,000,000 → 384; no one served → 0."""
    if population <= 0:
        return 0
    spread = CHI_SQUARE * SHARE * (1 - SHARE)
    size = spread * population / (MARGIN**2 * (population - 1) + spread)
    return math.floor(size + Fraction(1, 2))


def profile_tally(respondents: int, counts: dict[tuple[str, str], int]) -> dict[str, dict[str, int]]:
    """The respondents' profile from how many gave each ``(field, choice)`` (``PROFILE_KEYS``): every
    choice (zero when nobody gave it) and ``UNKNOWN``, the respondents who did not give the field."""
    tally = {}
    for field, keys in PROFILE_KEYS.items():
        given = {key: counts.get((field, key), 0) for key in keys}
        tally[field] = {**given, UNKNOWN: respondents - sum(given.values())}
    return tally
