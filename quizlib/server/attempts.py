"""The attempt rules, enforced on the server with the server's clock.

- A quiz is ``not_open`` before ``opens_at``, ``closed`` from ``closes_at``; attempts start only while open.
- An attempt's deadline is the start plus the time limit, or the close time, whichever comes first.
  Autosaves and submissions are accepted until the deadline plus a small grace (network delays).
- Past that, the attempt is submitted for the student with the last autosaved answers
  (``auto_submitted``), the next time anything touches it; Moodle's "open attempts are
  submitted automatically".
- A student has at most ``max_attempts`` attempts; starting while one is in progress
  returns that one instead of opening a second.

Each function runs inside one write transaction (see :meth:`.db.Database.write`) after
locking the student's row, so two concurrent requests from the same student (two tabs,
a retry) are applied one after the other, on SQLite and on PostgreSQL alike.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from ..grading import grade
from ..manifest import Form
from .answers import check_answers, to_bank_response
from .clock import iso
from .errors import ApiError, error_body
from .keys import question_view, released_view
from .db import UTCDateTime
from .models import Attempt, Quiz, Student
from .quizzes import QuizContent, cached_content, load_content
from .student_forms import build_form, question_ref

IMMEDIATE = "immediate"
MAX_SEQ = 2**31 - 1
"""Largest autosave counter: the column is a 32-bit integer on PostgreSQL."""
AFTER_CLOSE = "after_close"
FEEDBACK_POLICIES = (IMMEDIATE, AFTER_CLOSE)


def content_of(quiz: Quiz) -> QuizContent:
    """The quiz's parsed questions; the (deferred) JSON column is read only on a cache miss."""
    return cached_content(quiz.content_hash) or load_content(quiz.content, quiz.content_hash)


def form_of(attempt: Any) -> Form:
    return Form.model_validate(attempt.form)


def quiz_state(quiz: Quiz, now: datetime) -> str:
    if quiz.opens_at is not None and now < quiz.opens_at:
        return "not_open"
    if quiz.closes_at is not None and now >= quiz.closes_at:
        return "closed"
    return "open"


def deadline_for(quiz: Quiz, started: datetime) -> datetime | None:
    ends = [t for t in (
        started + timedelta(seconds=quiz.time_limit_seconds) if quiz.time_limit_seconds else None,
        quiz.closes_at,
    ) if t is not None]
    return min(ends) if ends else None


def is_expired(attempt: Attempt, now: datetime, grace: float) -> bool:
    return (attempt.submitted_at is None and attempt.deadline_at is not None
            and now > attempt.deadline_at + timedelta(seconds=grace))


def status_of(attempt: Attempt, now: datetime, grace: float) -> str:
    if attempt.submitted_at is not None:
        return "submitted"
    return "expired" if is_expired(attempt, now, grace) else "in_progress"


def release_time(quiz: Quiz, grace: float) -> datetime | None:
    """When ``after_close`` results are shown: the close plus the grace, when nobody can submit any more."""
    return None if quiz.closes_at is None else quiz.closes_at + timedelta(seconds=grace)


def released(quiz: Quiz, now: datetime, grace: float) -> bool:
    """May a submitted attempt's score and feedback be shown now?

    Not at the close itself: classmates may still submit during the grace, and
    must not be able to read the answers off a friend's released result.
    """
    if quiz.feedback == IMMEDIATE:
        return True
    at = release_time(quiz, grace)
    return at is not None and now >= at


def grade_answers(form: Form, content: QuizContent, answers: dict[str, Any]) -> tuple[float, float, list[dict[str, Any]]]:
    results = []
    total = maximum = 0.0
    for fq in form.questions:
        pq = content.questions[fq.qid]
        r = grade(pq.question, to_bank_response(fq, pq.question, answers.get(question_ref(fq.number))))
        scale = fq.points / r.max_score if r.max_score else 0.0
        results.append({
            "gid": fq.qid, "number": fq.number, "score": r.score * scale, "max_score": fq.points,
            "fraction": r.fraction, "correct": r.correct, "status": r.status.value, "reason": r.reason,
            "feedback": list(r.feedback),
        })
        total += r.score * scale
        maximum += fq.points
    return total, maximum, results


def finalize(attempt: Attempt, content: QuizContent, when: datetime, auto: bool) -> None:
    score, maximum, results = grade_answers(form_of(attempt), content, attempt.answers or {})
    attempt.submitted_at = when
    attempt.auto_submitted = auto
    attempt.score = score
    attempt.max_score = maximum
    attempt.results = results


def finalize_expired(attempts: list[Attempt], quiz: Quiz, now: datetime, grace: float) -> int:
    """Submit every expired attempt with its autosaved answers; returns how many."""
    done = 0
    for a in attempts:
        if is_expired(a, now, grace):
            finalize(a, content_of(quiz), a.deadline_at or now, auto=True)
            done += 1
    return done


# Statements run on every request, built once (building a select() costs more than running it).
_LOCK_STUDENT = select(Student.id).where(Student.id == bindparam("pk")).with_for_update()
_QUIZ = select(Quiz).where(Quiz.id == bindparam("quiz_id"))
_STUDENT = select(Student).where(Student.id == bindparam("pk"))
_ATTEMPTS_USED = (select(func.count()).select_from(Attempt)
                  .where(Attempt.quiz_id == bindparam("quiz_id"), Attempt.student_pk == bindparam("pk")))
_STUDENT_ATTEMPTS = (select(Attempt).where(Attempt.quiz_id == bindparam("quiz_id"), Attempt.student_pk == bindparam("pk"))
                     .order_by(Attempt.number))


def lock_student(session: Session, student_pk: int) -> None:
    """Serialise this student's writes: a row lock on PostgreSQL. On SQLite the write transaction's
    BEGIN IMMEDIATE already holds the database's write lock, so no query is needed."""
    if session.get_bind().dialect.name != "sqlite":
        session.execute(_LOCK_STUDENT, {"pk": student_pk})


def get_quiz(session: Session, quiz_id: str) -> Quiz:
    quiz = session.execute(_QUIZ, {"quiz_id": quiz_id}).scalar_one_or_none()  # cheaper than session.get
    if quiz is None:
        raise ApiError(404, "quiz_not_found", f"no quiz '{quiz_id}'")
    return quiz


def student_attempts(session: Session, quiz_id: str, student_pk: int) -> list[Attempt]:
    return list(session.execute(_STUDENT_ATTEMPTS, {"quiz_id": quiz_id, "pk": student_pk}).scalars())


def attempts_used(session: Session, quiz_id: str, student_pk: int) -> int:
    """How many attempts the student has started at the quiz (a count, without loading them)."""
    return int(session.execute(_ATTEMPTS_USED, {"quiz_id": quiz_id, "pk": student_pk}).scalar_one())


def own_attempt(session: Session, attempt_id: int, student_pk: int) -> Attempt:
    """The attempt if it is this student's; otherwise 404, exactly as if it did not exist."""
    attempt = session.get(Attempt, attempt_id)
    if attempt is None or attempt.student_pk != student_pk:
        raise ApiError(404, "attempt_not_found", f"no attempt {attempt_id} of yours")
    return attempt


def _timing(attempt: Any, now: datetime, grace: float) -> dict[str, Any]:
    left = None
    if attempt.deadline_at is not None and attempt.submitted_at is None:
        left = max(0, int((attempt.deadline_at - now).total_seconds()))
    return {
        "server_time": iso(now), "started_at": iso(attempt.started_at), "deadline": iso(attempt.deadline_at),
        "seconds_left": left, "grace_seconds": grace,
    }


def attempt_view(session: Session, attempt: Attempt, quiz: Quiz, now: datetime, grace: float,
                 used: int | None = None) -> dict[str, Any]:
    """The attempt as the student sees it; ``used``: the student's attempts at this quiz, when the caller
    has just counted them (saves a query)."""
    content = content_of(quiz)
    form = form_of(attempt)
    if used is None:
        used = attempts_used(session, quiz.id, attempt.student_pk)
    return {
        "id": attempt.id, "quiz_id": quiz.id, "number": attempt.number, "status": status_of(attempt, now, grace),
        "max_attempts": quiz.max_attempts,
        "attempts_left": None if quiz.max_attempts is None else max(0, quiz.max_attempts - used),
        **_timing(attempt, now, grace),
        "submitted_at": iso(attempt.submitted_at), "saved_at": iso(attempt.saved_at),
        "answers_seq": attempt.answers_seq, "answers": attempt.answers or {},
        "questions": [question_view(fq, content.questions[fq.qid].question) for fq in form.questions],
    }


def final(quiz: Quiz, attempts_used: int, now: datetime, grace: float) -> bool:
    """Can this student make no further attempt? Only then are the correct answers, the author's
    feedback and the explanations shown: every attempt shows the same form, so a key shown while
    another attempt is possible would answer it."""
    if quiz.max_attempts is not None and attempts_used >= quiz.max_attempts:
        return True
    closed_at = release_time(quiz, grace)
    return closed_at is not None and now >= closed_at


def result_view(session: Session, attempt: Attempt, quiz: Quiz, now: datetime, grace: float,
                used: int | None = None) -> dict[str, Any]:
    if used is None:
        used = attempts_used(session, quiz.id, attempt.student_pk)
    reveal = final(quiz, used, now, grace)
    out: dict[str, Any] = {
        "attempt_id": attempt.id, "quiz_id": quiz.id, "number": attempt.number,
        "status": status_of(attempt, now, grace), "submitted_at": iso(attempt.submitted_at),
        "auto_submitted": attempt.auto_submitted, "answers": attempt.answers or {},
        "released": False, "release_at": None, "score": None, "max_score": attempt.max_score,
        "percent": None, "questions": None, "key_shown": False,
        "max_attempts": quiz.max_attempts, "attempts_left": None if quiz.max_attempts is None
        else max(0, quiz.max_attempts - used),
    }
    if attempt.submitted_at is None:
        out["message"] = "not submitted yet"
        return out
    if not released(quiz, now, grace):
        out["release_at"] = iso(release_time(quiz, grace))
        out["message"] = "Your answers are recorded. Scores and feedback are released when the quiz closes."
        return out
    content = content_of(quiz)
    form = form_of(attempt)
    by_number = {r["number"]: r for r in attempt.results or []}
    answers = attempt.answers or {}
    out.update(
        released=True, score=attempt.score, key_shown=reveal,
        percent=round(100.0 * (attempt.score or 0.0) / attempt.max_score, 2) if attempt.max_score else 0.0,
        questions=[released_view(fq, content.questions[fq.qid].question, by_number[fq.number],
                                 answers.get(question_ref(fq.number)), reveal) for fq in form.questions],
    )
    out["message"] = "submitted" if reveal else (
        "Correct answers, feedback and explanations are shown once you have no attempt left or the quiz has closed.")
    return out


def quiz_view(quiz: Quiz, student: Student, attempts: list[Attempt], now: datetime, grace: float,
              with_questions: bool) -> dict[str, Any]:
    """What a student sees of a quiz before (or between) attempts."""
    show = released(quiz, now, grace)
    used = len(attempts)
    current = next((a for a in attempts if status_of(a, now, grace) == "in_progress"), None)
    view: dict[str, Any] = {
        "id": quiz.id, "title": quiz.title, "state": quiz_state(quiz, now), "server_time": iso(now),
        "opens_at": iso(quiz.opens_at), "closes_at": iso(quiz.closes_at),
        "time_limit_seconds": quiz.time_limit_seconds, "max_attempts": quiz.max_attempts,
        "attempts_left": None if quiz.max_attempts is None else max(0, quiz.max_attempts - used),
        "attempts_used": used,
        "feedback": quiz.feedback, "current_attempt_id": current.id if current else None,
        "attempts": [
            {"id": a.id, "number": a.number, "status": status_of(a, now, grace), "started_at": iso(a.started_at),
             "submitted_at": iso(a.submitted_at),
             "score": a.score if (show and a.submitted_at is not None) else None, "max_score": a.max_score}
            for a in attempts
        ],
    }
    if with_questions:
        content = content_of(quiz)
        form = build_form(quiz.id, student.student_id, content, quiz.shuffle_questions)
        view["questions_hidden_until_start"] = False
        view["question_count"] = len(form.questions)
        view["max_score"] = form.max_points
        view["questions"] = [question_view(fq, content.questions[fq.qid].question) for fq in form.questions]
    else:
        view["questions_hidden_until_start"] = True
        view["questions"] = None
    return view


def start(session: Session, quiz: Quiz, student_pk: int, now: datetime, grace: float) -> tuple[int, dict[str, Any]]:
    """Open an attempt, or return the one in progress. (status, body)."""
    lock_student(session, student_pk)
    student = session.execute(_STUDENT, {"pk": student_pk}).scalar_one_or_none()
    if student is None:  # the token resolved a moment ago; only a concurrent roster deletion gets here
        raise ApiError(401, "unauthorized", "unknown student")
    state = quiz_state(quiz, now)
    if state == "not_open":
        raise ApiError(403, "quiz_not_open", f"the quiz opens at {iso(quiz.opens_at)}")
    if state == "closed":
        raise ApiError(403, "quiz_closed", f"the quiz closed at {iso(quiz.closes_at)}")
    attempts = student_attempts(session, quiz.id, student_pk)
    finalize_expired(attempts, quiz, now, grace)
    current = next((a for a in attempts if a.submitted_at is None), None)
    if current is not None:
        return 200, attempt_view(session, current, quiz, now, grace, used=len(attempts))
    if quiz.max_attempts is not None and len(attempts) >= quiz.max_attempts:
        raise ApiError(409, "attempt_limit", f"you have used all {quiz.max_attempts} attempt(s) at this quiz")
    form = build_form(quiz.id, student.student_id, content_of(quiz), quiz.shuffle_questions)
    attempt = Attempt(
        quiz_id=quiz.id, student_pk=student_pk, number=len(attempts) + 1, form=form.model_dump(mode="json"),
        answers={}, answers_seq=0, started_at=now, deadline_at=deadline_for(quiz, now), saved_at=None,
        submitted_at=None, auto_submitted=False, score=None, max_score=form.max_points, results=None,
    )
    session.add(attempt)
    session.flush()
    return 201, attempt_view(session, attempt, quiz, now, grace, used=len(attempts) + 1)


def _time_up(attempt: Attempt, quiz: Quiz, now: datetime) -> tuple[int, dict[str, Any]]:
    finalize(attempt, content_of(quiz), attempt.deadline_at or now, auto=True)
    body = error_body("time_up", f"time ran out at {iso(attempt.deadline_at)}; your last autosaved answers were submitted")
    body["attempt_id"] = attempt.id
    return 409, body


def save(session: Session, attempt: Attempt, quiz: Quiz, answers: dict[str, Any], seq: int | None,
         now: datetime, grace: float) -> tuple[int, dict[str, Any]]:
    if attempt.submitted_at is not None:
        raise ApiError(409, "already_submitted", "this attempt is already submitted")
    if is_expired(attempt, now, grace):
        return _time_up(attempt, quiz, now)
    clean, attempt.answers_seq = _checked(attempt, content_of(quiz), answers, seq)
    attempt.answers = clean
    attempt.saved_at = now
    return 200, _saved(attempt, attempt.answers_seq, now, grace)


def _checked(attempt: Any, content: QuizContent, answers: dict[str, Any], seq: int | None) -> tuple[dict[str, Any], int]:
    """The answers to store and the new save counter, or 409/422 (``attempt``: an ORM object or a row)."""
    if seq is not None and seq < attempt.answers_seq:
        raise ApiError(409, "stale_autosave", f"a newer autosave (seq {attempt.answers_seq}) is already stored")
    clean = check_answers(form_of(attempt), content, answers)
    # Without a client counter the server counts on, saturating at the column's (and the API's) limit.
    return clean, seq if seq is not None else min(attempt.answers_seq + 1, MAX_SEQ)


def _saved(attempt: Any, seq: int, now: datetime, grace: float) -> dict[str, Any]:
    return {"id": attempt.id, "status": "in_progress", "answers_seq": seq, "saved_at": iso(now),
            **_timing(attempt, now, grace)}


# The autosave, most of an exam's requests, reads one row and writes one row without ORM objects:
# loading the Attempt and Quiz objects and flushing the change cost more than everything else it does.
_SAVE_ROW = (select(Attempt.id, Attempt.student_pk, Attempt.form, Attempt.answers_seq, Attempt.started_at,
                    Attempt.deadline_at, Attempt.submitted_at, Quiz.content_hash)
             .join(Quiz, Attempt.quiz_id == Quiz.id).where(Attempt.id == bindparam("attempt_id")))
_QUIZ_CONTENT = select(Quiz.content).join(Attempt, Attempt.quiz_id == Quiz.id).where(Attempt.id == bindparam("attempt_id"))
_SAVE = (update(Attempt).where(Attempt.id == bindparam("attempt_id"))
         .values(answers=bindparam("new_answers", type_=Attempt.__table__.c.answers.type),
                 answers_seq=bindparam("new_seq"), saved_at=bindparam("now", type_=UTCDateTime())))


def save_in_progress(session: Session, attempt_id: int, student_pk: int, answers: dict[str, Any], seq: int | None,
                     now: datetime, grace: float) -> tuple[int, dict[str, Any]] | None:
    """:func:`save` for an attempt in progress, on one row; None when it is submitted or its time ran out,
    for :func:`save` to apply those rules (submitting an expired attempt goes through the ORM, whose
    flush hook queues the score for the LMS). 404 if the attempt is not the student's."""
    conn = session.connection()  # Core on the session's connection: the ORM's statement handling costs more than the SQL
    row = conn.execute(_SAVE_ROW, {"attempt_id": attempt_id}).first()
    if row is None or row.student_pk != student_pk:
        raise ApiError(404, "attempt_not_found", f"no attempt {attempt_id} of yours")
    if row.submitted_at is not None or is_expired(row, now, grace):  # type: ignore[arg-type]
        return None
    content = cached_content(row.content_hash) or load_content(
        conn.execute(_QUIZ_CONTENT, {"attempt_id": attempt_id}).scalar_one(), row.content_hash)
    clean, new_seq = _checked(row, content, answers, seq)
    conn.execute(_SAVE, {"attempt_id": attempt_id, "new_answers": clean, "new_seq": new_seq, "now": now})
    return 200, _saved(row, new_seq, now, grace)


def submit(session: Session, attempt: Attempt, quiz: Quiz, answers: dict[str, Any] | None,
           now: datetime, grace: float) -> tuple[int, dict[str, Any]]:
    if attempt.submitted_at is not None:
        raise ApiError(409, "already_submitted", "this attempt is already submitted")
    if is_expired(attempt, now, grace):
        return _time_up(attempt, quiz, now)
    if answers is not None:
        attempt.answers = check_answers(form_of(attempt), content_of(quiz), answers)
        attempt.saved_at = now
    finalize(attempt, content_of(quiz), now, auto=False)
    return 200, result_view(session, attempt, quiz, now, grace)
