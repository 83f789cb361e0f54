"""Where a course keeps its banks, read once from ``[tool.quizlib]`` in the project's ``pyproject.toml``.

    [tool.quizlib]
    practice_banks = "quizzes"   # rendered in the book: every key in them is public
    secure_pools = "pools"       # graded work only; the book build never reads them

Secure pools live in one folder, named here and nowhere else, so a course can keep
its book repository public and its pools in a private one (a Git submodule, or a
folder outside the repository: ``secure_pools = "../course-pools"``). Both paths are
relative to the folder holding ``pyproject.toml``. ``QUIZLIB_SECURE_POOLS`` (and
commands' ``--pools``) override the pools folder, e.g. on the machine that has it.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

ENV_POOLS = "QUIZLIB_SECURE_POOLS"
DEFAULT_PRACTICE = "quizzes"
DEFAULT_POOLS = "pools"


class CourseConfigError(ValueError):
    """``[tool.quizlib]`` is malformed; the message names the file and key."""


@dataclass(frozen=True)
class CourseConfig:
    root: Path
    """The project folder (where ``pyproject.toml`` is)."""
    practice_banks: Path
    """Banks the book renders: their keys are public."""
    secure_pools: Path
    """Secure pools: graded questions only, never rendered."""

    def is_pool_file(self, path: str | Path) -> bool:
        """Does ``path`` lie in the secure pools folder?"""
        return _inside(Path(path), self.secure_pools)

    def is_practice_file(self, path: str | Path) -> bool:
        return _inside(Path(path), self.practice_banks)


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def find_root(start: str | Path = ".") -> Path:
    """The nearest folder from ``start`` upwards holding a ``pyproject.toml`` (else ``start`` itself)."""
    start = Path(start).resolve()
    for folder in (start, *start.parents):
        if (folder / "pyproject.toml").is_file():
            return folder
    return start


def load_course_config(root: str | Path | None = None, pools: str | Path | None = None) -> CourseConfig:
    """The course's bank folders. ``pools`` (a command's ``--pools``) beats ``$QUIZLIB_SECURE_POOLS``,
    which beats ``[tool.quizlib] secure_pools``; relative paths are taken from the project folder."""
    base = find_root() if root is None else Path(root).resolve()
    table: dict[str, object] = {}
    file = base / "pyproject.toml"
    if file.is_file():
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise CourseConfigError(f"{file}: invalid TOML: {exc}") from None
        found = data.get("tool", {}).get("quizlib", {})
        table = {k: v for k, v in found.items() if not isinstance(v, dict)}  # [tool.quizlib.lint] is the linter's
    unknown = sorted(set(table) - {"practice_banks", "secure_pools"})
    if unknown:
        raise CourseConfigError(f"{file}: unknown key(s) in [tool.quizlib]: {', '.join(unknown)}")
    for key, value in table.items():
        if not isinstance(value, str) or not value.strip():
            raise CourseConfigError(f"{file}: [tool.quizlib] {key} must be a folder path, got {value!r}")
    chosen = pools or os.environ.get(ENV_POOLS) or table.get("secure_pools") or DEFAULT_POOLS
    practice = str(table.get("practice_banks") or DEFAULT_PRACTICE)
    return CourseConfig(base, base / practice, base / str(chosen))
