"""The test-wise student: what someone who never read the course scores from the items' cues alone.

A bank can measure test-wiseness instead of understanding: if most true/false
keys are False, answering False every time beats guessing; if the key is
usually the longest option, picking the longest does. This module simulates
each such strategy on one question and gives its **exact expected score**: the
strategy lists every response it may give with its probability (its tie-breaks,
or the random choices it leaves open), each response is scored by
:func:`quizlib.grading.grade` (so partial credit, all-or-nothing and points are
what the student would really get), and the expected score is the
probability-weighted sum, kept as an exact fraction. No sampling: a strategy
that cannot separate two options splits evenly between them.

*Chance* is blind guessing under the same grading: every option of a
single-choice item equally likely; every **non-empty** subset of a
multiple-response item equally likely (a guesser ticks something, and does not
know how many are right); True and False equally likely.

The strategies, and where each applies:

``always-false`` / ``always-true``
    true/false items: answer False (True) every time.
``longest``
    single choice: pick the strictly longest option (characters as written,
    runs of whitespace counted once); options tied for longest split evenly.
``shortest``
    single choice: pick the strictly shortest option, measured the same way;
    options tied for shortest split evenly. The mirror of ``longest``: authors
    who learned not to make the key the longest option can overshoot into
    making it the shortest.
``middle-length``
    single choice with at least three options: avoid both extremes, picking
    evenly among the options whose length is strictly between the shortest and
    the longest length. Every option tied for the longest length, and every
    option tied for the shortest, is avoided (lengths 3, 3, 5, 12 leave only
    the 5). When no option lies strictly between (the options have only one or
    two distinct lengths) the student has nothing to prefer and guesses among
    all of them. Not applicable with two options, which have no middle. This
    is what a student does against a bank whose authors keep the key from
    being the longest (or shortest) option.
``prompt-words``
    single choice: pick the option that repeats most of the prompt's content
    words (casefolded, accents dropped, function words ignored, Snowball-stemmed
    so "deterrent" and "deterrence" meet; numbers count as words); ties split,
    so when no option repeats a prompt word the student is guessing.
``fewest-prompt-words``
    single choice: the reverse, against authors who learned not to echo the
    prompt in the key: pick the option that repeats the fewest of the prompt's
    content words (the same words as ``prompt-words``); options tied for fewest
    split, so when no option repeats a prompt word the student is guessing.
``middle-value``
    single choice whose every option shows exactly one number (a year, a
    count, a percentage): pick the median option by that number; with an even
    number of options the two middle ones split. Not applicable to ``numeric``
    items, which offer no values to sit between (the student types a number),
    nor to ``ordering`` items, which have no single value; an order-blind
    strategy there scores exactly chance.
``shape``
    multiple response: tick *m* options at random, where *m* is the commonest
    number of correct options among the course's other multiple-response items
    with the same number of options (among all the others when none has that
    many; several commonest counts split evenly). Leaving the item itself out
    models a student who learned the pattern from the rest of the course, not
    from this item's key. Not applicable when the course has no other
    multiple-response item.
``all-of-the-above``
    single choice or multiple response with an "all of the above" (or "both of
    the above", "all of these") option: choose that option alone.

Short-answer, numeric, matching and ordering items have no strategy here.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from typing import Any, Iterable, Sequence

import snowballstemmer

from ..grading import grade
from ..models import MultipleChoice, Option, QuestionBase, SingleChoice, TrueFalse
from ..normalize import normalize_text


@dataclass(frozen=True)
class Strategy:
    """One test-wise strategy: its code (used in reports, JSON and findings) and what it does."""

    code: str
    name: str
    #: The items it applies to, as a plural noun phrase ("true/false items").
    applies_to: str


STRATEGIES: tuple[Strategy, ...] = (
    Strategy("always-false", "always False", "true/false items"),
    Strategy("always-true", "always True", "true/false items"),
    Strategy("longest", "longest option", "single-choice items"),
    Strategy("shortest", "shortest option", "single-choice items"),
    Strategy("middle-length", "neither longest nor shortest", "single-choice items with 3 or more options"),
    Strategy("prompt-words", "repeats prompt words", "single-choice items"),
    Strategy("fewest-prompt-words", "fewest prompt words", "single-choice items"),
    Strategy("middle-value", "middle number", "single-choice items whose options are numbers"),
    Strategy("shape", "usual number ticked", "multiple-response items"),
    Strategy("all-of-the-above", "all of the above", "choice items with an 'all of the above' option"),
)
STRATEGY_CODES: tuple[str, ...] = tuple(s.code for s in STRATEGIES)


# --------------------------------------------------------------------------- cues


def option_length(text: str) -> int:
    """Characters of an option as a reader sees its length: runs of whitespace count once."""
    return len(" ".join(text.split()))


def key_strictly_longest(q: SingleChoice) -> bool:
    """True when the key is longer than every distractor (the cue the ``longest-key-share`` rule counts)."""
    key = next(o for o in q.options if o.correct)
    return all(option_length(key.text) > option_length(o.text) for o in q.options if not o.correct)


#: English function words: they repeat between any prompt and option, so they are no cue.
_STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be because been before being below
    between both but by can could did do does doing down during each either few for from further had has
    have having he her here hers him his how i if in into is it its itself just least less may me might
    more most much must my neither no nor not of off on once only or other others our ours out over own
    same shall she should so some such than that the their theirs them then there these they this those
    through to too under until up upon us very was we were what when where whether which while who whom
    whose why will with within without would you your
    """.split()
)
_stemmer = snowballstemmer.stemmer("english")


@lru_cache(maxsize=16384)
def _stem(word: str) -> str:
    # The pure-Python stemmer is most of the audit's time; a course repeats its words a lot.
    return _stemmer.stemWord(word)


@lru_cache(maxsize=8192)
def content_words(text: str) -> frozenset[str]:
    """Stems of the content words of ``text``: what the ``prompt-words`` strategy compares.

    Text is normalised as short answers are (casefolded, accents and punctuation
    dropped); function words and single letters are ignored; numbers are kept,
    since a key that alone repeats the prompt's year is as much a cue as one
    that repeats its nouns.
    """
    words = [w for w in normalize_text(text).split() if w not in _STOPWORDS and (len(w) > 1 or w.isdigit())]
    return frozenset(map(_stem, words))


_NUMBER = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")


def option_number(text: str) -> float | None:
    """The one number an option shows ("1961", "1,200", "2.5%"), or None when it shows none or several."""
    found = _NUMBER.findall(text)
    return float(found[0].replace(",", "")) if len(found) == 1 else None


_ALL_OF_ABOVE = re.compile(
    r"\b(?:all|both)\s+(?:of\s+)?(?:the\s+)?(?:above|these|those|the\s+(?:options|answers|choices|others))\b",
    re.IGNORECASE,
)


def is_all_of_the_above(text: str) -> bool:
    return _ALL_OF_ABOVE.search(text) is not None


def shape(q: MultipleChoice) -> tuple[int, int]:
    """(correct options, options) of a multiple-response item."""
    return sum(o.correct for o in q.options), len(q.options)


@dataclass(frozen=True)
class ShapeHistory:
    """The (correct, options) shapes of a course's multiple-response items: what the ``shape`` student learned."""

    shapes: Counter[tuple[int, int]] = field(default_factory=Counter)

    @classmethod
    def of(cls, questions: Iterable[QuestionBase]) -> ShapeHistory:
        return cls(Counter(shape(q) for q in questions if isinstance(q, MultipleChoice)))

    def ticks(self, q: MultipleChoice) -> list[int]:
        """How many options the student ticks on ``q``: the commonest counts among the *other* items.

        Counts from items with as many options as ``q`` when there are any,
        from all other items otherwise (capped at the options ``q`` has).
        Empty when no other multiple-response item exists.
        """
        others = self.shapes.copy()
        others[shape(q)] -= 1
        others = +others  # drop the zero count
        k = len(q.options)
        same = Counter({c: n for (c, kk), n in others.items() if kk == k})
        pool = same or Counter(_capped(others, k))
        if not pool:
            return []
        top = max(pool.values())
        return sorted(c for c, n in pool.items() if n == top)


def _capped(shapes: Counter[tuple[int, int]], k: int) -> dict[int, int]:
    out: Counter[int] = Counter()
    for (c, _), n in shapes.items():
        out[min(c, k)] += n
    return out


# --------------------------------------------------------------------------- responses


def _ids(options: Sequence[Option]) -> list[str]:
    return [o.id or "" for o in options]


def _best(options: Sequence[Option], value: Any) -> list[str]:
    """Ids of the options with the highest ``value(option)``: the strategy's tie-breaks."""
    values = [value(o) for o in options]
    top = max(values)
    return [o.id or "" for o, v in zip(options, values) if v == top]


def _between(options: Sequence[Option]) -> list[str] | None:
    """Ids of the options strictly between the shortest and the longest length (all of them when none is);
    None with fewer than three options."""
    if len(options) < 3:
        return None
    lengths = [option_length(o.text) for o in options]
    low, high = min(lengths), max(lengths)
    inside = [o.id or "" for o, n in zip(options, lengths) if low < n < high]
    return inside or _ids(options)


def _middle(options: Sequence[Option]) -> list[str] | None:
    numbers = [option_number(o.text) for o in options]
    if any(n is None for n in numbers):
        return None
    ordered = sorted(numbers)  # type: ignore[type-var]
    k = len(ordered)
    middle = {ordered[k // 2]} if k % 2 else {ordered[k // 2 - 1], ordered[k // 2]}
    return [o.id or "" for o, n in zip(options, numbers) if n in middle]


#: A response and its probability; a strategy's responses' probabilities sum to 1.
Weighted = tuple[Any, Fraction]


def _uniform(responses: Sequence[Any]) -> list[Weighted]:
    return [(r, Fraction(1, len(responses))) for r in responses]


def strategy_responses(code: str, q: QuestionBase, history: ShapeHistory) -> list[Weighted] | None:
    """Every response strategy ``code`` may give to ``q``, with its probability; None when it does not apply.

    Tie-breaks are equally likely. For ``shape``, each tied count is equally
    likely and, within a count, each set of that many options.
    """
    if isinstance(q, TrueFalse):
        answer = {"always-false": False, "always-true": True}.get(code)
        return None if answer is None else [(answer, Fraction(1))]
    if isinstance(q, SingleChoice):
        if code == "longest":
            return _uniform(_best(q.options, lambda o: option_length(o.text)))
        if code == "shortest":
            return _uniform(_best(q.options, lambda o: -option_length(o.text)))
        if code == "middle-length":
            between = _between(q.options)
            return _uniform(between) if between else None
        if code in ("prompt-words", "fewest-prompt-words"):
            prompt = content_words(q.prompt)
            sign = 1 if code == "prompt-words" else -1
            return _uniform(_best(q.options, lambda o: sign * len(content_words(o.text) & prompt)))
        if code == "middle-value":
            middle = _middle(q.options)
            return _uniform(middle) if middle else None
    if isinstance(q, MultipleChoice) and code == "shape":
        ids, ticks = _ids(q.options), history.ticks(q)
        return [(list(c), p / len(ticks)) for m in ticks
                for c, p in _uniform(list(itertools.combinations(ids, m)))] or None
    if isinstance(q, (SingleChoice, MultipleChoice)) and code == "all-of-the-above":
        above = [o.id or "" for o in q.options if is_all_of_the_above(o.text)]
        if not above:
            return None
        return _uniform(above if isinstance(q, SingleChoice) else [[a] for a in above])
    return None


def chance_responses(q: QuestionBase) -> list[Weighted] | None:
    """Every blind guess at ``q``, equally likely; None for types without a strategy (free entry, matching, ordering)."""
    if isinstance(q, TrueFalse):
        return _uniform([False, True])
    if isinstance(q, SingleChoice):
        return _uniform(_ids(q.options))
    if isinstance(q, MultipleChoice):
        ids = _ids(q.options)
        return _uniform([list(c) for m in range(1, len(ids) + 1) for c in itertools.combinations(ids, m)])
    return None


def expected_fraction(q: QuestionBase, responses: Sequence[Weighted]) -> Fraction:
    """Probability-weighted graded fraction, exact (the graded values are summed as rationals)."""
    return sum((p * Fraction(grade(q, r).fraction) for r, p in responses), Fraction(0))


@dataclass(frozen=True)
class ItemScores:
    """One question's audit: chance and each applicable strategy's expected fraction of the points."""

    chance: Fraction | None
    scores: dict[str, Fraction]


def score_item(q: QuestionBase, history: ShapeHistory) -> ItemScores:
    guesses = chance_responses(q)
    if guesses is None:
        return ItemScores(None, {})
    scores = {}
    for code in STRATEGY_CODES:
        responses = strategy_responses(code, q, history)
        if responses:
            scores[code] = expected_fraction(q, responses)
    return ItemScores(expected_fraction(q, guesses), scores)
