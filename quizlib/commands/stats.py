"""``quizlib stats``: item analysis of a class's responses (facility, discrimination, distractors, reliability)."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..grade.console import (
    RejectionPrinter, add_input_arguments, handle_schema_or_missing_input, print_warnings, progress_bar,
)


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "stats",
        help="item analysis of a class's responses: which questions worked",
        description="Grade the responses (as `quizlib grade` does) and report Moodle's and Canvas's item statistics, "
        "distractor analysis and test reliability, with review flags.",
    )
    add_input_arguments(p)
    p.add_argument("-o", "--output", type=Path, default=Path("stats.html"), help="HTML report (default: stats.html)")
    p.add_argument("--csv", type=Path, help="also write the per-question figures as CSV (full precision)")
    p.add_argument("--options-csv", type=Path, help="also write the per-option figures (distractor analysis) as CSV")
    p.add_argument("--test-json", type=Path, help="also write the test-level figures (mean, SD, alpha ...) as JSON")
    p.add_argument("--title", default="Item analysis", help="title of the HTML report")
    return p


def run(args: argparse.Namespace) -> int:
    # Imported here: numpy and matplotlib are needed to analyse, not to start the CLI for another command.
    from ..grade.run import CourseError, grade_files, load_course
    from ..stats import analyse
    from ..stats.report import stats_html, write_item_csv, write_option_csv, write_test_json

    console = Console(highlight=False)
    err = Console(stderr=True, highlight=False)
    done = handle_schema_or_missing_input(args, err)
    if done is not None:
        return done
    try:
        course = load_course(args.banks or ["quizzes"], args.manifest)
    except CourseError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        return 2
    print_warnings(err, course.warnings)
    printer = RejectionPrinter(err)
    with progress_bar(err, list(args.responses)) as tick:
        results, summary = grade_files(args.responses, course, (), printer, tick)
    printer.finish(None)
    analysis = analyse(results)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(stats_html(analysis, args.title), encoding="utf-8")
    written = [args.output]
    for target, write in ((args.csv, write_item_csv), (args.options_csv, write_option_csv),
                          (args.test_json, write_test_json)):
        if target:
            target.parent.mkdir(parents=True, exist_ok=True)
            write(target, analysis)
            written.append(target)

    t = analysis.test
    summary_t = Table(title="Test", show_header=False, title_justify="left")
    summary_t.add_column("figure")
    summary_t.add_column("value", justify="right")
    for name, value in (
        ("students", f"{t.students:,}"),
        ("questions", str(t.items)),
        ("rows rejected", f"{summary.rows_rejected:,}"),
        ("mean", _f(t.mean)),
        ("median", _f(t.median)),
        ("SD", _f(t.sd)),
        ("skewness", _f(t.skewness, 3)),
        ("KR-20" if t.dichotomous else "Cronbach's alpha", _f(t.alpha, 3)),
        ("error ratio", "–" if t.error_ratio is None else f"{100 * t.error_ratio:.1f}%"),
        ("SEM", _f(t.sem)),
    ):
        summary_t.add_row(name, value)
    console.print(summary_t)
    flagged = [s for s in analysis.items if s.flags]
    ft = Table(title=f"Questions to review: {len(flagged)} of {len(analysis.items)}", title_justify="left")
    for col in ("question", "facility", "discrimination", "why"):
        ft.add_column(col, justify="right" if col in ("facility", "discrimination") else "left", overflow="fold")
    for s in flagged:  # in item order; the HTML report lists them first too
        ft.add_row(
            escape(s.gid),
            "–" if s.facility is None else f"{s.facility:.0%}",
            _f(s.discrimination),
            escape("; ".join(s.flags)),
        )
    console.print(ft)
    console.print("wrote " + ", ".join(escape(str(w)) for w in written))
    if not summary.clean and not args.allow_partial:
        err.print(f"[red]{summary.rows_rejected} row(s) rejected[/]: fix them, or pass --allow-partial")
        return 1
    return 0


def _f(v: float | None, digits: int = 2) -> str:
    return "–" if v is None else f"{v:.{digits}f}"
