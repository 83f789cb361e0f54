"""A refused LTI request: an HTTP status (always 4xx) and a sentence for the person looking at the iframe."""

from __future__ import annotations


class LtiError(Exception):
    """Raised anywhere in a launch, login, deep link or registration; :mod:`.routes` renders it as an HTML page.

    ``title`` is short (the page heading); ``detail`` says what was wrong and, where it helps,
    what an administrator can do. Neither ever includes a token or a key.
    """

    def __init__(self, status: int, title: str, detail: str) -> None:
        assert 400 <= status < 500, "LTI refusals are client errors"
        super().__init__(f"{title}: {detail}")
        self.status = status
        self.title = title
        self.detail = detail
