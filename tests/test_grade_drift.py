"""`quizlib grade` warns, per question, when a bank was edited after the forms were drawn.

The manifest records a sha256 of every bank file and of every question on the
forms; grading compares them with the banks it is given.
"""

from __future__ import annotations

import json
import shutil

import pytest

from quizlib.cli import main
from quizlib.loader import load_bank

from .conftest import FIXTURES

FORMS = FIXTURES / "forms"


@pytest.fixture()
def drawn(tmp_path):
    banks = tmp_path / "banks"
    shutil.copytree(FORMS / "banks", banks)
    assert main(["form", str(FORMS / "exam.yml"), "--variants", "2", "-o", str(tmp_path / "f"), "--banks", str(banks), "--allow-public-keys",
                 "--manifest-only"]) == 0
    manifest = json.loads((tmp_path / "f" / "manifest.json").read_text())
    (tmp_path / "r.jsonl").write_text(json.dumps({"student": "s1", "form": manifest["forms"][0]["form_id"], "answers": {}}) + "\n")
    return tmp_path, banks, manifest


def _grade(tmp_path, banks, capsys):
    capsys.readouterr()
    code = main(["grade", str(tmp_path / "r.jsonl"), "--banks", str(banks), "--manifest", str(tmp_path / "f" / "manifest.json"),
                 "-o", str(tmp_path / "out"), "--no-feedback", "--no-responses"])
    assert code == 0
    return [line for line in capsys.readouterr().err.splitlines() if line.startswith("warning:")]


def _edit(bank_file, question_id):
    bank = load_bank(bank_file)
    prompt = bank.question(question_id).prompt
    text = bank_file.read_text(encoding="utf-8")
    assert text.count(f"prompt: {prompt}\n") == 1
    bank_file.write_text(text.replace(f"prompt: {prompt}\n", f"prompt: {prompt} (edited)\n"), encoding="utf-8")


def test_no_warning_when_the_banks_are_unchanged(drawn, capsys):
    tmp_path, banks, _ = drawn
    assert _grade(tmp_path, banks, capsys) == []


def test_one_warning_per_edited_question_on_the_forms(drawn, capsys):
    tmp_path, banks, manifest = drawn
    on_forms = {q["qid"] for f in manifest["forms"] for q in f["questions"]}
    qid = sorted(on_forms)[0]
    bank_id, question_id = qid.rsplit("/", 1)
    bank_file = banks / f"{bank_id}.yml"
    # One question on the forms edited, and one of the same bank that no form has.
    off_forms = next(q.id for q in load_bank(bank_file).questions if f"{bank_id}/{q.id}" not in on_forms)
    _edit(bank_file, question_id)
    _edit(bank_file, off_forms)
    warnings = _grade(tmp_path, banks, capsys)
    assert len(warnings) == 1 and qid in warnings[0] and "edited" in warnings[0]
    report = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert qid in report and "edited" in report


def test_a_manifest_without_question_hashes_names_every_question_of_the_changed_bank(drawn, capsys):
    tmp_path, banks, manifest = drawn
    manifest.pop("question_hashes")
    (tmp_path / "f" / "manifest.json").write_text(json.dumps(manifest))
    qid = sorted({q["qid"] for f in manifest["forms"] for q in f["questions"]})[0]
    bank_id, question_id = qid.rsplit("/", 1)
    _edit(banks / f"{bank_id}.yml", question_id)
    warnings = _grade(tmp_path, banks, capsys)
    same_bank = {q["qid"] for f in manifest["forms"] for q in f["questions"] if q["qid"].startswith(bank_id + "/")}
    assert len(warnings) == len(same_bank) and all("changed after the forms were drawn" in w for w in warnings)
