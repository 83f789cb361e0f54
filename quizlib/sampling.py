"""Deterministic choice and shuffling, identical on every machine and Python version.

Python's ``random`` module and ``hash()`` are not stable across versions (and
``hash`` is salted per process), so a practice quiz built on two machines could
show different questions. Everything here orders by sha256 of a seed and the
item's id instead.
"""

from __future__ import annotations

import hashlib
from typing import Callable, Iterable, Sequence, TypeVar

T = TypeVar("T")


def stable_key(*parts: object) -> str:
    """A sort key that depends only on ``parts``."""
    return hashlib.sha256("\x1f".join(map(str, parts)).encode("utf-8")).hexdigest()


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
