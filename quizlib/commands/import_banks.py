"""``quizlib import``: bring questions exported from Moodle (XML or GIFT) into bank files."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.table import Table

from ..imports import ImportFileError, NoteKind, get_importer, importer_names
from ..imports.banks import plan_banks, write_banks


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    names = importer_names()
    p = sub.add_parser(
        "import", help="import questions from Moodle (" + ", ".join(names) + ") into bank files",
        description="Read a Moodle XML or GIFT file and write one bank per category. Questions of types the banks "
        "do not have are listed with file:line and skipped; fields Moodle lacks (objective, source, difficulty) "
        "are written as TODO placeholders that `quizlib validate` points at.",
    )
    p.add_argument("format", choices=names, help="the file's format")
    p.add_argument("file", type=Path, help="the exported file")
    p.add_argument("-o", "--output", type=Path, required=True,
                   help="folder for the banks, e.g. quizzes/13-imported (pages are named from the path under quizzes/)")
    p.add_argument("--force", action="store_true", help="replace bank files that already exist")
    p.add_argument("-v", "--verbose", action="store_true", help="also list what each question lost or changed")
    return p


def run(args: argparse.Namespace) -> int:
    out = Console(highlight=False)
    err = Console(stderr=True, highlight=False)
    if not args.file.is_file():
        err.print(f"[red]error:[/] {args.file}: no such file")
        return 1
    try:
        result = get_importer(args.format)().read(args.file)
    except ImportFileError as exc:
        err.print(f"[red]error:[/] {exc.file}:{exc.line}: {exc.message}; nothing imported", soft_wrap=True)
        return 1
    banks = plan_banks(result.questions, args.output, result.notes)
    try:
        written = write_banks(banks, overwrite=args.force)
    except FileExistsError as exc:
        err.print(f"[red]error:[/] would replace existing bank file(s): {exc}; use --force to replace; nothing written",
                  soft_wrap=True)
        return 1
    skipped = [n for n in result.notes if n.kind is NoteKind.skipped]
    for n in skipped:
        err.print(f"[bold]{n.file}:{n.line}[/]: [yellow]skipped[/] [cyan]{n.question}[/]: {n.message}", soft_wrap=True)
    if args.verbose:
        for n in result.notes:
            if n.kind is not NoteKind.skipped:
                out.print(f"{n.file}:{n.line}: [cyan]{n.question}[/] {n.kind.value}: {n.message}", soft_wrap=True)
    imported = sum(len(b.data["questions"]) for b in banks)
    table = Table(title=f"Imported {imported} question(s) into {len(written)} bank(s); {len(skipped)} skipped")
    for col in ("bank file", "questions", "TODO placeholders"):
        table.add_column(col)
    for bank in banks:
        table.add_row(str(bank.path), str(len(bank.data["questions"])), str(bank.placeholders))
    out.print(table)
    lost = sum(1 for n in result.notes if n.kind is NoteKind.lost)
    changed = sum(1 for n in result.notes if n.kind is NoteKind.changed)
    if lost or changed:
        out.print(f"{lost} part(s) lost, {changed} changed" + ("" if args.verbose else " (-v lists them)"))
    if any(b.placeholders for b in banks):
        out.print(f"Next: replace each TODO, then [bold]quizlib validate {args.output}[/] (it lists every one left).",
                  soft_wrap=True)
    return 0 if imported else 1
