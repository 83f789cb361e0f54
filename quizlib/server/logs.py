"""Logging for ``quizlib serve``: access logs that never record a token.

Sign-in links carry their token in the URL fragment, which never reaches a server;
but older links (``/signin?token=``) and instructors' view links
(``/view/QUIZ/report.html?token=``) put one in the query string, and uvicorn's
access log writes the whole request line. :class:`RedactTokens` rewrites every
``token=...`` query parameter to ``token=[redacted]`` before the line is written;
:func:`uvicorn_log_config` installs it in uvicorn's own configuration, which every
worker process applies at start-up.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

_TOKEN_PARAM = re.compile(r"(?i)([?&](?:access_)?token=)[^&#\s\"']*")
REDACTED = "[redacted]"


def redact(text: str) -> str:
    return _TOKEN_PARAM.sub(lambda m: m.group(1) + REDACTED, text)


class RedactTokens(logging.Filter):
    """Rewrite token query parameters in a log record's message and arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()}
        return True


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's default logging configuration with :class:`RedactTokens` on every handler."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact_tokens"] = {"()": "quizlib.server.logs.RedactTokens"}
    for handler in config.get("handlers", {}).values():
        handler["filters"] = [*handler.get("filters", []), "redact_tokens"]
    return config
