"""Unit and property tests of the lint's parts: config, book reading, allow comments, similarity, stems."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizlib.lint.allow import find_allows
from quizlib.lint.book import read_book, read_objectives, read_page
from quizlib.lint.config import ConfigError, LintConfig, load_config, parse_config
from quizlib.lint.rules import stem_sentences, unemphasised_negatives
from quizlib.lint.similarity import near_duplicates
from quizlib.loader import parse_bank_located

from .conftest import FIXTURES, ROOT

GOOD = {
    "min_questions_per_bank": 8, "min_types_per_chapter": 5, "min_questions_per_objective": 2,
    "near_duplicate_prompt_ratio": 0.9, "position_bias_share": 0.5, "position_bias_min_questions": 4,
    "long_correct_ratio": 1.6, "testwise_audit": "report", "testwise_course_margin": 0.05,
    "testwise_bank_margin": 0.15, "testwise_min_items": 4, "true_false_false_min": 0.4, "true_false_false_max": 0.6,
    "longest_key_share": 0.35, "multiple_shape_share": 0.5,
}


# --------------------------------------------------------------------------- config

def test_project_config_is_read_from_pyproject():
    config = load_config(ROOT)
    assert isinstance(config, LintConfig)
    assert config == parse_config(GOOD | {k: getattr(config, k) for k in GOOD}, "x")


@pytest.mark.parametrize("change, message", [
    ({"min_types_per_chapter": None}, "is missing: min_types_per_chapter"),
    ({"min_question_per_bank": 8}, "unknown key(s) in [tool.quizlib.lint]: min_question_per_bank"),
    ({"min_questions_per_bank": 2.5}, "min_questions_per_bank must be an integer"),
    ({"min_questions_per_bank": True}, "min_questions_per_bank must be an integer"),
    ({"position_bias_share": 1.5}, "position_bias_share must be in [0.0, 1.0]"),
    ({"long_correct_ratio": "big"}, "long_correct_ratio must be a number"),
    ({"testwise_audit": "enforced"}, 'testwise_audit must be "report" or "enforce", got \'enforced\''),
    ({"testwise_audit": 1}, 'testwise_audit must be "report" or "enforce"'),
    ({"testwise_bank_margin": 15}, "testwise_bank_margin must be in [0.0, 1.0]"),
    ({"true_false_false_min": 0.7}, "true_false_false_min must not exceed true_false_false_max"),
])
def test_bad_config_names_file_and_key(change, message):
    table = {k: v for k, v in (GOOD | change).items() if v is not None}
    with pytest.raises(ConfigError) as info:
        parse_config(table, "pyproject.toml")
    assert str(info.value).startswith("pyproject.toml: ") and message in str(info.value)


def test_config_file_problems(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.quizlib\n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_config(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    with pytest.raises(ConfigError, match=r"\[tool.quizlib.lint\] is missing"):
        load_config(tmp_path)


# --------------------------------------------------------------------------- book

def test_labels_skip_plain_code_but_not_directives(tmp_path):
    page = tmp_path / "p.md"
    page.write_text(
        "(top)=\n# Top\n\n"
        "````{admonition} Outer\n(in-directive)=\n## In directive\n"
        "```\n(in-nested-code)=\n```\n"
        "````\n\n"
        ":::{note}\n(in-colon)=\n:::\n\n"
        "```python\n(in-code)=\n# comment, not a heading\n```\n\n"
        "(after)=\n## After\n"
    )
    parsed = read_page(page)
    assert parsed.labels == {"top": 1, "in-directive": 5, "in-colon": 13, "after": 21}
    assert [(h.level, h.text, h.line) for h in parsed.headings] == [(1, "Top", 2), (2, "In directive", 6),
                                                                   (2, "After", 22)]


def test_heading_slugs_count_only_when_the_book_enables_them(tmp_path):
    (tmp_path / "book/01-a").mkdir(parents=True)
    (tmp_path / "book/01-a/01-b.md").write_text("# Page\n\n## Why States Ally?\n\n### Deep one\n")
    assert read_book(tmp_path / "book").sections["01-a/01-b"].anchors(0) == set()
    (tmp_path / "_config.yml").write_text("parse:\n  myst_heading_anchors: 2\n")
    book = read_book(tmp_path / "book", tmp_path / "_config.yml")
    assert book.heading_anchor_depth == 2
    assert book.sections["01-a/01-b"].anchors(book.heading_anchor_depth) == {"page", "why-states-ally"}


def test_objectives_join_wrapped_lines_and_keep_first_line(tmp_path):
    index = tmp_path / "index.md"
    index.write_text("Intro.\n\n1. **O3.1** First,\n   wrapped.\n2. **O3.2** Second.\n- not one\n\n- **O3.3** Bullet.\n")
    got = [(o.id, o.text, o.line) for o in read_objectives(index)]
    assert got == [("O3.1", "First, wrapped.", 3), ("O3.2", "Second.", 5), ("O3.3", "Bullet.", 8)]


def test_real_book_has_objectives_for_every_chapter():
    book = read_book(ROOT / "book")
    assert len(book.chapters) >= 8
    assert all(3 <= len(c.objectives) <= 6 for c in book.chapters.values())


# --------------------------------------------------------------------------- allow comments

BANK = """\
# lint-allow: bank-all-easy header reason
schema_version: 1
page: a/b
title: "T # lint-allow: not-a-comment in a quoted string"
objectives: [{id: O1, text: t}]
questions:
  - id: q1
    type: true_false
    prompt: |
      # lint-allow: negative-stem inside a block scalar is text
    answer: true  # lint-allow: answer-in-prompt trailing comment
    explanation: e
    source: s
    objective: O1
    difficulty: easy
  - id: q2
    # lint-allow:   long-correct   several   spaces
    type: true_false
    prompt: p
    answer: true
    explanation: e
    source: s
    objective: O1
    difficulty: easy
"""


def test_allow_comments_are_attached_to_their_block_and_strings_are_ignored():
    located = parse_bank_located(BANK, "b.yml")
    got = [(a.line, a.rule, a.reason, a.question_id) for a in find_allows(BANK, located, "b.yml")]
    assert got == [
        (1, "bank-all-easy", "header reason", None),
        (11, "answer-in-prompt", "trailing comment", "q1"),
        (17, "long-correct", "several   spaces", "q2"),
    ]


# --------------------------------------------------------------------------- similarity

prompts = st.lists(st.text(alphabet="ab c", max_size=12), max_size=10)


@settings(max_examples=80, deadline=None)
@given(prompts, st.sampled_from([0.0, 0.5, 0.75, 0.9, 1.0]))
def test_prefiltered_pairs_equal_brute_force(texts, threshold):
    def ratio(a: str, b: str) -> float:
        return SequenceMatcher(None, a, b, autojunk=False).ratio()

    brute = {
        (i, j) for i in range(len(texts)) for j in range(i + 1, len(texts))
        if max(ratio(texts[i], texts[j]), ratio(texts[j], texts[i])) >= threshold
    }
    assert {(i, j) for i, j, _ in near_duplicates(texts, threshold)} == brute


def test_long_prompts_are_not_hidden_by_autojunk():
    base = "which of the following " * 12
    assert list(near_duplicates([base + "a", base + "b"], 0.99))


# --------------------------------------------------------------------------- negative stems

NEGATIVES = ["not", "never", "except", "least", "cannot", "isn't", "incorrect"]
filler = st.sampled_from(["which", "state", "a", "page", "the", "attaché", "only", "at"])


@settings(max_examples=150, deadline=None)
@given(st.lists(filler | st.sampled_from(NEGATIVES), min_size=1, max_size=12), st.sampled_from(["**", "*", "_"]))
def test_emphasis_or_capitals_silence_every_negative(words, mark):
    stem = " ".join(words) + "?"
    found = unemphasised_negatives(stem)
    plain = [w for i, w in enumerate(words) if w in NEGATIVES
             and not (w == "least" and i and words[i - 1] == "at")
             and not (w == "not" and i + 1 < len(words) and words[i + 1] == "only")]
    assert found == plain
    emphasised = " ".join(f"{mark}{w}{mark}" if w in NEGATIVES else w for w in words) + "?"
    assert unemphasised_negatives(emphasised) == []
    assert unemphasised_negatives(" ".join(w.upper() if w in NEGATIVES else w for w in words) + "?") == []


def test_only_the_question_sentence_is_the_stem():
    prompt = "A state that is not a member asks for help. Which step should the attaché take first?"
    assert [s for _, s in stem_sentences(prompt)] == ["Which step should the attaché take first?"]
    assert unemphasised_negatives(prompt) == []
    assert unemphasised_negatives("Attachés never carry weapons.") == ["never"]
    assert unemphasised_negatives("Which step would the attaché **not** take?") == []
    assert unemphasised_negatives("Which step would the attaché *not take*?") == []


def test_fixture_course_has_its_own_config():
    assert load_config(FIXTURES / "lint").min_questions_per_bank == 3


def test_rule_codes_are_kebab_case():
    from quizlib.lint import RULES

    assert all(re.fullmatch(r"[a-z]+(-[a-z]+)+", code) for code in RULES)


# --------------------------------------------------------------------------- answer patterns

@pytest.mark.parametrize("pattern, dead", [
    (r"^(the )?(un )?convention on certain conventional weapons( \(ccw\))?$", ["(", ")"]),  # ch7-future-ccw-name
    (r"u\.s\. navy", ["."]),
    (r"caf[ée]", []),            # a class with one reachable member is fine
    (r"caf[éè]", ["[éè]"]),      # accents are removed before matching
    (r"status of forces? agreements?", []),
    (r"[-\s]?", []),
    (r"a\s+b", []),
    (r"NATO", []),               # case: patterns match ignoring case
    (r"x|y!", ["!"]),
])
def test_pattern_pieces_normalisation_removes(pattern, dead):
    from quizlib.lint.patterns import removed_by_normalisation

    assert removed_by_normalisation(pattern) == dead


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab (),.-éÉ!", min_size=1, max_size=12).map(str.strip).filter(lambda t: t and "  " not in t))
def test_a_literal_pattern_is_flagged_exactly_when_it_cannot_match_its_own_answer(text):
    """Property: a pattern spelling out a text is flagged iff it fails to match what that text normalises to."""
    from quizlib.grading import _compiled
    from quizlib.lint.patterns import removed_by_normalisation
    from quizlib.normalize import normalize_text

    pattern = re.escape(text)
    matches = _compiled(pattern).fullmatch(normalize_text(text)) is not None
    assert bool(removed_by_normalisation(pattern)) is not matches
