"""Printed letters <-> bank ids, through a form's manifest entry.

On paper a student circles ``B``, writes ``C`` beside matching item 2, or lists
``D A C B`` for an ordering question. Letter *n* of a question is entry *n* of
its ``option_order`` / ``right_order`` / ``item_order`` in the manifest, the same
convention ``quizlib grade`` uses, so the printed key, the scanned answers and
the grader always agree.
"""

from __future__ import annotations

import re
from typing import Any

from ..manifest import FormQuestion
from ..manifest import printed_letters as letters  # re-exported: the forms' printed labels
from ..models import Matching, MultipleChoice, Numeric, Ordering, QuestionBase, ShortAnswer, SingleChoice, ToleranceMode, TrueFalse




def _letter_map(order: list[str]) -> dict[str, str]:
    return dict(zip(letters(len(order)), order))


def _split_letters(value: Any) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [str(v).strip().upper() for v in value if str(v).strip()]
    text = str(value).strip().upper()
    parts = re.split(r"[\s,;]+", text)
    if len(parts) == 1 and parts[0].isalpha() and len(parts[0]) > 1:
        return list(parts[0])  # "CADB"
    return [p for p in parts if p]


def to_bank_response(question: QuestionBase, fq: FormQuestion, printed: Any) -> Any:
    """Turn an answer given in printed letters into the response shape :func:`quizlib.grading.grade` takes.

    Raises :class:`ValueError` naming the letter that is not on the form.
    """
    if isinstance(question, (SingleChoice, MultipleChoice)):
        table = _letter_map(fq.option_order or [o.id or "" for o in question.options])
        chosen = _split_letters(printed)
        for letter in chosen:
            if letter not in table:
                raise ValueError(f"question {fq.number}: no option {letter} on this form")
        ids = [table[letter] for letter in chosen]
        if isinstance(question, SingleChoice):
            if len(ids) != 1:
                raise ValueError(f"question {fq.number}: expected one letter, got {printed!r}")
            return ids[0]
        return ids
    if isinstance(question, Matching):
        table = _letter_map(fq.right_order or [rid for rid, _ in question.right_choices()])
        if not isinstance(printed, dict):
            raise ValueError(f"question {fq.number}: expected {{item number: letter}}, got {printed!r}")
        out: dict[str, str] = {}
        for number, letter in printed.items():
            k = int(number) - 1
            if not 0 <= k < len(question.pairs):
                raise ValueError(f"question {fq.number}: no item {number} on this form")
            letter = str(letter).strip().upper()
            if letter not in table:
                raise ValueError(f"question {fq.number}: no choice {letter} on this form")
            out[question.pairs[k].id or ""] = table[letter]
        return out
    if isinstance(question, Ordering):
        table = _letter_map(fq.item_order or [i.id or "" for i in question.items])
        chosen = _split_letters(printed)
        for letter in chosen:
            if letter not in table:
                raise ValueError(f"question {fq.number}: no item {letter} on this form")
        return [table[letter] for letter in chosen]
    if isinstance(question, TrueFalse) and isinstance(printed, str):
        word = printed.strip().upper()
        if word in ("T", "TRUE"):
            return True
        if word in ("F", "FALSE"):
            return False
        raise ValueError(f"question {fq.number}: expected T or F, got {printed!r}")
    return printed


def key_response(question: QuestionBase, fq: FormQuestion) -> Any:
    """The full-credit answer in printed letters (what the answer key shows, what a perfect sheet says)."""
    if isinstance(question, (SingleChoice, MultipleChoice)):
        order = fq.option_order or [o.id or "" for o in question.options]
        right = {o.id for o in question.options if o.correct}
        picked = [letter for letter, oid in zip(letters(len(order)), order) if oid in right]
        return picked[0] if isinstance(question, SingleChoice) else picked
    if isinstance(question, Matching):
        order = fq.right_order or [rid for rid, _ in question.right_choices()]
        where = {rid: letter for letter, rid in zip(letters(len(order)), order)}
        return {str(n): where[p.id or ""] for n, p in enumerate(question.pairs, start=1)}
    if isinstance(question, Ordering):
        order = fq.item_order or [i.id or "" for i in question.items]
        where = {iid: letter for letter, iid in zip(letters(len(order)), order)}
        return [where[i.id or ""] for i in question.items]
    if isinstance(question, TrueFalse):
        return question.answer
    if isinstance(question, ShortAnswer):
        return next(a.text for a in question.answers if a.credit == 1.0 and a.text is not None) if any(
            a.credit == 1.0 and a.text is not None for a in question.answers) else None
    if isinstance(question, Numeric):
        return question.answer
    raise TypeError(type(question).__name__)


#: Spellings of a pattern listed in a key before the rest are summarised.
KEY_SPELLINGS = 6


def _fraction(n: int) -> str:
    return "all of it" if n == 1 else f"1/{n}"


def key_text(question: QuestionBase, fq: FormQuestion) -> str:
    """The answer key entry as printed for the instructor who marks the paper by hand.

    Written to be read without the bank: which letters, how many, and how the
    scoring rule treats an incomplete or padded answer; a pattern's accepted
    answers as the texts it accepts, not as a regular expression.
    """
    if isinstance(question, SingleChoice):
        return str(key_response(question, fq))
    if isinstance(question, MultipleChoice):
        picked = key_response(question, fq)
        n = len(picked)
        circled = ", ".join(picked)
        if question.scoring.value == "all_or_nothing":
            return f"{circled}: exactly {'this letter' if n == 1 else f'these {n} letters'} for the mark (all or nothing)"
        return (
            f"{circled}: each of {'it' if n == 1 else f'these {n}'} earns {_fraction(n)} of the mark, "
            f"each other letter circled takes {_fraction(n)} off (never below 0)"
        )
    if isinstance(question, Matching):
        return ", ".join(f"{n} → {letter}" for n, letter in key_response(question, fq).items())
    if isinstance(question, Ordering):
        order = " ".join(key_response(question, fq))
        if question.scoring.value == "all_or_nothing":
            return f"{order} (the whole order for the mark: all or nothing)"
        pairs = len(question.items) * (len(question.items) - 1) // 2
        return f"{order} (each of the {pairs} pairs in the right order earns 1/{pairs})"
    if isinstance(question, TrueFalse):
        return "True" if question.answer else "False"
    if isinstance(question, ShortAnswer):
        parts = []
        for a in question.answers:
            what = a.text if a.text is not None else _pattern_text(a.regex or "")
            parts.append(what if a.credit == 1.0 else f"{what} ({a.credit:.0%} credit)")
        rule = " (case, spacing, punctuation and accents ignored)" if question.normalize else ""
        return "; ".join(parts) + rule
    if isinstance(question, Numeric):
        tol = ""
        if question.tolerance:
            tol = f" ± {question.tolerance:g}" if question.tolerance_mode is ToleranceMode.absolute else f" ± {question.tolerance:.2%}"
        return f"{question.answer:g}{tol}" + (f" {question.unit}" if question.unit else "")
    raise TypeError(type(question).__name__)


def _pattern_text(pattern: str) -> str:
    """A pattern's accepted answers as texts ("joseph nye, joseph s nye ..."), or, when it accepts an open-ended
    set, the pattern itself, said to be one."""
    from ..export._common import expand_pattern  # the exporters' expansion: one definition of "what it accepts"

    texts = expand_pattern(pattern)
    if texts is None:
        return f"any answer matching the pattern {pattern}"
    shown = " / ".join(t for t in texts[:KEY_SPELLINGS])
    more = len(texts) - KEY_SPELLINGS
    return shown + (f" (or {more} more spelling{'s' if more > 1 else ''} of these)" if more > 0 else "")
