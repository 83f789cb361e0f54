"""`quizlib import`: the Moodle XML and GIFT importers on files written as instructors and Moodle
write them (tests/fixtures/import/), what they skip and report, and the banks they write.

Independence: GIFT is also read by gift-pegjs (npm), and what it reads is compared with what
our importer reads, question by question, over the whole course's GIFT export.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from quizlib.cli import main
from quizlib.export import get_exporter
from quizlib.imports import NoteKind, get_importer, importer_names
from quizlib.imports.banks import plan_banks, write_banks
from quizlib.loader import BankLoadError, load_bank, load_banks
from quizlib.markdown import render_block, render_inline

from . import gift_pegjs
from . import lms_rules as lms
from .conftest import FIXTURES, ROOT

MOODLE = FIXTURES / "import" / "moodle-all-types.xml"
GIFT = FIXTURES / "import" / "gift-all-types.txt"
SEVEN = {"single", "multiple", "true_false", "short", "numeric", "matching", "ordering"}


def line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


def imported(fmt: str, path: Path, tmp_path: Path):
    result = get_importer(fmt)().read(path)
    banks = plan_banks(result.questions, tmp_path / "quizzes" / "13-imported", result.notes)
    return result, banks


def by_id(banks) -> dict[str, dict]:
    return {q["id"]: q for b in banks for q in b.data["questions"]}


def test_registry_names_both_formats():
    assert importer_names() == ["gift", "moodle-xml"]
    with pytest.raises(KeyError, match="known: gift, moodle-xml"):
        get_importer("qti")


@pytest.mark.parametrize("fmt, path", [("moodle-xml", MOODLE), ("gift", GIFT)])
def test_every_type_comes_in_and_unsupported_ones_are_reported_at_their_line(fmt, path, tmp_path):
    result, banks = imported(fmt, path, tmp_path)
    questions = by_id(banks)
    assert {q["type"] for q in questions.values()} == SEVEN
    skipped = {(n.question, n.line) for n in result.notes if n.kind is NoteKind.skipped}
    if fmt == "moodle-xml":
        assert skipped == {("Exercise cloze", line_of(path, '<question type="cloze">')),
                           ("Exercise essay", line_of(path, '<question type="essay">')),
                           ("Section note", line_of(path, '<question type="description">'))}
    else:
        assert skipped == {("Essay", line_of(path, "::Essay::")),
                           ("question 14", line_of(path, "A note between questions"))}
    assert all(n.file == str(path) for n in result.notes)
    # categories become banks, named from the category path below what they share
    assert sorted(b.path.name for b in banks) == ["01-attaches.yml", "02-exercises.yml"]
    assert {b.data["page"] for b in banks} == {"13-imported/01-attaches", "13-imported/02-exercises"}
    assert {b.data["title"] for b in banks} == {"Attachés", "Exercises"}


def test_moodle_xml_fields_become_bank_fields(tmp_path):
    result, banks = imported("moodle-xml", MOODLE, tmp_path)
    q = by_id(banks)
    single = q["att-accredited"]  # the idnumber is the id; difficulty comes from the tag
    assert single["points"] == 2 and single["difficulty"] == "easy" and single["tags"] == ["attaches"]
    assert render_block(single["prompt"]) == "<p>To whom is a defence attaché <strong>accredited</strong>?</p>"
    assert [render_inline(o["text"]) for o in single["options"]][0] == "The host <em>government</em>"
    assert single["options"][0]["correct"] and "feedback" in single["options"][1]
    multi = q["attache-tasks"]  # 1/3 each, -1/3 per wrong: quizlib's partial credit exactly
    assert [o.get("correct", False) for o in multi["options"]] == [True, True, True, False]
    assert "scoring" not in multi and multi["shuffle"] is False
    assert "Select every one" in multi["prompt"] and "<br />" in render_block(multi["prompt"])  # auto-format keeps breaks
    tf = q["attaches-wear-uniform"]
    assert tf["answer"] is True and tf["feedback_true"] == "Right." and "military" in tf["feedback_false"]
    short = q["attache-convention"]
    assert short["answers"] == [
        {"text": "Vienna", "feedback": "Correct."},
        {"regex": "vienna convention.*"},  # Moodle's '*' wildcard, matched after normalisation
        {"text": "Wien", "credit": 0.5, "feedback": "That is its German name: the English one is expected."},
    ]
    num = q["exercise-interval"]
    assert (num["answer"], num.get("tolerance", 0), num["unit"]) == (2, 0, "years")
    match = q["exercise-and-host"]
    assert [p["left"] for p in match["pairs"]] == ["RIMPAC", "Malabar"] and match["distractors"] == ["Royal Navy alone"]
    order = q["exercise-planning-steps"]
    assert order["items"] == ["Agree the aims", "Plan the scenario", "Conduct the exercise", "Review the lessons"]
    assert order["scoring"] == "all_or_nothing"
    lost = {(n.question, n.kind) for n in result.notes if n.kind is not NoteKind.skipped}
    assert ("Attaché convention", NoteKind.lost) in lost and ("Exercise interval", NoteKind.lost) in lost  # catch-alls


def test_gift_syntax_reads_as_moodle_reads_it(tmp_path):
    _, banks = imported("gift", GIFT, tmp_path)
    q = by_id(banks)
    assert q["att-accredited"]["options"][0]["feedback"] == "Yes: the accreditation is diplomatic."  # \: unescaped
    tf = q["serving-officer"]  # {TRUE#wrong#right}: Moodle's order
    assert (tf["feedback_true"], tf["feedback_false"]) == ("Right.", "They usually are.")
    assert q["range"]["answer"] == 1994.5 and q["range"]["tolerance"] == 4.5  # {#1990..1999}
    assert q["missing-word"]["prompt"] == "RIMPAC is held _____ off Hawaii."  # Moodle's blank
    assert q["planning"]["scoring"] == "all_or_nothing" and len(q["planning"]["items"]) == 4
    assert q["attache-convention"]["answers"][1] == {"text": "Wien", "credit": 0.5,
                                                     "feedback": "The German name: English is expected."}


@pytest.mark.parametrize("fmt, path", [("moodle-xml", MOODLE), ("gift", GIFT)])
def test_written_banks_fail_validation_only_at_the_placeholders(fmt, path, tmp_path):
    """`quizlib validate` stops at every TODO, at its line, saying what to write, and at nothing else:
    once an author fills them in, the banks are valid."""
    out = tmp_path / "quizzes" / "13-imported"
    assert main(["import", fmt, str(path), "-o", str(out)]) == 0
    report = load_banks([out])
    assert report.files == 2 and report.errors
    for e in report.errors:
        line = Path(e.file).read_text(encoding="utf-8").splitlines()[e.line - 1]
        assert "TODO" in line and e.message.startswith("placeholder left by `quizlib import`: write"), (e, line)
    todo_lines = sum(f.read_text(encoding="utf-8").count(": TODO") for f in out.rglob("*.yml"))
    assert len(report.errors) == todo_lines
    for f in out.rglob("*.yml"):  # what an author does
        text = f.read_text(encoding="utf-8")
        text = re.sub(r"difficulty: TODO.*", "difficulty: medium", text)
        text = re.sub(r"(objective|id): TODO.*", r"\1: O1", text)
        text = re.sub(r"(source|text|explanation): TODO.*", r"\1: something", text)
        f.write_text(text, encoding="utf-8")
    assert load_banks([out]).ok


def test_cli_reports_skipped_questions_and_never_overwrites(tmp_path, capsys):
    out = tmp_path / "quizzes" / "13-imported"
    assert main(["import", "moodle-xml", str(MOODLE), "-o", str(out)]) == 0
    captured = capsys.readouterr()
    essay = line_of(MOODLE, '<question type="essay">')
    assert f"{MOODLE}:{essay}" in captured.err
    assert "skipped" in captured.err and "Imported 7 question(s) into 2 bank(s); 3 skipped" in captured.out
    before = {p: p.read_text() for p in out.rglob("*.yml")}
    assert main(["import", "moodle-xml", str(MOODLE), "-o", str(out)]) == 1
    assert "use --force" in capsys.readouterr().err
    assert {p: p.read_text() for p in out.rglob("*.yml")} == before
    assert main(["import", "moodle-xml", str(MOODLE), "-o", str(out), "--force"]) == 0


def test_cli_refuses_unreadable_files_with_their_line(tmp_path, capsys):
    bad = tmp_path / "bad.xml"
    bad.write_text("<quiz>\n  <question type='truefalse'>\n</quiz>\n")
    assert main(["import", "moodle-xml", str(bad), "-o", str(tmp_path / "out")]) == 1
    assert f"{bad}:3:" in capsys.readouterr().err and not (tmp_path / "out").exists()
    assert main(["import", "gift", str(tmp_path / "missing.txt"), "-o", str(tmp_path / "out")]) == 1
    latin = tmp_path / "latin.txt"
    latin.write_bytes("::q::caf\xe9{T}".encode("latin-1"))
    assert main(["import", "gift", str(latin), "-o", str(tmp_path / "out")]) == 1
    assert "not UTF-8" in capsys.readouterr().err


def test_a_question_the_bank_format_rejects_is_reported_not_written(tmp_path):
    gift = tmp_path / "dup.txt"
    gift.write_text("::Same answers::Pick one{=yes ~Yes ~no}\n\n::Fine::Pick{=a ~b}\n", encoding="utf-8")
    result, banks = imported("gift", gift, tmp_path)
    assert [q["id"] for q in by_id(banks).values()] == ["fine"]
    (note,) = [n for n in result.notes if n.kind is NoteKind.skipped]
    assert note.line == 1 and "duplicate option text" in note.message


def test_gift_pegjs_reads_the_course_export_as_our_importer_does(tmp_path):
    """An independent GIFT parser and ours agree on every question's name, text and answers."""
    banks = list(load_banks([ROOT / "quizzes"]).banks.values())
    path = tmp_path / "course.gift.txt"
    get_exporter("gift")(title="Military Diplomacy").write(banks, path)
    theirs = {q["title"]: q for q in gift_pegjs.parse(path.read_text(encoding="utf-8")) if q["type"] != "Category"}
    ours = {q.name: q.data for q in get_importer("gift")().read(path).questions}
    assert set(theirs) == set(ours)

    def shown(html: str) -> str:
        return " ".join(lms.html_text(html).split())

    for name, pq in theirs.items():
        q = ours[name]
        unit = f" Give your answer in {q['unit']}." if q.get("unit") else ""  # read back from the prompt
        assert shown(render_block(q["prompt"])) + unit == shown(pq["stem"]["text"]), name
        assert shown(render_block(q["explanation"])) == shown(pq["globalFeedback"]["text"]), name
        if pq["type"] == "MC" and q["type"] in ("single", "multiple"):
            assert [shown(render_inline(o["text"])) for o in q["options"]] == [shown(c["text"]["text"]) for c in pq["choices"]]
            assert [o.get("correct", False) for o in q["options"]] == [c["isCorrect"] or (c["weight"] or 0) > 0 for c in pq["choices"]]
        elif pq["type"] == "Matching":
            pairs = [(shown(p["subquestion"]["text"]), p["subanswer"]) for p in pq["matchPairs"]]
            if q["type"] == "matching":
                want = [(shown(render_inline(p["left"])), shown(render_inline(p["right"]))) for p in q["pairs"]]
                assert [p for p in pairs if p[0]] == want, name
        elif pq["type"] == "Short":
            assert [c["text"]["text"] for c in pq["choices"]] == [a.get("text") for a in q["answers"]], name
        elif pq["type"] == "Numerical":
            assert q["type"] == "numeric"
        else:
            assert (pq["type"], q["type"]) in {("TF", "true_false"), ("MC", "true_false")}, name


def documented_import_commands() -> list[tuple[str, str]]:
    """(document, command) for every `quizlib import` command in the README and the instructor guide."""
    out = []
    for doc in (ROOT / "README.md", ROOT / "book" / "instructor" / "forms-and-exports.md"):
        for line in doc.read_text(encoding="utf-8").splitlines():
            if line.startswith(".venv/bin/quizlib import "):
                out.append((doc.name, line))
    return out


@pytest.mark.parametrize("doc, command", documented_import_commands())
def test_documented_import_commands_run_and_print_what_the_guide_shows(doc, command, tmp_path, monkeypatch, capsys):
    """Run from the repository root, as documented (the output folder moved under tmp_path)."""
    args = command.split()[1:]
    out = args.index("-o") + 1
    args[out] = str(tmp_path / args[out])
    monkeypatch.chdir(ROOT)
    assert main(args) == 0
    err = capsys.readouterr().err
    guide = (ROOT / "book" / "instructor" / "forms-and-exports.md").read_text(encoding="utf-8")
    shown = next(line for line in guide.splitlines() if ": skipped Exercise essay:" in line)
    assert shown in err
    validate = next(line for line in guide.splitlines() if "placeholder left by" in line)
    rel = validate.split(":", 1)[0]  # quizzes/13-imported/01-attaches.yml
    assert main(["validate", str(tmp_path / "build" / "import-example" / rel)]) == 1
    assert validate.split(":", 1)[1] in capsys.readouterr().err


def test_documented_commands_are_found():
    assert {doc for doc, _ in documented_import_commands()} == {"README.md", "forms-and-exports.md"}
