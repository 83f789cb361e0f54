"""Grading never ends in a traceback, and every row is accounted for, whatever rows, forms and order it gets.

The instructor guide's own three-line example once crashed ``quizlib grade``:
a rejected form row after graded rows left the class arrays narrower than the
course's item list (``classbook._drain``). The property test below throws
random mixes of banks, form manifests, good rows, rejected rows and row orders
at the whole pipeline (grading, gradebook, item analysis and its machine files)
and checks that every non-blank line ends up either graded or rejected with its
line number, exactly once.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizlib.cli import main
from quizlib.grade.course import Course
from quizlib.grade.outputs import write_gradebook
from quizlib.grade.run import grade_files
from quizlib.manifest import FormManifest
from quizlib.models import Bank
from quizlib.stats import analyse
from quizlib.stats.report import write_machine_files

from .conftest import FIXTURES
from .strategies import bank_dicts, json_values

GRADE = FIXTURES / "grade"


@st.composite
def courses(draw):
    """One to three banks on distinct pages, and a manifest whose forms draw from them (and sometimes beyond)."""
    banks = []
    for b in range(draw(st.integers(1, 3))):
        data = draw(bank_dicts())
        data["page"] = f"ch/sec{b}"
        banks.append(Bank.model_validate(data))
    gids = [(bank, q) for bank in banks for q in bank.questions]
    forms = []
    for f in range(draw(st.integers(0, 4))):
        picked = draw(st.lists(st.sampled_from(gids), min_size=1, max_size=len(gids), unique_by=lambda x: x[0].global_id(x[1])))
        questions = []
        for n, (bank, q) in enumerate(picked, start=1):
            entry = {"qid": bank.global_id(q), "number": n, "points": draw(st.sampled_from([1.0, 2.0, 0.5, 17.5]))}
            if q.type in ("single", "multiple"):
                entry["option_order"] = draw(st.permutations([o.id for o in q.options]))
            elif q.type == "ordering":
                entry["item_order"] = draw(st.permutations([i.id for i in q.items]))
            elif q.type == "matching":
                entry["right_order"] = draw(st.permutations([r for r, _ in q.right_choices()]))
            questions.append(entry)
        if draw(st.booleans()):
            questions.append({"qid": "nowhere/none/q0", "number": len(questions) + 1, "points": 1.0})
        owner = draw(st.sampled_from([None, "s1", "s2"]))
        forms.append({"form_id": f"exam/v{f + 1}", "student_id": owner, "questions": questions})
    manifest = FormManifest.model_validate({"exam_id": "exam", "title": "Exam", "forms": forms}) if forms else None
    return banks, manifest


def _answer(draw, q, letters: bool):
    if letters and q.type in ("single", "multiple", "ordering") and draw(st.booleans()):
        n = len(q.options) if q.type != "ordering" else len(q.items)
        pool = [chr(65 + i) for i in range(n)] + ["Z"]
        return draw(st.sampled_from(pool)) if q.type == "single" else draw(st.lists(st.sampled_from(pool), max_size=n))
    if q.type == "single":
        return draw(st.sampled_from([o.id for o in q.options] + ["zz"]))
    if q.type == "multiple":
        return draw(st.lists(st.sampled_from([o.id for o in q.options]), unique=True))
    return draw(json_values)


@st.composite
def responses(draw, banks: list[Bank], manifest: FormManifest | None) -> list[str]:
    """Lines of a JSON Lines file: good rows, rows every reader must reject, blank lines, in any order."""
    lines = []
    for _ in range(draw(st.integers(0, 14))):
        kind = draw(st.sampled_from(["bank", "bank", "form", "form", "bad-json", "no-student", "unknown-bank", "blank"]))
        student = draw(st.sampled_from(["s1", "s2", "s3", "s4"]))
        if kind == "bank":
            bank = draw(st.sampled_from(banks))
            qs = draw(st.lists(st.sampled_from(bank.questions), unique_by=lambda q: q.id))
            answers = {}
            for q in qs:
                key = draw(st.sampled_from([q.id, bank.global_id(q)]))
                answers[key] = _answer(draw, q, False)
            if draw(st.integers(0, 2)) == 0:
                answers["not-a-question"] = "a"
            lines.append(json.dumps({"student": student, "bank": bank.id, "answers": answers}))
        elif kind == "form":
            forms = manifest.forms if manifest else []
            form = draw(st.sampled_from(forms)) if forms else None
            form_id = form.form_id if form else "exam/v9"
            answers = {}
            by_gid = {b.global_id(q): q for b in banks for q in b.questions}
            for fq in (form.questions if form else []):
                q = by_gid.get(fq.qid)
                if q is not None and draw(st.booleans()):
                    answers[q.id] = _answer(draw, q, True)
            lines.append(json.dumps({"student": student, "form": form_id, "answers": answers}))
        elif kind == "bad-json":
            lines.append('{"student": "s1", "bank": ')
        elif kind == "no-student":
            lines.append(json.dumps({"bank": banks[0].id, "answers": {}}))
        elif kind == "unknown-bank":
            lines.append(json.dumps({"student": student, "bank": "no/such-bank", "answers": {}}))
        else:
            lines.append("")
    return lines


class _Lines:
    """A sink that records the line of every graded row."""

    def __init__(self) -> None:
        self.lines: list[int] = []

    def row(self, row) -> None:
        self.lines.append(row.line)

    def close(self) -> None:
        pass


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_any_mix_of_rows_is_graded_or_rejected_never_crashes(tmp_path_factory, data):
    banks, manifest = data.draw(courses())
    lines = data.draw(responses(banks, manifest))
    tmp = tmp_path_factory.mktemp("robust")
    path = tmp / "r.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    course = Course(banks, manifest)
    rejected = []
    seen = _Lines()
    results, summary = grade_files([path], course, [seen], rejected.append)

    rows = [i for i, line in enumerate(lines, start=1) if line.strip()]
    rejected_lines = [r.line for r in rejected if r.rows]
    assert sorted(seen.lines + rejected_lines) == rows  # each row once: graded or rejected with its line
    assert summary.rows_graded == len(seen.lines) and summary.rows_rejected == len(rejected_lines)
    assert len(results.students) == len({json.loads(lines[i - 1])["student"] for i in seen.lines})

    # Everything downstream runs on whatever was graded (possibly nobody).
    write_gradebook(tmp / "gradebook.csv", results)
    analysis = analyse(results)
    write_machine_files(tmp, analysis)
    score, maximum = results.totals()
    assert (score <= maximum + 1e-9).all()


def test_the_guides_example_with_a_four_variant_manifest(tmp_path, capsys, monkeypatch):
    """The instructor guide's three JSON lines graded against the secure pools with the 4-variant midterm manifest
    its forms page draws: once a traceback; now every line grades, the form row on the letters of form midterm/v2.

    When the chapters 1-6 pools change, the draw changes: pick the guide's third line again from the questions
    `quizlib form blueprints/midterm.yml --variants 4 --manifest-only` puts on midterm/v2."""
    from .conftest import ROOT

    monkeypatch.chdir(ROOT)  # the secure pools folder is the course's, as the guide draws it
    assert main(["form", "blueprints/midterm.yml", "--variants", "4", "-o", str(tmp_path / "forms"),
                 "--manifest-only"]) == 0
    guide = (ROOT / "book" / "instructor" / "grading.md").read_text(encoding="utf-8")
    block = guide.split("## Responses as JSON Lines", 1)[1].split("```json", 1)[1].split("```", 1)[0]
    (tmp_path / "r.jsonl").write_text(block.strip() + "\n", encoding="utf-8")
    capsys.readouterr()
    for cmd in (["grade", "-o", str(tmp_path / "g"), "--stats"], ["stats", "-o", str(tmp_path / "s.html")]):
        code = main([cmd[0], str(tmp_path / "r.jsonl"), "--banks", str(ROOT / "pools"),
                     "--manifest", str(tmp_path / "forms" / "manifest.json"), *cmd[1:]])
        err = capsys.readouterr().err
        assert code == 0 and "Traceback" not in err, err
    import csv

    import yaml

    with (tmp_path / "g" / "gradebook.csv").open() as f:
        gradebook = {row["student"]: row for row in csv.DictReader(f)}
    assert (tmp_path / "g" / "rejected.csv").read_text().splitlines()[1:] == []
    # s0412 is right on both pool questions it answers and s0413 wrong on its one, out of the pool's 8 questions;
    # s0414, on form midterm/v2 (40 points), has the liaison question right (letter A) and two of the three
    # correct options of the SOFA question (B, C): partial credit 2/3.
    pool = len(yaml.safe_load((ROOT / "pools" / "03-instruments" / "01-attaches.yml").read_text())["questions"])
    assert {sid: (float(r["score"]), float(r["max"])) for sid, r in gradebook.items()} == {
        "s0412": (2.0, pool), "s0413": (0.0, pool), "s0414": (pytest.approx(1 + 2 / 3), 40.0)}
