"""Issue 16 figures: what the test-wise audit adds to a `quizlib lint` run on the course.

    .venv/bin/python benchmarks/bench_lint_audit.py

The audit grades every response each strategy may give (and every blind guess:
all 31 non-empty subsets of a five-option multiple-response item) with
:func:`quizlib.grading.grade`, exactly, instead of sampling. Baseline, measured in
the same run: the rest of the lint (load the book and the banks, every other rule,
coverage), so the ratio says what exact enumeration costs.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _machine import machine, median_time  # noqa: E402

from quizlib.lint import lint, load_config  # noqa: E402
from quizlib.lint.audit import run_audit  # noqa: E402
from quizlib.lint.course import load_course  # noqa: E402
from quizlib.lint.coverage import coverage  # noqa: E402
from quizlib.lint.rules import run_checks  # noqa: E402
from quizlib.lint.testwise import _stem, content_words  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    config = load_config(ROOT)

    def rest() -> None:
        course = load_course(ROOT, ROOT / "book", ROOT / "quizzes")
        run_checks(course, config)
        coverage(course, config)

    course = load_course(ROOT, ROOT / "book", ROOT / "quizzes")

    def audit() -> None:
        content_words.cache_clear()  # each lint run starts with cold word caches
        _stem.cache_clear()
        run_audit(course, config)

    t_rest = median_time(rest, repeat=5)
    t_audit = median_time(audit, repeat=5)
    t_lint = median_time(lambda: lint(ROOT, config=config), repeat=5)
    result = run_audit(course, config)
    items = sum(1 for i in result.course.items if i.chance is not None)
    print(f"machine: {machine()}")
    print(f"{len(result.course.items)} questions, {items} with a strategy, {len(result.banks)} banks")
    print(f"rest of the lint (baseline): {t_rest * 1000:7.0f} ms (median of 5)")
    print(f"test-wise audit:             {t_audit * 1000:7.0f} ms (median of 5)  {t_audit / t_rest:.2f}x the baseline")
    print(f"whole lint with the audit:   {t_lint * 1000:7.0f} ms (median of 5)")


if __name__ == "__main__":
    main()
