"""What text the service accepts from a client: Unicode it can store, echo and report on.

JSON may carry a lone surrogate (``"\\ud800"``), which Python decodes into a ``str``
that no UTF-8 encoder accepts: stored, it made every later response about that
attempt (the student's, the instructor's report) a 500. PostgreSQL refuses NUL
(``\\x00``) in text columns, so a name or title holding one was a 500 there only.
Both are refused at the door, before anything is stored:

- :class:`TextGuard` checks every JSON request body (keys and strings, at any depth)
  and the request's path, and answers ``422 invalid_text`` naming where the bad text is;
- :data:`PlainText` is the field type for names and titles, which must also be free
  of control characters (they end up in CSV files and HTML pages).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import error_body

MAX_REPORTED = 20


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored, or None: a lone surrogate or a NUL character."""
    if "\x00" in value:
        return "contains a NUL character (\\u0000)"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid Unicode text (it holds a lone surrogate such as \\ud800)"
    return None


def _shown(key: str) -> str:
    """A key as it can be shown in a message: bad characters written as escapes."""
    return key.encode("utf-8", "backslashreplace").decode("ascii", "backslashreplace")[:40]


def json_problems(value: Any, where: str = "body") -> list[dict[str, str]]:
    """Every key or string in a JSON value that :func:`text_problem` refuses, with its path."""
    found: list[dict[str, str]] = []
    stack: list[tuple[Any, str]] = [(value, where)]
    while stack and len(found) < MAX_REPORTED:
        node, path = stack.pop()
        if isinstance(node, str):
            problem = text_problem(node)
            if problem:
                found.append({"field": path, "message": f"text {problem}"})
        elif isinstance(node, dict):
            for key, child in node.items():
                problem = text_problem(key)
                child_path = f"{path}.{_shown(key)}"
                if problem:
                    found.append({"field": child_path, "message": f"key {problem}"})
                stack.append((child, child_path))
        elif isinstance(node, list):
            stack.extend((child, f"{path}[{i}]") for i, child in enumerate(node))
    return found


def _plain(value: str) -> str:
    problem = text_problem(value)
    if problem is None and not value.isprintable():
        problem = "contains a control character (tab, line break or similar)"
    if problem:
        raise PydanticCustomError("invalid_text", "text {problem}", {"problem": problem})
    return value


PlainText = Annotated[str, AfterValidator(_plain)]
"""A name or title: valid Unicode, printable (no NUL, no control characters)."""


def plain_problem(value: str) -> str | None:
    """:data:`PlainText`'s rule for code that checks text outside pydantic (the roster CSV)."""
    return text_problem(value) or (None if value.isprintable() else "contains a control character")


class TextGuard:
    """ASGI middleware: refuse JSON bodies and paths holding text the service cannot store (422).

    The JSON body is parsed here once more, after the size limit has run, only to look
    for bad text; a body that is not JSON at all is left for the route to refuse (400).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = text_problem(scope.get("path", ""))
        if problem:
            await _refuse(send, [{"field": "path", "message": f"the address {problem}"}])
            return
        content_type = dict(scope.get("headers", [])).get(b"content-type", b"")
        if b"json" not in content_type:
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        more = True
        while more:
            try:
                message = await receive()
            except HTTPException as exc:  # the size limit, counting a body sent without Content-Length
                await _send_json(send, exc.status_code, error_body("body_too_large", str(exc.detail)))
                return
            if message["type"] != "http.request":  # the client went away
                await self.app(scope, _replay([message]), send)
                return
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        try:
            parsed = json.loads(body)
        except (ValueError, RecursionError):
            parsed = None
        problems = json_problems(parsed) if parsed is not None else []
        if problems:
            await _refuse(send, problems)
            return
        await self.app(scope, _replay([{"type": "http.request", "body": body, "more_body": False}], receive), send)


def _replay(messages: list[Message], then: Receive | None = None) -> Receive:
    async def receive() -> Message:
        if messages:
            return messages.pop(0)
        if then is not None:
            return await then()
        return {"type": "http.disconnect"}

    return receive


async def _refuse(send: Send, problems: list[dict[str, str]]) -> None:
    first = problems[0]
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    await _send_json(send, 422, error_body("invalid_text", f"{first['field']}: {first['message']}{more}", problems))


async def _send_json(send: Send, status: int, payload: dict[str, Any]) -> None:
    body = json.dumps(payload).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
