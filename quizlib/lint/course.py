"""The book and the banks loaded together, with the positions and comments the rules need.

Banks are loaded with their position tables (so every finding has a line) and
their allow comments; a bank that fails to load is kept as located load errors
rather than dropped, so the lint still reports it and checks everything else,
including the questions of that bank that do load.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from ..loader import BankError, BankLoadError, LocatedBank, iter_bank_files, parse_bank_located, salvage_bank
from ..models import Bank
from .allow import Allow, find_allows
from .book import Book, read_book


@dataclass
class BankFile:
    """A loaded bank: ``file`` is its path relative to the project root, as findings show it."""

    file: str
    located: LocatedBank
    allows: list[Allow]
    left_out: int = 0
    """Questions that did not validate and are left out of this bank (reported as bank-invalid)."""

    @property
    def bank(self) -> Bank:
        return self.located.bank

    @property
    def chapter(self) -> str:
        """The chapter folder the bank's page lives in (``03-instruments``)."""
        return self.bank.page.split("/", 1)[0]

    @property
    def questions_line(self) -> int:
        return self.located.line_of("questions")


@dataclass
class Course:
    root: Path
    book: Book
    quizzes: Path
    banks: list[BankFile] = field(default_factory=list)
    #: Banks outside the book (secure pools), read only to compare their prompts with the course's.
    extra_banks: list[BankFile] = field(default_factory=list)
    load_errors: list[BankError] = field(default_factory=list)
    bank_files: int = 0
    pools_dir: Path | None = None
    #: Secure pools (``secure: true``): from the pools folder, plus any misplaced among the practice banks.
    pools: list[BankFile] = field(default_factory=list)
    pool_load_errors: list[BankError] = field(default_factory=list)
    pool_files: int = 0

    @property
    def failed_files(self) -> set[str]:
        """Bank files that did not load (reported as bank-invalid)."""
        return {e.file for e in self.load_errors}

    def relative(self, path: Path | str) -> str:
        return display_path(path, self.root)

    def banks_of(self, chapter: str) -> list[BankFile]:
        return [b for b in self.banks if b.chapter == chapter]


def display_path(path: Path | str, root: Path) -> str:
    """``path`` relative to ``root`` in POSIX form when it lies inside it; as given otherwise."""
    try:
        return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return Path(path).as_posix()


def _load_file(course: Course, path: Path, errors: list[BankError]) -> BankFile | None:
    """One bank with its positions and allows, or None with its errors added to ``errors``.

    A bank that fails validation but still parses is salvaged: its valid questions are
    linted too, so the author sees every problem in one run.
    """
    rel = course.relative(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        errors.append(BankError(rel, 1, 1, "", f"cannot read file: {exc}"))
        return None
    try:
        located = parse_bank_located(text, rel)
    except BankLoadError as exc:
        errors.extend(exc.errors)
        salvaged = salvage_bank(text, rel)
        if salvaged is None:
            return None
        located, left_out = salvaged
        return BankFile(rel, located, find_allows(text, located, rel), left_out)
    return BankFile(rel, located, find_allows(text, located, rel))


def load_course(
    root: Path, book_dir: Path, quizzes_dir: Path, pools_dir: Path | None = None, extra: Sequence[Path] = ()
) -> Course:
    """Read the book, every bank under ``quizzes_dir``, every pool under ``pools_dir`` and the
    ``extra`` banks; never raises on a bad bank.

    A bank marked ``secure: true`` among the practice banks is kept with the pools (it is no
    practice coverage, and ``quizlib lint`` reports where it sits). Pools and ``extra`` banks are
    compared with the practice banks for near-duplicate prompts (``Course.extra_banks``).
    """
    root = Path(root)
    book = read_book(book_dir, root / "_config.yml")
    course = Course(root, book, Path(quizzes_dir), pools_dir=Path(pools_dir) if pools_dir else None)
    for path in iter_bank_files([quizzes_dir]):
        course.bank_files += 1
        bank = _load_file(course, path, course.load_errors)
        if bank is not None:
            (course.pools if bank.bank.secure else course.banks).append(bank)
    if course.pools_dir is not None and course.pools_dir.is_dir():
        for path in iter_bank_files([course.pools_dir]):
            course.pool_files += 1
            bank = _load_file(course, path, course.pool_load_errors)
            if bank is not None:
                course.pools.append(bank)
    for path in iter_bank_files(list(extra)):
        bank = _load_file(course, path, course.load_errors)
        if bank is not None:
            course.extra_banks.append(bank)
    return course

