"""Grade responses files for a class: stream every row through the readers into the class book.

This is the library entry point behind ``quizlib grade`` and ``quizlib stats``
(and the benchmark): it owns the loop, the counts for the summary and the
calls to the sinks, and knows nothing about the terminal.
"""

from __future__ import annotations

import gc
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from ..loader import load_banks
from ..manifest import FormManifest
from .attempts import Reason, Rejection
from .classbook import ClassBook, ClassResults
from .course import Course
from .drift import manifest_drift
from .outputs import Sink
from .readers import GradedRow, read_responses


@dataclass
class GradeSummary:
    """What was read, what was graded and what was not, for the summary table and the exit code."""

    files: list[str] = field(default_factory=list)
    rows_graded: int = 0
    rejected: Counter = field(default_factory=Counter)
    """Rows not graded, by :class:`Reason`."""
    problems: Counter = field(default_factory=Counter)
    """Header problems (a CSV column not graded) by reason: reported, but not rows."""
    students: int = 0
    responses: int = 0
    seconds: float = 0.0

    @property
    def rows_rejected(self) -> int:
        return sum(self.rejected.values())

    @property
    def rows_read(self) -> int:
        return self.rows_graded + self.rows_rejected

    @property
    def clean(self) -> bool:
        return not self.rejected and not self.problems


class CourseError(Exception):
    """The banks or the manifest cannot be used; nothing was graded."""


def load_course(banks: Iterable[str | Path], manifest: Path | None = None, book: Path | None = None) -> Course:
    report = load_banks(list(banks))
    if report.errors:
        shown = "\n".join(str(e) for e in report.errors[:20])
        raise CourseError(f"the banks have {len(report.errors)} error(s); run `quizlib validate`:\n{shown}")
    if not report.banks:
        raise CourseError("no bank files found in " + " ".join(map(str, banks)))
    form_manifest = None
    if manifest is not None:
        try:
            form_manifest = FormManifest.model_validate_json(Path(manifest).read_bytes())
        except OSError as exc:
            raise CourseError(f"{manifest}: cannot read: {exc.strerror or exc}") from None
        except ValueError as exc:  # pydantic ValidationError is a ValueError
            raise CourseError(f"{manifest}: not a form manifest: {exc}") from None
    course = Course(report.banks.values(), form_manifest, book if book and Path(book).is_dir() else None)
    if form_manifest is not None:
        course.warnings = manifest_drift(form_manifest, report.banks)
    return course


def grade_files(
    paths: Iterable[Path],
    course: Course,
    sinks: Iterable[Sink] = (),
    on_rejection: Callable[[Rejection], None] | None = None,
    progress: Callable[[Path, int], None] | None = None,
) -> tuple[ClassResults, GradeSummary]:
    """Grade every row of every file; rejected rows go to ``on_rejection`` and are counted, never dropped."""
    started = time.perf_counter()
    book = ClassBook(course)
    summary = GradeSummary()
    sinks = list(sinks)
    # The loop allocates many short-lived objects and no cycles; the cyclic collector would only
    # rescan the growing student index again and again.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for path in map(Path, paths):
            summary.files.append(str(path))
            tick = (lambda done, p=path: progress(p, done)) if progress else None
            for row in read_responses(path, course, tick):
                if type(row) is GradedRow:
                    problem = book.add(row)
                    if problem is None:
                        summary.rows_graded += 1
                        for sink in sinks:
                            sink.row(row)
                        continue
                    row = problem
                rejection: Rejection = row  # type: ignore[assignment]
                if rejection.rows:
                    summary.rejected[rejection.reason] += rejection.rows
                else:
                    summary.problems[rejection.reason] += 1
                if on_rejection is not None:
                    on_rejection(rejection)
    finally:
        if was_enabled:
            gc.enable()
        for sink in sinks:
            sink.close()
    results = book.finish()
    summary.students = len(results.students)
    summary.responses = book.responses
    summary.seconds = time.perf_counter() - started
    return results, summary


__all__ = ["CourseError", "GradeSummary", "Reason", "grade_files", "load_course"]
