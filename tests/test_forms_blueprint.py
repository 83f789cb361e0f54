"""Blueprints validate like banks: every error located by file, line and field."""

from __future__ import annotations

import pytest

from quizlib.blueprint import Balance, BlueprintError, load_blueprint, parse_blueprint
from quizlib.forms import DrawError, Drawer, FormSpec
from quizlib.loader import load_banks

from .conftest import FIXTURES, ROOT

FORM_BANKS = FIXTURES / "forms" / "banks"

VALID = """\
schema_version: 1
exam_id: quiz1
title: Quiz one
draw:
  - chapters: 1-2
    per_section: 1
"""


def banks():
    return list(load_banks([FORM_BANKS]).banks.values())


def test_committed_midterm_blueprint_is_valid_and_names_its_chapters():
    bp = load_blueprint(ROOT / "blueprints" / "midterm.yml").blueprint
    assert bp.exam_id == "midterm"
    assert [(rule.chapters, rule.per_chapter) for rule in bp.draw] == [([1, 3, 4, 5], 7), ([2, 6], 6)]
    assert bp.total_points == 40
    assert bp.balance is Balance.exposure


def test_chapter_range_and_single_values_expand():
    bp = parse_blueprint(VALID, "bp.yml").blueprint
    assert bp.draw[0].chapters == [1, 2]
    bp = parse_blueprint(VALID.replace("chapters: 1-2", "chapters: 2"), "bp.yml").blueprint
    assert bp.draw[0].chapters == [2]
    bp = parse_blueprint(VALID.replace("chapters: 1-2", "chapters: [1, 02-beta]"), "bp.yml").blueprint
    assert bp.draw[0].chapters == [1, "02-beta"]


def test_errors_are_located_with_line_and_field_and_all_reported():
    text = VALID.replace("title: Quiz one", "titel: Quiz one").replace("per_section: 1", "per_section: 1\n    count: 3")
    with pytest.raises(BlueprintError) as info:
        parse_blueprint(text, "bp.yml")
    got = {(e.line, e.field) for e in info.value.errors}
    lines = text.splitlines()
    assert (lines.index("titel: Quiz one") + 1, "titel") in got
    assert (1, "title") in got  # the missing title, at the document
    quota = next(e for e in info.value.errors if "exactly one of" in e.message)
    assert quota.line == lines.index("  - chapters: 1-2") + 1 and quota.field == "draw[0]"
    assert "did you mean 'title'" in next(e.message for e in info.value.errors if e.field == "titel")
    assert all(str(e).startswith("bp.yml:") for e in info.value.errors)


def test_unknown_type_and_bad_cap_are_located():
    text = VALID + "    types: [single, essay]\n    max_per_chapter: {hard: -1}\n"
    with pytest.raises(BlueprintError) as info:
        parse_blueprint(text, "bp.yml")
    msgs = {e.field: e.message for e in info.value.errors}
    assert "unknown question type 'essay'" in msgs["draw[0].types[1]"]
    assert any("cannot be negative" in m for m in msgs.values())


def test_chapter_missing_from_banks_is_a_located_error():
    located = parse_blueprint(VALID.replace("chapters: 1-2", "chapters: [1, 9]"), "bp.yml")
    with pytest.raises(BlueprintError) as info:
        Drawer(located, banks())
    (err,) = info.value.errors
    assert err.field == "draw[0].chapters[1]" and err.line == 5
    assert "no bank in chapter 9" in err.message and "01-alpha" in err.message


def test_too_many_per_section_names_the_section_and_the_rule_line():
    text = VALID.replace("per_section: 1", "per_section: 4\n    difficulty: [hard]")
    with pytest.raises(DrawError) as info:
        Drawer(parse_blueprint(text, "bp.yml"), banks())
    errs = info.value.errors
    assert len(errs) == 4  # every section has only 2 hard questions
    assert all(e.field == "draw[0].per_section" and e.line == 6 for e in errs)
    assert "section '01-alpha/01-part' has only 2 question(s) matching difficulty hard" in errs[0].message


def test_cap_that_cannot_be_met_names_the_cap_chapter_and_need():
    # 2 hard per section required (only hard questions allowed) but at most 3 hard per chapter.
    text = VALID.replace("per_section: 1", "per_section: 2\n    difficulty: [hard]\n    max_per_chapter: {hard: 3}")
    with pytest.raises(DrawError) as info:
        Drawer(parse_blueprint(text, "bp.yml"), banks())
    errs = info.value.errors
    assert {e.field for e in errs} == {"draw[0].max_per_chapter.hard"}
    assert errs[0].line == text.splitlines().index("    max_per_chapter: {hard: 3}") + 1
    assert "at most 3 hard in chapter '01-alpha' cannot be met" in errs[0].message
    assert "its sections need at least 4 hard question(s)" in errs[0].message


def test_total_points_mismatch_is_reported_at_total_points():
    text = VALID + "    points: 1\ntotal_points: 7\n"
    drawer = Drawer(parse_blueprint(text, "bp.yml"), banks())
    with pytest.raises(DrawError) as info:
        drawer.draw_next(FormSpec("quiz1/v1", "v1"))
    (err,) = info.value.errors
    assert err.field == "total_points" and err.line == len(text.splitlines())
    assert "total_points is 7 but form quiz1/v1 totals 4" in err.message
