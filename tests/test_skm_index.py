"""The SKM arithmetic of Permenpan RB 14/2017 (queue_server/skm/index.py), against tables worked
out by hand: NRR per element, the index with the weight exactly 1/9, the IKM rounded half-up to two
decimals, the 2017 grade table at its boundaries, and Krejcie–Morgan's minimum sample."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from antre.queue_server.skm.elements import ELEMENTS
from antre.queue_server.skm.index import Index, grade_of, half_up, lowest, nrr, profile_tally, sample_min

# Four respondents, the nine elements in the regulation's order (u1 … u9).
SMALL_SET = [
    (4, 4, 3, 4, 3, 4, 4, 3, 4),
    (3, 4, 3, 4, 3, 3, 4, 2, 3),
    (4, 3, 2, 4, 3, 4, 4, 3, 3),
    (3, 3, 3, 4, 4, 4, 4, 3, 4),
]


def index_of(rows: list[tuple[int | None, ...]]) -> Index:
    """The index of response rows (None: the element was not answered), as the store sums them."""
    columns = list(zip(*rows, strict=True))
    return Index.of([sum(s for s in c if s is not None) for c in columns], [sum(s is not None for s in c) for c in columns])


def equal_elements(nrr_value: str) -> Index:
    """Nine elements with the same NRR (given exactly, as a decimal)."""
    value = Fraction(nrr_value)
    return Index.of([value.numerator] * 9, [value.denominator] * 9)


def test_the_small_set_by_hand():
    # Sums per element: 14 14 11 16 13 15 16 11 14 over 4 respondents each, so the NRRs are
    # 3.5 3.5 2.75 4 3.25 3.75 4 2.75 3.5; Σ NRR = 31; index = 31 × 1/9 = 3.4444…;
    # IKM = 775/9 = 86.111… → 86.11, which is B (76.61–88.30), "Baik".
    index = index_of(SMALL_SET)
    assert index.nrr == [3.5, 3.5, 2.75, 4.0, 3.25, 3.75, 4.0, 2.75, 3.5]
    assert index.exact_index == Fraction(31, 9)
    assert index.index == 3.4444
    assert index.ikm == 86.11
    assert (index.grade, index.grade_label("id"), index.grade_label("en")) == ("B", "Baik", "Good")
    assert index.complete and index.unanswered == []
    # The lowest: u3 and u8 (2.75, ties in the regulation's order), then u5 (3.25).
    assert index.lowest() == ["u3", "u8", "u5"]
    # Each element by the same table from NRR × 25: 3.5 → 87.50 B, 2.75 → 68.75 C, 3.25 → 81.25 B, 3.75 → 93.75 A.
    assert index.element_grades() == ["B", "B", "C", "A", "B", "A", "A", "C", "B"]


def test_an_element_answered_by_only_some_respondents_is_their_mean():
    # u8 answered only by the first two (3 and 2): NRR 5/2 = 2.5, not (3 + 2) / 4. Σ NRR = 31 − 2.75
    # + 2.5 = 30.75; index = 30.75 / 9 = 3.41666…; IKM = 85.41666… → 85.42, B.
    rows = [(*row[:7], row[7] if i < 2 else None, *row[8:]) for i, row in enumerate(SMALL_SET)]
    index = index_of(rows)
    assert index.answered == (4, 4, 4, 4, 4, 4, 4, 2, 4)
    assert index.nrr[7] == 2.5
    assert index.ikm == 85.42
    assert index.grade == "B"


def test_an_element_nobody_answered_leaves_the_mean_of_the_others_and_says_so():
    # No one answered u4 (NRR 4 in the small set): the other eight sum to 27, mean 27/8 = 3.375;
    # IKM = 84.375 → 84.38 (half up), B. Σ × 1/9 would have counted u4 as 0 (IKM 75.00, C).
    rows = [(*row[:3], None, *row[4:]) for row in SMALL_SET]
    index = index_of(rows)
    assert index.nrr[3] is None
    assert not index.complete and index.unanswered == ["u4"]
    assert index.exact_index == Fraction(27, 8)
    assert index.ikm == 84.38
    assert index.grade == "B"


def test_no_responses_have_no_index():
    index = Index.of([0] * 9, [0] * 9)
    assert (index.index, index.ikm, index.grade, index.grade_label("id"), index.lowest()) == (None, None, None, None, [])


@pytest.mark.parametrize(
    ("nrr_value", "ikm", "grade"),
    [
        ("3.532", 88.30, "B"),  # 3.532 × 25 = 88.30
        ("3.5324", 88.31, "A"),
        ("3.064", 76.60, "C"),
        ("3.0644", 76.61, "B"),
        ("2.5996", 64.99, "D"),
        ("2.6", 65.00, "C"),
        ("4", 100.00, "A"),
        ("1", 25.00, "D"),
    ],
)
def test_the_2017_grade_table_at_its_boundaries(nrr_value, ikm, grade):
    index = equal_elements(nrr_value)
    assert (index.ikm, index.grade) == (ikm, grade)


def test_the_grade_is_read_from_the_ikm_rounded_half_up():
    # An exact IKM of 88.305 (eight NRRs of 3.5, one of 18949/5000 = 3.7898: Σ = 31.7898, index
    # 3.5322) rounds half up to 88.31, an A; rounding half to even would give 88.30, a B.
    index = Index.of([7] * 8 + [18949], [2] * 8 + [5000])
    assert index.exact_index * 25 == Fraction("88.305")
    assert (index.ikm, index.grade) == (88.31, "A")
    assert half_up(Fraction(1, 3), 2) == Decimal("0.33")
    assert [grade_of(Decimal(v)) for v in ("88.31", "88.30", "76.61", "76.60", "65.00", "64.99")] == ["A", "B", "B", "C", "C", "D"]


def test_the_weight_is_exactly_one_ninth_not_0_11():
    # 125 respondents: 67 answer 4 to everything and 58 answer 3: every NRR = (268 + 174) / 125 =
    # 3.536, Σ NRR = 31.824. With 1/9: index 3.536, IKM 88.40, A. With the printed 0.11: index
    # 3.50064, IKM 87.516 → 87.52, B. The weight changes the grade.
    answers = [4] * 67 + [3] * 58
    element_nrr = nrr(answers)
    assert element_nrr == Fraction("3.536")
    index = index_of([(score,) * 9 for score in answers])
    assert (index.ikm, index.grade) == (88.40, "A")
    with_0_11 = half_up(sum([element_nrr] * 9, Fraction(0)) * Fraction("0.11") * 25, 2)
    assert (with_0_11, grade_of(with_0_11)) == (Decimal("87.52"), "B")


@pytest.mark.parametrize(
    ("population", "sample"),
    [(0, 0), (20, 19), (100, 80), (500, 217), (1_000, 278), (2_000, 322), (10_000, 370), (1_000_000, 384)],
)
def test_the_krejcie_morgan_sample_table(population, sample):
    assert sample_min(population) == sample


def test_lowest_skips_unanswered_elements():
    assert lowest([3.0, None, 2.0, 4.0, 1.5, None, None, None, None], k=2) == ["u5", "u3"]


def test_lowest_singles_out_only_elements_below_the_mean():
    # u3 alone is below the mean (2.889); the eight tied at 3.0 are not "lowest" of anything.
    assert lowest([3.0, 3.0, 2.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0]) == ["u3"]
    assert lowest([3.25] * 9) == []
    assert len(ELEMENTS) == 9


def test_the_profile_lists_every_choice_and_who_did_not_say():
    tally = profile_tally(4, {("sex", "L"): 3, ("age", "<20"): 2, ("age", ">=60"): 1, ("education", "S1"): 2})
    assert tally["sex"] == {"L": 3, "P": 0, "null": 1}
    assert tally["age"] == {"<20": 2, "20-29": 0, "30-39": 0, "40-49": 0, "50-59": 0, ">=60": 1, "null": 1}
    assert tally["education"]["S1"] == 2 and tally["education"]["null"] == 2
    assert tally["occupation"]["null"] == 4
    assert list(tally) == ["sex", "age", "education", "occupation"]
