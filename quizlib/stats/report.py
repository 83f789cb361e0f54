"""Write the item-analysis report (HTML, figures embedded) and the per-item CSV."""

from __future__ import annotations

import csv
from pathlib import Path

from ..grade.html import render
from . import plots
from .analysis import DEFINITIONS, Analysis


def stats_html(analysis: Analysis, title: str = "Item analysis", figures: dict[str, str] | None = None) -> str:
    """The report; ``figures`` may hold the score distribution and section mastery already drawn for this class."""
    items = analysis.items
    known = figures or {}
    figures = {
        "distribution": known.get("distribution")
        or plots.score_distribution(analysis.totals, analysis.test.unit, analysis.test.max_points),
        "sections": known.get("sections") or plots.section_mastery([(sid, pct) for sid, _, pct in analysis.sections]),
        "scatter": plots.facility_discrimination(
            [it.gid.rsplit("/", 1)[-1] for it in items],
            [it.facility for it in items],
            [it.discrimination for it in items],
            [bool(it.flags) for it in items],
        ),
    }
    return render("stats-report.html.j2", title=title, a=analysis, d=DEFINITIONS, figures=figures)


ITEM_COLUMNS = (
    "question", "type", "section", "objective", "difficulty", "n", "facility", "sd", "discrimination",
    "efficiency", "weight", "upper_lower", "flags",
)


def write_item_csv(path: Path, analysis: Analysis) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(ITEM_COLUMNS)
        for s in analysis.items:
            w.writerow((
                s.gid, s.qtype, s.section, s.objective, s.difficulty, s.n,
                *(_f(v) for v in (s.facility, s.sd, s.discrimination, s.efficiency, s.weight, s.upper_lower)),
                "; ".join(s.flags),
            ))


def _f(v: float | None) -> str:
    """Every digit (a machine file: figures are checked and reused elsewhere); rounding is for the HTML."""
    return "" if v is None else repr(float(v))
