"""``quizlib export``: write the banks as LMS imports (QTI for Canvas, Moodle XML, GIFT)."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.table import Table

from ..export import Severity, exporter_names, get_exporter
from ..export.runner import export_course
from ._banks import load_or_report


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    names = exporter_names()
    p = sub.add_parser(
        "export", help="export banks for an LMS: " + ", ".join(names),
        description="Export banks to LMS import files, with a per-question report (export-report.md/.json) "
        "of everything a format could not carry.",
    )
    p.add_argument("paths", nargs="*", default=["quizzes"], help="bank files or folders (default: quizzes)")
    p.add_argument("-f", "--format", dest="formats", action="append", choices=[*names, "all"],
                   help="format to write (repeatable; default: all)")
    p.add_argument("-o", "--output", type=Path, default=Path("dist") / "exports", help="output folder (default: dist/exports)")
    p.add_argument("--name", default="course", help="file name stem (default: course)")
    p.add_argument("--title", default="Military Diplomacy", help="course title used for categories and the QTI package")
    p.add_argument("--ordering", choices=["native", "matching"],
                   help="Moodle/GIFT: write ordering questions natively (Moodle 4.4+) or as item->position matching "
                        "(default: native for Moodle XML, matching for GIFT)")
    p.add_argument("-v", "--verbose", action="store_true", help="print every note, per question")
    return p


def run(args: argparse.Namespace) -> int:
    out = Console(highlight=False)
    err = Console(stderr=True, highlight=False)
    report = load_or_report(args.paths, err, failing="nothing exported")
    if report is None:
        return 1
    formats = exporter_names() if not args.formats or "all" in args.formats else list(dict.fromkeys(args.formats))
    options = {"ordering": args.ordering} if args.ordering else {}
    reports = export_course(list(report.banks.values()), formats, args.output, stem=args.name,
                            title=args.title, options=options)
    table = Table(title=f"Exported {reports[0].questions} questions from {reports[0].banks} banks")
    for col in ("format", "file", "questions with notes", "lost", "changed"):
        table.add_column(col)
    for r in reports:
        table.add_row(get_exporter(r.format).label, str(r.path), str(r.affected),
                      str(r.count(Severity.lost)), str(r.count(Severity.changed)))
    out.print(table)
    if args.verbose:
        for r in reports:
            for n in r.notes:
                out.print(f"[bold]{r.format}[/] [cyan]{n.qid}[/] {n.severity.value}: {n.message}", soft_wrap=True)
    out.print(f"Per-question report: {args.output / 'export-report.md'} (and .json)")
    return 0
