"""The one small interface every import format implements, its registry, and its report.

An importer reads one file another system exported (Moodle XML, GIFT) and turns each
question it can carry into a question of the bank format, as plain data, with the
category it was filed under. Whatever it cannot carry is a note on that question,
located by file and line: a whole question of a type the banks do not have
(calculated, cloze, essay, drag-and-drop) is *skipped* and reported, never dropped
silently; a part of a question (a catch-all answer, a unit, weighted options) is
*lost* or *changed*. Turning the questions into bank files is
:mod:`quizlib.imports.banks`' job, shared by every format.

Adding a format is one new module in :mod:`quizlib.imports` defining a subclass with a
``name``; the registry discovers it, as the exporters' does.
"""

from __future__ import annotations

import importlib
import pkgutil
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, ClassVar


class NoteKind(str, Enum):
    """``skipped``: the whole question is not imported. ``lost``: part of it is absent from the
    bank. ``changed``: it is there, but quizlib will score or show it differently."""

    skipped = "skipped"
    lost = "lost"
    changed = "changed"


@dataclass(frozen=True, slots=True)
class ImportNote:
    file: str
    line: int
    question: str
    """The question's name in the source file."""
    kind: NoteKind
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.question}: {self.kind.value}: {self.message}"


@dataclass
class ImportedQuestion:
    """One question in the bank format (as data: placeholders may stand where only an author can write)."""

    data: dict[str, Any]
    category: tuple[str, ...]
    """The category path below the source's top category, e.g. ("Course", "01 Intro")."""
    file: str
    line: int
    name: str


@dataclass
class ImportResult:
    questions: list[ImportedQuestion] = field(default_factory=list)
    notes: list[ImportNote] = field(default_factory=list)

    @property
    def skipped(self) -> list[ImportNote]:
        return [n for n in self.notes if n.kind is NoteKind.skipped]


class Skip(Exception):
    """Raised while reading one question: it cannot be carried; the message says why."""


class QuestionNotes:
    """Collects the notes of one question while it is being read."""

    def __init__(self, file: str, line: int, name: str, sink: list[ImportNote]):
        self.file, self.line, self.name, self._sink = file, line, name, sink

    def lost(self, message: str) -> None:
        self._sink.append(ImportNote(self.file, self.line, self.name, NoteKind.lost, message))

    def changed(self, message: str) -> None:
        self._sink.append(ImportNote(self.file, self.line, self.name, NoteKind.changed, message))

    def skipped(self, message: str) -> None:
        self._sink.append(ImportNote(self.file, self.line, self.name, NoteKind.skipped, message))


class ImportFileError(Exception):
    """The file itself cannot be read (not XML, not UTF-8...): located, and nothing is written."""

    def __init__(self, file: str, line: int, message: str):
        self.file, self.line, self.message = file, line, message
        super().__init__(f"{file}:{line}: {message}")


class Importer(ABC):
    """Base of every import format. Subclasses set ``name`` and ``label``."""

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""

    _registry: ClassVar[dict[str, type["Importer"]]] = {}

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if cls.name:
            if cls.name in Importer._registry and Importer._registry[cls.name] is not cls:
                raise TypeError(f"two importers are named '{cls.name}'")
            Importer._registry[cls.name] = cls

    @abstractmethod
    def read(self, path: Path) -> ImportResult:
        """Every question of ``path`` the banks can carry, and a note for everything else."""


def _discover() -> None:
    from . import __path__ as package_path

    for module in pkgutil.iter_modules(package_path):
        if not module.name.startswith("_") and module.name not in ("base", "banks"):
            importlib.import_module(f"quizlib.imports.{module.name}")


def importer_names() -> list[str]:
    _discover()
    return sorted(Importer._registry)


def get_importer(name: str) -> type[Importer]:
    """The importer class registered as ``name`` (``moodle-xml``, ``gift``)."""
    _discover()
    try:
        return Importer._registry[name]
    except KeyError:
        raise KeyError(f"unknown import format '{name}' (known: {', '.join(sorted(Importer._registry))})") from None
