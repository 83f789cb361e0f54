"""A question compiled once into a memoised grader, so a class of 100,000 costs a dict lookup per answer.

Real classes give few distinct answers per question (a handful of option ids,
a few dozen spellings of a short answer), so the result of
:func:`quizlib.grading.grade` for each distinct answer is computed once and
looked up afterwards. Results are *identical* to ``grade()`` by construction:
every miss calls ``grade()`` itself. What needs care is the memo key, since
Python equates values that ``grade()`` treats differently (``True == 1 == 1.0``,
``0.0 == -0.0``, dict order shows in a reason): :func:`answer_key` keeps them
apart. ``tests/test_grade_compiled.py`` checks the whole path against
``grade()`` on generated banks and arbitrary JSON answers.
"""

from __future__ import annotations

import json
from typing import Any

from ..grading import GradeResult, Status, grade
from ..models import MultipleChoice, QuestionBase, ShortAnswer, SingleChoice, TrueFalse
from ..normalize import MAX_ANSWER_CHARS, normalize_text

#: Distinct answers remembered per question; past this, answers are still graded, just not stored,
#: so memory stays bounded even when every student types something different.
MEMO_LIMIT = 4096

#: The choice code of a question left blank (see :meth:`CompiledQuestion._code`).
UNANSWERED = -2

_TRUE = ("b", True)
_FALSE = ("b", False)
_NONE = ("n",)


def answer_key(value: Any) -> Any:
    """A hashable key that two answers share only if ``grade()`` treats them identically.

    Strings are their own key (the common case, kept free); other values are
    tagged tuples. ``None`` means "do not memoise" (an exotic object).
    """
    t = type(value)
    if t is str:
        return value
    if t is bool:
        return _TRUE if value else _FALSE
    if t is int:
        return ("i", value)
    if t is float:
        return ("f", repr(value))  # keeps -0.0 and nan distinct and hashable
    if value is None:
        return _NONE
    if t is list:
        return ("l", *map(answer_key, value))
    if t is dict:
        return ("d", *((k, answer_key(v)) for k, v in value.items()))
    raise _Unkeyable


class _Unkeyable(Exception):
    pass


def safe_key(value: Any) -> Any:
    try:
        return answer_key(value)
    except (_Unkeyable, RecursionError, TypeError):  # TypeError: a non-str dict key
        return None


def exact_number(x: float) -> str:
    """A score as machine files carry it: every digit of the float64, so the cell reads back as the very
    value that was computed (``repr``'s shortest round-trip form), and whole numbers without ``.0``."""
    if x != x:
        return ""
    if float(x).is_integer():
        return str(int(x))
    return repr(float(x))


def display_number(x: float, digits: int = 2) -> str:
    """A score as people read it: 2, 0.5, 16.67 (rounded to ``digits`` decimals, trailing zeros dropped).

    Only for reports, feedback and the terminal; machine files use :func:`exact_number`.
    """
    text = f"{x:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def answer_text(value: Any) -> str:
    """The answer as the per-response CSV shows it: text as given, anything else as JSON."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        return repr(value)


class SlotTable:
    """Interns (fraction, choice code) pairs as small ints, so a student's row is stored as one int per item.

    Distinct pairs are few (a question has a handful of possible fractions and
    choices), so the table stays tiny however many students there are; slot 0
    means "not given this item".
    """

    def __init__(self) -> None:
        self.index: dict[tuple[float, int], int] = {}
        self.fraction: list[float] = [float("nan")]
        self.code: list[int] = [-1]

    def slot(self, fraction: float, code: int) -> int:
        key = (fraction, code)
        s = self.index.get(key)
        if s is None:
            s = self.index[key] = len(self.fraction)
            self.fraction.append(fraction)
            self.code.append(code)
        return s


class Outcome:
    """One graded answer: what the class stores (its slot) and what reports need (result, answer text)."""

    __slots__ = ("fraction", "code", "slot", "result", "text", "cells")

    def __init__(self, result: GradeResult, code: int, text: str, slots: SlotTable):
        self.fraction = result.fraction
        self.code = code
        self.slot = slots.slot(result.fraction, code)
        self.result = result
        self.text = text
        #: points -> the per-response CSV cells (score, max, status, reason, feedback), formatted once.
        self.cells: dict[float, tuple[str, ...]] = {}

    def row_cells(self, points: float) -> tuple[str, ...]:
        cells = self.cells.get(points)
        if cells is None:
            r = self.result
            cells = (
                exact_number(r.fraction * points), exact_number(points), r.status.value, r.reason or "", " | ".join(r.feedback)
            )
            self.cells[points] = cells
        return cells

    @property
    def status(self) -> Status:
        return self.result.status


class CompiledQuestion:
    """A question plus its memo of distinct answers; ``outcome(value)`` equals ``grade(question, value)``."""

    __slots__ = ("question", "memo", "norm_memo", "options", "unanswered", "kind", "slots")

    def __init__(self, question: QuestionBase, slots: SlotTable | None = None):
        self.question = question
        self.slots = slots if slots is not None else SlotTable()
        self.memo: dict[Any, Outcome] = {}
        #: short answers: normalised text -> outcome, so "Malabar!" and "malabar" share one grade() call.
        self.norm_memo: dict[str, GradeResult] | None = {} if isinstance(question, ShortAnswer) else None
        self.kind = question.type  # type: ignore[attr-defined]
        self.options: dict[str, int] = {}
        if isinstance(question, (SingleChoice, MultipleChoice)):
            self.options = {o.id: i for i, o in enumerate(question.options) if o.id}
        self.unanswered = Outcome(grade(question, None), UNANSWERED, "", self.slots)

    def outcome(self, value: Any) -> Outcome:
        """Grade ``value`` (memoised); never raises, like ``grade()``."""
        key = value if type(value) is str else safe_key(value)
        if key is not None:
            hit = self.memo.get(key)
            if hit is not None:
                return hit
        out = self._grade(value)
        if key is not None and len(self.memo) < MEMO_LIMIT:
            self.memo[key] = out
        return out

    def outcome_for_key(self, key: Any, value: Any) -> Outcome:
        """Like :meth:`outcome` when the caller already holds the key (the CSV reader keys by cell)."""
        out = self._grade(value)
        if len(self.memo) < MEMO_LIMIT:
            self.memo[key] = out
        return out

    def _grade(self, value: Any) -> Outcome:
        result = self._result(value)
        return Outcome(result, self._code(value, result), answer_text(value), self.slots)

    def _result(self, value: Any) -> GradeResult:
        norm = self.norm_memo
        if norm is not None and type(value) is str and value.strip() and len(value) <= MAX_ANSWER_CHARS:
            # For a non-blank string within the length limit, grade() depends only on this form of it.
            q: ShortAnswer = self.question  # type: ignore[assignment]
            given = normalize_text(value) if q.normalize else value.strip()
            hit = norm.get(given)
            if hit is None:
                hit = grade(q, value)
                if len(norm) < MEMO_LIMIT:
                    norm[given] = hit
            return hit
        return grade(self.question, value)

    def _code(self, value: Any, result: GradeResult) -> int:
        """Which option(s) were chosen, for distractor analysis: an index, a bitmask, -1 or -2.

        single: option index; multiple: bit i set when option i was chosen;
        true_false: 1 for true, 0 for false. Only graded answers have a choice code;
        other answers are -1, and a question left blank is :data:`UNANSWERED` (-2),
        because Canvas's figures count only the students who answered.
        """
        if result.status is Status.unanswered:
            return UNANSWERED
        if result.status is not Status.graded:
            return -1
        if self.kind == "single":
            return self.options[value]
        if self.kind == "multiple":
            mask = 0
            for v in value:
                mask |= 1 << self.options[v]
            return mask
        if self.kind == "true_false":
            if isinstance(value, str):
                return 1 if value.strip().lower() == "true" else 0
            return 1 if value else 0
        return -1


def option_labels(question: QuestionBase) -> list[tuple[str, str, bool]]:
    """(option id, text, correct) in code order, for the questions whose choices we analyse."""
    if isinstance(question, (SingleChoice, MultipleChoice)):
        return [(o.id or "", o.text, o.correct) for o in question.options]
    if isinstance(question, TrueFalse):
        return [("false", "False", not question.answer), ("true", "True", question.answer)]
    return []
