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


def _midterm_counts() -> tuple[int, int]:
    """(questions on one midterm form, questions the midterm draws from), from blueprints/midterm.yml.

    The committed midterm takes ``per_section`` questions from every section of the
    chapters it lists, one point each; the counts grow as chapters gain sections.
    """
    blueprint = ROOT / "blueprints" / "midterm.yml"
    if not blueprint.exists():
        return 0, 0
    rule = yaml.safe_load(blueprint.read_text())["draw"][0]
    chapters = {int(c) for c in rule["chapters"]}
    banks = [p for p in BANK_FILES if int(p.parent.name[:2]) in chapters]
    return rule["per_section"] * len(banks), sum(len(yaml.safe_load(p.read_text())["questions"]) for p in banks)


MIDTERM_QUESTIONS, MIDTERM_POOL = _midterm_counts()
