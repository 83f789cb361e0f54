"""Instructor reports that open in a browser: ``/view/{quiz_id}/...?token=<view link token>``.

A browser cannot send an ``Authorization`` header when the instructor clicks a link,
so the JSON API's report URLs answered a JSON 401. ``quizlib serve view-link QUIZ``
(or ``POST /api/v1/instructor/quizzes/{id}/view-link``) issues a read-only token for
one quiz that expires within the hour (setting ``view_minutes``), and these routes
accept it in the query string. The token is in a URL, so: access logs redact it
(:mod:`.logs`), every response says ``Referrer-Policy: no-referrer`` so it never
leaves in a Referer, and the pages link to each other with the same token. The same
routes also accept an instructor's bearer token, for scripts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Callable

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from urllib.parse import urlencode

from . import reports
from .clock import server_now
from .db import Database
from .security import LINK, MAX_TOKEN_CHARS, VIEW, bearer_token, charge, get_db, get_settings, refuse_sign_in, resolve
from .settings import Settings

router = APIRouter(prefix="/view", include_in_schema=False)

QuizId = Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$", max_length=80)


def viewer(request: Request, quiz_id: str = QuizId, token: str = Query(default="", max_length=MAX_TOKEN_CHARS),
           db: Database = Depends(get_db), settings: Settings = Depends(get_settings),
           now: datetime = Depends(server_now)) -> str:
    """The query string to repeat on links between the reports (the view token), after checking it."""
    given = token or bearer_token(request)
    if not given:
        raise refuse_sign_in(request, settings, now, f"open this page with a view link: quizlib serve view-link {quiz_id}")
    principal, why = resolve(db, settings, given, now)
    ok = principal is not None and principal.role == "instructor" and (
        principal.kind == LINK or (principal.kind == VIEW and principal.scope == quiz_id))
    if principal is None or not ok:
        raise refuse_sign_in(request, settings, now, why or f"this link is not for quiz '{quiz_id}'")
    charge(request, settings, principal, now)
    return f"?{urlencode({'token': token})}" if token else ""


def _render(db: Database, quiz_id: str, now: datetime, grace: float,
            make: Callable[[reports.ClassSnapshot], Response]) -> Response:
    """Read the class in a snapshot (no writer waits for it), then render with no transaction open."""
    return make(reports.load_class(db, quiz_id, now, grace))


@router.get("/{quiz_id}/report.html", response_class=HTMLResponse)
def report(quiz_id: str = QuizId, link_query: str = Depends(viewer), db: Database = Depends(get_db),
           settings: Settings = Depends(get_settings), now: datetime = Depends(server_now)) -> Response:
    return _render(db, quiz_id, now, settings.grace_seconds, lambda snap: HTMLResponse(
        reports.html_report(snap, link_query), headers=_private()))


@router.get("/{quiz_id}/items.html", response_class=HTMLResponse)
def items_html(quiz_id: str = QuizId, _: str = Depends(viewer), db: Database = Depends(get_db),
               settings: Settings = Depends(get_settings), now: datetime = Depends(server_now)) -> Response:
    return _render(db, quiz_id, now, settings.grace_seconds, lambda snap: HTMLResponse(
        reports.stats_html(snap), headers=_private()))


@router.get("/{quiz_id}/gradebook.csv", response_class=PlainTextResponse)
def gradebook(quiz_id: str = QuizId, _: str = Depends(viewer), db: Database = Depends(get_db),
              settings: Settings = Depends(get_settings), now: datetime = Depends(server_now)) -> Response:
    return _render(db, quiz_id, now, settings.grace_seconds, lambda snap: PlainTextResponse(
        reports.gradebook_csv(snap), media_type="text/csv; charset=utf-8",
        headers={**_private(), "Content-Disposition": f'attachment; filename="{quiz_id}-gradebook.csv"'}))


@router.get("/{quiz_id}/items.csv", response_class=PlainTextResponse)
def items_csv(quiz_id: str = QuizId, _: str = Depends(viewer), db: Database = Depends(get_db),
              settings: Settings = Depends(get_settings), now: datetime = Depends(server_now)) -> Response:
    return _render(db, quiz_id, now, settings.grace_seconds, lambda snap: PlainTextResponse(
        reports.items_csv(snap), media_type="text/csv; charset=utf-8",
        headers={**_private(), "Content-Disposition": f'attachment; filename="{quiz_id}-items.csv"'}))


def _private() -> dict[str, str]:
    """Reports hold students' names and answers: no cache, anywhere."""
    return {"Cache-Control": "no-store"}

