"""The FastAPI application: ``create_app(settings)``, and ``app_from_env()`` for uvicorn workers."""

from __future__ import annotations

from contextlib import asynccontextmanager
from datetime import datetime
from typing import AsyncIterator

from fastapi import Depends, FastAPI, Query
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import select

from .. import __version__
from . import api_instructor, api_student
from . import attempts as rules
from .clock import iso, server_now
from .db import Database
from .errors import install_handlers
from .limits import BodySizeLimit, RateLimiter
from .lti import routes as lti_routes
from .lti.worker import OutboxWorker
from .models import Quiz
from .security import MAX_TOKEN_CHARS, get_db, get_settings, resolve_token
from .settings import Settings

_env = Environment(loader=PackageLoader("quizlib.server", "templates"), autoescape=select_autoescape(["html"]))


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    db = Database(settings.database_url, settings.pool_size)
    if settings.run_migrations:
        db.migrate()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        worker = OutboxWorker(db, settings)  # sends LTI scores to the LMS (quizlib.server.lti.outbox)
        worker.start()
        yield
        worker.stop()
        app.state.lti_delivery.http.close()
        db.dispose()

    app = FastAPI(
        title="quizlib grading service", version=__version__, lifespan=lifespan,
        docs_url=None, redoc_url=None, openapi_url="/api/openapi.json",  # API.md is the guide; no CDN-loaded UI
        description="Graded quizzes whose answer keys never leave the server. See quizlib/server/API.md.",
    )
    app.state.settings = settings
    app.state.db = db
    app.state.rate_limiter = RateLimiter(settings.rate_per_minute, settings.rate_burst)
    install_handlers(app)
    app.include_router(api_student.router)
    app.include_router(api_instructor.router)
    lti_routes.install(app, db, settings)

    @app.get("/api/health", tags=["service"], summary="Liveness and database check (no auth)")
    def health(db: Database = Depends(get_db)) -> dict[str, object]:
        with db.read() as s:
            s.execute(select(1))
        return {"ok": True, "version": __version__, "database": db.engine.dialect.name}

    @app.get("/signin", response_class=HTMLResponse, include_in_schema=False)
    def signin(token: str = Query(default="", max_length=MAX_TOKEN_CHARS), db: Database = Depends(get_db),
               settings: Settings = Depends(get_settings), now: datetime = Depends(server_now)) -> HTMLResponse:
        """A plain page confirming a sign-in link works (used when no book URL is configured)."""
        principal = resolve_token(db, settings, token) if token else None
        quizzes = []
        if principal is not None and principal.role == "student":
            with db.read() as s:
                quizzes = [{"title": q.title, "state": rules.quiz_state(q, now), "closes_at": iso(q.closes_at)}
                           for q in s.execute(select(Quiz).order_by(Quiz.created_at)).scalars()]
        student = principal if principal is not None and principal.role == "student" else None
        html = _env.get_template("signin.html").render(student=student, quizzes=quizzes)
        return HTMLResponse(html, status_code=200 if student else 401, headers={"Cache-Control": "no-store"})

    def limit_for(path: str) -> int:
        return settings.instructor_body_limit if path.startswith("/api/v1/instructor") else settings.student_body_limit

    app.add_middleware(BodySizeLimit, limit_for=limit_for)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=list(settings.cors_origins), allow_credentials=False,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
            expose_headers=["Retry-After"], max_age=600,
        )
    return app


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory``: each worker process reads the ``QUIZLIB_*`` environment.

    The parent ``quizlib serve`` has already migrated the database, so workers do not race to do it.
    """
    return create_app(Settings.from_env(run_migrations=False))
