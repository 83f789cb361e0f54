"""GIFT text (Moodle's plain-text question format; Question bank > Import > GIFT format).

Each question is ``::id::[html]prompt{answers####explanation}``, preceded by a
``$CATEGORY:`` line per section. Texts are HTML rendered from the banks' Markdown
(the ``[html]`` marker), with GIFT's special characters ``~ = # { } :`` and the
backslash escaped and line breaks written ``\\n`` (a blank line would end the
question). GIFT has no points, no per-question shuffle setting and, before
Moodle 4.4's ordering extension, no ordering type: each is reported per
question. Ordering questions are written as matching questions (item ->
position) by default, which every GIFT reader understands; ``ordering="native"``
writes Moodle 4.4's ``{>N ALL VERTICAL ...}`` syntax instead.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Sequence

from ..models import (
    Bank, Matching, MultipleChoice, MultipleScoring, Numeric, Ordering, OrderingScoring, QuestionBase, ShortAnswer,
    SingleChoice, TrueFalse,
)
from . import _common as c
from .base import Exporter, ExportNote, ExportReport, Notes

_SPECIAL = "~=#{}:"
#: Moodle reads a leading ``%n%`` of an answer as its weight (format.php, $giftanswerweightregex): an answer
#: text that starts so is written after an explicit weight, which Moodle strips first.
_WEIGHT_LIKE = re.compile(r"^%-*[0-9]{1,2}\.?[0-9]*%")


def escape(text: str) -> str:
    """Escape GIFT's special characters; newlines become ``\\n`` so a question stays one block."""
    out = text.replace("\\", "\\\\")
    for ch in _SPECIAL:
        out = out.replace(ch, "\\" + ch)
    return out.replace("\r\n", "\n").replace("\n", "\\n")


class Unwritable(Exception):
    """A question GIFT cannot express at all; it is left out of the file and reported."""


def ordering_item(html: str) -> str:
    """One item of a native ordering question.

    Moodle's ordering import (question/type/ordering/questiontype.php, import_from_gift)
    keeps item lines without undoing GIFT escapes, so ``\\{`` would stay in the item.
    The items are HTML: the characters GIFT needs escaped there (braces end the
    answers, a backslash starts an escape), a leading ``//`` (a comment line) and an
    item ``0`` (dropped as empty) are written as character references.
    """
    out = html.replace("\\", "&#92;").replace("{", "&#123;").replace("}", "&#125;").replace("\n", " ")
    if out.startswith("//"):  # a line starting '//' is a comment to Moodle (format.php, readquestion)
        out = "&#47;" + out[1:]
    if out == "0":  # PHP's array_filter drops an item "0" (questiontype.php)
        out = "&#48;"
    return out


def _fb(text: str | None) -> str:
    return f"#{escape(c.block(text))}" if text else ""


def _weight(percent: float) -> str:
    return f"%{c.fmt_fraction(percent)}%"


class GIFTExporter(Exporter):
    name = "gift"
    label = "GIFT text (Moodle)"
    suffix = ".gift.txt"

    @property
    def ordering_mode(self) -> str:
        return c.ordering_mode(self.options, "matching")

    def block(self, bank: Bank, q: QuestionBase, notes: Notes) -> str:
        if q.points != 1:
            notes.lost(c.note_points("GIFT", q.points), "points")
        head = f"::{escape(q.id)}::[html]{escape(c.prompt_html(q))}"
        general = f"\n####{escape(c.block(q.explanation))}" if q.explanation else ""
        if isinstance(q, (SingleChoice, MultipleChoice)):
            if not q.shuffle:
                notes.changed(c.note_shuffle("GIFT"), "shuffle")
            body = self._choices(q, notes)
        elif isinstance(q, TrueFalse):
            body = self._true_false(q, notes)
        elif isinstance(q, ShortAnswer):
            try:
                body = self._short(q, notes)
            except Unwritable as exc:
                notes.lost(f"question left out of the GIFT file: {exc}", "question")
                return ""
        elif isinstance(q, Numeric):
            body = f"#{c.fmt_number(q.answer)}:{c.fmt_number(c.numeric_margin(q))}"
            c.note_relative_tolerance("GIFT", q, notes)
        elif isinstance(q, Matching):
            if not q.shuffle:
                notes.changed(c.note_shuffle("GIFT"), "shuffle")
            rows = [(c.inline(p.left), p.right) for p in q.pairs] + [("", d) for d in q.distractors]
            if q.distractors:
                notes.changed("distractors written as pairs with an empty left side (Moodle's own GIFT form); "
                              "GIFT readers other than Moodle may reject or drop them")
            body = self._matching(rows, notes, "pairs")
        elif isinstance(q, Ordering) and self.ordering_mode == "native":
            grading = "ALL_OR_NOTHING" if q.scoring is OrderingScoring.all_or_nothing else "RELATIVE_ALL_PREVIOUS_AND_NEXT"
            notes.changed("ordering written in Moodle 4.4's GIFT ordering syntax; older Moodle sites and other "
                          "GIFT readers cannot import it (use ordering='matching')")
            # No newline after the last item: the general feedback starts on the next line, and a blank
            # line would end the question for Moodle (question/format.php, readquestions).
            items = "\n".join(ordering_item(c.inline(i.text)) for i in q.items)
            body = f">{len(q.items)} ALL VERTICAL {grading} SHOW none\n{items}"
        elif isinstance(q, Ordering):
            notes.changed(c.note_ordering_as_matching("GIFT", q), "type")
            positions = c.ordering_positions(q)
            body = self._matching([(c.inline(q.items[k].text), positions[k]) for k in c.ordering_display(bank, q)], notes,
                                  "type")
        else:  # pragma: no cover - the union is closed
            raise TypeError(type(q).__name__)
        tags = "".join(f" [tag:{t}]" for t in c.moodle_tags(q, "GIFT", notes))
        return f"// question: {bank.global_id(q)} [id:{q.id}]{tags}\n{head}{{\n{body}{general}\n}}\n"

    def _true_false(self, q: TrueFalse, notes: Notes) -> str:
        """``{TRUE#…#…}``, read differently by Moodle and by other GIFT readers.

        Moodle (question/format/gift/format.php, split_truefalse_comment) reads
        ``{ANSWER#feedback for the wrong answer#feedback for the right answer}``;
        gift-pegjs reads ``{ANSWER#feedback for True#feedback for False}``. Both agree
        when the answer is FALSE. A TRUE statement with feedback is written as the
        two-option choice ``{=True#… ~False#…}``, which every reader attaches alike.
        """
        fb_true, fb_false = escape(c.block(q.feedback_true)), escape(c.block(q.feedback_false))
        if not q.answer:
            return f"FALSE#{fb_true}#{fb_false}" if (fb_true or fb_false) else "FALSE"
        if not (fb_true or fb_false):
            return "TRUE"
        notes.changed("a true statement with answer feedback is written as a True/False multiple-choice question: "
                      "Moodle and other GIFT readers attach {TRUE#…#…} feedback to opposite answers")
        return f"=True{'#' + fb_true if fb_true else ''}\n~False{'#' + fb_false if fb_false else ''}"

    def _choices(self, q: SingleChoice | MultipleChoice, notes: Notes) -> str:
        lines = []
        if isinstance(q, SingleChoice):
            for o in q.options:
                text = escape(c.inline(o.text))
                mark = "=" if o.correct else ("~%0%" if _WEIGHT_LIKE.match(text) else "~")
                lines.append(mark + text + _fb(o.feedback))
            return "\n".join(lines)
        weights = c.multiple_weights(q)
        if q.scoring is MultipleScoring.all_or_nothing:
            c.note_all_or_nothing_multiple("GIFT", q, notes)
            n = sum(o.correct for o in q.options)
            weights = {o.id or "": (100.0 / n if o.correct else -100.0) for o in q.options}
        for o in q.options:
            wanted = weights[o.id or ""]
            grade = c.moodle_grade(wanted)
            if abs(grade - wanted) > 1e-4:
                notes.changed(f"option '{o.text}' weight {wanted:.4g}% rounded to {grade:g}%, the nearest grade Moodle accepts",
                              "scoring")
            lines.append("~" + _weight(grade) + escape(c.inline(o.text)) + _fb(o.feedback))
        return "\n".join(lines)

    def _short(self, q: ShortAnswer, notes: Notes) -> str:
        lines = []
        if q.normalize:
            notes.changed(c.note_normalize("Moodle (GIFT)", q))
        else:
            notes.changed("GIFT cannot mark a short answer case-sensitive: Moodle will ignore case, quizlib does not",
                          "normalize")
        for a in c.literal_answers(q, "GIFT", notes):
            if "->" in a.text:
                # Moodle takes any '=' ... '->' answer block for a matching question (format.php, readquestion)
                # and GIFT has no escape for '->': the answer cannot be written.
                notes.lost(f"answer '{a.text}' left out: GIFT cannot write '->' in a short answer (Moodle would read "
                           "the question as matching)", "answers")
                continue
            wanted = a.credit * 100
            grade = c.moodle_grade(wanted)
            if abs(grade - wanted) > 1e-4:
                notes.changed(f"answer '{a.text}' credit {wanted:.4g}% rounded to {grade:g}%, the nearest grade Moodle accepts",
                              "answers")
            text = escape(a.text.replace("*", "\\*"))
            weight = "" if grade == 100 and not _WEIGHT_LIKE.match(text) else _weight(grade)
            lines.append("=" + weight + text + _fb(a.feedback))
        if not any(line.startswith("=") and not line.startswith("=%") for line in lines):
            raise Unwritable("no fully right answer can be written in GIFT")
        return "\n".join(lines)

    def _matching(self, rows: list[tuple[str, str]], notes: Notes, field: str) -> str:
        lines = []
        for left, right in rows:
            shown, lost_format = c.plain(right)
            if lost_format:
                notes.changed(c.note_formatting("GIFT", f"matching choice '{shown}'"), field if left else "distractors")
            lines.append(f"={escape(left)} -> {escape(shown)}")
        return "\n".join(lines)

    # -- files -----------------------------------------------------------------------------

    def question_text(self, bank: Bank, question: QuestionBase) -> tuple[str, list[ExportNote]]:
        sink: list[ExportNote] = []
        return self.block(bank, question, Notes(self.name, bank.global_id(question), sink)), sink

    def text(self, banks: Sequence[Bank], notes: list[ExportNote]) -> str:
        root = str(self.options.get("category") or self.title)
        parts = [f"// {escape(self.title)}: exported by quizlib. Import: Question bank > Import > GIFT format.\n"]
        for bank in self.ordered(banks):
            parts.append(f"$CATEGORY: {c.category_path(root, c.chapter_of(bank), c.section_name(bank))}\n")
            for q in bank.questions:
                block = self.block(bank, q, Notes(self.name, bank.global_id(q), notes))
                if block:
                    parts.append(block)
        return "\n".join(parts)

    def write(self, banks: Sequence[Bank], path: Path) -> ExportReport:
        report = ExportReport(self.name, path, sum(len(b.questions) for b in banks), len(banks))
        text = self.text(banks, report.notes)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return report
