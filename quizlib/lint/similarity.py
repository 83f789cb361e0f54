"""Near-identical prompts across the course, found without comparing every pair in full.

The similarity measure is ``difflib.SequenceMatcher.ratio`` (2·matches / total
length) on normalised text, taken in both argument orders because difflib's
matching is not symmetric: a pair's verdict must not depend on which bank
happens to be read first.

Computing it for all ~65,000 pairs of 360 prompts takes about a minute and a
half, so every pair is first screened by an *upper bound* on the ratio: the
character-multiset overlap that difflib's own ``quick_ratio`` uses
(2·Σ min(count_a(c), count_b(c)) / total length), computed for all pairs at once
with numpy from one character-count matrix. Only pairs whose bound reaches the
threshold (a few dozen on the course) are compared in full. The bound never
excludes a pair whose ratio reaches the threshold, so the result equals the
brute-force one (a hypothesis test checks this); ``benchmarks/
bench_lint_similarity.py`` measures the speed-up against brute force.
"""

from __future__ import annotations

from difflib import SequenceMatcher
from typing import Iterator, Sequence

import numpy as np

#: Slack on the bound so float rounding can only let extra pairs through to the exact check, never drop one.
_EPS = 1e-9


def _ratio(a: str, b: str) -> float:
    # autojunk off: difflib's heuristic for long texts ignores frequent characters
    # and would make long prompts look less alike than they are.
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def similarity(a: str, b: str) -> float:
    """The symmetric measure itself; the brute-force baseline calls it for every pair."""
    return max(_ratio(a, b), _ratio(b, a))


def _char_counts(texts: Sequence[str]) -> np.ndarray:
    alphabet = {ch: k for k, ch in enumerate(sorted(set().union(*texts)))}
    counts = np.zeros((len(texts), max(len(alphabet), 1)), dtype=np.int32)
    for row, text in enumerate(texts):
        for ch in text:
            counts[row, alphabet[ch]] += 1
    return counts


def near_duplicates(texts: Sequence[str], threshold: float) -> Iterator[tuple[int, int, float]]:
    """Yield ``(i, j, ratio)`` with ``i < j`` for every pair whose similarity is at least ``threshold``."""
    if len(texts) < 2:
        return
    counts = _char_counts(texts)
    lengths = counts.sum(axis=1)
    for j in range(1, len(texts)):
        common = np.minimum(counts[:j], counts[j]).sum(axis=1)
        total = lengths[:j] + lengths[j]
        bound = np.where(total > 0, 2 * common / np.maximum(total, 1), 1.0)
        for i in np.flatnonzero(bound >= threshold - _EPS):
            a, b = texts[int(i)], texts[j]
            ratio = _ratio(a, b)
            if ratio < threshold:  # the second order only matters when the first falls short
                ratio = max(ratio, _ratio(b, a))
            if ratio >= threshold:
                yield int(i), j, ratio
