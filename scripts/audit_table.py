"""The test-wise audit's per-strategy table for the instructor guide, from `quizlib lint --audit-json` output.

    .venv/bin/quizlib lint --audit-json audit.json
    .venv/bin/python scripts/audit_table.py audit.json                 # print the Markdown
    .venv/bin/python scripts/audit_table.py audit.json --write GUIDE   # replace the table in GUIDE
    .venv/bin/python scripts/audit_table.py audit.json --check GUIDE   # exit 1 if GUIDE's table is stale

The table sits in the guide between ``<!-- audit-table:start -->`` and
``<!-- audit-table:end -->``; ``tests/test_banks_review.py`` regenerates it from the
current course and compares, so the guide cannot go stale. Only the JSON is read:
the script needs no quizlib import, and any course's audit file works.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

START = "<!-- audit-table:start -->"
END = "<!-- audit-table:end -->"


def _pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def _gain(value: float) -> str:
    # One decimal, so a tenth of a point shows; -0.0 reads as 0.0.
    return f"{value * 100 + 0.0:+.1f} pp"


def _strategy_rows(strategies: list[dict[str, str]], figures: dict[str, Any]) -> list[str]:
    rows = ["| strategy | items | expected score | chance | gain over chance |", "|---|---:|---:|---:|---:|"]
    for s in strategies:
        f = figures["strategies"][s["code"]]
        if not f["items"]:
            rows.append(f"| {s['name']} ({s['applies_to']}) | 0 | - | - | - |")
            continue
        rows.append(f"| {s['name']} ({s['applies_to']}) | {f['items']} | {_pct(f['score'])} | {_pct(f['chance'])} "
                    f"| {_gain(f['margin'])} |")
    return rows


def _share(count: int, items: int) -> str:
    return f"{count} of {items} ({count / items:.0%})" if items else "none"


def _cue_rows(audit: dict[str, Any]) -> list[str]:
    t = audit["thresholds"]
    sets = [("practice banks", audit["course"]["cues"])]
    if audit.get("pools"):
        sets.append(("secure pools", audit["pools"]["course"]["cues"]))
    rows = ["| key balance | " + " | ".join(name for name, _ in sets) + " | limit |",
            "|---|" + "---:|" * len(sets) + "---|"]
    tf = [_share(c["true_false_keyed_false"]["count"], c["true_false_keyed_false"]["items"]) for _, c in sets]
    rows.append("| true/false items keyed False | " + " | ".join(tf) +
                f" | {t['true_false_false_min']:.0%} to {t['true_false_false_max']:.0%} in each chapter |")
    longest = [_share(c["key_strictly_longest"]["count"], c["key_strictly_longest"]["items"]) for _, c in sets]
    rows.append("| single-choice items whose key is the strictly longest option | " + " | ".join(longest) +
                f" | at most {t['longest_key_share']:.0%} |")
    shapes = []
    for _, c in sets:
        m = c["commonest_multiple_shape"]
        shapes.append(f"{m['correct']} of {m['options']}: {_share(m['count'], m['items'])}" if m["items"] else "none")
    rows.append("| commonest multiple-response shape (correct of options) | " + " | ".join(shapes) +
                f" | at most {t['multiple_shape_share']:.0%} |")
    return rows


def render(audit: dict[str, Any]) -> str:
    """The Markdown put between the markers: one strategy table per audited set, then the key balance."""
    t = audit["thresholds"]
    out = [f"Practice banks ({audit['course']['questions']} questions):", "",
           *_strategy_rows(audit["strategies"], audit["course"]), ""]
    if audit.get("pools"):
        out += [f"Secure pools ({audit['pools']['course']['questions']} questions):", "",
                *_strategy_rows(audit["strategies"], audit["pools"]["course"]), ""]
    out += [*_cue_rows(audit), "",
            f"Limits: no strategy may gain more than {t['testwise_course_margin'] * 100:.0f} points over chance "
            f"across a set, or {t['testwise_bank_margin'] * 100:.0f} in one bank "
            f"(`testwise_audit = \"{audit['mode']}\"`)."]
    return "\n".join(out)


def replace_table(text: str, table: str) -> str:
    """``text`` with everything between the markers replaced by ``table``."""
    try:
        head, rest = text.split(START, 1)
        _, tail = rest.split(END, 1)
    except ValueError:
        raise SystemExit(f"the guide has no {START} ... {END} markers") from None
    return f"{head}{START}\n{table}\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("audit_json", type=Path, help="the file `quizlib lint --audit-json FILE` wrote")
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--write", type=Path, metavar="GUIDE", help="replace the table between the markers in GUIDE")
    what.add_argument("--check", type=Path, metavar="GUIDE", help="exit 1 when GUIDE's table differs")
    args = parser.parse_args(argv)
    table = render(json.loads(args.audit_json.read_text(encoding="utf-8")))
    if args.write:
        args.write.write_text(replace_table(args.write.read_text(encoding="utf-8"), table), encoding="utf-8")
    elif args.check:
        text = args.check.read_text(encoding="utf-8")
        if replace_table(text, table) != text:
            print(f"{args.check}: the test-wise audit table is stale; run with --write {args.check}", file=sys.stderr)
            return 1
        print(f"{args.check}: the test-wise audit table matches {args.audit_json}")
    else:
        print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
