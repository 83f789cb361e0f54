"""GIFT: parsed by a third-party GIFT parser (pygiftparser 1.1, from PyPI) and compared with the banks.

Independence: pygiftparser is not ours; what we check against (the banks, our rendered HTML)
is. pygiftparser pins MarkdownSuperscript, which pins Markdown<3.1 and so conflicts with
text2qti; it is installed without its dependencies (``pip install --no-deps pygiftparser==1.1
yattag``), which is enough for parsing. Without it these tests are skipped (shown as skipped,
not passed).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizlib.export import get_exporter
from quizlib.export._common import moodle_grade, multiple_weights, numeric_bounds, prompt_html
from quizlib.export.gift import escape
from quizlib.loader import load_banks
from quizlib.models import Matching, MultipleChoice, Numeric, Ordering, ShortAnswer, SingleChoice, TrueFalse

from .course import N_QUESTIONS
from .conftest import ROOT

gift_parser = pytest.importorskip("pygiftparser.parser", reason="pip install --no-deps pygiftparser==1.1 yattag")
gift_utils = pytest.importorskip("pygiftparser.utils")


@pytest.fixture(scope="module")
def parsed(tmp_path_factory):
    banks = list(load_banks([ROOT / "quizzes"]).banks.values())
    path = tmp_path_factory.mktemp("gift") / "course.gift.txt"
    report = get_exporter("gift")(title="Military Diplomacy").write(banks, path)
    with path.open(encoding="utf-8") as f:
        questions = gift_parser.parseFile(f)
    return banks, questions, report


def test_every_question_parses_and_keeps_its_name_and_text(parsed):
    banks, questions, report = parsed
    assert len(questions) == report.questions == N_QUESTIONS
    assert all(q.valid for q in questions)
    by_id = {q.id: q for b in banks for q in b.questions}
    for pq in questions:
        assert gift_utils.transformSpecials(pq.text) == prompt_html(by_id[pq.title])
    # the category lines precede their questions (pygiftparser keeps only the first word of a name)
    assert all(pq.cat.startswith("$course$/top/") for pq in questions)


def test_answers_read_back_as_the_banks_say(parsed):
    banks, questions, _ = parsed
    by_id = {q.id: q for b in banks for q in b.questions}
    kinds = set()
    for pq in questions:
        q, answers = by_id[pq.title], pq.answers
        kind = type(answers).__name__
        kinds.add(kind)
        if isinstance(q, SingleChoice):
            assert kind == "SelectSet"
            assert [a.fraction for a in answers.answers] == [100 if o.correct else 0 for o in q.options]
        elif isinstance(q, MultipleChoice):
            assert kind == "MultipleChoicesSet"
            want = [moodle_grade(w) for w in multiple_weights(q).values()]
            if q.scoring.value == "partial":
                assert [round(a.fraction, 5) for a in answers.answers] == [round(w, 5) for w in want]
        elif isinstance(q, TrueFalse) and q.answer and (q.feedback_true or q.feedback_false):
            # written as a True/False choice so every GIFT reader attaches the feedback alike
            assert kind == "SelectSet"
            assert [(a.answer, a.fraction) for a in answers.answers] == [("True", 100), ("False", 0)]
        elif isinstance(q, TrueFalse):
            assert kind == "TrueFalseSet" and answers.answer is q.answer
        elif isinstance(q, ShortAnswer):
            assert kind in ("ShortSet", "SelectSet")
            assert any(a.fraction == 100 for a in answers.answers)
        elif isinstance(q, Numeric):
            (a,) = answers.answers
            low, high = numeric_bounds(q)
            assert float(a.value) - float(a.tolerance or 0) <= low + 1e-9 and float(a.value) + float(a.tolerance or 0) >= high - 1e-9
        elif isinstance(q, (Matching, Ordering)):
            assert kind == "MatchingSet"
            n = len(q.pairs) + len(q.distractors) if isinstance(q, Matching) else len(q.items)
            assert len(answers.answers) == n
    assert kinds == {"SelectSet", "MultipleChoicesSet", "TrueFalseSet", "ShortSet", "NumericAnswerSet", "MatchingSet"}


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\\"), min_size=1, max_size=60)
       .filter(lambda s: s.strip()))
def test_escaped_text_reads_back_through_the_third_party_parser(text):
    """Any prompt (GIFT specials ~ = # { } : included) survives: escape, parse, unescape."""
    source = f"::q::[html]{escape(text)}{{\n=yes\n~no\n}}\n"
    (q,) = gift_parser.parseFile(source.splitlines(keepends=True))
    assert q.valid and gift_utils.transformSpecials(q.text) == text.strip()


def test_fixture_gift_file_parses(fixture_bank, tmp_path):
    path = tmp_path / "f.gift.txt"
    get_exporter("gift")().write([fixture_bank], path)
    with path.open(encoding="utf-8") as f:
        qs = gift_parser.parseFile(f)
    assert [q.title for q in qs] == [q.id for q in fixture_bank.questions] and all(q.valid for q in qs)
