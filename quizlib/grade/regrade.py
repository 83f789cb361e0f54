"""Regrading: compare this run's gradebook with a previous one, student by student.

After an author fixes a key, the instructor grades again with ``--previous
old-gradebook.csv``; the report then lists whose score changed and by how much,
and who appears in only one of the two runs.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from .classbook import ClassResults
from .compiled import exact_number

#: Differences within this relative margin are the last bits of a float64, not a change (the gradebook
#: keeps every digit, so an unchanged score reads back identical; the margin absorbs a sum taken in another order).
TOLERANCE = 1e-12


@dataclass(frozen=True, slots=True)
class ScoreChange:
    student: str
    before: float | None
    """None: the student was not in the previous gradebook."""
    after: float | None
    """None: the student is not in this run."""
    max_before: float | None
    max_after: float | None

    @property
    def delta(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


class PreviousGradebookError(Exception):
    pass


def read_previous(path: Path) -> dict[str, tuple[float, float | None]]:
    """student -> (score, max) from a gradebook CSV written by ``quizlib grade``."""
    try:
        fh = open(path, encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise PreviousGradebookError(f"{path}: cannot read: {exc.strerror or exc}") from None
    out: dict[str, tuple[float, float | None]] = {}
    with fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or not {"student", "score"} <= set(reader.fieldnames):
            raise PreviousGradebookError(f"{path}:1: a gradebook needs 'student' and 'score' columns")
        for row in reader:
            try:
                score = float(row["score"])
                maximum = float(row["max"]) if row.get("max") else None
            except (TypeError, ValueError):
                raise PreviousGradebookError(f"{path}:{reader.line_num}: score is not a number: {row['score']!r}") from None
            out[row["student"]] = (score, maximum)
    return out


def compare(previous: dict[str, tuple[float, float | None]], results: ClassResults) -> list[ScoreChange]:
    """Students whose score changed, appeared or disappeared; largest changes first."""
    score, maximum = results.totals()
    changes: list[ScoreChange] = []
    for student, s, m in zip(results.students, score.tolist(), maximum.tolist()):
        old = previous.get(student)
        if old is None:
            changes.append(ScoreChange(student, None, s, None, m))
        elif _differs(old[0], s) or (old[1] is not None and _differs(old[1], m)):
            changes.append(ScoreChange(student, old[0], s, old[1], m))
    present = set(results.students)
    for student, (s, m) in previous.items():
        if student not in present:
            changes.append(ScoreChange(student, s, None, m, None))
    changes.sort(key=lambda c: (-(abs(c.delta) if c.delta is not None else float("inf")), c.student))
    return changes


def _differs(a: float, b: float) -> bool:
    return abs(a - b) > TOLERANCE * max(1.0, abs(a), abs(b))


def write_changes(path: Path, changes: list[ScoreChange]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(("student", "before", "after", "change", "max before", "max after"))
        for c in changes:
            w.writerow((
                c.student, _n(c.before), _n(c.after), _n(c.delta), _n(c.max_before), _n(c.max_after)
            ))


def _n(x: float | None) -> str:
    return "" if x is None else exact_number(x)
