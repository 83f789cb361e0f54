"""Loading reports every error of a file with file:line:column, question and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from quizlib.loader import BankLoadError, load_bank, load_banks, parse_bank
from quizlib.schema_versions import SchemaVersionError, upgrade

from .conftest import FIXTURES

FIVE = FIXTURES / "bad" / "five-mistakes.yml"


def line_of(path: Path, needle: str, start: int = 1) -> int:
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if n >= start and needle in line:
            return n
    raise AssertionError(needle)


def test_five_planted_mistakes_all_reported_with_lines():
    with pytest.raises(BankLoadError) as info:
        load_bank(FIVE)
    got = {(e.line, e.question_id, e.field) for e in info.value.errors}
    second_q2 = line_of(FIVE, "- id: q2", line_of(FIVE, "- id: q2") + 1)
    assert got == {
        (line_of(FIVE, "explanaton"), "q1", "explanaton"),
        (line_of(FIVE, "options:"), "q1", "options"),
        (line_of(FIVE, "objective: O9"), "q2", "objective"),
        (line_of(FIVE, "tolerance: -1"), "q2", "tolerance"),
        (second_q2, "q2", "id"),
    }
    assert all(e.file == str(FIVE) and e.column == 5 for e in info.value.errors)


def test_error_text_names_file_line_question_field():
    with pytest.raises(BankLoadError) as info:
        load_bank(FIVE)
    first = str(info.value).splitlines()[0]
    assert first == (
        f"{FIVE}:{line_of(FIVE, 'explanaton')}:5: question 'q1', field 'explanaton': "
        "unknown key 'explanaton' (not part of the bank format); did you mean 'explanation'?"
    )


def test_every_duplicate_yaml_key_is_an_error_alongside_other_errors():
    text = (FIXTURES / "banks" / "all-types.yml").read_text()
    text = text.replace("title: Fixture bank\n", "title: Fixture bank\ntitle: Again\n", 1)
    text = text.replace("    difficulty: easy\n", "    difficulty: easy\n    difficulty: hard\n", 1)
    text = text.replace("objective: O1.2\n", "objective: O9\n", 1)
    with pytest.raises(BankLoadError) as info:
        parse_bank(text, "dup.yml")
    lines = text.splitlines()
    got = [(e.line, e.field, e.message) for e in info.value.errors]
    assert (lines.index("title: Again") + 1, "title", "duplicate key 'title' (each key may appear once)") in got
    assert (lines.index("    difficulty: hard") + 1, "questions[0].difficulty",
            "duplicate key 'difficulty' (each key may appear once)") in got
    assert any(e.field == "objective" and "O9" in e.message for e in info.value.errors)
    assert len(got) == 3


def test_yaml_one_point_two_booleans():
    """`No`/`on` are answers, not booleans; only true/false are booleans."""
    text = (FIXTURES / "banks" / "all-types.yml").read_text().replace("- text: Malabar\n", "- text: No\n", 1)
    bank = parse_bank(text, "b.yml")
    assert bank.question("single-1").options[0].text == "No"


def test_yaml_syntax_error_is_located():
    with pytest.raises(BankLoadError) as info:
        parse_bank("schema_version: 1\nquestions: [\n  - a: b\n", "syn.yml")
    (err,) = info.value.errors
    assert err.message.startswith("YAML:") and err.line >= 2


def test_not_a_mapping():
    with pytest.raises(BankLoadError) as info:
        parse_bank("- just\n- a list\n", "list.yml")
    assert info.value.errors[0].message == "a bank file must be a YAML mapping"


def test_missing_field_points_at_question_start():
    text = """schema_version: 1
page: a/b
title: t
objectives: [{id: O1, text: k}]
questions:
  - id: q1
    type: true_false
    prompt: p
    source: s
    objective: O1
    difficulty: easy
    answer: true
"""
    with pytest.raises(BankLoadError) as info:
        parse_bank(text, "m.yml")
    (err,) = info.value.errors
    assert (err.line, err.question_id, err.field, err.message) == (6, "q1", "explanation", "required field is missing")


def test_unknown_type_points_at_type_line_and_suggests():
    text = "schema_version: 1\npage: a/b\ntitle: t\nobjectives: [{id: O1, text: k}]\nquestions:\n  - id: q1\n    type: numerc\n"
    with pytest.raises(BankLoadError) as info:
        parse_bank(text, "t.yml")
    (err,) = info.value.errors
    assert err.line == 7 and err.field == "type" and "did you mean 'numeric'?" in err.message


def test_newer_schema_version_is_refused_clearly():
    with pytest.raises(BankLoadError) as info:
        parse_bank("schema_version: 9\npage: a\n", "v.yml")
    (err,) = info.value.errors
    assert err.line == 1 and "newer than this quizlib understands" in err.message


def test_upgrade_chain_applies_each_step_in_order():
    steps = {1: lambda d: {"schema_version": 1, "b": d["a"]}, 2: lambda d: {**d, "c": d["b"] * 2}}
    assert upgrade({"schema_version": 1, "a": 3}, target=3, steps=steps) == {"schema_version": 3, "b": 3, "c": 6}
    with pytest.raises(SchemaVersionError, match="no upgrade from schema_version 1"):
        upgrade({"schema_version": 1}, target=2, steps={})


def test_fixture_bank_loads(fixture_bank):
    assert len(fixture_bank.questions) == 10
    assert {q.type for q in fixture_bank.questions} == {
        "single", "multiple", "true_false", "short", "numeric", "matching", "ordering"
    }


def test_load_banks_collects_errors_across_files(tmp_path):
    good = (FIXTURES / "banks" / "all-types.yml").read_text()
    (tmp_path / "a.yml").write_text(good)
    (tmp_path / "b.yml").write_text(good)  # same page twice
    (tmp_path / "c.yml").write_text(FIVE.read_text())
    report = load_banks([tmp_path])
    assert report.files == 3 and len(report.banks) == 2
    assert sum(e.file.endswith("c.yml") for e in report.errors) == 5
    assert any("already has a bank" in e.message for e in report.errors)


def test_unreadable_file(tmp_path):
    p = tmp_path / "bin.yml"
    p.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(BankLoadError, match="cannot read file"):
        load_bank(p)
