"""Sort book/timeline.md by date, for merges: rows added by several writers end up in date order.

Usage: python3 scripts/sort_timeline.py [path]    (default: book/timeline.md; rewrites the file)

A row's date is its first cell ('1949', 'April 1949', '4 April 1949', 'c. 1259 BCE'). A year-only row whose
event text gives one month, '(May)' or '(4 April)', has that month moved into its date cell. Rows are sorted
by year, then by month among the rows that give one, then by day among the rows of a month that give one; a row
less precise than its neighbors keeps its place, so an order that is already correct is left as it is. tests/test_course_structure.py::test_timeline_is_dated_and_sorted_by_full_date
checks the result.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

MONTHS = "January February March April May June July August September October November December".split()
DATE = re.compile(rf"^(?:c\. )?(?:(\d{{1,2}}) )?(?:({'|'.join(MONTHS)}) )?(\d{{1,4}})( BCE)?$")
TEXT_MONTH = re.compile(rf"\((?:(\d{{1,2}}) )?({'|'.join(MONTHS)})\)")


def date_in_cell(line: str) -> str:
    """Move a single '(Month)' or '(D Month)' from the event text of a year-only row into its date cell."""
    cell, event, refs = (c.strip() for c in line.strip().strip("|").split(" | "))
    months = TEXT_MONTH.findall(event)
    if DATE.match(cell) and not DATE.match(cell).group(2) and len(months) == 1 and not cell.startswith("c."):
        day, month = months[0]
        cell = f"{day + ' ' if day else ''}{month} {cell}"
        event = TEXT_MONTH.sub("", event, count=1).replace("  ", " ").replace(" ,", ",").replace(" ;", ";").strip()
    return f"| {cell} | {event} | {refs} |"


def start(line: str) -> tuple[int, int, int]:
    cell, event, _ = (c.strip() for c in line.strip().strip("|").split(" | "))
    m = DATE.match(cell)
    if not m:
        raise SystemExit(f"cannot read the date {cell!r} in: {line}")
    day, month = m.group(1), m.group(2)
    in_text = TEXT_MONTH.search(event)
    if in_text and not month:
        day, month = in_text.group(1), in_text.group(2)
    year = int(m.group(3)) * (-1 if m.group(4) else 1)
    return year, MONTHS.index(month) + 1 if month else 0, int(day) if day else 0


def main(path: Path) -> None:
    lines = path.read_text().splitlines()
    first = next(i for i, l in enumerate(lines) if l.startswith(("| Year ", "| Date ")))
    rows = [l for l in lines[first + 2:] if l.startswith("| ")]
    rest = [l for l in lines[first + 2:] if l.strip() and not l.startswith("| ")]
    if rest:
        raise SystemExit(f"unexpected lines after the table: {rest[:3]}")
    header = ["| Date | Event | Discussed in |", "|---|---|---|"]
    rows = sorted((date_in_cell(r) for r in rows), key=lambda r: start(r)[0])
    rows = _sort_slots(rows, lambda r: start(r)[1] > 0, lambda r: start(r)[:2])
    rows = _sort_slots(rows, lambda r: start(r)[2] > 0, lambda r: start(r))
    path.write_text("\n".join(lines[:first] + header + rows) + "\n")
    print(f"{path}: {len(rows)} rows sorted")


def _sort_slots(rows: list[str], precise, key) -> list[str]:
    """Sort the rows that pass `precise` among the places they already occupy; the others stay put."""
    slots = [i for i, r in enumerate(rows) if precise(r)]
    ordered = sorted((rows[i] for i in slots), key=key)
    out = list(rows)
    for i, r in zip(slots, ordered):
        out[i] = r
    return out


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "book/timeline.md"))
