"""The ``quizlib`` command: a thin argparse layer over the library's modules.

Each subcommand lives in :mod:`quizlib.commands` as a module with
``add_parser(subparsers)`` and ``run(args) -> int``; modules are discovered, so a
new command is one new file and never touches the others.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from . import commands


def command_names() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(commands.__path__) if not m.name.startswith("_"))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="quizlib",
        description="Validate, lint, render, export and grade the course's quiz banks.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in command_names():
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
