"""`quizlib lint` on a fixture course with one planted instance of every rule, and on the real course."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from quizlib.cli import main
from quizlib.lint import RULES, Severity, lint
from quizlib.lint.audit import AUDIT_RULES

from .course import N_QUESTIONS
from .conftest import FIXTURES, ROOT

COURSE = FIXTURES / "lint"
Q = "quizzes/01-alpha"


def line_of(rel: str, needle: str, after: str | None = None) -> int:
    """1-based line of the first line containing ``needle`` (after the line containing ``after``)."""
    lines = (COURSE / rel).read_text(encoding="utf-8").splitlines()
    start = next(n for n, line in enumerate(lines) if after in line) if after else 0
    for n in range(start, len(lines)):
        if needle in lines[n]:
            return n + 1
    raise AssertionError(f"{needle!r} not in {rel}")


@pytest.fixture(scope="module")
def result():
    return lint(COURSE)


def expected_findings() -> set[tuple[str, str, int, str | None]]:
    first, second, solo = f"{Q}/01-first.yml", f"{Q}/02-second.yml", "quizzes/02-beta/01-solo.yml"
    return {
        # errors
        ("bank-invalid", f"{Q}/04-broken.yml", line_of(f"{Q}/04-broken.yml", "type: singel"), "b-broken"),
        ("duplicate-bank", f"{Q}/05-first-copy.yml", line_of(f"{Q}/05-first-copy.yml", "page:"), None),
        ("page-without-bank", "book/01-alpha/03-orphan.md", 1, None),
        ("bank-too-small", second, line_of(second, "questions:"), None),
        ("page-missing", f"{Q}/09-ghost.yml", line_of(f"{Q}/09-ghost.yml", "page:"), None),
        ("source-unresolved", first, line_of(first, "source: alpha-in-code"), "a1-source"),
        ("objective-unknown", second, line_of(second, "- id: O1.9"), None),
        ("objective-text-mismatch", second, line_of(second, "text: Compare the two"), None),
        ("duplicate-id", second, line_of(second, "- id: a1-negative"), "a1-negative"),
        ("near-duplicate-prompt", second, line_of(second, "prompt:", after="id: a2-near"), "a2-near"),
        # secure pools (quizlib/lint/pools.py)
        ("pool-objective-outside-section", "pools/01-alpha/01-first.yml",
         line_of("pools/01-alpha/01-first.yml", "- id: O1.2"), None),
        ("pool-unfair-ordering", "pools/01-alpha/01-first.yml", line_of("pools/01-alpha/01-first.yml", "items:"), "p1-order"),
        ("pool-not-secure", "pools/01-alpha/02-second.yml", line_of("pools/01-alpha/02-second.yml", "page:"), None),
        ("secure-outside-pools", "quizzes/02-beta/02-secret.yml", line_of("quizzes/02-beta/02-secret.yml", "secure:"), None),
        # warnings
        ("position-bias", first, line_of(first, "questions:"), None),
        ("long-correct", first, line_of(first, "text: Holding a heavy load"), "a1-long"),
        ("all-none-of-above", first, line_of(first, "None of the above"), "a1-above"),
        ("negative-stem", first, line_of(first, "prompt:", after="id: a1-negative"), "a1-negative"),
        ("negative-stem", first, line_of(first, "prompt:", after="id: a1-bare"), "a1-bare"),
        ("answer-in-prompt", first, line_of(first, "prompt:", after="id: a1-giveaway"), "a1-giveaway"),
        ("answer-in-prompt", first, line_of(first, "prompt:", after="id: a1-giveaway-single"), "a1-giveaway-single"),
        ("bank-all-easy", second, line_of(second, "questions:"), None),
        ("chapter-few-types", solo, line_of(solo, "questions:"), None),
        ("objective-few-questions", "book/01-alpha/index.md", line_of("book/01-alpha/index.md", "**O1.3**"), None),
        ("objective-few-questions", solo, line_of(solo, "- id: O2.2"), None),
        ("allow-no-reason", first, line_of(first, "# lint-allow: negative-stem", after="id: a1-bare"), "a1-bare"),
        ("allow-unused", first, line_of(first, "# lint-allow: long-correct"), "a1-unused"),
        ("allow-unused", solo, line_of(solo, "# lint-allow: position-bias"), None),
        ("allow-unused", solo, line_of(solo, "# lint-allow: source-unresolved"), None),
        ("allow-unused", solo, line_of(solo, "# lint-allow: negative-stem"), None),
    }


def test_every_planted_mistake_is_reported_at_its_line_and_nothing_else(result):
    got = {(f.rule, f.file, f.line, f.question_id) for f in result.findings}
    assert got == expected_findings()


def test_fixture_plants_every_rule(result):
    # The test-wise audit's rules are planted in their own course, fixtures/lint/testwise (test_lint_testwise.py).
    assert {f.rule for f in result.findings} == set(RULES) - set(AUDIT_RULES)


def test_severities_follow_the_rule_table(result):
    assert all(f.severity is RULES[f.rule].severity for f in result.findings + result.suppressed)
    assert {f.rule for f in result.errors} == {
        "bank-invalid", "duplicate-bank", "page-without-bank", "bank-too-small", "page-missing",
        "source-unresolved", "objective-unknown", "objective-text-mismatch", "duplicate-id",
        "near-duplicate-prompt", "pool-objective-outside-section", "pool-unfair-ordering", "pool-not-secure",
        "secure-outside-pools",
    }


def test_reasoned_allows_suppress_their_warning_only(result):
    first, solo = f"{Q}/01-first.yml", "quizzes/02-beta/01-solo.yml"
    assert {(f.rule, f.file, f.question_id) for f in result.suppressed} == {
        ("negative-stem", first, "a1-allowed"),  # question-level allow
        ("bank-all-easy", solo, None),  # bank-level allow before `questions:`
    }
    # The allowed question still exists and is otherwise linted (its correct option counts for position-bias).
    assert not [f for f in result.findings if f.question_id == "a1-allowed"]


def test_messages_name_the_other_location(result):
    by_rule = {f.rule: f for f in result.findings}
    assert f"{Q}/01-first.yml:{line_of(f'{Q}/01-first.yml', '- id: a1-near')}" in by_rule["near-duplicate-prompt"].message
    assert f"{Q}/01-first.yml:{line_of(f'{Q}/01-first.yml', '- id: a1-negative')}" in by_rule["duplicate-id"].message
    assert "did you mean 'single'" in by_rule["bank-invalid"].message
    assert "8 of 9 correct options" in by_rule["position-bias"].message


def test_coverage_table_counts(result):
    rows = {row.chapter: row for row in result.chapters}
    alpha, beta = rows["01-alpha"], rows["02-beta"]
    assert (alpha.banks, alpha.questions) == (4, 11 + 3 + 2 + 3)  # the broken bank is not counted
    assert alpha.types == {"single", "multiple", "short", "true_false", "numeric"}
    assert (alpha.objectives_covered, alpha.objectives_total) == (2, 3)
    assert (beta.banks, beta.questions, beta.difficulty["easy"]) == (1, 3, 3)
    assert (beta.objectives_covered, beta.objectives_total) == (1, 2)
    assert result.total.questions == alpha.questions + beta.questions
    assert result.total.objectives_total == 5


def test_cli_reports_and_fails_on_errors(capsys):
    assert main(["lint", "--root", str(COURSE)]) == 1
    out = capsys.readouterr().out
    assert f"{Q}/01-first.yml:{line_of(f'{Q}/01-first.yml', 'source: alpha-in-code')}: error source-unresolved" in out
    assert "Coverage by chapter" in out and "01-alpha" in out
    assert "lint failed: 14 error(s), 16 warning(s), 2 allowed by comment" in out


def _clean_course(tmp_path: Path, extra_header: str = "") -> Path:
    """A one-page course whose only finding is bank-all-easy, unless ``extra_header`` allows it."""
    shutil.copy(COURSE / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "book/01-x").mkdir(parents=True)
    (tmp_path / "book/01-x/index.md").write_text("1. **O1.1** Know x.\n")
    (tmp_path / "book/01-x/01-y.md").write_text("(y)=\n# Y\n")
    (tmp_path / "quizzes/01-x").mkdir(parents=True)
    questions = "".join(
        f"  - {{id: q{i}, type: {t}, difficulty: easy, objective: O1.1, source: y, prompt: {prompt},"
        f" explanation: Because., {body}}}\n"
        for i, (t, prompt, body) in enumerate([
            ("true_false", "Y is a letter", "answer: true"),
            ("numeric", "How many arms has the letter y?", "answer: 3"),
            ("short", "Spell the name of the letter after x", "answers: [wye]"),
        ])
    )
    (tmp_path / "quizzes/01-x/01-y.yml").write_text(
        f"{extra_header}schema_version: 1\npage: 01-x/01-y\ntitle: Y\n"
        "objectives:\n  - {id: O1.1, text: Know x.}\nquestions:\n" + questions
    )
    return tmp_path


def test_warnings_pass_unless_strict(tmp_path, capsys):
    root = _clean_course(tmp_path)
    assert [f.rule for f in lint(root).findings] == ["bank-all-easy"]
    assert main(["lint", "--root", str(root)]) == 0
    assert "lint passed: 0 error(s), 1 warning(s)" in capsys.readouterr().out
    assert main(["lint", "--root", str(root), "--strict"]) == 1
    assert "warnings under --strict" in capsys.readouterr().out


def test_strict_passes_once_the_warning_is_explained(tmp_path):
    root = _clean_course(tmp_path, "# lint-allow: bank-all-easy a deliberate warm-up bank\n")
    result = lint(root)
    assert not result.findings and [f.rule for f in result.suppressed] == ["bank-all-easy"]
    assert main(["lint", "--root", str(root), "--strict"]) == 0


def test_book_and_quizzes_options_are_relative_to_root(tmp_path):
    root = _clean_course(tmp_path)
    (root / "quizzes").rename(root / "banks")
    assert [f.rule for f in lint(root, quizzes="banks").findings] == ["bank-all-easy"]
    assert main(["lint", "--root", str(root), "--quizzes", "banks"]) == 0


def test_missing_config_is_a_clear_failure(tmp_path, capsys):
    root = _clean_course(tmp_path)
    (root / "pyproject.toml").write_text("[tool.quizlib.lint]\nmin_questions_per_bank = 3\n")
    assert main(["lint", "--root", str(root)]) == 1
    err = capsys.readouterr().err
    assert "pyproject.toml" in err and "min_types_per_chapter" in err


def test_real_course_has_no_lint_errors():
    result = lint(ROOT)
    assert result.course.bank_files == len(result.course.banks) >= 36
    assert len(result.course.book.sections) >= 36
    assert [str(f) for f in result.errors] == []
    assert result.total.questions == N_QUESTIONS


def test_severity_is_an_enum_of_two():
    assert {s.value for s in Severity} == {"error", "warning"}
