"""Grading with a section's practice bank and its secure pool both given (`--banks quizzes --banks pools`).

The two share a page id. A row naming the page must reach the practice bank (that is what the
page's quiz shows), the pool must stay reachable by its own name, and neither may hide the other.
"""

from __future__ import annotations

import csv
import json

from quizlib.cli import main
from quizlib.loader import load_bank

from .conftest import ROOT

PAGE = "03-instruments/01-attaches"
PRACTICE = ROOT / "quizzes" / f"{PAGE}.yml"
POOL = ROOT / "pools" / f"{PAGE}.yml"


def _key(question) -> object:
    """The full-credit answer of a single-choice or true/false question."""
    if question.type == "single":
        return next(o.id for o in question.options if o.correct)
    return question.answer


def test_a_page_names_its_practice_bank_and_the_pool_answers_to_its_own_name(tmp_path) -> None:
    practice, pool = load_bank(PRACTICE), load_bank(POOL)
    p = next(q for q in practice.questions if q.type in ("single", "true_false"))
    s = next(q for q in pool.questions if q.type in ("single", "true_false"))
    rows = [
        {"student": "s1", "bank": PAGE, "answers": {p.id: _key(p)}},
        {"student": "s2", "bank": f"{PAGE}#secure", "answers": {s.id: _key(s)}},
    ]
    (tmp_path / "r.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    for order in (["quizzes", "pools"], ["pools", "quizzes"]):  # the order banks are given in does not matter
        out = tmp_path / "-".join(order)
        args = ["grade", str(tmp_path / "r.jsonl"), "-o", str(out), "--no-feedback"]
        for folder in order:
            args += ["--banks", str(ROOT / folder / PAGE.split("/")[0])]
        assert main(args) == 0
        with (out / "gradebook.csv").open(encoding="utf-8") as f:
            book = {r["student"]: r for r in csv.DictReader(f)}
        assert float(book["s1"]["score"]) == p.points
        assert float(book["s1"]["max"]) == sum(q.points for q in practice.questions)
        assert float(book["s2"]["score"]) == s.points
        assert float(book["s2"]["max"]) == sum(q.points for q in pool.questions)
