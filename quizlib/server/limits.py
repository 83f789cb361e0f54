"""Request body size limit (ASGI middleware) and the rate limiter shared through the database.

The size limit is checked against ``Content-Length`` before anything is read,
and counted while a body without one (chunked) streams in, so an oversized body
is refused with 413 without ever being held in memory.
"""

from __future__ import annotations

import json
import threading
from typing import Callable

from sqlalchemy import delete, text
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .db import Database
from .errors import error_body
from .models import RateLimit


class BodySizeLimit:
    """Refuse bodies larger than ``limit_for(path)`` bytes with a JSON 413."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope.get("path", ""))
        declared = None
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await _reply(send, 400, "bad_request", "Content-Length is not a number")
                    return
        if declared is not None and declared > limit:
            await _reply(send, 413, "body_too_large", f"request body of {declared} bytes exceeds the {limit}-byte limit")
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    # FastAPI passes HTTPException through its body parsing, so this becomes a 413.
                    raise HTTPException(413, f"request body exceeds the {limit}-byte limit")
            return message

        await self.app(scope, counted, send)


async def _reply(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps(error_body(code, message)).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class RateLimiter:
    """Token buckets kept in the database, so every server process and every host shares them.

    A bucket holds ``burst`` requests and refills at ``per_minute``. Taking from it is
    one atomic upsert (``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``, the same
    statement on PostgreSQL and SQLite, written once as SQL text because it runs on
    every request), so concurrent requests from several
    processes never both take the last request: per-process buckets would let ``N``
    workers give a token ``N`` times its allowance, and several hosts share one
    PostgreSQL (``tests/test_server_multiprocess.py`` counts requests to two servers).

    A refused request also costs its request (the bucket may go down to -1), so a
    client that retries at once waits at most one request's worth longer; that keeps
    the verdict readable from the one value the statement returns (>= 0: allowed).

    Times are the server clock in seconds (hosts are assumed NTP-synchronised; a
    clock running behind never refills a bucket backwards). Counters are not worth
    an fsync: on SQLite they are written on a connection with ``synchronous=NORMAL``,
    on PostgreSQL with ``synchronous_commit`` off. Buckets that have refilled
    completely are equivalent to absent ones and are pruned now and then.
    """

    PRUNE_EVERY = 1000
    _SQL = """
        INSERT INTO rate_limits (key, tokens, updated_at) VALUES (:key, :burst - 1.0, :now)
        ON CONFLICT (key) DO UPDATE SET
          tokens = {greatest}(-1.0, {least}(:burst,
                     rate_limits.tokens + {greatest}(0.0, :now - rate_limits.updated_at) * :rate) - 1.0),
          updated_at = :now
        RETURNING tokens
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self._calls = 0
        self._lock = threading.Lock()
        # One statement, written once: SQLite's two-argument min/max are PostgreSQL's LEAST/GREATEST.
        names = {"least": "min", "greatest": "max"} if db.is_sqlite else {"least": "LEAST", "greatest": "GREATEST"}
        self._take = text(self._SQL.format(**names))

    def take(self, key: str, now: float, per_minute: float, burst: int) -> float:
        """0 if the request may go ahead, else the seconds to wait before retrying."""
        rate = per_minute / 60.0
        with self.db.counter_write() as conn:
            left = float(conn.execute(self._take, {"key": key, "now": now, "rate": rate,
                                                   "burst": float(burst)}).scalar_one())
        self._maybe_prune(now, per_minute, burst)
        if left >= 0:
            return 0.0
        return (1.0 - left) / rate if rate > 0 else 60.0

    def _maybe_prune(self, now: float, per_minute: float, burst: int) -> None:
        with self._lock:
            self._calls += 1
            if self._calls % self.PRUNE_EVERY:
                return
        full = (burst / (per_minute / 60.0) if per_minute > 0 else 3600.0) + 60.0
        with self.db.counter_write() as conn:
            conn.execute(delete(RateLimit).where(RateLimit.updated_at < now - full))
