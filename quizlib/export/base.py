"""The one small interface every LMS export implements, and its registry.

An exporter turns banks into one file (or zip) an LMS imports. It writes each
question as faithfully as the format allows and says, per question, what it
could not carry (:class:`ExportNote`): an answer pattern the format has no
syntax for, partial credit it cannot express, a scoring rule the LMS applies
differently. Nothing is dropped without a note, so an instructor reading the
report knows which imported questions to check.

Adding a format is one new module in :mod:`quizlib.export` defining a subclass
with a ``name``; the registry discovers it (as the CLI discovers commands) and
no other exporter changes.
"""

from __future__ import annotations

import importlib
import pkgutil
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import ClassVar, Iterable, Sequence

from ..models import Bank, QuestionBase


class Severity(str, Enum):
    """``lost``: something of the bank is absent from the export. ``changed``: it is there,
    but the LMS will score or show it differently from quizlib."""

    lost = "lost"
    changed = "changed"


@dataclass(frozen=True, slots=True)
class ExportNote:
    qid: str
    """Global question id."""
    format: str
    severity: Severity
    message: str
    fields: tuple[str, ...] = ()
    """The bank fields of the question the note is about (``points``, ``answers``, ``type`` for the
    whole shape): what an import of the export may give back differently. Lets a round trip check
    that every difference it finds was declared."""

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"qid": self.qid, "format": self.format, "severity": self.severity.value,
                                  "message": self.message}
        if self.fields:
            out["fields"] = list(self.fields)
        return out


@dataclass
class ExportReport:
    """What one export wrote and, per question, what it could not carry."""

    format: str
    path: Path | None = None
    questions: int = 0
    banks: int = 0
    notes: list[ExportNote] = field(default_factory=list)

    def for_question(self, qid: str) -> list[ExportNote]:
        return [n for n in self.notes if n.qid == qid]

    @property
    def affected(self) -> int:
        return len({n.qid for n in self.notes})

    def count(self, severity: Severity) -> int:
        return sum(1 for n in self.notes if n.severity is severity)

    def as_dict(self) -> dict[str, object]:
        return {
            "format": self.format,
            "path": str(self.path) if self.path else None,
            "banks": self.banks,
            "questions": self.questions,
            "questions_with_notes": self.affected,
            "notes": [n.as_dict() for n in self.notes],
        }


class Notes:
    """Collects the notes of one question while it is being written."""

    def __init__(self, fmt: str, qid: str, sink: list[ExportNote]):
        self.format, self.qid, self._sink = fmt, qid, sink

    def lost(self, message: str, *fields: str) -> None:
        self._sink.append(ExportNote(self.qid, self.format, Severity.lost, message, fields))

    def changed(self, message: str, *fields: str) -> None:
        self._sink.append(ExportNote(self.qid, self.format, Severity.changed, message, fields))


class Exporter(ABC):
    """Base of every LMS export. Subclasses set ``name``, ``label`` and ``suffix``."""

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""
    suffix: ClassVar[str] = ""
    """File name ending of the export, e.g. ``.qti.zip``."""

    _registry: ClassVar[dict[str, type["Exporter"]]] = {}

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if cls.name:
            if cls.name in Exporter._registry and Exporter._registry[cls.name] is not cls:
                raise TypeError(f"two exporters are named '{cls.name}'")
            Exporter._registry[cls.name] = cls

    def __init__(self, title: str = "Course question banks", **options: object):
        self.title = title
        self.options = options

    @abstractmethod
    def write(self, banks: Sequence[Bank], path: Path) -> ExportReport:
        """Write ``banks`` (in the order given) to ``path``; returns the per-question report."""

    @abstractmethod
    def question_text(self, bank: Bank, question: QuestionBase) -> tuple[str, list[ExportNote]]:
        """One question as the format writes it (an XML element or a GIFT block): golden tests compare these."""

    @staticmethod
    def ordered(banks: Iterable[Bank]) -> list[Bank]:
        return sorted(banks, key=lambda b: b.id)


def _discover() -> None:
    from . import __path__ as package_path

    for module in pkgutil.iter_modules(package_path):
        if not module.name.startswith("_") and module.name != "base":
            importlib.import_module(f"quizlib.export.{module.name}")


def exporter_names() -> list[str]:
    _discover()
    return sorted(Exporter._registry)


def get_exporter(name: str) -> type[Exporter]:
    """The exporter class registered as ``name`` (``qti``, ``moodle``, ``gift`` ...)."""
    _discover()
    try:
        return Exporter._registry[name]
    except KeyError:
        raise KeyError(f"unknown export format '{name}' (known: {', '.join(sorted(Exporter._registry))})") from None
