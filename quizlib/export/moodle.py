"""Moodle XML (Question bank > Import > Moodle XML format).

Categories follow the book: ``$course$/top/<course>/<chapter>/<NN section title>``,
one category question per chapter and per section, so the import rebuilds the
tree. Every type maps to a Moodle question type:

==============  ==========================================================
single          multichoice, single answer
multiple        multichoice, several answers: +100/n per right option and
                -100/n per wrong one, which Moodle sums and clamps to
                [0, 100]: exactly quizlib's net-correct partial credit
true_false      truefalse (feedback per answer)
short           shortanswer, case-insensitive; answer credit as fractions
                (snapped to Moodle's grade list); patterns reported
numeric         numerical; relative tolerance becomes the exact absolute margin
matching        matching; distractors are sub-questions with empty text
ordering        ordering (qtype_ordering: in Moodle core since 4.4, a plugin
                before). quizlib's ``pairs`` scoring is Moodle's
                RELATIVE_ALL_PREVIOUS_AND_NEXT (each correctly ordered pair
                counted from both ends: the same fraction). For older sites
                ``ordering="matching"`` writes item -> position matching
                questions instead (reported per question).
==============  ==========================================================
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Sequence

from ..models import (
    Bank, Matching, MultipleChoice, MultipleScoring, Numeric, Ordering, OrderingScoring, QuestionBase, ShortAnswer,
    SingleChoice, TrueFalse,
)
from . import _common as c
from .base import Exporter, ExportNote, ExportReport, Notes


def _text(parent: ET.Element, tag: str, text: str, fmt: str | None = "html") -> ET.Element:
    el = ET.SubElement(parent, tag, {"format": fmt} if fmt else {})
    ET.SubElement(el, "text").text = text
    return el


def _value(parent: ET.Element, tag: str, text: str) -> ET.Element:
    el = ET.SubElement(parent, tag)
    el.text = text
    return el


def escape_short(text: str) -> str:
    """In a Moodle short answer '*' is a wildcard; a literal one is written '\\*'."""
    return text.replace("*", "\\*")


class MoodleXMLExporter(Exporter):
    name = "moodle"
    label = "Moodle XML"
    suffix = ".moodle.xml"

    @property
    def ordering_mode(self) -> str:
        return c.ordering_mode(self.options, "native")

    def question(self, bank: Bank, q: QuestionBase, notes: Notes) -> ET.Element:
        if isinstance(q, (SingleChoice, MultipleChoice)):
            qtype = "multichoice"
        elif isinstance(q, TrueFalse):
            qtype = "truefalse"
        elif isinstance(q, ShortAnswer):
            qtype = "shortanswer"
        elif isinstance(q, Numeric):
            qtype = "numerical"
        elif isinstance(q, Matching) or (isinstance(q, Ordering) and self.ordering_mode == "matching"):
            qtype = "matching"
        else:
            qtype = "ordering"
        el = ET.Element("question", {"type": qtype})
        ET.SubElement(ET.SubElement(el, "name"), "text").text = q.id
        _text(el, "questiontext", c.prompt_html(q))
        _text(el, "generalfeedback", c.block(q.explanation))
        _value(el, "defaultgrade", c.fmt_number(q.points))
        _value(el, "penalty", "0.3333333")
        _value(el, "hidden", "0")
        _value(el, "idnumber", q.id)
        if isinstance(q, (SingleChoice, MultipleChoice)):
            self._multichoice(el, q, notes)
        elif isinstance(q, TrueFalse):
            for word, value, fb in (("true", True, q.feedback_true), ("false", False, q.feedback_false)):
                ans = ET.SubElement(el, "answer", {"fraction": "100" if q.answer is value else "0", "format": "moodle_auto_format"})
                ET.SubElement(ans, "text").text = word
                _text(ans, "feedback", c.block(fb))
        elif isinstance(q, ShortAnswer):
            self._short(el, q, notes)
        elif isinstance(q, Numeric):
            ans = ET.SubElement(el, "answer", {"fraction": "100", "format": "moodle_auto_format"})
            ET.SubElement(ans, "text").text = c.fmt_number(q.answer)
            _value(ans, "tolerance", c.fmt_number(c.numeric_margin(q)))
            c.note_relative_tolerance("Moodle", q, notes)
            _text(ans, "feedback", "")
            _value(el, "unitgradingtype", "0")
            _value(el, "unitpenalty", "0.1000000")
            _value(el, "showunits", "3")
            _value(el, "unitsleft", "0")
        elif isinstance(q, Matching):
            self._matching(el, q.shuffle, [(p.left, p.right) for p in q.pairs] + [("", d) for d in q.distractors], notes,
                           "pairs")
        elif isinstance(q, Ordering) and self.ordering_mode == "matching":
            notes.changed(c.note_ordering_as_matching("a Moodle site without qtype_ordering (ordering='matching' chosen)", q),
                          "type")
            positions = c.ordering_positions(q)
            order = c.ordering_display(bank, q)
            self._matching(el, True, [(q.items[k].text, positions[k]) for k in order], notes, "type")
        elif isinstance(q, Ordering):
            self._ordering(el, q)
        tags = c.moodle_tags(q, "Moodle", notes)
        if tags:
            holder = ET.SubElement(el, "tags")
            for tag in tags:
                ET.SubElement(ET.SubElement(holder, "tag"), "text").text = tag
        return el

    def _feedback_triplet(self, el: ET.Element) -> None:
        for tag in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
            _text(el, tag, "")

    def _multichoice(self, el: ET.Element, q: SingleChoice | MultipleChoice, notes: Notes) -> None:
        single = isinstance(q, SingleChoice)
        _value(el, "single", "true" if single else "false")
        _value(el, "shuffleanswers", "true" if q.shuffle else "false")
        _value(el, "answernumbering", "abc")
        _value(el, "showstandardinstruction", "0")
        self._feedback_triplet(el)
        if single:
            weights = {o.id or "": (100.0 if o.correct else 0.0) for o in q.options}
        else:
            weights = c.multiple_weights(q)
            if q.scoring is MultipleScoring.all_or_nothing:
                c.note_all_or_nothing_multiple("Moodle's core multichoice (the qtype_multichoiceset plugin would keep it)", q, notes)
                n = sum(o.correct for o in q.options)
                weights = {o.id or "": (100.0 / n if o.correct else -100.0) for o in q.options}
        for o in q.options:
            wanted = weights[o.id or ""]
            grade = c.moodle_grade(wanted)
            if abs(grade - wanted) > 1e-4:
                notes.changed(f"option '{o.text}' weight {wanted:.4g}% rounded to {grade:g}%, the nearest grade Moodle accepts",
                              "scoring")
            ans = ET.SubElement(el, "answer", {"fraction": c.fmt_fraction(grade), "format": "html"})
            ET.SubElement(ans, "text").text = c.inline(o.text)
            _text(ans, "feedback", c.block(o.feedback))

    def _short(self, el: ET.Element, q: ShortAnswer, notes: Notes) -> None:
        _value(el, "usecase", "0" if q.normalize else "1")
        if q.normalize:  # usecase 1 (case-sensitive, trimmed) is exactly quizlib without normalisation
            notes.changed(c.note_normalize("Moodle", q))
        for a in c.literal_answers(q, "Moodle", notes):
            wanted = a.credit * 100
            grade = c.moodle_grade(wanted)
            if abs(grade - wanted) > 1e-4:
                notes.changed(f"answer '{a.text}' credit {wanted:.4g}% rounded to {grade:g}%, the nearest grade Moodle accepts",
                              "answers")
            ans = ET.SubElement(el, "answer", {"fraction": c.fmt_fraction(grade), "format": "moodle_auto_format"})
            ET.SubElement(ans, "text").text = escape_short(a.text)
            _text(ans, "feedback", c.block(a.feedback))

    def _matching(self, el: ET.Element, shuffle: bool, rows: list[tuple[str, str]], notes: Notes, field: str) -> None:
        _value(el, "shuffleanswers", "true" if shuffle else "false")
        self._feedback_triplet(el)
        for left, right in rows:
            sub = _text(el, "subquestion", c.inline(left) if left else "")
            shown, lost_format = c.plain(right)
            if lost_format:
                notes.changed(c.note_formatting("Moodle", f"matching choice '{shown}'"), field if left else "distractors")
            ans = ET.SubElement(sub, "answer")
            ET.SubElement(ans, "text").text = shown

    def _ordering(self, el: ET.Element, q: Ordering) -> None:
        _value(el, "layouttype", "VERTICAL")
        _value(el, "selecttype", "ALL")
        _value(el, "selectcount", str(len(q.items)))
        _value(el, "gradingtype", "ALL_OR_NOTHING" if q.scoring is OrderingScoring.all_or_nothing
               else "RELATIVE_ALL_PREVIOUS_AND_NEXT")
        _value(el, "showgrading", "SHOW")
        _value(el, "numberingstyle", "none")
        self._feedback_triplet(el)
        _value(el, "shownumcorrect", "1")
        for n, item in enumerate(q.items, start=1):
            ans = ET.SubElement(el, "answer", {"fraction": f"{n}.0000000", "format": "html"})
            ET.SubElement(ans, "text").text = c.inline(item.text)

    # -- files ---------------------------------------------------------------------------

    def category(self, path: str, info: str) -> ET.Element:
        el = ET.Element("question", {"type": "category"})
        cat = ET.SubElement(el, "category")
        ET.SubElement(cat, "text").text = path
        _text(el, "info", info)
        return el

    def question_text(self, bank: Bank, question: QuestionBase) -> tuple[str, list[ExportNote]]:
        sink: list[ExportNote] = []
        el = self.question(bank, question, Notes(self.name, bank.global_id(question), sink))
        ET.indent(el, space="  ")
        return ET.tostring(el, encoding="unicode"), sink

    def document(self, banks: Sequence[Bank], notes: list[ExportNote]) -> ET.Element:
        quiz = ET.Element("quiz")
        root = str(self.options.get("category") or self.title)
        seen_chapters: set[str] = set()
        for bank in self.ordered(banks):
            chapter = c.chapter_of(bank)
            if chapter not in seen_chapters:
                seen_chapters.add(chapter)
                quiz.append(self.category(c.category_path(root, chapter), f"<p>Chapter {chapter}</p>"))
            quiz.append(self.category(c.category_path(root, chapter, c.section_name(bank)),
                                      f"<p>{c.section_name(bank)} (<code>{bank.id}</code>)</p>"))
            for q in bank.questions:
                quiz.append(self.question(bank, q, Notes(self.name, bank.global_id(q), notes)))
        return quiz

    def write(self, banks: Sequence[Bank], path: Path) -> ExportReport:
        report = ExportReport(self.name, path, sum(len(b.questions) for b in banks), len(banks))
        quiz = self.document(banks, report.notes)
        ET.indent(quiz, space="  ")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(ET.tostring(quiz, encoding="utf-8", xml_declaration=True) + b"\n")
        return report
