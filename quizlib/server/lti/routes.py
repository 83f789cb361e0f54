"""The LTI endpoints and their pages (``/lti/...``), and the ``frame-ancestors`` policy for pages shown in an LMS.

| endpoint | who calls it | what it does |
|---|---|---|
| ``GET /lti/jwks`` | platforms | the tool's public keys |
| ``GET /lti/config.json`` | Canvas admins | the tool's configuration in Canvas's JSON format |
| ``GET/POST /lti/login`` | the browser, sent by the platform | OIDC login initiation (:func:`.launch.login`) |
| ``POST /lti/launch`` | the browser, posting the platform's id_token | launch: quiz, instructor page, or quiz picker |
| ``POST /lti/deep-link`` | the quiz picker | the signed deep-linking response, posted on to the platform |
| ``GET /lti/register`` | the LMS, during Dynamic Registration | registers the platform (one-time code needed) |

A learner's launch ends on the service's quiz page (``/quiz/{id}``, :mod:`..pages`), signed in.

Every refusal is an HTML page with a 4xx status that says what was wrong (an iframe shows
HTML, not JSON); no refusal signs anyone in. HTML responses of the whole service carry
``Content-Security-Policy: frame-ancestors 'self' <registered platforms>``.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..clock import iso, server_now
from ..db import Database
from ..models import Attempt, Quiz
from ..security import LINK, client_address, get_db, get_settings, issue_token
from ..settings import Settings
from . import accounts, deep_linking, keys, outbox, registration, roster
from . import claims as c
from . import launch as lti_launch
from .errors import LtiError
from .platform_keys import PlatformKeys
from .services import ServiceError
from .tables import LtiContext, LtiGradePost, LtiPlatform, LtiResourceLink

log = logging.getLogger("quizlib.server.lti")
router = APIRouter(prefix="/lti", include_in_schema=False)
_env = Environment(loader=PackageLoader("quizlib.server", "templates"), autoescape=select_autoescape(["html"]))
_NO_STORE = {"Cache-Control": "no-store"}
MAX_FORM = 128 * 1024


def page(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    # A refusal may echo what the platform sent (a message type, an id); a lone surrogate there cannot be
    # encoded as UTF-8, and the page must still be sent, so such characters become U+FFFD.
    html = _env.get_template(template).render(**context)
    body = html.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return HTMLResponse(body, status_code=status, headers=_NO_STORE)


def refusal(exc: LtiError) -> HTMLResponse:
    return page("lti_error.html", exc.status, title=exc.title, detail=exc.detail)


def counted_refusal(request: Request, settings: Settings, now: datetime, exc: LtiError) -> HTMLResponse:
    """A refused login or launch, counted against the client's address like a failed sign-in
    (:func:`..security.refuse_sign_in`): past ``failed_burst`` of them the page is a 429, so a flood of
    forged launches is slowed down on every process and host alike."""
    limiter = request.app.state.rate_limiter
    wait = limiter.take(f"ip:{client_address(request)}"[:80], now.timestamp(), settings.failed_per_minute,
                        settings.failed_burst)
    if wait > 0:
        response = refusal(LtiError(429, "Too many refused launches", f"too many refused launches from your address; "
                                    f"try again in {wait:.0f} s"))
        response.headers["Retry-After"] = str(max(1, round(wait)))
        return response
    return refusal(exc)


async def _params(request: Request) -> dict[str, str]:
    """Query parameters, plus the form fields of a urlencoded POST (what platforms and our pages send)."""
    params = dict(request.query_params)
    if request.method == "POST":
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        body = await request.body()
        if len(body) > MAX_FORM:
            raise LtiError(413, "Bad request", "the form is too large")
        if kind != "application/x-www-form-urlencoded":
            raise LtiError(415, "Bad request", "expected a form (application/x-www-form-urlencoded)")
        try:
            params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=100))
        except (UnicodeDecodeError, ValueError):
            raise LtiError(400, "Bad request", "the form could not be read") from None
    return params


def _keys(request: Request) -> PlatformKeys:
    return request.app.state.lti_platform_keys


def _delivery(request: Request) -> outbox.Delivery:
    return request.app.state.lti_delivery


@router.get("/jwks")
def jwks(db: Database = Depends(get_db), now: datetime = Depends(server_now)) -> JSONResponse:
    with db.write() as s:  # write: the first request makes the first key
        body = keys.jwks(s, now)
    return JSONResponse(body, headers={"Cache-Control": "public, max-age=300"})


@router.get("/config.json")
def canvas_config(settings: Settings = Depends(get_settings)) -> JSONResponse:
    """Canvas's "Paste JSON" / "Enter URL" developer key configuration (LTI 1.3)."""
    urls = lti_launch.tool_urls(settings.public_url)
    return JSONResponse({
        "title": registration.TOOL_NAME,
        "description": "Graded quizzes whose answer keys stay on the server; scores go to the gradebook.",
        "oidc_initiation_url": urls["login"], "target_link_uri": urls["launch"], "public_jwk_url": urls["jwks"],
        "scopes": list(c.TOOL_SCOPES),
        "extensions": [{
            "domain": urls["domain"], "platform": "canvas.instructure.com", "privacy_level": "public",
            "settings": {"placements": [
                {"placement": "assignment_selection", "message_type": c.DEEP_LINKING_REQUEST,
                 "target_link_uri": urls["launch"]},
                {"placement": "link_selection", "message_type": c.DEEP_LINKING_REQUEST, "target_link_uri": urls["launch"]},
            ]},
        }],
        "custom_fields": {},
    })


@router.api_route("/login", methods=["GET", "POST"])
async def login(request: Request, db: Database = Depends(get_db), settings: Settings = Depends(get_settings),
                now: datetime = Depends(server_now)) -> Response:
    try:
        params = await _params(request)
        target = await run_in_threadpool(_login, db, params, settings, now)
    except LtiError as exc:
        return await run_in_threadpool(counted_refusal, request, settings, now, exc)
    return RedirectResponse(target, status_code=302, headers=_NO_STORE)


def _login(db: Database, params: dict[str, str], settings: Settings, now: datetime) -> str:
    with db.write() as s:
        return lti_launch.login(s, params, settings.public_url, now)


def sign_in_learner(s: Any, settings: Settings, student_pk: int, quiz_id: str, platform_id: int, now: datetime) -> str:
    """The address that opens the quiz signed in: the service's quiz page with a sign-in token in its fragment.

    The launch is the student's sign-in, so they get what a sign-in link holds: a ``link`` token,
    valid for one session's length. The page (``quizlib-graded.js``) takes it from the fragment
    (never sent to a server), drops it from the address and exchanges it for a session kept in
    ``sessionStorage``: no cookie, so it works in the LMS's frame where third-party cookies are blocked.
    """
    token = issue_token(s, "student", now, student_pk, label=f"lti {platform_id}", kind=LINK,
                        expires_at=now + timedelta(hours=settings.session_hours))
    return f"/quiz/{quiz_id}#{urlencode({'token': token})}"


@router.post("/launch")
async def launch(request: Request, db: Database = Depends(get_db), settings: Settings = Depends(get_settings),
                 now: datetime = Depends(server_now)) -> Response:
    # The form is read on the event loop; the database and the calls to the platform (its key set, the roster)
    # run in the thread pool, so a platform that calls back into this service meanwhile is answered.
    try:
        form = await _params(request)
    except LtiError as exc:
        return await run_in_threadpool(counted_refusal, request, settings, now, exc)
    return await run_in_threadpool(_launch, request, db, settings, now, form)


def _launch(request: Request, db: Database, settings: Settings, now: datetime, form: dict[str, str]) -> Response:
    try:
        return _launch_once(request, db, settings, now, form)
    except IntegrityError:
        # Two first launches of the same user or link at once (two tabs, two hosts): one made the rows, the
        # other's insert lost the race and rolled back (its state and nonce unused). Once more finds the rows.
        return _launch_once(request, db, settings, now, form)


def _launch_once(request: Request, db: Database, settings: Settings, now: datetime, form: dict[str, str]) -> Response:
    try:
        with db.write() as s:
            done = lti_launch.validate(s, form, _keys(request), now)
            platform = done.platform
            context = accounts.upsert_context(s, platform, done.deployment_id, done.claims)
            user = accounts.upsert_user(s, platform, accounts.person_from_claims(done.claims, done.role), now)
            if context is not None:
                accounts.set_membership(s, context, user, done.role)
            if done.message_type == c.DEEP_LINKING_REQUEST:
                token = deep_linking.start(s, done, now)
                return page("lti_picker.html", token=token, quizzes=deep_linking.choices(s), platform=platform.name)
            quiz_id = done.custom.get("quiz_id")
            if quiz_id is not None and (not isinstance(quiz_id, str) or not deep_linking.QUIZ_ID.fullmatch(quiz_id)
                                        or s.get(Quiz, quiz_id) is None):
                raise LtiError(404, "No such quiz", f"this link names quiz '{str(quiz_id)[:80]}', which is not published here")
            link = accounts.upsert_link(s, platform, done.deployment_id, context, done.claims, quiz_id, now)
            if link.quiz_id is None:
                raise LtiError(404, "No quiz placed here", "this link is not attached to a quiz yet; an instructor "
                               "adds the tool with the quiz picker (deep linking) or sets the custom parameter quiz_id")
            if done.role == c.LEARNER:
                accounts.link_user(s, link, user)
                assert user.student_pk is not None
                target = sign_in_learner(s, settings, user.student_pk, link.quiz_id, platform.id, now)
                return RedirectResponse(target, status_code=303, headers=_NO_STORE)
            quiz = s.get(Quiz, link.quiz_id)
            assert quiz is not None
            context_pk = context.id if context is not None else None
            summary = _instructor_summary(s, quiz, link, now)
    except LtiError as exc:
        return counted_refusal(request, settings, now, exc)
    sync_note = _sync_roster(db, request, context_pk, now)
    return page("lti_instructor.html", quiz=quiz, summary=summary, sync=sync_note, platform=platform.name)


def _instructor_summary(s: Any, quiz: Quiz, link: LtiResourceLink, now: datetime) -> dict[str, Any]:
    attempts = s.execute(select(func.count()).select_from(Attempt).where(Attempt.quiz_id == quiz.id,
                                                                         Attempt.submitted_at.is_not(None))).scalar_one()
    posts = dict(s.execute(select(LtiGradePost.status, func.count()).where(LtiGradePost.link_pk == link.id)
                           .group_by(LtiGradePost.status)).all())
    return {"submitted": attempts, "posts": posts, "closes_at": iso(quiz.closes_at),
            "gradebook": bool(link.lineitem_url or link.lineitems_url) and c.SCOPE_SCORE in (link.scopes or [])}


def _sync_roster(db: Database, request: Request, context_pk: int | None, now: datetime) -> str | None:
    """An instructor's launch refreshes the course roster from NRPS (when the platform offers it)."""
    if context_pk is None:
        return None
    with db.read() as s:
        context = s.get(LtiContext, context_pk)
        if context is None or not context.memberships_url:
            return None
    try:
        result = roster.sync(db, _delivery(request), context_pk, now)
    except ServiceError as exc:
        return f"The course roster could not be read from the LMS: {exc}"
    return (f"Roster of {result.context} synced from the LMS: {result.learners} learner(s), "
            f"{result.instructors} instructor(s), {result.inactive} inactive.")


@router.post("/deep-link")
async def deep_link(request: Request, db: Database = Depends(get_db), settings: Settings = Depends(get_settings),
                    now: datetime = Depends(server_now)) -> Response:
    try:
        form = await _params(request)
        return_url, token = await run_in_threadpool(_deep_link, db, settings, now, form)
    except LtiError as exc:
        return refusal(exc)
    return page("lti_post.html", action=return_url, fields={"JWT": token})


def _deep_link(db: Database, settings: Settings, now: datetime, form: dict[str, str]) -> tuple[str, str]:
    with db.write() as s:
        return deep_linking.respond(s, form.get("dl", ""), form.get("quiz_id", ""), settings.public_url, now)


@router.get("/register")
def register(request: Request, db: Database = Depends(get_db), settings: Settings = Depends(get_settings),
             now: datetime = Depends(server_now)) -> Response:
    params = request.query_params
    try:
        with db.write() as s:
            platform = registration.dynamic_register(
                s, _delivery(request).http, params.get("code", ""), params.get("openid_configuration", ""),
                params.get("registration_token"), settings.public_url, now)
            name, deployments = platform.name, [d.deployment_id for d in platform.deployments]
    except LtiError as exc:
        return refusal(exc)
    return page("lti_registered.html", name=name, deployments=deployments)


# --- frame-ancestors ------------------------------------------------------------------------------------------

class FrameAncestors:
    """Adds ``frame-ancestors 'self' <registered platforms' origins>`` to every HTML response.

    Only the LMSs registered here may show the service's pages in a frame (clickjacking
    defence); the list is read from the database at most every ``ttl`` seconds.
    """

    def __init__(self, app: ASGIApp, db: Database, ttl: float = 30.0) -> None:
        self.app = app
        self.db = db
        self.ttl = ttl
        self._value = b"frame-ancestors 'self'"
        self._at = -1e9
        self._lock = threading.Lock()

    def policy(self) -> bytes:
        now = time.monotonic()
        if now - self._at > self.ttl:
            try:
                with self.db.read() as s:
                    found: set[str] = set()
                    for platform in s.execute(select(LtiPlatform)).scalars():
                        found |= registration.frame_origins(platform)
                value = " ".join(["frame-ancestors 'self'", *sorted(found)]).encode("ascii", "ignore")
            except Exception:  # noqa: BLE001 - before the first migration the table may not exist yet
                value = b"frame-ancestors 'self'"
            with self._lock:
                self._value, self._at = value, now
        return self._value

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                kind = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                if kind.startswith(b"text/html") and not any(k.lower() == b"content-security-policy" for k, _ in headers):
                    headers.append((b"content-security-policy", self.policy()))
                    message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_policy)


def install(app: FastAPI, db: Database, settings: Settings) -> outbox.Delivery:
    """Wire LTI into the app: routes, the widget's files, the frame policy, and what the routes share."""
    import httpx

    app.state.lti_platform_keys = PlatformKeys()
    delivery = outbox.Delivery(httpx.Client(timeout=20.0), base=settings.lti_retry_base_seconds,
                               cap=settings.lti_retry_max_seconds, max_tries=settings.lti_max_tries,
                               grace=settings.grace_seconds)
    app.state.lti_delivery = delivery
    app.include_router(router)
    app.add_middleware(FrameAncestors, db=db)
    return delivery
