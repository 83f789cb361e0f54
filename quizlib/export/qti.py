"""QTI 1.2 zip for Canvas classic quizzes (Settings > Import course content > QTI .zip file).

Layout, as Canvas's own exporter and text2qti write it (the tests compare with
text2qti's output for the same questions)::

    imsmanifest.xml                       one resource per assessment + its Canvas metadata
    <assessment>/<assessment>.xml         questestinterop > assessment > section > item*
    <assessment>/assessment_meta.xml      Canvas quiz settings (title, points, unpublished)
    non_cc_assessments/

The whole course becomes one assessment per section. Canvas files the questions
of an imported assessment in a question bank; each item also carries a
``question_bank`` metadata field naming its section (read by Canvas's importer,
``qti_exporter/assessment_item_converter.rb``), so each section becomes one item
bank. The imported quizzes are unpublished and can be deleted if only the banks
are wanted.

Mapping: single -> multiple_choice_question, multiple -> multiple_answers_question,
true_false -> true_false_question, short -> short_answer_question (literal answers;
patterns and partial credit reported), numeric -> numerical_question (exact with
margin, or a range: relative tolerances become exact bounds), matching ->
matching_question (distractors are extra choices), ordering -> matching_question
of item to position (Canvas classic has no ordering type; reported).

Answer idents are plain numbers, unique within their item, as Canvas's own export
(lib/cc/qti/qti_items.rb) writes them: Canvas reads ``original_answer_ids`` with
``to_i`` and a matching choice's id from the *first run of digits* of its ident
(qti_exporter/lib/qti/associate_interaction.rb), so idents such as ``q3f2a..._m_p1``
would all read as the same number. Answers are numbered from 1001 and the right-hand
choices of a matching question from 2001 (at most 20 of either per question).
"""

from __future__ import annotations

import hashlib
from html import escape as html_escape
import io
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import Sequence

from ..models import (
    Bank, Matching, MultipleChoice, MultipleScoring, Numeric, Ordering, QuestionBase, ShortAnswer, SingleChoice, TrueFalse,
)
from . import _common as c
from .base import Exporter, ExportNote, ExportReport, Notes

QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
CP_NS = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
IMSMD_NS = "http://www.imsglobal.org/xsd/imsmd_v1p2"
CANVAS_NS = "http://canvas.instructure.com/xsd/cccv1p0"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"

#: Fixed timestamp inside the zip, so the same banks always give the same bytes.
ZIP_DATE = (2000, 1, 1, 0, 0, 0)


def ident(*parts: str) -> str:
    """A stable XML identifier (NMTOKEN, no colons or dots) derived from ids: items, assessments."""
    return "q" + hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:24]


#: First plain-number ident of a question's answers, and of a matching question's right-hand choices.
ANSWER_BASE, CHOICE_BASE = 1001, 2001

#: Longest item title (Canvas shows it in the question bank; Brightspace and others as the question name).
TITLE_CHARS = 60


def answer_idents(n: int, base: int = ANSWER_BASE) -> list[str]:
    """``n`` plain numeric idents, distinct when read by their first run of digits (as Canvas does)."""
    return [str(base + k) for k in range(n)]


def item_title(q: QuestionBase) -> str:
    """The prompt's first words and the question id, e.g. ``Which exercise is held every two… (single-1)``.

    LMSs that list items by title (Canvas's question banks, Brightspace) otherwise show
    "Question" for every item; the id keeps the title unique and findable in the bank.
    """
    words = " ".join(c.plain(q.prompt.strip().split("\n\n")[0].replace("\n", " "))[0].split())
    if len(words) > TITLE_CHARS:
        cut = words[:TITLE_CHARS].rsplit(" ", 1)[0] if " " in words[:TITLE_CHARS] else words[:TITLE_CHARS]
        words = cut.rstrip(" ,;:.") + "…"
    return f"{words} ({q.id})"


def _q(tag: str) -> str:
    return f"{{{QTI_NS}}}{tag}"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, _q(tag), {k: v for k, v in attrs.items()})
    if text is not None:
        el.text = text
    return el


def _mattext(parent: ET.Element, html: str, texttype: str = "text/html") -> None:
    material = _sub(parent, "material")
    if texttype:
        _sub(material, "mattext", html, texttype=texttype)
    else:
        _sub(material, "mattext", html)


def _meta(parent: ET.Element, fields: list[tuple[str, str]]) -> None:
    md = _sub(parent, "qtimetadata")
    for label, entry in fields:
        f = _sub(md, "qtimetadatafield")
        _sub(f, "fieldlabel", label)
        _sub(f, "fieldentry", entry)


def _condition(parent: ET.Element, cont: str | None) -> tuple[ET.Element, ET.Element]:
    """A respcondition; ``continue`` says whether later conditions still run (None: attribute left out)."""
    cond = ET.SubElement(parent, _q("respcondition"), {"continue": cont} if cont else {})
    return cond, _sub(cond, "conditionvar")


def _feedback_ref(cond: ET.Element, ref: str) -> None:
    _sub(cond, "displayfeedback", feedbacktype="Response", linkrefid=ref)


def _itemfeedback(item: ET.Element, ref: str, html: str) -> None:
    fb = _sub(item, "itemfeedback", ident=ref)
    flow = _sub(fb, "flow_mat")
    _mattext(flow, html)


class QTIExporter(Exporter):
    name = "qti"
    label = "QTI 1.2 zip for Canvas classic quizzes"
    suffix = ".qti.zip"

    # -- one question --------------------------------------------------------------------

    def item(self, bank: Bank, q: QuestionBase, notes: Notes) -> ET.Element:
        gid = bank.global_id(q)
        iid = ident(gid)
        item = ET.Element(_q("item"), {"ident": iid, "title": item_title(q)})
        meta = _sub(item, "itemmetadata")
        presentation = _sub(item, "presentation")
        _mattext(presentation, c.prompt_html(q))
        proc = _sub(item, "resprocessing")
        outcomes = _sub(proc, "outcomes")
        _sub(outcomes, "decvar", maxvalue="100", minvalue="0", varname="SCORE", vartype="Decimal")
        feedback: list[tuple[str, str]] = []
        if q.explanation:
            cond, var = _condition(proc, "Yes")
            _sub(var, "other")
            _feedback_ref(cond, "general_fb")
            feedback.append(("general_fb", c.block(q.explanation)))

        answer_ids: list[str] = []
        if isinstance(q, (SingleChoice, MultipleChoice, TrueFalse)):
            qtype, answer_ids = self._choice(q, presentation, proc, feedback, notes)
        elif isinstance(q, ShortAnswer):
            qtype = "short_answer_question"
            answer_ids = self._short(q, presentation, proc, feedback, notes)
        elif isinstance(q, Numeric):
            qtype = "numerical_question"
            answer_ids = answer_idents(1)
            self._numeric(q, presentation, proc)
        elif isinstance(q, Matching):
            qtype = "matching_question"
            lefts = [(p.id or "", p.left) for p in q.pairs]
            rights = q.right_choices()
            answer_ids = self._matching(lefts, rights, {p.id or "": p.id or "" for p in q.pairs}, presentation, proc, notes)
            if not q.shuffle:
                notes.changed(c.note_shuffle("Canvas"), "shuffle")
        elif isinstance(q, Ordering):
            qtype = "matching_question"
            notes.changed(c.note_ordering_as_matching("Canvas classic", q), "type")
            order = c.ordering_display(bank, q)
            positions = c.ordering_positions(q)
            lefts = [(q.items[k].id or "", q.items[k].text) for k in order]
            rights = [(f"pos{i + 1}", text) for i, text in enumerate(positions)]
            key = {it.id or "": f"pos{i + 1}" for i, it in enumerate(q.items)}
            answer_ids = self._matching(lefts, rights, key, presentation, proc, notes)
        else:  # pragma: no cover - the union is closed
            raise TypeError(type(q).__name__)

        _meta(meta, [
            ("question_type", qtype),
            ("points_possible", c.fmt_number(q.points)),
            ("original_answer_ids", ",".join(answer_ids)),
            ("assessment_question_identifierref", f"{iid}_ref"),
            ("question_bank", self.bank_title(bank)),
        ])
        for ref, html in feedback:
            _itemfeedback(item, ref, html)
        return item

    def _choice(self, q: SingleChoice | MultipleChoice | TrueFalse, presentation: ET.Element,
                proc: ET.Element, feedback: list[tuple[str, str]], notes: Notes) -> tuple[str, list[str]]:
        if isinstance(q, TrueFalse):
            qtype, card = "true_false_question", "Single"
            true_id, false_id = answer_idents(2)
            choices = [(true_id, "True", q.answer is True, q.feedback_true),
                       (false_id, "False", q.answer is False, q.feedback_false)]
        else:
            multiple = isinstance(q, MultipleChoice)
            qtype, card = ("multiple_answers_question", "Multiple") if multiple else ("multiple_choice_question", "Single")
            choices = [(aid, c.inline(o.text), o.correct, o.feedback)
                       for aid, o in zip(answer_idents(len(q.options)), q.options)]
            if not q.shuffle:
                notes.changed(c.note_shuffle("Canvas"), "shuffle")
            if multiple:
                rule = ("all-or-nothing" if q.scoring is MultipleScoring.all_or_nothing
                        else "net-correct rule (each wrong choice cancels one right choice)")
                notes.changed("Canvas classic scores multiple-answer questions with its own partial credit "
                              f"(points/right options per right choice, minus points/wrong options per wrong choice), "
                              f"not quizlib's {rule}")
        lid = _sub(presentation, "response_lid", ident="response1", rcardinality=card)
        render = _sub(lid, "render_choice")
        for aid, html, _, _ in choices:
            label = _sub(render, "response_label", ident=aid)
            _mattext(label, html)
        for aid, _, _, fb in choices:
            if fb:
                cond, var = _condition(proc, "Yes")
                _sub(var, "varequal", aid, respident="response1")
                _feedback_ref(cond, f"{aid}_fb")
                feedback.append((f"{aid}_fb", c.block(fb)))
        cond, var = _condition(proc, "No")
        if card == "Single":
            right = next(aid for aid, _, ok, _ in choices if ok)
            _sub(var, "varequal", right, respident="response1")
        else:
            both = _sub(var, "and")
            for aid, _, ok, _ in choices:
                if ok:
                    _sub(both, "varequal", aid, respident="response1")
                else:
                    _sub(_sub(both, "not"), "varequal", aid, respident="response1")
        _sub(cond, "setvar", "100", action="Set", varname="SCORE")
        return qtype, [aid for aid, _, _, _ in choices]

    def _short(self, q: ShortAnswer, presentation: ET.Element, proc: ET.Element,
               feedback: list[tuple[str, str]], notes: Notes) -> list[str]:
        """Right answers only, as Canvas has them.

        Canvas's importer (qti_exporter/lib/qti/extended_text_interaction.rb) turns *every*
        string matched in a condition into a 100% answer, so a wrong answer written there,
        even in a feedback-only condition, would become right. Answers worth less than full
        credit are left out; their feedback goes into the incorrect-answer comment, which
        Canvas shows for any wrong answer.
        """
        resp = _sub(presentation, "response_str", ident="response1", rcardinality="Single")
        _sub(_sub(resp, "render_fib"), "response_label", ident="answer1", rshuffle="No")
        literals = c.literal_answers(q, "Canvas", notes)
        right = [a for a in literals if a.credit >= 1]
        wrong = [a for a in literals if a.credit < 1]
        for a in wrong:
            if a.credit > 0:
                notes.lost(f"answer '{a.text}' ({a.credit:.0%} credit) left out: Canvas short answers are only right "
                           "answers, so it scores 0" + (" (its feedback is kept with the wrong-answer comment)"
                                                         if a.feedback else ""), "answers")
            else:
                notes.changed(f"answer '{a.text}' (0% credit) not written: Canvas short answers are only right answers"
                              + ("; its feedback is shown as the comment for every wrong answer" if a.feedback else ""),
                              "answers")
        notes.changed(c.note_normalize("Canvas", q))
        # Canvas numbers the answers in the order the conditions first name them: feedback conditions come first.
        ordered = [a for a in right if a.feedback] + [a for a in right if not a.feedback]
        ids = dict(zip((a.text for a in ordered), answer_idents(len(ordered))))
        for a in ordered:
            if a.feedback:
                cond, var = _condition(proc, "Yes")
                _sub(var, "varequal", a.text, respident="response1")
                _feedback_ref(cond, f"{ids[a.text]}_fb")
                feedback.append((f"{ids[a.text]}_fb", c.block(a.feedback)))
        cond, var = _condition(proc, "No")
        for a in right:
            _sub(var, "varequal", a.text, respident="response1")
        _sub(cond, "setvar", "100", action="Set", varname="SCORE")
        comments = [f"<p>If your answer was “{html_escape(a.text)}”:</p>\n{c.block(a.feedback)}" for a in wrong if a.feedback]
        if comments:
            cond, var = _condition(proc, "Yes")
            _sub(var, "other")
            _feedback_ref(cond, "general_incorrect_fb")
            feedback.append(("general_incorrect_fb", "\n".join(comments)))
        return [ids[a.text] for a in ordered]

    def _numeric(self, q: Numeric, presentation: ET.Element, proc: ET.Element) -> None:
        resp = _sub(presentation, "response_str", ident="response1", rcardinality="Single")
        _sub(_sub(resp, "render_fib", fibtype="Decimal"), "response_label", ident="answer1")
        low, high = c.numeric_bounds(q)
        cond, var = _condition(proc, "No")
        either = _sub(var, "or")
        _sub(either, "varequal", c.fmt_number(q.answer), respident="response1")
        both = _sub(either, "and")
        _sub(both, "vargte", c.fmt_number(low), respident="response1")
        _sub(both, "varlte", c.fmt_number(high), respident="response1")
        _sub(cond, "setvar", "100", action="Set", varname="SCORE")

    def _matching(self, lefts: list[tuple[str, str]], rights: list[tuple[str, str]], key: dict[str, str],
                  presentation: ET.Element, proc: ET.Element, notes: Notes) -> list[str]:
        """One response_lid per left item (``response_<answer id>``), every right (distractors too)
        offered to each, as Canvas's exporter writes matching questions (lib/cc/qti/qti_items.rb)."""
        left_ids = dict(zip((lid for lid, _ in lefts), answer_idents(len(lefts))))
        right_ids = dict(zip((rid for rid, _ in rights), answer_idents(len(rights), CHOICE_BASE)))
        plain_rights = []
        for rid, text in rights:
            shown, lost_format = c.plain(text)
            if lost_format:
                notes.changed(c.note_formatting("Canvas", f"matching choice '{shown}'"))
            plain_rights.append((right_ids[rid], shown))
        share = f"{100 / len(lefts):.2f}"
        for lid_id, text in lefts:
            lid = _sub(presentation, "response_lid", ident=f"response_{left_ids[lid_id]}")
            _mattext(lid, c.inline(text))
            render = _sub(lid, "render_choice")
            for mid, shown in plain_rights:
                label = _sub(render, "response_label", ident=mid)
                _mattext(label, shown, texttype="")
        for lid_id, _ in lefts:
            cond, var = _condition(proc, None)
            _sub(var, "varequal", right_ids[key[lid_id]], respident=f"response_{left_ids[lid_id]}")
            _sub(cond, "setvar", share, varname="SCORE", action="Add")
        return [left_ids[lid_id] for lid_id, _ in lefts]

    # -- files ------------------------------------------------------------------------------

    def bank_title(self, bank: Bank) -> str:
        return f"{c.chapter_of(bank)} / {c.section_name(bank)}"

    def question_text(self, bank: Bank, question: QuestionBase) -> tuple[str, list[ExportNote]]:
        sink: list[ExportNote] = []
        el = self.item(bank, question, Notes(self.name, bank.global_id(question), sink))
        return _serialize(el), sink

    def assessment(self, bank: Bank, aid: str, notes: list[ExportNote]) -> ET.Element:
        root = ET.Element(_q("questestinterop"), {
            f"{{{XSI_NS}}}schemaLocation": f"{QTI_NS} http://www.imsglobal.org/xsd/ims_qtiasiv1p2p1.xsd"})
        assessment = _sub(root, "assessment", ident=aid, title=self.bank_title(bank))
        _meta(assessment, [("cc_maxattempts", "1")])
        section = _sub(assessment, "section", ident="root_section")
        for q in bank.questions:
            section.append(self.item(bank, q, Notes(self.name, bank.global_id(q), notes)))
        return root

    def assessment_meta(self, bank: Bank, aid: str) -> ET.Element:
        root = ET.Element(f"{{{CANVAS_NS}}}quiz", {
            "identifier": aid, f"{{{XSI_NS}}}schemaLocation": f"{CANVAS_NS} https://canvas.instructure.com/xsd/cccv1p0.xsd"})

        def field(tag: str, text: str) -> None:
            ET.SubElement(root, f"{{{CANVAS_NS}}}{tag}").text = text

        field("title", self.bank_title(bank))
        field("description", f"<p>Questions of {c.section_name(bank)} ({bank.id}), exported by quizlib.</p>")
        field("shuffle_answers", "true")
        field("scoring_policy", "keep_highest")
        field("hide_results", "")
        field("quiz_type", "assignment")
        field("points_possible", c.fmt_number(sum(q.points for q in bank.questions)))
        field("show_correct_answers", "true")
        field("allowed_attempts", "1")
        field("one_question_at_a_time", "false")
        field("cant_go_back", "false")
        field("available", "false")
        return root

    def manifest(self, entries: list[tuple[Bank, str]]) -> ET.Element:
        ns = CP_NS
        root = ET.Element(f"{{{ns}}}manifest", {
            "identifier": ident("manifest", *[aid for _, aid in entries]),
            f"{{{XSI_NS}}}schemaLocation": f"{ns} http://www.imsglobal.org/xsd/imscp_v1p1.xsd "
                                           f"{IMSMD_NS} http://www.imsglobal.org/xsd/imsmd_v1p2p2.xsd"})
        metadata = ET.SubElement(root, f"{{{ns}}}metadata")
        ET.SubElement(metadata, f"{{{ns}}}schema").text = "IMS Content"
        ET.SubElement(metadata, f"{{{ns}}}schemaversion").text = "1.1.3"
        lom = ET.SubElement(metadata, f"{{{IMSMD_NS}}}lom")
        general = ET.SubElement(lom, f"{{{IMSMD_NS}}}general")
        title = ET.SubElement(general, f"{{{IMSMD_NS}}}title")
        ET.SubElement(title, f"{{{IMSMD_NS}}}string").text = self.title
        ET.SubElement(root, f"{{{ns}}}organizations")
        resources = ET.SubElement(root, f"{{{ns}}}resources")
        for _, aid in entries:
            res = ET.SubElement(resources, f"{{{ns}}}resource", {"identifier": aid, "type": "imsqti_xmlv1p2"})
            ET.SubElement(res, f"{{{ns}}}file", {"href": f"{aid}/{aid}.xml"})
            ET.SubElement(res, f"{{{ns}}}dependency", {"identifierref": f"{aid}_meta"})
            meta = ET.SubElement(resources, f"{{{ns}}}resource", {
                "identifier": f"{aid}_meta", "type": "associatedcontent/imscc_xmlv1p1/learning-application-resource",
                "href": f"{aid}/assessment_meta.xml"})
            ET.SubElement(meta, f"{{{ns}}}file", {"href": f"{aid}/assessment_meta.xml"})
        return root

    def write(self, banks: Sequence[Bank], path: Path) -> ExportReport:
        banks = self.ordered(banks)
        report = ExportReport(self.name, path, sum(len(b.questions) for b in banks), len(banks))
        entries = [(b, ident("assessment", b.id)) for b in banks]
        files: list[tuple[str, bytes]] = [("imsmanifest.xml", _document(self.manifest(entries)))]
        for bank, aid in entries:
            files.append((f"{aid}/{aid}.xml", _document(self.assessment(bank, aid, report.notes))))
            files.append((f"{aid}/assessment_meta.xml", _document(self.assessment_meta(bank, aid))))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(zipfile.ZipInfo("non_cc_assessments/", ZIP_DATE), b"")
            for name, data in files:
                info = zipfile.ZipInfo(name, ZIP_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, data)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(buffer.getvalue())
        return report


ET.register_namespace("xsi", XSI_NS)
ET.register_namespace("imsmd", IMSMD_NS)


def _default_namespace(el: ET.Element) -> None:
    """Make the root's namespace the default one (``xmlns="..."``), as Canvas and text2qti write it.

    ElementTree keeps one default-prefix registration at a time (registering another
    drops the previous), so it is set just before each document is serialized.
    """
    ET.register_namespace("", el.tag[1:].split("}", 1)[0])


def _serialize(el: ET.Element) -> str:
    """One item as indented XML text: what golden files hold."""
    el = ET.fromstring(ET.tostring(el))
    ET.indent(el, space="  ")
    _default_namespace(el)
    return ET.tostring(el, encoding="unicode")


def _document(root: ET.Element) -> bytes:
    ET.indent(root, space="  ")
    _default_namespace(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
