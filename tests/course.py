"""Counts of the shipped course, read from the files, so tests never hard-code them.

The course grows (new sections, new banks); tests that check an export or a lint run
"covers the whole course" compare against these numbers instead of literals.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator

import yaml

ROOT = Path(__file__).resolve().parent.parent
BANK_FILES = sorted((ROOT / "quizzes").glob("*/*.yml"))
N_BANKS = len(BANK_FILES)
N_QUESTIONS = sum(len(yaml.safe_load(p.read_text())["questions"]) for p in BANK_FILES)
N_CHAPTERS = len({p.parent.name for p in BANK_FILES})


#: A MyST citation role and its keys: {cite}`a`, {cite:t}`a,b`, {cite:p}`a`.
CITE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")


def strings(node: Any) -> Iterator[str]:
    """Every string in a parsed YAML value (a question, a bank), depth first."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for v in node.values():
            yield from strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from strings(v)
