"""What an instructor hands to ``quizlib grade``: one attempt per JSON line, or one student per CSV row.

The pydantic model :class:`Attempt` is the contract (its JSON Schema is what
``quizlib grade --schema`` prints and what the instructor guide documents). At
class scale, though, validating 100,000 lines through pydantic costs more than
grading them, so :func:`check_attempt` accepts the common, well-formed line with
a handful of type checks and hands anything unusual to the model, which is the
authority: a line the fast check accepts is one the model accepts with the same
values (``tests/test_grade_inputs.py`` checks that property).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, JsonValue, TypeAdapter, ValidationError, model_validator
from pydantic_core import PydanticCustomError

#: Longest student id we accept; ids end up in file names and HTML.
MAX_STUDENT_CHARS = 200


class Attempt(BaseModel):
    """One student's answers to one bank or one printed/online form (one JSON Lines line)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, title="quizlib attempt")

    student: str = Field(
        min_length=1, max_length=MAX_STUDENT_CHARS, description="Student id, as the gradebook should show it."
    )
    bank: str | None = Field(
        default=None, min_length=1, description="Bank id (its book page), e.g. '03-instruments/01-attaches'."
    )
    form: str | None = Field(
        default=None, min_length=1, description="Form id from the form manifest given with --manifest."
    )
    answers: dict[str, JsonValue] = Field(
        description=(
            "Answer per question id (or global id '<bank>/<question>'). Option answers are option ids; "
            "on a form they may be the displayed letters A, B, C ..."
        )
    )
    submitted_at: datetime | None = Field(default=None, description="When the attempt was submitted (ISO 8601).")

    @model_validator(mode="after")
    def _bank_xor_form(self) -> Attempt:
        if (self.bank is None) == (self.form is None):
            raise PydanticCustomError("bank_or_form", "give exactly one of 'bank' or 'form'")
        return self


def attempt_schema() -> dict[str, Any]:
    """JSON Schema of one JSON Lines attempt, for editors and other tools that write responses."""
    schema = Attempt.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["oneOf"] = [{"required": ["bank"]}, {"required": ["form"]}]
    return schema


_ALLOWED_KEYS = frozenset(Attempt.model_fields)
_DATETIME = TypeAdapter(datetime)


def check_attempt(data: Any) -> tuple[str, str | None, str | None, dict[str, Any]]:
    """(student, bank, form, answers) of a parsed JSON line; raises :class:`pydantic.ValidationError`.

    The fast path covers what well-behaved tools write; everything else goes
    through :class:`Attempt`, so error messages and edge cases (whitespace to
    strip, odd date formats) are the model's.
    """
    if type(data) is dict and data.keys() <= _ALLOWED_KEYS:
        student = data.get("student")
        bank = data.get("bank")
        form = data.get("form")
        answers = data.get("answers")
        when = data.get("submitted_at")
        if (
            type(student) is str
            and 0 < len(student) <= MAX_STUDENT_CHARS
            and not student[0].isspace()
            and not student[-1].isspace()
            and type(answers) is dict
            and ((type(bank) is str and form is None) or (bank is None and type(form) is str))
            and _clean(bank or form)
            and (when is None or valid_datetime(when))
        ):
            return student, bank, form, answers
    attempt = Attempt.model_validate(data)
    return attempt.student, attempt.bank, attempt.form, attempt.answers


def _clean(text: str | None) -> bool:
    return bool(text) and not text[0].isspace() and not text[-1].isspace()  # type: ignore[index]


def valid_datetime(value: Any) -> bool:
    try:
        _DATETIME.validate_python(value)
    except ValidationError:
        return False
    return True


class Reason(str, Enum):
    """Why a row of a responses file was not graded; the summary counts rows per reason."""

    bad_json = "bad JSON"
    schema = "schema violation"
    unknown_bank = "unknown bank"
    unknown_form = "unknown form"
    form_student = "form of another student"
    unknown_question = "unknown question id"
    answered_twice = "question answered twice"
    duplicate_attempt = "duplicate attempt"
    unknown_column = "unknown column"
    no_student_column = "no student column"
    bad_row = "malformed row"
    unreadable = "unreadable file"


@dataclass(frozen=True, slots=True)
class Rejection:
    """A row (or a CSV column, or a whole file) that was read but not graded, with where it is."""

    file: str
    line: int
    reason: Reason
    message: str
    rows: int = 1
    """Rows this rejection accounts for: 1 for a row, 0 for a column, all rows for an unreadable file."""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason.value}: {self.message}"
