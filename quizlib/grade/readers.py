"""Stream responses files into graded rows, one row at a time, rejecting what cannot be read.

Both readers yield either a :class:`GradedRow` (a student's answers to one
assessment, already graded through the compiled questions) or a
:class:`~quizlib.grade.attempts.Rejection` saying file, line and why. Nothing
is held beyond the current row, so memory does not grow with the file.

JSON Lines: one :class:`~quizlib.grade.attempts.Attempt` per line.
CSV: a header row with a ``student`` column, optionally a ``bank`` or ``form``
column and a ``submitted_at`` column, and one column per question id. Cells hold
what a JSON answer would, flattened: ``a;c`` for a list, ``p1=p2;p2=p1`` for a
matching, empty for no answer.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from pydantic import ValidationError

from .attempts import Reason, Rejection, check_attempt, valid_datetime
from .compiled import Outcome, safe_key
from .course import Assessment, Course

#: Called with the number of bytes read so far, for progress bars.
Progress = Callable[[int], None]

_PROGRESS_EVERY = 2048


@dataclass(slots=True)
class GradedRow:
    """A student's graded answers to one assessment, in the assessment's order."""

    student: str
    assessment: Assessment
    outcomes: list[Outcome]
    file: str
    line: int


def _pydantic_message(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err["loc"])
        parts.append(f"{loc}: {err['msg']}" if loc else err["msg"])
    return "; ".join(parts)


def _assessment_for(
    course: Course, bank: str | None, form: str | None, student: str, where: tuple[str, int]
) -> tuple[Assessment, None] | tuple[None, Rejection]:
    """(assessment, None) or (None, rejection) for the bank or form a row names."""
    file, line = where
    if bank is not None:
        a = course.bank_assessment(bank)
        if a is None:
            return None, Rejection(file, line, Reason.unknown_bank, f"no bank '{bank}' among the banks given")
        return a, None
    try:
        a = course.form_assessment(form or "")
    except KeyError as exc:
        return None, Rejection(file, line, Reason.unknown_form, str(exc.args[0]))
    if a is None:
        hint = "" if course.manifest else " (no --manifest given)"
        return None, Rejection(file, line, Reason.unknown_form, f"no form '{form}' in the form manifest{hint}")
    owner = a.form.student_id if a.form else None
    if owner is not None and owner != student:
        return None, Rejection(
            file, line, Reason.form_student, f"form '{form}' was printed for student '{owner}', not '{student}'"
        )
    return a, None


def read_jsonl(path: Path, course: Course, progress: Progress | None = None) -> Iterator[GradedRow | Rejection]:
    """Grade a JSON Lines responses file line by line."""
    file = str(path)
    try:
        handle = open(path, "rb")
    except OSError as exc:
        yield Rejection(file, 0, Reason.unreadable, f"cannot read: {exc.strerror or exc}", rows=0)
        return
    loads = json.loads
    with handle:
        for lineno, raw in enumerate(handle, 1):
            if progress is not None and lineno % _PROGRESS_EVERY == 0:
                progress(handle.tell())
            if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]  # a byte order mark written by some Windows tools
            if raw.isspace() or not raw:
                continue
            try:
                data = loads(raw)
            except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
                yield Rejection(file, lineno, Reason.bad_json, _json_message(exc))
                continue
            except RecursionError:
                yield Rejection(file, lineno, Reason.bad_json, "nested too deeply")
                continue
            try:
                student, bank, form, answers = check_attempt(data)
            except ValidationError as exc:
                yield Rejection(file, lineno, Reason.schema, _pydantic_message(exc))
                continue
            assessment, rejection = _assessment_for(course, bank, form, student, (file, lineno))
            if rejection is not None:
                yield rejection
                continue
            row = _grade_answers(assessment, answers, file, lineno)
            if type(row) is Rejection:
                yield row
                continue
            yield GradedRow(student, assessment, row, file, lineno)  # type: ignore[arg-type]
        if progress is not None:
            progress(handle.tell())


def _json_message(exc: ValueError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"invalid JSON: {exc.msg} (column {exc.colno})"
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 text (byte {exc.start + 1})"
    return f"invalid JSON: {exc}"


def _grade_answers(a: Assessment, answers: dict[str, Any], file: str, line: int) -> list[Outcome] | Rejection:
    """The hot loop: per answer, one lookup for the question's place and one for the remembered outcome."""
    outcomes = a.blank.copy()
    positions = a.positions
    str_memo = a.str_memo
    list_memo = a.list_memo
    repr_memo = a.repr_memo
    for qid, value in answers.items():
        place = positions.get(qid)
        if place is None:
            return Rejection(file, line, Reason.unknown_question, _unknown_question(a, qid))
        if type(value) is str:
            memo = str_memo[place]
            hit = memo.get(value)
            if hit is None:
                hit = a.outcome(place, value, value, memo)
        elif type(value) is list and value:
            # Lists of ids (multiple choice, ordering): joining is several times cheaper than repr,
            # and injective when the separator count shows no element contained it.
            memo = list_memo[place]
            try:
                key = "\x1f".join(value)
            except TypeError:  # not all strings
                key = None
            if key is not None and key.count("\x1f") != len(value) - 1:
                key = None
            hit = memo.get(key) if key is not None else None  # type: ignore[arg-type]
            if hit is None:
                hit = a.outcome(place, value, key, memo)
        else:
            try:
                key: str | None = repr(value)
            except RecursionError:
                key = None
            memo = repr_memo[place]
            hit = memo.get(key) if key is not None else None  # type: ignore[arg-type]
            if hit is None:
                hit = a.outcome(place, value, key, memo)
        outcomes[place] = hit
    if len(answers) > 1 and not a.unambiguous(answers):
        return Rejection(file, line, Reason.answered_twice, _answered_twice(a, answers))
    return outcomes


def _answered_twice(a: Assessment, answers: dict[str, Any]) -> str:
    seen: dict[int, str] = {}
    for qid in answers:
        place = a.positions[qid]
        if place in seen:
            return f"question '{a.items[place].gid}' is answered twice (as '{seen[place]}' and '{qid}')"
        seen[place] = qid
    return "a question is answered twice"


def _unknown_question(a: Assessment, qid: str) -> str:
    where = f"form '{a.form.form_id}'" if a.form else f"'{a.key}'"
    return f"question '{qid}' is not in {where}"


# -- CSV ---------------------------------------------------------------------------------------

_META = ("student", "bank", "form", "submitted_at")


def parse_cell(kind: str, cell: str) -> Any:
    """A CSV cell as the JSON answer it stands for; malformed cells stay text so grade() explains them."""
    text = cell.strip()
    if not text:
        return None
    if kind in ("multiple", "ordering"):
        return [part.strip() for part in text.split(";") if part.strip()]
    if kind == "matching":
        pairs: dict[str, str] = {}
        for part in text.split(";"):
            if not part.strip():
                continue
            left, sep, right = part.partition("=")
            if not sep or left.strip() in pairs:
                return cell
            pairs[left.strip()] = right.strip()
        return pairs
    return cell if kind == "short" else text


def read_csv(path: Path, course: Course, progress: Progress | None = None) -> Iterator[GradedRow | Rejection]:
    """Grade a CSV responses file row by row (one row per student)."""
    file = str(path)
    try:
        handle = open(path, encoding="utf-8-sig", newline="")
    except OSError as exc:
        yield Rejection(file, 0, Reason.unreadable, f"cannot read: {exc.strerror or exc}", rows=0)
        return
    with handle:
        reader = csv.reader(handle)
        try:
            header = next(reader)
        except StopIteration:
            return
        except (csv.Error, UnicodeDecodeError) as exc:
            yield Rejection(file, 1, Reason.unreadable, f"cannot read the header: {exc}", rows=0)
            return
        names = [h.strip() for h in header]
        if "student" not in names:
            rows = sum(1 for _ in _safe_rows(reader))
            yield Rejection(
                file, 1, Reason.no_student_column,
                f"the header has no 'student' column, so none of its {rows} row(s) can be graded", rows=rows,
            )
            return
        layout, problems = _csv_layout(names, course, file)
        yield from problems
        fixed = _fixed_assessment(layout, course, file)
        line_end = reader.line_num
        while True:
            start = line_end + 1
            try:
                cells = next(reader)
            except StopIteration:
                break
            except (csv.Error, UnicodeDecodeError) as exc:
                line_end = reader.line_num
                yield Rejection(file, start, Reason.bad_row, f"cannot parse the row: {exc}")
                continue
            line_end = reader.line_num
            if progress is not None and line_end % _PROGRESS_EVERY == 0:
                progress(handle.buffer.tell() if hasattr(handle, "buffer") else 0)
            if not any(c.strip() for c in cells):
                continue
            yield _csv_row(cells, layout, fixed, course, file, start, len(names))


@dataclass
class _Layout:
    student: int
    bank: int | None
    form: int | None
    when: int | None
    questions: list[tuple[int, str, Any]]  # (column, header, (bank, question))


def _csv_layout(names: list[str], course: Course, file: str) -> tuple[_Layout, list[Rejection]]:
    problems: list[Rejection] = []
    meta = {n: names.index(n) for n in _META if n in names}
    questions = []
    seen: dict[str, str] = {}
    for col, name in enumerate(names):
        if name in _META and meta[name] == col:
            continue
        hit = course.resolve(name)
        if hit is None:
            why = (
                "is a question id in several banks; use its global id '<bank>/<question>'"
                if course.ambiguous(name) else "is neither a question id nor one of " + ", ".join(_META)
            )
            problems.append(Rejection(file, 1, Reason.unknown_column, f"column {col + 1} '{name}' {why}; its cells are not graded", rows=0))
            continue
        gid = hit[0].global_id(hit[1])
        if gid in seen:
            problems.append(Rejection(
                file, 1, Reason.unknown_column,
                f"column {col + 1} '{name}' repeats question '{gid}' (already column '{seen[gid]}'); its cells are not graded",
                rows=0,
            ))
            continue
        seen[gid] = name
        questions.append((col, name, hit))
    return _Layout(meta["student"], meta.get("bank"), meta.get("form"), meta.get("submitted_at"), questions), problems


def _fixed_assessment(layout: _Layout, course: Course, file: str) -> Assessment | None:
    if layout.bank is not None or layout.form is not None:
        return None
    return course.column_assessment(f"csv:{Path(file).name}", Path(file).name, [hit for _, _, hit in layout.questions])


def _csv_row(
    cells: list[str], layout: _Layout, fixed: Assessment | None, course: Course, file: str, line: int, width: int
) -> GradedRow | Rejection:
    if len(cells) > width:
        return Rejection(file, line, Reason.bad_row, f"{len(cells)} cells but the header has {width} columns")
    cells = cells + [""] * (width - len(cells))
    student = cells[layout.student].strip()
    if not student:
        return Rejection(file, line, Reason.schema, "student: the cell is empty")
    if len(student) > 200:
        return Rejection(file, line, Reason.schema, "student: longer than 200 characters")
    if layout.when is not None and cells[layout.when].strip():
        if not valid_datetime(cells[layout.when].strip()):
            return Rejection(file, line, Reason.schema, f"submitted_at: not a date and time: {cells[layout.when]!r}")
    a = fixed
    if a is None:
        bank = cells[layout.bank].strip() if layout.bank is not None else ""
        form = cells[layout.form].strip() if layout.form is not None else ""
        if bool(bank) == bool(form):
            return Rejection(file, line, Reason.schema, "give exactly one of 'bank' or 'form'")
        a, rejection = _assessment_for(course, bank or None, form or None, student, (file, line))
        if rejection is not None:
            return rejection
    outcomes = a.blank.copy()
    positions = a.positions
    memo = a.cell_memo
    for col, name, _ in layout.questions:
        cell = cells[col]
        if not cell:
            continue
        place = positions.get(name)
        if place is None:
            if not cell.strip():
                continue
            return Rejection(file, line, Reason.unknown_question, f"column '{name}': {_unknown_question(a, name)}")
        hit = memo[place].get(cell)
        if hit is None:
            compiled = a.compiled[place]
            value = a.translate(place, parse_cell(compiled.kind, cell))
            key = safe_key(value)
            hit = compiled.memo.get(key) if key is not None else None
            if hit is None:
                hit = compiled.outcome_for_key(key, value) if key is not None else compiled.outcome(value)
            if len(memo[place]) < 4096:
                memo[place][cell] = hit
        outcomes[place] = hit
    return GradedRow(student, a, outcomes, file, line)


def _safe_rows(reader: Any) -> Iterator[list[str]]:
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except (csv.Error, UnicodeDecodeError):
            continue
        if any(c.strip() for c in row):
            yield row


def read_responses(path: Path, course: Course, progress: Progress | None = None) -> Iterator[GradedRow | Rejection]:
    """Pick the reader by extension: ``.csv`` is CSV, anything else JSON Lines."""
    if path.suffix.lower() == ".csv":
        return read_csv(path, course, progress)
    return read_jsonl(path, course, progress)
