"""The QTI export as Canvas's own importer reads it (rules in tests/lms_rules.py, each naming the
Canvas or QTIMigrationTool file it comes from), and, when a checkout of QTIMigrationTool is at
hand, through that tool itself.

Canvas converts every QTI 1.2 upload to QTI 2.1 with instructure/QTIMigrationTool and reads the
result with gems/plugins/qti_exporter. Point ``QUIZLIB_QTI_MIGRATION_TOOL`` at its ``migrate.py``
(and ``QUIZLIB_QTI_MIGRATION_PYTHON`` at a Python with lxml) to run the real converter too; the
test says it skipped otherwise.
"""

from __future__ import annotations

import os
import re
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from quizlib.export import get_exporter
from quizlib.export.qti import QTI_NS, ident
from quizlib.grading import grade
from quizlib.loader import load_banks
from quizlib.models import Matching, Ordering, ShortAnswer
from quizlib.export._common import ordering_positions, plain

from . import lms_rules as lms
from .conftest import ROOT

NS = {"q": QTI_NS}


def course_banks():
    return list(load_banks([ROOT / "quizzes"]).banks.values())


@pytest.fixture(scope="module")
def course_items():
    """(bank, question, item element) for every course question, from the written zip."""
    banks = course_banks()
    exporter = get_exporter("qti")(title="Military Diplomacy")
    out = []
    for bank in banks:
        for q in bank.questions:
            text, _ = exporter.question_text(bank, q)
            out.append((bank, q, ET.fromstring(text)))
    return out


def expected_pairs(q: Matching | Ordering) -> list[tuple[str, str]]:
    """(left, right) as the bank means them, in plain text."""
    if isinstance(q, Matching):
        return sorted((lms.html_text(plain(p.left)[0]), plain(p.right)[0]) for p in q.pairs)
    positions = ordering_positions(q)
    return sorted((lms.html_text(plain(i.text)[0]), positions[k]) for k, i in enumerate(q.items))


def test_canvas_links_every_matching_and_ordering_item_to_its_own_right_choice(course_items):
    """The bug of issue 11: every left item linked to the same right choice (the first run of
    digits of our idents was the question hash's, the same for every choice)."""
    checked = 0
    for bank, q, item in course_items:
        if not isinstance(q, (Matching, Ordering)):
            continue
        read = sorted((lms.html_text(left), right) for left, right in lms.canvas_matching(item))
        assert read == expected_pairs(q), bank.global_id(q)
        checked += 1
    assert checked == sum(isinstance(q, (Matching, Ordering)) for _, q, _ in course_items) > 0


def test_every_choice_and_answer_ident_is_plain_numeric_and_unique_per_question(course_items):
    """text2qti and Canvas's exporter (lib/cc/qti/qti_items.rb) write answer ids as plain numbers;
    Canvas reads them with to_i (original_answer_ids) or by their first digits (matching)."""
    for bank, q, item in course_items:
        gid = bank.global_id(q)
        ids = lms.canvas_original_answer_ids(item)
        assert ids and all(i > 0 for i in ids) and len(set(ids)) == len(ids), gid
        for lid in item.iterfind("q:presentation/q:response_lid", NS):
            labels = [lab.get("ident", "") for lab in lid.iterfind("q:render_choice/q:response_label", NS)]
            assert all(re.fullmatch(r"[1-9][0-9]*", x) for x in labels), gid
            firsts = [lms.canvas_match_id(lms.label_identifier(x)) for x in labels]
            assert len(set(firsts)) == len(firsts), gid
            assert len(set(map(lms.label_identifier, labels))) == len(labels), gid
        if item.find("q:presentation/q:response_lid", NS) is not None and not isinstance(q, (Matching, Ordering)):
            # choice questions: the labels are the answers, in original_answer_ids order
            assert [int(x) for x in (lab.get("ident") for lab in item.iter(f"{{{QTI_NS}}}response_label"))] == ids, gid
        if isinstance(q, (Matching, Ordering)):
            # matching: response_<answer id>, the id Canvas falls back to (response_identifier.sub(/response_/i,'').to_i)
            lids = [lid.get("ident", "") for lid in item.iterfind("q:presentation/q:response_lid", NS)]
            assert [lms.ruby_to_i(x.removeprefix("response_")) for x in lids] == ids, gid


def test_per_answer_feedback_ids_follow_canvas_answer_ids(course_items):
    """assessment_item_converter.rb get_feedback: a modalFeedback 'feedback_<digits>_fb' (the
    converter prefixes our '<id>_fb') belongs to the answer 'RESPONSE_<digits>'."""
    for bank, q, item in course_items:
        answer_ids = set(lms.canvas_original_answer_ids(item))
        for fb in item.iterfind("q:itemfeedback", NS):
            ident = fb.get("ident", "")
            if ident in ("general_fb", "correct_fb", "general_incorrect_fb"):
                continue
            m = re.search(r"feedback_(\d*)_fb", lms.read_identifier(ident, "FEEDBACK_"), re.I)
            assert m and int(m.group(1)) in answer_ids, (bank.global_id(q), ident)


def test_item_titles_are_the_prompts_first_words_and_the_id(course_items):
    for bank, q, item in course_items:
        title = item.get("title", "")
        assert title.endswith(f"({q.id})") and len(title) <= 100, title
        words = lms.html_text(plain(q.prompt.split("\n")[0])[0]).split()
        assert title.startswith(" ".join(words[:3])), title


def test_canvas_short_answers_are_only_texts_quizlib_gives_full_credit(course_items):
    """extended_text_interaction.rb makes every matched string a 100% answer: nothing else may be
    written there. Wrong-answer feedback (0 credit) is kept as Canvas's incorrect-answer comment."""
    for bank, q, item in course_items:
        if not isinstance(q, ShortAnswer):
            continue
        texts = lms.canvas_short_answers(item)
        assert texts, bank.global_id(q)
        for text in texts:
            assert grade(q, text).fraction == 1.0, (bank.global_id(q), text)
        wrong_feedback = [a for a in q.answers if a.credit == 0 and a.feedback and a.text]
        incorrect = item.find("q:itemfeedback[@ident='general_incorrect_fb']", NS)
        for a in wrong_feedback:
            assert incorrect is not None and lms.html_text(a.feedback) in lms.html_text("".join(incorrect.itertext()))


# -- the real QTIMigrationTool, when available -------------------------------------------------------

TOOL = os.environ.get("QUIZLIB_QTI_MIGRATION_TOOL")
TOOL_PYTHON = os.environ.get("QUIZLIB_QTI_MIGRATION_PYTHON", "python3")
QTI21 = "http://www.imsglobal.org/xsd/imsqti_v2p1"


@pytest.mark.skipif(not TOOL, reason="QUIZLIB_QTI_MIGRATION_TOOL (path to QTIMigrationTool's migrate.py) not set")
def test_qti_migration_tool_output_keeps_every_matching_pair(tmp_path):
    """Canvas's converter itself; the 2.1 items are then read by the associate_interaction.rb rule."""
    banks = course_banks()
    path = tmp_path / "course.qti.zip"
    get_exporter("qti")(title="Military Diplomacy").write(banks, path)
    with zipfile.ZipFile(path) as zf:
        zf.extractall(tmp_path / "in")
    out = tmp_path / "out"
    proc = subprocess.run([TOOL_PYTHON, TOOL, "--ucvars", "--nogui", "--overwrite", f"--cpout={out}", str(tmp_path / "in")],
                          cwd=Path(TOOL).parent, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-2000:]
    by_ident = {ident(b.global_id(q)): q for b in banks for q in b.questions}
    checked = 0
    for f in (out / "assessmentItems").glob("*.xml"):
        doc = ET.parse(f).getroot()
        types = {m.get("name"): m.get("value") for m in doc.iter(f"{{{QTI21}}}instructureField")}
        if types.get("question_type") != "matching_question":
            continue
        title = doc.get("identifier", "")
        q = by_ident[title]
        interactions = list(doc.iter(f"{{{QTI21}}}choiceInteraction"))
        matches: dict[str, tuple[int | None, str]] = {}
        for sc in interactions[0].iter(f"{{{QTI21}}}simpleChoice"):
            matches[sc.get("identifier")] = (lms.canvas_match_id(sc.get("identifier")), "".join(sc.itertext()).strip())
        linked = {}
        for r_if in doc.iter():
            if r_if.tag not in (f"{{{QTI21}}}responseIf", f"{{{QTI21}}}responseElseIf"):
                continue
            match = r_if.find(f"{{{QTI21}}}match")
            if match is None or r_if.find(f".//{{{QTI21}}}sum") is None:
                continue
            var = match.find(f"{{{QTI21}}}variable").get("identifier")
            linked[var] = matches[match.find(f"{{{QTI21}}}baseValue").text.strip()][0]
        read = []
        for ci in interactions:
            left = lms.html_text("".join(ci.find(f"{{{QTI21}}}prompt").itertext()))
            match_id = linked.get(ci.get("responseIdentifier"))
            right = next(lms.html_text(t) for mid, t in matches.values() if mid == match_id)
            read.append((lms.html_text(left), right))
        assert sorted(read) == expected_pairs(q), title
        checked += 1
    assert checked == sum(isinstance(q, (Matching, Ordering)) for q in by_ident.values())
