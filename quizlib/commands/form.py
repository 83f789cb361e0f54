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
        description="Draw one form per student (--students) or N numbered variants (--variants) from a blueprint, "
        "from the course's secure pools unless --banks says otherwise. Writes manifest.json (read by `quizlib grade "
        "--manifest`), forms/*.html, keys/*.key.html and exposure.json.",
    )
    p.add_argument("blueprint", type=Path, help="blueprint YAML file, e.g. blueprints/midterm.yml")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--variants", type=int, metavar="N", help="draw N numbered variants <exam>/v1 .. <exam>/vN")
    who.add_argument("--students", type=Path, metavar="FILE",
                     help="roster: one student id per line, or a CSV file with a student_id column")
    p.add_argument("--banks", nargs="+",
                   help="bank files or folders to draw from (default: the course's secure pools folder, "
                        "[tool.quizlib] secure_pools); the blueprint's chapters and sections name book pages, "
                        "which pools and practice banks share")
    p.add_argument("--pools", metavar="DIR", help="the secure pools folder, when --banks is not given "
                                                   "(default: [tool.quizlib] secure_pools or $QUIZLIB_SECURE_POOLS)")
    p.add_argument("--allow-public-keys", action="store_true",
                   help="draw questions whose key is public (practice banks the book renders, or pool questions "
                        "repeating one); each drawn one is warned about. Without it they are refused.")
    p.add_argument("-o", "--output", type=Path, help="output folder (default: dist/forms/<exam id>)")
    p.add_argument("--manifest-only", action="store_true", help="write manifest.json and exposure.json, no HTML")
    return p


class PublicKeysRefused(Exception):
    """Drawn questions have public keys and --allow-public-keys was not given."""


def _key_check(allow: bool, err: Console):
    """The check ``build_forms`` runs before writing: refuse (or warn about) drawn questions with public keys."""
    from ..public_keys import public_keys, refusal
    from ._banks import practice_banks

    def check(drawn, bank_files) -> None:  # type: ignore[no-untyped-def]
        used = {q.candidate.gid for f in drawn for q in f.questions}
        practice, folder = practice_banks(list(bank_files))
        found = public_keys(list(bank_files.items()), practice, folder, only=used)
        if found and not allow:
            for f in found:
                err.print(f"[red]public key:[/] {f}", soft_wrap=True, markup=True, highlight=False)
            raise PublicKeysRefused(refusal(found))
        for f in found:
            err.print(f"[yellow]warning:[/] question {f}", soft_wrap=True, highlight=False)

    return check


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

    banks = args.banks
    if banks is None:
        from ..config import CourseConfigError, load_course_config

        try:
            pools = load_course_config(pools=args.pools).secure_pools
        except CourseConfigError as exc:
            err.print(f"[red]error:[/] {exc}", soft_wrap=True)
            return 1
        if not pools.is_dir():
            err.print(f"[red]error:[/] no secure pools folder at {pools} ([tool.quizlib] secure_pools); give the banks "
                      "with --banks (practice banks need --allow-public-keys: the book shows their keys)", soft_wrap=True)
            return 1
        banks = [str(pools)]
    try:
        from ..blueprint import load_blueprint

        exam_id = load_blueprint(args.blueprint).blueprint.exam_id
        target = args.output or Path("dist") / "forms" / exam_id
        result = build_forms(args.blueprint, banks, specs_for, target, html=not args.manifest_only,
                             check=_key_check(args.allow_public_keys, err))
    except PublicKeysRefused as exc:
        err.print(f"[red]error:[/] {exc}; no forms written", soft_wrap=True, highlight=False)
        return 1
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
