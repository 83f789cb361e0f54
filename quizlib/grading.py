"""Grade one response to one question.

``grade(question, response)`` is a pure function: the same question and response
give the same result on any machine, and *any* input, however malformed, yields a
result (score 0 with a reason) instead of an exception. Parsing a raw response
into the shape a type expects is kept apart from scoring it, as PrairieLearn
does, so the reasons for rejecting input are stated in one place.

Response shapes (what a student submits, by question type):

==============  ==========================================================
single          option id, e.g. ``"b"``
multiple        list of option ids, e.g. ``["a", "c"]``
true_false      ``true`` / ``false`` (or the strings "true"/"false")
short           text
numeric         a number (or a string holding one)
matching        mapping of pair id to chosen right id, ``{"p1": "p2"}``
ordering        list of item ids in the student's order
==============  ==========================================================

The same rules are implemented in ``static/quizlib.js`` for the in-page quizzes;
``tests/test_e2e_grading_parity.py`` checks both give identical scores.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache
from typing import Any, Callable

from .models import (
    AcceptedAnswer,
    Matching,
    MultipleChoice,
    MultipleScoring,
    Numeric,
    Ordering,
    OrderingScoring,
    QuestionBase,
    ShortAnswer,
    SingleChoice,
    ToleranceMode,
    TrueFalse,
)
from .normalize import MAX_ANSWER_CHARS, normalize_text


class Status(str, Enum):
    graded = "graded"
    unanswered = "unanswered"
    invalid = "invalid"


@dataclass(frozen=True, slots=True)
class GradeResult:
    """The outcome of grading one response (kept apart from the question definition)."""

    question_id: str
    score: float
    """Points earned, always within [0, max_score]."""
    max_score: float
    fraction: float
    """score / max_score, in [0, 1]."""
    correct: bool
    """True only for full credit."""
    status: Status
    reason: str | None = None
    """Why an unanswered or invalid response scored 0, in words a student understands."""
    feedback: tuple[str, ...] = field(default_factory=tuple)
    """Author feedback for what the student chose (per option, per accepted answer, per side)."""
    explanation: str = ""


class InvalidResponse(Exception):
    """Raised by parsers; turned into a 0-score result with the message as reason."""


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _parse_choice(question: SingleChoice | MultipleChoice, value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidResponse(f"expected an option id, got {_describe(value)}")
    ids = {o.id for o in question.options}
    if value not in ids:
        raise InvalidResponse(f"unknown option {_describe(value)}")
    return value


def _parse_id_list(value: Any, known: set[str], what: str) -> list[str]:
    if not isinstance(value, (list, tuple)):
        raise InvalidResponse(f"expected a list of {what} ids, got {_describe(value)}")
    out = []
    for item in value:
        if not isinstance(item, str):
            raise InvalidResponse(f"expected {what} ids, got {_describe(item)}")
        if item not in known:
            raise InvalidResponse(f"unknown {what} {_describe(item)}")
        out.append(item)
    return out


def _grade_single(q: SingleChoice, value: Any) -> tuple[float, tuple[str, ...]]:
    chosen = _parse_choice(q, value)
    option = next(o for o in q.options if o.id == chosen)
    return (1.0 if option.correct else 0.0), ((option.feedback,) if option.feedback else ())


def _grade_multiple(q: MultipleChoice, value: Any) -> tuple[float, tuple[str, ...]]:
    chosen = set(_parse_id_list(value, {o.id for o in q.options if o.id}, "option"))
    n_correct = sum(o.correct for o in q.options)
    right = sum(1 for o in q.options if o.correct and o.id in chosen)
    wrong = sum(1 for o in q.options if not o.correct and o.id in chosen)
    if q.scoring is MultipleScoring.all_or_nothing:
        fraction = 1.0 if right == n_correct and wrong == 0 else 0.0
    else:
        fraction = max(0.0, (right - wrong) / n_correct)
    feedback = tuple(o.feedback for o in q.options if o.id in chosen and o.feedback)
    return fraction, feedback


_TRUE_WORDS = {"true": True, "false": False}


def _grade_true_false(q: TrueFalse, value: Any) -> tuple[float, tuple[str, ...]]:
    if isinstance(value, str) and value.strip(WHITESPACE).lower() in _TRUE_WORDS:
        value = _TRUE_WORDS[value.strip(WHITESPACE).lower()]
    if not isinstance(value, bool):
        raise InvalidResponse(f"expected true or false, got {_describe(value)}")
    fb = q.feedback_true if value else q.feedback_false
    return (1.0 if value == q.answer else 0.0), ((fb,) if fb else ())


@lru_cache(maxsize=4096)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def _prepared(q: ShortAnswer, value: str) -> str:
    return normalize_text(value) if q.normalize else value.strip(WHITESPACE)


def _accepts(q: ShortAnswer, answer: AcceptedAnswer, given: str) -> bool:
    if answer.text is not None:
        return given == _prepared(q, answer.text)
    return _compiled(answer.regex or "").fullmatch(given) is not None


def short_answer_accepts(q: ShortAnswer, answer: AcceptedAnswer, value: str) -> bool:
    """Whether ``answer`` (one of ``q.answers``) matches the typed ``value``, by the rule grading applies.

    Exporters use it to keep only the spelled-out texts of a pattern that quizlib itself accepts.
    """
    return _accepts(q, answer, _prepared(q, value))


def _grade_short(q: ShortAnswer, value: Any) -> tuple[float, tuple[str, ...]]:
    if not isinstance(value, str):
        raise InvalidResponse(f"expected text, got {_describe(value)}")
    if len(value) > MAX_ANSWER_CHARS:
        raise InvalidResponse(f"answer longer than {MAX_ANSWER_CHARS} characters")
    given = _prepared(q, value)
    best: float | None = None
    feedback: tuple[str, ...] = ()
    for answer in q.answers:
        hit = _accepts(q, answer, given)
        if hit and (best is None or answer.credit > best):
            best = answer.credit
            feedback = (answer.feedback,) if answer.feedback else ()
    return (best or 0.0), feedback


# One decimal syntax for typed numbers, shared with static/quizlib.js: Python's float()
# also takes "1_000", "inf" and non-ASCII digits, which JavaScript's Number() does not.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
# Digits grouped in threes, as students write 1,961 or 1 961 (space, no-break or narrow no-break
# space, the SI and French styles). One separator throughout and groups of exactly three, so
# "3,65" (a decimal comma elsewhere in Europe) stays refused rather than read as 365.
_GROUPED = re.compile(r"[+-]?[0-9]{1,3}([, \u00a0\u202f])[0-9]{3}(?:\1[0-9]{3})*(?:\.[0-9]*)?")
#: Whitespace trimmed from typed answers; ASCII only, so both graders agree exactly.
WHITESPACE = " \t\n\r\f\v"


def _parse_number(value: Any) -> float:
    if isinstance(value, bool):
        raise InvalidResponse(f"expected a number, got {_describe(value)}")
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str) and len(value) <= 64 and _NUMBER.fullmatch(value.strip(WHITESPACE)):
        number = float(value.strip(WHITESPACE))
    elif isinstance(value, str) and len(value) <= 64 and (grouped := _GROUPED.fullmatch(value.strip(WHITESPACE))):
        number = float(value.strip(WHITESPACE).replace(grouped.group(1), ""))
    else:
        raise InvalidResponse(f"expected a number, got {_describe(value)}")
    if not math.isfinite(number):
        raise InvalidResponse("expected a finite number")
    return number


def _grade_numeric(q: Numeric, value: Any) -> tuple[float, tuple[str, ...]]:
    number = _parse_number(value)
    allowed = q.tolerance if q.tolerance_mode is ToleranceMode.absolute else q.tolerance * abs(q.answer)
    return (1.0 if abs(number - q.answer) <= allowed else 0.0), ()


def _grade_matching(q: Matching, value: Any) -> tuple[float, tuple[str, ...]]:
    if not isinstance(value, dict):
        raise InvalidResponse(f"expected a mapping of left ids to right ids, got {_describe(value)}")
    lefts = {p.id for p in q.pairs}
    rights = {rid for rid, _ in q.right_choices()}
    for left, right in value.items():
        if left not in lefts:
            raise InvalidResponse(f"unknown left item {_describe(left)}")
        if right is not None and (not isinstance(right, str) or right not in rights):
            raise InvalidResponse(f"unknown right item {_describe(right)}")
    correct = sum(1 for p in q.pairs if value.get(p.id) == p.id)
    return correct / len(q.pairs), ()


def _grade_ordering(q: Ordering, value: Any) -> tuple[float, tuple[str, ...]]:
    key = [i.id for i in q.items]
    order = _parse_id_list(value, set(key), "item")
    if len(order) != len(key) or set(order) != set(key):
        raise InvalidResponse(f"expected every item exactly once ({len(key)} items)")
    if q.scoring is OrderingScoring.all_or_nothing:
        return (1.0 if order == key else 0.0), ()
    position = {item: i for i, item in enumerate(order)}
    n = len(key)
    concordant = sum(1 for i in range(n) for j in range(i + 1, n) if position[key[i]] < position[key[j]])
    return concordant / (n * (n - 1) // 2), ()


_GRADERS: dict[type, Callable[[Any, Any], tuple[float, tuple[str, ...]]]] = {
    SingleChoice: _grade_single,
    MultipleChoice: _grade_multiple,
    TrueFalse: _grade_true_false,
    ShortAnswer: _grade_short,
    Numeric: _grade_numeric,
    Matching: _grade_matching,
    Ordering: _grade_ordering,
}


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip(WHITESPACE)) or (
        isinstance(value, (list, tuple, dict)) and not value
    )


def grade(question: QuestionBase, response: Any) -> GradeResult:
    """Score ``response`` against ``question``; never raises for any response."""
    points = question.points

    def result(fraction: float, status: Status, reason: str | None = None, feedback: tuple[str, ...] = ()) -> GradeResult:
        fraction = min(1.0, max(0.0, fraction))
        return GradeResult(
            question_id=question.id,
            score=fraction * points,
            max_score=points,
            fraction=fraction,
            correct=fraction == 1.0,
            status=status,
            reason=reason,
            feedback=feedback,
            explanation=question.explanation,
        )

    if _is_blank(response):
        return result(0.0, Status.unanswered, "no answer given")
    try:
        fraction, feedback = _GRADERS[type(question)](question, response)
    except InvalidResponse as exc:
        return result(0.0, Status.invalid, str(exc))
    except (TypeError, ValueError, RecursionError, OverflowError) as exc:  # defensive: odd objects
        return result(0.0, Status.invalid, f"unreadable answer ({type(exc).__name__})")
    return result(fraction, Status.graded, None, feedback)
