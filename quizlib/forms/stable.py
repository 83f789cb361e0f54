"""Stable, machine-independent randomness: sha256 sort keys.

Every "random" choice in a form (which questions, their order, the order of
options) is a sort on ``sha256(part1 \\x1f part2 \\x1f ...)``. Python's ``random``
and ``hash()`` are never used: ``hash()`` of a string changes with every process
(PYTHONHASHSEED) and ``random``'s algorithms may change between versions, while
sha256 gives the same form on every machine and Python version, so any form can
be rebuilt from its ids to check a complaint. Parts are joined with the ASCII
unit separator so ``("a|b", "c")`` and ``("a", "b|c")`` never share a key.
"""

from __future__ import annotations

import hashlib
from typing import Iterable, TypeVar

T = TypeVar("T")

SEPARATOR = "\x1f"


def stable_key(*parts: object) -> bytes:
    """sha256 digest of the parts; compare digests to order things reproducibly."""
    return hashlib.sha256(SEPARATOR.join(map(str, parts)).encode("utf-8")).digest()


def stable_order(ids: Iterable[str], *seed: object) -> list[str]:
    """``ids`` sorted by ``stable_key(*seed, id)``: a shuffle that every machine agrees on."""
    return sorted(ids, key=lambda i: stable_key(*seed, i))


def shuffled_not_identity(ids: list[str], *seed: object, tries: int = 8) -> list[str]:
    """A stable shuffle that differs from ``ids`` (the answer, for ordering questions).

    The seed is salted with an attempt number until the order differs; after
    ``tries`` attempts (probability <= 2**-8 for two items) it rotates by one.
    """
    if len(ids) < 2:
        return list(ids)
    for attempt in range(tries):
        order = stable_order(ids, *seed, attempt)
        if order != ids:
            return order
    return ids[1:] + ids[:1]
