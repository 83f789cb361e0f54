"""The test-wise student audit over a course: per bank, per chapter and for the course, with its findings.

:mod:`.testwise` scores one question; this module adds the scores up and
applies the thresholds of ``[tool.quizlib.lint]``:

- no strategy beats chance by more than ``testwise_course_margin`` across the
  course (``testwise-course``) or ``testwise_bank_margin`` in one bank
  (``testwise-bank``);
- each chapter keys ``true_false_false_min``..``true_false_false_max`` of its
  true/false items False (``true-false-balance``);
- the key is the strictly longest option in at most ``longest_key_share`` of
  the course's single-choice items (``longest-key-share``);
- no (correct, options) shape covers more than ``multiple_shape_share`` of the
  course's multiple-response items (``multiple-shape-share``).

A figure is judged only when it rests on at least ``testwise_min_items`` items:
one true/false item keyed False makes "always False" score 100% in its bank,
which says nothing about the bank. Scores are points-weighted means, kept as
exact fractions; they are rounded only where they are printed.

With ``testwise_audit = "report"`` the audit prints its table and writes its
JSON but reports no findings (the course's banks are being rewritten);
``"enforce"`` turns the thresholds into lint warnings.

The practice banks and the secure pools are audited separately, each as a course
of its own (:func:`run_audit` with ``kind="pools"``): graded work draws only from
the pools, so a cue there costs more than one in a practice quiz, and a pool's cue
must not hide behind the balance of the far larger practice banks (or the other way
round). The same thresholds apply to both; the pools' course-wide findings say
"across the secure pools".
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Iterator

from ..models import MultipleChoice, SingleChoice, TrueFalse
from .config import LintConfig
from .course import BankFile, Course
from .findings import Finding, Severity
from .rules import RULES, Rule
from .testwise import STRATEGIES, STRATEGY_CODES, ShapeHistory, key_strictly_longest, score_item, shape

STRATEGY_NAMES = {s.code: s.name for s in STRATEGIES}

#: Rule codes of the audit. Reported by :func:`audit_findings` (after the audit has run once), not by a check.
AUDIT_RULES = {
    "testwise-bank": "a test-wise strategy beats chance by too much in one bank",
    "testwise-course": "a test-wise strategy beats chance by too much across the course",
    "true-false-balance": "a chapter keys too many or too few true/false items False",
    "longest-key-share": "the key is the strictly longest option in too many single-choice items",
    "multiple-shape-share": "one (correct, options) shape dominates the multiple-response items",
}
for _code, _summary in AUDIT_RULES.items():
    RULES[_code] = Rule(_code, Severity.warning, _summary, None)


def _exact(value: float) -> Fraction:
    """A threshold as the decimal its author wrote: 0.15 means 3/20, so a margin of exactly 15 pp passes."""
    return Fraction(str(value))


@dataclass
class Tally:
    """One strategy over a set of items: points-weighted sums of its expected score and of chance."""

    items: int = 0
    points: Fraction = Fraction(0)
    score_points: Fraction = Fraction(0)
    chance_points: Fraction = Fraction(0)

    def add(self, points: Fraction, score: Fraction, chance: Fraction) -> None:
        self.items += 1
        self.points += points
        self.score_points += points * score
        self.chance_points += points * chance

    @property
    def score(self) -> Fraction | None:
        return self.score_points / self.points if self.items else None

    @property
    def chance(self) -> Fraction | None:
        return self.chance_points / self.points if self.items else None

    @property
    def margin(self) -> Fraction | None:
        return (self.score_points - self.chance_points) / self.points if self.items else None


@dataclass
class ItemAudit:
    """One question: where it is, chance, each applicable strategy's expected fraction, and its cues."""

    file: str
    line: int
    question_id: str
    type: str
    points: Fraction
    chance: Fraction | None
    scores: dict[str, Fraction]
    key_longest: bool | None = None
    answer: bool | None = None
    shape: tuple[int, int] | None = None


@dataclass
class Scope:
    """A set of items (a bank, a chapter, the course) and each strategy's tally over them."""

    name: str
    items: list[ItemAudit] = field(default_factory=list)
    tallies: dict[str, Tally] = field(default_factory=lambda: {c: Tally() for c in STRATEGY_CODES})

    def add(self, item: ItemAudit) -> None:
        self.items.append(item)
        if item.chance is None:
            return
        for code, score in item.scores.items():
            self.tallies[code].add(item.points, score, item.chance)

    def true_false(self) -> list[ItemAudit]:
        return [i for i in self.items if i.answer is not None]

    def single(self) -> list[ItemAudit]:
        return [i for i in self.items if i.key_longest is not None]

    def multiple(self) -> list[ItemAudit]:
        return [i for i in self.items if i.shape is not None]


@dataclass
class BankScope(Scope):
    bank: BankFile | None = None


@dataclass
class Audit:
    """The audit of a course, with the thresholds it was judged by."""

    config: LintConfig
    banks: list[BankScope]
    chapters: list[Scope]
    course: Scope
    config_file: str = "pyproject.toml"
    config_lines: dict[str, int] = field(default_factory=dict)
    #: "practice" (the banks the book renders) or "pools" (the secure pools graded work draws from).
    kind: str = "practice"

    @property
    def across(self) -> str:
        """How course-wide findings name the audited set."""
        return "across the secure pools" if self.kind == "pools" else "across the course"

    @property
    def enforced(self) -> bool:
        return self.config.testwise_audit == "enforce"

    def judged(self, tally: Tally) -> bool:
        return tally.items >= self.config.testwise_min_items

    def over(self, tally: Tally, limit: float) -> bool:
        """The strategy's margin is judged and beyond ``limit``."""
        return self.judged(tally) and tally.margin is not None and tally.margin > _exact(limit)

    def false_share(self, scope: Scope) -> tuple[int, int]:
        items = scope.true_false()
        return sum(not i.answer for i in items), len(items)

    def false_share_off(self, scope: Scope) -> bool:
        false, total = self.false_share(scope)
        if total < self.config.testwise_min_items:
            return False
        share = Fraction(false, total)
        return not _exact(self.config.true_false_false_min) <= share <= _exact(self.config.true_false_false_max)

    def longest_keys(self, scope: Scope) -> tuple[int, int]:
        items = scope.single()
        return sum(bool(i.key_longest) for i in items), len(items)

    def commonest_shape(self, scope: Scope) -> tuple[tuple[int, int] | None, int, int]:
        """(shape, items with it, multiple-response items); ties go to the shape with fewer correct options."""
        shapes = Counter(i.shape for i in scope.multiple())
        if not shapes:
            return None, 0, 0
        top, n = max(sorted(shapes.items()), key=lambda kv: kv[1])
        return top, n, sum(shapes.values())


def _item(bank: BankFile, index: int, history: ShapeHistory) -> ItemAudit:
    q = bank.bank.questions[index]
    scores = score_item(q, history)
    return ItemAudit(
        file=bank.file,
        line=bank.located.question_line(index),
        question_id=q.id,
        type=q.type,
        points=Fraction(str(q.points)),
        chance=scores.chance,
        scores=scores.scores,
        key_longest=key_strictly_longest(q) if isinstance(q, SingleChoice) else None,
        answer=q.answer if isinstance(q, TrueFalse) else None,
        shape=shape(q) if isinstance(q, MultipleChoice) else None,
    )


_KEY_LINE = re.compile(r"^\s*([A-Za-z0-9_]+)\s*=")


def _config_lines(path: Path) -> dict[str, int]:
    """Line of each ``key =`` in ``[tool.quizlib.lint]``: where course-wide findings point."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return {}
    found: dict[str, int] = {}
    inside = False
    for n, line in enumerate(lines, 1):
        stripped = line.strip()
        if stripped.startswith("["):
            inside = stripped == "[tool.quizlib.lint]"
        elif inside and (m := _KEY_LINE.match(line)):
            found[m.group(1)] = n
    return found


def run_audit(course: Course, config: LintConfig, kind: str = "practice") -> Audit:
    """Score every question of the course's practice banks (``kind="pools"``: of its secure pools)
    and add the scores up per bank, chapter and the whole set.

    The ``shape`` student learns the commonest multiple-response shape from the audited set
    only: a pool is judged as a course of its own.
    """
    audited = course.pools if kind == "pools" else course.banks
    history = ShapeHistory.of(q for bank in audited for q in bank.bank.questions)
    banks: list[BankScope] = []
    chapters: dict[str, Scope] = {}
    total = Scope("course")
    for bank in sorted(audited, key=lambda b: b.file):
        scope = BankScope(bank.file, bank=bank)
        chapter = chapters.setdefault(bank.chapter, Scope(bank.chapter))
        for index in range(len(bank.bank.questions)):
            item = _item(bank, index, history)
            for s in (scope, chapter, total):
                s.add(item)
        banks.append(scope)
    pyproject = Path(course.root) / "pyproject.toml"
    return Audit(config, banks, [chapters[k] for k in sorted(chapters)], total,
                 course.relative(pyproject), _config_lines(pyproject), kind)


# --------------------------------------------------------------------------- findings


def _pct(value: Fraction | float) -> str:
    return f"{float(value):.0%}"


def _pp(value: Fraction | float) -> str:
    return f"{float(value) * 100:+.0f} pp"


def _limited(names: list[str], limit: int = 5) -> str:
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def _claim(code: str, tally: Tally, what: str) -> str:
    strategy = STRATEGY_NAMES[code]
    return (f"'{strategy}' scores {_pct(tally.score or 0)} on {tally.items} {what} against "
            f"{_pct(tally.chance or 0)} by chance ({_pp(tally.margin or 0)})")


_APPLIES = {s.code: s.applies_to for s in STRATEGIES}


def _gainers(scope: Scope, code: str) -> list[str]:
    """Ids of the items where the strategy beats chance, most first."""
    gains = [(i.scores[code] - (i.chance or 0), i.question_id) for i in scope.items
             if code in i.scores and i.scores[code] > (i.chance or 0)]
    return [qid for _, qid in sorted(gains, key=lambda g: (-g[0], g[1]))]


def _bank_findings(audit: Audit) -> Iterator[Finding]:
    limit = audit.config.testwise_bank_margin
    for bank in audit.banks:
        assert bank.bank is not None
        for code, tally in bank.tallies.items():
            if audit.over(tally, limit):
                yield Finding(
                    bank.name, bank.bank.questions_line, "testwise-bank", Severity.warning,
                    f"{_claim(code, tally, _APPLIES[code])}, more than the {_pp(limit)[1:]} allowed "
                    f"in one bank; it gains on {_limited(_gainers(bank, code))}",
                )


def _config_finding(audit: Audit, rule: str, key: str, message: str) -> Finding:
    return Finding(audit.config_file, audit.config_lines.get(key, 1), rule, Severity.warning, message)


def _worst_banks(audit: Audit, code: str) -> str:
    rows = [(b.tallies[code].margin or 0, b.name, b.tallies[code].items) for b in audit.banks
            if b.tallies[code].items and (b.tallies[code].margin or 0) > 0]
    rows.sort(key=lambda r: (-r[0], r[1]))
    return _limited([f"{name} ({_pp(m)} on {n})" for m, name, n in rows], 3)


def _course_findings(audit: Audit) -> Iterator[Finding]:
    config, course = audit.config, audit.course
    limit = config.testwise_course_margin
    for code, tally in course.tallies.items():
        if audit.over(tally, limit):
            yield _config_finding(
                audit, "testwise-course", "testwise_course_margin",
                f"{audit.across}, {_claim(code, tally, _APPLIES[code])}, more than the "
                f"{_pp(limit)[1:]} allowed; banks gaining most: {_worst_banks(audit, code)}",
            )
    longest, singles = audit.longest_keys(course)
    if singles >= config.testwise_min_items and Fraction(longest, singles) > _exact(config.longest_key_share):
        per_bank = sorted((-n, b.name, t) for b in audit.banks for n, t in [audit.longest_keys(b)] if n)
        worst = _limited([f"{name} ({-n} of {t})" for n, name, t in per_bank], 3)
        yield _config_finding(
            audit, "longest-key-share", "longest_key_share",
            f"{audit.across}, the key is the strictly longest option in {longest} of {singles} single-choice items "
            f"({_pct(Fraction(longest, singles))}), more than {_pct(config.longest_key_share)}; "
            f"write distractors as long and specific as the key; most in {worst}",
        )
    top, n, total = audit.commonest_shape(course)
    if top and total >= config.testwise_min_items and Fraction(n, total) > _exact(config.multiple_shape_share):
        yield _config_finding(
            audit, "multiple-shape-share", "multiple_shape_share",
            f"{audit.across}, {n} of {total} multiple-response items ({_pct(Fraction(n, total))}) have {top[0]} correct of "
            f"{top[1]} options; at most {_pct(config.multiple_shape_share)} may share one shape, "
            "so vary how many options are correct",
        )


def _balance_findings(audit: Audit) -> Iterator[Finding]:
    low, high = audit.config.true_false_false_min, audit.config.true_false_false_max
    whose = "'s secure pools" if audit.kind == "pools" else ""
    for chapter in audit.chapters:
        if not audit.false_share_off(chapter):
            continue
        false, total = audit.false_share(chapter)
        items = chapter.true_false()
        majority = false * 2 > total
        first = next(i for i in items if (not i.answer) == majority)
        keyed = lambda value: _limited([i.question_id for i in items if i.answer is value])  # noqa: E731
        yield Finding(
            first.file, first.line, "true-false-balance", Severity.warning,
            f"chapter {chapter.name}{whose} keys {false} of {total} true/false items False "
            f"({_pct(Fraction(false, total))}); "
            f"keep False between {_pct(low)} and {_pct(high)} (False: {keyed(False) or 'none'}; "
            f"True: {keyed(True) or 'none'})",
            first.question_id,
        )


def audit_findings(audit: Audit) -> list[Finding]:
    """The audit's findings under ``enforce``; none under ``report`` (the table still shows every figure)."""
    if not audit.enforced:
        return []
    return [*_bank_findings(audit), *_course_findings(audit), *_balance_findings(audit)]


# --------------------------------------------------------------------------- JSON


def _num(value: Fraction | None) -> float | None:
    return None if value is None else float(value)


def _tallies(audit: Audit, scope: Scope, limit: float | None) -> dict[str, Any]:
    out = {}
    for code, t in scope.tallies.items():
        out[code] = {
            "items": t.items, "points": float(t.points), "score": _num(t.score), "chance": _num(t.chance),
            "margin": _num(t.margin), "judged": audit.judged(t),
            "over_limit": audit.over(t, limit) if limit is not None else None,
        }
    return out


def _cues(audit: Audit, scope: Scope) -> dict[str, Any]:
    false, tf = audit.false_share(scope)
    longest, singles = audit.longest_keys(scope)
    top, n, multiple = audit.commonest_shape(scope)
    return {
        "true_false_keyed_false": {"count": false, "items": tf},
        "key_strictly_longest": {"count": longest, "items": singles},
        "commonest_multiple_shape": {"correct": top[0] if top else None, "options": top[1] if top else None,
                                     "count": n, "items": multiple},
    }


def _figures(audit: Audit) -> dict[str, Any]:
    """Course, chapter, bank and item figures of one audited set (practice banks or secure pools)."""
    c = audit.config
    scope_rows = lambda scopes, limit: [  # noqa: E731
        {"name": s.name, "questions": len(s.items), "strategies": _tallies(audit, s, limit), "cues": _cues(audit, s)}
        for s in scopes
    ]
    return {
        "course": scope_rows([audit.course], c.testwise_course_margin)[0],
        "chapters": scope_rows(audit.chapters, None),
        "banks": scope_rows(audit.banks, c.testwise_bank_margin),
        "items": [
            {"file": i.file, "line": i.line, "id": i.question_id, "type": i.type, "points": float(i.points),
             "chance": _num(i.chance), "strategies": {k: float(v) for k, v in i.scores.items()}}
            for i in audit.course.items if i.chance is not None
        ],
    }


def audit_json(audit: Audit, pools: Audit | None = None) -> dict[str, Any]:
    """The audit as plain data (``quizlib lint --audit-json FILE``): every figure unrounded, every item located.

    The top level holds the practice banks' figures (``course``, ``chapters``, ``banks``,
    ``items``); ``pools`` holds the same four for the secure pools, or is null when the
    course has none.
    """
    c = audit.config
    return {
        "mode": c.testwise_audit,
        "thresholds": {
            "testwise_course_margin": c.testwise_course_margin, "testwise_bank_margin": c.testwise_bank_margin,
            "testwise_min_items": c.testwise_min_items, "true_false_false_min": c.true_false_false_min,
            "true_false_false_max": c.true_false_false_max, "longest_key_share": c.longest_key_share,
            "multiple_shape_share": c.multiple_shape_share,
        },
        "strategies": [{"code": s.code, "name": s.name, "applies_to": s.applies_to} for s in STRATEGIES],
        **_figures(audit),
        "pools": _figures(pools) if pools is not None else None,
    }


def bank_chapters(audit: Audit) -> dict[str, list[BankScope]]:
    """Banks grouped by chapter, in chapter order: the rows of the Rich table."""
    grouped: dict[str, list[BankScope]] = defaultdict(list)
    for bank in audit.banks:
        assert bank.bank is not None
        grouped[bank.bank.chapter].append(bank)
    return grouped
