"""GIFT as Moodle reads it (rules transcribed in tests/lms_rules.py, each naming its Moodle file)
and as gift-pegjs, the npm GIFT parser, reads it (run with Node).
"""

from __future__ import annotations

import pytest

from quizlib.export import get_exporter
from quizlib.export._common import block, inline
from quizlib.loader import load_banks
from quizlib.models import Ordering, TrueFalse

from . import gift_pegjs
from . import lms_rules as lms
from .conftest import ROOT


@pytest.fixture(scope="module")
def banks():
    return list(load_banks([ROOT / "quizzes"]).banks.values())


def questions(banks):
    return {q.id: (b, q) for b in banks for q in b.questions}


@pytest.mark.parametrize("ordering", ["native", "matching"])
def test_moodle_cuts_the_file_into_exactly_one_block_per_question(banks, ordering):
    """question/format.php readquestions ends a question at every blank line: a blank line inside
    one (as '--ordering native' wrote before the general feedback) loses every question of the file,
    since Moodle stops on the first error. Each block must read as one whole question."""
    text = get_exporter("gift")(title="Military Diplomacy", ordering=ordering).text(banks, [])
    parts = [lms.moodle_gift_parts(b) for b in lms.moodle_question_blocks(text)]
    read = [p for p in parts if p is not None]
    by_id = questions(banks)
    assert [p["name"] for p in read] == [q.id for b in sorted(banks, key=lambda b: b.id) for q in b.questions]
    for p in read:
        _, q = by_id[p["name"]]
        assert lms.moodle_escapedchar_post(p["general"]).strip() == block(q.explanation)


def test_native_ordering_items_read_as_moodle_stores_them(banks):
    """question/type/ordering/questiontype.php import_from_gift keeps each line after the header as
    an item *without undoing GIFT escapes*: items must hold no escape, and show the bank's text."""
    exporter = get_exporter("gift")(title="Military Diplomacy", ordering="native")
    checked = 0
    for b in banks:
        for q in b.questions:
            if not isinstance(q, Ordering):
                continue
            (blk,) = [x for x in lms.moodle_question_blocks(exporter.question_text(b, q)[0])]
            read = lms.moodle_ordering(lms.moodle_gift_parts(blk)["answertext"])
            assert read is not None, q.id
            assert read["count"] == len(q.items)
            assert read["grading"] == ("ALL_OR_NOTHING" if q.scoring.value == "all_or_nothing" else "RELATIVE_ALL_PREVIOUS_AND_NEXT")
            assert [lms.html_text(i) for i in read["items"]] == [lms.html_text(inline(i.text)) for i in q.items], q.id
            assert not any("&&" in i for i in read["items"])
            checked += 1
    assert checked


def test_ordering_item_with_gift_special_characters_survives_moodle(fixture_bank):
    data = fixture_bank.model_copy(deep=True)
    q = next(x for x in data.questions if isinstance(x, Ordering))
    q.items[0].text = "Treaty {draft}: art. 5 = ~ # \\ done"
    text, _ = get_exporter("gift")(ordering="native").question_text(data, q)
    (blk,) = lms.moodle_question_blocks(text)
    read = lms.moodle_ordering(lms.moodle_gift_parts(blk)["answertext"])
    assert lms.html_text(read["items"][0]) == "Treaty {draft}: art. 5 = ~ # \\ done"


def tf_feedback_moodle(answertext: str) -> dict[str, object]:
    """What Moodle attaches: a truefalse block (format.php split_truefalse_comment) or, for a
    True/False multiple choice, each option's own feedback (the multichoice case)."""
    if "~" not in answertext:
        return lms.moodle_truefalse(answertext)
    options = {o["text"]: o for o in lms.moodle_multichoice(answertext)}
    return {"answer": options["True"]["fraction"] == 1, "feedback_true": options["True"]["feedback"],
            "feedback_false": options["False"]["feedback"]}


def test_true_false_feedback_attaches_to_the_right_answer_in_moodle(banks):
    exporter = get_exporter("gift")()
    checked = 0
    for b in banks:
        for q in b.questions:
            if isinstance(q, TrueFalse):
                (blk,) = lms.moodle_question_blocks(exporter.question_text(b, q)[0])
                read = tf_feedback_moodle(lms.moodle_gift_parts(blk)["answertext"])
                assert read == {"answer": q.answer, "feedback_true": block(q.feedback_true),
                                "feedback_false": block(q.feedback_false)}, q.id
                checked += 1
    assert checked


def test_true_false_feedback_attaches_to_the_right_answer_in_gift_pegjs(banks, fixture_bank):
    """gift-pegjs reads {T#first#second} as (feedback for True, feedback for False) whatever the
    answer, Moodle as (wrong, right): both agree only for FALSE, so TRUE with feedback is written
    as a True/False multiple choice, which both read the same way."""
    all_banks = banks + [fixture_bank]
    by_id = {q.id: q for b in all_banks for q in b.questions}
    text = get_exporter("gift")().text(all_banks, [])
    checked = 0
    for pq in gift_pegjs.parse(text):
        q = by_id.get(pq.get("title") or "")
        if not isinstance(q, TrueFalse):
            continue
        if pq["type"] == "TF":
            got = (pq["isTrue"], (pq["trueFeedback"] or {}).get("text", ""), (pq["falseFeedback"] or {}).get("text", ""))
        else:
            assert pq["type"] == "MC", q.id
            opts = {c["text"]["text"]: c for c in pq["choices"]}
            got = (opts["True"]["isCorrect"], (opts["True"]["feedback"] or {}).get("text", ""),
                   (opts["False"]["feedback"] or {}).get("text", ""))
        assert got == (q.answer, block(q.feedback_true), block(q.feedback_false)), q.id
        checked += 1
    assert checked == sum(isinstance(q, TrueFalse) for q in by_id.values())


def test_gift_pegjs_reads_every_question_of_the_default_export(banks):
    text = get_exporter("gift")(title="Military Diplomacy").text(banks, [])
    read = [q for q in gift_pegjs.parse(text) if q["type"] != "Category"]
    assert [q["title"] for q in read] == [q.id for b in sorted(banks, key=lambda b: b.id) for q in b.questions]


def test_an_answer_starting_like_a_weight_keeps_its_text_and_credit(fixture_bank):
    """format.php reads a leading '%n%' of an answer as its weight ($giftanswerweightregex): an option
    or short answer whose text starts so must not lose it."""
    bank = fixture_bank.model_copy(deep=True)
    single = next(q for q in bank.questions if q.type == "single")
    single.options[0].text = "%50% of the fleet"
    (blk,) = lms.moodle_question_blocks(get_exporter("gift")().question_text(bank, single)[0])
    read = lms.moodle_multichoice(lms.moodle_gift_parts(blk)["answertext"])
    assert [(lms.html_text(o["text"]), o["fraction"]) for o in read] == [
        ("%50% of the fleet", 0.0), ("RIMPAC", 1.0), ("Cobra Gold", 0.0)]
    short = next(q for q in bank.questions if q.type == "short")
    short.answers[0].text = "%10% Malabar"
    (blk,) = lms.moodle_question_blocks(get_exporter("gift")().question_text(bank, short)[0])
    answertext = lms.moodle_gift_parts(blk)["answertext"]
    first = answertext.split("=")[1]  # format.php shortanswer: one weight regex match, then the text
    assert first.startswith("%100%") and lms.moodle_escapedchar_post(first[5:].split("#")[0]).strip() == "%10% Malabar"
