"""The test-wise student audit: exact expected scores, the fixture course that games each strategy, the CLI."""

from __future__ import annotations

import itertools
import json
import re
import shutil
from fractions import Fraction
from math import comb
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizlib.cli import main
from quizlib.grading import grade
from quizlib.lint import lint
from quizlib.lint.audit import AUDIT_RULES, audit_json
from quizlib.lint.testwise import (
    STRATEGY_CODES,
    ShapeHistory,
    chance_responses,
    content_words,
    option_number,
    score_item,
    strategy_responses,
)
from quizlib.models import MultipleChoice, SingleChoice, TrueFalse

from .conftest import FIXTURES, ROOT
from .course import BANK_FILES
from .strategies import question_dicts

COURSE = FIXTURES / "lint" / "testwise"
BASE = {"explanation": "x", "source": "s", "objective": "O1", "difficulty": "easy"}


def single(prompt: str, texts: list[str], key: int, **kw) -> SingleChoice:
    options = [{"text": t, "correct": i == key} for i, t in enumerate(texts)]
    return SingleChoice.model_validate(BASE | {"id": "q", "type": "single", "prompt": prompt, "options": options} | kw)


def multiple(n_options: int, correct: set[int], scoring: str = "partial", texts: list[str] | None = None,
             qid: str = "m") -> MultipleChoice:
    texts = texts or [f"option {chr(97 + i)}" for i in range(n_options)]
    options = [{"text": t, "correct": i in correct} for i, t in enumerate(texts)]
    return MultipleChoice.model_validate(
        BASE | {"id": qid, "type": "multiple", "prompt": "Pick", "options": options, "scoring": scoring})


def true_false(answer: bool) -> TrueFalse:
    return TrueFalse.model_validate(BASE | {"id": "t", "type": "true_false", "prompt": "Yes?", "answer": answer})


def scores(q, history: ShapeHistory | None = None) -> dict[str, float]:
    return {k: float(v) for k, v in score_item(q, history or ShapeHistory.of([q])).scores.items()}


# --------------------------------------------------------------------------- hand-computed expected scores


def test_true_false_strategies():
    assert scores(true_false(False)) == {"always-false": 1.0, "always-true": 0.0}
    assert scores(true_false(True)) == {"always-false": 0.0, "always-true": 1.0}
    assert score_item(true_false(True), ShapeHistory()).chance == Fraction(1, 2)


def test_longest_option_and_its_ties():
    texts = ["Red", "Green", "Violet", "A bright shade of blue"]
    assert scores(single("Sky?", texts, 3))["longest"] == 1.0
    assert scores(single("Sky?", texts, 0))["longest"] == 0.0
    # Two options tie for longest (runs of spaces count once): the key is picked half the time.
    tied = ["Twelve  ships", "Thirty ships", "Ten", "Six"]
    assert scores(single("How many?", tied, 1))["longest"] == 0.5
    assert scores(single("How many?", tied, 2))["longest"] == 0.0
    assert score_item(single("How many?", tied, 2), ShapeHistory()).chance == Fraction(1, 4)


def test_shortest_option_and_its_ties():
    texts = ["Red", "Green", "Violet", "A bright shade of blue"]
    assert scores(single("Sky?", texts, 0))["shortest"] == 1.0
    assert scores(single("Sky?", texts, 3))["shortest"] == 0.0
    # Two options tie for shortest: the key is picked half the time.
    tied = ["Twelve  ships", "Thirty ships", "Ten", "Six"]
    assert scores(single("How many?", tied, 3))["shortest"] == 0.5
    assert scores(single("How many?", tied, 0))["shortest"] == 0.0


def test_middle_length_avoids_the_longest_and_the_shortest_lengths():
    # Lengths 3, 5, 6, 22: Green and Violet lie strictly between the extremes and split.
    texts = ["Red", "Green", "Violet", "A bright shade of blue"]
    assert scores(single("Sky?", texts, 1))["middle-length"] == 0.5
    assert scores(single("Sky?", texts, 2))["middle-length"] == 0.5
    assert scores(single("Sky?", texts, 0))["middle-length"] == 0.0
    assert scores(single("Sky?", texts, 3))["middle-length"] == 0.0
    # Options tied at an extreme are all avoided: lengths 3, 3, 5, 12 leave only "Seven".
    assert scores(single("How many?", ["Six", "Ten", "Seven", "Thirty ships"], 2))["middle-length"] == 1.0
    assert scores(single("How many?", ["Six", "Ten", "Seven", "Thirty ships"], 0))["middle-length"] == 0.0
    # Only two lengths (3, 3, 12, 12, runs of spaces counted once): no middle, so the student guesses.
    tied = ["Twelve  ships", "Thirty ships", "Ten", "Six"]
    assert scores(single("How many?", tied, 2))["middle-length"] == 0.25
    # With two options there is no middle to go to: not applicable.
    assert "middle-length" not in scores(single("Sky?", ["Red", "A bright shade of blue"], 0))
    assert "middle-length" in scores(single("Sky?", ["Red", "Green", "Blue"], 0))


def test_content_words_stem_casefold_and_drop_function_words():
    assert content_words("The Deterrence of the deterrents") == {"deterr"}
    assert content_words("Which naval BUDGETS in 1961?") == {"naval", "budget", "1961"}
    assert content_words("A, I and the") == frozenset()


def test_prompt_words_picks_the_option_repeating_most_prompt_words():
    prompt = "Which body approves the annual naval budget?"
    texts = ["The naval budget board", "A treasury office", "The navy's budgets", "An audit court"]
    assert scores(single(prompt, texts, 0))["prompt-words"] == 1.0  # naval + budget beats budget alone
    assert scores(single(prompt, texts, 2))["prompt-words"] == 0.0
    # No option repeats a prompt word: the student is guessing among all four.
    assert scores(single("Who decides?", texts, 1))["prompt-words"] == 0.25


def test_fewest_prompt_words_picks_the_option_repeating_fewest_prompt_words():
    prompt = "Which body approves the annual naval budget?"
    # Overlaps 2, 0, 1, 0: the treasury office and the audit court tie for fewest and split.
    texts = ["The naval budget board", "A treasury office", "The navy's budgets", "An audit court"]
    assert scores(single(prompt, texts, 1))["fewest-prompt-words"] == 0.5
    assert scores(single(prompt, texts, 3))["fewest-prompt-words"] == 0.5
    assert scores(single(prompt, texts, 0))["fewest-prompt-words"] == 0.0
    assert scores(single(prompt, texts, 2))["fewest-prompt-words"] == 0.0
    alone = ["The naval budget board", "A naval treasury", "The navy's budgets", "An audit court"]
    assert scores(single(prompt, alone, 3))["fewest-prompt-words"] == 1.0
    # No option repeats a prompt word: the student is guessing among all four.
    assert scores(single("Who decides?", texts, 1))["fewest-prompt-words"] == 0.25


def test_middle_value_takes_the_median_option():
    years = ["The North Atlantic Treaty (1949)", "The Vienna Convention (1961)", "The Helsinki Final Act (1975)",
             "The NATO SOFA (1951)"]
    # Four options: the two middle years (1951, 1961) split.
    assert scores(single("Which treaty?", years, 1))["middle-value"] == 0.5
    assert scores(single("Which treaty?", years, 2))["middle-value"] == 0.0
    five = ["1,200", "300", "4.5", "60", "70"]  # 4.5 < 60 < 70 < 300 < 1200
    assert scores(single("How many?", five, 4))["middle-value"] == 1.0
    assert "middle-value" not in scores(single("Which?", ["Article 5", "Article 2", "The preamble only"], 0))
    assert "middle-value" not in scores(single("Which?", ["1949 and 1951", "1961", "1975"], 1))
    assert option_number("2.5%") == 2.5 and option_number("F-35 and F-16") is None


def test_shape_ticks_the_commonest_count_and_is_graded_as_the_student_would_be():
    item = multiple(5, {0, 1, 2})
    others = [multiple(5, {1, 2, 4}, qid=f"o{i}") for i in range(3)] + [multiple(5, {0, 1}, qid="two")]
    history = ShapeHistory.of([item, *others])
    assert history.ticks(item) == [3]
    # Tick 3 of 5 at random when 3 are right: all three right 1/10 (score 1), two right 6/10 (score 1/3).
    assert scores(item, history)["shape"] == pytest.approx(1 / 10 + 6 / 10 / 3, abs=1e-15)
    aon = multiple(5, {0, 1, 2}, "all_or_nothing")
    assert scores(aon, ShapeHistory.of([aon, *others]))["shape"] == pytest.approx(1 / 10, abs=1e-15)


def test_multiple_response_chance_is_every_non_empty_subset():
    # 3 right of 5, net-correct credit: 23/3 credit spread over the 31 non-empty subsets (worked by hand
    # from (right, wrong) counts: 3·1/3 + 3·2/3 + 1 + 6·1/3 + 2·2/3 + 1/3).
    assert float(score_item(multiple(5, {0, 1, 2}), ShapeHistory()).chance) == pytest.approx(23 / 93, abs=1e-15)
    assert score_item(multiple(5, {0, 1, 2}, "all_or_nothing"), ShapeHistory()).chance == Fraction(1, 31)


def test_shape_is_learned_from_the_other_items_only():
    lone = multiple(5, {0})
    assert ShapeHistory.of([lone]).ticks(lone) == []  # nothing else to learn from: not applicable
    assert "shape" not in scores(lone)
    pair = [multiple(5, {0}, qid="a"), multiple(5, {0, 1}, qid="b"), multiple(5, {0, 1, 2}, qid="c")]
    assert ShapeHistory.of(pair).ticks(pair[0]) == [2, 3]  # a tie between counts splits
    four = multiple(4, {0, 1}, qid="d")
    assert ShapeHistory.of([lone, four]).ticks(lone) == [2]  # no other 5-option item: all others, capped


def test_all_of_the_above():
    texts = ["Briefings", "Visits", "Courses", "All of the above"]
    assert scores(single("What helps?", texts, 3))["all-of-the-above"] == 1.0
    assert scores(single("What helps?", texts, 0))["all-of-the-above"] == 0.0
    # In multiple response the student ticks it alone: one of three right ones, net credit 1/3.
    q = multiple(4, {0, 1, 3}, texts=texts)
    assert scores(q)["all-of-the-above"] == pytest.approx(1 / 3, abs=1e-15)
    assert "all-of-the-above" not in scores(single("What helps?", ["A", "B", "None of the above"], 0))


def test_other_types_have_no_strategy():
    from quizlib.models import Numeric, Ordering

    numeric = Numeric.model_validate(BASE | {"id": "n", "type": "numeric", "prompt": "Year?", "answer": 1961})
    ordering = Ordering.model_validate(BASE | {"id": "o", "type": "ordering", "prompt": "Order", "items": ["1", "2"]})
    for item in (numeric, ordering):
        assert score_item(item, ShapeHistory()).chance is None and not scores(item)


# --------------------------------------------------------------------------- properties

#: Few short words, so option lengths and prompt words tie often; numbers so middle-value applies sometimes.
_words = st.sampled_from(["sea", "navy", "fleet", "port", "ship", "1961", "25", "300", "all of the above"])
_texts = st.lists(_words, min_size=1, max_size=3).map(" ".join)


@st.composite
def single_items(draw):
    texts = draw(st.lists(_texts, min_size=2, max_size=6, unique_by=str.casefold))
    return single(draw(_texts), texts, draw(st.integers(0, len(texts) - 1)), points=draw(st.sampled_from([1, 2.5])))


@st.composite
def multiple_items(draw, qid: str = "m"):
    k = draw(st.integers(2, 7))
    correct = draw(st.sets(st.integers(0, k - 1), min_size=1))
    texts = draw(st.lists(_texts, min_size=k, max_size=k, unique_by=str.casefold))
    return multiple(k, correct, draw(st.sampled_from(["partial", "all_or_nothing"])), texts, qid)


def _mean(q, responses) -> Fraction:
    return sum((Fraction(grade(q, r).fraction) for r in responses), Fraction(0)) / len(responses)


def _tie_breaks(code: str, q: SingleChoice) -> list[str] | None:
    """Every option the strategy may pick, derived here from its definition, independently of the module."""
    def best(value):
        top = max(value(o) for o in q.options)
        return [o.id for o in q.options if value(o) == top]

    def length(o) -> int:
        return len(re.sub(r"\s+", " ", o.text.strip()))

    if code == "longest":
        return best(length)
    if code == "shortest":
        return best(lambda o: -length(o))
    if code == "middle-length":
        if len(q.options) < 3:
            return None
        lengths = [length(o) for o in q.options]
        inside = [o.id for o in q.options if min(lengths) < length(o) < max(lengths)]
        return inside or [o.id for o in q.options]
    if code == "prompt-words":
        return best(lambda o: len(content_words(o.text) & content_words(q.prompt)))
    if code == "fewest-prompt-words":
        return best(lambda o: -len(content_words(o.text) & content_words(q.prompt)))
    if code == "middle-value":
        numbers = [re.findall(r"\d+(?:,\d{3})*(?:\.\d+)?", o.text) for o in q.options]
        if any(len(n) != 1 for n in numbers):
            return None
        values = sorted(float(n[0].replace(",", "")) for n in numbers)
        k = len(values)
        middle = values[(k - 1) // 2: k // 2 + 1]
        return [o.id for o, n in zip(q.options, numbers) if float(n[0].replace(",", "")) in middle]
    if code == "all-of-the-above":
        return [o.id for o in q.options if "all of the above" in o.text] or None
    return None


@settings(max_examples=150, deadline=None)
@given(single_items(), st.randoms(use_true_random=False))
def test_single_choice_scores_are_the_mean_over_every_tie_break(q, rng):
    result = score_item(q, ShapeHistory())
    assert result.chance == Fraction(1, len(q.options))
    for code in STRATEGY_CODES:
        picks = _tie_breaks(code, q)
        assert (code in result.scores) == bool(picks)
        if picks:
            assert 0 <= result.scores[code] <= 1
            assert result.scores[code] == _mean(q, picks)
    # No strategy looks at where an option is written: shuffling the options changes nothing.
    shuffled = q.model_copy(update={"options": rng.sample(q.options, len(q.options))})
    assert score_item(shuffled, ShapeHistory()) == result


def _hypergeometric(q: MultipleChoice, m: int) -> Fraction:
    """Expected credit of ticking m of k options at random, from the scoring rule in the author guide."""
    c, k = sum(o.correct for o in q.options), len(q.options)
    total = Fraction(0)
    for right in range(max(0, m - (k - c)), min(c, m) + 1):
        wrong = m - right
        if q.scoring.value == "all_or_nothing":
            credit = Fraction(int(right == c and wrong == 0))
        else:
            credit = max(Fraction(0), Fraction(right - wrong, c))
        total += Fraction(comb(c, right) * comb(k - c, wrong), comb(k, m)) * credit
    return total


@settings(max_examples=100, deadline=None)
@given(multiple_items("x"), st.lists(multiple_items(), max_size=5))
def test_shape_and_chance_match_the_closed_form(q, others):
    history = ShapeHistory.of([q, *[o.model_copy(update={"id": f"o{i}"}) for i, o in enumerate(others)]])
    result = score_item(q, history)
    k = len(q.options)
    closed_chance = sum((_hypergeometric(q, m) * comb(k, m) for m in range(1, k + 1)), Fraction(0)) / (2 ** k - 1)
    assert float(result.chance) == pytest.approx(float(closed_chance), abs=1e-12)
    ticks = history.ticks(q)
    assert ("shape" in result.scores) == bool(others)
    if ticks:
        shape = result.scores["shape"]
        assert 0 <= shape <= 1
        assert float(shape) == pytest.approx(float(sum(_hypergeometric(q, m) for m in ticks) / len(ticks)), abs=1e-12)
        # ... and the mean, over the tied counts, of the mean over every set of that many ticks.
        ids = [o.id for o in q.options]
        assert shape == sum(_mean(q, [list(c) for c in itertools.combinations(ids, m)]) for m in ticks) / len(ticks)
        weights = [p for _, p in strategy_responses("shape", q, history)]
        assert sum(weights) == 1


@settings(max_examples=100, deadline=None)
@given(st.lists(question_dicts(), min_size=1, max_size=6))
def test_every_score_of_every_type_is_a_fraction_of_the_points(dicts):
    from pydantic import TypeAdapter

    from quizlib.models import Question

    questions = [TypeAdapter(Question).validate_python(d | {"id": f"q{i}"}) for i, d in enumerate(dicts)]
    history = ShapeHistory.of(questions)
    for q in questions:
        result = score_item(q, history)
        assert (result.chance is None) == (q.type not in {"single", "multiple", "true_false"})
        assert all(0 <= v <= 1 for v in [*result.scores.values(), *filter(None, [result.chance])])
        for code in result.scores:
            assert sum(p for _, p in strategy_responses(code, q, history)) == 1


@settings(max_examples=50, deadline=None)
@given(single_items())
def test_chance_is_the_mean_over_every_blind_guess(q):
    assert chance_responses(q) == [(o.id, Fraction(1, len(q.options))) for o in q.options]


# --------------------------------------------------------------------------- the fixture course

BANKS = {
    "always-false": "quizzes/01-keyed/01-false.yml",
    "always-true": "quizzes/02-cued/01-true.yml",
    "longest": "quizzes/02-cued/02-longest.yml",
    "prompt-words": "quizzes/02-cued/03-words.yml",
    "middle-value": "quizzes/02-cued/04-middle.yml",
    "shape": "quizzes/02-cued/05-shape.yml",
    "all-of-the-above": "quizzes/02-cued/06-above.yml",
    "shortest": "quizzes/02-cued/07-shortest.yml",
    "middle-length": "quizzes/02-cued/08-middle-length.yml",
    "fewest-prompt-words": "quizzes/02-cued/09-fewest-words.yml",
}
BALANCED = "quizzes/03-balanced/01-balanced.yml"


@pytest.fixture(scope="module")
def result():
    return lint(COURSE)


def _line(rel: str, needle: str) -> int:
    lines = (COURSE / rel).read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if needle in line)


def test_each_strategy_is_caught_in_the_bank_built_to_be_gamed_by_it(result):
    by_file = {b.name: b for b in result.audit.banks}
    for code, file in BANKS.items():
        bank = by_file[file]
        over = [c for c, t in bank.tallies.items() if result.audit.over(t, 0.15)]
        assert over == [code], file
    got = {(f.file, f.line) for f in result.findings if f.rule == "testwise-bank"}
    assert got == {(file, _line(file, "questions:")) for file in BANKS.values()}
    names = {"always-false": "always False", "always-true": "always True", "longest": "longest option",
             "prompt-words": "repeats prompt words", "middle-value": "middle number",
             "shape": "usual number ticked", "all-of-the-above": "all of the above",
             "shortest": "shortest option", "middle-length": "neither longest nor shortest",
             "fewest-prompt-words": "fewest prompt words"}
    for f in result.findings:
        if f.rule == "testwise-bank":
            code = next(c for c, file in BANKS.items() if file == f.file)
            assert f.message.startswith(f"'{names[code]}' scores ") and "more than the 15 pp allowed" in f.message


def test_the_balanced_bank_passes_with_every_strategy_judged(result):
    bank = next(b for b in result.audit.banks if b.name == BALANCED)
    for code, tally in bank.tallies.items():
        assert result.audit.judged(tally), code
        assert not result.audit.over(tally, 0.15), code
    assert not [f for f in result.findings if f.file == BALANCED]
    assert [f.rule for f in result.suppressed if f.file == BALANCED] == ["all-none-of-above"] * 4


def test_every_audit_rule_is_planted_and_nothing_else_fires(result):
    assert {f.rule for f in result.findings} == set(AUDIT_RULES)
    course_wide = {(f.rule, f.line, f.message.split(" scores ")[0]) for f in result.findings
                   if f.file == "pyproject.toml"}
    toml = "pyproject.toml"
    margin, longest, shape = (_line(toml, "testwise_course_margin"), _line(toml, "longest_key_share"),
                              _line(toml, "multiple_shape_share"))
    assert course_wide == {
        ("testwise-course", margin, "across the course, 'all of the above'"),
        ("testwise-course", margin, "across the course, 'middle number'"),
        ("testwise-course", margin, "across the course, 'repeats prompt words'"),
        ("testwise-course", margin, "across the course, 'usual number ticked'"),
        ("longest-key-share", longest, next(f.message for f in result.findings if f.rule == "longest-key-share")),
        ("multiple-shape-share", shape, next(f.message for f in result.findings if f.rule == "multiple-shape-share")),
    }
    balance = {(f.file, f.line, f.question_id) for f in result.findings if f.rule == "true-false-balance"}
    assert balance == {(BANKS["always-false"], _line(BANKS["always-false"], "- id: false-1"), "false-1"),
                       (BANKS["always-true"], _line(BANKS["always-true"], "- id: true-1"), "true-1")}


def test_course_figures(result):
    course = result.audit
    assert course.false_share(course.course) == (6, 12)
    assert course.longest_keys(course.course) == (5, 40)
    assert course.commonest_shape(course.course) == ((1, 5), 5, 9)
    shape = next(f for f in result.findings if f.rule == "multiple-shape-share")
    assert "5 of 9 multiple-response items (56%) have 1 correct of 5 options" in shape.message
    longest = next(f for f in result.findings if f.rule == "longest-key-share")
    assert "in 5 of 40 single-choice items (12%), more than 10%" in longest.message
    assert "quizzes/02-cued/02-longest.yml (4 of 4)" in longest.message


def _copy(tmp_path: Path, mode: str | None = None) -> Path:
    root = tmp_path / "course"
    shutil.copytree(COURSE, root)
    if mode:
        toml = root / "pyproject.toml"
        toml.write_text(toml.read_text().replace('testwise_audit = "enforce"', f'testwise_audit = "{mode}"'))
    return root


def test_report_mode_prints_the_table_but_reports_nothing(tmp_path, capsys):
    root = _copy(tmp_path, "report")
    result = lint(root)
    assert not {f.rule for f in result.findings} & set(AUDIT_RULES)
    assert main(["lint", "--root", str(root), "--strict"]) == 0
    out = capsys.readouterr().out
    assert "Test-wise audit" in out and 'report only (testwise_audit = "report")' in out
    # Ten strategy columns fit the 80 columns of a CI log; the bank names are cut to what is left.
    table = out[out.index("Test-wise audit"):out.index("False = always False")].splitlines()
    assert max(len(line.rstrip()) for line in table) <= 80
    row = next(line for line in table if line.strip().startswith("02-lon"))
    assert row.split()[1:] == ["-", "-", "100/25", "0/25", "0/25", "25/25", "25/25", "-", "-", "-"]


def test_a_bank_level_allow_explains_a_bank_finding(tmp_path):
    root = _copy(tmp_path)
    bank = root / BANKS["middle-value"]
    bank.write_text("# lint-allow: testwise-bank a drill on dates, where the median is the point\n" + bank.read_text())
    result = lint(root)
    assert [(f.rule, f.file) for f in result.suppressed if f.rule == "testwise-bank"] == [
        ("testwise-bank", BANKS["middle-value"])]
    assert BANKS["middle-value"] not in {f.file for f in result.findings if f.rule == "testwise-bank"}


def test_audit_json_holds_every_figure_unrounded(tmp_path, capsys):
    out = tmp_path / "audit.json"
    assert main(["lint", "--root", str(COURSE), "--audit-json", str(out)]) == 0
    assert f"test-wise audit written to {out}" in capsys.readouterr().out
    data = json.loads(out.read_text())
    assert data["mode"] == "enforce" and data["thresholds"]["testwise_bank_margin"] == 0.15
    assert [s["code"] for s in data["strategies"]] == list(STRATEGY_CODES)
    banks = {b["name"]: b for b in data["banks"]}
    shape = banks[BANKS["shape"]]["strategies"]["shape"]
    assert shape["items"] == 5 and shape["over_limit"] and shape["score"] == pytest.approx(0.2, abs=1e-15)
    assert shape["chance"] == pytest.approx(1 / 31, abs=1e-15)
    assert data["course"]["cues"]["key_strictly_longest"] == {"count": 5, "items": 40}
    item = next(i for i in data["items"] if i["id"] == "middle-2")
    assert item["file"] == BANKS["middle-value"] and item["line"] == _line(BANKS["middle-value"], "id: middle-2")
    assert item["strategies"]["middle-value"] == 1.0 and item["chance"] == 0.2


def test_audit_json_unwritable_is_a_clear_failure(tmp_path, capsys):
    assert main(["lint", "--root", str(COURSE), "--audit-json", str(tmp_path / "no" / "audit.json")]) == 1
    assert "cannot write" in capsys.readouterr().err


# --------------------------------------------------------------------------- the real course


def test_real_course_lints_clean_in_strict_mode_with_the_audit_enforced(capsys):
    """Issue 16's "done when": `quizlib lint --strict` passes with the audit on, practice banks and pools."""
    result = lint(ROOT)
    audit, pools = result.audit, result.pool_audit
    assert audit.config.testwise_audit == "enforce"
    assert [str(f) for f in result.findings] == [] and result.exit_code(strict=True) == 0
    import yaml

    questions = [q for p in BANK_FILES for q in yaml.safe_load(p.read_text())["questions"]]
    tf = [q for q in questions if q["type"] == "true_false"]
    assert audit.false_share(audit.course) == (sum(not q["answer"] for q in tf), len(tf))
    assert audit.course.tallies["longest"].items == sum(q["type"] == "single" for q in questions)
    # The pools are audited too, as a set of their own: every pool question, none of the practice ones.
    assert pools is not None and pools.kind == "pools"
    pool_files = sorted((ROOT / "pools").glob("*/*.yml"))
    secure = [q for p in pool_files for q in yaml.safe_load(p.read_text())["questions"]]
    assert len(pools.course.items) == len(secure) and len(pools.banks) == len(pool_files)
    assert {i.question_id for i in pools.course.items} == {q["id"] for q in secure}
    data = audit_json(audit, pools)
    assert len(data["banks"]) == len(BANK_FILES) and len(data["pools"]["banks"]) == len(pool_files)
    for row in data["banks"] + data["chapters"] + [data["course"]] + data["pools"]["banks"] + [data["pools"]["course"]]:
        for figures in row["strategies"].values():
            assert figures["items"] == 0 or 0 <= figures["score"] <= 1 and 0 <= figures["chance"] <= 1
    assert main(["lint", "--root", str(ROOT), "--strict"]) == 0
    out = capsys.readouterr().out
    assert "test-wise audit of the practice banks enforced" in out
    assert "test-wise audit of the secure pools enforced" in out


def test_the_pools_are_audited_separately_and_judged_by_the_same_limits(tmp_path):
    """The fixture's gamed banks, moved into secure pools, raise the same audit findings there (in pool
    files, the course-wide ones saying "across the secure pools"), and the practice audit no longer sees them."""
    root = _copy(tmp_path)
    for bank in (root / "quizzes").glob("*/*.yml"):
        target = root / "pools" / bank.relative_to(root / "quizzes")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(bank.read_text().replace("\ntitle:", "\nsecure: true\ntitle:", 1))
    practice_only = {(f.rule, f.file, f.question_id) for f in lint(COURSE).findings if f.rule in AUDIT_RULES}
    result = lint(root)
    assert result.pool_audit is not None and len(result.pool_audit.banks) == len(result.audit.banks)
    audit = [f for f in result.findings if f.rule in AUDIT_RULES]
    in_pools = {(f.rule, f.file.replace("pools/", "quizzes/", 1), f.question_id) for f in audit
                if f.file.startswith("pools/")}
    course_wide = [f for f in audit if f.file == "pyproject.toml"]
    # Every bank and chapter finding of the practice banks recurs for the same bank in the pools.
    assert in_pools == {x for x in practice_only if x[1] != "pyproject.toml"}
    assert {f.rule for f in course_wide} == {"testwise-course", "longest-key-share", "multiple-shape-share"}
    assert {f.message.startswith("across the secure pools") for f in course_wide} == {True, False}
    balance = [f.message for f in audit if f.rule == "true-false-balance" and f.file.startswith("pools/")]
    assert balance and all("'s secure pools keys" in m for m in balance)
    # Emptying the practice banks leaves the pools' findings where they were.
    shutil.rmtree(root / "quizzes")
    (root / "quizzes").mkdir()
    pooled = {(f.rule, f.file) for f in lint(root).findings if f.rule in AUDIT_RULES and f.file.startswith("pools/")}
    assert pooled == {(f.rule, f.file) for f in audit if f.file.startswith("pools/")}


# --------------------------------------------------------------------------- near duplicates across pools


def _pool_course(tmp_path: Path, pool_prompt: str) -> Path:
    root = tmp_path / "pooled"
    shutil.copytree(COURSE, root)
    pool = root / "pools/03-balanced/01-balanced.yml"
    pool.parent.mkdir(parents=True)
    pool.write_text(
        "schema_version: 1\npage: 03-balanced/01-balanced\ntitle: Balanced (secure)\nsecure: true\n"
        "objectives:\n  - {id: O3.1, text: Show a bank with no cue.}\nquestions:\n"
        f"  - {{id: sec-1, type: true_false, difficulty: hard, objective: O3.1, source: balanced,\n"
        f"     prompt: '{pool_prompt}', answer: false, explanation: Secure.}}\n"
    )
    return root


def test_a_secure_question_paraphrasing_a_practice_one_is_a_near_duplicate(tmp_path):
    root = _pool_course(tmp_path, "An attache may pay informants inside the host ministry!")
    dupes = [f for f in lint(root).findings if f.rule == "near-duplicate-prompt"]
    assert [(f.file, f.line, f.question_id) for f in dupes] == [("pools/03-balanced/01-balanced.yml", 9, "sec-1")]
    assert f"question 'bal-tf-2' ({BALANCED}:" in dupes[0].message
    # The pool is only compared: it adds no bank to the course, so no duplicate-bank and no audit row.
    assert not [f for f in lint(root).findings if f.rule == "duplicate-bank"]
    assert lint(root, pools="no-pools-here").findings == lint(COURSE).findings


def test_extra_banks_are_given_on_the_command_line(tmp_path, capsys):
    root = _pool_course(tmp_path, "An attache may pay informants inside the host ministry!")
    (root / "pools").rename(root / "secure")
    assert main(["lint", "--root", str(root)]) == 0  # no pools/ folder: nothing extra compared
    assert main(["lint", "--root", str(root), "--extra-banks", "secure"]) == 1
    assert "secure/03-balanced/01-balanced.yml:9: error near-duplicate-prompt [sec-1]" in capsys.readouterr().out
    assert main(["lint", "--root", str(root), "--extra-banks", "missing.yml"]) == 1
    assert "missing.yml:1: error bank-invalid: cannot read file" in capsys.readouterr().out


def test_a_distinct_secure_question_passes(tmp_path):
    root = _pool_course(tmp_path, "Which rival keeps a hotline to the capital during an exercise?")
    assert not [f for f in lint(root).findings if f.rule == "near-duplicate-prompt"]


# --------------------------------------------------------------------------- the author guide's section

GUIDE = ROOT / "book" / "author-guide.md"


def _guide_section() -> str:
    text = GUIDE.read_text(encoding="utf-8")
    start = text.index("(author-guide-audit)=")
    end = text.find("\n(author-guide-", start + 1)
    return text[start:] if end < 0 else text[start:end]


def _blocks(section: str, lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", section, re.DOTALL)


def test_author_guide_audit_commands_run_and_show_what_the_guide_says(tmp_path):
    import os
    import subprocess
    import sys

    for name in ("book", "quizzes", "tests", "pyproject.toml", "_config.yml"):
        (tmp_path / name).symlink_to(ROOT / name)
    section = _guide_section()
    commands = [line for block in _blocks(section, "bash") for line in block.splitlines() if line.strip()]
    assert len(commands) == 3
    env = os.environ | {"PYTHONPATH": str(ROOT), "COLUMNS": "100"}
    outputs = []
    for command in commands:
        # `.venv/bin/` is the course's environment: the one running these tests.
        command = command.replace(".venv/bin/", f"{Path(sys.executable).parent}/")
        proc = subprocess.run(command, shell=True, cwd=tmp_path, env=env, capture_output=True, text=True)
        assert proc.returncode == 0, (command, proc.stdout[-2000:], proc.stderr[-2000:])
        outputs.append(proc.stdout)
    # The excerpt of the fixture course's table is what the first command prints.
    printed = {" ".join(line.split()) for line in outputs[0].splitlines()}
    for line in _blocks(section, "text")[0].splitlines():
        assert " ".join(line.split()) in printed, line
    assert json.loads((tmp_path / "audit.json").read_text())["course"]["strategies"]["longest"]["items"] > 0
    assert "'items':" in outputs[2] and "'chance':" in outputs[2]


def test_author_guide_limits_are_the_course_settings():
    from quizlib.lint import load_config

    config = load_config(ROOT)
    rows = re.findall(r"^\| `([a-z_]+)`(?:, `([a-z_]+)`)? \|[^|]*\| (.+?) \|$", _guide_section(), re.MULTILINE)
    assert len(rows) == 7
    for first, second, value in rows:
        values = [v.strip().strip('`"') for v in value.split(",")]
        for key, shown in zip([first, second] if second else [first], values):
            actual = getattr(config, key)
            assert (shown == actual if isinstance(actual, str) else float(shown) == actual), (
                f"book/author-guide.md shows {key} = {shown}, pyproject.toml has {actual}")
