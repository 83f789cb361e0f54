"""``quizlib form``: draw randomized exam forms from a blueprint (see quizlib.forms)."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.table import Table

from ..blueprint import BlueprintError
from ..forms import student_specs, variant_specs
from ..forms.build import build_forms
from ..forms.roster import read_roster
from ..loader import BankLoadError


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "form", help="draw randomized printable exam forms, answer keys and a form manifest from a blueprint",
        description="Draw one form per student (--students) or N numbered variants (--variants) from a blueprint. "
        "Writes manifest.json (read by `quizlib grade --manifest`), forms/*.html, keys/*.key.html and exposure.json.",
    )
    p.add_argument("blueprint", type=Path, help="blueprint YAML file, e.g. blueprints/midterm.yml")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--variants", type=int, metavar="N", help="draw N numbered variants <exam>/v1 .. <exam>/vN")
    who.add_argument("--students", type=Path, metavar="FILE",
                     help="roster: one student id per line, or a CSV file with a student_id column")
    p.add_argument("--banks", nargs="+", default=["quizzes"], help="bank files or folders (default: quizzes)")
    p.add_argument("-o", "--output", type=Path, help="output folder (default: dist/forms/<exam id>)")
    p.add_argument("--manifest-only", action="store_true", help="write manifest.json and exposure.json, no HTML")
    return p


def run(args: argparse.Namespace) -> int:
    out = Console(highlight=False)
    err = Console(stderr=True, highlight=False)
    if args.variants is not None and not 1 <= args.variants <= 100_000:
        err.print("[red]error:[/] --variants must be between 1 and 100000")
        return 2
    ids: list[str] = []
    if args.students is not None:
        try:
            roster = read_roster(args.students)
        except (OSError, UnicodeDecodeError) as exc:
            err.print(f"[red]error:[/] cannot read {args.students}: {exc}")
            return 1
        for e in roster.errors:
            err.print(f"[bold]{e.file}:{e.line}[/]: {e.message}", soft_wrap=True)
        if roster.errors:
            err.print(f"[red]{len(roster.errors)} of {roster.rows} roster row(s) rejected; no forms drawn[/]")
            return 1
        if not roster.ids:
            err.print(f"[red]error:[/] {args.students} lists no student ids")
            return 1
        ids = roster.ids

    def specs_for(exam_id: str):
        return variant_specs(exam_id, args.variants) if args.variants is not None else student_specs(exam_id, ids)

    try:
        from ..blueprint import load_blueprint

        exam_id = load_blueprint(args.blueprint).blueprint.exam_id
        target = args.output or Path("dist") / "forms" / exam_id
        result = build_forms(args.blueprint, args.banks, specs_for, target, html=not args.manifest_only)
    except (BlueprintError, BankLoadError) as exc:
        for e in exc.errors:
            fld = f" [magenta]{e.field}[/]" if e.field else ""
            err.print(f"[bold]{e.file}:{e.line}:{e.column}[/]:{fld}: {e.message}", soft_wrap=True)
        err.print(f"[red]{len(exc.errors)} error(s); no forms written[/]")
        return 1

    bp = result.located.blueprint
    forms = result.manifest.forms
    table = Table(title=f"{bp.title} ({bp.exam_id})", show_header=False)
    table.add_row("forms", f"{len(forms)}")
    table.add_row("questions per form", ", ".join(sorted({str(len(f.questions)) for f in forms})))
    table.add_row("points per form", ", ".join(sorted({f"{f.max_points:g}" for f in forms})))
    if bp.time_limit_minutes:
        table.add_row("time limit", f"{bp.time_limit_minutes} min")
    table.add_row("balance", f"{bp.balance.value}: {result.exposure.summary()}")
    table.add_row("manifest", str(result.manifest_path))
    if result.written:
        table.add_row("forms / keys", f"{result.written[0].form.parent}/ , {result.written[0].key.parent}/")
    out.print(table)
    return 0
