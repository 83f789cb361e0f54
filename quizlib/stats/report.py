"""Write the item-analysis report (HTML, figures embedded) and the per-item CSV."""

from __future__ import annotations

import csv
import json
from dataclasses import asdict
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
    # Added after the first release, so readers of the columns above keep working.
    "max_points", "random_guess", "intended_weight", "drawn_at_random", "respondents",
    "canvas_top", "canvas_middle", "canvas_bottom", "canvas_correct", "canvas_correct_top", "canvas_correct_middle",
    "canvas_correct_bottom", "canvas_variance", "canvas_stdev", "canvas_difficulty_index",
)


def write_item_csv(path: Path, analysis: Analysis) -> None:
    """``items.csv``: one row per question, every figure with full precision (empty: not defined)."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(ITEM_COLUMNS)
        for s in analysis.items:
            c = s.canvas
            w.writerow((
                s.gid, s.qtype, s.section, s.objective, s.difficulty, s.n,
                *(_f(v) for v in (s.facility, s.sd, s.discrimination, s.efficiency, s.weight, s.upper_lower)),
                "; ".join(s.flags),
                _f(s.max_points), _f(s.random_guess), _f(s.intended_weight), "yes" if s.drawn_at_random else "no",
                s.respondents,
                *(("",) * 10 if c is None else (
                    c.top, c.middle, c.bottom, c.correct, c.correct_top, c.correct_middle, c.correct_bottom,
                    _f(c.variance), _f(c.stdev), _f(c.difficulty_index),
                )),
            ))


OPTION_COLUMNS = (
    "question", "option", "text", "correct", "respondents", "chosen", "share", "share_top", "share_bottom",
    "point_biserial",
)


def write_option_csv(path: Path, analysis: Analysis) -> None:
    """``options.csv``: one row per option of every choice question (the distractor analysis), full precision."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(OPTION_COLUMNS)
        for s in analysis.items:
            for o in s.options:
                w.writerow((
                    s.gid, o.option_id, o.text, "yes" if o.correct else "no", s.respondents, o.chosen,
                    _f(o.share), _f(o.share_top), _f(o.share_bottom), _f(o.point_biserial),
                ))


def whole_test_figures(analysis: Analysis) -> dict:
    """The test as a whole, for ``test.json``: every figure at full precision, with its definition."""
    t = asdict(analysis.test)
    return {
        "test": t,
        "groups": {"top": t["top"], "middle": t["middle"], "bottom": t["bottom"],
                   "rule": "Canvas: top from round(0.73 n), bottom below round(0.27 n), ties to the higher group"},
        "sections": [{"section": sid, "title": title, "percent": pct} for sid, title, pct in analysis.sections],
        "objectives": [{"objective": oid, "percent": pct} for oid, pct in analysis.objectives],
        "definitions": {k: DEFINITIONS[k] for k in (
            "mean", "median", "test_sd", "skewness", "kurtosis", "alpha", "error_ratio", "sem")},
    }


def write_test_json(path: Path, analysis: Analysis) -> None:
    """``test.json``: the test-level figures (JSON keeps every digit of a float)."""
    path.write_text(json.dumps(whole_test_figures(analysis), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_machine_files(folder: Path, analysis: Analysis, stem: str = "") -> list[Path]:
    """``items.csv``, ``options.csv`` and ``test.json`` in ``folder`` (names prefixed by ``stem``)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{stem}items.csv", folder / f"{stem}options.csv", folder / f"{stem}test.json"]
    write_item_csv(paths[0], analysis)
    write_option_csv(paths[1], analysis)
    write_test_json(paths[2], analysis)
    return paths


def _f(v: float | None) -> str:
    """Every digit (a machine file: figures are checked and reused elsewhere); rounding is for the HTML."""
    return "" if v is None else repr(float(v))
