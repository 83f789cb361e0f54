"""Moodle XML: parsed with Python's XML parser, checked against the rules Moodle's importer
enforces (valid grades, at least one full-credit answer, matching needs 2 items and 3 choices),
and the scoring claims of the mapping checked by simulating Moodle's rules.

Independence: the XML parser is not ours; the structural rules and the Moodle scoring rules
(sum of chosen fractions clamped to [0, 1]; the ordering type's RELATIVE_ALL_PREVIOUS_AND_NEXT
count) are our transcription of Moodle's documented behaviour.
"""

from __future__ import annotations

import re
import itertools
import xml.etree.ElementTree as ET

import pytest
import yaml
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st

from quizlib.export import get_exporter
from quizlib.export._common import MOODLE_GRADES, prompt_html
from quizlib.grading import grade
from quizlib.loader import load_bank, load_banks, parse_bank
from quizlib.models import MultipleChoice, Ordering

from .course import N_BANKS, N_CHAPTERS, N_QUESTIONS
from .conftest import FIXTURES, ROOT

FIXTURE_BANK = load_bank(FIXTURES / "banks" / "all-types.yml")

VALID = {round(g, 5) for g in MOODLE_GRADES} | {-round(g, 5) for g in MOODLE_GRADES}


@pytest.fixture(scope="module")
def course():
    banks = list(load_banks([ROOT / "quizzes"]).banks.values())
    return banks


@pytest.fixture(scope="module")
def course_xml(course, tmp_path_factory):
    path = tmp_path_factory.mktemp("moodle") / "course.moodle.xml"
    report = get_exporter("moodle")(title="Military Diplomacy").write(course, path)
    return ET.parse(path).getroot(), report


def check_question(el: ET.Element) -> None:
    qtype = el.get("type")
    assert el.findtext("name/text") and el.find("questiontext").get("format") == "html"
    assert float(el.findtext("defaultgrade")) > 0
    answers = el.findall("answer")
    fractions = [float(a.get("fraction")) for a in answers]
    if qtype == "multichoice":
        assert all(round(f, 5) in VALID for f in fractions)
        if el.findtext("single") == "true":
            assert sorted(fractions) == [0.0] * (len(fractions) - 1) + [100.0]
        else:
            assert abs(sum(f for f in fractions if f > 0) - 100) < 1e-3
    elif qtype == "truefalse":
        assert sorted(a.findtext("text") for a in answers) == ["false", "true"] and sorted(fractions) == [0, 100]
    elif qtype == "shortanswer":
        assert 100.0 in fractions and all(round(f, 5) in VALID for f in fractions)
    elif qtype == "numerical":
        assert len(answers) == 1 and float(answers[0].findtext("tolerance")) >= 0
    elif qtype == "matching":
        subs = el.findall("subquestion")
        assert sum(1 for s in subs if s.findtext("text")) >= 2 and len(subs) >= 3
    elif qtype == "ordering":
        assert fractions == list(range(1, len(answers) + 1))
        assert el.findtext("gradingtype") in ("ALL_OR_NOTHING", "RELATIVE_ALL_PREVIOUS_AND_NEXT")
    else:
        raise AssertionError(f"unexpected type {qtype}")


def test_whole_course_parses_with_categories_per_chapter_and_section(course_xml):
    root, report = course_xml
    cats = [q.findtext("category/text") for q in root if q.get("type") == "category"]
    questions = [q for q in root if q.get("type") != "category"]
    assert len(questions) == report.questions == N_QUESTIONS
    assert len(cats) == N_CHAPTERS + N_BANKS and len(set(cats)) == N_CHAPTERS + N_BANKS
    assert all(re.match(r"\$course\$/top/Military Diplomacy/\d\d-", c) for c in cats)
    for q in questions:
        check_question(q)
    assert {q.get("type") for q in questions} == {"multichoice", "truefalse", "shortanswer", "numerical", "matching", "ordering"}


def test_question_text_is_the_rendered_markdown(course, course_xml):
    root, _ = course_xml
    by_name = {q.findtext("name/text"): q for q in root if q.get("type") != "category"}
    for bank in course:
        for q in bank.questions:
            assert by_name[q.id].findtext("questiontext/text") == prompt_html(q)


def test_raw_html_in_a_bank_reaches_moodle_escaped(fixture_bank, tmp_path):
    data = fixture_bank.model_dump(mode="json", exclude_none=True)
    data["questions"][0]["prompt"] = "Is <script>alert(1)</script> & *this* safe?"
    bank = parse_bank(yaml.safe_dump(data), "x.yml")
    text, _ = get_exporter("moodle")().question_text(bank, bank.questions[0])
    html = ET.fromstring(text).findtext("questiontext/text")
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("script") is None and "<script>alert(1)</script>" in soup.get_text()
    assert soup.find("em").get_text() == "this"


def moodle_multichoice_score(answers: list[float], chosen: list[int]) -> float:
    """Moodle: the fractions of the chosen answers, summed, clamped to [0, 1]."""
    return min(1.0, max(0.0, sum(answers[i] for i in chosen) / 100))


def test_multiple_partial_credit_equals_quizlib_for_every_selection(course, course_xml):
    root, _ = course_xml
    by_name = {q.findtext("name/text"): q for q in root if q.get("type") != "category"}
    checked = 0
    for bank in course:
        for q in bank.questions:
            if not isinstance(q, MultipleChoice) or q.scoring.value != "partial":
                continue
            fractions = [float(a.get("fraction")) for a in by_name[q.id].findall("answer")]
            for r in range(len(q.options) + 1):
                for chosen in itertools.combinations(range(len(q.options)), r):
                    mine = grade(q, [q.options[i].id for i in chosen]).fraction if chosen else 0.0
                    assert abs(moodle_multichoice_score(fractions, list(chosen)) - mine) < 1e-4
                    checked += 1
    assert checked > 500


def moodle_relative_all(correct: list[str], response: list[str]) -> float:
    """Moodle qtype_ordering GRADING_RELATIVE_ALL_PREVIOUS_AND_NEXT: for each item, count the items
    before and after it that are also before/after it in the answer, over all such relations."""
    def relations(order):
        return {item: (set(order[:i]), set(order[i + 1:])) for i, item in enumerate(order)}
    right, given = relations(correct), relations(response)
    hits = sum(len(given[i][0] & right[i][0]) + len(given[i][1] & right[i][1]) for i in correct)
    total = sum(len(right[i][0]) + len(right[i][1]) for i in correct)
    return hits / total


@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_pairs_scoring_equals_moodle_relative_all_previous_and_next(n):
    data = {"id": "o", "type": "ordering", "prompt": "p", "explanation": "e", "source": "s", "objective": "O1",
            "difficulty": "easy", "items": [f"item {k}" for k in range(n)]}
    q = Ordering.model_validate(data)
    key = [i.id for i in q.items]
    for perm in itertools.permutations(key):
        assert abs(grade(q, list(perm)).fraction - moodle_relative_all(key, list(perm))) < 1e-12


@settings(max_examples=200, deadline=None)
@given(answer=st.floats(-1e6, 1e6, allow_nan=False), tol=st.floats(0, 0.5), relative=st.booleans(),
       given_value=st.floats(-2e6, 2e6, allow_nan=False))
def test_numeric_tolerance_written_for_moodle_accepts_what_quizlib_accepts(answer, tol, relative, given_value):
    from quizlib.models import Numeric

    q = Numeric.model_validate({"id": "n", "type": "numeric", "prompt": "p", "explanation": "e", "source": "s",
                                "objective": "O1", "difficulty": "easy", "answer": answer, "tolerance": tol,
                                "tolerance_mode": "relative" if relative else "absolute"})
    el = ET.fromstring(get_exporter("moodle")().question_text(FIXTURE_BANK, q)[0])
    written_answer = float(el.findtext("answer/text"))
    written_tol = float(el.findtext("answer/tolerance"))
    moodle = abs(given_value - written_answer) <= written_tol
    mine = grade(q, given_value).fraction == 1.0
    margin = abs(abs(given_value - answer) - (tol * abs(answer) if relative else tol))
    if margin > 1e-6 * max(1.0, abs(answer)):  # away from the boundary, where 12-digit printing could round
        assert moodle == mine
