"""Graded work draws from secure pools: ``quizlib form``, ``quizlib serve publish`` and ``quizlib export``.

``form`` and ``publish`` refuse any question whose key is public (a practice bank the book
renders, a pool question repeating a practice prompt, a secure bank left in the public
practice folder) unless ``--allow-public-keys`` is given, and then warn per question.
Before this, the README's graded quiz was published from a practice bank: reading the
book page, then answering, scored 10/10.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from quizlib.cli import main
from quizlib.loader import load_bank, load_banks

from .conftest import ROOT

POOL = ROOT / "pools" / "03-instruments" / "01-attaches.yml"
PRACTICE = ROOT / "quizzes" / "03-instruments" / "01-attaches.yml"
GRADED = ROOT / "blueprints" / "instruments-graded.yml"


def drawn_ids(out: Path) -> set[str]:
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return {q["qid"] for f in manifest["forms"] for q in f["questions"]}


def test_form_draws_from_the_secure_pools_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.chdir(ROOT)
    out = tmp_path / "forms"
    assert main(["form", str(GRADED), "--variants", "3", "-o", str(out)]) == 0
    ids = drawn_ids(out)
    pool_ids = {b.global_id(q) for b in load_banks([ROOT / "pools"]).banks.values() for q in b.questions}
    assert ids and ids <= pool_ids
    assert "warning" not in capsys.readouterr().err


def test_form_refuses_practice_questions_unless_allowed_then_warns_per_question(tmp_path: Path, capsys) -> None:
    out = tmp_path / "forms"
    practice = str(ROOT / "quizzes" / "03-instruments")
    assert main(["form", str(GRADED), "--banks", practice, "--variants", "3", "-o", str(out)]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "have a public key" in err and "--allow-public-keys" in err and "no forms written" in err
    assert not out.exists()
    assert main(["form", str(GRADED), "--banks", practice, "--variants", "3", "-o", str(out), "--allow-public-keys"]) == 0
    warned = set(re.findall(r"warning: question (\S+):", capsys.readouterr().err))
    assert warned == drawn_ids(out) and len(warned) >= 10  # one warning per drawn question, no more


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A small course of its own: pyproject with [tool.quizlib], one practice bank, one pool."""
    root = tmp_path / "course"
    (root / "quizzes" / "03-instruments").mkdir(parents=True)
    (root / "pools" / "03-instruments").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[tool.quizlib]\npractice_banks = "quizzes"\nsecure_pools = "pools"\n')
    shutil.copy(PRACTICE, root / "quizzes" / "03-instruments" / "01-attaches.yml")
    shutil.copy(POOL, root / "pools" / "03-instruments" / "01-attaches.yml")
    exam = GRADED.read_text(encoding="utf-8").replace("chapters: [3]", "sections: [03-instruments/01-attaches]")
    (root / "exam.yml").write_text(exam.replace("total_points: 12", "total_points: 2"))
    return root


def test_a_pool_question_repeating_a_practice_prompt_is_refused(course: Path, capsys) -> None:
    pool = course / "pools" / "03-instruments" / "01-attaches.yml"
    text = pool.read_text(encoding="utf-8")
    practice = load_bank(course / "quizzes" / "03-instruments" / "01-attaches.yml")
    copied = " ".join(practice.question("attaches-legal-basis").prompt.split())
    text = re.sub(r"(id: sec-attaches-advance-approval\n(?:.*\n)*?    prompt: \|\n)(?:      .*\n)+",
                  lambda m: m.group(1) + f"      {copied}\n", text, count=1)
    pool.write_text(text, encoding="utf-8")
    code = main(["form", str(course / "exam.yml"), "--banks", str(course / "pools"), "--variants", "20",
                 "-o", str(course / "out"), "--manifest-only"])
    err = " ".join(capsys.readouterr().err.split())
    assert code == 1, err
    assert "sec-attaches-advance-approval: same prompt as practice question 03-instruments/01-attaches/attaches-legal-basis" in err
    code = main(["serve", "publish", str(pool), "--id", "q", "--db", f"sqlite:///{course / 's.db'}"])
    assert code == 1 and "same prompt as practice question" in capsys.readouterr().err


def test_a_secure_bank_in_the_practice_folder_is_public(course: Path, capsys) -> None:
    misplaced = course / "quizzes" / "03-instruments" / "09-secret.yml"
    shutil.move(course / "pools" / "03-instruments" / "01-attaches.yml", misplaced)
    code = main(["serve", "publish", str(misplaced), "--id", "q", "--db", f"sqlite:///{course / 's.db'}"])
    assert code == 1
    assert "is in the practice banks' folder, which is public" in " ".join(capsys.readouterr().err.split())


def test_publish_takes_a_pool_as_it_is_and_a_practice_bank_only_when_allowed(tmp_path: Path, capsys) -> None:
    db = f"sqlite:///{tmp_path / 's.db'}"
    assert main(["serve", "publish", str(POOL), "--id", "graded", "--db", db]) == 0
    assert "warning" not in capsys.readouterr().err
    assert main(["serve", "publish", str(PRACTICE), "--id", "practice", "--db", db]) == 1
    assert "have a public key" in " ".join(capsys.readouterr().err.split())
    assert main(["serve", "publish", str(PRACTICE), "--id", "practice", "--db", db, "--allow-public-keys"]) == 0
    warnings = re.findall(r"warning: question (\S+):", capsys.readouterr().err)
    assert len(warnings) == len(load_banks([PRACTICE]).banks[PRACTICE].questions)
    # A blueprint quiz from the chapter's pools.
    assert main(["serve", "publish", str(ROOT / "pools" / "03-instruments"), "--blueprint", str(GRADED),
                 "--id", "chapter3", "--db", db]) == 0


def test_export_reads_the_pools(tmp_path: Path, capsys) -> None:
    out = tmp_path / "exports"
    assert main(["export", str(ROOT / "pools"), "-f", "all", "-o", str(out), "--name", "graded"]) == 0
    report = json.loads((out / "export-report.json").read_text(encoding="utf-8"))
    n = sum(len(b.questions) for b in load_banks([ROOT / "pools"]).banks.values())
    assert n >= 30 and {r["format"] for r in report} == {"blackboard", "gift", "moodle", "qti"}
    assert all(r["questions"] == n for r in report)
    moodle = (out / "graded.moodle.xml").read_text(encoding="utf-8")
    assert "A state plans to post a new air attaché" in moodle
