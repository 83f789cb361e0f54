"""The quiz-bank data model: the single source of truth every other module reads.

A bank is one YAML file per book section. Everything an author can get wrong is
rejected here, at load time, so that renderers, exporters and graders can trust
what they receive: unknown keys (typos), duplicate ids, a ``single`` question with
zero or two correct options, an objective the bank never declared, and so on.

Question types form a discriminated union on ``type`` (pydantic's recommended
shape): a validation error then points at the one variant the author meant, and
the JSON Schema carries the discriminator so editors can autocomplete.
"""

from __future__ import annotations

import contextvars
import re
import string
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from collections import Counter
from enum import Enum
from typing import Annotated, Any, Literal, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

#: The bank format written today. Older files are upgraded by :mod:`quizlib.schema_versions`.
SCHEMA_VERSION = 1

#: Ids are short, stable, URL- and filename-safe: they end up in responses files,
#: form manifests, HTML ids and LMS exports.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"

Id = Annotated[str, Field(pattern=ID_PATTERN, min_length=1, max_length=80)]
NonEmptyText = Annotated[str, Field(min_length=1)]

#: Numbers and booleans are taken as written: ``points: "2"`` or ``correct: yes`` (text in YAML 1.2) are
#: errors, as they are for the JSON Schema editors check banks with, not silently converted.
StrictFloat = Annotated[float, Field(strict=True)]
StrictBool = Annotated[bool, Field(strict=True)]


def _plain_text_or_object(schema: dict[str, Any]) -> None:
    """JSON Schema of a model that may also be written as plain text (its ``text``), as authors mostly do."""
    obj = dict(schema)
    schema.clear()
    schema["anyOf"] = [{"type": "string", "pattern": r"\S"}, obj]


def _contains_correct(at_most_one: bool) -> dict[str, Any]:
    """JSON Schema for "exactly one option is correct" / "at least one is" (checked by validators here)."""
    extra: dict[str, Any] = {
        "contains": {"type": "object", "required": ["correct"], "properties": {"correct": {"const": True}}},
        "minContains": 1,
    }
    if at_most_one:
        extra["maxContains"] = 1
    return extra



@dataclass
class _BankScope:
    """What a bank knows while its questions validate.

    Cross-references (a question's objective, a question id seen twice) then fail
    *at the question's own location* (``questions[i].objective``) and alongside
    every other error in the file, rather than as one bank-level error raised
    only once everything else is valid.
    """

    objectives: frozenset[str] | None
    question_ids: set[str] = dataclass_field(default_factory=set)


_bank_scope: contextvars.ContextVar[_BankScope | None] = contextvars.ContextVar("_bank_scope", default=None)


def _strip(value: str) -> str:
    return value.strip()


class StrictModel(BaseModel):
    """Base for every authored object: unknown keys are errors, so typos never pass silently."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Difficulty(str, Enum):
    easy = "easy"
    medium = "medium"
    hard = "hard"


class MultipleScoring(str, Enum):
    """How a multi-select question gives credit.

    ``partial`` is net-correct credit: (correct chosen - wrong chosen) / number of
    correct options, floored at 0, so ticking every box earns nothing.
    """

    partial = "partial"
    all_or_nothing = "all_or_nothing"


class OrderingScoring(str, Enum):
    """``pairs`` credits each pair of items placed in the right relative order (Kendall-style)."""

    pairs = "pairs"
    all_or_nothing = "all_or_nothing"


class ToleranceMode(str, Enum):
    absolute = "absolute"
    relative = "relative"


class Objective(StrictModel):
    """A learning objective; ids such as ``O2.1`` are shared with the chapter's index page."""

    id: Id
    text: NonEmptyText


class Option(StrictModel):
    """One choice of a single/multiple question.

    ``id`` may be omitted: it is then derived from the authored position (a, b, c, ...)
    so shuffled forms and stored responses stay gradeable across renders.
    """

    id: Id | None = None
    text: NonEmptyText
    correct: StrictBool = False
    feedback: str | None = None


class AcceptedAnswer(StrictModel):
    """An accepted short answer: literal ``text`` (compared after normalisation) or a ``regex``."""

    model_config = ConfigDict(
        json_schema_extra=lambda schema: (
            schema.update(oneOf=[
                {"required": ["text"], "properties": {"text": {"type": "string", "pattern": r"\S"}}},
                {"required": ["regex"], "properties": {"regex": {"type": "string", "format": "regex"}}},
            ]),
            _plain_text_or_object(schema),
        )
    )

    text: str | None = None
    regex: str | None = None
    credit: StrictFloat = Field(default=1.0, ge=0.0, le=1.0)
    feedback: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_plain_string(cls, data: Any) -> Any:
        # Authors mostly write `answers: [Malabar, Exercise Malabar]`.
        return {"text": data} if isinstance(data, str) else data

    @model_validator(mode="after")
    def _exactly_one_matcher(self) -> AcceptedAnswer:
        if (self.text is None) == (self.regex is None):
            raise PydanticCustomError(
                "answer_matcher", "give exactly one of 'text' or 'regex' for an accepted answer"
            )
        if self.text is not None and not self.text.strip():
            raise PydanticCustomError("answer_empty", "accepted answer text is empty")
        if self.regex is not None:
            try:
                re.compile(self.regex)
            except re.error as exc:
                raise PydanticCustomError(
                    "answer_regex", "invalid regular expression '{regex}': {error}",
                    {"regex": self.regex, "error": str(exc)},
                ) from None
        return self


class MatchPair(StrictModel):
    """A left item and the right item it belongs with; ``id`` derived as p1, p2, ... if omitted."""

    id: Id | None = None
    left: NonEmptyText
    right: NonEmptyText


class OrderItem(StrictModel):
    """One item of an ordering question; ``id`` derived as i1, i2, ... if omitted."""

    model_config = ConfigDict(json_schema_extra=_plain_text_or_object)

    id: Id | None = None
    text: NonEmptyText

    @model_validator(mode="before")
    @classmethod
    def _from_plain_string(cls, data: Any) -> Any:
        return {"text": data} if isinstance(data, str) else data


def letters(n: int) -> list[str]:
    """a..z, then aa, ab, ... : derived option ids, and (upper-cased) the letters printed on forms."""
    out: list[str] = []
    alphabet = string.ascii_lowercase
    for i in range(n):
        label = ""
        i += 1
        while i:
            i, rem = divmod(i - 1, 26)
            label = alphabet[rem] + label
        out.append(label)
    return out


def _assign_ids(items: list[Any], derived: list[str], what: str) -> list[Any]:
    """Fill missing ids from authored order, then reject duplicates (explicit or derived)."""
    for item, default in zip(items, derived):
        if item.id is None:
            item.id = default
    dupes = sorted(k for k, n in Counter(i.id for i in items).items() if n > 1)
    if dupes:
        raise PydanticCustomError(
            "duplicate_id", "duplicate {what} id(s): {ids}", {"what": what, "ids": ", ".join(dupes)}
        )
    return items


def _no_duplicate_texts(texts: list[str], what: str) -> None:
    seen = Counter(t.strip().casefold() for t in texts)
    dupes = sorted(t for t, n in seen.items() if n > 1)
    if dupes:
        raise PydanticCustomError(
            "duplicate_text", "duplicate {what}: {texts}", {"what": what, "texts": "; ".join(dupes)}
        )


class QuestionBase(StrictModel):
    """Fields every question type shares."""

    id: Id
    prompt: NonEmptyText
    points: StrictFloat = Field(default=1.0, gt=0, le=1000)
    explanation: NonEmptyText
    source: Id = Field(description="Label of the heading in the bank's page that supports the answer.")
    objective: Id = Field(description="Id of one of the bank's objectives.")
    difficulty: Difficulty
    tags: list[Id] = Field(default_factory=list)

    @field_validator("id")
    @classmethod
    def _id_unique_in_bank(cls, value: str) -> str:
        scope = _bank_scope.get()
        if scope is not None:
            if value in scope.question_ids:
                raise PydanticCustomError(
                    "duplicate_id", "duplicate question id '{value}' in this bank", {"value": value}
                )
            scope.question_ids.add(value)
        return value

    @field_validator("objective")
    @classmethod
    def _objective_declared(cls, value: str) -> str:
        scope = _bank_scope.get()
        declared = scope.objectives if scope else None
        if declared is not None and value not in declared:
            raise PydanticCustomError(
                "objective_undeclared",
                "objective '{value}' is not declared in the bank's objectives ({declared})",
                {"value": value, "declared": ", ".join(sorted(declared)) or "none"},
            )
        return value


class SingleChoice(QuestionBase):
    type: Literal["single"]
    options: list[Option] = Field(min_length=2, max_length=8, json_schema_extra=_contains_correct(at_most_one=True))
    shuffle: StrictBool = True

    @field_validator("options")
    @classmethod
    def _one_correct(cls, options: list[Option]) -> list[Option]:
        n = sum(o.correct for o in options)
        if n != 1:
            raise PydanticCustomError(
                "single_correct_count",
                "a 'single' question needs exactly one correct option, found {n}",
                {"n": n},
            )
        _no_duplicate_texts([o.text for o in options], "option text")
        return _assign_ids(options, letters(len(options)), "option")


class MultipleChoice(QuestionBase):
    type: Literal["multiple"]
    options: list[Option] = Field(min_length=2, max_length=10, json_schema_extra=_contains_correct(at_most_one=False))
    scoring: MultipleScoring = MultipleScoring.partial
    shuffle: StrictBool = True

    @field_validator("options")
    @classmethod
    def _some_correct(cls, options: list[Option]) -> list[Option]:
        if not any(o.correct for o in options):
            raise PydanticCustomError(
                "multiple_no_correct", "a 'multiple' question needs at least one correct option"
            )
        _no_duplicate_texts([o.text for o in options], "option text")
        return _assign_ids(options, letters(len(options)), "option")


class TrueFalse(QuestionBase):
    type: Literal["true_false"]
    answer: StrictBool
    feedback_true: str | None = None
    feedback_false: str | None = None


class ShortAnswer(QuestionBase):
    """Free text compared after normalisation (see :func:`quizlib.normalize.normalize_text`)."""

    type: Literal["short"]
    answers: list[AcceptedAnswer] = Field(
        min_length=1,
        json_schema_extra={"contains": {"anyOf": [
            {"type": "string"},
            {"type": "object", "not": {"required": ["credit"]}},
            {"type": "object", "required": ["credit"], "properties": {"credit": {"const": 1}}},
        ]}},
    )
    normalize: StrictBool = Field(
        default=True,
        description="Ignore case, spacing, punctuation and diacritics when comparing.",
    )

    @field_validator("answers")
    @classmethod
    def _some_full_credit(cls, answers: list[AcceptedAnswer]) -> list[AcceptedAnswer]:
        if not any(a.credit == 1.0 for a in answers):
            raise PydanticCustomError(
                "short_no_full_credit", "a 'short' question needs at least one answer with full credit"
            )
        return answers


class Numeric(QuestionBase):
    type: Literal["numeric"]
    answer: StrictFloat = Field(allow_inf_nan=False)
    tolerance: StrictFloat = Field(default=0.0, ge=0.0, allow_inf_nan=False)
    tolerance_mode: ToleranceMode = ToleranceMode.absolute
    unit: str | None = None


class Matching(QuestionBase):
    """Left items each matched to one right item; distractors are extra wrong rights."""

    type: Literal["matching"]
    pairs: list[MatchPair] = Field(min_length=2, max_length=12)
    distractors: list[NonEmptyText] = Field(default_factory=list, max_length=8)
    shuffle: StrictBool = True

    @field_validator("pairs")
    @classmethod
    def _distinct_pairs(cls, pairs: list[MatchPair]) -> list[MatchPair]:
        _no_duplicate_texts([p.left for p in pairs], "left item")
        _no_duplicate_texts([p.right for p in pairs], "right item")
        return _assign_ids(pairs, [f"p{i + 1}" for i in range(len(pairs))], "pair")

    @model_validator(mode="after")
    def _distractors_are_wrong(self) -> Matching:
        _no_duplicate_texts([p.right for p in self.pairs] + self.distractors, "right item or distractor")
        return self

    def right_choices(self) -> list[tuple[str, str]]:
        """(id, text) of every right-hand choice: a pair's right shares the pair id; distractors are d1, d2, ..."""
        return [(p.id or "", p.right) for p in self.pairs] + [
            (f"d{i + 1}", text) for i, text in enumerate(self.distractors)
        ]


class Ordering(QuestionBase):
    type: Literal["ordering"]
    items: list[OrderItem] = Field(min_length=2, max_length=12, description="In the correct order.")
    scoring: OrderingScoring = OrderingScoring.pairs

    @field_validator("items")
    @classmethod
    def _distinct_items(cls, items: list[OrderItem]) -> list[OrderItem]:
        _no_duplicate_texts([i.text for i in items], "item")
        return _assign_ids(items, [f"i{i + 1}" for i in range(len(items))], "item")


Question = Annotated[
    Union[SingleChoice, MultipleChoice, TrueFalse, ShortAnswer, Numeric, Matching, Ordering],
    Field(discriminator="type"),
]

QUESTION_TYPES: dict[str, type[QuestionBase]] = {
    "single": SingleChoice,
    "multiple": MultipleChoice,
    "true_false": TrueFalse,
    "short": ShortAnswer,
    "numeric": Numeric,
    "matching": Matching,
    "ordering": Ordering,
}


class Bank(StrictModel):
    """One YAML file: the questions drawn from one book page."""

    schema_version: Literal[1] = Field(description="Format version of this file; see quizlib.schema_versions.")
    page: NonEmptyText = Field(description="Docname of the book page, relative to book/ and without '.md'.")
    title: NonEmptyText
    secure: StrictBool = Field(
        default=False,
        description=(
            "True for a secure pool: questions for graded work only (forms, the grading service, "
            "LMS exports), never rendered in the book. Secure pools live under pools/, which the "
            "book build never reads, so a course can keep them in a private repository."
        ),
    )
    objectives: list[Objective] = Field(min_length=1)
    questions: list[Question] = Field(min_length=1)

    @model_validator(mode="wrap")
    @classmethod
    def _validate_with_declared_objectives(cls, data: Any, handler: Any) -> Bank:
        token = _bank_scope.set(_BankScope(objectives=_raw_objective_ids(data)))
        try:
            return handler(data)
        finally:
            _bank_scope.reset(token)

    @field_validator("schema_version", mode="before")
    @classmethod
    def _version_is_a_number(cls, value: Any) -> Any:
        if isinstance(value, bool):  # True == 1 in Python; not in YAML or JSON
            raise PydanticCustomError("literal_error", "Input should be 1")
        return value

    @field_validator("objectives")
    @classmethod
    def _unique_objectives(cls, objectives: list[Objective]) -> list[Objective]:
        _assign_ids(objectives, [o.id for o in objectives], "objective")
        return objectives

    @property
    def id(self) -> str:
        """Bank id: the page docname minus the ``book/`` prefix, e.g. ``03-instruments/01-attaches``."""
        return self.page

    def global_id(self, question: QuestionBase) -> str:
        return f"{self.id}/{question.id}"

    def question(self, question_id: str) -> QuestionBase:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)


def _raw_objective_ids(data: Any) -> frozenset[str] | None:
    """Objective ids as authored, read before validation so questions can be checked against them."""
    if isinstance(data, Bank):
        return frozenset(o.id for o in data.objectives)
    if not isinstance(data, dict) or not isinstance(data.get("objectives"), list):
        return None
    ids = set()
    for obj in data["objectives"]:
        if isinstance(obj, dict) and isinstance(obj.get("id"), str):
            ids.add(obj["id"].strip())
        elif isinstance(obj, Objective):
            ids.add(obj.id)
    return frozenset(ids)
