"""Blackboard Learn question upload file (tab-delimited text).

Blackboard (Original: Tests, Surveys and Pools > Pools > Upload Questions; Ultra:
Question banks / test > Upload questions from a file) reads one question per line,
fields separated by tabs::

    MC   question  answer  correct|incorrect  answer  correct|incorrect ...
    MA   (same, several correct)
    TF   question  true|false
    FIB  question  answer  answer ...
    NUM  question  answer  tolerance
    MAT  question  item  match  item  match ...
    ORD  question  item  item ...            (items in the correct order)

The format has no feedback, explanations, points or categories, so each of those
is reported per question (upload the file into one pool per exam, or cut it by
section). Texts are HTML (Blackboard renders it); tabs and line breaks inside a text,
which would break the line format, become spaces.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from ..models import (
    Bank, Matching, MultipleChoice, MultipleScoring, Numeric, Ordering, QuestionBase, ShortAnswer, SingleChoice, TrueFalse,
)
from . import _common as c
from .base import Exporter, ExportNote, ExportReport, Notes


def field(text: str) -> str:
    """One tab-separated field: no tab or line break may survive inside it."""
    return " ".join(text.replace("\t", " ").split())


class BlackboardExporter(Exporter):
    name = "blackboard"
    label = "Blackboard upload file (tab-delimited)"
    suffix = ".blackboard.txt"

    def line(self, bank: Bank, q: QuestionBase, notes: Notes) -> str:
        lost = []
        if q.explanation:
            lost.append("the explanation")
        has_feedback = (
            (isinstance(q, (SingleChoice, MultipleChoice)) and any(o.feedback for o in q.options))
            or (isinstance(q, TrueFalse) and (q.feedback_true or q.feedback_false))
            or (isinstance(q, ShortAnswer) and any(a.feedback for a in q.answers))
        )
        if has_feedback:
            lost.append("answer feedback")
        if lost:
            notes.lost(" and ".join(lost) + " not carried: Blackboard's upload format has no feedback fields")
        if q.points != 1:
            notes.lost(c.note_points("Blackboard's upload format", q.points))
        prompt = field(c.prompt_html(q))
        if isinstance(q, SingleChoice):
            parts = ["MC", prompt]
            for o in q.options:
                parts += [field(c.inline(o.text)), "correct" if o.correct else "incorrect"]
        elif isinstance(q, MultipleChoice):
            parts = ["MA", prompt]
            for o in q.options:
                parts += [field(c.inline(o.text)), "correct" if o.correct else "incorrect"]
            if q.scoring is MultipleScoring.partial:
                notes.changed("Blackboard scores multiple-answer questions all-or-nothing unless partial credit is "
                              "switched on for the question, and its partial credit is not quizlib's net-correct rule")
        elif isinstance(q, TrueFalse):
            parts = ["TF", prompt, "true" if q.answer else "false"]
        elif isinstance(q, ShortAnswer):
            parts = ["FIB", prompt]
            for a in c.literal_answers(q, "Blackboard", notes):
                if a.credit < 1:
                    notes.lost(f"answer '{a.text}' ({a.credit:.0%} credit) left out: Blackboard fill-in-the-blank "
                               "answers are all fully right")
                else:
                    parts.append(field(a.text))
            notes.changed(c.note_normalize("Blackboard", q))
        elif isinstance(q, Numeric):
            parts = ["NUM", prompt, c.fmt_number(q.answer), c.fmt_number(c.numeric_margin(q))]
        elif isinstance(q, Matching):
            parts = ["MAT", prompt]
            for p in q.pairs:
                parts += [field(c.inline(p.left)), field(c.inline(p.right))]
            if q.distractors:
                notes.lost(f"{len(q.distractors)} distractor(s) left out: Blackboard's upload format pairs items one to one")
        elif isinstance(q, Ordering):
            parts = ["ORD", prompt] + [field(c.inline(i.text)) for i in q.items]
            if q.scoring.value == "pairs":
                notes.changed("Blackboard scores ordering all-or-nothing, or per item in its exact position when "
                              "partial credit is on; quizlib credits each correctly ordered pair")
        else:  # pragma: no cover - the union is closed
            raise TypeError(type(q).__name__)
        return "\t".join(parts)

    def question_text(self, bank: Bank, question: QuestionBase) -> tuple[str, list[ExportNote]]:
        sink: list[ExportNote] = []
        return self.line(bank, question, Notes(self.name, bank.global_id(question), sink)), sink

    def write(self, banks: Sequence[Bank], path: Path) -> ExportReport:
        banks = self.ordered(banks)
        report = ExportReport(self.name, path, sum(len(b.questions) for b in banks), len(banks))
        lines = [self.line(b, q, Notes(self.name, b.global_id(q), report.notes)) for b in banks for q in b.questions]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return report
