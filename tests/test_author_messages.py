"""What an author reads when a bank is wrong: plain words and a way to fix it, and lint in one pass.

Authors are not programmers: "Input should be a valid number" or "mapping values
are not allowed in this context" tell them what the parser wanted, not what to
type. Each message names the file, line, question and field, and says the fix.
"""

from __future__ import annotations

import shutil

import pytest

from quizlib.cli import main
from quizlib.lint import lint
from quizlib.loader import BankLoadError, parse_bank

from .conftest import FIXTURES

BANK = """\
schema_version: 1
page: a/b
title: T
objectives:
  - id: O1
    text: x
questions:
  - id: q1
    type: single
    prompt: {prompt}
    points: {points}
    difficulty: {difficulty}
    objective: O1
    source: s
    explanation: e
    options: {options}
"""
GOOD = dict(prompt="ok", points=1, difficulty="easy", options="\n      - text: a\n        correct: true\n      - text: b")


def _errors(**changes) -> list[str]:
    with pytest.raises(BankLoadError) as info:
        parse_bank(BANK.format(**(GOOD | changes)), "f.yml")
    return [str(e) for e in info.value.errors]


def test_a_colon_in_an_unquoted_prompt_says_to_quote_it():
    (msg,) = _errors(prompt="Which treaty: Vienna or Geneva?")
    assert msg.startswith("f.yml:10:")
    assert "put the whole text in quotes" in msg
    assert 'prompt: "Which treaty: Vienna or Geneva?"' in msg


@pytest.mark.parametrize(
    "changes,field,words",
    [
        (dict(points='"two"'), "points", "must be a number, such as 2 or 0.5 (got the text 'two')"),
        (dict(points='"2"'), "points", "write numbers without quotes"),
        (dict(points=0), "points", "must be more than 0"),
        (dict(points=2000), "points", "must be at most 1000"),
        (dict(difficulty="tough"), "difficulty", "must be one of easy, medium, hard (got 'tough')"),
        (dict(difficulty="Easy"), "difficulty", "did you mean 'easy'?"),
        (dict(options="\n      - text: 1961\n        correct: true\n      - text: b"), "options[0].text",
         "must be text, but YAML read 1961 as a number: put it in quotes, '1961'"),
        (dict(options="\n      - text: a\n        correct: yes\n      - text: b"), "options[0].correct",
         "must be true or false (got the text 'yes')"),
        (dict(options="a"), "options", "must be a list, one entry per line starting with '- '"),
        (dict(options="\n      - text: a\n        correct: true"), "options", "needs at least 2 entries (found 1)"),
        (dict(options="\n      - [a]\n      - text: b"), "options[0]", "must be 'key: value' lines"),
        (dict(prompt='""'), "prompt", "must not be empty"),
        (dict(options="\n      - {text: a, correct: true, id: 'a b'}\n      - text: b"), "options[0].id",
         "an id may use only letters, digits, '-', '_' and '.', starting with a letter or digit (got 'a b')"),
    ],
)
def test_wrong_types_and_values_are_explained_in_plain_words(changes, field, words):
    errors = _errors(**changes)
    mine = [e for e in errors if f"field '{field}'" in e]
    assert mine, errors
    assert words in mine[0], mine[0]
    assert not any(raw in e for e in errors for raw in ("Input should", "String should", "List should", "[type="))


LINT_BANK = """\
schema_version: 1
page: 01-alpha/02-second
title: Alpha two
objectives:
  - id: O1.1
    text: Explain what alpha tools are for.
questions:
  - id: x-broken
    type: single
    difficulty: medium
    objective: O1.1
    source: alpha-broken
    prompt: Does this load?
    points: lots
    options:
      - text: Yes
      - text: No
        correct: true
    explanation: Points are not a number.
  - id: x-above
    type: single
    difficulty: medium
    objective: O1.1
    source: alpha-broken
    prompt: Which of these is right?
    options:
      - text: One
      - text: None of the above
        correct: true
    explanation: A cue.
"""


def test_lint_reports_validation_errors_and_lint_findings_in_one_run(tmp_path, capsys):
    course = tmp_path / "course"
    shutil.copytree(FIXTURES / "lint", course)
    bank = course / "quizzes" / "01-alpha" / "02-second.yml"
    bank.write_text(LINT_BANK, encoding="utf-8")
    result = lint(course)
    mine = [f for f in result.findings if f.file == "quizzes/01-alpha/02-second.yml"]
    rules = {(f.rule, f.line) for f in mine}
    lines = LINT_BANK.splitlines()
    assert ("bank-invalid", lines.index("    points: lots") + 1) in rules
    # The question that loads is still linted, at its own line in the file.
    assert ("all-none-of-above", lines.index("      - text: None of the above") + 1) in rules
    # The bank counts both questions for its size (not only the one that loaded).
    assert not any(f.rule == "bank-too-small" and "1 question" in f.message for f in mine)
    capsys.readouterr()
    assert main(["lint", "--root", str(course)]) == 1
    out = capsys.readouterr().out
    assert "points" in out and "None of the above" in out
