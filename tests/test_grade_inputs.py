"""Reading responses files: every bad-row case is reported with its file and line, counted, and never graded."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from quizlib.cli import main
from quizlib.grade.attempts import Attempt, Reason, attempt_schema, check_attempt
from quizlib.grade.readers import parse_cell
from quizlib.grade.run import grade_files, load_course

from .conftest import FIXTURES

GRADE = FIXTURES / "grade"


@pytest.fixture(scope="module")
def course():
    return load_course([FIXTURES / "banks"], GRADE / "manifest.json")


def _graded(paths, course):
    rejected = []
    results, summary = grade_files(paths, course, on_rejection=rejected.append)
    return results, summary, rejected


def test_jsonl_bad_rows_each_reported_at_their_line(course):
    results, summary, rejected = _graded([GRADE / "bad-rows.jsonl"], course)
    where = {(r.line, r.reason) for r in rejected}
    assert where == {
        (2, Reason.bad_json),
        (3, Reason.schema),            # empty student id
        (4, Reason.unknown_bank),
        (5, Reason.unknown_form),
        (6, Reason.unknown_question),
        (7, Reason.duplicate_attempt),  # 'ana' again, first at line 1
        (8, Reason.answered_twice),     # single-1 by its id and its global id
        (10, Reason.schema),           # both bank and form
        (11, Reason.schema),           # unknown key
        (12, Reason.schema),           # not an object
        (14, Reason.form_student),     # a form printed for 'ana'
    }
    assert all(r.file.endswith("bad-rows.jsonl") for r in rejected)
    dup = next(r for r in rejected if r.line == 7)
    assert "line 1" in dup.message
    # The readable rows (lines 1 and 13) are graded; the blank line 9 is not a row.
    assert results.students == ["ana", "ivy"]
    assert (summary.rows_graded, summary.rows_rejected, summary.rows_read) == (2, 11, 13)
    assert summary.rejected[Reason.schema] == 4


def test_csv_bad_rows_header_problems_and_multiline_cells(course):
    results, summary, rejected = _graded([GRADE / "bad-rows.csv"], course)
    where = sorted((r.line, r.reason) for r in rejected)
    assert where == [
        (1, Reason.unknown_column),      # 'bogus'
        (1, Reason.unknown_column),      # 'single-1' twice
        (3, Reason.schema),              # empty student
        (4, Reason.bad_row),             # 7 cells under 6 columns
        (5, Reason.duplicate_attempt),   # 'ana' again
        (9, Reason.schema),              # after a quoted cell spanning lines 7-8
    ]
    assert summary.problems[Reason.unknown_column] == 2 and summary.rows_rejected == 4
    assert results.students == ["ana", "cy", "dee"]
    score, maximum = results.totals()
    # ana: single-1 'b' right, multi-1 a;b;d right, tf false right; the second 'single-1' column is ignored.
    assert score[0] == pytest.approx(3.0) and maximum[0] == 3.0


def test_csv_without_student_column_rejects_its_rows(course):
    results, summary, rejected = _graded([GRADE / "no-student.csv"], course)
    assert [(r.line, r.reason, r.rows) for r in rejected] == [(1, Reason.no_student_column, 2)]
    assert summary.rows_rejected == 2 and results.students == []


def test_unreadable_file_is_reported(course, tmp_path):
    _, summary, rejected = _graded([tmp_path / "missing.jsonl"], course)
    assert rejected[0].reason is Reason.unreadable and not summary.clean


def test_not_utf8_line_is_bad_json(course, tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_bytes(b'{"student": "a", "bank": "fixture/page", "answers": {}}\n{"student": "\xff"}\n')
    results, _, rejected = _graded([path], course)
    assert [(r.line, r.reason) for r in rejected] == [(2, Reason.bad_json)]
    assert results.students == ["a"]


def test_two_attempts_overlapping_questions_are_a_duplicate(course, tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text(
        '{"student": "a", "bank": "fixture/page", "answers": {}}\n'
        '{"student": "a", "form": "exam/v1", "answers": {}}\n'
    )
    _, _, rejected = _graded([path], course)
    assert [(r.line, r.reason) for r in rejected] == [(2, Reason.duplicate_attempt)]


def test_cli_exit_code_and_allow_partial(tmp_path, capsys):
    args = [str(GRADE / "bad-rows.jsonl"), "--banks", str(FIXTURES / "banks"), "--manifest", str(GRADE / "manifest.json")]
    assert main(["grade", *args, "-o", str(tmp_path / "a")]) == 1
    err = capsys.readouterr().err
    assert "bad-rows.jsonl:2: bad JSON" in err and "11 row(s) rejected" in err
    assert main(["grade", *args, "-o", str(tmp_path / "b"), "--allow-partial"]) == 0
    # The rows that were read are graded and written either way; the rejected ones are listed.
    for out in ("a", "b"):
        gradebook = (tmp_path / out / "gradebook.csv").read_text().splitlines()
        assert [line.split(",")[0] for line in gradebook[1:]] == ["ana", "ivy"]
        rejected = (tmp_path / out / "rejected.csv").read_text().splitlines()
        assert len(rejected) == 1 + 11


def test_schema_flag_writes_the_attempt_schema(tmp_path):
    out = tmp_path / "attempt.schema.json"
    assert main(["grade", "--schema", str(out)]) == 0
    schema = json.loads(out.read_text())
    assert schema == attempt_schema()
    assert set(schema["required"]) == {"student", "answers"} and schema["additionalProperties"] is False
    assert {"bank", "form", "submitted_at"} <= set(schema["properties"])


# The fast acceptance check agrees with the pydantic model ------------------------------------------

_values = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(max_size=6),
    st.sampled_from(["", " x", "x ", "2025-01-01T10:00:00Z", "2025-01-01", "yesterday", "s1"]),
    st.dictionaries(st.text(max_size=3), st.integers() | st.text(max_size=3), max_size=3),
)
_lines = st.dictionaries(st.sampled_from(["student", "bank", "form", "answers", "submitted_at", "extra"]), _values)


@settings(max_examples=300, deadline=None)
@given(_lines)
def test_fast_check_agrees_with_the_model(data):
    try:
        model = Attempt.model_validate(data)
    except ValidationError:
        with pytest.raises(ValidationError):
            check_attempt(data)
        return
    assert check_attempt(data) == (model.student, model.bank, model.form, model.answers)


@pytest.mark.parametrize(
    "kind,cell,value",
    [
        ("single", " b ", "b"),
        ("multiple", "a; c;", ["a", "c"]),
        ("ordering", "i2;i1;i3", ["i2", "i1", "i3"]),
        ("matching", "p1=p2; p2 = p1", {"p1": "p2", "p2": "p1"}),
        ("matching", "p1p2", "p1p2"),          # malformed: left as text, so grade() explains it
        ("matching", "p1=a;p1=b", "p1=a;p1=b"),  # the same left twice: malformed too
        ("short", " Malabar ", " Malabar "),
        ("numeric", "1949", "1949"),
        ("true_false", "false", "false"),
        ("single", "   ", None),
    ],
)
def test_csv_cells(kind, cell, value):
    assert parse_cell(kind, cell) == value


def test_a_byte_order_mark_is_not_an_error(course, tmp_path):
    """Some Windows tools start text files with a BOM; it is not part of the first attempt."""
    path = tmp_path / "r.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"student": "a", "bank": "fixture/page", "answers": {"tf-1": false}}\n')
    results, summary, rejected = _graded([path], course)
    assert not rejected and results.students == ["a"]


def test_results_hold_only_the_items_this_class_was_given(course, tmp_path):
    (tmp_path / "a.jsonl").write_text('{"student": "ana", "form": "exam/ana", "answers": {}}\n')
    first, _, _ = _graded([GRADE / "class.jsonl"], course)
    second, _, _ = _graded([tmp_path / "a.jsonl"], course)  # same course object, four-question form
    assert len(first.items) == 10 and len(second.items) == 4
    assert second.totals()[1].tolist() == [5.0]  # multi-aon is worth 2
