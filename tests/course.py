"""Counts of the shipped course, read from the files, so tests never hard-code them.

The course grows (new sections, new banks); tests that check an export or a lint run
"covers the whole course" compare against these numbers instead of literals.
"""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
BANK_FILES = sorted((ROOT / "quizzes").glob("*/*.yml"))
N_BANKS = len(BANK_FILES)
N_QUESTIONS = sum(len(yaml.safe_load(p.read_text())["questions"]) for p in BANK_FILES)
N_CHAPTERS = len({p.parent.name for p in BANK_FILES})
