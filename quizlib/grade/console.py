"""Terminal side of ``quizlib grade`` and ``quizlib stats``: shared options, progress, rejections, summary."""

from __future__ import annotations

import argparse
import json
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn
from rich.table import Table

from .attempts import Rejection, attempt_schema

if TYPE_CHECKING:  # the grading machinery (numpy) is imported when a command runs, not when the CLI starts
    from .run import GradeSummary

#: Rejections printed to the terminal; all of them go to rejected.csv.
PRINT_LIMIT = 50
#: Inputs smaller than this finish before a progress bar would be worth drawing.
PROGRESS_BYTES = 4 * 1024 * 1024


def add_input_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("responses", nargs="*", type=Path, help="responses files: .jsonl (one attempt per line) or .csv")
    p.add_argument("--banks", action="append", metavar="PATH",
                   help="a bank file or folder; repeat for several (default: quizzes)")
    p.add_argument("--manifest", type=Path, help="form manifest written by `quizlib form`, for rows that name a form")
    p.add_argument("--allow-partial", action="store_true",
                   help="exit 0 even when some rows were rejected (they are still reported and counted)")
    p.add_argument("--schema", nargs="?", const="-", metavar="PATH",
                   help="write the JSON Schema of one JSON Lines attempt (to PATH or standard output) and exit")


def handle_schema_or_missing_input(args: argparse.Namespace, err: Any) -> int | None:
    """The exit code when the command is done before reading input (--schema, or no files), else None."""
    if args.schema:
        write_schema(args.schema)
        return 0
    if not args.responses:
        err.print("[red]error:[/] give at least one responses file (or --schema)")
        return 2
    return None


def write_schema(target: str) -> None:
    text = json.dumps(attempt_schema(), indent=2, ensure_ascii=False) + "\n"
    if target == "-":
        print(text, end="")
    else:
        Path(target).write_text(text, encoding="utf-8")


class RejectionPrinter:
    """Prints each rejection as ``file:line: reason: message`` (the first PRINT_LIMIT), keeps the first few for the report."""

    def __init__(self, err: Console, keep: int = 1000, log: Callable[[Rejection], None] | None = None):
        self.err = err
        self.kept: list[Rejection] = []
        self.keep = keep
        self.total = 0
        self.log = log

    def __call__(self, r: Rejection) -> None:
        self.total += 1
        if self.total <= PRINT_LIMIT:
            self.err.print(f"[bold]{escape(r.file)}:{r.line}[/]: [red]{r.reason.value}[/]: {escape(r.message)}", soft_wrap=True)
        if len(self.kept) < self.keep:
            self.kept.append(r)
        if self.log is not None:
            self.log(r)

    def finish(self, where: str | None) -> None:
        if self.total > PRINT_LIMIT:
            more = f"; all are listed in {where}" if where else ""
            self.err.print(f"... and {self.total - PRINT_LIMIT} more rejected row(s){more}")


@contextmanager
def progress_bar(console: Console, paths: list[Path]) -> Iterator[Callable[[Path, int], None] | None]:
    sizes = {p: (p.stat().st_size if p.is_file() else 0) for p in paths}
    total = sum(sizes.values())
    if total < PROGRESS_BYTES or not console.is_terminal:
        yield None
        return
    offsets, acc = {}, 0
    for p in paths:
        offsets[p] = acc
        acc += sizes[p]
    with Progress("grading", BarColumn(), DownloadColumn(), TimeRemainingColumn(), console=console, transient=True) as bar:
        task = bar.add_task("grading", total=total)
        yield lambda path, done: bar.update(task, completed=offsets.get(path, 0) + done)


def print_warnings(err: Console, warnings: list[str]) -> None:
    """Each warning on its own line, so a script can count them; grading goes on."""
    for w in warnings:
        err.print(f"[yellow]warning:[/] {escape(w)}", soft_wrap=True)


def summary_table(summary: GradeSummary, mean_percent: float | None, outputs: list[str]) -> Table:
    t = Table(title="Grading summary", show_header=False, title_justify="left")
    t.add_column("what")
    t.add_column("value", justify="right")
    t.add_row("files", str(len(summary.files)))
    t.add_row("rows read", f"{summary.rows_read:,}")
    t.add_row("rows graded", f"{summary.rows_graded:,}")
    for reason, n in sorted(summary.rejected.items(), key=lambda x: -x[1]):
        t.add_row(f"[red]rejected: {reason.value}[/]", f"{n:,}")
    for reason, n in sorted(summary.problems.items(), key=lambda x: -x[1]):
        t.add_row(f"[red]header problem: {reason.value}[/]", f"{n:,}")
    t.add_row("students", f"{summary.students:,}")
    t.add_row("responses graded", f"{summary.responses:,}")
    t.add_row("mean score", "–" if mean_percent is None else f"{mean_percent:.1f}%")
    t.add_row("time", f"{summary.seconds:.2f} s")
    for o in outputs:
        t.add_row("wrote", escape(o))
    return t
