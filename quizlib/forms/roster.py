"""Read the students a set of forms is drawn for.

A roster is a text file with one student id per line, or a CSV file whose header
has a ``student_id`` column (other columns are ignored). Blank lines and ``#``
comments are skipped; a duplicate or malformed id is reported with its line
number and counted, never dropped silently: the forms of a roster with errors
are not drawn.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

MAX_ID = 80


@dataclass(frozen=True)
class RosterError:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass
class Roster:
    ids: list[str] = field(default_factory=list)
    errors: list[RosterError] = field(default_factory=list)
    rows: int = 0


def _check(value: str) -> str | None:
    if not value:
        return "empty student id"
    if len(value) > MAX_ID:
        return f"student id longer than {MAX_ID} characters"
    if any(ch.isspace() for ch in value) or any(ord(ch) < 32 for ch in value):
        return f"student id {value!r} contains spaces or control characters"
    return None


def read_roster(path: str | Path) -> Roster:
    path = Path(path)
    text = path.read_text(encoding="utf-8-sig")
    roster = Roster()
    seen: dict[str, int] = {}
    lines = text.splitlines()
    first = next((ln for ln in lines if ln.strip() and not ln.lstrip().startswith("#")), "")
    is_csv = "student_id" in [c.strip() for c in first.split(",")]
    if is_csv:
        reader = csv.reader(io.StringIO(text))
        header: list[str] | None = None
        column = 0
        for row in reader:
            line = reader.line_num
            if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
                continue
            if header is None:
                header = [c.strip() for c in row]
                column = header.index("student_id")
                continue
            roster.rows += 1
            value = row[column].strip() if column < len(row) else ""
            _add(roster, seen, str(path), line, value)
    else:
        for line, raw in enumerate(lines, start=1):
            value = raw.strip()
            if not value or value.startswith("#"):
                continue
            roster.rows += 1
            _add(roster, seen, str(path), line, value)
    return roster


def _add(roster: Roster, seen: dict[str, int], file: str, line: int, value: str) -> None:
    problem = _check(value)
    if problem is None and value in seen:
        problem = f"duplicate student id {value!r} (first on line {seen[value]})"
    if problem:
        roster.errors.append(RosterError(file, line, problem))
        return
    seen[value] = line
    roster.ids.append(value)
