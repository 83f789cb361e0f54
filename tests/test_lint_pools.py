"""Secure pools in ``quizlib lint``: the exposure table, the practice rules that apply to pools, and the real course."""

from __future__ import annotations

import shutil
from pathlib import Path

from quizlib.cli import main
from quizlib.lint import lint

from .conftest import FIXTURES, ROOT

COURSE = FIXTURES / "lint"


def test_exposure_counts_secure_questions_per_objective() -> None:
    rows = {r.objective: r for r in lint(COURSE).exposure}
    assert set(rows) == {"O1.1", "O1.2", "O1.3", "O2.1", "O2.2"}
    # Only pools marked secure count: pools/01-alpha/02-second.yml forgot its flag.
    assert (rows["O1.1"].secure, rows["O1.2"].secure, rows["O1.3"].secure) == (1, 1, 0)
    assert rows["O2.1"].secure == 1 and rows["O2.1"].sections == {"02-beta/01-solo"}  # the misplaced pool is secure
    assert rows["O1.2"].difficulty == {"easy": 1}
    assert rows["O1.1"].practice > 0


def test_pools_meet_the_practice_rules_and_may_not_repeat_a_practice_prompt(tmp_path: Path) -> None:
    root = tmp_path / "course"
    shutil.copytree(COURSE, root)
    pool = root / "pools" / "01-alpha" / "01-first.yml"
    text = pool.read_text(encoding="utf-8")
    practice = (root / "quizzes/01-alpha/01-first.yml").read_text(encoding="utf-8")
    copied = next(l.split("prompt:", 1)[1].strip() for l in practice.splitlines() if "prompt:" in l)
    text = text.replace("prompt: The first alpha tool suits light loads best.", f"prompt: {copied}")
    text = text.replace("source: alpha-first-details", "source: alpha-nowhere")
    pool.write_text(text, encoding="utf-8")
    found = {(f.rule, f.question_id) for f in lint(root).findings if f.file == "pools/01-alpha/01-first.yml"}
    assert ("near-duplicate-prompt", "p1-compare") in found  # a repeated practice prompt: its key is public
    assert ("source-unresolved", "p1-compare") in found
    assert ("negative-stem", "p1-compare") in found  # the copied prompt's cue travels with it


def test_the_cli_prints_the_exposure_table_and_accepts_another_pools_folder(tmp_path: Path, capsys) -> None:
    assert main(["lint", "--root", str(COURSE)]) == 1
    out = " ".join(capsys.readouterr().out.split())  # Rich wraps at the terminal's width
    assert "Secure questions by objective" in out and "3 secure pool(s), 4 question(s)" in out
    assert "2 of 5 objective(s) have no secure question" in out
    empty = tmp_path / "nothing"
    empty.mkdir()
    assert main(["lint", "--root", str(COURSE), "--pools", str(empty)]) == 1
    out = capsys.readouterr().out
    assert "pool-not-secure" not in out and "pool-unfair-ordering" not in out


def test_the_demonstration_pools_lint_clean_and_cover_chapter_3() -> None:
    result = lint(ROOT)
    pool_findings = [str(f) for f in result.findings if f.file.startswith("pools/")]
    assert pool_findings == []
    assert [str(f) for f in result.errors] == []
    rows = {r.objective: r for r in result.exposure}
    for objective in ("O3.1", "O3.2", "O3.3", "O3.4", "O3.5"):
        assert rows[objective].secure >= 6, objective
    pages = {p.bank.page for p in result.course.pools}
    assert pages >= {f"03-instruments/{s}" for s in ("01-attaches", "02-joint-exercises", "03-exchanges-and-education",
                                                     "04-communication-channels", "05-presence-abroad")}
    assert all(len(p.bank.questions) >= 6 and p.bank.secure for p in result.course.pools)
