"""Issue 4 figures: the near-duplicate prompt check and the whole `quizlib lint` run on the course.

    .venv/bin/python benchmarks/bench_lint_similarity.py

Baseline, measured in the same run: the brute-force check (full difflib ratio, both
argument orders, for every pair of the course's normalised prompts) that the
prefiltered :func:`quizlib.lint.similarity.near_duplicates` must agree with.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _machine import machine, median_time  # noqa: E402

from quizlib.lint import lint, load_config  # noqa: E402
from quizlib.lint.course import load_course  # noqa: E402
from quizlib.lint.similarity import near_duplicates, similarity  # noqa: E402
from quizlib.normalize import normalize_text  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    config = load_config(ROOT)
    course = load_course(ROOT, ROOT / "book", ROOT / "quizzes")
    texts = [normalize_text(q.prompt) for b in course.banks for q in b.bank.questions]
    threshold = config.near_duplicate_prompt_ratio
    pairs = len(texts) * (len(texts) - 1) // 2
    found: list[set[tuple[int, int]]] = []

    def brute() -> set[tuple[int, int]]:
        return {
            (i, j) for i in range(len(texts)) for j in range(i + 1, len(texts))
            if similarity(texts[i], texts[j]) >= threshold
        }

    def fast() -> set[tuple[int, int]]:
        return {(i, j) for i, j, _ in near_duplicates(texts, threshold)}

    # Brute force takes over a minute on this machine, so it runs once; its result checks the fast path.
    t_brute = median_time(lambda: found.append(brute()), repeat=1)
    assert fast() == found[0], "prefiltered result differs from brute force"
    t_fast = median_time(fast, repeat=7)
    t_lint = median_time(lambda: lint(ROOT, config=config), repeat=5)
    print(f"machine: {machine()}")
    print(f"{len(texts)} prompts, {pairs} pairs, threshold {threshold}, {len(found[0])} near-duplicate pair(s)")
    print(f"brute force (baseline): {t_brute * 1000:9.1f} ms (1 run)")
    print(f"prefiltered:            {t_fast * 1000:9.1f} ms (median of 7)  {t_brute / t_fast:6.0f}x faster, same pairs")
    print(f"whole lint (load book + 36 banks, all rules, coverage): {t_lint * 1000:.0f} ms (median of 5)")


if __name__ == "__main__":
    main()
