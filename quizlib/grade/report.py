"""The HTML report of a grading run: summary, rows not graded, regrade changes, distribution, mastery."""

from __future__ import annotations

import numpy as np

from ..stats import plots
from ..stats.analysis import mastery
from .attempts import Rejection
from .classbook import ClassResults
from .compiled import display_number
from .html import render
from .outputs import gradebook_rows
from .regrade import ScoreChange
from .run import GradeSummary

#: Long lists are cut in the page (the CSV files have everything).
MAX_ROWS = 1000


def grade_html(
    results: ClassResults,
    summary: GradeSummary,
    rejections: list[Rejection],
    rejections_total: int,
    changes: list[ScoreChange] | None,
    title: str = "Grading report",
    figures: dict[str, str] | None = None,
    warnings: list[str] | None = None,
) -> str:
    """The page; ``figures`` (if given) receives the drawn PNGs, for another report to reuse."""
    score, maximum = results.totals()
    with np.errstate(invalid="ignore", divide="ignore"):
        percent = np.where(maximum > 0, 100 * score / np.where(maximum > 0, maximum, 1), 0.0)
    common = bool(len(maximum)) and bool(np.all(maximum == maximum[0]))
    totals = score if common else percent
    sections = _mastery(results, "section")
    # For people: two decimals (16.67); gradebook.csv keeps every digit.
    students = [
        (student, display_number(s), display_number(m), "" if p == "" else display_number(p))
        for student, s, m, p in (row[:4] for row in gradebook_rows(results, 0, MAX_ROWS))
    ]
    figures = figures if figures is not None else {}
    figures["distribution"] = plots.score_distribution(
        totals, "points" if common else "% of each student's maximum", float(maximum[0]) if common else None
    )
    figures["sections"] = plots.section_mastery([(sid, pct) for sid, _, pct in sections])
    return render(
        "grade-report.html.j2",
        title=title,
        summary=summary,
        rejected=sorted(((r.value, n) for r, n in summary.rejected.items()), key=lambda x: -x[1]),
        problems=sorted(((r.value, n) for r, n in summary.problems.items()), key=lambda x: -x[1]),
        mean_percent=float(percent.mean()) if len(percent) else None,
        rejections=rejections[:MAX_ROWS],
        rejections_more=rejections_total > min(len(rejections), MAX_ROWS),
        rejections_total=rejections_total,
        changes=None if changes is None else changes[:MAX_ROWS],
        changes_total=0 if changes is None else len(changes),
        figures=figures,
        sections=sections,
        objectives=[(k, v) for k, _, v in _mastery(results, "objective")],
        students=students,
        students_more=len(results.students) > MAX_ROWS,
        warnings=warnings or [],
    )


def _mastery(results: ClassResults, by: str) -> list[tuple[str, str, float]]:
    earned, available = results.item_sums()
    return mastery(results, earned, available, by)
