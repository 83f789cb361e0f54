"""``quizlib schema``: write the JSON Schema of a bank file, for editor autocompletion."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..bank_schema import bank_schema


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("schema", help="print or write the JSON Schema of a bank file")
    p.add_argument("-o", "--output", type=Path, help="write to this file instead of standard output")
    return p


def run(args: argparse.Namespace) -> int:
    text = json.dumps(bank_schema(), indent=2, ensure_ascii=False) + "\n"
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0
