"""What the instructor gets out: the gradebook CSV, the item analysis, and an HTML report.

The gradebook and the item analysis are computed by ``quizlib grade``'s and
``quizlib stats``'s own code (:mod:`quizlib.grade`, :mod:`quizlib.stats`) from the
counted attempts, so a quiz run in the service and the same answers graded
offline give the same files.

Each student counts with their best submitted attempt (highest score; the
earlier one on a tie). Attempts whose time ran out count as submitted with their
autosaved answers, so the gradebook never misses work a student saved.

Reports never block students' writes. :func:`load_class` reads everything a report
needs in one read-only snapshot (:meth:`.db.Database.snapshot`: a SQLite WAL reader,
a PostgreSQL ``REPEATABLE READ`` transaction), outside the writer lock, and the
reports are then rendered (plots, HTML) from that :class:`ClassSnapshot` with no
transaction open at all. An expired attempt is submitted *in memory* in the
snapshot, by the same :func:`.attempts.finalize` that submits it in the database:
its answers cannot change after the deadline and its submission time is the
deadline, so the result is the one the database will hold. It is then submitted in
the database too, in short writes for just those students (as the old single write
transaction did, so the LMS outbox still gets its score and a later report need not
grade it again).
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..markdown import render_block
from ..models import MultipleChoice, Numeric, QuestionBase, ShortAnswer, SingleChoice, TrueFalse
from .answers import to_bank_response
from .attempts import (content_of, finalize, finalize_expired, form_of, get_quiz, is_expired, lock_student,
                       status_of, student_attempts)
from .clock import iso
from .db import Database
from .models import Attempt, Quiz, Student
from .quizzes import QuizContent, banks_of
from .student_forms import question_ref

_env = Environment(loader=PackageLoader("quizlib.server", "templates"), autoescape=select_autoescape(["html"]))

OVERDUE_PER_WRITE = 32
"""Students whose expired attempts one short write submits: each write holds the writer lock only briefly."""


@dataclass
class Row:
    student: Student
    attempt: Attempt | None
    attempts: int


@dataclass(frozen=True)
class ClassSnapshot:
    """A quiz's class as one consistent read saw it: everything the reports are computed from.

    The ORM objects in it are detached from any session, so rendering can take its time
    without holding a transaction (let alone the writer lock).
    """

    quiz: Quiz
    """Detached; its deferred ``content`` is not loaded: use :attr:`content`."""
    content: QuizContent
    rows: list[Row]
    now: datetime
    grace: float
    overdue: tuple[int, ...]
    """Students (primary keys) whose expired attempts were submitted in memory in this snapshot."""


def read_class(session: Session, quiz_id: str, now: datetime, grace: float) -> ClassSnapshot:
    """Every roster student with their counted attempt (None if they submitted nothing), from ``session``.

    Nothing is written: the objects are detached before any expired attempt is submitted in memory.
    """
    quiz = get_quiz(session, quiz_id)
    content = content_of(quiz)
    attempts = list(session.execute(select(Attempt).where(Attempt.quiz_id == quiz.id)).scalars())
    students = list(session.execute(select(Student).order_by(Student.student_id)).scalars())
    session.expunge_all()  # from here on, no change can reach the database
    overdue = sorted({a.student_pk for a in attempts if is_expired(a, now, grace)})
    for a in attempts:  # as attempts.finalize_expired does, on the detached copies
        if is_expired(a, now, grace):
            finalize(a, content, a.deadline_at or now, auto=True)
    by_student: dict[int, list[Attempt]] = defaultdict(list)
    for a in attempts:
        by_student[a.student_pk].append(a)
    rows = []
    for student in students:
        mine = by_student.get(student.id, [])
        done = [a for a in mine if a.submitted_at is not None]
        best = max(done, key=lambda a: (a.score or 0.0, -a.number), default=None)
        rows.append(Row(student, best, len(mine)))
    return ClassSnapshot(quiz, content, rows, now, grace, tuple(overdue))


def submit_overdue(db: Database, quiz_id: str, student_pks: tuple[int, ...] | list[int], now: datetime,
                   grace: float) -> int:
    """Submit, in the database, the expired attempts of these students (short writes, a few students each).

    Each student's row is locked first, as every student request does, so a student's own
    request finalising the same attempt at the same moment is applied before or after, never
    twice; :func:`.attempts.finalize_expired` re-checks under the lock. Returns how many.
    """
    done = 0
    pks = sorted(set(student_pks))  # one lock order for every caller: no deadlock between two reports
    for i in range(0, len(pks), OVERDUE_PER_WRITE):
        with db.write() as s:
            quiz = s.get(Quiz, quiz_id)
            if quiz is None:
                return done
            for pk in pks[i:i + OVERDUE_PER_WRITE]:
                lock_student(s, pk)
                done += finalize_expired(student_attempts(s, quiz_id, pk), quiz, now, grace)
    return done


def load_class(db: Database, quiz_id: str, now: datetime, grace: float) -> ClassSnapshot:
    """Read the class in a snapshot, then persist the submissions of expired attempts it found."""
    with db.snapshot() as s:
        snap = read_class(s, quiz_id, now, grace)
    if snap.overdue:
        submit_overdue(db, quiz_id, snap.overdue, now, grace)
    return snap


def _fmt(x: float | None) -> str:
    if x is None:
        return ""
    return str(int(x)) if float(x).is_integer() else f"{x:.2f}".rstrip("0").rstrip(".")


def _code(question: QuestionBase, response: Any) -> int:
    """The chosen option as quizlib.stats codes it: index (single), bitmask (multiple), 1/0 (true/false)."""
    if isinstance(question, SingleChoice) and isinstance(response, str):
        return next((i for i, o in enumerate(question.options) if o.id == response), -1)
    if isinstance(question, MultipleChoice) and isinstance(response, list):
        return sum(1 << i for i, o in enumerate(question.options) if o.id in response)
    if isinstance(question, TrueFalse) and isinstance(response, bool):
        return int(response)
    return -1


def class_results(snap: ClassSnapshot) -> Any:
    """The counted attempts as :class:`quizlib.grade.classbook.ClassResults`, so the gradebook and the item
    analysis are computed by exactly the code behind ``quizlib grade`` and ``quizlib stats``."""
    from ..grade.classbook import ClassResults
    from ..grade.compiled import CompiledQuestion
    from ..grade.course import Item

    content, rows = snap.content, snap.rows
    banks = {b.id: b for b in banks_of(content)}
    gids = list(content.questions)
    col = {g: j for j, g in enumerate(gids)}
    items = [Item(j, g, banks[content.questions[g].bank], content.questions[g].question,
                  CompiledQuestion(content.questions[g].question)) for j, g in enumerate(gids)]
    counted = [r for r in rows if r.attempt is not None]
    fraction = np.zeros((len(counted), len(gids)))
    points = np.zeros((len(counted), len(gids)))
    codes = np.full((len(counted), len(gids)), -1)
    for i, row in enumerate(counted):
        a = row.attempt
        assert a is not None
        by_number = {r["number"]: r for r in a.results or []}
        for fq in form_of(a).questions:
            j = col[fq.qid]
            q = content.questions[fq.qid].question
            fraction[i, j] = by_number[fq.number]["fraction"]
            points[i, j] = fq.points
            codes[i, j] = _code(q, to_bank_response(fq, q, (a.answers or {}).get(question_ref(fq.number))))
    return ClassResults.from_arrays([r.student.student_id for r in counted], items, fraction, points, codes)


def gradebook_csv(snap: ClassSnapshot) -> str:
    """The gradebook in ``quizlib grade``'s format (student, score, max, percent, then per-section and
    per-objective score and max), written by the same code, plus a row with empty cells for every
    roster student who submitted nothing (so a missing submission is never mistaken for a zero)."""
    from ..grade.outputs import gradebook_header, gradebook_rows

    results = class_results(snap)
    header = gradebook_header(results)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(header)
    w.writerows(gradebook_rows(results))
    for row in snap.rows:
        if row.attempt is None:
            w.writerow([row.student.student_id] + [""] * (len(header) - 1))
    return out.getvalue()


def analysis(snap: ClassSnapshot) -> Any:
    """:func:`quizlib.stats.analysis.analyse` of the counted attempts."""
    from ..stats.analysis import analyse

    return analyse(class_results(snap))


def item_analysis(snap: ClassSnapshot) -> dict[str, Any]:
    """Per question (facility, SD, discrimination, efficiency, weight, upper-lower index, options, review
    flags) and per test (mean, SD, Cronbach's alpha...), as ``quizlib stats`` computes them."""
    a = analysis(snap)
    return {"test": asdict(a.test), "items": [asdict(s) for s in a.items], "definitions": _definitions()}


def _definitions() -> dict[str, str]:
    from ..stats.analysis import DEFINITIONS

    return dict(DEFINITIONS)


def items_csv(snap: ClassSnapshot) -> str:
    """``quizlib stats``'s per-item CSV, written by its own writer."""
    from ..stats.report import write_item_csv

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "items.csv"
        write_item_csv(path, analysis(snap))
        return path.read_text(encoding="utf-8")


def stats_html(snap: ClassSnapshot) -> str:
    """``quizlib stats``'s HTML report (with its plots) for this quiz."""
    from ..stats.report import stats_html as render

    return render(analysis(snap), title=f"{snap.quiz.title}: item analysis")


def html_report(snap: ClassSnapshot, link_query: str = "") -> str:
    """The instructor's page: scores, item analysis, and the most common typed answers.

    ``link_query`` (``?token=...`` for a view link) is appended to the links to the other reports.
    Everything students wrote (names from the roster, typed answers) is escaped by
    Jinja2's autoescape; only the bank's own prompts, rendered by
    :mod:`quizlib.markdown` (which escapes raw HTML), are inserted as markup.
    """
    quiz, rows, content, now, grace = snap.quiz, snap.rows, snap.content, snap.now, snap.grace
    items = [asdict(s) for s in analysis(snap).items]
    typed: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        a = row.attempt
        if a is None:
            continue
        form = form_of(a)
        for fq in form.questions:
            q = content.questions[fq.qid].question
            value = (a.answers or {}).get(question_ref(fq.number))
            if isinstance(q, (ShortAnswer, Numeric)) and value is not None:
                typed[fq.qid][str(value)] += 1
    prompts = {g: render_block(pq.question.prompt) for g, pq in content.questions.items()}
    template = _env.get_template("report.html")
    return template.render(
        quiz=quiz, now=iso(now), rows=rows, items=items, prompts=prompts, fmt=_fmt, link_query=link_query,
        typed={g: c.most_common(8) for g, c in typed.items()},
        status_of=lambda a: status_of(a, now, grace),
    )
