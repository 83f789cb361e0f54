"""The literal-credit rule: every short answer an export writes earns in quizlib.grading exactly the
credit it earns in the LMS that imports it (Moodle's grade list aside, which notes declare).

Each format is read back as its LMS reads it: Moodle XML answers with their fraction (a '\\*' is a
literal star: qtype/shortanswer/question.php), GIFT through pygiftparser, Canvas by its importer's
rule (every matched string a 100% answer), Blackboard's FIB answers (all fully right).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
import yaml

from quizlib.export import get_exporter
from quizlib.export._common import moodle_grade
from quizlib.grading import grade
from quizlib.loader import load_banks, parse_bank
from quizlib.models import ShortAnswer

from . import lms_rules as lms
from .conftest import ROOT


def shorts(banks):
    return [(b, q) for b in banks for q in b.questions if isinstance(q, ShortAnswer)]


def moodle_literals(bank, q) -> list[tuple[str, float]]:
    el = ET.fromstring(get_exporter("moodle")().question_text(bank, q)[0])
    return [((a.findtext("text") or "").replace("\\*", "*"), float(a.get("fraction")) / 100) for a in el.findall("answer")]


def canvas_literals(bank, q) -> list[tuple[str, float]]:
    item = ET.fromstring(get_exporter("qti")().question_text(bank, q)[0])
    return [(t, 1.0) for t in lms.canvas_short_answers(item)]


def blackboard_literals(bank, q) -> list[tuple[str, float]]:
    line = get_exporter("blackboard")().question_text(bank, q)[0]
    return [(t, 1.0) for t in line.split("\t")[2:]]


def gift_literals(bank, q) -> list[tuple[str, float]]:
    parser = pytest.importorskip("pygiftparser.parser", reason="pip install --no-deps pygiftparser==1.1 yattag")
    utils = pytest.importorskip("pygiftparser.utils")
    text = get_exporter("gift")().question_text(bank, q)[0]
    (parsed,) = parser.parseFile(text.splitlines(keepends=True))
    return [(utils.transformSpecials(a.answer).replace("\\*", "*"), a.fraction / 100) for a in parsed.answers.answers]


READERS = {"moodle": moodle_literals, "qti": canvas_literals, "blackboard": blackboard_literals, "gift": gift_literals}


def check_literals(bank, q, fmt: str) -> int:
    literals = READERS[fmt](bank, q)
    assert literals, (fmt, q.id)
    for text, lms_credit in literals:
        mine = grade(q, text).fraction
        assert moodle_grade(mine * 100) / 100 == pytest.approx(lms_credit, abs=1e-6), (fmt, q.id, text, mine, lms_credit)
    return len(literals)


@pytest.mark.parametrize("fmt", sorted(READERS))
def test_every_exported_course_literal_earns_its_lms_credit_in_quizlib(fmt):
    banks = list(load_banks([ROOT / "quizzes"]).banks.values())
    assert sum(check_literals(b, q, fmt) for b, q in shorts(banks)) >= len(shorts(banks))


@pytest.mark.parametrize("fmt", sorted(READERS))
def test_pattern_spelling_out_removed_punctuation_is_not_exported(fmt, fixture_bank):
    """The ch7-future-ccw-name case: with normalisation on, '\\(ccw\\)' can never match (the brackets
    are gone before matching), so its spelled-out texts would be right in the LMS and wrong in quizlib."""
    data = fixture_bank.model_dump(mode="json", exclude_none=True)
    short = next(q for q in data["questions"] if q["type"] == "short")
    short["answers"] = [{"regex": r"^(the )?convention on certain conventional weapons( \(ccw\))?$"},
                        {"text": "CCW", "credit": 0.5}]
    bank = parse_bank(yaml.safe_dump(data), "x.yml")
    q = bank.question(short["id"])
    texts = [t for t, _ in READERS[fmt](bank, q)]
    assert "convention on certain conventional weapons" in texts
    assert not any("(" in t for t in texts)
    check_literals(bank, q, fmt)
