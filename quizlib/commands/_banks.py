"""Loading banks for a command and printing their errors, the same way in every command."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from ..loader import BankError, LoadReport, load_banks
from ..models import Bank


def print_bank_error(err: Console, e: BankError) -> None:
    where = f"[bold]{e.file}:{e.line}:{e.column}[/]"
    who = f" question [cyan]{e.question_id}[/]" if e.question_id else ""
    fld = f" [magenta]{e.field}[/]" if e.field else ""
    err.print(f"{where}:{who}{fld}: {e.message}", markup=True, soft_wrap=True, highlight=False)


def load_or_report(paths: list[str], err: Console, failing: str) -> LoadReport | None:
    """The banks under ``paths``, or ``None`` after printing every located error.

    ``failing`` finishes the summary line, e.g. "nothing exported".
    """
    report = load_banks(paths)
    if report.files == 0:
        err.print(f"[red]error:[/] no bank files (*.yml) found in {' '.join(paths)}")
        return None
    for e in report.errors:
        print_bank_error(err, e)
    if report.errors:
        bad_files = len({e.file for e in report.errors})
        err.print(f"[red]{len(report.errors)} error(s) in {bad_files} of {report.files} file(s); {failing}[/]")
        return None
    return report


def practice_banks(used: list[Path]) -> tuple[list[Bank], Path | None]:
    """The course's practice banks (the book renders them) and their folder, to spot pool questions that
    repeat one and secure banks left in the public folder.

    Read from ``[tool.quizlib] practice_banks`` of the project holding the first file in
    ``used``; files that do not load are skipped here (``quizlib lint`` reports them).
    """
    from ..config import find_root, load_course_config

    if not used:
        return [], None
    config = load_course_config(find_root(Path(used[0]).resolve().parent))
    if not config.practice_banks.is_dir():
        return [], None
    return list(load_banks([config.practice_banks]).banks.values()), config.practice_banks
