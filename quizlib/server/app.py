"""The FastAPI application: ``create_app(settings)``, and ``app_from_env()`` for uvicorn workers."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import AsyncIterator

from fastapi import Depends, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import __version__
from . import api_instructor, api_student, api_views, pages
from .db import Database
from .errors import ApiError, error_response, install_handlers
from .hot_paths import HotPaths
from .limits import BodySizeLimit, RateLimiter
from .lti import routes as lti_routes
from .lti.worker import OutboxWorker
from .security import get_db
from .settings import Settings
from .text import TextGuard

#: Sent with every response. ``no-referrer``: a page reached through a link that carried a token
#: (an older ``?token=`` sign-in link, a report view link) never passes that URL on in a Referer.
SECURITY_HEADERS = [(b"referrer-policy", b"no-referrer"), (b"x-content-type-options", b"nosniff")]


class SecurityHeaders:
    """ASGI middleware adding :data:`SECURITY_HEADERS` to every response, errors and preflights included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [h for h in SECURITY_HEADERS if h[0] not in present]
            await send(message)

        await self.app(scope, receive, send_with_headers)


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
    app.state.rate_limiter = RateLimiter(db)
    install_handlers(app)

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        if exc.status == 401 and pages.wants_page(request):  # a browser following a link: say what to do
            return pages.help_page(request, exc)
        return error_response(exc.status, exc.code, exc.message, exc.details, exc.headers)

    app.include_router(api_student.router)
    app.include_router(api_instructor.router)
    app.include_router(api_views.router)
    app.include_router(pages.router)
    # Innermost: the exam's start/autosave/submit in one thread hop (falls back to the routes above).
    app.add_middleware(HotPaths)
    lti_routes.install(app, db, settings)  # LTI 1.3 (quizlib.server.lti): launches, quiz picker, grades to the LMS
    # The graded quiz's script and styles (the book ships the same files) and the sign-in page's script.
    app.mount("/static", StaticFiles(packages=[("quizlib", "static"), ("quizlib.server", "static")]), name="static")

    @app.get("/api/health", tags=["service"], summary="Liveness and database check (no auth)")
    def health(db: Database = Depends(get_db)) -> dict[str, object]:
        with db.read() as s:
            s.execute(select(1))
        return {"ok": True, "version": __version__, "database": db.engine.dialect.name}

    def limit_for(path: str) -> int:
        return settings.instructor_body_limit if path.startswith("/api/v1/instructor") else settings.student_body_limit

    app.add_middleware(TextGuard)  # inside the size limit: it reads bodies the limit has let through
    app.add_middleware(BodySizeLimit, limit_for=limit_for)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=list(settings.cors_origins), allow_credentials=False,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
            expose_headers=["Retry-After"], max_age=600,
        )
    app.add_middleware(SecurityHeaders)  # outermost: CORS preflights and errors get the headers too
    return app


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory``: each worker process reads the ``QUIZLIB_*`` environment.

    The parent ``quizlib serve`` has already migrated the database, so workers do not race to do it.
    """
    return create_app(Settings.from_env(run_migrations=False))
