"""Who is calling: bearer tokens (random, stored as sha256, revocable, expiring) and rate limits.

A token is 256 random bits from :mod:`secrets`, shown once when issued. Only its
sha256 is stored, and it is looked up on every request, so revoking it takes
effect at once on every server process. (sha256 rather than a slow password hash
is enough: the token has full entropy, so there is nothing to brute-force.)

Kinds of token (``tokens.kind``):

- ``link``: a student's sign-in link (or an instructor token). Links carry it in
  the URL *fragment* (``#token=``), which browsers never send to a server, so
  neither the book's host nor this service sees it in a request line or a Referer.
- ``session``: what a page gets in exchange for a link (``POST /api/v1/session``),
  valid for hours; the page keeps it in ``sessionStorage`` and drops the link token.
  A bearer header rather than a cookie, so graded pages keep working inside an LMS
  iframe on another site, where browsers block third-party cookies.
- ``view``: an instructor's read-only link to one quiz's reports, valid for minutes.

Every kind expires (settings ``token_days``, ``session_hours``, ``view_minutes``).

Rate limits are counted in the database (:class:`.limits.RateLimiter`), so all
processes and hosts share them: per token after it is authenticated, and per
client address for requests that fail to authenticate.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from fastapi import Depends, Request
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from .clock import server_now
from .db import Database
from .errors import ApiError
from .limits import RateLimiter
from .models import Student, Token
from .settings import Settings

MAX_TOKEN_CHARS = 200
LINK, SESSION, VIEW = "link", "session", "view"


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Principal:
    role: str
    """``student`` or ``instructor``."""
    token_hash: str
    student_pk: int | None = None
    student_id: str | None = None
    name: str | None = None
    kind: str = LINK
    """``link``, ``session`` or ``view`` (see the module notes)."""
    scope: str | None = None
    """The quiz a ``view`` token may read."""
    expires_at: datetime | None = None


# The cheap dependencies are ``async def`` so that FastAPI runs them on the event loop: a plain
# ``def`` dependency costs a hop to the thread pool on every request (measured: most of the
# framework's per-request time under load). Only work that touches the database stays sync.
async def get_db(request: Request) -> Database:
    return request.app.state.db


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def bearer_token(request: Request) -> str | None:
    """The bearer token of the request, or None when there is none (or it cannot be one)."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if not header or scheme.lower() != "bearer" or not token or len(token) > MAX_TOKEN_CHARS:
        return None
    return token


# Built once: constructing a select() costs more than running it (measured: 200 us vs 50 us per
# request on SQLite), and this one runs on every authenticated request.
_RESOLVE = (
    select(Token.role, Token.kind, Token.scope, Token.expires_at, Student.id, Student.student_id, Student.name)
    .select_from(Token).outerjoin(Student, Token.student_pk == Student.id)
    .where(Token.token_hash == bindparam("digest"), Token.revoked_at.is_(None))
)

EXPIRED = "this sign-in has expired; open your personal sign-in link again (or ask for a new one)"


def resolve(db: Database, settings: Settings, token: str, now: datetime) -> tuple[Principal | None, str]:
    """The principal a token stands for, or (None, why not): unknown, revoked or expired.

    One prebuilt Core query, no ORM objects: it runs on every request, so it is kept cheap.
    """
    digest = hash_token(token)
    if settings.instructor_token and hmac.compare_digest(digest, hash_token(settings.instructor_token)):
        return Principal("instructor", digest), ""
    with db.engine.connect() as conn:
        row = conn.execute(_RESOLVE, {"digest": digest}).first()
    if row is None:
        return None, "invalid or revoked token"
    role, kind, scope, expires_at, pk, student_id, name = row
    if expires_at is not None:
        expires_at = expires_at.replace(tzinfo=timezone.utc) if expires_at.tzinfo is None else expires_at
        if now >= expires_at:
            return None, EXPIRED
    if role == "student" and pk is not None:
        return Principal("student", digest, pk, student_id, name, kind, scope, expires_at), ""
    if role == "instructor":
        return Principal("instructor", digest, kind=kind, scope=scope, expires_at=expires_at), ""
    return None, "invalid or revoked token"


def resolve_token(db: Database, settings: Settings, token: str, now: datetime | None = None) -> Principal | None:
    """:func:`resolve` without the reason (by default at the real time)."""
    return resolve(db, settings, token, now or datetime.now(timezone.utc))[0]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def refuse_sign_in(request: Request, settings: Settings, now: datetime, message: str) -> ApiError:
    """The error for a request that failed to sign in, counted against its client address:
    past ``failed_burst`` failures it is a 429, so a flood of guessed tokens is slowed down."""
    limiter: RateLimiter = request.app.state.rate_limiter
    wait = limiter.take(f"ip:{client_address(request)}"[:80], now.timestamp(), settings.failed_per_minute,
                        settings.failed_burst)
    if wait > 0:
        return ApiError(429, "rate_limited", f"too many failed sign-ins from your address; retry in {wait:.0f} s",
                        headers={"Retry-After": str(max(1, round(wait)))})
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"})


def charge(request: Request, settings: Settings, principal: Principal, now: datetime) -> None:
    """Count one request against the principal's token; 429 when its bucket is empty."""
    limiter: RateLimiter = request.app.state.rate_limiter
    wait = limiter.take(f"t:{principal.token_hash[:64]}", now.timestamp(), settings.rate_per_minute, settings.rate_burst)
    if wait > 0:
        raise ApiError(429, "rate_limited", f"too many requests; retry in {wait:.1f} s",
                       headers={"Retry-After": str(max(1, round(wait)))})


def authenticate(request: Request, db: Database = Depends(get_db), settings: Settings = Depends(get_settings),
                 now: datetime = Depends(server_now)) -> Principal:
    token = bearer_token(request)
    if token is None:
        raise refuse_sign_in(request, settings, now, "sign in first: send 'Authorization: Bearer <your token>'")
    principal, why = resolve(db, settings, token, now)
    if principal is None:
        raise refuse_sign_in(request, settings, now, why)
    charge(request, settings, principal, now)
    return principal


async def require_student(principal: Principal = Depends(authenticate)) -> Principal:
    if principal.role != "student":
        raise ApiError(403, "forbidden", "this endpoint is for students; sign in with a student token")
    return principal


async def require_instructor(principal: Principal = Depends(authenticate)) -> Principal:
    if principal.role != "instructor" or principal.kind != LINK:
        raise ApiError(403, "forbidden", "this endpoint is for instructors (a read-only view link cannot use it)")
    return principal


def link_expiry(settings: Settings, now: datetime) -> datetime | None:
    """When a sign-in link (or instructor token) issued now expires; None when ``token_days`` is 0."""
    return now + timedelta(days=settings.token_days) if settings.token_days > 0 else None


def issue_token(session: Session, role: str, now: datetime, student_pk: int | None = None, label: str | None = None,
                kind: str = LINK, scope: str | None = None, expires_at: datetime | None = None) -> str:
    """Create a token row and return the token (the only time it exists in clear)."""
    token = new_token()
    session.add(Token(token_hash=hash_token(token), role=role, student_pk=student_pk, label=label,
                      created_at=now, revoked_at=None, kind=kind, scope=scope, expires_at=expires_at))
    return token
