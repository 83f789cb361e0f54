"""GIFT text (Moodle's plain-text format) into banks.

Read by Moodle's rules (question/format.php ``readquestions`` and
question/format/gift/format.php ``readquestion``): a blank line ends a question;
``//`` lines are comments, whose ``[id:...]`` and ``[tag:...]`` give the idnumber and
tags; ``$CATEGORY:`` files the questions after it; ``::name::`` names a question;
``[html]``/``[moodle]``/``[markdown]``/``[plain]`` set the text format; the answers sit
between the first ``{`` and the first ``}``, general feedback after the last ``####``;
``\\`` escapes ``~ = # { } :`` and ``\\n`` is a line break. The type follows from the
answers as Moodle decides it: ``{>N ...}`` ordering (Moodle 4.4), ``#`` numerical, ``~``
multiple choice, ``=a -> b`` matching, ``T``/``F`` true/false, otherwise short answer;
an empty ``{}`` is an essay and text without braces a description, both reported and
skipped. Text after the closing brace makes a "missing word" question, whose blank is
shown as ``_____`` in the prompt, as Moodle does.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from . import _build as b
from ._text import GIFT_FORMATS, MOODLE, PLAIN, plain_text, to_markdown
from .base import ImportedQuestion, Importer, ImportFileError, ImportResult, QuestionNotes, Skip
from .moodle_xml import category_path

_PLACEHOLDERS = {"\\:": "&&058;", "\\#": "&&035;", "\\=": "&&061;", "\\{": "&&123;", "\\}": "&&125;",
                 "\\~": "&&126;", "\\n": "&&010"}
_WEIGHT = re.compile(r"^%(-?[0-9]{1,3}(?:\.[0-9]*)?)%")
_TAG = re.compile(r"\[tag:((?:\\\]|[^\]<>\x00-\x1f])+)\]")
_IDNUMBER = re.compile(r"\[id:((?:\\\]|[^\]\x00-\x1f])+)\]")
_ORDERING = re.compile(
    r"^\s*>\s*(\d+)\s*((?:ALL|EXACT|RANDOM|REL|CONTIGUOUS|CONTIG)?)\s*((?:HORIZONTAL|HORI|H|1|VERTICAL|VERT|V|0)?)\s*"
    r"((?:ALL_OR_NOTHING|ABSOLUTE_POSITION|ABSOLUTE|ABS|RELATIVE_NEXT_EXCLUDE_LAST|RELATIVE_NEXT_INCLUDE_LAST|"
    r"RELATIVE_ONE_PREVIOUS_AND_NEXT|RELATIVE_ALL_PREVIOUS_AND_NEXT|RELATIVE_TO_CORRECT|RELATIVE|REL)?)\s*"
    r"((?:SHOW|TRUE|YES|1|HIDE|FALSE|NO|0)?)\s*((?:none|123|abc|ABCD|iii|IIII)?)\s*(.*?)\s*$", re.S)


def escape_pre(text: str) -> str:
    """Moodle's escapedchar_pre: escaped specials become placeholders before the text is cut up."""
    text = text.replace("\\\\", "&&092;")
    for seq, placeholder in _PLACEHOLDERS.items():
        text = text.replace(seq, placeholder)
    return text.replace("&&092;", "\\")


def escape_post(text: str) -> str:
    """Moodle's escapedchar_post: placeholders back to their characters (``\\n`` to a line break)."""
    for seq, placeholder in _PLACEHOLDERS.items():
        text = text.replace(placeholder, "\n" if seq == "\\n" else seq[1])
    return text


def blocks(text: str) -> list[tuple[int, list[str]]]:
    """(first line number, lines) of each question: Moodle cuts the file at blank lines."""
    out, current, start = [], [], 0
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            if current:
                out.append((start, current))
                current = []
        else:
            if not current:
                start = n
            current.append(line.strip())
    if current:
        out.append((start, current))
    return out


def _with_format(text: str, default: str) -> tuple[str, str]:
    """Moodle's parse_text_with_format: an optional leading ``[html]``-style marker, then unescape."""
    fmt = default
    m = re.match(r"\[(\w+)\]", text)
    if m and m.group(1) in GIFT_FORMATS:
        fmt, text = GIFT_FORMATS[m.group(1)], text[m.end():]
    return escape_post(text).strip(), fmt


class GIFTImporter(Importer):
    name = "gift"
    label = "GIFT text"

    def read(self, path: Path) -> ImportResult:
        file = str(path)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportFileError(file, 1, f"not UTF-8 text: {exc.reason} at byte {exc.start}") from None
        result = ImportResult()
        category: tuple[str, ...] = ()
        for n, (line, lines) in enumerate(blocks(text), start=1):
            comments = " ".join(x for x in lines if x.startswith("//"))
            raw = "\n".join(" " if x.startswith("//") else x for x in lines).strip()
            if raw.startswith("$CATEGORY:"):
                # Moodle takes the category path as written: escapes are not undone there.
                category = category_path(raw[len("$CATEGORY:"):].strip())
                continue
            body = escape_pre(raw)
            if not body:
                continue
            name = ""
            if body.startswith("::"):
                end = body.find("::", 2)
                if end >= 0:
                    name, body = escape_post(body[2:end]).strip(), body[end + 2:].strip()
            notes = QuestionNotes(file, line, name or f"question {n}", result.notes)
            try:
                data = self.question(body, name, comments, notes)
            except Skip as exc:
                notes.skipped(str(exc))
                continue
            result.questions.append(ImportedQuestion(data, category, file, line, notes.name))
        return result

    def question(self, body: str, name: str, comments: str, notes: QuestionNotes) -> dict[str, Any]:
        start, finish = body.find("{"), body.find("}")
        if start < 0 and finish < 0:
            raise Skip("a description (text without answers) is not a question")
        if start < 0 or finish < 0 or finish < start:
            raise Skip("could not find a '{' or '}' around the answers")
        answertext = body[start + 1:finish].strip()
        after = body[finish + 1:].strip()
        question_text = body[:start] + ("_____ " + after if after else "")
        general = ""
        if "####" in answertext:
            cut = answertext.rfind("####")
            general, answertext = answertext[cut + 4:], answertext[:cut].strip()
        prompt_raw, qfmt = _with_format(question_text, MOODLE)
        general_raw, gfmt = _with_format(general, qfmt)
        unit = None
        question: dict[str, Any]
        if m := _ORDERING.match(answertext):
            items = [x.strip() for x in re.split(r"[\r\n]+", m.group(7)) if x.strip() and x.strip() != "0"]
            # Moodle's ordering import keeps the items as written (escapes not undone), in Moodle auto-format.
            question = b.ordering_question([to_markdown(i, MOODLE, inline=True) for i in items], m.group(4),
                                           m.group(2) in ("", "ALL", "EXACT") or int(m.group(1)) == len(items), notes)
        elif not answertext:
            raise Skip("an essay question (empty answers) has no quizlib equivalent")
        elif answertext.startswith("#"):
            if qfmt in (GIFT_FORMATS["html"],):
                prompt_raw, unit = b.split_unit(prompt_raw)
            question = b.numeric_question(self._numerical(answertext[1:]), unit, notes)
        elif "~" in answertext:
            question = b.choice_question(self._choices(answertext, qfmt), "=" in answertext, notes)
        elif "=" in answertext and "->" in answertext:
            rows = []
            for part in self._split(answertext, "="):
                left, sep, right = part.partition("->")
                if not sep:
                    raise Skip("a matching answer lacks '->'")
                left_text, lfmt = _with_format(left.strip(), qfmt)
                rows.append((to_markdown(left_text, lfmt, inline=True), escape_post(right).strip()))
            question = b.matching_question(rows, True, notes)
        elif answertext.split("#", 1)[0].strip() in ("T", "TRUE", "F", "FALSE"):
            bits = answertext.split("#", 2)
            is_true = bits[0].strip() in ("T", "TRUE")
            wrong = to_markdown(*_with_format(bits[1], qfmt)) if len(bits) > 1 else ""
            right = to_markdown(*_with_format(bits[2], qfmt)) if len(bits) > 2 else ""
            fb_true, fb_false = (right, wrong) if is_true else (wrong, right)
            question = {"type": "true_false", "answer": is_true}
            if fb_true:
                question["feedback_true"] = fb_true
            if fb_false:
                question["feedback_false"] = fb_false
        else:
            answers = []
            for part in self._split(answertext, "="):
                weight, part = self._weight(part.strip(), 1.0)
                text, _, fb = part.partition("#")
                answers.append(b.Answer(escape_post(text).strip(), weight, to_markdown(*_with_format(fb, qfmt))))
            question = b.short_question(answers, False, notes)
        tags = [t.replace("\\]", "]").strip() for t in _TAG.findall(comments)]
        idnumber = _IDNUMBER.search(comments)
        return b.finish(question, name=name or prompt_raw[:60], idnumber=idnumber.group(1).strip() if idnumber else None,
                        prompt=to_markdown(prompt_raw, qfmt), explanation=to_markdown(general_raw, gfmt),
                        tags=tags, points=None, notes=notes)

    @staticmethod
    def _split(answertext: str, mark: str) -> list[str]:
        parts = answertext.split(mark)
        if parts and not parts[0].strip():
            parts = parts[1:]
        return parts

    @staticmethod
    def _weight(part: str, default: float) -> tuple[float, str]:
        m = _WEIGHT.match(part)
        if m:
            return float(m.group(1)) / 100, part[m.end():]
        return default, part

    def _choices(self, answertext: str, qfmt: str) -> list[b.Answer]:
        out = []
        for part in self._split(answertext.replace("=", "~="), "~"):
            part = part.strip()
            if part.startswith("="):
                weight, part = 1.0, part[1:]
            else:
                weight, part = self._weight(part, 0.0)
            text, _, fb = part.partition("#")
            out.append(b.Answer(to_markdown(*_with_format(text.strip(), qfmt), inline=True), weight,
                                to_markdown(*_with_format(fb.strip(), qfmt))))
        return out

    def _numerical(self, answertext: str) -> list[tuple[str, str, float, str]]:
        wrong_feedback = ""
        if "~" in answertext:
            answertext, wrong_feedback = answertext.split("~", 1)
        rows = []
        for part in self._split(answertext, "="):
            weight, part = self._weight(part.strip(), 1.0)
            value, _, fb = part.partition("#")
            value = escape_post(value).strip()
            if ".." in value[1:]:
                low, high = value.split("..", 1)
                try:
                    mid = (float(low) + float(high)) / 2
                    rows.append((repr(mid), repr(float(high) - mid), weight, plain_text(fb, PLAIN)))
                except ValueError:
                    raise Skip(f"numeric range '{value}' is not two numbers") from None
            else:
                ans, _, tol = value.partition(":")
                rows.append((ans.strip(), tol.strip() or "0", weight, escape_post(fb).strip()))
        if wrong_feedback:
            rows.append(("*", "", 0.0, escape_post(wrong_feedback.partition("#")[2]).strip()))
        return rows
