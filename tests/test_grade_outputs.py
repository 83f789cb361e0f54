"""What `quizlib grade` writes: gradebook, per-response CSV, feedback files, HTML report, regrade changes."""

from __future__ import annotations

import csv
import json
import shutil

import pytest
from bs4 import BeautifulSoup

from quizlib.cli import main
from quizlib.grade.outputs import feedback_filename
from quizlib.grading import grade
from quizlib.loader import load_bank

from .conftest import FIXTURES

GRADE = FIXTURES / "grade"
BANK = FIXTURES / "banks" / "all-types.yml"


def _rows(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    out = tmp_path_factory.mktemp("grade")
    code = main([
        "grade", str(GRADE / "class.jsonl"), "--banks", str(FIXTURES / "banks"),
        "--manifest", str(GRADE / "manifest.json"), "-o", str(out), "--book-url", "https://example.org/course/",
    ])
    assert code == 0
    return out


def _expected_scores():
    """Each student's total, computed answer by answer with grade() (bank points; dee's form has the same)."""
    bank = load_bank(BANK)
    letters = json.loads((GRADE / "manifest.json").read_text())["forms"][0]["questions"]
    orders = {q["qid"].rsplit("/", 1)[1]: q.get("option_order") or q.get("right_order") or q.get("item_order") for q in letters}

    def unletter(qid, value):
        table = {chr(65 + i): x for i, x in enumerate(orders[qid] or [])}
        if isinstance(value, str):
            return table.get(value, value)
        if isinstance(value, list):
            return [table.get(v, v) for v in value]
        if isinstance(value, dict):
            return {k: table.get(v, v) for k, v in value.items()}
        return value

    out = {}
    for line in (GRADE / "class.jsonl").read_text().splitlines():
        attempt = json.loads(line)
        answers = {k.rsplit("/", 1)[-1]: v for k, v in attempt["answers"].items()}
        total = 0.0
        for q in bank.questions:
            value = answers.get(q.id)
            if "form" in attempt and value is not None:
                value = unletter(q.id, value)
            total += grade(q, value).score
        out[attempt["student"]] = total
    return out


def test_gradebook_totals_equal_grade_one_by_one(graded):
    rows = _rows(graded / "gradebook.csv")
    expected = _expected_scores()
    assert [r["student"] for r in rows] == list(expected)
    for r in rows:
        assert float(r["score"]) == pytest.approx(expected[r["student"]], abs=1e-4)
        assert float(r["max"]) == 11
        assert float(r["percent"]) == pytest.approx(100 * expected[r["student"]] / 11, abs=0.01)
    # ana answered everything right; dee answered on a shuffled form, in displayed letters.
    by = {r["student"]: r for r in rows}
    assert float(by["ana"]["score"]) == 11 and float(by["dee"]["score"]) == 5


def test_gradebook_subtotals_add_up(graded):
    for r in _rows(graded / "gradebook.csv"):
        assert float(r["section fixture/page score"]) == pytest.approx(float(r["score"]), abs=1e-3)
        objectives = float(r["objective O1.1 score"]) + float(r["objective O1.2 score"])
        assert objectives == pytest.approx(float(r["score"]), abs=1e-3)
        assert float(r["objective O1.1 max"]) == 7 and float(r["objective O1.2 max"]) == 4


def test_responses_csv_one_line_per_student_and_question(graded):
    rows = _rows(graded / "responses.csv")
    assert len(rows) == 4 * 10
    ben = {r["question"].rsplit("/", 1)[1]: r for r in rows if r["student"] == "ben"}
    assert ben["multi-1"]["answer"] == '["a", "c"]' and ben["multi-1"]["score"] == "0"
    assert ben["short-1"]["score"] == "0.5" and ben["short-1"]["feedback"] == "Nearly; check the spelling."
    assert ben["num-rel"]["status"] == "unanswered" and ben["num-rel"]["max"] == "1"
    hostile = {r["question"].rsplit("/", 1)[1]: r for r in rows if r["student"].startswith("<script>")}
    assert hostile["single-1"]["status"] == "invalid" and hostile["single-1"]["reason"] == "unknown option 'z'"
    dee = {r["question"].rsplit("/", 1)[1]: r for r in rows if r["student"] == "dee"}
    assert dee["single-1"]["answer"] == "b"  # the letter B on the reversed form is option b


def test_feedback_lists_what_was_missed_and_where_to_reread(graded):
    folder = graded / "feedback"
    ana = (folder / "ana.md").read_text()
    assert "Every answer was right." in ana
    ben = (folder / "ben.md").read_text()
    assert ben.startswith("# Feedback for ben")
    assert "### Question 1: 0 / 1" in ben and "Malabar began as a US–India exercise." in ben
    assert "- Why: RIMPAC is held in even-numbered years." in ben
    assert "page `fixture/page`, section `fixture-exercises`" in ben
    # The built site keeps the book's pages under book/ (the docname in _toc.yml), so the link does too.
    assert "<https://example.org/course/book/fixture/page.html#fixture-exercises>" in ben
    assert "(a) Malabar" in ben  # the answer in the question's words
    assert "### Question 6" in ben  # num-1 missed
    dee = (folder / "dee.md").read_text()
    assert "### Question 1:" not in dee  # right (B on her form is option b) ...
    assert "### Question 3: 0 / 2" in dee and "- Your answer: none given." in dee  # ... multi-aon left blank
    hostile = (folder / feedback_filename("<script>alert(1)</script>")).read_text()
    assert "<script>" not in hostile and "\\<script\\>" in hostile
    assert "[link](http" not in hostile  # student text cannot make a link


def test_feedback_filenames_are_safe_and_distinct():
    names = {feedback_filename(s) for s in ("a/b", "a_b", "../x", "a b", "ana")}
    assert len(names) == 5
    assert all("/" not in n and not n.startswith(".") for n in names)
    assert feedback_filename("ana") == "ana.md"


def test_html_report_escapes_student_text(graded):
    html = (graded / "report.html").read_text()
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("script") is None
    assert "<script>alert(1)</script>" in soup.get_text()
    assert soup.find("h1").get_text() == "Grading report"
    imgs = [img["src"] for img in soup.find_all("img")]
    assert len(imgs) == 2 and all(src.startswith("data:image/png;base64,") for src in imgs)


def test_csv_input_grades_like_jsonl(tmp_path):
    out_j, out_c = tmp_path / "j", tmp_path / "c"
    lines = (GRADE / "class.jsonl").read_text().splitlines()[:2]
    (tmp_path / "two.jsonl").write_text("\n".join(lines) + "\n")
    assert main(["grade", str(tmp_path / "two.jsonl"), "--banks", str(FIXTURES / "banks"), "-o", str(out_j)]) == 0
    assert main(["grade", str(GRADE / "class.csv"), "--banks", str(FIXTURES / "banks"), "-o", str(out_c)]) == 0

    def scores(out):
        return {(r["student"], r["question"]): (r["score"], r["status"]) for r in _rows(out / "responses.csv")}

    assert scores(out_j) == scores(out_c)


def test_regrade_reports_changed_scores(tmp_path, capsys):
    banks = tmp_path / "banks"
    shutil.copytree(FIXTURES / "banks", banks)
    args = [str(GRADE / "class.jsonl"), "--banks", str(banks), "--manifest", str(GRADE / "manifest.json")]
    assert main(["grade", *args, "-o", str(tmp_path / "v1"), "--no-feedback"]) == 0
    # The author fixes the key of single-1: Malabar (a) is now right instead of RIMPAC (b).
    text = (banks / "all-types.yml").read_text()
    text = text.replace("      - text: Malabar\n", "      - text: Malabar\n        correct: true\n", 1)
    text = text.replace("      - text: RIMPAC\n        correct: true\n", "      - text: RIMPAC\n", 1)
    (banks / "all-types.yml").write_text(text)
    capsys.readouterr()
    assert main(["grade", *args, "-o", str(tmp_path / "v2"), "--previous", str(tmp_path / "v1" / "gradebook.csv")]) == 0
    changes = {r["student"]: r for r in _rows(tmp_path / "v2" / "changes.csv")}
    # ana and dee chose b (RIMPAC): down one point; ben chose a (Malabar): up one; the hostile row chose z.
    assert set(changes) == {"ana", "ben", "dee"}
    assert changes["ana"]["change"] == "-1" and changes["ben"]["change"] == "1" and changes["dee"]["change"] == "-1"
    assert changes["ana"]["before"] == "11" and changes["ana"]["after"] == "10"
    out = capsys.readouterr().out
    assert "Score changes since the previous" in out and "3 student(s)" in out
    soup = BeautifulSoup((tmp_path / "v2" / "report.html").read_text(), "html.parser")
    assert "3 student(s) whose score changed" in soup.get_text()


def test_regrade_lists_students_added_and_missing(tmp_path):
    prev = tmp_path / "prev.csv"
    prev.write_text("student,score,max\nana,11,11\nzed,3,11\n")
    lines = (GRADE / "class.jsonl").read_text().splitlines()[:2]
    (tmp_path / "r.jsonl").write_text("\n".join(lines) + "\n")
    out = tmp_path / "o"
    assert main(["grade", str(tmp_path / "r.jsonl"), "--banks", str(FIXTURES / "banks"), "-o", str(out),
                 "--previous", str(prev)]) == 0
    changes = {r["student"]: r for r in _rows(out / "changes.csv")}
    assert set(changes) == {"ben", "zed"}  # ana unchanged
    assert changes["zed"]["after"] == "" and changes["ben"]["before"] == ""


def test_bad_previous_gradebook_is_a_clear_error(tmp_path, capsys):
    prev = tmp_path / "prev.csv"
    prev.write_text("name,points\nana,3\n")
    code = main(["grade", str(GRADE / "class.csv"), "--banks", str(FIXTURES / "banks"), "-o", str(tmp_path / "o"),
                 "--previous", str(prev)])
    assert code == 2 and "needs 'student' and 'score' columns" in capsys.readouterr().err


def test_a_form_that_weights_a_question_differently(tmp_path):
    """Points follow the form each student had, even when two forms weight one question differently."""
    manifest = json.loads((GRADE / "manifest.json").read_text())
    manifest["forms"][0]["questions"][0]["points"] = 3.0  # single-1 worth 3 on exam/v1, 1 in the bank
    (tmp_path / "m.json").write_text(json.dumps(manifest))
    (tmp_path / "r.jsonl").write_text(
        '{"student": "a", "bank": "fixture/page", "answers": {"single-1": "b"}}\n'
        '{"student": "b", "form": "exam/v1", "answers": {"single-1": "B"}}\n'
        '{"student": "c", "form": "exam/v1", "answers": {"single-1": "A"}}\n'
    )
    out = tmp_path / "o"
    assert main(["grade", str(tmp_path / "r.jsonl"), "--banks", str(FIXTURES / "banks"), "--manifest",
                 str(tmp_path / "m.json"), "-o", str(out), "--stats"]) == 0
    rows = {r["student"]: r for r in _rows(out / "gradebook.csv")}
    assert (rows["a"]["score"], rows["a"]["max"]) == ("1", "11")
    assert (rows["b"]["score"], rows["b"]["max"]) == ("3", "13")
    assert (rows["c"]["score"], rows["c"]["max"]) == ("0", "13")
    items = {r["question"]: r for r in _rows(out / "items.csv")}
    assert float(items["fixture/page/single-1"]["facility"]) == pytest.approx(2 / 3, abs=1e-4)
