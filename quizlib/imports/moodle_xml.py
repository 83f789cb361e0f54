"""Moodle XML (Question bank > Export > Moodle XML format) into banks.

Read as Moodle's own importer reads it (question/format/xml/format.php): a ``category``
pseudo-question files the questions after it; each text carries its format; answers
carry a ``fraction`` in percent; true/false answers are told apart by their text
``true``/``false``; a matching sub-question with no text is a distractor; an ordering
question's items come in the order of their fractions. Types the banks have no
equivalent for (calculated, cloze/multianswer, essay, drag-and-drop, description, ...)
are reported with their line and skipped.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from xml.parsers import expat

from . import _build as b
from ._text import HTML, MOODLE, PLAIN, plain_text, to_markdown
from .base import ImportedQuestion, Importer, ImportFileError, ImportResult, QuestionNotes, Skip

#: Moodle's text format names in XML (trans_format); wiki_like is read as plain text.
_FORMATS = {"html": HTML, "moodle_auto_format": MOODLE, "markdown": "markdown", "plain_text": PLAIN, "wiki_like": PLAIN}

#: question/format/xml/format.php import_question: 'matching' (what Moodle writes) and 'match' are one type.
SUPPORTED = {"multichoice", "truefalse", "shortanswer", "numerical", "matching", "match", "ordering"}


def parse_with_lines(data: bytes, file: str) -> tuple[ET.Element, dict[ET.Element, int]]:
    """The XML tree, and the line each element starts on (for reports that point at the file)."""
    parser = expat.ParserCreate()
    builder = ET.TreeBuilder()
    lines: dict[ET.Element, int] = {}

    def start(tag: str, attrs: dict[str, str]) -> None:
        lines[builder.start(tag, attrs)] = parser.CurrentLineNumber

    parser.StartElementHandler = start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    parser.buffer_text = True
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise ImportFileError(file, exc.lineno, f"not well-formed XML: {expat.errors.messages[exc.code]}") from None
    return builder.close(), lines


def _text(el: ET.Element | None, tag: str = "text") -> str:
    if el is None:
        return ""
    found = el.find(tag)
    return (found.text or "").strip() if found is not None else ""


def _fmt(el: ET.Element | None, default: str) -> str:
    return _FORMATS.get((el.get("format") or "").strip(), default) if el is not None else default


def category_path(text: str) -> tuple[str, ...]:
    """``$course$/top/A/B//C`` -> ("A", "B/C"): '/' separates, '//' is a slash in a name."""
    parts = [p.replace("\x00", "/") for p in text.replace("//", "\x00").split("/")]
    parts = [p.strip() for p in parts if p.strip()]
    if parts and parts[0].startswith("$") and parts[0].endswith("$"):
        parts = parts[1:]
    if parts and parts[0] == "top":
        parts = parts[1:]
    return tuple(parts)


class MoodleXMLImporter(Importer):
    name = "moodle-xml"
    label = "Moodle XML"

    def read(self, path: Path) -> ImportResult:
        file = str(path)
        root, lines = parse_with_lines(path.read_bytes(), file)
        if root.tag != "quiz":
            raise ImportFileError(file, lines.get(root, 1), f"not a Moodle XML question file (root <{root.tag}>, not <quiz>)")
        result = ImportResult()
        category: tuple[str, ...] = ()
        for n, el in enumerate(root.findall("question"), start=1):
            qtype = el.get("type", "")
            line = lines.get(el, 1)
            if qtype == "category":
                category = category_path(_text(el.find("category")))
                continue
            name = _text(el.find("name")) or f"question {n}"
            notes = QuestionNotes(file, line, name, result.notes)
            if qtype not in SUPPORTED:
                notes.skipped(f"Moodle question type '{qtype}' has no quizlib equivalent")
                continue
            try:
                data = self.question(el, qtype, notes)
            except Skip as exc:
                notes.skipped(str(exc))
                continue
            result.questions.append(ImportedQuestion(data, category, file, line, name))
        return result

    def question(self, el: ET.Element, qtype: str, notes: QuestionNotes) -> dict[str, Any]:
        qtext = el.find("questiontext")
        qfmt = _fmt(qtext, HTML)
        prompt_source = _text(qtext)
        unit = None
        if qtype == "numerical" and qfmt == HTML:
            prompt_source, unit = b.split_unit(prompt_source)
        if qtype in ("multichoice", "matching", "match", "ordering"):
            shuffle = (el.findtext("shuffleanswers") or "true").strip().lower() not in ("false", "0")
        else:
            shuffle = True
        answers = el.findall("answer")

        def feedback(a: ET.Element) -> str:
            fb = a.find("feedback")
            return to_markdown(_text(fb), _fmt(fb, qfmt))

        if qtype == "multichoice":
            single = (el.findtext("single") or "true").strip().lower() not in ("false", "0")
            options = [b.Answer(to_markdown(_text(a), _fmt(a, qfmt), inline=True), _fraction(a), feedback(a))
                       for a in answers]
            question = b.choice_question(options, single, notes)
            if not shuffle and question["type"] in ("single", "multiple"):
                question["shuffle"] = False
        elif qtype == "truefalse":
            by_word = {_text(a).lower(): a for a in answers}
            if set(by_word) != {"true", "false"}:
                raise b.Skip("a true/false question needs the answers 'true' and 'false'")
            question = {"type": "true_false", "answer": _fraction(by_word["true"]) == 1}
            for word in ("true", "false"):
                if feedback(by_word[word]):
                    question[f"feedback_{word}"] = feedback(by_word[word])
        elif qtype == "shortanswer":
            case = (el.findtext("usecase") or "0").strip() == "1"
            question = b.short_question([b.Answer(_text(a), _fraction(a), feedback(a)) for a in answers], case, notes)
        elif qtype == "numerical":
            rows = [(_text(a), (a.findtext("tolerance") or "0").strip(), _fraction(a), feedback(a)) for a in answers]
            units = [(u.findtext("unit_name") or "").strip() for u in el.iterfind("units/unit")
                     if float((u.findtext("multiplier") or "1").strip() or 1) == 1]
            if len(el.findall("units/unit")) > 1:
                notes.lost("units other than the base unit are not carried: quizlib does not grade units")
            question = b.numeric_question(rows, unit or (units[0] if units and units[0] else None), notes)
        elif qtype in ("matching", "match"):
            rows = []
            for sub in el.findall("subquestion"):
                left = to_markdown(_text(sub), _fmt(sub, qfmt), inline=True)
                rows.append((left, plain_text(_text(sub.find("answer")), PLAIN)))
            question = b.matching_question(rows, shuffle, notes)
        else:  # ordering
            ordered = sorted(answers, key=_fraction)
            items = [to_markdown(_text(a), _fmt(a, qfmt), inline=True) for a in ordered]
            select = (el.findtext("selecttype") or "ALL").strip().upper()
            count = (el.findtext("selectcount") or str(len(items))).strip()
            question = b.ordering_question(items, (el.findtext("gradingtype") or "").strip(),
                                           select in ("ALL", "EXACT") or count == str(len(items)), notes)
        general = el.find("generalfeedback")
        points_text = (el.findtext("defaultgrade") or "").strip()
        tags = [(t.findtext("text") or "").strip() for t in el.iterfind("tags/tag")]
        return b.finish(question, name=_text(el.find("name")), idnumber=(el.findtext("idnumber") or "").strip() or None,
                        prompt=to_markdown(prompt_source, qfmt), explanation=to_markdown(_text(general), _fmt(general, qfmt)),
                        tags=tags, points=float(points_text) if points_text else None, notes=notes)


def _fraction(a: ET.Element) -> float:
    try:
        return float(a.get("fraction") or 0) / 100
    except ValueError:
        raise Skip(f"answer fraction '{a.get('fraction')}' is not a number") from None
