"""Drawing forms: reproducible from ids, quotas and caps always met, exposure balanced.

The pinned manifest (tests/fixtures/forms/fixture-exam.manifest.json) guards the
promise that a form comes out the same on every machine and Python version:
the draw uses only sha256, so any change to it is a change of algorithm.
Regenerate after an intended change with QUIZLIB_REGEN_GOLDEN=1.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizlib.blueprint import load_blueprint, parse_blueprint
from quizlib.forms import Drawer, build_manifest, exposure_report, student_specs, variant_specs
from quizlib.loader import load_banks

from .conftest import FIXTURES, ROOT

FORMS = FIXTURES / "forms"
PINNED = FORMS / "fixture-exam.manifest.json"
REGEN = os.environ.get("QUIZLIB_REGEN_GOLDEN") == "1"


@pytest.fixture(scope="module")
def fixture_banks():
    return list(load_banks([FORMS / "banks"]).banks.values())


@pytest.fixture(scope="module")
def pool_banks():
    """The course's secure pools: graded exams such as the midterm draw only from them."""
    report = load_banks([ROOT / "pools"])
    assert not report.errors
    return list(report.banks.values())


def manifest_json(located, banks, specs) -> str:
    drawn = Drawer(located, banks).draw(specs)
    return build_manifest(located.blueprint, drawn).model_dump_json(indent=2, exclude_none=True)


def test_same_ids_give_the_same_forms(fixture_banks):
    located = load_blueprint(FORMS / "exam.yml")
    specs = variant_specs("fixture-exam", 6)
    assert manifest_json(located, fixture_banks, specs) == manifest_json(located, fixture_banks, specs)


def test_forms_match_the_pinned_manifest(fixture_banks):
    located = load_blueprint(FORMS / "exam.yml")
    text = manifest_json(located, fixture_banks, variant_specs("fixture-exam", 3) + student_specs("fixture-exam", ["s-001", "s-002"]))
    if REGEN:
        PINNED.write_text(text + "\n", encoding="utf-8")
        pytest.skip("regenerated the pinned manifest")
    assert text + "\n" == PINNED.read_text(encoding="utf-8")


def test_forms_do_not_depend_on_the_process_hash_seed(fixture_banks):
    """hash() of a str changes with PYTHONHASHSEED; the draw must not use it (or random)."""
    code = (
        "from quizlib.blueprint import load_blueprint;from quizlib.loader import load_banks;"
        "from quizlib.forms import Drawer, build_manifest, variant_specs;"
        f"l=load_blueprint({str(FORMS / 'exam.yml')!r});b=list(load_banks([{str(FORMS / 'banks')!r}]).banks.values());"
        "print(build_manifest(l.blueprint, Drawer(l,b).draw(variant_specs('fixture-exam',4))).model_dump_json())"
    )
    outs = {
        subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONHASHSEED": seed},
                       capture_output=True, text=True, check=True).stdout
        for seed in ("1", "4242")
    }
    assert len(outs) == 1
    located = load_blueprint(FORMS / "exam.yml")
    here = build_manifest(located.blueprint, Drawer(located, fixture_banks).draw(variant_specs("fixture-exam", 4)))
    assert outs.pop().strip() == here.model_dump_json()


def test_appending_students_never_changes_earlier_forms(fixture_banks):
    located = load_blueprint(FORMS / "exam.yml")
    few = Drawer(located, fixture_banks).draw(student_specs("fixture-exam", ["a", "b", "c"]))
    more = Drawer(located, fixture_banks).draw(student_specs("fixture-exam", ["a", "b", "c", "d", "e"]))
    assert [f.questions for f in few] == [f.questions for f in more[:3]]


def test_independent_balance_depends_only_on_the_form_key(fixture_banks):
    text = (FORMS / "exam.yml").read_text() + "balance: independent\n"
    located = parse_blueprint(text, "exam.yml")
    alone = Drawer(located, fixture_banks).draw(student_specs("fixture-exam", ["zoe"]))[0]
    crowd = Drawer(located, fixture_banks).draw(student_specs("fixture-exam", ["amy", "bob", "zoe"]))[2]
    assert alone.questions == crowd.questions


def test_midterm_200_forms_meet_quotas_caps_and_balance(pool_banks):
    """The committed midterm: each rule's per-chapter quota, at most 2 hard per chapter, 40 points.

    Stated balance, derived from the pool rather than fixed numbers (the course grows):
    every question of the drawn chapters appears on some form, and questions under the
    same limits (group and caps) differ in exposure by at most 2.
    """
    located = load_blueprint(ROOT / "blueprints" / "midterm.yml")
    quota = {f"{n:02d}": rule.per_chapter for rule in located.blueprint.draw for n in rule.chapters}
    drawer = Drawer(located, pool_banks)
    forms = drawer.draw(variant_specs("midterm", 200))
    for form in forms:
        gids = [q.candidate.gid for q in form.questions]
        assert len(gids) == len(set(gids)) == 40
        assert form.points == 40
        per_chapter = Counter(q.candidate.chapter[:2] for q in form.questions)
        assert per_chapter == quota
        hard = Counter(q.candidate.chapter for q in form.questions if q.candidate.difficulty == "hard")
        assert max(hard.values(), default=0) <= 2
    report = exposure_report(drawer.pools, forms)
    pool = {c.gid for p in drawer.pools for c in p.candidates}
    assert set(report.counts) == pool  # every question of the drawn chapters is used
    assert report.worst_spread <= 2


def test_midterm_is_drawn_from_secure_pools_only_and_50_forms_keep_each_question_under_a_third(pool_banks):
    """Issue 16: 40 questions over chapters 1-6, balanced per chapter, from the secure pools; 50 randomized
    forms with no question on more than a third of them."""
    located = load_blueprint(ROOT / "blueprints" / "midterm.yml")
    chapters = sorted(f"{n:02d}" for rule in located.blueprint.draw for n in rule.chapters)
    assert chapters == ["01", "02", "03", "04", "05", "06"]
    quotas = [rule.per_chapter for rule in located.blueprint.draw]
    assert max(quotas) - min(quotas) <= 1  # balanced: 40 places over 6 chapters
    drawer = Drawer(located, pool_banks)
    forms = drawer.draw(variant_specs("midterm", 50))
    assert len({tuple(q.candidate.gid for q in f.questions) for f in forms}) == 50  # 50 different forms
    counts = Counter(q.candidate.gid for f in forms for q in f.questions)
    assert 3 * max(counts.values()) <= 50, counts.most_common(3)
    # Every drawn question comes from a secure pool file, and none has a public key.
    from quizlib.public_keys import public_keys

    secure = {b.global_id(q) for b in pool_banks if b.secure for q in b.questions}
    assert set(counts) <= secure
    practice = load_banks([ROOT / "quizzes"]).banks.values()
    assert public_keys(list(load_banks([ROOT / "pools"]).banks.items()), practice, ROOT / "quizzes",
                       only=set(counts)) == []


def test_quizlib_form_draws_the_midterm_from_the_pools_with_no_flag(tmp_path, monkeypatch, capsys):
    """`quizlib form blueprints/midterm.yml` works as the guides write it: no --banks, no --allow-public-keys."""
    from quizlib.cli import main

    monkeypatch.chdir(ROOT)
    out = tmp_path / "midterm"
    assert main(["form", "blueprints/midterm.yml", "--variants", "3", "-o", str(out), "--manifest-only"]) == 0
    captured = capsys.readouterr()
    assert "public key" not in captured.err and "warning" not in captured.err
    manifest = json.loads((out / "manifest.json").read_text())
    pools = {f"{b.page}/{q.id}" for b in pool_banks_of(ROOT / "pools") for q in b.questions}
    assert [f["form_id"] for f in manifest["forms"]] == ["midterm/v1", "midterm/v2", "midterm/v3"]
    assert all(q["qid"] in pools for f in manifest["forms"] for q in f["questions"])


def pool_banks_of(folder):
    return list(load_banks([folder]).banks.values())


GUIDE = ROOT / "book" / "instructor" / "forms-and-exports.md"


def test_the_guides_balance_figures_are_what_50_forms_of_the_midterm_give(pool_banks):
    """The note "The balance the midterm reaches" states figures a reader may rely on: recompute them."""
    text = " ".join(GUIDE.read_text(encoding="utf-8").split("The balance the midterm reaches", 1)[1]
                    .split("```", 1)[0].split())
    located = load_blueprint(ROOT / "blueprints" / "midterm.yml")
    drawer = Drawer(located, pool_banks)
    forms = drawer.draw(variant_specs("midterm", 50))
    counts = Counter(q.candidate.gid for f in forms for q in f.questions)
    pool = {c.gid for p in drawer.pools for c in p.candidates}
    assert set(counts) == pool
    assert f"every one of the {len(pool)} secure questions of chapters 1 to 6 is used" in text
    assert f"each on {min(counts.values())} to {max(counts.values())} forms" in text
    assert f"no question is on more than {max(counts.values())} of the 50 forms" in text
    by_chapter: dict[str, list[int]] = {}
    for gid, n in counts.items():
        by_chapter.setdefault(gid.split("/")[0], []).append(n)
    assert max(max(v) - min(v) for v in by_chapter.values()) <= 1 and "differ by at most 1" in text
    sizes = {ch: len(v) for ch, v in by_chapter.items()}
    smallest = min(sizes, key=sizes.get)
    assert f"chapter {int(smallest[:2])} with {sizes[smallest]} questions" in text
    assert max(by_chapter[smallest]) == max(counts.values())  # "is used most"


def test_exposure_balance_beats_independent_draws(pool_banks):
    text = (ROOT / "blueprints" / "midterm.yml").read_text()
    spreads = {}
    for mode in ("exposure", "independent"):
        located = parse_blueprint(text.replace("balance: exposure", f"balance: {mode}"), "midterm.yml")
        drawer = Drawer(located, pool_banks)
        spreads[mode] = exposure_report(drawer.pools, drawer.draw(variant_specs("midterm", 200))).worst_group_spread
    assert spreads["exposure"] < spreads["independent"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(per_section=st.integers(1, 5), forms=st.integers(1, 40), hard_cap=st.none() | st.integers(2, 6),
       exam=st.text("abcdefgh", min_size=1, max_size=6))
def test_property_quotas_caps_and_spread(fixture_banks, per_section, forms, hard_cap, exam):
    rule = f"    per_section: {per_section}\n" + (f"    max_per_chapter: {{hard: {hard_cap}}}\n" if hard_cap else "")
    text = f"schema_version: 1\nexam_id: {exam}\ntitle: T\ndraw:\n  - chapters: 1-2\n{rule}"
    located = parse_blueprint(text, "p.yml")
    drawer = Drawer(located, fixture_banks)
    drawn = drawer.draw(variant_specs(exam, forms))
    for form in drawn:
        assert Counter(q.candidate.section for q in form.questions) == {s: per_section for s in drawer.pools[0].groups}
        if hard_cap:
            hard = Counter(q.candidate.chapter for q in form.questions if q.candidate.difficulty == "hard")
            assert max(hard.values(), default=0) <= hard_cap
    report = exposure_report(drawer.pools, drawn)
    if hard_cap is None:
        # No limits: least-used-first keeps every section's questions within one use of each other.
        assert report.worst_group_spread <= 1
