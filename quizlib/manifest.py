"""The form manifest: exactly which questions, in which order, with which option
order, each student's form contained.

Written by ``quizlib form`` and read by ``quizlib grade`` (and the grading
service), so an answer given on a shuffled form, even as a printed letter, maps
back to the bank's stable ids.
"""

from __future__ import annotations

from pydantic import Field

from .models import Id, StrictModel, letters

MANIFEST_VERSION = 1


def printed_letters(n: int) -> list[str]:
    """A..Z, then AA, AB, ...: the labels printed before options, in ``option_order``/``right_order`` order."""
    return [label.upper() for label in letters(n)]


class FormQuestion(StrictModel):
    """One question as it appeared on one form."""

    qid: str = Field(description="Global question id '<bank>/<question id>', e.g. '03-instruments/01-attaches/attache-role'.")
    number: int = Field(ge=1, description="Position on the form, 1-based.")
    points: float = Field(gt=0)
    option_order: list[Id] | None = Field(
        default=None, description="single/multiple: original option ids in displayed order (A, B, C ...)."
    )
    right_order: list[Id] | None = Field(
        default=None, description="matching: right-choice ids (pair ids and d1, d2 ...) in displayed order."
    )
    left_order: list[Id] | None = Field(
        default=None, description="matching: pair ids of the left items in displayed order (default: authored order)."
    )
    item_order: list[Id] | None = Field(default=None, description="ordering: item ids in the order shown.")


class Form(StrictModel):
    form_id: str = Field(description="'<exam id>/<student id>' or '<exam id>/v<n>' for numbered variants.")
    student_id: str | None = None
    variant: int | None = None
    questions: list[FormQuestion]

    @property
    def max_points(self) -> float:
        return sum(q.points for q in self.questions)


class FormManifest(StrictModel):
    schema_version: int = MANIFEST_VERSION
    exam_id: str
    title: str
    bank_hashes: dict[str, str] = Field(
        default_factory=dict, description="sha256 of each bank file used, so a later key change is detectable."
    )
    question_hashes: dict[str, str] = Field(
        default_factory=dict,
        description="sha256 of each question on the forms, as drawn (by global id), so grading can name every "
        "question edited since; older manifests have only bank_hashes.",
    )
    forms: list[Form]

    def form(self, form_id: str) -> Form:
        for f in self.forms:
            if f.form_id == form_id:
                return f
        raise KeyError(form_id)
