"""Who is calling: bearer tokens (random, stored as sha256, revocable) and per-token rate limits.

A token is 256 random bits from :mod:`secrets`, shown once when issued. Only its
sha256 is stored, and it is looked up on every request, so revoking it takes
effect at once on every server process. (sha256 rather than a slow password hash
is enough: the token has full entropy, so there is nothing to brute-force.)
Tokens travel in the ``Authorization: Bearer`` header only, never in URLs the
server logs.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from fastapi import Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from .db import Database
from .errors import ApiError
from .limits import RateLimiter
from .models import Student, Token
from .settings import Settings

MAX_TOKEN_CHARS = 200


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Principal:
    role: str
    """``student`` or ``instructor``."""
    token_hash: str
    student_pk: int | None = None
    student_id: str | None = None
    name: str | None = None


# The cheap dependencies are ``async def`` so that FastAPI runs them on the event loop: a plain
# ``def`` dependency costs a hop to the thread pool on every request (measured: most of the
# framework's per-request time under load). Only work that touches the database stays sync.
async def get_db(request: Request) -> Database:
    return request.app.state.db


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if not header or scheme.lower() != "bearer" or not token:
        raise ApiError(401, "unauthorized", "sign in first: send 'Authorization: Bearer <your token>'",
                       headers={"WWW-Authenticate": "Bearer"})
    if len(token) > MAX_TOKEN_CHARS:
        raise ApiError(401, "unauthorized", "invalid token", headers={"WWW-Authenticate": "Bearer"})
    return token


def resolve_token(db: Database, settings: Settings, token: str) -> Principal | None:
    """The principal a token stands for, or None (unknown or revoked).

    One Core query, no ORM objects: it runs on every request, so it is kept cheap.
    """
    digest = hash_token(token)
    if settings.instructor_token and hmac.compare_digest(digest, hash_token(settings.instructor_token)):
        return Principal("instructor", digest)
    with db.engine.connect() as conn:
        row = conn.execute(
            select(Token.role, Student.id, Student.student_id, Student.name)
            .select_from(Token).outerjoin(Student, Token.student_pk == Student.id)
            .where(Token.token_hash == digest, Token.revoked_at.is_(None))
        ).first()
    if row is None:
        return None
    role, pk, student_id, name = row
    if role == "student" and pk is not None:
        return Principal("student", digest, pk, student_id, name)
    if role == "instructor":
        return Principal("instructor", digest)
    return None


def authenticate(request: Request, db: Database = Depends(get_db), settings: Settings = Depends(get_settings)) -> Principal:
    token = _bearer(request)
    limiter: RateLimiter = request.app.state.rate_limiter
    wait = limiter.check(hash_token(token))
    if wait > 0:
        raise ApiError(429, "rate_limited", f"too many requests; retry in {wait:.1f} s",
                       headers={"Retry-After": str(max(1, round(wait)))})
    principal = resolve_token(db, settings, token)
    if principal is None:
        raise ApiError(401, "unauthorized", "invalid or revoked token", headers={"WWW-Authenticate": "Bearer"})
    return principal


async def require_student(principal: Principal = Depends(authenticate)) -> Principal:
    if principal.role != "student":
        raise ApiError(403, "forbidden", "this endpoint is for students; sign in with a student token")
    return principal


async def require_instructor(principal: Principal = Depends(authenticate)) -> Principal:
    if principal.role != "instructor":
        raise ApiError(403, "forbidden", "this endpoint is for instructors")
    return principal


def issue_token(session: Session, role: str, now: datetime, student_pk: int | None = None, label: str | None = None) -> str:
    """Create a token row and return the token (the only time it exists in clear)."""
    token = new_token()
    session.add(Token(token_hash=hash_token(token), role=role, student_pk=student_pk, label=label,
                      created_at=now, revoked_at=None))
    return token
