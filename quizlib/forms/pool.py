"""Resolve a blueprint's draw rules against the banks: who may be drawn, in which groups.

Each rule becomes a :class:`RulePool`: its candidate questions, the *quota
groups* that must each yield exactly ``quota`` questions (every section, every
chapter, or the rule as a whole) and the *caps* (at most N of a difficulty per
section, per chapter or in total). A chapter or section the banks do not have
is a located blueprint error, never an empty pool.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

from ..blueprint import BlueprintError, DrawRule, LocatedBlueprint
from ..models import Bank, QuestionBase

_CHAPTER_NUMBER = re.compile(r"^(\d+)")

CapKey = tuple[str, str, str]
"""(scope, group, difficulty): scope is 'section', 'chapter' or 'total'."""


def chapter_of(bank: Bank) -> str:
    """A bank's chapter is the first folder of its page: ``03-instruments``."""
    return bank.id.split("/", 1)[0]


def chapter_number(chapter: str) -> int | None:
    m = _CHAPTER_NUMBER.match(chapter)
    return int(m.group(1)) if m else None


@dataclass(frozen=True, slots=True)
class Candidate:
    """One question a rule may draw, with everything the drawing needs to know about it."""

    gid: str
    bank: Bank
    question: QuestionBase
    chapter: str
    section: str
    difficulty: str
    order: int
    """Position in course order (bank by page, then authored order): the unshuffled form order."""


@dataclass
class RulePool:
    index: int
    rule: DrawRule
    candidates: list[Candidate]
    groups: dict[str, int]
    """Quota group -> how many questions it must yield."""
    caps: dict[CapKey, int] = field(default_factory=dict)
    filters: str = ""
    """Human wording of the rule's filters, for messages ('difficulty hard, types single')."""

    def __post_init__(self) -> None:
        # Each candidate's quota group and cap chain, computed once: every form's plan needs them.
        self.placement: dict[str, tuple[str, tuple[CapKey, ...]]] = {
            c.gid: (self.group_of(c), tuple(self.caps_of(c))) for c in self.candidates
        }

    def group_of(self, c: Candidate) -> str:
        kind = self.rule.quota_kind
        return c.section if kind == "section" else (c.chapter if kind == "chapter" else "all")

    def caps_of(self, c: Candidate) -> list[CapKey]:
        """The caps a candidate counts against, innermost first (section, chapter, total)."""
        keys = [("section", c.section, c.difficulty), ("chapter", c.chapter, c.difficulty), ("total", "all", c.difficulty)]
        return [k for k in keys if k in self.caps]


def course_order(banks: Iterable[Bank]) -> list[tuple[Bank, QuestionBase, int]]:
    out = []
    for bank in sorted(banks, key=lambda b: b.id):
        for q in bank.questions:
            out.append((bank, q, len(out)))
    return out


def resolve(located: LocatedBlueprint, banks: Iterable[Bank]) -> list[RulePool]:
    """Every rule's pool; raises :class:`BlueprintError` naming each chapter/section the banks lack."""
    banks = list(banks)
    by_chapter: dict[str, list[Bank]] = {}
    for b in sorted(banks, key=lambda b: b.id):
        by_chapter.setdefault(chapter_of(b), []).append(b)
    by_id = {b.id: b for b in banks}
    everything = course_order(banks)
    errors = []
    pools = []
    for i, rule in enumerate(located.blueprint.draw):
        chosen: dict[str, Bank] = {}
        for j, ch in enumerate(rule.chapters or []):
            hits = [name for name in by_chapter if (chapter_number(name) == ch if isinstance(ch, int) else name == ch)]
            if not hits:
                have = ", ".join(sorted(by_chapter)) or "none"
                errors.append(located.error(("draw", i, "chapters", j), f"no bank in chapter {ch!r} (chapters with banks: {have})"))
            for name in hits:
                chosen.update({b.id: b for b in by_chapter[name]})
        for j, sec in enumerate(rule.sections or []):
            if sec not in by_id:
                errors.append(located.error(("draw", i, "sections", j), f"no bank with id '{sec}'"))
            else:
                chosen[sec] = by_id[sec]
        candidates = []
        for bank, q, order in everything:
            if bank.id not in chosen:
                continue
            if rule.difficulty and q.difficulty not in rule.difficulty:
                continue
            if rule.types and q.type not in rule.types:
                continue
            if rule.tags and not set(rule.tags) & set(q.tags):
                continue
            candidates.append(Candidate(bank.global_id(q), bank, q, chapter_of(bank), bank.id, q.difficulty.value, order))
        kind = rule.quota_kind
        if kind == "section":
            groups = {sid: rule.quota for sid in sorted(chosen)}
        elif kind == "chapter":
            groups = {chapter_of(b): rule.quota for b in chosen.values()}
        else:
            groups = {"all": rule.quota}
        caps: dict[CapKey, int] = {}
        for scope, table, names in (
            ("section", rule.max_per_section, sorted(chosen)),
            ("chapter", rule.max_per_chapter, sorted({chapter_of(b) for b in chosen.values()})),
            ("total", rule.max_total, ["all"]),
        ):
            for difficulty, limit in table.items():
                for name in names:
                    caps[(scope, name, difficulty.value)] = limit
        words = []
        if rule.difficulty:
            words.append("difficulty " + "/".join(d.value for d in rule.difficulty))
        if rule.types:
            words.append("type " + "/".join(rule.types))
        if rule.tags:
            words.append("tag " + "/".join(rule.tags))
        pools.append(RulePool(i, rule, candidates, groups, caps, ", ".join(words)))
    if errors:
        raise BlueprintError(errors)
    return pools
