"""``quizlib grade``: grade a class's responses into a gradebook, per-response CSV, feedback and a report."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..grade.console import (
    RejectionPrinter, add_input_arguments, handle_schema_or_missing_input, print_warnings, progress_bar, summary_table,
)


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "grade",
        help="grade a class's responses (JSON Lines or CSV): gradebook, feedback, report",
        description="Grade every row of the responses files. Rows that cannot be read are reported with file and "
        "line, counted, and make the command exit 1 unless --allow-partial; the other rows are still graded.",
    )
    add_input_arguments(p)
    p.add_argument("-o", "--out", type=Path, default=Path("grading"), help="output folder (default: grading)")
    p.add_argument("--book", type=Path, default=Path("book"), help="book folder, to name the section to reread")
    p.add_argument("--book-url", metavar="URL",
                   help="address of the published book's site (where its index.html is), to link each section to reread")
    p.add_argument("--previous", type=Path, help="an earlier gradebook.csv: report whose score changed and by how much")
    p.add_argument("--no-responses", action="store_true", help="do not write responses.csv")
    p.add_argument("--no-feedback", action="store_true", help="do not write feedback/<student>.md")
    p.add_argument("--stats", action="store_true",
                   help="also write the item analysis (stats.html; items.csv, options.csv, test.json)")
    p.add_argument("--title", default="Grading report", help="title of the HTML report")
    return p


def run(args: argparse.Namespace) -> int:
    # Imported here: numpy and matplotlib are needed to grade, not to start the CLI for another command.
    import numpy as np

    from ..grade.outputs import FeedbackWriter, RejectionLog, ResponsesWriter, site_folder, write_gradebook
    from ..grade.regrade import PreviousGradebookError, compare, read_previous, write_changes
    from ..grade.report import grade_html
    from ..grade.run import CourseError, grade_files, load_course

    console = Console(highlight=False)
    err = Console(stderr=True, highlight=False)
    done = handle_schema_or_missing_input(args, err)
    if done is not None:
        return done
    previous = None
    if args.previous:
        try:
            previous = read_previous(args.previous)
        except PreviousGradebookError as exc:
            err.print(f"[red]error:[/] {escape(str(exc))}")
            return 2
    try:
        course = load_course(args.banks or ["quizzes"], args.manifest, args.book)
    except CourseError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        return 2

    print_warnings(err, course.warnings)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    log = RejectionLog(out / "rejected.csv")
    printer = RejectionPrinter(err, log=log.add)
    sinks = []
    if not args.no_responses:
        sinks.append(ResponsesWriter(out / "responses.csv"))
    if not args.no_feedback:
        sinks.append(FeedbackWriter(out / "feedback", course, args.book_url, site_folder(args.book)))
    try:
        with progress_bar(err, list(args.responses)) as tick:
            results, summary = grade_files(args.responses, course, sinks, printer, tick)
    finally:
        log.close()
    printer.finish(str(out / "rejected.csv"))

    written = [str(out / "gradebook.csv")]
    write_gradebook(out / "gradebook.csv", results)
    if not args.no_responses:
        written.append(str(out / "responses.csv"))
    if not args.no_feedback:
        written.append(str(out / "feedback") + "/")
    changes = None
    if previous is not None:
        changes = compare(previous, results)
        write_changes(out / "changes.csv", changes)
        written.append(str(out / "changes.csv"))
    figures: dict[str, str] = {}
    (out / "report.html").write_text(
        grade_html(results, summary, printer.kept, printer.total, changes, args.title, figures, course.warnings),
        encoding="utf-8",
    )
    written += [str(out / "report.html"), str(out / "rejected.csv")]
    if args.stats:
        from ..stats import analyse
        from ..stats.report import stats_html, write_machine_files

        analysis = analyse(results)
        # The same totals, so the same histogram: drawn once for both reports.
        (out / "stats.html").write_text(stats_html(analysis, figures=figures), encoding="utf-8")
        written += [str(out / "stats.html"), *map(str, write_machine_files(out, analysis))]

    score, maximum = results.totals()
    mean = float(np.mean(100 * score / np.where(maximum > 0, maximum, 1))) if len(score) else None
    if changes is not None:
        console.print(_changes_table(changes))
    console.print(summary_table(summary, mean, written))
    if not summary.clean and not args.allow_partial:
        err.print(
            f"[red]{summary.rows_rejected} row(s) rejected[/]"
            + (f" and {sum(summary.problems.values())} header problem(s)" if summary.problems else "")
            + ": fix them, or pass --allow-partial to accept the partial gradebook"
        )
        return 1
    return 0


def _changes_table(changes, limit: int = 20) -> Table:
    from ..grade.compiled import display_number

    t = Table(title=f"Score changes since the previous gradebook: {len(changes)} student(s)", title_justify="left")
    for col in ("student", "before", "after", "change"):
        t.add_column(col, justify="left" if col == "student" else "right")
    for c in changes[:limit]:
        t.add_row(
            escape(c.student),
            "not graded" if c.before is None else display_number(c.before),
            "not graded" if c.after is None else display_number(c.after),
            "" if c.delta is None else ("+" if c.delta > 0 else "") + display_number(c.delta),
        )
    if len(changes) > limit:
        t.add_row(f"... {len(changes) - limit} more in changes.csv", "", "", "")
    return t
