"""Short-answer normalisation, defined so the in-page JavaScript can mirror it exactly.

Students type "the malabar exercise", "Malabar-Exercise" or "MALABAR  exercise".
We compare answers after: lower-casing, Unicode compatibility decomposition (NFKD),
dropping combining marks (so "attaché" == "attache"), turning every punctuation,
symbol, separator and control character into a space, and collapsing runs of
spaces. Each step uses a Unicode general category rather than an ASCII list so
that ``static/quizlib.js`` can apply the identical rule with ``\\p{...}`` classes.
"""

from __future__ import annotations

import unicodedata

#: Longest free-text answer we grade; longer input is rejected (and bounds regex work).
MAX_ANSWER_CHARS = 1000

_BLANK_CATEGORIES = frozenset("PSZC")  # punctuation, symbols, separators, control/format


def normalize_text(value: str) -> str:
    """Case-, spacing-, punctuation- and diacritic-insensitive form of ``value``."""
    decomposed = unicodedata.normalize("NFKD", value.lower())
    chars = []
    for ch in decomposed:
        cat = unicodedata.category(ch)
        if cat[0] == "M":
            continue
        chars.append(" " if cat[0] in _BLANK_CATEGORIES else ch)
    return " ".join(part for part in "".join(chars).split(" ") if part)
