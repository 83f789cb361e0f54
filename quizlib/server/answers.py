"""Check a student's answers (in student-facing ids) and map them to bank ids for grading.

Checking happens at every autosave, so a broken client learns at once which
question it sent badly (422 with the question's id), and nothing unreadable is
ever stored. Error messages name only the student-facing ids and types, never
anything from the key.

Answer shapes, per question type (ids as given by the question's view):

- single: ``"o2"``; multiple: ``["o1", "o3"]``; true_false: ``true``/``false``
- short: text; numeric: a number, or text (graded as a number, e.g. "1949")
- matching: ``{"l1": "r3", "l2": "r1"}``; ordering: ``["s3", "s1", "s2"]`` (every item once)

``null`` (or leaving a question out) means unanswered.
"""

from __future__ import annotations

import math
from typing import Any

from ..manifest import Form, FormQuestion
from ..models import Matching, MultipleChoice, Numeric, Ordering, QuestionBase, ShortAnswer, SingleChoice, TrueFalse
from ..normalize import MAX_ANSWER_CHARS
from .errors import ApiError
from .quizzes import QuizContent
from .student_forms import id_map, question_ref

MAX_NUMBER_TEXT = 64


class _Bad(Exception):
    pass


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _one_of(value: Any, known: dict[str, str], what: str) -> str:
    if not isinstance(value, str):
        raise _Bad(f"expected {what} id (text), got {_type_name(value)}")
    if value not in known:
        shown = value if len(value) <= 20 else value[:17] + "..."
        raise _Bad(f"unknown {what} '{shown}' (expected one of {', '.join(known)})")
    return value


def check_answer(fq: FormQuestion, q: QuestionBase, value: Any) -> Any:
    """Return the (student-facing) answer to store; raise _Bad with a message if malformed."""
    if value is None:
        return None
    ids = id_map(fq, q)
    if isinstance(q, SingleChoice):
        return _one_of(value, ids.options, "option")
    if isinstance(q, MultipleChoice):
        if not isinstance(value, list):
            raise _Bad(f"expected a list of option ids, got {_type_name(value)}")
        chosen = [_one_of(v, ids.options, "option") for v in value]
        if len(set(chosen)) != len(chosen):
            raise _Bad("an option is listed twice")
        return chosen
    if isinstance(q, TrueFalse):
        if not isinstance(value, bool):
            raise _Bad(f"expected true or false, got {_type_name(value)}")
        return value
    if isinstance(q, ShortAnswer):
        if not isinstance(value, str):
            raise _Bad(f"expected text, got {_type_name(value)}")
        if len(value) > MAX_ANSWER_CHARS:
            raise _Bad(f"answer longer than {MAX_ANSWER_CHARS} characters")
        return value
    if isinstance(q, Numeric):
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise _Bad(f"expected a number, got {_type_name(value)}")
        if isinstance(value, float) and not math.isfinite(value):
            raise _Bad("expected a finite number")
        if isinstance(value, str) and len(value) > MAX_NUMBER_TEXT:
            raise _Bad(f"number text longer than {MAX_NUMBER_TEXT} characters")
        return value
    if isinstance(q, Matching):
        if not isinstance(value, dict):
            raise _Bad(f"expected an object mapping left ids to right ids, got {_type_name(value)}")
        out: dict[str, str | None] = {}
        for left, right in value.items():
            _one_of(left, ids.lefts, "left item")
            out[left] = None if right is None else _one_of(right, ids.rights, "right item")
        return out
    if isinstance(q, Ordering):
        if not isinstance(value, list):
            raise _Bad(f"expected a list of item ids, got {_type_name(value)}")
        order = [_one_of(v, ids.items, "item") for v in value]
        if sorted(order) != sorted(ids.items):
            raise _Bad(f"expected every item exactly once ({len(ids.items)} items)")
        return order
    raise _Bad("unsupported question type")  # pragma: no cover - the model has no other types


def check_answers(form: Form, content: QuizContent, answers: dict[str, Any]) -> dict[str, Any]:
    """All answers of one attempt; 422 listing every bad question at once."""
    by_ref = {question_ref(fq.number): fq for fq in form.questions}
    problems: list[dict[str, str]] = []
    clean: dict[str, Any] = {}
    for ref, value in answers.items():
        fq = by_ref.get(ref)
        if fq is None:
            shown = ref if len(ref) <= 20 else ref[:17] + "..."
            problems.append({"question": shown, "message": f"unknown question '{shown}' (this form has q1 to q{len(by_ref)})"})
            continue
        try:
            checked = check_answer(fq, content.questions[fq.qid].question, value)
        except _Bad as exc:
            problems.append({"question": ref, "message": str(exc)})
            continue
        if checked is not None:
            clean[ref] = checked
    if problems:
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise ApiError(422, "invalid_answer", f"{first['question']}: {first['message']}{more}", problems)
    return clean


def to_bank_response(fq: FormQuestion, q: QuestionBase, value: Any) -> Any:
    """A checked student-facing answer in the bank ids :func:`quizlib.grading.grade` expects."""
    if value is None:
        return None
    ids = id_map(fq, q)
    if isinstance(q, SingleChoice):
        return ids.options[value]
    if isinstance(q, MultipleChoice):
        return [ids.options[v] for v in value]
    if isinstance(q, Matching):
        return {ids.lefts[k]: (None if v is None else ids.rights[v]) for k, v in value.items()}
    if isinstance(q, Ordering):
        return [ids.items[v] for v in value]
    return value
