"""``quizlib validate``: load banks, print every located error, summarise on success."""

from __future__ import annotations

import argparse
from collections import Counter

from rich.console import Console

from ..loader import load_banks


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("validate", help="check bank files against the bank format")
    p.add_argument("paths", nargs="*", default=["quizzes"], help="bank files or folders (default: quizzes)")
    return p


def run(args: argparse.Namespace) -> int:
    console = Console(highlight=False)
    err = Console(stderr=True, highlight=False)
    report = load_banks(args.paths)
    if report.files == 0:
        err.print(f"[red]error:[/] no bank files (*.yml) found in {' '.join(args.paths)}")
        return 1
    for e in report.errors:
        where = f"[bold]{e.file}:{e.line}:{e.column}[/]"
        who = f" question [cyan]{e.question_id}[/]" if e.question_id else ""
        fld = f" [magenta]{e.field}[/]" if e.field else ""
        err.print(f"{where}:{who}{fld}: {e.message}", markup=True, soft_wrap=True)
    if report.errors:
        bad_files = len({e.file for e in report.errors})
        err.print(f"[red]{len(report.errors)} error(s) in {bad_files} of {report.files} file(s)[/]")
        return 1
    types = Counter(q.type for bank in report.banks.values() for q in bank.questions)
    total = sum(types.values())
    by_type = ", ".join(f"{n} {t}" for t, n in sorted(types.items()))
    console.print(f"[green]ok[/]: {len(report.banks)} bank(s), {total} question(s) ({by_type})", soft_wrap=True)
    return 0
