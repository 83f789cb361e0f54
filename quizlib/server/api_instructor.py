"""Instructor endpoints (``/api/v1/instructor``): roster, tokens, publishing, gradebook, item analysis.

All need an instructor token; a student token gets 403. The same operations are
available offline as ``quizlib serve roster|publish|gradebook|...`` (see
:mod:`quizlib.commands.serve`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Body, Depends, Path, Query
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from . import admin, reports
from . import attempts as rules
from .clock import iso, server_now
from .db import Database
from .errors import ApiError
from .models import Attempt, Quiz, Student, Token
from .security import get_db, get_settings, link_expiry, require_instructor
from .settings import Settings

router = APIRouter(prefix="/api/v1/instructor", tags=["instructor"], dependencies=[Depends(require_instructor)])

QuizId = Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$", max_length=80)
StudentId = Path(min_length=1, max_length=admin.MAX_STUDENT_ID)


def link_base(settings: Settings) -> str:
    return settings.book_url or f"{settings.public_url}/signin"


def quiz_summary(quiz: Quiz, now: datetime) -> dict[str, Any]:
    content = rules.content_of(quiz)
    return {
        "id": quiz.id, "title": quiz.title, "source": quiz.source, "state": rules.quiz_state(quiz, now),
        "opens_at": iso(quiz.opens_at), "closes_at": iso(quiz.closes_at),
        "time_limit_seconds": quiz.time_limit_seconds, "max_attempts": quiz.max_attempts,
        "feedback": quiz.feedback, "shuffle_questions": quiz.shuffle_questions,
        "questions": len(content.fixed) if content.fixed is not None else None,
        "pool": len(content.questions), "content_hash": quiz.content_hash,
    }


@router.post("/roster", summary="Import a roster CSV; new students get a token (shown once)")
def import_roster(csv_text: str = Body(..., media_type="text/csv"),
                  partial: bool = Query(default=False, description="Import the good rows even if some are bad."),
                  db: Database = Depends(get_db), settings: Settings = Depends(get_settings),
                  now: datetime = Depends(server_now)) -> JSONResponse:
    with db.write() as s:
        result = admin.import_roster(s, csv_text, now, link_base(settings), partial=partial,
                                     expires_at=link_expiry(settings, now))
    status = 422 if result.errors and not partial else 200
    body = result.as_json()
    if status == 422:
        first = result.errors[0]
        body = {"error": {"code": "invalid_roster",
                          "message": f"line {first['line']}: {first['message']} ({len(result.errors)} bad row(s); nothing imported)",
                          "details": result.errors}}
    return JSONResponse(body, status_code=status)


@router.get("/students", summary="The roster")
def list_students(db: Database = Depends(get_db)) -> list[dict[str, Any]]:
    with db.read() as s:
        active = dict(s.execute(
            select(Token.student_pk, func.count()).where(Token.revoked_at.is_(None), Token.student_pk.is_not(None))
            .group_by(Token.student_pk)).all())
        return [{"student_id": st.student_id, "name": st.name, "email": st.email, "active_tokens": active.get(st.id, 0)}
                for st in s.execute(select(Student).order_by(Student.student_id)).scalars()]


@router.post("/students/{student_id}/token", summary="Revoke a student's tokens and issue a new one")
def reissue(student_id: str = StudentId, db: Database = Depends(get_db), settings: Settings = Depends(get_settings),
            now: datetime = Depends(server_now)) -> dict[str, Any]:
    with db.write() as s:
        issued = admin.reissue_token(s, student_id, now, link_base(settings), link_expiry(settings, now))
    return issued.__dict__


@router.delete("/students/{student_id}/tokens", summary="Revoke every token of a student")
def revoke(student_id: str = StudentId, db: Database = Depends(get_db), now: datetime = Depends(server_now)) -> dict[str, Any]:
    with db.write() as s:
        n = admin.revoke_student_tokens(s, admin.find_student(s, student_id), now)
    return {"student_id": student_id, "revoked": n}


@router.post("/quizzes", summary="Publish a quiz from bank files (or a blueprint)", status_code=201)
def publish(body: admin.PublishRequest, db: Database = Depends(get_db), now: datetime = Depends(server_now)) -> dict[str, Any]:
    banks = admin.parse_banks(body.banks)
    blueprint = None
    if body.blueprint is not None:
        from .blueprints import parse_blueprint_text

        blueprint = parse_blueprint_text(body.blueprint)
    rules_ = admin.QuizRules.model_validate(body.model_dump(include=set(admin.QuizRules.model_fields)))
    warnings = admin.check_public_keys(banks, body.allow_public_keys, questions=body.questions)
    with db.write() as s:
        quiz = admin.publish(s, body.id, banks, rules_, now, body.questions, blueprint)
        return {**quiz_summary(quiz, now), "warnings": warnings}


@router.get("/quizzes", summary="Published quizzes")
def list_quizzes(db: Database = Depends(get_db), now: datetime = Depends(server_now)) -> list[dict[str, Any]]:
    with db.read() as s:
        return [quiz_summary(q, now) for q in s.execute(select(Quiz).order_by(Quiz.created_at, Quiz.id)).scalars()]


@router.patch("/quizzes/{quiz_id}", summary="Change times, limits or feedback policy")
def change_rules(changes: dict[str, Any] = Body(...), quiz_id: str = QuizId, db: Database = Depends(get_db),
                 settings: Settings = Depends(get_settings), now: datetime = Depends(server_now)) -> dict[str, Any]:
    unknown = set(changes) - set(admin.QuizRules.model_fields)
    if unknown:
        raise ApiError(422, "invalid_request", f"unknown field(s): {', '.join(sorted(unknown))}; "
                       f"allowed: {', '.join(admin.QuizRules.model_fields)}")
    with db.write() as s:
        quiz = rules.get_quiz(s, quiz_id)
        admin.update_rules(s, quiz, changes, now, settings.grace_seconds)
        return quiz_summary(quiz, now)


@router.post("/quizzes/{quiz_id}/view-link", status_code=201,
             summary="A read-only link to the quiz's reports that opens in a browser (expires)")
def view_link(quiz_id: str = QuizId, db: Database = Depends(get_db), settings: Settings = Depends(get_settings),
              now: datetime = Depends(server_now)) -> dict[str, Any]:
    with db.write() as s:
        url, expires = admin.create_view_link(s, quiz_id, now, settings.view_minutes, settings.public_url)
    return {"url": url, "expires_at": iso(expires)}


@router.get("/quizzes/{quiz_id}/attempts", summary="Every attempt at a quiz")
def list_attempts(quiz_id: str = QuizId, db: Database = Depends(get_db), settings: Settings = Depends(get_settings),
                  now: datetime = Depends(server_now)) -> list[dict[str, Any]]:
    grace = settings.grace_seconds
    with db.snapshot() as s:  # a read no writer waits for (see reports.load_class)
        quiz = rules.get_quiz(s, quiz_id)
        content = rules.content_of(quiz)
        attempts = list(s.execute(select(Attempt).options(selectinload(Attempt.student))
                                  .where(Attempt.quiz_id == quiz_id).order_by(Attempt.student_pk, Attempt.number)).scalars())
        s.expunge_all()
    overdue = [a for a in attempts if rules.is_expired(a, now, grace)]
    for a in overdue:  # shown as submitted, exactly as the database will hold them...
        rules.finalize(a, content, a.deadline_at or now, auto=True)
    reports.submit_overdue(db, quiz_id, [a.student_pk for a in overdue], now, grace)  # ...once this short write is done
    return [{
        "id": a.id, "student_id": a.student.student_id, "name": a.student.name, "number": a.number,
        "status": rules.status_of(a, now, grace), "started_at": iso(a.started_at),
        "deadline": iso(a.deadline_at), "saved_at": iso(a.saved_at), "submitted_at": iso(a.submitted_at),
        "auto_submitted": a.auto_submitted, "score": a.score, "max_score": a.max_score,
    } for a in attempts]


@router.get("/quizzes/{quiz_id}/gradebook.csv", summary="Gradebook CSV (best attempt per student)",
            response_class=PlainTextResponse)
def gradebook(quiz_id: str = QuizId, db: Database = Depends(get_db), settings: Settings = Depends(get_settings),
              now: datetime = Depends(server_now)) -> PlainTextResponse:
    text = reports.gradebook_csv(reports.load_class(db, quiz_id, now, settings.grace_seconds))
    return PlainTextResponse(text, media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{quiz_id}-gradebook.csv"'})


@router.get("/quizzes/{quiz_id}/items", summary="Item analysis, as quizlib stats computes it")
def items(quiz_id: str = QuizId, db: Database = Depends(get_db), settings: Settings = Depends(get_settings),
          now: datetime = Depends(server_now)) -> dict[str, Any]:
    return reports.item_analysis(reports.load_class(db, quiz_id, now, settings.grace_seconds))


@router.get("/quizzes/{quiz_id}/items.csv", summary="Item analysis as CSV (quizlib stats's columns)",
            response_class=PlainTextResponse)
def items_csv(quiz_id: str = QuizId, db: Database = Depends(get_db), settings: Settings = Depends(get_settings),
              now: datetime = Depends(server_now)) -> PlainTextResponse:
    text = reports.items_csv(reports.load_class(db, quiz_id, now, settings.grace_seconds))
    return PlainTextResponse(text, media_type="text/csv; charset=utf-8")


@router.get("/quizzes/{quiz_id}/items.html", summary="Item analysis report with plots (quizlib stats's HTML)",
            response_class=HTMLResponse)
def items_html(quiz_id: str = QuizId, db: Database = Depends(get_db), settings: Settings = Depends(get_settings),
               now: datetime = Depends(server_now)) -> HTMLResponse:
    html = reports.stats_html(reports.load_class(db, quiz_id, now, settings.grace_seconds))
    return HTMLResponse(html)


@router.get("/quizzes/{quiz_id}/report.html", summary="HTML report: scores, item analysis, typed answers",
            response_class=HTMLResponse)
def report(quiz_id: str = QuizId, db: Database = Depends(get_db), settings: Settings = Depends(get_settings),
           now: datetime = Depends(server_now)) -> HTMLResponse:
    html = reports.html_report(reports.load_class(db, quiz_id, now, settings.grace_seconds))
    return HTMLResponse(html)

