"""The ``quizlib`` command: a thin argparse layer over the library's modules.

Each subcommand lives in :mod:`quizlib.commands` as ``add_parser(subparsers)``
plus ``run(args) -> int``; this file only wires them together, so a new command
never touches the others.
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS = ["validate", "schema"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="quizlib",
        description="Validate, lint, render, export and grade the course's quiz banks.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"quizlib.commands.{name}")
        p = module.add_parser(sub)
        p.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args._run(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
