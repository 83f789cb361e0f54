"""Run the whole lint: load the course, apply every rule, honour allow comments, compute coverage."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from .allow import apply_allows
from .audit import Audit, audit_findings, run_audit
from .config import LintConfig, load_config
from .course import Course, load_course
from .coverage import ChapterCoverage, coverage
from .findings import Finding, Severity
from .pools import ObjectiveExposure, exposure, pool_checks
from .rules import RULES, run_checks


@dataclass
class LintResult:
    findings: list[Finding]
    suppressed: list[Finding]
    chapters: list[ChapterCoverage]
    total: ChapterCoverage
    course: Course
    audit: Audit
    """The test-wise audit of the practice banks."""
    pool_audit: Audit | None
    """The test-wise audit of the secure pools (None when the course has none), judged by the same limits."""
    exposure: list[ObjectiveExposure]
    """Secure (and practice) questions per objective: can a randomized exam be drawn from the pools?"""

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.error]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.warning]

    def counts(self) -> Counter[str]:
        """Findings per rule code."""
        return Counter(f.rule for f in self.findings)

    def exit_code(self, strict: bool = False) -> int:
        return 1 if self.errors or (strict and self.warnings) else 0


def _resolve(root: Path, path: Path | str) -> Path:
    path = Path(path)
    return path if path.is_absolute() else root / path


def lint(
    root: Path | str = ".",
    book: Path | str = "book",
    quizzes: Path | str = "quizzes",
    config: LintConfig | None = None,
    pools: Path | str | None = None,
    extra_banks: Sequence[Path | str] = (),
) -> LintResult:
    """Lint the course under ``root``; relative ``book``/``quizzes``/``pools`` are taken from ``root``.

    ``pools`` defaults to the course's secure pools folder (``[tool.quizlib] secure_pools``,
    see :mod:`quizlib.config`); a folder that does not exist means no pools.
    ``extra_banks`` (files or folders) are further banks outside the book, compared with the
    course only for near-duplicate prompts.

    Raises :class:`~quizlib.lint.config.ConfigError` when no config is given and
    ``root/pyproject.toml`` has no valid ``[tool.quizlib.lint]``.
    """
    from ..config import load_course_config

    root = Path(root)
    config = config or load_config(root)
    pools_dir = _resolve(root, pools) if pools is not None else load_course_config(root).secure_pools
    course = load_course(root, _resolve(root, book), _resolve(root, quizzes), pools_dir,
                         [_resolve(root, p) for p in extra_banks])
    allows = [a for bank in course.banks + course.pools for a in bank.allows]
    known = {code: rule.severity for code, rule in RULES.items()}
    audit = run_audit(course, config)
    pool_audit = run_audit(course, config, kind="pools") if course.pools else None
    found = run_checks(course, config) + pool_checks(course, config) + audit_findings(audit)
    if pool_audit is not None:
        found += audit_findings(pool_audit)
    reported, suppressed = apply_allows(found, allows, known)
    chapters, total = coverage(course, config)
    return LintResult(sorted(reported), sorted(suppressed), chapters, total, course, audit, pool_audit,
                      exposure(course))
