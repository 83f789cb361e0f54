"""``quizlib lint``: check the banks against the book and against item-writing rules.

Thin by design: argument parsing here, the work in :mod:`quizlib.lint`.
Exit status: 0 when there are no errors (warnings allowed), 1 with errors, or
with warnings under ``--strict``, or when the lint configuration is invalid.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.console import Console

from ..config import CourseConfigError
from ..lint import ConfigError, lint, load_config
from ..lint.audit import audit_json
from ..lint.report import print_report


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "lint",
        help="check banks against the book (sources, objectives, coverage) and for answer cues",
        description="Errors fail the run; warnings fail it only with --strict. Explain a false-positive "
        "warning in the bank with '# lint-allow: <rule> <reason>'. Thresholds: [tool.quizlib.lint] in "
        "ROOT/pyproject.toml. Secure pools (pools/) are checked too, and a table shows how many secure questions "
        "each objective has.",
    )
    p.add_argument("--root", type=Path, default=Path("."), help="project root holding pyproject.toml (default: .)")
    p.add_argument("--book", default="book", help="book folder, relative to --root (default: book)")
    p.add_argument("--quizzes", default="quizzes", help="banks folder, relative to --root (default: quizzes)")
    p.add_argument("--pools", help="secure pools folder, relative to --root (default: [tool.quizlib] secure_pools, "
                                   "or $QUIZLIB_SECURE_POOLS, else pools)")
    p.add_argument("--strict", action="store_true", help="fail on warnings too")
    p.add_argument("--extra-banks", action="append", metavar="PATH", default=None,
                   help="further banks outside the book to compare for near-duplicate prompts (secure pools "
                   "are compared already); repeatable; relative to --root")
    p.add_argument("--audit-json", type=Path, metavar="FILE",
                   help="also write the test-wise audit (every strategy's score and chance, per item, bank, "
                   "chapter and course; the secure pools' figures under \"pools\") as JSON")
    return p


def run(args: argparse.Namespace) -> int:
    console = Console(highlight=False)
    try:
        config = load_config(args.root)
    except ConfigError as exc:
        Console(stderr=True, highlight=False).print(f"[red]error:[/] {exc}", soft_wrap=True)
        return 1
    try:
        result = lint(args.root, args.book, args.quizzes, config, args.pools, args.extra_banks or ())
    except CourseConfigError as exc:
        Console(stderr=True, highlight=False).print(f"[red]error:[/] {exc}", soft_wrap=True)
        return 1
    print_report(result, config.min_questions_per_objective, args.strict, console)
    if args.audit_json:
        try:
            args.audit_json.write_text(json.dumps(audit_json(result.audit, result.pool_audit), indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            Console(stderr=True, highlight=False).print(f"[red]error:[/] cannot write {args.audit_json}: {exc}",
                                                        soft_wrap=True)
            return 1
        console.print(f"test-wise audit written to {args.audit_json}", soft_wrap=True)
    return result.exit_code(args.strict)
