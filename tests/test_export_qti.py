"""QTI 1.2 for Canvas: parsed with Python's XML parser, checked for internal consistency, and
compared element by element with what text2qti (whose zips Canvas imports) writes for the
same questions.

Independence: the XML parser and text2qti are not ours; the structural rules below and the
"signature" extraction are ours, applied identically to both outputs.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from text2qti.config import Config
from text2qti.qti import QTI
from text2qti.quiz import Quiz

from quizlib.export import get_exporter
from quizlib.export._common import literal_answers
from quizlib.export.base import Notes
from quizlib.export.qti import QTI_NS
from quizlib.loader import load_banks
from quizlib.models import MultipleChoice, Numeric, ShortAnswer, SingleChoice, TrueFalse

from .course import N_BANKS, N_QUESTIONS
from .conftest import ROOT

NS = {"q": QTI_NS}
CANVAS_TYPES = {"multiple_choice_question", "multiple_answers_question", "true_false_question",
                "short_answer_question", "numerical_question", "matching_question"}


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def assessments(zip_path: Path) -> dict[str, ET.Element]:
    with zipfile.ZipFile(zip_path) as zf:
        return {name: ET.fromstring(zf.read(name)) for name in zf.namelist() if name.endswith(".xml")}


@pytest.fixture(scope="module")
def course_zip(tmp_path_factory):
    banks = list(load_banks([ROOT / "quizzes"]).banks.values())
    path = tmp_path_factory.mktemp("qti") / "course.qti.zip"
    report = get_exporter("qti")(title="Military Diplomacy").write(banks, path)
    return banks, path, report


def check_item(item: ET.Element) -> str:
    """Structural rules every Canvas item here must satisfy; returns its question_type."""
    fields = {f.findtext("q:fieldlabel", namespaces=NS): f.findtext("q:fieldentry", namespaces=NS)
              for f in item.iterfind("q:itemmetadata/q:qtimetadata/q:qtimetadatafield", NS)}
    qtype = fields["question_type"]
    assert qtype in CANVAS_TYPES
    assert float(fields["points_possible"]) > 0
    responses = {r.get("ident"): r for r in item.find("q:presentation", NS) if local(r.tag) in ("response_lid", "response_str")}
    assert responses, "an item needs a response element"
    labels = {r_id: {lab.get("ident") for lab in r.iter(f"{{{QTI_NS}}}response_label")} for r_id, r in responses.items()}
    feedback_ids = {f.get("ident") for f in item.iterfind("q:itemfeedback", NS)}
    scoring = 0
    for cond in item.iterfind("q:resprocessing/q:respcondition", NS):
        for var in cond.find("q:conditionvar", NS).iter():
            if local(var.tag) in ("varequal", "vargte", "varlte"):
                assert var.get("respident") in responses
                if local(responses[var.get("respident")].tag) == "response_lid":
                    assert var.text in labels[var.get("respident")]
        for shown in cond.iterfind("q:displayfeedback", NS):
            assert shown.get("linkrefid") in feedback_ids
        scoring += len(cond.findall("q:setvar", NS))
    assert scoring >= 1
    return qtype


def test_zip_layout_and_manifest_point_at_real_files(course_zip):
    banks, path, _ = course_zip
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        manifest = ET.fromstring(zf.read("imsmanifest.xml"))
    hrefs = [f.get("href") for f in manifest.iter() if local(f.tag) == "file"]
    assert hrefs and all(h in names for h in hrefs)
    types = [r.get("type") for r in manifest.iter() if local(r.tag) == "resource"]
    assert types.count("imsqti_xmlv1p2") == len(banks) == N_BANKS
    assert types.count("associatedcontent/imscc_xmlv1p1/learning-application-resource") == N_BANKS


def test_every_course_question_is_one_valid_item_in_its_section_bank(course_zip):
    banks, path, report = course_zip
    items, bank_names = [], set()
    for name, root in assessments(path).items():
        if local(root.tag) != "questestinterop":
            continue
        for item in root.iter(f"{{{QTI_NS}}}item"):
            check_item(item)
            items.append(item.get("ident"))
            bank_names.update(f.findtext("q:fieldentry", namespaces=NS) for f in item.iter(f"{{{QTI_NS}}}qtimetadatafield")
                              if f.findtext("q:fieldlabel", namespaces=NS) == "question_bank")
    assert len(items) == len(set(items)) == N_QUESTIONS == report.questions
    assert len(bank_names) == N_BANKS  # one item bank per section


def test_exports_are_byte_identical_on_rerun(course_zip, tmp_path):
    banks, path, _ = course_zip
    again = tmp_path / "again.qti.zip"
    get_exporter("qti")(title="Military Diplomacy").write(list(reversed(banks)), again)
    assert again.read_bytes() == path.read_bytes()


# -- comparison with text2qti ------------------------------------------------------------------

def text2qti_source(questions) -> str:
    """The same questions in text2qti's plain-text syntax."""
    out = ["Quiz title: Reference", ""]
    for n, q in enumerate(questions, start=1):
        out.append(f"{n}.  {q.prompt.strip()}")
        out.append(f"... {q.explanation.strip()}")
        if isinstance(q, SingleChoice):
            for k, o in enumerate(q.options):
                out.append(f"{'*' if o.correct else ''}{chr(97 + k)}) {o.text}")
        elif isinstance(q, MultipleChoice):
            for o in q.options:
                out.append(f"[{'*' if o.correct else ' '}] {o.text}")
        elif isinstance(q, TrueFalse):
            out += [f"{'*' if q.answer else ''}a) True", f"{'*' if not q.answer else ''}b) False"]
        elif isinstance(q, ShortAnswer):
            # the full-credit literal answers our export keeps (patterns expanded to their texts)
            kept = literal_answers(q, "Canvas", Notes("qti", q.id, []))
            out += [f"*   {a.text}" for a in kept if a.credit == 1]
        elif isinstance(q, Numeric):
            out.append(f"=   {q.answer:g} +- {max(q.tolerance * (abs(q.answer) if q.tolerance_mode.value == 'relative' else 1), 1e-9):g}")
        out.append("")
    return "\n".join(out)


def signature(item: ET.Element) -> dict:
    """What Canvas reads: type, response elements and their rendering, and the shape of the scoring condition."""
    fields = {f.findtext("q:fieldlabel", namespaces=NS): f.findtext("q:fieldentry", namespaces=NS)
              for f in item.iter(f"{{{QTI_NS}}}qtimetadatafield")}
    pres = item.find("q:presentation", NS)
    responses = []
    for r in pres:
        if local(r.tag) == "material":
            responses.append(("material", r.find("q:mattext", NS).get("texttype")))
            continue
        render = next(iter(r))
        responses.append((local(r.tag), r.get("ident"), r.get("rcardinality"), local(render.tag),
                          render.get("fibtype"), len(render.findall("q:response_label", NS))))

    def shape(el: ET.Element) -> tuple:
        return (local(el.tag), tuple(shape(ch) for ch in el))

    scoring = [cond for cond in item.iterfind("q:resprocessing/q:respcondition", NS) if cond.find("q:setvar", NS) is not None]
    return {
        "question_type": fields["question_type"],
        "points_possible": float(fields["points_possible"]),
        "metadata": sorted(k for k in fields if k != "question_bank"),
        "presentation": responses,
        "scoring": [(cond.get("continue"), shape(cond.find("q:conditionvar", NS)),
                     cond.find("q:setvar", NS).get("action"), cond.find("q:setvar", NS).text) for cond in scoring],
        "general_feedback": item.find("q:itemfeedback[@ident='general_fb']", NS) is not None,
    }


def test_items_have_the_structure_text2qti_gives_the_same_questions(fixture_bank, tmp_path):
    questions = [q for q in fixture_bank.questions if q.type in ("single", "multiple", "true_false", "short", "numeric")]
    quiz = Quiz(text2qti_source(questions), config=Config())
    reference = tmp_path / "text2qti.zip"
    reference.write_bytes(QTI(quiz).zip_bytes())
    theirs = [item for root in assessments(reference).values() for item in root.iter(f"{{{QTI_NS}}}item")]
    ours = [ET.fromstring(get_exporter("qti")().question_text(fixture_bank, q)[0]) for q in questions]
    assert len(theirs) == len(ours) == 7
    for q, mine, ref in zip(questions, ours, theirs):
        a, b = signature(mine), signature(ref)
        if q.points != 1:  # text2qti's plain syntax gives every question 1 point
            a["points_possible"] = 1.0
        assert a == b, q.id


def test_manifest_and_meta_mirror_text2qti(fixture_bank, tmp_path):
    quiz = Quiz(text2qti_source(fixture_bank.questions[:1]), config=Config())
    ref = tmp_path / "ref.zip"
    ref.write_bytes(QTI(quiz).zip_bytes())
    ours = tmp_path / "ours.qti.zip"
    get_exporter("qti")().write([fixture_bank], ours)

    def layout(path: Path) -> tuple:
        with zipfile.ZipFile(path) as zf:
            manifest = ET.fromstring(zf.read("imsmanifest.xml"))
            names = zf.namelist()
            meta = next(ET.fromstring(zf.read(n)) for n in names if n.endswith("assessment_meta.xml"))
        resources = sorted((r.get("type"), len(r)) for r in manifest.iter() if local(r.tag) == "resource")
        folders = sorted(n.count("/") for n in names)
        return local(manifest.tag), resources, folders, local(meta.tag), meta.tag.split("}")[0]

    assert layout(ours) == layout(ref)


def test_report_lists_short_answer_losses_per_question(course_zip):
    _, _, report = course_zip
    assert report.affected > 0
    qids = {n.qid for n in report.notes}
    all_ids = {b.global_id(q) for b in course_zip[0] for q in b.questions}
    assert qids <= all_ids
    orderings = {b.global_id(q) for b in course_zip[0] for q in b.questions if q.type == "ordering"}
    assert orderings <= qids  # every ordering question is reported (exported as matching)
