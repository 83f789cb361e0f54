"""Per-chapter coverage figures: what the banks of each chapter exercise.

Computed apart from the Rich rendering so tests and other reports (a future
HTML dashboard) read the same numbers.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..models import Difficulty
from .config import LintConfig
from .course import Course


@dataclass
class ChapterCoverage:
    chapter: str
    banks: int = 0
    questions: int = 0
    types: set[str] = field(default_factory=set)
    difficulty: Counter[str] = field(default_factory=Counter)
    #: Chapter objectives with at least ``min_questions_per_objective`` questions.
    objectives_covered: int = 0
    objectives_total: int = 0

    def add(self, other: ChapterCoverage) -> None:
        self.banks += other.banks
        self.questions += other.questions
        self.types |= other.types
        self.difficulty.update(other.difficulty)
        self.objectives_covered += other.objectives_covered
        self.objectives_total += other.objectives_total


DIFFICULTIES = [d.value for d in Difficulty]


def coverage(course: Course, config: LintConfig) -> tuple[list[ChapterCoverage], ChapterCoverage]:
    """One row per chapter (book chapters and any chapter only a bank names), and the totals row."""
    names = sorted(set(course.book.chapters) | {b.chapter for b in course.banks})
    rows = []
    for name in names:
        banks = course.banks_of(name)
        questions = [q for b in banks for q in b.bank.questions]
        row = ChapterCoverage(name, banks=len(banks), questions=len(questions))
        row.types = {q.type for q in questions}
        row.difficulty = Counter(q.difficulty.value for q in questions)
        chapter = course.book.chapters.get(name)
        if chapter:
            counts = Counter(q.objective for q in questions)
            row.objectives_total = len(chapter.objectives)
            row.objectives_covered = sum(
                counts[o.id] >= config.min_questions_per_objective for o in chapter.objectives
            )
        rows.append(row)
    total = ChapterCoverage("total")
    for row in rows:
        total.add(row)
    return rows, total
