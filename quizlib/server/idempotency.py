"""Replay the first response to a retried request that carries the same ``Idempotency-Key``.

A student on a flaky connection may send "submit" twice, or the browser may
retry after the response was lost. The first request's response is stored in
the same transaction as its effect, so the retry (same key, same request) gets
that response again and nothing happens twice. The same key on a *different*
request is refused (422), as Stripe's API does, because it is a client bug.
Requests that failed validation are not stored: the client may fix and retry.

Keys are kept for :data:`RETENTION` (a week: far beyond any client's retries of
one submission) and pruned, per student, whenever that student stores a new one,
so the table stays proportional to recent activity rather than growing forever.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from .errors import ApiError
from .models import IdempotencyKey

MAX_KEY_CHARS = 200
#: How long a stored response is replayed for its key; older keys are forgotten.
RETENTION = timedelta(days=7)


def check_key(key: str | None, required: bool) -> str | None:
    if key is None or key == "":
        if required:
            raise ApiError(400, "idempotency_key_required",
                           "send an 'Idempotency-Key' header (a fresh random string per submission, reused on retries)")
        return None
    if len(key) > MAX_KEY_CHARS or not key.isascii() or not key.isprintable():
        raise ApiError(400, "bad_idempotency_key", f"the Idempotency-Key must be 1 to {MAX_KEY_CHARS} printable ASCII characters")
    return key


def request_hash(method: str, path: str, body: Any) -> str:
    canonical = json.dumps([method, path, body], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


_FIND = select(IdempotencyKey).where(IdempotencyKey.student_pk == bindparam("pk"), IdempotencyKey.key == bindparam("key"))
"""Built once: it runs on every submission."""


def replay(session: Session, student_pk: int, key: str, digest: str, now: datetime) -> tuple[int, dict[str, Any]] | None:
    row = session.execute(_FIND, {"pk": student_pk, "key": key}).scalar_one_or_none()
    if row is None or row.created_at < now - RETENTION:
        return None
    if row.request_hash != digest:
        raise ApiError(422, "idempotency_key_reused",
                       "this Idempotency-Key was already used for a different request; use a new key")
    return row.status_code, row.response


def remember(session: Session, student_pk: int, key: str, digest: str, status: int, body: dict[str, Any], now: datetime) -> None:
    session.execute(delete(IdempotencyKey).where(IdempotencyKey.student_pk == student_pk,
                                                 IdempotencyKey.created_at < now - RETENTION))
    session.flush()  # an expired row with this very key must be gone before the insert
    session.add(IdempotencyKey(student_pk=student_pk, key=key, request_hash=digest, status_code=status,
                               response=body, created_at=now))
