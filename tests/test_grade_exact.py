"""Grades are exact: totals equal the exact sum of the per-question scores, rounded only for people.

Fractions were once stored as float32, so a student with 17.5 points had
17.49999994 and a third of a 1000-point question came out as 333.3333435.
Machine files (gradebook.csv, responses.csv, changes.csv) now carry every
digit of the float64 value; the report, the feedback files and the terminal
round to two decimals.
"""

from __future__ import annotations

import csv
import json
import math
from fractions import Fraction

import pytest
from bs4 import BeautifulSoup

from quizlib.cli import main
from quizlib.grading import grade
from quizlib.loader import load_bank

BANK = """\
schema_version: 1
page: exact/points
title: Awkward points
objectives:
  - id: O1
    text: Anything.
questions:
  - id: half
    type: true_false
    prompt: A question worth 17.5 points.
    points: 17.5
    answer: true
    explanation: x
    source: s
    objective: O1
    difficulty: easy
  - id: thousand
    type: ordering
    prompt: Three items worth 1000 points; each pair in order earns a third.
    points: 1000
    items: [first, second, third]
    explanation: x
    source: s
    objective: O1
    difficulty: easy
  - id: third
    type: multiple
    prompt: A question worth 1000/3 points with net-correct credit.
    points: 333.3333333333333
    options:
      - {text: one, correct: true}
      - {text: two, correct: true}
      - {text: three, correct: true}
      - {text: four}
    explanation: x
    source: s
    objective: O1
    difficulty: easy
  - id: tenth
    type: single
    prompt: A tenth of a point.
    points: 0.1
    options:
      - {text: yes, correct: true}
      - {text: no}
    explanation: x
    source: s
    objective: O1
    difficulty: easy
"""

ANSWERS = {
    "ann": {"half": True, "thousand": ["i2", "i1", "i3"], "third": ["a"], "tenth": "a"},
    "bob": {"half": True, "thousand": ["i3", "i2", "i1"], "third": ["a", "b", "d"], "tenth": "a"},
    "cy": {"half": False, "thousand": ["i1", "i3", "i2"], "third": ["a", "b"], "tenth": "b"},
    "dee": {"half": True},
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("exact")
    (tmp / "banks").mkdir()
    (tmp / "banks" / "b.yml").write_text(BANK, encoding="utf-8")
    with open(tmp / "r.jsonl", "w", encoding="utf-8") as fh:
        for student, answers in ANSWERS.items():
            fh.write(json.dumps({"student": student, "bank": "exact/points", "answers": answers}) + "\n")
    assert main(["grade", str(tmp / "r.jsonl"), "--banks", str(tmp / "banks"), "-o", str(tmp / "out"), "--stats"]) == 0
    return tmp


def _rows(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _expected(tmp):
    """Per student: the float64 score of each question (grade() itself), and their exact rational sum."""
    bank = load_bank(tmp / "banks" / "b.yml")
    out = {}
    for student, answers in ANSWERS.items():
        scores = [grade(q, answers.get(q.id)).score for q in bank.questions]
        out[student] = (scores, sum(map(Fraction, scores), Fraction(0)))
    return out


def test_totals_are_the_exact_sum_of_question_scores(graded):
    expected = _expected(graded)
    rows = {r["student"]: r for r in _rows(graded / "out" / "gradebook.csv")}
    for student, (scores, exact) in expected.items():
        total = float(rows[student]["score"])
        # float64 addition of at most four terms: within a few units in the last place of the exact sum.
        assert abs(Fraction(total) - exact) <= 4 * Fraction(math.ulp(float(exact))), (student, total, float(exact))
        assert float(rows[student]["max"]) == 17.5 + 1000 + 333.3333333333333 + 0.1
    # Dyadic points add exactly: dee has exactly 17.5, not 17.49999994.
    assert rows["dee"]["score"] == "17.5"
    # A third of 1000 points is the float64 value of 1000/3, not float32's 333.3333435.
    assert float(rows["ann"]["score"]) == pytest.approx(17.5 + 2000 / 3 + 1000 / 9 + 0.1, rel=1e-15)


def test_machine_files_keep_full_precision(graded):
    expected = _expected(graded)
    bank = load_bank(graded / "banks" / "b.yml")
    order = [q.id for q in bank.questions]
    for r in _rows(graded / "out" / "responses.csv"):
        qid = r["question"].rsplit("/", 1)[1]
        # Every digit: the cell reads back as the very float grade() returned.
        assert float(r["score"]) == expected[r["student"]][0][order.index(qid)]
    items = {r["question"]: r for r in _rows(graded / "out" / "items.csv")}
    facility = float(items["exact/points/thousand"]["facility"])
    # ann and cy put two of three pairs in order, bob none, dee left it blank (0): facility 1/3, every digit.
    assert facility == pytest.approx(1 / 3, rel=1e-15) and len(items["exact/points/thousand"]["facility"]) > 10


def test_people_see_two_decimals(graded):
    soup = BeautifulSoup((graded / "out" / "report.html").read_text(encoding="utf-8"), "html.parser")
    cells = {tr.find("td").get_text(): [td.get_text() for td in tr.find_all("td")]
             for tr in soup.select("#students + table tbody tr, table tbody tr") if tr.find("td")}
    # ann: 17.5 + 666.67 + 111.11 + 0.1 = 795.38 (rounded for display only)
    assert cells["ann"][1] == "795.38"
    feedback = (graded / "out" / "feedback" / "ann.md").read_text(encoding="utf-8")
    assert "Score: **795.38 / 1350.93**" in feedback
    assert "666.6667" not in feedback and "666.67 / 1000" in feedback
