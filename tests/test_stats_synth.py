"""The committed synthetic class: grade + stats recover the structure planted in it."""

from __future__ import annotations

import csv
import importlib.util
import json
import sys

import numpy as np
import pytest
from scipy import stats as sps

from quizlib.cli import main
from quizlib.grade.run import grade_files, load_course
from quizlib.stats import analyse

from .conftest import ROOT


def _synth():
    spec = importlib.util.spec_from_file_location("synth_class", ROOT / "benchmarks" / "synth_class.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("synth_class", module)  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth")
    truth = _synth().generate(out, students=1000, n_questions=40, seed=11)
    course = load_course([ROOT / "quizzes"], out / "manifest.json")
    results, summary = grade_files([out / "responses.jsonl"], course)
    assert summary.clean and summary.students == 1000 and summary.responses == 1000 * 40
    return out, truth, analyse(results)


def test_harder_questions_have_lower_facility(synth):
    _, truth, a = synth
    items = [s for s in a.items if s.gid != truth["bad_item"]]
    planted = np.array([truth["difficulty"][s.gid] for s in items])
    facility = np.array([s.facility for s in items])
    # Partial credit (a swapped pair still earns most of an ordering) blurs the order across types ...
    assert sps.spearmanr(planted, facility).statistic < -0.6
    # ... while on right-or-wrong items facility is the model's probability of a right answer.
    right_or_wrong = [i for i, s in enumerate(items) if s.qtype in ("single", "true_false", "short", "numeric")]
    assert len(right_or_wrong) >= 20
    assert sps.spearmanr(planted[right_or_wrong], facility[right_or_wrong]).statistic < -0.9
    by_level = {lvl: np.mean([s.facility for s in items if s.difficulty == lvl]) for lvl in ("easy", "medium", "hard")}
    assert by_level["easy"] > by_level["medium"] > by_level["hard"]


def test_good_questions_discriminate(synth):
    _, truth, a = synth
    good = [s for s in a.items if s.gid != truth["bad_item"]]
    assert np.median([s.discrimination for s in good]) > 0.2
    assert all(s.discrimination > 0 for s in good)
    assert a.test.alpha > 0.7  # 40 items driven by one ability


def test_planted_bad_item_is_flagged_with_its_trap(synth):
    _, truth, a = synth
    bad = next(s for s in a.items if s.gid == truth["bad_item"])
    assert bad.discrimination < 0 and bad.upper_lower < 0
    assert any("negative discrimination" in f for f in bad.flags)
    trap = next(o for o in bad.options if o.option_id == truth["trap_option"])
    assert trap.share_top > trap.share_bottom and trap.point_biserial > 0
    assert any(f"distractor '{trap.option_id}' preferred by the top group" in f for f in bad.flags)
    # It is the item the analysis ranks worst.
    assert min(a.items, key=lambda s: s.discrimination).gid == truth["bad_item"]


def test_cli_stats_and_grade_on_the_synthetic_class(synth, tmp_path, capsys):
    out, truth, _ = synth
    args = [str(out / "responses.jsonl"), "--banks", str(ROOT / "quizzes"), "--manifest", str(out / "manifest.json")]
    assert main(["stats", *args, "-o", str(tmp_path / "stats.html"), "--csv", str(tmp_path / "items.csv")]) == 0
    printed = capsys.readouterr().out
    assert "Questions to review" in printed and "negative" in printed
    with open(tmp_path / "items.csv", newline="") as fh:
        rows = {r["question"]: r for r in csv.DictReader(fh)}
    assert len(rows) == 40 and "negative discrimination" in rows[truth["bad_item"]]["flags"]
    assert main(["grade", *args, "-o", str(tmp_path / "g"), "--no-feedback", "--no-responses"]) == 0
    with open(tmp_path / "g" / "gradebook.csv", newline="") as fh:
        assert sum(1 for _ in csv.DictReader(fh)) == 1000


def test_csv_with_letters_grades_like_jsonl(tmp_path):
    synth = _synth()
    synth.generate(tmp_path / "j", students=200, n_questions=40, seed=5)
    synth.generate(tmp_path / "c", students=200, n_questions=40, seed=5, fmt="csv")
    assert json.loads((tmp_path / "j" / "truth.json").read_text()) == json.loads((tmp_path / "c" / "truth.json").read_text())
    totals = []
    for sub, name in (("j", "responses.jsonl"), ("c", "responses.csv")):
        course = load_course([ROOT / "quizzes"], tmp_path / sub / "manifest.json")
        results, summary = grade_files([tmp_path / sub / name], course)
        assert summary.clean
        totals.append(results.totals()[0])
    assert np.allclose(totals[0], totals[1])
