"""Which pieces of a short-answer pattern can never match, because normalisation removes them first.

With ``normalize: true`` (the default) a typed answer is normalised (lower case, accents,
punctuation and symbols gone, spaces collapsed: :mod:`quizlib.normalize`) *before* the
pattern is matched against it. A literal ``(``, ``.`` or ``é`` in the pattern therefore
never meets its character, and the piece of the pattern holding it is dead: the whole
pattern if the piece is required, an alternative if it is optional. Exports spell finite
patterns out as literal answers an LMS compares with the typed text, so such a piece
would be right in the LMS and wrong in quizlib (issue 11: ``( \\(ccw\\))?``).
"""

from __future__ import annotations

import re
import re._parser as _sre  # the stdlib's regex parser (Python >= 3.11)
from typing import Any

from ..normalize import normalize_text

#: A class range wider than this is taken to hold some reachable character without checking each.
_RANGE_CHECK_LIMIT = 512


def reachable(ch: str) -> bool:
    """Whether a normalised answer can contain ``ch`` (patterns match ignoring case)."""
    return ch == " " or normalize_text(ch) == ch.lower()


def _class_reachable(items: list[tuple[Any, Any]]) -> bool:
    for op, av in items:
        if op is _sre.NEGATE or op is _sre.CATEGORY:
            return True
        if op is _sre.LITERAL and reachable(chr(av)):
            return True
        if op is _sre.RANGE:
            low, high = av
            if high - low > _RANGE_CHECK_LIMIT or any(reachable(chr(x)) for x in range(low, high + 1)):
                return True
    return False


def _class_text(items: list[tuple[Any, Any]]) -> str:
    parts = []
    for op, av in items:
        if op is _sre.LITERAL:
            parts.append(chr(av))
        elif op is _sre.RANGE:
            parts.append(f"{chr(av[0])}-{chr(av[1])}")
    return "[" + "".join(parts) + "]"


def _walk(items: Any, out: list[str]) -> None:
    for op, av in items:
        if op is _sre.LITERAL:
            if not reachable(chr(av)):
                out.append(chr(av))
        elif op is _sre.IN:
            if not _class_reachable(list(av)):
                out.append(_class_text(list(av)))
        elif op is _sre.SUBPATTERN:
            _walk(av[-1], out)
        elif op is _sre.BRANCH:
            for branch in av[1]:
                _walk(branch, out)
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
            _walk(av[2], out)
        elif op in (_sre.ASSERT, _sre.ASSERT_NOT):
            _walk(av[1], out)


def removed_by_normalisation(pattern: str) -> list[str]:
    """The literal characters (or all-unreachable classes) of ``pattern`` that a normalised
    answer never contains, each once, in order; empty when every piece can match."""
    try:
        parsed = _sre.parse(pattern)
    except re.error:
        return []  # an invalid pattern is a validation error already
    out: list[str] = []
    _walk(parsed, out)
    return list(dict.fromkeys(out))
