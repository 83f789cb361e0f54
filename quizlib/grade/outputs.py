"""Files ``quizlib grade`` writes: gradebook, per-response CSV, per-student feedback, rejected rows.

The per-response and feedback writers are *sinks*: they receive each graded
row as it streams past and write it at once, so they add no memory. The
gradebook is written at the end from the class arrays.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from pathlib import Path
from typing import IO, Protocol

import numpy as np

from ..grading import Status
from ..models import Matching, MultipleChoice, Ordering, QuestionBase, SingleChoice
from .attempts import Rejection
from .classbook import ClassResults
from .compiled import Outcome, display_number, exact_number
from .course import Course, Item
from .readers import GradedRow


class Sink(Protocol):
    def row(self, row: GradedRow) -> None: ...
    def close(self) -> None: ...


RESPONSE_COLUMNS = ("student", "question", "answer", "score", "max", "status", "reason", "feedback")


class ResponsesWriter:
    """``responses.csv``: one line per student and question, unanswered questions included."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh: IO[str] = open(path, "w", encoding="utf-8", newline="")
        self._w = csv.writer(self._fh)
        self._w.writerow(RESPONSE_COLUMNS)

    def row(self, row: GradedRow) -> None:
        student = row.student
        a = row.assessment
        self._w.writerows(
            (student, it.gid, out.text, *out.row_cells(pts))
            for it, out, pts in zip(a.items, row.outcomes, a.points)
        )

    def close(self) -> None:
        self._fh.close()


_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~&])")


def feedback_filename(student: str) -> str:
    """A file name for any student id: unsafe characters replaced, and a hash added when anything was."""
    safe = _UNSAFE.sub("_", student)[:80] or "student"
    if safe != student:
        safe += "-" + hashlib.sha1(student.encode("utf-8")).hexdigest()[:8]
    return safe + ".md"


def md_escape(text: str) -> str:
    """Student-supplied text shown literally in Markdown (no links, emphasis or raw HTML)."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def describe_answer(question: QuestionBase, text: str) -> str:
    """A graded answer in the question's own words (option texts, pairs, order), not as ids."""
    value: object = text
    if text[:1] in "[{":
        try:
            value = json.loads(text)
        except ValueError:
            return md_escape(text)
    q = question
    if isinstance(q, (SingleChoice, MultipleChoice)):
        texts = {o.id: o.text for o in q.options}
        chosen = [value] if isinstance(value, str) else list(value)  # type: ignore[arg-type]
        return "; ".join(f"({c}) {texts.get(c, md_escape(str(c)))}" for c in chosen)
    if isinstance(q, Matching) and isinstance(value, dict):
        lefts = {p.id: p.left for p in q.pairs}
        rights = dict(q.right_choices())
        return "; ".join(f"{lefts.get(k, k)} → {rights.get(v, '(none)') if v else '(none)'}" for k, v in value.items())
    if isinstance(q, Ordering) and isinstance(value, list):
        items = {i.id: i.text for i in q.items}
        return " → ".join(items.get(v, md_escape(str(v))) for v in value)
    return md_escape(text)


class FeedbackWriter:
    """``feedback/<student>.md``: what each student missed, why, and which section of the book to reread.

    Written as rows stream past; a student with several attempts (several banks)
    gets one file with a part per attempt.
    """

    def __init__(self, folder: Path, course: Course, book_url: str | None = None, site_folder: str = "book"):
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.course = course
        self.book_url = book_url.rstrip("/") if book_url else None
        #: Where the pages sit in the built site, below ``book_url`` (see :func:`site_folder`).
        self.site_folder = site_folder.strip("/")
        self._started: set[str] = set()
        self._blocks: dict[tuple, str] = {}

    def row(self, row: GradedRow) -> None:
        name = feedback_filename(row.student)
        first = row.student not in self._started
        self._started.add(row.student)
        with open(self.folder / name, "w" if first else "a", encoding="utf-8") as fh:
            if first:
                fh.write(f"# Feedback for {md_escape(row.student)}\n")
            fh.write(self.render(row))

    def render(self, row: GradedRow) -> str:
        a = row.assessment
        got = sum(o.fraction * p for o, p in zip(row.outcomes, a.points))
        parts = [
            f"\n## {md_escape(a.title)}\n\nScore: **{display_number(got)} / {display_number(a.max_points)}** "
            f"({_percent(got, a.max_points)}).\n"
        ]
        blocks = self._blocks
        if len(blocks) > 50_000:  # bounded, however many distinct answers stream past
            blocks.clear()
        for place, out in enumerate(row.outcomes):
            if out.fraction >= 1.0:
                continue
            key = (a, place, out)
            block = blocks.get(key)
            if block is None:
                block = blocks[key] = self._missed(place + 1, a.items[place], out, a.points[place])
            parts.append(block)
        if len(parts) == 1:
            parts.append("\nEvery answer was right.\n")
        return "".join(parts)

    def _missed(self, number_on_form: int, it: Item, out: Outcome, pts: float) -> str:
        """One missed question: the same block for every student who gave the same answer."""
        q = it.question
        r = out.result
        lines = ["", f"### Question {number_on_form}: {display_number(out.fraction * pts)} / {display_number(pts)}", "", q.prompt.strip(), ""]
        if r.status is Status.unanswered:
            lines.append("- Your answer: none given.")
        else:
            lines.append(f"- Your answer: {describe_answer(q, out.text) if r.status is Status.graded else md_escape(out.text)}")
            if r.status is Status.invalid:
                lines.append(f"- Not graded as an answer: {md_escape(r.reason or '')}.")
        for fb in r.feedback:
            lines.append(f"- {' '.join(fb.split())}")
        lines.append(f"- Why: {' '.join(q.explanation.split())}")
        lines.append(f"- Reread: {self.reread(it)}")
        return "\n".join(lines) + "\n"

    def reread(self, item: Item) -> str:
        label = item.question.source
        heading = self.course.heading(item.bank, label)
        where = f'"{heading}" in ' if heading else ""
        text = f"{where}{item.bank.title} (page `{item.bank.id}`, section `{label}`)"
        if self.book_url:
            page = f"{self.site_folder}/{item.bank.id}" if self.site_folder else item.bank.id
            text += f" <{self.book_url}/{page}.html#{label}>"
        return text

    def close(self) -> None:
        pass


def site_folder(book: Path) -> str:
    """The book folder's place in the built site: its path from the Jupyter Book root (the folder with
    ``_toc.yml``), since the build names each page by its path from there (``book/02-instruments/01-attaches``
    is written to ``_build/html/book/02-instruments/01-attaches.html``). Without a ``_toc.yml`` above it,
    the folder's own name."""
    book = Path(book).resolve()
    for root in (book, *book.parents):
        if (root / "_toc.yml").is_file():
            rel = book.relative_to(root).as_posix()
            return "" if rel == "." else rel
    return book.name


def _percent(score: float, maximum: float) -> str:
    return f"{100 * score / maximum:.1f}%" if maximum else "n/a"


class RejectionLog:
    """``rejected.csv``: every row that was not graded, with file, line, reason and message."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(path, "w", encoding="utf-8", newline="")
        self._w = csv.writer(self._fh)
        self._w.writerow(("file", "line", "reason", "message"))

    def add(self, r: Rejection) -> None:
        self._w.writerow((r.file, r.line, r.reason.value, r.message))

    def close(self) -> None:
        self._fh.close()


GRADEBOOK_CHUNK = 4096


def gradebook_header(results: ClassResults) -> list[str]:
    header = ["student", "score", "max", "percent"]
    for prefix, labels in _groupings(results):
        for name in dict.fromkeys(labels):
            header += [f"{prefix} {name} score", f"{prefix} {name} max"]
    return header


def _groupings(results: ClassResults) -> list[tuple[str, list[str]]]:
    return [
        ("section", [it.section for it in results.items]),
        ("objective", [it.objective for it in results.items]),
    ]


def gradebook_rows(results: ClassResults, first: int = 0, last: int | None = None) -> list[tuple]:
    """Rows ``first:last`` of the gradebook, as written: computed for those rows only."""
    score, maximum = results.totals(slice(None), first, last)
    with np.errstate(invalid="ignore", divide="ignore"):
        percent = np.where(maximum > 0, 100 * score / np.where(maximum > 0, maximum, 1), np.nan)
    columns = [_cells(score), _cells(maximum), _cells(percent)]
    for _, labels in _groupings(results):
        names, got, top = results.group_totals(labels, first, last)
        for g in range(len(names)):
            columns += [_cells(got[:, g]), _cells(top[:, g])]
    stop = len(results.students) if last is None else last
    return list(zip(results.students[first:stop], *columns))


def _cells(values: np.ndarray) -> list:
    """Full-precision values for a machine file (the csv module writes a float's shortest exact form);
    whole numbers as integers (24, not 24.0), NaN as an empty cell. Rounding is for people only."""
    if not np.isnan(values).any() and np.all(values == np.floor(values)) and np.all(np.abs(values) < 2**53):
        return values.astype(np.int64).tolist()
    return ["" if v != v else (int(v) if v.is_integer() else v) for v in values.tolist()]


def write_gradebook(path: Path, results: ClassResults) -> None:
    """``gradebook.csv``, computed and written a chunk of students at a time, so memory does not pile up."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(gradebook_header(results))
        for first in range(0, len(results.students), GRADEBOOK_CHUNK):
            w.writerows(gradebook_rows(results, first, first + GRADEBOOK_CHUNK))
