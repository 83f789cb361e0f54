"""The exam's busy requests (start, autosave, submit) served in one thread hop, beside the FastAPI routes.

During an exam nearly every request is one of three: start an attempt, autosave, submit.
Through FastAPI each pays for dependency solving, two hops to the thread pool (the
authentication dependency, then the endpoint) and pydantic's request parsing, about as
much CPU as the work itself (profiled under the exam mix of ``benchmarks/bench_server_load.py``).
:class:`HotPaths` is an ASGI middleware, innermost, so the size limit, the text guard and
the security headers still apply. For a request it can take, it authenticates, charges the
rate limit and does the work in one thread hop, calling the same functions as the
FastAPI routes (:func:`.api_student.do_start`, :func:`~.api_student.do_save`,
:func:`~.api_student.do_submit`), and answers errors through the app's own handlers.

Anything else goes to the FastAPI route unchanged, *before* anything was charged or
written: a token that does not resolve to a student (so sign-in failures are counted and
answered as always), a body or path the fast parser does not accept as valid (so every
malformed request gets FastAPI's own 400/422), an unusual content type. The routes stay
the reference and the OpenAPI schema; this module only skips their machinery for
requests whose answer it would not change.
"""

from __future__ import annotations

import inspect
import json
import re
from datetime import datetime, timezone
from typing import Any, Callable

from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import api_student
from .clock import server_now
from .errors import ApiError
from .security import Principal, bearer_token, charge, resolve

_START = re.compile(r"/api/v1/quizzes/([^/]+)/attempts")
_SAVE = re.compile(r"/api/v1/attempts/([^/]+)/answers")
_SUBMIT = re.compile(r"/api/v1/attempts/([^/]+)/submit")
_ATTEMPT_ID = re.compile(r"[1-9][0-9]{0,9}")
_QUIZ_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,79}")  # api_student.QuizId
_MAX_ID = 2**31 - 1
_JSON = (b"application/json", b"application/json; charset=utf-8")


class _Pass(Exception):
    """This request is left to the FastAPI route."""


Work = Callable[[Principal, datetime], tuple[int, dict[str, Any]]]


class HotPaths:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or scope["method"] not in ("PUT", "POST") or scope.get("root_path")
                or not scope["path"].startswith("/api/v1/") or not _small_json_or_empty(scope)):
            await self.app(scope, receive, send)
            return
        body, disconnected = await _read(receive)
        try:
            if disconnected:
                raise _Pass
            request = Request(scope)
            token = bearer_token(request)
            if token is None:
                raise _Pass
            work = _work_for(request, body)
        except _Pass:
            await self.app(scope, _replay(body, disconnected), send)
            return
        fastapi_app = scope["app"]
        now = await _now(fastapi_app)
        try:
            answer = await run_in_threadpool(_serve, request, token, now, work)
        except ApiError as exc:  # the same response the FastAPI route gives for this error
            response = await fastapi_app.exception_handlers[ApiError](request, exc)
            await response(scope, _replay(body, False), send)
            return
        if answer is None:
            await self.app(scope, _replay(body, False), send)
            return
        status, out = answer
        await JSONResponse(out, status_code=status)(scope, _replay(body, False), send)


def _small_json_or_empty(scope: Scope) -> bool:
    """A JSON body (which :class:`.text.TextGuard` has already read, within the size limit) or none at all:
    only then is the body read here, so a refused body is refused exactly as before."""
    for name, value in scope["headers"]:
        if name == b"content-type" and value.lower() in _JSON:
            return True
        if name == b"content-length" and value == b"0":
            return True
    return False


def _work_for(request: Request, body: bytes) -> Work:
    """What the request asks for, if it is one of the three in the form the routes accept; else _Pass."""
    app = request.app
    db, settings = app.state.db, app.state.settings
    path, method = request.scope["path"], request.method
    if method == "PUT" and (m := _SAVE.fullmatch(path)):
        attempt_id = _attempt_id(m.group(1))
        answers = _model(api_student.AnswersBody, _json_object(request, body))
        return lambda who, now: api_student.do_save(db, settings, who, attempt_id, answers, now)
    if method != "POST":
        raise _Pass
    key = _one_header(request, "idempotency-key")
    if m := _SUBMIT.fullmatch(path):
        attempt_id = _attempt_id(m.group(1))
        final = _model(api_student.SubmitBody, _json_object(request, body)) if body else None
        return lambda who, now: api_student.do_submit(db, settings, who, attempt_id, final, key, now)
    if (m := _START.fullmatch(path)) and not body and _QUIZ_ID.fullmatch(m.group(1)):
        quiz_id = m.group(1)
        return lambda who, now: api_student.do_start(db, settings, who, quiz_id, key, now)
    raise _Pass


def _serve(request: Request, token: str, now: datetime, work: Work) -> tuple[int, dict[str, Any]] | None:
    """In the thread pool: authenticate, charge, work; None when the token is not a student's (the route answers)."""
    app = request.app
    principal, _ = resolve(app.state.db, app.state.settings, token, now)
    if principal is None or principal.role != "student":
        return None
    charge(request, app.state.settings, principal, now)
    return work(principal, now)


def _attempt_id(text: str) -> int:
    if not _ATTEMPT_ID.fullmatch(text) or int(text) > _MAX_ID:
        raise _Pass
    return int(text)


def _one_header(request: Request, name: str) -> str | None:
    values = request.headers.getlist(name)
    if len(values) > 1:
        raise _Pass
    return values[0] if values else None


def _json_object(request: Request, body: bytes) -> dict[str, Any]:
    if request.headers.get("content-type", "").lower().encode() not in _JSON:
        raise _Pass
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        raise _Pass from None
    if not isinstance(value, dict):
        raise _Pass
    return value


def _model(model: Any, value: dict[str, Any]) -> Any:
    try:
        return model.model_validate(value)
    except ValidationError:
        raise _Pass from None


async def _now(app: Any) -> datetime:
    """The server's clock, or the one a test put in place of :func:`.clock.server_now`."""
    clock = app.dependency_overrides.get(server_now)
    if clock is None:
        return datetime.now(timezone.utc)
    value = clock()
    return await value if inspect.isawaitable(value) else value


async def _read(receive: Receive) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), True
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), False


def _replay(body: bytes, disconnected: bool) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent and not disconnected:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive
