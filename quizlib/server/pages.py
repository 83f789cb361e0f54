"""The service's own HTML pages: sign-in, a page per quiz, and the help shown instead of a JSON 401.

- ``/signin#token=...``: where a sign-in link leads when no book URL is configured. Its
  script exchanges the token for a session and lists the student's quizzes, each linked
  to ``/quiz/{id}``. (Older links with ``?token=`` are still read, then removed.)
- ``/quiz/{id}``: the graded quiz itself, with the same script and styles as the book's
  ``graded-quiz`` directive, so a link always leads to a quiz even without a book page.
- A browser that opens an instructor URL without a token gets a page saying how to get
  a view link (``quizlib serve view-link QUIZ``), not a JSON error.
"""

from __future__ import annotations

import re
from datetime import datetime

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import select

from . import attempts as rules
from .clock import iso, server_now
from .db import Database
from .errors import ApiError
from .models import Quiz
from .security import MAX_TOKEN_CHARS, get_db, get_settings, refuse_sign_in, resolve
from .settings import Settings

router = APIRouter(include_in_schema=False)
_env = Environment(loader=PackageLoader("quizlib.server", "templates"), autoescape=select_autoescape(["html"]))
_NO_STORE = {"Cache-Control": "no-store"}
_QUIZ_IN_PATH = re.compile(r"/(?:api/v1/instructor/quizzes|view)/([A-Za-z0-9][A-Za-z0-9_.\-]*)/")


@router.get("/signin", response_class=HTMLResponse)
def signin(request: Request, token: str = Query(default="", max_length=MAX_TOKEN_CHARS), db: Database = Depends(get_db),
           settings: Settings = Depends(get_settings), now: datetime = Depends(server_now)) -> HTMLResponse:
    if not token:  # the usual case: the token is in the fragment, which only the page's script sees
        return HTMLResponse(_env.get_template("signin.html").render(legacy=False), headers=_NO_STORE)
    principal, why = resolve(db, settings, token, now)
    student = principal if principal is not None and principal.role == "student" else None
    quizzes = []
    if student is not None:
        with db.read() as s:
            quizzes = [{"id": q.id, "title": q.title, "state": rules.quiz_state(q, now), "closes_at": iso(q.closes_at)}
                       for q in s.execute(select(Quiz).order_by(Quiz.created_at, Quiz.id)).scalars()]
    else:  # a failed sign-in counts against the client's address, like any other
        refused = refuse_sign_in(request, settings, now, why or "this link is not a student's")
        if refused.status == 429:
            raise refused
    html = _env.get_template("signin.html").render(student=student, quizzes=quizzes, legacy=True,
                                                   message="This link is unknown, revoked or expired.")
    return HTMLResponse(html, status_code=200 if student else 401, headers=_NO_STORE)


@router.get("/quiz/{quiz_id}", response_class=HTMLResponse)
def quiz_page(quiz_id: str = Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$", max_length=80),
              db: Database = Depends(get_db)) -> HTMLResponse:
    """The quiz's page on this service. It holds no question: the script fetches the student's form."""
    with db.read() as s:
        title = rules.get_quiz(s, quiz_id).title
    return HTMLResponse(_env.get_template("quiz.html").render(quiz_id=quiz_id, title=title))


def wants_page(request: Request) -> bool:
    """A browser following a link (it asks for HTML), not a script calling the API."""
    return "text/html" in request.headers.get("accept", "") or request.url.path.endswith(".html")


def help_page(request: Request, exc: ApiError) -> HTMLResponse:
    m = _QUIZ_IN_PATH.search(request.url.path)
    html = _env.get_template("help.html").render(message=exc.message, quiz_id=m.group(1) if m else None)
    return HTMLResponse(html, status_code=exc.status, headers={**(exc.headers or {}), **_NO_STORE})
