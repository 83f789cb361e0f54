"""Golden files: one question of each type (all of tests/fixtures/banks/all-types.yml) in each format
(QTI, Moodle XML, GIFT, and the Blackboard upload file).

Each file is what the exporter writes for that question; ``notes.json`` is what
it reports. A change shows up as a readable diff. After an intended change,
regenerate and review the diff:

    QUIZLIB_REGEN_GOLDEN=1 .venv/bin/pytest -q tests/test_export_golden.py
"""

from __future__ import annotations

import json
import os

import pytest

from quizlib.export import exporter_names, get_exporter

from .conftest import FIXTURES

GOLDEN = FIXTURES / "export" / "golden"
REGEN = os.environ.get("QUIZLIB_REGEN_GOLDEN") == "1"
EXT = {"qti": "xml", "moodle": "xml", "gift": "gift", "blackboard": "txt"}
FORMATS = ["qti", "moodle", "gift", "blackboard"]


def test_every_question_type_is_in_the_fixture(fixture_bank):
    assert {q.type for q in fixture_bank.questions} == {
        "single", "multiple", "true_false", "short", "numeric", "matching", "ordering"}


def test_registry_has_every_format():
    assert set(FORMATS) <= set(exporter_names())


@pytest.mark.parametrize("fmt", FORMATS)
def test_golden_question_files(fmt, fixture_bank):
    exporter = get_exporter(fmt)(title="Fixture course")
    folder = GOLDEN / fmt
    notes = {}
    mismatched = []
    for q in fixture_bank.questions:
        text, qnotes = exporter.question_text(fixture_bank, q)
        notes[q.id] = [f"{n.severity.value}: {n.message}" for n in qnotes]
        path = folder / f"{q.id}.{EXT[fmt]}"
        if REGEN:
            folder.mkdir(parents=True, exist_ok=True)
            path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")
        elif path.read_text(encoding="utf-8") != text.rstrip("\n") + "\n":
            mismatched.append(path.name)
    notes_path = folder / "notes.json"
    notes_text = json.dumps(notes, indent=2, ensure_ascii=False) + "\n"
    if REGEN:
        notes_path.write_text(notes_text, encoding="utf-8")
        pytest.skip(f"regenerated {folder}")
    assert not mismatched, f"{fmt} output changed for {mismatched}; review and regenerate (see module docstring)"
    assert notes_path.read_text(encoding="utf-8") == notes_text
