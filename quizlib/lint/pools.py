"""Secure pools in ``quizlib lint``: checked against the book like practice banks, plus the exposure table.

A secure pool (``pools/<chapter>/<section>.yml``, ``secure: true``) holds graded
questions. The lint holds it to the practice banks' standard where that applies,
and adds what only pools need:

- the per-bank rules that make sense for a pool (sources resolve on its page, objectives
  exist with the chapter's wording, answer cues, one pool per page...) run on the pools;
- question ids and prompts must be unique across practice banks *and* pools: a pool
  question repeating a practice prompt has a public key;
- ``pool-not-secure``: a file in the pools folder without ``secure: true`` (the book
  would render it if a page asked, and ``publish`` treats it as practice);
- ``secure-outside-pools``: a ``secure: true`` bank among the practice banks, a public
  folder;
- ``pool-objective-outside-section``: a pool objective that its section's practice bank
  does not declare (a pool's objectives must be its section's);
- ``pool-unfair-ordering``: an ordering of two items, which the service refuses to publish
  (its only order besides the key is the key reversed).

:func:`exposure` counts, per objective, the secure questions that exist (and the
practice ones, for comparison), so an instructor can see whether a randomized exam
over some chapters is possible; :mod:`.report` prints it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Iterator

from ..models import Ordering
from .config import LintConfig
from .course import BankFile, Course
from .findings import Finding
from .rules import E, RULES, _finding, _rule

#: Per-bank rules that apply to pools as they do to practice banks. Coverage rules (page-without-bank,
#: bank-too-small, chapter-few-types, objective-few-questions) do not: pools grow section by section.
POOL_RULES = ("bank-invalid", "duplicate-bank", "page-missing", "source-unresolved", "objective-unknown",
              "objective-text-mismatch", "position-bias", "long-correct", "all-none-of-above", "negative-stem",
              "answer-in-prompt", "bank-all-easy")
#: Rules that compare questions across the whole course: run on practice banks and pools together.
CROSS_RULES = ("duplicate-id", "near-duplicate-prompt")


@_rule("pool-not-secure", E, "a bank in the secure pools folder is not marked secure: true")
def pool_not_secure(course: Course, config: LintConfig) -> Iterator[Finding]:
    for pool in course.pools:
        if not pool.bank.secure:
            yield _finding("pool-not-secure", pool.file, pool.located.line_of("page"),
                           "this file is in the secure pools folder but its bank lacks 'secure: true': "
                           "publish and form would treat its keys as public, and the book could render it")


@_rule("secure-outside-pools", E, "a bank marked secure: true sits among the practice banks")
def secure_outside_pools(course: Course, config: LintConfig) -> Iterator[Finding]:
    folder = course.pools_dir.name if course.pools_dir else "pools"
    for pool in course.pools:
        if pool.bank.secure and _in(course, pool, course.quizzes):
            yield _finding("secure-outside-pools", pool.file, pool.located.line_of("secure"),
                           f"a secure pool in the practice banks' folder ({course.relative(course.quizzes)}/), "
                           f"which is public: move it to {folder}/{pool.bank.page}.yml")


@_rule("pool-objective-outside-section", E, "a pool objective is not one its section's practice bank declares")
def pool_objective_outside_section(course: Course, config: LintConfig) -> Iterator[Finding]:
    practice: dict[str, BankFile] = {}
    for b in course.banks:
        practice.setdefault(b.bank.page, b)
    for pool in course.pools:
        section = practice.get(pool.bank.page)
        if section is None:
            continue  # no practice bank to compare with: the chapter's objectives are checked by objective-unknown
        declared = {o.id for o in section.bank.objectives}
        for k, objective in enumerate(pool.bank.objectives):
            if objective.id not in declared:
                yield _finding("pool-objective-outside-section", pool.file, pool.located.line_of("objectives", k, "id"),
                               f"objective '{objective.id}' is not one of section {pool.bank.page}'s objectives "
                               f"({', '.join(sorted(declared))}, declared in {section.file})")


@_rule("pool-unfair-ordering", E, "a pool's ordering question has two items (its order would give the key away)")
def pool_unfair_ordering(course: Course, config: LintConfig) -> Iterator[Finding]:
    for pool in course.pools:
        for i, q in enumerate(pool.bank.questions):
            if isinstance(q, Ordering) and len(q.items) < 3:
                yield _finding("pool-unfair-ordering", pool.file, pool.located.line_of("questions", i, "items"),
                               f"an ordering of {len(q.items)} items can only be shown as the key reversed, which "
                               "gives it away; the grading service refuses it: add an item", q.id)


def _in(course: Course, bank: BankFile, folder: Path) -> bool:
    """Is the bank's file inside ``folder`` (a path as the course was given it)?"""
    try:
        (course.root / bank.file).resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def pool_checks(course: Course, config: LintConfig) -> list[Finding]:
    """The practice-bank rules that apply to pools, run on the pools (and, across the course, on both)."""
    pools = replace(course, banks=course.pools, load_errors=course.pool_load_errors)
    found = [f for code in POOL_RULES for f in RULES[code].check(pools, config)]  # type: ignore[misc]
    both = replace(course, banks=course.banks + course.pools)
    pool_files = {p.file for p in course.pools}
    found += [f for code in CROSS_RULES for f in RULES[code].check(both, config)  # type: ignore[misc]
              if f.file in pool_files]
    return found


@dataclass
class ObjectiveExposure:
    """How many questions can test one objective: secure ones (graded work) and practice ones."""

    objective: str
    chapter: str
    secure: int = 0
    practice: int = 0
    difficulty: Counter[str] = field(default_factory=Counter)
    """Secure questions by difficulty."""
    sections: set[str] = field(default_factory=set)
    """Sections whose pool has a question on it."""


def exposure(course: Course) -> list[ObjectiveExposure]:
    """One row per objective of the book's chapters (and any other objective a secure pool names)."""
    rows: dict[str, ObjectiveExposure] = {}
    for name, chapter in sorted(course.book.chapters.items()):
        for objective in chapter.objectives:
            rows.setdefault(objective.id, ObjectiveExposure(objective.id, name))
    for bank in course.banks:
        for q in bank.bank.questions:
            rows.setdefault(q.objective, ObjectiveExposure(q.objective, bank.chapter)).practice += 1
    for pool in course.pools:
        if not pool.bank.secure:
            continue
        for q in pool.bank.questions:
            row = rows.setdefault(q.objective, ObjectiveExposure(q.objective, pool.chapter))
            row.secure += 1
            row.difficulty[q.difficulty.value] += 1
            row.sections.add(pool.bank.page)
    return list(rows.values())
