"""Student endpoints (``/api/v1``): the quiz widget's graded mode talks to these. See API.md.

Each handler is thin: authenticate, open one transaction, call :mod:`.attempts`,
answer. Writes commit before the response is sent, so an acknowledged request is
on disk.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

from fastapi import APIRouter, Depends, Header, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, JsonValue
from sqlalchemy import bindparam, select

from . import attempts as rules
from .clock import iso, server_now
from .db import Database
from .errors import ApiError
from .idempotency import check_key, remember, replay, request_hash
from .models import Attempt, Quiz, Student
from . import admin
from .security import Principal, authenticate, get_db, get_settings, require_student
from .settings import Settings

router = APIRouter(prefix="/api/v1", tags=["student"])

QuizId = Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$", max_length=80)
AttemptId = Path(ge=1, le=2**31 - 1)


class AnswersBody(BaseModel):
    """Autosave: the whole answer sheet so far (replaces the previous one)."""

    model_config = ConfigDict(extra="forbid")
    answers: dict[str, JsonValue] = Field(description="Answers by question id (q1, q2...); null or absent = unanswered.")
    seq: int | None = Field(default=None, ge=0, le=rules.MAX_SEQ,
                            description="Client's save counter; a save older than the stored one is refused (409).")


class SubmitBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answers: dict[str, JsonValue] | None = Field(default=None, description="Final answers; default: the last autosave.")


def _student(s: Any, pk: int) -> Student:
    student = s.get(Student, pk)
    if student is None:  # the token resolved a moment ago; only a concurrent roster change gets here
        raise ApiError(401, "unauthorized", "unknown student")
    return student


def _finalize_if_expired(db: Database, quiz_id: str, student_pk: int, now: datetime, grace: float) -> None:
    """Reads never leave an expired attempt unsubmitted: submit it (autosaved answers) first."""
    with db.read() as s:
        stale = any(rules.is_expired(a, now, grace) for a in rules.student_attempts(s, quiz_id, student_pk))
    if stale:
        with db.write() as s:
            rules.lock_student(s, student_pk)
            quiz = rules.get_quiz(s, quiz_id)
            rules.finalize_expired(rules.student_attempts(s, quiz_id, student_pk), quiz, now, grace)


@router.post("/session", status_code=201, summary="Exchange a sign-in link's token for a session (expires)")
def start_session(principal: Principal = Depends(authenticate), db: Database = Depends(get_db),
                  settings: Settings = Depends(get_settings), now: datetime = Depends(server_now)) -> dict[str, Any]:
    """The page sends the token from its sign-in link once and keeps the session token instead,
    so the long-lived link token leaves the address bar, the history and every later request."""
    with db.write() as s:
        token, expires = admin.create_session(s, principal, now, settings.session_hours)
    return {"token": token, "expires_at": iso(expires), "student_id": principal.student_id, "name": principal.name}


@router.get("/me", summary="Who am I, and my quizzes")
def me(principal: Principal = Depends(require_student), db: Database = Depends(get_db),
       settings: Settings = Depends(get_settings), now: datetime = Depends(server_now)) -> dict[str, Any]:
    return {"student_id": principal.student_id, "name": principal.name, "server_time": iso(now),
            "quizzes": list_quizzes(principal, db, settings, now)}


@router.get("/quizzes", summary="Published quizzes")
def list_quizzes(principal: Principal = Depends(require_student), db: Database = Depends(get_db),
                 settings: Settings = Depends(get_settings), now: datetime = Depends(server_now)) -> list[dict[str, Any]]:
    out = []
    with db.read() as s:
        student = _student(s, principal.student_pk or 0)
        for quiz in s.execute(select(Quiz).order_by(Quiz.created_at, Quiz.id)).scalars():
            mine = rules.student_attempts(s, quiz.id, principal.student_pk or 0)
            view = rules.quiz_view(quiz, student, mine, now, settings.grace_seconds, with_questions=False)
            view.pop("questions")
            view.pop("questions_hidden_until_start")
            out.append(view)
    return out


@router.get("/quizzes/{quiz_id}", summary="One quiz: rules, my attempts, and my form when there is no time limit")
def get_quiz(quiz_id: str = QuizId, principal: Principal = Depends(require_student), db: Database = Depends(get_db),
             settings: Settings = Depends(get_settings), now: datetime = Depends(server_now)) -> dict[str, Any]:
    pk = principal.student_pk or 0
    with db.read() as s:
        rules.get_quiz(s, quiz_id)
    _finalize_if_expired(db, quiz_id, pk, now, settings.grace_seconds)
    with db.read() as s:
        quiz = rules.get_quiz(s, quiz_id)
        student = _student(s, pk)
        mine = rules.student_attempts(s, quiz_id, pk)
        # Questions only while the quiz is open, and, with a time limit, only with a started attempt
        # (so reading them is timed).
        return rules.quiz_view(quiz, student, mine, now, settings.grace_seconds,
                               with_questions=quiz.time_limit_seconds is None and rules.quiz_state(quiz, now) == "open")


@router.post("/quizzes/{quiz_id}/attempts", summary="Start an attempt (or get the one in progress)",
             status_code=201)
def start_attempt(quiz_id: str = QuizId, idempotency_key: str | None = Header(default=None, alias="Idempotency-Key"),
                  principal: Principal = Depends(require_student), db: Database = Depends(get_db),
                  settings: Settings = Depends(get_settings), now: datetime = Depends(server_now)) -> JSONResponse:
    status, body = do_start(db, settings, principal, quiz_id, idempotency_key, now)
    return JSONResponse(body, status_code=status)


# The work of the exam's three busy endpoints (start, autosave, submit), after authentication: called by the
# FastAPI routes here and by :mod:`.hot_paths`, which serves the same requests in one thread hop.


def do_start(db: Database, settings: Settings, principal: Principal, quiz_id: str, idempotency_key: str | None,
             now: datetime) -> tuple[int, dict[str, Any]]:
    key = check_key(idempotency_key, required=False)
    pk = principal.student_pk or 0
    digest = request_hash("POST", f"/quizzes/{quiz_id}/attempts", None)
    with db.write() as s:
        rules.lock_student(s, pk)
        prior = replay(s, pk, key, digest, now) if key else None
        if prior is None:
            quiz = rules.get_quiz(s, quiz_id)
            status, body = rules.start(s, quiz, pk, now, settings.grace_seconds)
            if key:
                remember(s, pk, key, digest, status, body, now)
        else:
            status, body = prior
    return status, body


def do_save(db: Database, settings: Settings, principal: Principal, attempt_id: int, body: AnswersBody,
            now: datetime) -> tuple[int, dict[str, Any]]:
    pk = principal.student_pk or 0
    with db.write() as s:
        rules.lock_student(s, pk)
        done = rules.save_in_progress(s, attempt_id, pk, body.answers, body.seq, now, settings.grace_seconds)
        if done is None:  # submitted, or its time ran out: the full rules, on the ORM objects
            attempt, quiz = _load(s, attempt_id, pk)
            done = rules.save(s, attempt, quiz, body.answers, body.seq, now, settings.grace_seconds)
    return done


def do_submit(db: Database, settings: Settings, principal: Principal, attempt_id: int, body: SubmitBody | None,
              idempotency_key: str | None, now: datetime) -> tuple[int, dict[str, Any]]:
    key = check_key(idempotency_key, required=True)
    assert key is not None
    pk = principal.student_pk or 0
    answers = body.answers if body is not None else None
    digest = request_hash("POST", f"/attempts/{attempt_id}/submit", answers)
    with db.write() as s:
        rules.lock_student(s, pk)
        prior = replay(s, pk, key, digest, now)
        if prior is None:
            attempt, quiz = _load(s, attempt_id, pk)
            status, out = rules.submit(s, attempt, quiz, answers, now, settings.grace_seconds)
            remember(s, pk, key, digest, status, out, now)
        else:
            status, out = prior
    return status, out


_LOAD = select(Attempt, Quiz).join(Quiz, Attempt.quiz_id == Quiz.id).where(Attempt.id == bindparam("attempt_id"))
"""Built once (building a select() costs more than running it)."""


def _load(s: Any, attempt_id: int, pk: int) -> tuple[Attempt, Quiz]:
    """The student's attempt and its quiz in one query; 404 if the attempt is not theirs."""
    row = s.execute(_LOAD, {"attempt_id": attempt_id}).first()
    if row is None or row[0].student_pk != pk:
        raise ApiError(404, "attempt_not_found", f"no attempt {attempt_id} of yours")
    return row[0], row[1]


def _read_attempt(db: Database, attempt_id: int, pk: int, now: datetime, grace: float,
                  view: Callable[[Any, Attempt, Quiz, datetime, float], dict[str, Any]]) -> dict[str, Any]:
    """A view of the student's attempt, after submitting it if its time ran out (reads never show a stale state)."""
    with db.read() as s:
        _, quiz = _load(s, attempt_id, pk)
    _finalize_if_expired(db, quiz.id, pk, now, grace)
    with db.read() as s:
        attempt, quiz = _load(s, attempt_id, pk)
        return view(s, attempt, quiz, now, grace)


@router.get("/attempts/{attempt_id}", summary="An attempt: my form, saved answers, time left")
def get_attempt(attempt_id: int = AttemptId, principal: Principal = Depends(require_student),
                db: Database = Depends(get_db), settings: Settings = Depends(get_settings),
                now: datetime = Depends(server_now)) -> dict[str, Any]:
    return _read_attempt(db, attempt_id, principal.student_pk or 0, now, settings.grace_seconds, rules.attempt_view)


@router.put("/attempts/{attempt_id}/answers", summary="Autosave answers")
def save_answers(body: AnswersBody, attempt_id: int = AttemptId, principal: Principal = Depends(require_student),
                 db: Database = Depends(get_db), settings: Settings = Depends(get_settings),
                 now: datetime = Depends(server_now)) -> JSONResponse:
    status, out = do_save(db, settings, principal, attempt_id, body, now)
    return JSONResponse(out, status_code=status)


@router.post("/attempts/{attempt_id}/submit", summary="Submit (needs an Idempotency-Key header)")
def submit_attempt(body: SubmitBody | None = None, attempt_id: int = AttemptId,
                   idempotency_key: str | None = Header(default=None, alias="Idempotency-Key"),
                   principal: Principal = Depends(require_student), db: Database = Depends(get_db),
                   settings: Settings = Depends(get_settings), now: datetime = Depends(server_now)) -> JSONResponse:
    status, out = do_submit(db, settings, principal, attempt_id, body, idempotency_key, now)
    return JSONResponse(out, status_code=status)


@router.get("/attempts/{attempt_id}/result", summary="Score and feedback, as the quiz's feedback policy allows")
def get_result(attempt_id: int = AttemptId, principal: Principal = Depends(require_student),
               db: Database = Depends(get_db), settings: Settings = Depends(get_settings),
               now: datetime = Depends(server_now)) -> dict[str, Any]:
    return _read_attempt(db, attempt_id, principal.student_pk or 0, now, settings.grace_seconds, rules.result_view)
