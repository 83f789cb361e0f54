"""Deterministic choice and shuffling, identical on every machine and Python version.

Every "random" choice in the project (a practice quiz's sample, a form's questions
and option order, a graded attempt's form) is a sort on
``sha256(part1 \x1f part2 \x1f ...)``. Python's ``random`` algorithms may change
between versions and ``hash()`` is salted per process, so neither is used: any
form can be rebuilt from its ids to check a complaint. Parts are joined with the
ASCII unit separator so ``("a|b", "c")`` and ``("a", "b|c")`` never share a key.
"""

from __future__ import annotations

import hashlib
import math
from typing import Callable, Iterable, Sequence, TypeVar

T = TypeVar("T")


SEPARATOR = "\x1f"


def stable_key(*parts: object) -> str:
    """A sort key that depends only on ``parts``."""
    return hashlib.sha256(SEPARATOR.join(map(str, parts)).encode("utf-8")).hexdigest()


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


def shuffled(items: Iterable[T], seed: object, ident: Callable[[T], object] = str) -> list[T]:
    """``items`` in a seed-determined order; the same seed gives the same order everywhere."""
    return sorted(items, key=lambda item: stable_key(seed, ident(item)))


def sample_round_robin(groups: Sequence[Sequence[T]], count: int, seed: object, ident: Callable[[T], object]) -> list[T]:
    """Draw ``count`` items spread as evenly as possible across ``groups``.

    A chapter review should touch every section, so we take one (seeded) item
    from each group in turn rather than sampling the pooled list.
    """
    queues = [shuffled(g, (seed, i), ident) for i, g in enumerate(groups)]
    chosen: list[T] = []
    while len(chosen) < count and any(queues):
        for q in queues:
            if q and len(chosen) < count:
                chosen.append(q.pop(0))
    return chosen


def _rank(order: Sequence[str], base: Sequence[str]) -> int:
    """Index of ``order`` among the permutations of ``base`` (Lehmer code; ``base`` itself is 0)."""
    rest = list(base)
    rank = 0
    for item in order:
        i = rest.index(item)
        rank = rank * len(rest) + i
        rest.pop(i)
    return rank


def _unrank(index: int, base: Sequence[str]) -> list[str]:
    rest = list(base)
    digits = []
    for radix in range(1, len(rest) + 1):  # mixed radix: last position has radix 1, first has radix n
        index, digit = divmod(index, radix)
        digits.append(digit)
    return [rest.pop(d) for d in reversed(digits)]


def stable_permutation(ids: Sequence[str], *seed: object, avoid: Sequence[str] | None = None) -> list[str]:
    """A permutation of ``ids`` drawn uniformly, from sha256 of ``seed``; never ``avoid`` when given.

    Unlike :func:`stable_order` (a sort on per-item hashes, which is uniform too) this
    draws the permutation's index in one go, so excluding one order (an ordering
    question's key) leaves every other order exactly equally likely. A shuffle that
    lands on the key and is then rotated, or re-drawn a bounded number of times, is
    not: rotating doubles the weight of one order, which students learn to undo.
    The index comes from 256 hash bits, so the modulo bias is below 2**-190 for
    any list a question can hold.
    """
    ids = list(ids)
    total = math.factorial(len(ids))
    skip = _rank(avoid, ids) if avoid is not None and len(ids) > 1 and sorted(avoid) == sorted(ids) else None
    choices = total - (skip is not None)
    index = int(stable_key(*seed), 16) % choices
    if skip is not None and index >= skip:
        index += 1
    return _unrank(index, ids)
