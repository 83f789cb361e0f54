"""What a lint rule reports: one located finding, with a severity and a rule code.

A finding carries the same coordinates an author needs to act on it (file,
line, question id) and a short kebab-case rule code, which is also what a
``# lint-allow: <code> <reason>`` comment names to explain a warning away.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Severity(str, Enum):
    """Errors fail the lint; warnings fail it only under ``--strict``."""

    error = "error"
    warning = "warning"


@dataclass(frozen=True, order=True)
class Finding:
    """One problem, located. ``file`` is relative to the project root (POSIX form) so output is stable."""

    file: str
    line: int
    rule: str
    severity: Severity
    message: str
    question_id: str | None = None

    def __str__(self) -> str:
        who = f" [{self.question_id}]" if self.question_id else ""
        return f"{self.file}:{self.line}: {self.severity.value} {self.rule}{who}: {self.message}"
