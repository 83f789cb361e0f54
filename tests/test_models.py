"""Every rejection rule of the bank format, with its message."""

from __future__ import annotations

import copy

import pytest
from pydantic import ValidationError

from quizlib.models import Bank, Matching, Ordering, SingleChoice

BASE_Q = {
    "id": "q1",
    "type": "single",
    "prompt": "Pick one",
    "explanation": "Because.",
    "source": "sec-a",
    "objective": "O1",
    "difficulty": "easy",
    "options": [{"text": "A", "correct": True}, {"text": "B"}],
}


def bank(*questions: dict, **over) -> dict:
    data = {
        "schema_version": 1,
        "page": "ch/sec",
        "title": "T",
        "objectives": [{"id": "O1", "text": "Know"}],
        "questions": list(questions) or [copy.deepcopy(BASE_Q)],
    }
    data.update(over)
    return data


def q(**over) -> dict:
    data = copy.deepcopy(BASE_Q)
    data.update(over)
    return {k: v for k, v in data.items() if v is not ...}


def errors_of(data: dict) -> list[tuple[tuple, str]]:
    with pytest.raises(ValidationError) as info:
        Bank.model_validate(data)
    return [(tuple(e["loc"]), e["msg"]) for e in info.value.errors()]


def test_valid_minimal_bank_derives_option_ids():
    b = Bank.model_validate(bank())
    assert [o.id for o in b.questions[0].options] == ["a", "b"]
    assert b.global_id(b.questions[0]) == "ch/sec/q1"


def test_unknown_key_is_rejected():
    (loc, msg), = errors_of(bank(q(explanaton="typo")))
    assert loc[-1] == "explanaton" and "Extra inputs" in msg


def test_unknown_top_level_key_is_rejected():
    (loc, _), = errors_of(bank(titel="x"))
    assert loc == ("titel",)


@pytest.mark.parametrize("flags,count", [((False, False), 0), ((True, True), 2)])
def test_single_needs_exactly_one_correct(flags, count):
    opts = [{"text": "A", "correct": flags[0]}, {"text": "B", "correct": flags[1]}]
    (loc, msg), = errors_of(bank(q(options=opts)))
    assert loc[-1] == "options"
    assert f"exactly one correct option, found {count}" in msg


def test_single_option_count_bounds():
    (_, msg), = errors_of(bank(q(options=[{"text": "A", "correct": True}])))
    assert "at least 2" in msg
    many = [{"text": str(i), "correct": i == 0} for i in range(9)]
    (_, msg), = errors_of(bank(q(options=many)))
    assert "at most 8" in msg


def test_multiple_needs_a_correct_option():
    (_, msg), = errors_of(bank(q(type="multiple", options=[{"text": "A"}, {"text": "B"}])))
    assert "at least one correct option" in msg


def test_duplicate_option_ids_and_texts():
    opts = [{"id": "x", "text": "A", "correct": True}, {"id": "x", "text": "B"}]
    (_, msg), = errors_of(bank(q(options=opts)))
    assert "duplicate option id(s): x" in msg
    opts = [{"text": "Same", "correct": True}, {"text": "same"}]
    (_, msg), = errors_of(bank(q(options=opts)))
    assert "duplicate option text" in msg


def test_explicit_id_colliding_with_derived_id():
    opts = [{"text": "A", "correct": True}, {"id": "a", "text": "B"}]
    (_, msg), = errors_of(bank(q(options=opts)))
    assert "duplicate option id(s): a" in msg


def test_duplicate_question_ids_point_at_second():
    errs = errors_of(bank(q(), q()))
    assert errs == [(("questions", 1, "single", "id"), "duplicate question id 'q1' in this bank")]


def test_undeclared_objective():
    (loc, msg), = errors_of(bank(q(objective="O7")))
    assert loc == ("questions", 0, "single", "objective")
    assert msg == "objective 'O7' is not declared in the bank's objectives (O1)"


def test_duplicate_objective_ids():
    (_, msg), = errors_of(bank(objectives=[{"id": "O1", "text": "a"}, {"id": "O1", "text": "b"}]))
    assert "duplicate objective id(s): O1" in msg


@pytest.mark.parametrize("field", ["prompt", "explanation"])
def test_empty_text_rejected(field):
    (loc, msg), = errors_of(bank(q(**{field: "   "})))
    assert loc[-1] == field and "at least 1 character" in msg


def test_negative_tolerance():
    num = q(type="numeric", answer=1949, tolerance=-1, options=...)
    (loc, msg), = errors_of(bank(num))
    assert loc[-1] == "tolerance" and "greater than or equal to 0" in msg


def test_numeric_rejects_nan_answer():
    num = q(type="numeric", answer=float("nan"), options=...)
    (loc, _), = errors_of(bank(num))
    assert loc[-1] == "answer"


def test_matching_duplicate_lefts():
    m = q(type="matching", options=..., pairs=[{"left": "X", "right": "1"}, {"left": "x", "right": "2"}])
    (loc, msg), = errors_of(bank(m))
    assert loc[-1] == "pairs" and "duplicate left item: x" in msg


def test_matching_distractor_equal_to_a_right():
    m = q(type="matching", options=..., pairs=[{"left": "X", "right": "1"}, {"left": "Y", "right": "2"}], distractors=["2"])
    (_, msg), = errors_of(bank(m))
    assert "duplicate right item or distractor: 2" in msg


def test_ordering_duplicate_items():
    o = q(type="ordering", options=..., items=["a", "b", "A"])
    (_, msg), = errors_of(bank(o))
    assert "duplicate item: a" in msg


def test_short_answer_rules():
    s = q(type="short", options=..., answers=[{"text": "x", "regex": "y"}])
    (_, msg), = errors_of(bank(s))
    assert "exactly one of 'text' or 'regex'" in msg
    s = q(type="short", options=..., answers=[{"regex": "("}])
    errs = errors_of(bank(s))
    assert any("invalid regular expression '('" in m for _, m in errs)
    s = q(type="short", options=..., answers=[{"text": "x", "credit": 0.5}])
    (_, msg), = errors_of(bank(s))
    assert "at least one answer with full credit" in msg
    s = q(type="short", options=..., answers=[{"text": "x", "credit": 1.5}])
    (_, msg), = errors_of(bank(s))
    assert "less than or equal to 1" in msg


def test_bad_difficulty_and_type():
    (loc, msg), = errors_of(bank(q(difficulty="trivial")))
    assert loc[-1] == "difficulty" and "'easy', 'medium' or 'hard'" in msg
    (loc, msg), = errors_of(bank(q(type="sngle")))
    assert "does not match any of the expected tags" in msg


def test_points_must_be_positive():
    (loc, _), = errors_of(bank(q(points=0)))
    assert loc[-1] == "points"


def test_schema_version_required_and_fixed():
    data = bank()
    del data["schema_version"]
    (loc, msg), = errors_of(data)
    assert loc == ("schema_version",) and msg == "Field required"
    (loc, _), = errors_of(bank(schema_version=7))
    assert loc == ("schema_version",)


def test_bad_ids_rejected():
    (loc, msg), = errors_of(bank(q(id="has space")))
    assert loc[-1] == "id" and "pattern" in msg


def test_all_errors_reported_together():
    errs = errors_of(bank(q(objective="O9"), q(id="q2", difficulty="x", options=[{"text": "A"}, {"text": "B"}])))
    assert len(errs) == 3


def test_ids_derived_for_pairs_and_items():
    m = Matching.model_validate(q(type="matching", options=..., pairs=[{"left": "X", "right": "1"}, {"left": "Y", "right": "2"}], distractors=["3"]))
    assert [p.id for p in m.pairs] == ["p1", "p2"]
    assert m.right_choices() == [("p1", "1"), ("p2", "2"), ("d1", "3")]
    o = Ordering.model_validate(q(type="ordering", options=..., items=["x", {"id": "k", "text": "y"}]))
    assert [i.id for i in o.items] == ["i1", "k"]


def test_question_validates_standalone_without_bank_scope():
    s = SingleChoice.model_validate(q(objective="anything"))
    assert s.objective == "anything"
