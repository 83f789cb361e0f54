"""Displayed orders in the manifest, printed letters, and the HTML forms and keys."""

from __future__ import annotations

import json

import pytest
from bs4 import BeautifulSoup

from quizlib.blueprint import load_blueprint
from quizlib.cli import main
from quizlib.forms import Drawer, build_manifest, form_question, question_lookup, render_form, render_key, variant_specs
from quizlib.forms.answers import key_response, letters, to_bank_response
from quizlib.forms.roster import read_roster
from quizlib.grading import Status, grade
from quizlib.manifest import FormManifest
from quizlib.markdown import render_inline
from quizlib.models import Matching, Ordering, SingleChoice

from .conftest import FIXTURES, ROOT

FORMS = FIXTURES / "forms"


@pytest.fixture(scope="module")
def midterm():
    from quizlib.loader import load_banks

    banks = list(load_banks([ROOT / "pools"]).banks.values())
    located = load_blueprint(ROOT / "blueprints" / "midterm.yml")
    manifest = build_manifest(located.blueprint, Drawer(located, banks).draw(variant_specs("midterm", 200)))
    return located.blueprint, manifest, question_lookup(banks)


def test_orders_are_permutations_of_the_bank_ids(midterm):
    _, manifest, lookup = midterm
    for form in manifest.forms:
        assert [q.number for q in form.questions] == list(range(1, len(form.questions) + 1))
        for fq in form.questions:
            q = lookup[fq.qid][1]
            if hasattr(q, "options"):
                assert sorted(fq.option_order) == sorted(o.id for o in q.options)
            if isinstance(q, Matching):
                assert sorted(fq.right_order) == sorted(r for r, _ in q.right_choices())
            if isinstance(q, Ordering):
                assert sorted(fq.item_order) == sorted(i.id for i in q.items)
                assert fq.item_order != [i.id for i in q.items]


def test_options_are_actually_shuffled_across_forms(midterm):
    _, manifest, lookup = midterm
    firsts = [fq.option_order[0] for f in manifest.forms for fq in f.questions if fq.option_order]
    assert len(set(firsts)) > 3  # not always "a"


def test_shuffle_false_keeps_authored_order(fixture_bank):
    q = fixture_bank.question("single-1").model_copy(update={"shuffle": False})
    fq = form_question("e", "v1", 1, "g/single-1", q, 1, shuffle_options=True)
    assert fq.option_order == ["a", "b", "c"]
    q2 = fixture_bank.question("single-1")
    orders = {tuple(form_question("e", f"v{i}", 1, "g/single-1", q2, 1, True).option_order) for i in range(20)}
    assert len(orders) > 1


def test_a_perfect_sheet_in_printed_letters_scores_full_marks_on_every_form(midterm):
    """Key letters -> bank ids through the manifest -> quizlib's grader: full credit, 200 forms x 40 questions."""
    _, manifest, lookup = midterm
    graded = 0
    for form in manifest.forms:
        for fq in form.questions:
            q = lookup[fq.qid][1]
            printed = key_response(q, fq)
            if printed is None:  # a short question whose only full-credit answer is a pattern
                continue
            result = grade(q, to_bank_response(q, fq, printed))
            assert result.status is Status.graded and result.fraction == 1.0, (form.form_id, fq.qid)
            graded += 1
    assert graded >= 200 * 38


def test_a_wrong_letter_maps_to_a_wrong_option(midterm):
    _, manifest, lookup = midterm
    fq = next(fq for f in manifest.forms for fq in f.questions if isinstance(lookup[fq.qid][1], SingleChoice))
    q = lookup[fq.qid][1]
    right = key_response(q, fq)
    wrong = next(letter for letter in letters(len(fq.option_order)) if letter != right)
    assert grade(q, to_bank_response(q, fq, wrong)).fraction == 0.0
    with pytest.raises(ValueError, match="no option Z"):
        to_bank_response(q, fq, "Z")


def test_html_form_shows_each_question_once_with_the_manifest_letters(midterm):
    blueprint, manifest, lookup = midterm
    form = manifest.forms[0]
    soup = BeautifulSoup(render_form(blueprint, form, lookup), "html.parser")
    blocks = soup.select("section.question")
    assert [b["id"] for b in blocks] == [f"q{n}" for n in range(1, 41)]
    for block, fq in zip(blocks, form.questions):
        q = lookup[fq.qid][1]
        if fq.option_order:
            texts = [li.find_all("span")[1].get_text() for li in block.select("ol.choices li")]
            want = [BeautifulSoup(render_inline(next(o.text for o in q.options if o.id == oid)), "html.parser").get_text()
                    for oid in fq.option_order]
            assert texts == want
    assert soup.select_one(".meta strong").get_text() == "midterm/v1"
    assert "Time: 60 minutes" in soup.select_one(".meta").get_text()


def test_answer_key_lists_the_key_letters_of_that_form(midterm):
    blueprint, manifest, lookup = midterm
    form = manifest.forms[1]
    soup = BeautifulSoup(render_key(blueprint, form, lookup), "html.parser")
    rows = soup.select("table.key tbody tr")
    assert len(rows) == 40
    for row, fq in zip(rows, form.questions):
        q = lookup[fq.qid][1]
        if isinstance(q, SingleChoice):
            assert row.select_one(".ans").get_text() == key_response(q, fq)
        assert row.select_one("code").get_text() == fq.qid


def test_instructions_are_markdown_with_raw_html_escaped():
    from quizlib.loader import load_banks

    banks = list(load_banks([FORMS / "banks"]).banks.values())
    located = load_blueprint(FORMS / "exam.yml")
    manifest = build_manifest(located.blueprint, Drawer(located, banks).draw(variant_specs("fixture-exam", 1)))
    html = render_form(located.blueprint, manifest.forms[0], question_lookup(banks))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<em>every</em>" in html


def test_roster_errors_are_reported_with_line_numbers(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("name,student_id\nAda,s1\nBob,s2\n\nCyd,s1\nDee,\nEve,bad id\n", encoding="utf-8")
    r = read_roster(roster)
    assert r.ids == ["s1", "s2"] and r.rows == 5
    assert [(e.line, e.message.split(" ")[0]) for e in r.errors] == [(5, "duplicate"), (6, "empty"), (7, "student")]
    plain = tmp_path / "ids.txt"
    plain.write_text("# class A\nx1\nx2\n", encoding="utf-8")
    assert read_roster(plain).ids == ["x1", "x2"]


def test_cli_writes_manifest_forms_and_keys(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["form", str(FORMS / "exam.yml"), "--banks", str(FORMS / "banks"), "--allow-public-keys",
                 "--variants", "3", "-o", str(out)])
    assert code == 0
    manifest = FormManifest.model_validate_json((out / "manifest.json").read_text())
    assert [f.form_id for f in manifest.forms] == ["fixture-exam/v1", "fixture-exam/v2", "fixture-exam/v3"]
    assert set(manifest.bank_hashes) == {"01-alpha/01-part", "01-alpha/02-part", "02-beta/01-part", "02-beta/02-part"}
    assert sorted(p.name for p in (out / "forms").iterdir()) == [f"fixture-exam--v{i}.html" for i in (1, 2, 3)]
    assert len(list((out / "keys").iterdir())) == 3
    assert json.loads((out / "exposure.json").read_text())["forms"] == 3


def test_cli_refuses_a_roster_with_errors_and_writes_nothing(tmp_path, capsys):
    roster = tmp_path / "ids.txt"
    roster.write_text("s1\ns1\n", encoding="utf-8")
    out = tmp_path / "out"
    code = main(["form", str(FORMS / "exam.yml"), "--banks", str(FORMS / "banks"), "--allow-public-keys",
                 "--students", str(roster), "-o", str(out)])
    assert code == 1 and not out.exists()
    assert f"{roster}:2" in capsys.readouterr().err


def test_cli_reports_an_unmeetable_rule_with_its_line(tmp_path, capsys):
    bp = tmp_path / "bp.yml"
    bp.write_text("schema_version: 1\nexam_id: x\ntitle: X\ndraw:\n  - chapters: 1\n    per_section: 11\n")
    code = main(["form", str(bp), "--banks", str(FORMS / "banks"), "--allow-public-keys", "--variants", "1",
                 "-o", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 1 and f"{bp}:6:5" in err and "has only 10 question(s)" in err


def test_answer_key_entries_read_without_the_bank():
    """"A, C, E (partial credit)" left the marker guessing (credit per letter? for a subset?), and a regular
    expression was printed raw; the key now says the rule and lists the texts a pattern accepts."""
    from quizlib.forms.answers import key_text
    from quizlib.manifest import FormQuestion
    from quizlib.models import Bank

    bank = Bank.model_validate({
        "schema_version": 1, "page": "k/k", "title": "K", "objectives": [{"id": "O1", "text": "x"}],
        "questions": [
            {"id": "m", "type": "multiple", "prompt": "p", "explanation": "e", "source": "s", "objective": "O1",
             "difficulty": "easy", "options": [{"text": t, "correct": t in "ace"} for t in "abcde"]},
            {"id": "aon", "type": "multiple", "scoring": "all_or_nothing", "prompt": "p", "explanation": "e",
             "source": "s", "objective": "O1", "difficulty": "easy",
             "options": [{"text": "a", "correct": True}, {"text": "b"}]},
            {"id": "s", "type": "short", "prompt": "p", "explanation": "e", "source": "s", "objective": "O1",
             "difficulty": "easy", "answers": [{"text": "Joseph Nye"}, {"regex": "^joseph( s)? nye( jr)?$"},
                                               {"regex": "^nye.*$", "credit": 0.5}]},
        ],
    })
    m, aon, s = bank.questions
    fq = FormQuestion(qid="k/k/m", number=1, points=1, option_order=["a", "b", "c", "d", "e"])
    assert key_text(m, fq) == ("A, C, E: each of these 3 earns 1/3 of the mark, each other letter circled takes "
                               "1/3 off (never below 0)")
    fq = FormQuestion(qid="k/k/aon", number=2, points=1, option_order=["b", "a"])
    assert key_text(aon, fq) == "B: exactly this letter for the mark (all or nothing)"
    text = key_text(s, FormQuestion(qid="k/k/s", number=3, points=1))
    assert "joseph nye / joseph nye jr / joseph s nye / joseph s nye jr" in text and "^joseph" not in text
    assert "any answer matching the pattern ^nye.*$ (50% credit)" in text
    assert text.endswith("(case, spacing, punctuation and accents ignored)")


def test_printed_forms_and_answer_keys_are_never_committed():
    """`quizlib form` writes answer keys under dist/ by default: git must ignore them."""
    import shutil
    import subprocess

    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    for path in ("dist/forms/midterm/keys/midterm--v1.key.html", "dist/exports/course.qti.zip"):
        assert subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT).returncode == 0, path
