"""Request body size limit (ASGI middleware) and the per-token rate limiter.

The size limit is checked against ``Content-Length`` before anything is read,
and counted while a body without one (chunked) streams in, so an oversized body
is refused with 413 without ever being held in memory.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from typing import Callable

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import error_body


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
    """Token bucket per key (a token's hash): ``burst`` requests at once, ``per_minute`` sustained.

    In memory, per server process: with ``--workers N`` a token can make up to N
    times the rate, which is fine for its purpose (stopping a runaway client or
    script, not a determined attacker with many tokens). The table is bounded
    (least recently used keys are forgotten).
    """

    def __init__(self, per_minute: float, burst: int, max_keys: int = 100_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.max_keys = max_keys
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def check(self, key: str) -> float:
        """0 if the request may go ahead, else the seconds to wait before retrying."""
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.pop(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                wait = 0.0
            else:
                self._buckets[key] = (tokens, now)
                wait = (1.0 - tokens) / self.rate if self.rate > 0 else 60.0
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
        return wait
