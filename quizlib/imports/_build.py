"""Moodle's question types to the bank format, shared by the Moodle XML and GIFT importers.

Both formats describe the same Moodle questions (answers with fractions, feedback per
answer, a general feedback); only their syntax differs. Each importer parses its syntax
into the arguments below, and these functions decide what the bank question is and note
what Moodle does that quizlib does not. They raise :class:`Skip` for a question the bank
format cannot express at all, with the reason.

Fractions are Moodle's: 1.0 is full credit, -0.5 costs half the mark.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from ..export._common import META_TAGS, positions
from ..models import PLACEHOLDER, Difficulty
from ..normalize import normalize_text
from ._text import as_id, literal_markdown, slug
from .base import QuestionNotes, Skip

#: Fractions closer than this are the same (Moodle stores 7 decimals: 33.33333%).
EPS = 1e-4


@dataclass
class Answer:
    text: str
    """Markdown (choices, items) or the literal text (short answers, numbers)."""
    fraction: float
    feedback: str = ""
    """Markdown."""


def _close(a: float, b: float) -> bool:
    return abs(a - b) < EPS


def choice_question(options: list[Answer], single: bool, notes: QuestionNotes) -> dict[str, Any]:
    """A Moodle multichoice as ``single``, ``multiple`` or (two options True/False) ``true_false``."""
    if len(options) < 2:
        raise Skip("a multiple-choice question needs at least two options")
    if single:
        right = [o for o in options if _close(o.fraction, 1)]
        if len(right) != 1:
            raise Skip(f"{len(right)} options give full credit; a single-answer question has exactly one")
        for o in options:
            if not _close(o.fraction, 0) and o is not right[0]:
                notes.lost(f"option '{o.text}' gives {o.fraction:.0%} in Moodle; quizlib gives a wrong option nothing")
        words = {o.text.strip().lower(): o for o in options}
        if len(options) == 2 and set(words) == {"true", "false"}:
            return {"type": "true_false", "answer": words["true"] is right[0],
                    **({"feedback_true": words["true"].feedback} if words["true"].feedback else {}),
                    **({"feedback_false": words["false"].feedback} if words["false"].feedback else {})}
        return {"type": "single", "options": [_option(o, o is right[0]) for o in options]}
    right = [o for o in options if o.fraction > EPS]
    if not right:
        raise Skip("no option gives credit")
    n = len(right)
    if any(not _close(o.fraction, 1 / n) for o in right):
        notes.changed("right options carry different weights in Moodle ("
                      + ", ".join(f"{o.fraction:.0%}" for o in right) + "); quizlib gives each an equal share")
    wrong = [o.fraction for o in options if o.fraction <= EPS]
    scoring = "partial"
    if wrong and all(_close(f, -1) for f in wrong) and n > 1:  # with one right option both rules agree
        scoring = "all_or_nothing"
        notes.changed("a wrong option cancels the whole mark in Moodle, as in quizlib's all-or-nothing scoring; "
                      "but Moodle gives an incomplete selection without wrong options partial credit")
    elif any(not _close(f, -1 / n) for f in wrong):
        notes.changed("wrong options cost " + ", ".join(f"{f:.0%}" for f in wrong) + " in Moodle; quizlib's "
                      f"net-correct rule makes each wrong option cancel one right option ({-1 / n:.0%})")
    out: dict[str, Any] = {"type": "multiple", "options": [_option(o, o.fraction > EPS) for o in options]}
    if scoring != "partial":
        out["scoring"] = scoring
    return out


def _option(o: Answer, correct: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"text": o.text}
    if correct:
        out["correct"] = True
    if o.feedback:
        out["feedback"] = o.feedback
    return out


def _wildcard_regex(text: str, normalize: bool) -> str:
    """A Moodle short answer with '*' wildcards as a quizlib pattern (matched after normalisation)."""
    pieces = re.split(r"(?<!\\)\*", text)
    out = []
    for piece in pieces:
        piece = piece.replace("\\*", "*")
        if normalize:
            core = normalize_text(piece)
            piece = (" " if piece[:1].isspace() else "") + core + (" " if core and piece[-1:].isspace() else "")
        out.append(re.escape(piece).replace("\\ ", " "))  # a space needs no escape; keep patterns readable
    return ".*".join(out)


def short_question(answers: list[Answer], case_sensitive: bool, notes: QuestionNotes) -> dict[str, Any]:
    """A Moodle shortanswer: '*' is a wildcard, '\\*' a literal star; usecase 1 compares case."""
    normalize = not case_sensitive
    accepted: list[dict[str, Any]] = []
    for a in answers:
        text = a.text.strip()
        if not text:
            continue
        if text == "*":
            notes.lost("the catch-all answer '*' (feedback for any other answer) is not carried: quizlib has none"
                       + (f" ({a.fraction:.0%} credit)" if a.fraction else ""))
            continue
        if a.fraction < -EPS or a.fraction > 1 + EPS:
            raise Skip(f"answer '{text}' gives {a.fraction:.0%}; short answers give 0 to 100%")
        entry: dict[str, Any]
        if re.search(r"(?<!\\)\*", text):
            entry = {"regex": _wildcard_regex(text, normalize)}
        else:
            entry = {"text": text.replace("\\*", "*")}
        credit = round(min(1.0, max(0.0, a.fraction)), 7)
        if credit != 1:
            entry["credit"] = credit
        if a.feedback:
            entry["feedback"] = a.feedback
        accepted.append(entry)
    if not any(e.get("credit", 1) == 1 for e in accepted):
        raise Skip("no answer gives full credit")
    if normalize:
        notes.changed("Moodle ignores case only; quizlib also ignores punctuation, spacing and accents, so it "
                      "accepts a few more spellings")
    out: dict[str, Any] = {"type": "short", "answers": accepted}
    if not normalize:
        out["normalize"] = False
    return out


def numeric_question(answers: list[tuple[str, str, float, str]], unit: str | None,
                     notes: QuestionNotes) -> dict[str, Any]:
    """A Moodle numerical from (answer, tolerance, fraction, feedback) rows: the full-credit row is kept."""
    full = [r for r in answers if _close(r[2], 1) and r[0].strip() != "*"]
    if not full:
        raise Skip("no numeric answer gives full credit")
    value, tolerance, _, feedback = full[0]
    try:
        number, margin = float(value), abs(float(tolerance or 0))
    except ValueError:
        raise Skip(f"answer '{value}' (tolerance '{tolerance}') is not a number") from None
    for r in answers:
        if r is full[0]:
            continue
        what = "the catch-all answer '*'" if r[0].strip() == "*" else f"answer {r[0]} ± {r[1] or 0} ({r[2]:.0%})"
        notes.lost(f"{what} not carried: a quizlib numeric question has one answer and tolerance")
    if feedback:
        notes.lost("the right answer's feedback is not carried: quizlib numeric answers have no feedback "
                   "(the explanation is shown instead)")
    out: dict[str, Any] = {"type": "numeric", "answer": _number(number)}
    if margin:
        out["tolerance"] = _number(margin)
    if unit:
        out["unit"] = unit
    return out


def _number(x: float) -> float | int:
    """An integral value as an int, so the YAML reads ``1949``, not ``1949.0``."""
    return int(x) if x.is_integer() and abs(x) < 1e15 else x


def matching_question(rows: list[tuple[str, str]], shuffle: bool, notes: QuestionNotes) -> dict[str, Any]:
    """A Moodle match from (left Markdown, right plain text) rows; an empty left is a distractor.

    A matching question whose choices are quizlib's own "Position 1 (first)" ... labels is
    an ordering question an export wrote as matching, and becomes one again.
    """
    pairs = [(left, right) for left, right in rows if left.strip()]
    distractors = [right for left, right in rows if not left.strip() and right.strip()]
    if len(pairs) < 2:
        raise Skip("a matching question needs at least two items with text")
    rights = [right for _, right in pairs]
    if len(set(r.strip().casefold() for r in rights + distractors)) != len(rights) + len(distractors):
        raise Skip("two items share one answer; quizlib matches each item to its own answer")
    labels = positions(len(pairs))
    if not distractors and sorted(rights) == sorted(labels):
        ordered = sorted(pairs, key=lambda p: labels.index(p[1]))
        notes.changed("a matching question of items to 'Position n' is read back as the ordering question an export "
                      "wrote it from; its scoring (pairs or all-or-nothing) cannot be told apart, pairs assumed")
        return {"type": "ordering", "items": [left for left, _ in ordered]}
    out: dict[str, Any] = {"type": "matching", "pairs": [{"left": left, "right": literal_markdown(right)} for left, right in pairs]}
    if distractors:
        out["distractors"] = [literal_markdown(d) for d in distractors]
    if not shuffle:
        out["shuffle"] = False
    return out


_GRADING = {"ALL_OR_NOTHING": "all_or_nothing", "RELATIVE_ALL_PREVIOUS_AND_NEXT": "pairs"}


def ordering_question(items: list[str], grading: str, select_all: bool, notes: QuestionNotes) -> dict[str, Any]:
    if len(items) < 2:
        raise Skip("an ordering question needs at least two items")
    scoring = _GRADING.get(grading.upper())
    if scoring is None:
        scoring = "pairs"
        notes.changed(f"Moodle's grading '{grading or 'default'}' becomes quizlib's pairs scoring (each correctly "
                      "ordered pair, Moodle's RELATIVE_ALL_PREVIOUS_AND_NEXT)")
    if not select_all:
        notes.changed("Moodle shows a selection of the items; quizlib shows them all")
    out: dict[str, Any] = {"type": "ordering", "items": items}
    if scoring != "pairs":
        out["scoring"] = scoring
    return out


_UNIT = re.compile(r"\s*<p><em>Give your answer in (.+?)\.</em></p>\s*$", re.S)


def split_unit(prompt_html: str) -> tuple[str, str | None]:
    """quizlib's exports state a numeric question's unit as a last paragraph: read it back."""
    m = _UNIT.search(prompt_html)
    if not m:
        return prompt_html, None
    return prompt_html[:m.start()], html.unescape(m.group(1))


def finish(question: dict[str, Any], *, name: str, idnumber: str | None, prompt: str, explanation: str,
           tags: list[str], points: float | None, notes: QuestionNotes) -> dict[str, Any]:
    """The fields every question has, in the bank's usual key order.

    Moodle has no difficulty, objective or source; quizlib's exports carry them as tags
    (``difficulty:medium`` ...), read back here. Where the source has none, a placeholder
    stays, which ``quizlib validate`` stops at until an author writes the value.
    """
    meta: dict[str, str] = {}
    other: list[str] = []
    for tag in tags:
        key, sep, value = tag.partition(":")
        if sep and key in META_TAGS and value.strip():
            meta[key] = value.strip()
        elif tag.strip():
            clean = as_id(tag)
            if clean != tag.strip():
                notes.changed(f"tag '{tag}' written as '{clean}' (tags are ids)")
            other.append(clean)
    if meta.get("difficulty") not in {d.value for d in Difficulty}:
        meta.pop("difficulty", None)
    if not prompt.strip():
        raise Skip("the question has no text")
    qid = idnumber if idnumber and as_id(idnumber) == idnumber else slug(name, 80)
    out: dict[str, Any] = {"id": qid, "type": question.pop("type")}
    out["difficulty"] = meta.get("difficulty", PLACEHOLDER)
    out["objective"] = meta.get("objective", PLACEHOLDER)
    out["source"] = meta.get("source", PLACEHOLDER)
    if points is not None and not _close(points, 1):
        out["points"] = _number(points)
    out["prompt"] = prompt
    out.update(question)
    out["explanation"] = explanation or PLACEHOLDER
    if other:
        out["tags"] = list(dict.fromkeys(other))
    return out
