"""The exporter registry, the report files, and ``quizlib export`` on the whole course."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from quizlib.cli import main
from quizlib.export import Exporter, ExportReport, exporter_names, get_exporter
from quizlib.export.base import Notes
from quizlib.loader import load_banks

from .course import N_BANKS, N_QUESTIONS
from .conftest import FIXTURES, ROOT


def test_unknown_format_names_the_known_ones():
    with pytest.raises(KeyError, match="known: blackboard, gift, moodle, qti"):
        get_exporter("scorm")


def test_a_new_format_is_one_subclass_and_touches_no_other():
    class Plain(Exporter):
        name = "plain-test"
        suffix = ".txt"

        def question_text(self, bank, question):
            return question.prompt, []

        def write(self, banks, path: Path) -> ExportReport:
            report = ExportReport(self.name, path)
            for bank in banks:
                for q in bank.questions:
                    Notes(self.name, bank.global_id(q), report.notes).lost("everything but the prompt")
            return report

    try:
        assert get_exporter("plain-test") is Plain
        assert "plain-test" in exporter_names()
    finally:
        del Exporter._registry["plain-test"]
    assert "plain-test" not in exporter_names()


def test_cli_exports_the_whole_course_with_a_per_question_report(tmp_path, capsys):
    out = tmp_path / "exports"
    assert main(["export", str(ROOT / "quizzes"), "-o", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "course.blackboard.txt", "course.gift.txt", "course.moodle.xml", "course.qti.zip",
        "export-report.json", "export-report.md"]
    reports = json.loads((out / "export-report.json").read_text())
    assert [r["format"] for r in reports] == ["blackboard", "gift", "moodle", "qti"]
    ids = {b.global_id(q) for b in load_banks([ROOT / "quizzes"]).banks.values() for q in b.questions}
    for r in reports:
        assert r["questions"] == N_QUESTIONS and r["banks"] == N_BANKS
        assert {n["qid"] for n in r["notes"]} <= ids
        assert r["questions_with_notes"] == len({n["qid"] for n in r["notes"]})
    md = (out / "export-report.md").read_text()
    first = reports[3]["notes"][0]
    assert f"`{first['qid']}`" in md
    assert "Per-question report" in capsys.readouterr().out


def test_cli_single_format_and_ordering_option(tmp_path):
    out = tmp_path / "e"
    assert main(["export", str(FIXTURES / "banks"), "-f", "moodle", "--ordering", "matching", "-o", str(out)]) == 0
    text = (out / "course.moodle.xml").read_text()
    assert 'type="ordering"' not in text and "Position 1 (first)" in text
    notes = json.loads((out / "export-report.json").read_text())[0]["notes"]
    assert any(n["qid"] == "fixture/page/order-1" and "matching" in n["message"] for n in notes)


def test_cli_refuses_invalid_banks(tmp_path, capsys):
    assert main(["export", str(FIXTURES / "bad"), "-o", str(tmp_path / "x")]) == 1
    err = capsys.readouterr().err
    assert "five-mistakes.yml" in err and "nothing exported" in err
    assert not (tmp_path / "x").exists()


def test_blackboard_lines_follow_the_upload_format(tmp_path):
    banks = list(load_banks([ROOT / "quizzes"]).banks.values())
    path = tmp_path / "bb.txt"
    report = get_exporter("blackboard")().write(banks, path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == report.questions == N_QUESTIONS
    for line in lines:
        kind, prompt, *rest = line.split("\t")
        assert prompt and all(rest)
        if kind in ("MC", "MA"):
            assert len(rest) % 2 == 0 and set(rest[1::2]) <= {"correct", "incorrect"} and "correct" in rest[1::2]
            if kind == "MC":
                assert rest[1::2].count("correct") == 1
        elif kind == "TF":
            assert rest in (["true"], ["false"])
        elif kind == "NUM":
            assert len(rest) == 2 and float(rest[1]) >= 0 and float(rest[0]) == float(rest[0])
        elif kind == "MAT":
            assert len(rest) % 2 == 0 and len(rest) >= 4
        else:
            assert kind in ("FIB", "ORD") and len(rest) >= 1
    # no feedback field exists in the format: every question with an explanation is reported
    assert report.affected == N_QUESTIONS
