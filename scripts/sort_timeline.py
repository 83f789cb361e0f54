"""Sort book/timeline.md by date, for merges: rows added by several writers end up in date order.

Usage: python3 scripts/sort_timeline.py [path]    (default: book/timeline.md; rewrites the file)

A row's date is its first cell ('1949', 'April 1949', '4 April 1949', 'c. 1259 BCE'); a year-only cell is
refined by a month in the event text, '(May)' or '(4 April)'. Rows sort by their earliest possible day and
keep their order when equal, so a year-only row stays where its writer put it relative to other rows of the
same start. tests/test_course_structure.py::test_timeline_is_dated_and_sorted_by_full_date checks the result.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

MONTHS = "January February March April May June July August September October November December".split()
DATE = re.compile(rf"^(?:c\. )?(?:(\d{{1,2}}) )?(?:({'|'.join(MONTHS)}) )?(\d{{1,4}})( BCE)?$")
TEXT_MONTH = re.compile(rf"\((?:(\d{{1,2}}) )?({'|'.join(MONTHS)})\)")


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
    path.write_text("\n".join(lines[:first] + header + sorted(rows, key=start)) + "\n")
    print(f"{path}: {len(rows)} rows sorted")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "book/timeline.md"))
