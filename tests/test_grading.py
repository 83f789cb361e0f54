"""Each question type and scoring rule, and the never-raise guarantee."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizlib.grading import Status, grade
from quizlib.models import Bank
from quizlib.normalize import MAX_ANSWER_CHARS, normalize_text

from .strategies import bank_dicts, json_values


def Q(bank: Bank, qid: str):
    return bank.question(qid)


# single ---------------------------------------------------------------------

def test_single_right_and_wrong(fixture_bank):
    q = Q(fixture_bank, "single-1")
    r = grade(q, "b")
    assert (r.score, r.correct, r.status, r.feedback) == (1.0, True, Status.graded, ("Yes, RIMPAC is biennial.",))
    r = grade(q, "a")
    assert (r.score, r.correct) == (0.0, False)
    assert r.feedback == ("Malabar began as a US–India exercise.",)
    assert r.explanation == "RIMPAC is held in even-numbered years."


def test_single_unknown_option_has_reason(fixture_bank):
    r = grade(Q(fixture_bank, "single-1"), "z")
    assert (r.score, r.status, r.reason) == (0.0, Status.invalid, "unknown option 'z'")


# multiple -------------------------------------------------------------------

@pytest.mark.parametrize(
    "chosen,expected",
    [
        (["a", "b", "d"], 1.0),
        (["a", "b"], 2 / 3),
        (["a", "c"], 0.0),  # one right, one wrong: net 0
        (["a", "b", "c"], 1 / 3),
        (["a", "b", "c", "d"], 2 / 3),
        (["c"], 0.0),  # floored at 0, not negative
        (["a", "a"], 1 / 3),  # a repeated choice counts once
    ],
)
def test_multiple_partial_net_correct(fixture_bank, chosen, expected):
    r = grade(Q(fixture_bank, "multi-1"), chosen)
    assert math.isclose(r.score, expected) and r.correct == (expected == 1.0)


def test_multiple_all_or_nothing_and_points(fixture_bank):
    q = Q(fixture_bank, "multi-aon")
    assert grade(q, ["nato", "un"]).score == 2.0
    assert grade(q, ["nato"]).score == 0.0
    assert grade(q, ["nato", "un", "eu"]).score == 0.0
    assert grade(q, ["nato", "zz"]).reason == "unknown option 'zz'"


def test_multiple_feedback_for_each_chosen(fixture_bank):
    r = grade(Q(fixture_bank, "multi-1"), ["a", "c"])
    assert r.feedback == ("Yes.", "That is trade policy.")


# true/false -----------------------------------------------------------------

def test_true_false(fixture_bank):
    q = Q(fixture_bank, "tf-1")
    assert grade(q, False).score == 1.0 and grade(q, False).feedback == ("Right; it is biennial.",)
    assert grade(q, True).score == 0.0 and grade(q, True).feedback == ("No; it is biennial.",)
    assert grade(q, "FALSE").score == 1.0  # CSV cells arrive as text
    assert grade(q, 0).status == Status.invalid  # 0 is not a boolean


# short ----------------------------------------------------------------------

@pytest.mark.parametrize(
    "answer,score",
    [
        ("Malabar", 1.0),
        ("  MALABAR ", 1.0),
        ("malabar.", 1.0),
        ("Málabar", 1.0),  # diacritics ignored
        ("malabar naval exercise", 1.0),  # regex on the normalised text
        ("Malabar-Exercise", 1.0),
        ("Malabr", 0.5),
        ("RIMPAC", 0.0),
        ("Cobra Gold", 0.0),
    ],
)
def test_short_answer_matching(fixture_bank, answer, score):
    assert grade(Q(fixture_bank, "short-1"), answer).score == score


def test_short_answer_feedback_of_matched_answer(fixture_bank):
    q = Q(fixture_bank, "short-1")
    assert grade(q, "rimpac").feedback == ("RIMPAC is a different, multinational exercise.",)
    assert grade(q, "malabar").feedback == ("Correct.",)


def test_short_answer_too_long(fixture_bank):
    r = grade(Q(fixture_bank, "short-1"), "x" * (MAX_ANSWER_CHARS + 1))
    assert r.status == Status.invalid and "longer than" in r.reason


def test_normalize_text():
    assert normalize_text("  Défense\tATTACHÉ!! ") == "defense attache"
    assert normalize_text("U.S.–India") == "u s india"
    assert normalize_text("ﬁve") == "five"  # compatibility ligature


# numeric --------------------------------------------------------------------

def test_numeric_exact_and_text(fixture_bank):
    q = Q(fixture_bank, "num-1")
    assert grade(q, 1949).score == 1.0
    assert grade(q, "1949").score == 1.0
    assert grade(q, 1949.0001).score == 0.0
    assert grade(q, 1950).score == 0.0
    assert grade(q, "nineteen").status == Status.invalid
    assert grade(q, float("nan")).status == Status.invalid
    assert grade(q, True).status == Status.invalid


@pytest.mark.parametrize("typed", ["3,652.5", "3 652.5", "3\u00a0652.5", "3\u202f652.5", "+3,652.5", "3,652.50"])
def test_numeric_accepts_thousands_separators(fixture_bank, typed):
    """Students write 1,961 or 1 961 (thin or no-break space in French and SI style)."""
    assert grade(Q(fixture_bank, "num-rel"), typed).score == 1.0, typed


@pytest.mark.parametrize("typed", ["3,65", "36,52.5", "3,652 500", "3,,652", ",652", "3,652,5", "1_949", "3, 652"])
def test_numeric_refuses_ambiguous_grouping(fixture_bank, typed):
    """Only groups of exactly three digits with one separator: "3,65" may be a decimal comma, so we refuse it."""
    result = grade(Q(fixture_bank, "num-rel"), typed)
    assert result.status == Status.invalid and "expected a number" in (result.reason or ""), typed


def test_numeric_relative_tolerance(fixture_bank):
    q = Q(fixture_bank, "num-rel")
    assert grade(q, 3652.5 * 1.0099).score == 1.0
    assert grade(q, 3652.5 * 1.0101).score == 0.0
    assert grade(q, 3652.5 * 0.9901).score == 1.0


# matching -------------------------------------------------------------------

def test_matching_partial_per_pair(fixture_bank):
    q = Q(fixture_bank, "match-1")
    assert grade(q, {"p1": "p1", "p2": "p2", "p3": "p3"}).score == 1.0
    assert math.isclose(grade(q, {"p1": "p1", "p2": "p3", "p3": "d1"}).score, 1 / 3)
    assert math.isclose(grade(q, {"p1": "p1"}).score, 1 / 3)  # unanswered pairs earn nothing
    assert grade(q, {"p9": "p1"}).reason == "unknown left item 'p9'"
    assert grade(q, {"p1": "zz"}).reason == "unknown right item 'zz'"
    assert grade(q, ["p1"]).status == Status.invalid


# ordering -------------------------------------------------------------------

def test_ordering_pairs(fixture_bank):
    q = Q(fixture_bank, "order-1")
    assert grade(q, ["i1", "i2", "i3", "i4"]).score == 1.0
    assert grade(q, ["i4", "i3", "i2", "i1"]).score == 0.0
    assert math.isclose(grade(q, ["i2", "i1", "i3", "i4"]).score, 5 / 6)  # one of six pairs swapped
    assert grade(q, ["i1", "i2", "i3"]).reason == "expected every item exactly once (4 items)"
    assert grade(q, ["i1", "i1", "i3", "i4"]).status == Status.invalid


def test_ordering_all_or_nothing(fixture_bank):
    q = Q(fixture_bank, "order-aon")
    assert grade(q, ["detect", "call", "agree"]).score == 1.0
    assert grade(q, ["call", "detect", "agree"]).score == 0.0


# any input ------------------------------------------------------------------

@pytest.mark.parametrize("blank", [None, "", "   ", [], {}])
def test_blank_is_unanswered(fixture_bank, blank):
    for q in fixture_bank.questions:
        r = grade(q, blank)
        assert (r.score, r.status, r.reason) == (0.0, Status.unanswered, "no answer given")


@settings(max_examples=300, deadline=None)
@given(data=json_values)
def test_arbitrary_json_never_raises_and_is_bounded(fixture_bank, data):
    for q in fixture_bank.questions:
        r = grade(q, data)
        assert 0.0 <= r.score <= q.points
        assert r.max_score == q.points
        assert r.correct == (r.score == q.points)
        if r.status != Status.graded:
            assert r.score == 0.0 and r.reason


@settings(max_examples=100, deadline=None)
@given(bank=bank_dicts(), data=st.data())
def test_generated_banks_grade_within_bounds_and_deterministically(bank, data):
    b = Bank.model_validate(bank)
    for q in b.questions:
        response = data.draw(json_values)
        first, second = grade(q, response), grade(q, response)
        assert first == second
        assert 0.0 <= first.score <= q.points


def test_huge_and_nested_input(fixture_bank):
    deep: list = []
    for _ in range(2000):
        deep = [deep]
    for q in fixture_bank.questions:
        for junk in (deep, "y" * 10_000_000, {"a": {"b": [1, {"c": None}]}}, object(), 10**400):
            r = grade(q, junk)
            assert r.score == 0.0 and r.status == Status.invalid
