"""Draw forms from a blueprint: which questions each form gets, reproducibly.

Forms are drawn in the order given (numbered variants v1..vN, or the roster's
order). In ``exposure`` balance (the default) each form takes, rule by rule, the
questions used least so far, ties broken by ``sha256(exam id, form key, question
id)``; so form *k* is a function of the exam id, the blueprint, the banks and
the keys of forms 1..k, and appending students to a roster never changes the
forms already drawn. In ``independent`` balance the sha256 key alone decides, so a
form is a function of (exam id, form key) only.

Before any form is drawn every rule is checked against the banks; a rule they
cannot satisfy fails with the rule's line and the constraint that breaks
(:class:`DrawError`), e.g. "at most 2 hard per chapter cannot be met in chapter
05-alliances: its sections need at least 3 hard questions".
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Sequence

from ..blueprint import Balance, BlueprintError, LocatedBlueprint
from ..loader import BankError
from ..models import Bank
from .plan import RulePlan
from .pool import Candidate, RulePool, resolve
from ..sampling import stable_key


class DrawError(BlueprintError):
    """The banks cannot satisfy a rule (or the total points); each error names the constraint and its line."""


@dataclass(frozen=True, slots=True)
class FormSpec:
    """Whom a form is for. ``key`` seeds every sha256 choice of the form."""

    form_id: str
    key: str
    student_id: str | None = None
    variant: int | None = None


def variant_specs(exam_id: str, n: int) -> list[FormSpec]:
    """Numbered variants ``<exam>/v1`` .. ``<exam>/vN``."""
    return [FormSpec(f"{exam_id}/v{i}", f"v{i}", variant=i) for i in range(1, n + 1)]


def student_specs(exam_id: str, student_ids: Iterable[str]) -> list[FormSpec]:
    """One form per student, ``<exam>/<student id>``, in roster order."""
    return [FormSpec(f"{exam_id}/{sid}", sid, student_id=sid) for sid in student_ids]


@dataclass(frozen=True, slots=True)
class DrawnQuestion:
    candidate: Candidate
    points: float
    rule: int


@dataclass(frozen=True, slots=True)
class DrawnForm:
    spec: FormSpec
    questions: tuple[DrawnQuestion, ...]
    """In the order printed on the form."""

    @property
    def points(self) -> float:
        return sum(q.points for q in self.questions)


class Drawer:
    """Checks a blueprint against the banks once, then draws forms in sequence."""

    def __init__(self, located: LocatedBlueprint, banks: Iterable[Bank]):
        self.located = located
        self.blueprint = located.blueprint
        self.pools: list[RulePool] = resolve(located, banks)
        self.exposure: Counter[str] = Counter()
        errors: list[BankError] = []
        for pool in self.pools:
            plan = RulePlan(pool, pool.candidates)
            if not plan.feasible():
                errors.extend(self._diagnose(pool, plan, ""))
        if errors:
            raise DrawError(errors)

    # -- drawing ---------------------------------------------------------------------

    def draw(self, specs: Sequence[FormSpec]) -> list[DrawnForm]:
        return [self.draw_next(spec) for spec in specs]

    def draw_next(self, spec: FormSpec) -> DrawnForm:
        """The next form in sequence; updates exposure counts."""
        exam = self.blueprint.exam_id
        exposure_first = self.blueprint.balance is Balance.exposure
        taken: set[str] = set()
        picks: list[DrawnQuestion] = []
        for pool in self.pools:
            candidates = [c for c in pool.candidates if c.gid not in taken]
            plan = RulePlan(pool, candidates)
            if not plan.feasible():
                where = f" on form {spec.form_id}, once the earlier rules had taken their questions"
                raise DrawError(self._diagnose(pool, plan, where))
            if exposure_first:
                candidates.sort(key=lambda c: (self.exposure[c.gid], stable_key(exam, spec.key, c.gid)))
            else:
                candidates.sort(key=lambda c: stable_key(exam, spec.key, c.gid))
            points = pool.rule.points
            for c in candidates:
                plan.withdraw(c)
                if plan.take(c):
                    taken.add(c.gid)
                    picks.append(DrawnQuestion(c, points if points is not None else c.question.points, pool.index))
                    if plan.done:
                        break
            if not plan.done:  # cannot happen when the plan was feasible (see quizlib.forms.plan)
                raise AssertionError(f"draw of {pool.rule.describe(pool.index)} stopped short on {spec.form_id}")
        if self.blueprint.shuffle_questions:
            picks.sort(key=lambda p: stable_key(exam, spec.key, "order", p.candidate.gid))
        else:
            picks.sort(key=lambda p: (p.rule, p.candidate.order))
        form = DrawnForm(spec, tuple(picks))
        total = self.blueprint.total_points
        if total is not None and abs(form.points - total) > 1e-9:
            raise DrawError([self.located.error(
                ("total_points",),
                f"total_points is {total:g} but form {spec.form_id} totals {form.points:g} "
                f"({len(picks)} questions); set 'points' on the draw rules or change total_points",
            )])
        self.exposure.update(p.candidate.gid for p in picks)
        return form

    # -- messages ----------------------------------------------------------------------

    def _diagnose(self, pool: RulePool, plan: RulePlan, where: str) -> list[BankError]:
        """Name the constraint that cannot be met: a group with too few questions, then a cap."""
        rule, i = pool.rule, pool.index
        kind = rule.quota_kind
        quota_field = {"section": "per_section", "chapter": "per_chapter", "rule": "count"}[kind]
        matching = f" matching {pool.filters}" if pool.filters else ""
        errors = []
        for group, need in plan.remaining.items():
            have = plan.uncapped[group] + sum(n for (g, _), n in plan.capped.items() if g == group)
            if have < need:
                if kind == "rule":
                    text = f"{rule.describe(i)} asks for {need} questions but its chapters/sections hold only {have}{matching}{where}"
                else:
                    text = f"{rule.describe(i)} asks for {need} per {kind} but {kind} '{group}' has only {have} question(s){matching}{where}"
                errors.append(self.located.error(("draw", i, quota_field), text))
        if errors:
            return errors
        for cap in sorted(pool.caps):
            scope, name, difficulty = cap
            more = plan.needed_through(cap)  # still to take under this cap, every other cap lifted
            if more <= plan.cap_room[cap]:
                continue
            used = pool.caps[cap] - plan.cap_room[cap]
            field = "max_total" if scope == "total" else f"max_per_{scope}"
            place = "in total" if scope == "total" else f"in {scope} '{name}'"
            errors.append(self.located.error(
                ("draw", i, field, difficulty),
                f"{rule.describe(i)}: at most {pool.caps[cap]} {difficulty} {place} cannot be met: its {kind}s "
                f"need at least {used + more} {difficulty} question(s), having too few other questions{matching}{where}",
            ))
        if not errors:
            limits = ", ".join(f"{s} {n} {d} ≤ {pool.caps[(s, n, d)]}" for s, n, d in sorted(pool.caps))
            errors.append(self.located.error(
                ("draw", i), f"{rule.describe(i)}: its limits cannot all be met together ({limits}){where}"
            ))
        return errors


def draw_forms(located: LocatedBlueprint, banks: Iterable[Bank], specs: Sequence[FormSpec]) -> list[DrawnForm]:
    """Check the blueprint against the banks and draw every form in ``specs`` in order."""
    return Drawer(located, banks).draw(specs)
