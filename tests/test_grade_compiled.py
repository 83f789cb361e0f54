"""The fast path (memoised compiled questions, the JSON Lines hot loop) gives exactly what grade() gives."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizlib.grade.compiled import CompiledQuestion, answer_key
from quizlib.grade.course import Course
from quizlib.grade.readers import GradedRow, read_jsonl
from quizlib.grading import grade
from quizlib.models import Bank

from .strategies import bank_dicts, json_values


@st.composite
def plausible(draw, q):
    """Responses a real class gives (right, wrong, near-miss), mixed with anything JSON can carry."""
    t = q.type
    if t in ("single", "multiple"):
        ids = [o.id for o in q.options] + ["zz", "A", ""]
        one = st.sampled_from(ids)
        return draw(one if t == "single" else st.lists(one, max_size=6))
    if t == "true_false":
        return draw(st.sampled_from([True, False, "true", "FALSE ", " false", 1, 0, 1.0, "yes", None]))
    if t == "short":
        texts = [a.text for a in q.answers if a.text] + ["abbbc", "ABC", "  ", "x" * 1001]
        base = draw(st.sampled_from(texts))
        return draw(st.sampled_from([base, base.upper(), f" {base}!", base.replace(" ", "  ")]))
    if t == "numeric":
        return draw(st.sampled_from([q.answer, str(q.answer), q.answer + q.tolerance, -0.0, 0.0, 0, "nan", True, "1e400"]))
    if t == "matching":
        lefts = [p.id for p in q.pairs] + ["px"]
        rights = [r for r, _ in q.right_choices()] + ["zz", None]
        return draw(st.dictionaries(st.sampled_from(lefts), st.sampled_from(rights), max_size=len(lefts)))
    items = [i.id for i in q.items]
    return draw(st.permutations(items) | st.lists(st.sampled_from(items + ["i99"]), max_size=6))


@st.composite
def bank_and_responses(draw):
    bank = Bank.model_validate(draw(bank_dicts()))
    responses = []
    for q in bank.questions:
        answers = draw(st.lists(plausible(q) | json_values, min_size=1, max_size=12))
        responses.append(answers)
    return bank, responses


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bank_and_responses())
def test_compiled_question_equals_grade(case):
    bank, responses = case
    for q, answers in zip(bank.questions, responses):
        compiled = CompiledQuestion(q)
        # Twice over: the second pass is served from the memo and must still match.
        for value in answers + answers:
            assert compiled.outcome(value).result == grade(q, value)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(bank_and_responses())
def test_jsonl_hot_loop_equals_grade(tmp_path_factory, case):
    """Through the reader: JSON text in, per-place outcomes out, each equal to grade() on the parsed answer."""
    bank, responses = case
    path = tmp_path_factory.mktemp("jsonl") / "r.jsonl"
    n_rows = max(len(a) for a in responses)
    lines, expected = [], []
    for i in range(n_rows):
        answers = {q.id: a[i] for q, a in zip(bank.questions, responses) if i < len(a)}
        try:
            text = json.dumps({"student": f"s{i}", "bank": bank.id, "answers": answers}, allow_nan=True)
        except (ValueError, RecursionError):
            continue
        parsed = json.loads(text)["answers"]
        lines.append(text)
        expected.append([grade(q, parsed[q.id]) if q.id in parsed else grade(q, None) for q in bank.questions])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows = list(read_jsonl(path, Course([bank])))
    assert len(rows) == len(expected)
    for row, want in zip(rows, expected):
        assert isinstance(row, GradedRow)
        assert [o.result for o in row.outcomes] == want


def test_answer_key_keeps_apart_what_grade_tells_apart():
    # Equal in Python, different for grade(): the reason quotes the value as given.
    assert len({answer_key(v) for v in (True, 1, 1.0, "1")}) == 4
    assert answer_key(0.0) != answer_key(-0.0)
    assert answer_key({"p1": "a", "p2": "b"}) != answer_key({"p2": "b", "p1": "a"})
    assert answer_key(["a"]) != answer_key("a") and answer_key([1]) != answer_key([True])


def test_memo_never_confuses_equal_values(fixture_bank):
    q = fixture_bank.question("single-1")
    compiled = CompiledQuestion(q)
    for value in (1, True, 1.0, -0.0, 0.0):
        assert compiled.outcome(value).result == grade(q, value)
    assert compiled.outcome(True).result.reason != compiled.outcome(1).result.reason


def test_short_answers_share_one_grade_call_per_normalised_text(fixture_bank, monkeypatch):
    q = fixture_bank.question("short-1")
    compiled = CompiledQuestion(q)
    calls = []
    import quizlib.grade.compiled as mod

    real = mod.grade
    monkeypatch.setattr(mod, "grade", lambda question, value: calls.append(value) or real(question, value))
    for spelling in ("Malabar", "malabar!", " MALABAR ", "Málabar"):
        assert compiled.outcome(spelling).result == real(q, spelling)
    assert len(calls) == 1


def test_list_answers_that_join_alike_are_kept_apart(fixture_bank, tmp_path):
    """The hot loop keys lists of ids by joining them; an id containing the separator must not collide."""
    lines = [
        {"student": "a", "bank": fixture_bank.id, "answers": {"multi-1": ["a", "b"]}},
        {"student": "b", "bank": fixture_bank.id, "answers": {"multi-1": ["a\x1fb"]}},
        {"student": "c", "bank": fixture_bank.id, "answers": {"multi-1": [""]}},
        {"student": "d", "bank": fixture_bank.id, "answers": {"multi-1": ["a", 1]}},
        {"student": "e", "bank": fixture_bank.id, "answers": {"multi-1": ["a", True]}},
    ]
    path = tmp_path / "r.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    q = fixture_bank.question("multi-1")
    place = [x.id for x in fixture_bank.questions].index("multi-1")
    rows = list(read_jsonl(path, Course([fixture_bank])))
    got = [row.outcomes[place].result for row in rows]
    assert got == [grade(q, x["answers"]["multi-1"]) for x in lines]
    assert got[0].score > 0 and got[1].reason != got[0].reason and got[3].reason != got[4].reason
