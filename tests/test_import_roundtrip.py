"""Round trip as the proof of both directions: export -> `quizlib import` gives back every question
equal to the bank's, except in the fields its export report declares (ExportNote.fields).

"Equal" is what a student and the grader see: texts compare by the HTML they render to (the
import writes Markdown from the LMS's HTML, so ``*a*`` may come back as ``*a*`` or ``_a_``),
numbers to 10 significant digits, and the ids of options, pairs and items, which no LMS
carries, are left out. Run over every course bank (Moodle XML, and GIFT in both ordering
modes) and over generated banks of every type (hypothesis), texts full of GIFT's special
characters, backslashes, Markdown and Unicode.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from quizlib.export import get_exporter
from quizlib.export._common import chapter_of, section_name
from quizlib.imports import get_importer
from quizlib.imports.banks import plan_banks, stand_in
from quizlib.loader import load_banks
from quizlib.markdown import render_block, render_inline
from quizlib.models import Bank

from .conftest import ROOT
from .strategies import lms_bank_dicts

FORMATS = [("moodle", "moodle-xml", {}), ("gift", "gift", {}), ("gift", "gift", {"ordering": "native"})]
BLOCK_TEXT = {"prompt", "explanation", "feedback", "feedback_true", "feedback_false"}
INLINE_TEXT = {"text", "left", "right"}


def _squash(text: str) -> str:
    """Whitespace as a browser shows it; a line break at the very start or end of a text, or an empty
    block (list item, quote), shows nothing (and HTML-to-Markdown conversion drops them)."""
    text = " ".join(text.split())
    text = re.sub(r"(^|<(?:p|li|td|th)>)(\s*<br />)+\s*", r"\1", text)
    text = re.sub(r"\s*(<br />\s*)+($|</(?:p|li|td|th)>)", r"\2", text)
    # spaces at the edges of an inline code span: markdownify trims them or moves them outside the span
    # (a known limit of the conversion), so spaces on either side of a span's edges are not compared
    text = re.sub(r"\s*<code>\s*", "<code>", re.sub(r"\s*</code>(?!</pre>)\s*", "</code>", text))
    # whitespace that ends a block (a code block's last line break) shows nothing
    text = re.sub(r"\s+((?:</code>)?</(?:p|li|pre|blockquote|h[1-6])>)", r"\1", text)
    # an empty block (a Markdown '*', '-' or '>' alone on a line) holds no text; HTML-to-Markdown drops it
    empty = re.compile(r"<(li|ul|ol|blockquote|p|h[1-6])(?: [^>]*)?>\s*</\1>\s*|<pre><code(?: [^>]*)?>\s*</code></pre>\s*|<code>\s*</code>")
    while empty.search(text):
        text = empty.sub("", text)
    return text.strip()


def comparable(value: Any, key: str = "", in_answers: bool = False, approx: bool = False) -> Any:
    """A question's data as students and the grader see it (see the module docstring); with
    ``approx`` numbers compare to 10 significant digits (what the exports write is 12)."""
    if isinstance(value, dict):
        answers = key == "answers" or in_answers
        return {k: comparable(v, k, answers, approx) for k, v in value.items()
                if not (k == "id" and key in ("options", "pairs", "items"))}
    if isinstance(value, list):
        return [comparable(v, key, in_answers, approx) for v in value]
    if isinstance(value, str):
        if key in BLOCK_TEXT:
            return _squash(render_block(value))
        if key in INLINE_TEXT and not in_answers or key in ("items", "distractors"):
            return _squash(render_inline(value))
        return value
    if approx and isinstance(value, float) and not isinstance(value, bool):
        return pytest.approx(value, rel=1e-10, abs=1e-300)
    return value


def same_scoring(q: dict) -> dict:
    """Settings that cannot change a grade: with one right option net-correct and all-or-nothing
    credit agree on every selection; a zero tolerance is zero in either mode."""
    if q.get("type") == "multiple" and sum(o.get("correct", False) for o in q["options"]) == 1:
        q = {k: v for k, v in q.items() if k != "scoring"}
    if q.get("type") == "numeric" and not q.get("tolerance"):
        q = {k: v for k, v in q.items() if k != "tolerance_mode"}
    return q


def roundtrip(banks: list[Bank], fmt: str, importer: str, options: dict, tmp: Path) -> list[tuple[str, set[str], dict, dict]]:
    """(global id, declared fields, original, imported) for every question of ``banks``."""
    exporter = get_exporter(fmt)(title="Round trip", **options)
    path = tmp / f"course{exporter.suffix}"
    report = exporter.write(banks, path)
    result = get_importer(importer)().read(path)
    assert not result.skipped, [str(n) for n in result.skipped]
    imported_banks = plan_banks(result.questions, tmp / "quizzes", result.notes)
    assert not [n for n in result.notes if n.kind.value == "skipped"], [str(n) for n in result.notes]
    imported: dict[tuple[str, str, str], dict] = {}
    for ib in imported_banks:
        bank = Bank.model_validate(stand_in(ib.data))  # validates everything but the placeholders
        for q, source in zip(bank.questions, ib.questions):
            imported[(*source.category[-2:], q.id)] = q.model_dump(mode="json", exclude_none=True)
    declared: dict[str, set[str]] = {}
    for note in report.notes:
        declared.setdefault(note.qid, set()).update(note.fields)
    out = []
    for bank in banks:
        for q in bank.questions:
            key = (chapter_of(bank), section_name(bank), q.id)
            if "question" in declared.get(bank.global_id(q), set()):
                assert key not in imported  # declared left out of the file
                continue
            assert key in imported, f"{bank.global_id(q)} did not come back"
            out.append((bank.global_id(q), declared.get(bank.global_id(q), set()),
                        q.model_dump(mode="json", exclude_none=True), imported[key]))
    return out


def assert_equal_but_declared(rows) -> int:
    differing = 0
    for gid, fields, original, back in rows:
        a, b = comparable(same_scoring(original), approx=True), comparable(same_scoring(back))
        if "type" in fields:
            continue  # written as another type (ordering as matching): the whole shape is declared
        diff = {k for k in set(a) | set(b) if a.get(k) != b.get(k)}
        assert diff <= fields, (gid, {k: (a.get(k), b.get(k)) for k in diff - fields})
        differing += bool(diff)
    return differing


@pytest.mark.parametrize("folder", ["quizzes", "pools"])  # practice banks, and the secure pools graded work exports
@pytest.mark.parametrize("fmt, importer, options", FORMATS, ids=["moodle-xml", "gift", "gift-native-ordering"])
def test_every_course_question_comes_back_equal_but_for_what_the_report_declares(fmt, importer, options, folder, tmp_path):
    banks = list(load_banks([ROOT / folder]).banks.values())
    rows = roundtrip(banks, fmt, importer, options, tmp_path)
    assert len(rows) == sum(len(b.questions) for b in banks)  # every course question is written and read back
    assert_equal_but_declared(rows)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=lms_bank_dicts())
def test_generated_banks_of_every_type_come_back(data, tmp_path_factory):
    bank = Bank.model_validate(data)
    for fmt, importer, options in FORMATS:
        assert_equal_but_declared(roundtrip([bank], fmt, importer, options, tmp_path_factory.mktemp("rt")))
