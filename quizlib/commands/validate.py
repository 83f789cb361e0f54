"""``quizlib validate``: load banks, print every located error, summarise on success."""

from __future__ import annotations

import argparse
from collections import Counter

from rich.console import Console

from ._banks import load_or_report


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("validate", help="check bank files against the bank format")
    p.add_argument("paths", nargs="*", default=["quizzes"], help="bank files or folders (default: quizzes)")
    return p


def run(args: argparse.Namespace) -> int:
    console = Console(highlight=False)
    err = Console(stderr=True, highlight=False)
    report = load_or_report(args.paths, err, failing="fix them and validate again")
    if report is None:
        return 1
    types = Counter(q.type for bank in report.banks.values() for q in bank.questions)
    total = sum(types.values())
    by_type = ", ".join(f"{n} {t}" for t, n in sorted(types.items()))
    console.print(f"[green]ok[/]: {len(report.banks)} bank(s), {total} question(s) ({by_type})", soft_wrap=True)
    return 0
