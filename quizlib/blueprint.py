"""Exam blueprints: what a randomized exam draws from the banks.

A blueprint is a small YAML file an instructor writes once per exam::

    schema_version: 1
    exam_id: midterm
    title: Midterm examination
    time_limit_minutes: 60
    total_points: 40
    draw:
      - chapters: 1-4          # or [1, 2, 3, 4], or folder names
        per_section: 2         # or per_chapter: N, or count: N
        max_per_chapter: {hard: 2}

It is validated like a bank (pydantic, unknown keys rejected) and loaded with the
bank loader's YAML composer, so every error carries ``file:line:column`` and the
field, and a draw rule the banks cannot satisfy is reported at the rule's line
(:class:`quizlib.forms.DrawError`).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from .loader import BankError, Path_, field_name, parse_located, position_of
from .models import QUESTION_TYPES, Difficulty, Id, NonEmptyText, StrictModel

BLUEPRINT_VERSION = 1

QuestionType = Literal["single", "multiple", "true_false", "short", "numeric", "matching", "ordering"]

_RANGE = re.compile(r"^\s*(\d+)\s*[-\u2013\u2014]\s*(\d+)\s*$")


class Balance(str, Enum):
    """How questions are chosen when a section holds more than a form needs.

    ``exposure``: each form takes the questions used least so far (sha256 tie-breaks),
    so over many forms every question is seen about equally often; a form then depends
    on the forms drawn before it (same ids in the same order give the same forms).
    ``independent``: each form depends only on (exam id, form key); exposure is then
    only balanced on average (binomial spread).
    """

    exposure = "exposure"
    independent = "independent"


class DrawRule(StrictModel):
    """One line of the exam's table of specifications."""

    name: str | None = Field(default=None, description="Label used in messages and the exposure report.")
    chapters: list[int | str] | None = Field(
        default=None, description="Chapter numbers (the NN- prefix of the folder), folder names, or a range '1-4'."
    )
    sections: list[str] | None = Field(default=None, description="Bank ids such as '03-instruments/01-attaches'.")
    per_section: int | None = Field(default=None, ge=1, le=100)
    per_chapter: int | None = Field(default=None, ge=1, le=500)
    count: int | None = Field(default=None, ge=1, le=2000, description="Questions drawn from the whole rule.")
    difficulty: list[Difficulty] | None = Field(default=None, min_length=1)
    types: list[QuestionType] | None = Field(default=None, min_length=1)
    tags: list[Id] | None = Field(default=None, min_length=1, description="Keep questions carrying any of these tags.")
    max_per_section: dict[Difficulty, int] = Field(default_factory=dict)
    max_per_chapter: dict[Difficulty, int] = Field(default_factory=dict)
    max_total: dict[Difficulty, int] = Field(default_factory=dict)
    points: float | None = Field(default=None, gt=0, le=1000, description="Points of each drawn question (overrides the bank).")

    @field_validator("chapters", mode="before")
    @classmethod
    def _expand_range(cls, value: Any) -> Any:
        # `chapters: 1-4` reads as the string "1-4"; a single number as an int.
        if isinstance(value, (int, str)) and not isinstance(value, bool):
            value = [value]
        if not isinstance(value, list):
            return value
        out: list[Any] = []
        for item in value:
            m = _RANGE.match(item) if isinstance(item, str) else None
            if m:
                lo, hi = int(m.group(1)), int(m.group(2))
                if lo > hi:
                    raise PydanticCustomError("chapter_range", "chapter range '{r}' runs backwards", {"r": item})
                out.extend(range(lo, hi + 1))
            else:
                out.append(item)
        return out

    @field_validator("max_per_section", "max_per_chapter", "max_total")
    @classmethod
    def _non_negative(cls, caps: dict[Difficulty, int]) -> dict[Difficulty, int]:
        for d, n in caps.items():
            if n < 0:
                raise PydanticCustomError("cap_negative", "a limit cannot be negative ({d}: {n})", {"d": d.value, "n": n})
        return caps

    @model_validator(mode="after")
    def _one_quota(self) -> DrawRule:
        given = [k for k in ("per_section", "per_chapter", "count") if getattr(self, k) is not None]
        if len(given) != 1:
            raise PydanticCustomError(
                "draw_quota",
                "give exactly one of 'per_section', 'per_chapter' or 'count' (found {found})",
                {"found": ", ".join(given) or "none"},
            )
        if self.chapters is None and self.sections is None:
            raise PydanticCustomError("draw_scope", "give 'chapters', 'sections' or both to say where questions come from")
        return self

    @property
    def quota_kind(self) -> Literal["section", "chapter", "rule"]:
        if self.per_section is not None:
            return "section"
        return "chapter" if self.per_chapter is not None else "rule"

    @property
    def quota(self) -> int:
        return self.per_section or self.per_chapter or self.count or 0

    def describe(self, index: int) -> str:
        """``draw[0] (Core)``: how messages name this rule."""
        return f"draw[{index}]" + (f" ({self.name})" if self.name else "")


class Blueprint(StrictModel):
    """An exam: header shown on every form, and the rules that draw its questions."""

    schema_version: Literal[1] = Field(description="Format version of the blueprint file.")
    exam_id: Id
    title: NonEmptyText
    instructions: str = ""
    time_limit_minutes: int | None = Field(default=None, ge=1, le=24 * 60)
    total_points: float | None = Field(default=None, gt=0, description="When set, every form must total exactly this.")
    balance: Balance = Balance.exposure
    shuffle_questions: bool = True
    shuffle_options: bool = Field(default=True, description="Shuffle options and matching rights (a bank's shuffle: false wins).")
    draw: list[DrawRule] = Field(min_length=1)


_KNOWN_KEYS = sorted({*Blueprint.model_fields, *DrawRule.model_fields})


@dataclass(frozen=True)
class LocatedBlueprint:
    """A blueprint and where each key sat in its file, so draw errors can name a line."""

    blueprint: Blueprint
    file: str
    positions: dict[Path_, tuple[int, int]]

    def line_of(self, *path: str | int) -> int:
        return position_of(tuple(path), self.positions)[0]

    def error(self, path: tuple[str | int, ...], message: str) -> BankError:
        """A located error at ``path`` (e.g. ``("draw", 0, "max_per_chapter")``)."""
        line, col = position_of(tuple(path), self.positions)
        return BankError(self.file, line, col, field_name(tuple(path)), message)


class BlueprintError(Exception):
    """Every problem with a blueprint (or with drawing from it), each located like a bank error."""

    def __init__(self, errors: list[BankError]):
        self.errors = sorted(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


def _friendly(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        key = str(error["loc"][-1]) if error.get("loc") else ""
        near = difflib.get_close_matches(key, _KNOWN_KEYS, n=1)
        return f"unknown key '{key}' (not part of the blueprint format)" + (f"; did you mean '{near[0]}'?" if near else "")
    if kind == "literal_error" and error.get("loc") == ("schema_version",):
        return f"schema_version must be {BLUEPRINT_VERSION}, got {error.get('input')!r}"
    if kind == "literal_error":
        return f"unknown question type {error.get('input')!r} (one of: {', '.join(QUESTION_TYPES)})"
    return str(error.get("msg", "invalid value"))


def parse_blueprint(text: str, filename: str) -> LocatedBlueprint:
    """Validate blueprint text; raises :class:`BlueprintError` listing every problem with its line."""
    blueprint, positions = parse_located(text, filename, Blueprint, what="blueprint", friendly=_friendly,
                                         error=BlueprintError)
    return LocatedBlueprint(blueprint, filename, positions)


def load_blueprint(path: str | Path) -> LocatedBlueprint:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BlueprintError([BankError(str(path), 1, 1, "", f"cannot read file: {exc}")]) from None
    return parse_blueprint(text, str(path))
