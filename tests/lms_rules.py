"""How the LMSs' own importers read our exports: each rule transcribed from the consumer's source.

Canvas and Moodle cannot run here (Ruby on Rails, PHP with a database), so the rules
their importers apply to the files we write are transcribed below, each naming the file
it comes from. Tests run our exports through these readers and compare what the LMS
would store with the banks. Where a consumer's own code can run (QTIMigrationTool,
gift-pegjs, pygiftparser) the tests use it as well.
"""

from __future__ import annotations

import html
import re
import string
import xml.etree.ElementTree as ET

from quizlib.export.qti import QTI_NS

NS = {"q": QTI_NS}

# -- instructure/QTIMigrationTool (Canvas runs it on every QTI 1.2 import: qti_exporter/lib/qti.rb,
#    get_conversion_command: migrate.py --ucvars --nogui --overwrite --cpout=...) ---------------------

#: lib/xmlutils.py
NMTOKEN_CHARS = string.ascii_letters + string.digits + "_-.:"
NMSTART_CHARS = string.ascii_letters + "_"
#: lib/imsqtiv1.py
RESPONSE_PREFIX = "RESPONSE_"
D2L_IDENTIFIER_REPLACER = re.compile(r"_(?:ans|str)$", re.I)


def check_nmtoken(token: str, prefix: str = RESPONSE_PREFIX) -> str:
    """lib/imsqtiv1.py ``CheckNMTOKEN``: bad ASCII characters become '-', a token that does not
    start with a letter or '_' gets ``prefix`` (so the ident ``6101`` becomes ``RESPONSE_6101``)."""
    new = ""
    for ch in token.strip():
        if ch not in NMTOKEN_CHARS and ord(ch) < 128:
            ch = "-"
        if not new and ch not in NMSTART_CHARS:
            new = prefix
        new += ch
    return new


def read_identifier(value: str, prefix: str = RESPONSE_PREFIX) -> str:
    """lib/imsqtiv1.py ``ReadIdentifier``: ``CheckNMTOKEN`` then ':' and '.' replaced by '_'."""
    return check_nmtoken(value.strip(), prefix).replace(":", "_").replace(".", "_")


def label_identifier(ident: str) -> str:
    """lib/imsqtiv1.py ``ResponseLabel.SetAttribute_ident``: what a response_label ident becomes
    (the simpleChoice identifier Canvas reads)."""
    return read_identifier(D2L_IDENTIFIER_REPLACER.sub("", ident))


def value_identifier(text: str) -> str:
    """lib/imsqtiv1.py ``VarThing.MakeSingleValue``: a varequal on a choice response becomes a
    baseValue of type identifier through ``CheckNMTOKEN`` (no ':'/'.' replacement)."""
    return check_nmtoken(text)


# -- instructure/canvas-lms, gems/plugins/qti_exporter/lib/qti/ ---------------------------------------

def ruby_to_i(text: str) -> int:
    """Ruby ``String#to_i``: the leading integer, 0 when the string does not start with one."""
    m = re.match(r"\s*([+-]?\d+)", text.replace("_", ""))
    return int(m.group(1)) if m else 0


def canvas_match_id(identifier: str) -> int | None:
    """associate_interaction.rb ``get_canvas_matches``: ``sc['identifier'] =~ /(\\d+)/`` makes the
    *first run of digits* of a right-hand choice's identifier its match_id (else a random id: None)."""
    m = re.search(r"(\d+)", identifier)
    return int(m.group(1)) if m else None


def _fields(item: ET.Element) -> dict[str, str]:
    return {f.findtext("q:fieldlabel", namespaces=NS) or "": f.findtext("q:fieldentry", namespaces=NS) or ""
            for f in item.iter(f"{{{QTI_NS}}}qtimetadatafield")}


def _text(el: ET.Element | None) -> str:
    return "" if el is None else "".join(el.itertext()).strip()


def canvas_original_answer_ids(item: ET.Element) -> list[int]:
    """assessment_item_converter.rb ``parse_instructure_metadata`` + ``get_or_generate_answer_id``:
    ``original_answer_ids`` split on ',' and each read with ``to_i``; 0 means Canvas invents an id."""
    raw = _fields(item).get("original_answer_ids", "")
    return [ruby_to_i(x) for x in raw.split(",")] if raw else []


def canvas_matching(item: ET.Element) -> list[tuple[str, str | None]]:
    """(left text, right text Canvas links it to) for a matching_question item.

    associate_interaction.rb (custom_type canvas_matching): each right-hand choice is stored
    once per *match_id*, the first run of digits of its (QTIMigrationTool-converted) identifier;
    ``match_map`` is keyed by the full identifier but points at that match; each left answer
    takes the match of the identifier its scoring condition names, and ``ensure_correct_format``
    then shows the text of the *first* match with that match_id. Two choices whose identifiers
    start with the same digits therefore collapse into one.
    """
    matches: list[dict] = []
    match_map: dict[str, dict] = {}
    first_lid = item.find("q:presentation/q:response_lid", NS)
    for label in first_lid.iterfind("q:render_choice/q:response_label", NS) if first_lid is not None else []:
        ident = label_identifier(label.get("ident", ""))
        match = {"match_id": canvas_match_id(ident), "text": _text(label)}
        matches.append(match)
        match_map[ident] = match
    answers: dict[str, dict] = {}
    order = []
    for lid in item.iterfind("q:presentation/q:response_lid", NS):
        rid = read_identifier(lid.get("ident", ""))
        answers[rid] = {"text": _text(lid.find("q:material", NS)), "match_id": None}
        order.append(rid)
    for cond in item.iterfind("q:resprocessing/q:respcondition", NS):
        var = cond.find("q:conditionvar/q:varequal", NS)
        setvar = cond.find("q:setvar", NS)
        if var is None or setvar is None or setvar.get("action") != "Add":
            continue
        answer = answers.get(read_identifier(var.get("respident", "")))
        match = match_map.get(value_identifier(var.text or ""))
        if answer is not None and match is not None:
            answer["match_id"] = match["match_id"]
    out = []
    for rid in order:
        a = answers[rid]
        right = next((m["text"] for m in matches if a["match_id"] is not None and m["match_id"] == a["match_id"]), None)
        out.append((a["text"], right))
    return out


def canvas_short_answers(item: ET.Element) -> list[str]:
    """extended_text_interaction.rb ``process_response_conditions``: *every* string matched in any
    response condition becomes an answer with weight 100 (a feedback-only condition included), so
    a text written there is a right answer in Canvas whatever credit the condition sets."""
    texts: list[str] = []
    for cond in item.iterfind("q:resprocessing/q:respcondition", NS):
        for var in cond.iter(f"{{{QTI_NS}}}varequal"):
            text = var.text or ""
            if text and text not in texts:
                texts.append(text)
    return texts


def canvas_choice_ids(item: ET.Element) -> list[str]:
    """choice_interaction.rb ``get_answers``: answers are keyed by their simpleChoice identifier
    (``answers_hash[migration_id]``); two labels with one identifier are one answer."""
    lid = item.find("q:presentation/q:response_lid", NS)
    return [label_identifier(lab.get("ident", "")) for lab in lid.iterfind("q:render_choice/q:response_label", NS)]


# -- moodle/moodle ------------------------------------------------------------------------------------

def moodle_question_blocks(text: str) -> list[list[str]]:
    """question/format.php ``qformat_default::readquestions``: the file is cut into questions at
    every blank line (a line that is empty once trimmed); each block goes to ``readquestion``."""
    blocks, current = [], []
    for line in text.splitlines():
        if not line.strip():
            if current:
                blocks.append(current)
                current = []
        else:
            current.append(line.strip())
    if current:
        blocks.append(current)
    return blocks


_ESCAPED = {"\\:": "&&058;", "\\#": "&&035;", "\\=": "&&061;", "\\{": "&&123;", "\\}": "&&125;",
            "\\~": "&&126;", "\\n": "&&010"}


def moodle_escapedchar_pre(text: str) -> str:
    """question/format/gift/format.php ``escapedchar_pre``."""
    text = text.replace("\\\\", "&&092;")
    for seq, placeholder in _ESCAPED.items():
        text = text.replace(seq, placeholder)
    return text.replace("&&092;", "\\")


def moodle_escapedchar_post(text: str) -> str:
    """question/format/gift/format.php ``escapedchar_post``."""
    for seq, placeholder in _ESCAPED.items():
        text = text.replace(placeholder, "\n" if seq == "\\n" else seq[1])
    return text


def moodle_gift_parts(block: list[str]) -> dict[str, str] | None:
    """question/format/gift/format.php ``readquestion`` up to the type decision: comment lines
    dropped, escapes replaced, name cut at the first '::', answers between the *first* '{' and the
    *first* '}', general feedback after the last '####'. None for a $CATEGORY block."""
    lines = [" " if line.strip().startswith("//") else line for line in block]
    text = moodle_escapedchar_pre("\n".join(lines).strip())
    if not text or text.startswith("$CATEGORY:"):
        return None
    name = ""
    if text.startswith("::"):
        end = text.find("::", 2)
        name, text = text[2:end], text[end + 2:].strip()
    start, finish = text.find("{"), text.find("}")
    if start < 0 or finish < 0:
        raise AssertionError(f"Moodle: 'Could not find a {{' or '}}' around answers' in {name!r}")
    answertext = text[start + 1:finish].strip()
    general = ""
    if "####" in answertext:
        cut = answertext.rfind("####")
        general, answertext = answertext[cut + 4:], answertext[:cut].strip()
    return {"name": moodle_escapedchar_post(name), "answertext": answertext, "general": general}


def moodle_truefalse(answertext: str) -> dict[str, object]:
    """question/format/gift/format.php ``split_truefalse_comment`` and the ``truefalse`` case:
    ``{ANSWER#feedback for the wrong answer#feedback for the right answer}``."""
    bits = answertext.split("#", 2)
    answer = bits[0].strip()
    wrong = moodle_escapedchar_post(bits[1].strip()) if len(bits) > 1 else ""
    right = moodle_escapedchar_post(bits[2].strip()) if len(bits) > 2 else ""
    is_true = answer in ("T", "TRUE")
    return {"answer": is_true, "feedback_true": right if is_true else wrong,
            "feedback_false": wrong if is_true else right}


_ORDERING = re.compile(
    r"^\s*>\s*(\d+)\s*((?:ALL|EXACT|RANDOM|REL|CONTIGUOUS|CONTIG)?)\s*"
    r"((?:HORIZONTAL|HORI|H|1|VERTICAL|VERT|V|0)?)\s*"
    r"((?:ALL_OR_NOTHING|ABSOLUTE_POSITION|ABSOLUTE|ABS|RELATIVE_NEXT_EXCLUDE_LAST|RELATIVE_NEXT_INCLUDE_LAST|"
    r"RELATIVE_ONE_PREVIOUS_AND_NEXT|RELATIVE_ALL_PREVIOUS_AND_NEXT|RELATIVE_TO_CORRECT|RELATIVE|REL"
    r"LONGEST_ORDERED_SUBSET|LONGEST_CONTIGUOUS_SUBSET)?)\s*"
    r"((?:SHOW|TRUE|YES|1|HIDE|FALSE|NO|0)?)\s*((?:none|123|abc|ABCD|iii|IIII)?)\s*(.*?)\s*$", re.S)


def moodle_ordering(answertext: str) -> dict[str, object] | None:
    """question/type/ordering/questiontype.php ``import_from_gift`` (Moodle 4.4+): the answer text
    (escape placeholders *not* undone) must match the ``>N SELECT LAYOUT GRADING SHOW NUMBERING``
    header; every non-empty line after it is one item, stored as it stands."""
    m = _ORDERING.match(answertext)
    if not m:
        return None
    items = [line.strip() for line in re.split(r"[\r\n]+", m.group(7)) if line.strip() and line.strip() != "0"]
    return {"count": int(m.group(1)), "grading": m.group(4), "items": items}


def html_text(fragment: str) -> str:
    """What a browser shows for an HTML fragment (tags dropped, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


_WEIGHT = re.compile(r"^%-*([0-9]{1,2})\.?([0-9]*)%")


def _strip_format(text: str) -> str:
    """question/format/gift/format.php ``parse_text_with_format``: a leading [html]/[moodle]/... marker."""
    m = re.match(r"\[(html|moodle|plain|markdown)\]", text)
    return moodle_escapedchar_post(text[m.end():] if m else text).strip()


def moodle_multichoice(answertext: str) -> list[dict[str, object]]:
    """question/format/gift/format.php, the ``multichoice`` case: '=' answers are right (100%),
    '~%n%' weighted, other '~' answers 0; '#' starts an answer's feedback."""
    parts = answertext.replace("=", "~=").split("~")
    if not parts[0].strip():
        parts = parts[1:]
    out = []
    for answer in parts:
        answer = answer.strip()
        if answer.startswith("="):
            weight, answer = 1.0, answer[1:]
        elif m := _WEIGHT.match(answer):
            weight = float(answer[1:answer.index("%", 1)]) / 100
            answer = answer[answer.index("%", 1) + 1:]
        else:
            weight = 0.0
        text, _, feedback = answer.partition("#")
        out.append({"text": _strip_format(text), "fraction": weight, "feedback": _strip_format(feedback)})
    return out
