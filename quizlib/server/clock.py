"""The server's clock: the only time the attempt rules ever read.

Endpoints take ``now`` through the :func:`server_now` dependency; tests replace
it with ``app.dependency_overrides`` to move time forward. Nothing a client
sends (headers, body) is ever used as the time.
"""

from __future__ import annotations

from datetime import datetime, timezone


async def server_now() -> datetime:
    """``async`` only so FastAPI calls it on the event loop instead of hopping to a worker thread."""
    return datetime.now(timezone.utc)


def iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a ``Z``, to the second (what the widget parses with ``new Date()``)."""
    if value is None:
        return None
    return value.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
