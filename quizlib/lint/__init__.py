"""``quizlib lint``: read the book and the banks together and report what would mislead a student.

Modules, one job each: :mod:`.config` (thresholds from pyproject.toml),
:mod:`.book` (section pages, labels, chapter objectives), :mod:`.course`
(banks loaded with positions and allow comments), :mod:`.rules` (one function
per rule), :mod:`.allow` (``# lint-allow`` comments), :mod:`.similarity`
(near-duplicate prompts), :mod:`.coverage` and :mod:`.report` (Rich output);
the test-wise student audit is :mod:`.testwise` (one question's expected score
under each strategy), :mod:`.audit` (sums, thresholds, findings, JSON) and
:mod:`.audit_report` (its table).
"""

from .config import ConfigError, LintConfig, load_config
from .engine import LintResult, lint
from .findings import Finding, Severity
from .rules import RULES

__all__ = ["ConfigError", "Finding", "LintConfig", "LintResult", "RULES", "Severity", "lint", "load_config"]
