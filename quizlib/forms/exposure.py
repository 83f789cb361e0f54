"""How evenly a set of forms used the questions it could have used.

Exposure is how many forms a question appeared on. Within a quota group
(a section for ``per_section`` rules) every candidate is interchangeable, so a
fair draw gives each about ``forms x quota / candidates``; the *spread* of a
group is its max minus min exposure. The exposure balancer keeps the spread of
an unconstrained group at most 1 after every form. Caps ("at most 2 hard per
chapter") can force some questions below the group's share: a chapter with 11
hard questions and room for 2 per form cannot show each more than 2/11 of the
time. So balance is also measured per *stratum*: the questions of one group that
count against the same caps (the hard ones of a section, the others), which the
balancer keeps within a spread of 2.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Iterable

from .draw import DrawnForm
from .pool import RulePool


@dataclass(frozen=True, slots=True)
class GroupExposure:
    rule: int
    group: str
    candidates: int
    expected: float
    low: int
    high: int

    @property
    def spread(self) -> int:
        return self.high - self.low


@dataclass(frozen=True)
class ExposureReport:
    forms: int
    counts: dict[str, int]
    groups: list[GroupExposure]
    strata: dict[str, tuple[int, int]]
    """'<rule>/<group>/<caps>' -> (min, max) exposure of the questions sharing those caps."""

    @property
    def worst_spread(self) -> int:
        """Largest max - min exposure within a stratum (same rule, group and caps)."""
        return max((hi - lo for lo, hi in self.strata.values()), default=0)

    @property
    def worst_group_spread(self) -> int:
        return max((g.spread for g in self.groups), default=0)

    @property
    def worst_relative(self) -> float:
        """Largest |exposure - expected| / expected over all questions, as a fraction."""
        worst = 0.0
        for g in self.groups:
            if g.expected:
                worst = max(worst, abs(g.high - g.expected) / g.expected, abs(g.low - g.expected) / g.expected)
        return worst

    def summary(self) -> str:
        return (
            f"{self.forms} forms, {len(self.counts)} questions used; exposure spread (max - min) is at most "
            f"{self.worst_spread} among questions under the same limits and {self.worst_group_spread} within a "
            f"section/group, and every question is within {self.worst_relative:.0%} of its group's fair share"
        )


def exposure_report(pools: Iterable[RulePool], forms: Iterable[DrawnForm]) -> ExposureReport:
    forms = list(forms)
    counts: Counter[str] = Counter(q.candidate.gid for f in forms for q in f.questions)
    groups = []
    strata: dict[str, tuple[int, int]] = {}
    for pool in pools:
        members: dict[str, list[str]] = {}
        for c in pool.candidates:
            members.setdefault(pool.group_of(c), []).append(c.gid)
            caps = "+".join(f"{s}:{n}:{d}" for s, n, d in pool.caps_of(c)) or "uncapped"
            key = f"{pool.index}/{pool.group_of(c)}/{caps}"
            n = counts.get(c.gid, 0)
            lo, hi = strata.get(key, (n, n))
            strata[key] = (min(lo, n), max(hi, n))
        for group, gids in sorted(members.items()):
            values = [counts.get(g, 0) for g in gids]
            expected = len(forms) * pool.groups.get(group, 0) / len(gids)
            groups.append(GroupExposure(pool.index, group, len(gids), expected, min(values), max(values)))
    return ExposureReport(len(forms), dict(counts), groups, strata)
