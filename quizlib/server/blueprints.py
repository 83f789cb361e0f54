"""Blueprint quizzes: each student's questions drawn by :mod:`quizlib.blueprint` and :mod:`quizlib.forms`.

The service draws a student's form when they first need it, in whatever order
students arrive, so the draw must not depend on who came before: the blueprint's
``balance`` is always taken as ``independent`` here (each form depends only on
the exam id and the student id; exposure is balanced on average). Question
selection, order and points come from :class:`quizlib.forms.Drawer`; the layout
of options, rights and items is the service's own (:mod:`.student_forms`), which
always shuffles matching and ordering answers so no form shows its key.

A blueprint is checked against the banks at publication (a rule they cannot meet
is a 422 naming the blueprint line), and the snapshot stores the blueprint's text
with every question of the banks, so drawing later needs no files.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from ..models import Bank
from .errors import ApiError
from .quizzes import QuizContent, banks_of

_drawers: dict[str, Any] = {}


def _modules() -> tuple[ModuleType, ModuleType]:
    try:
        from .. import blueprint as bp
        from .. import forms
    except ImportError as exc:  # pragma: no cover - both ship with quizlib
        raise ApiError(422, "blueprint_unsupported", f"publishing from a blueprint needs quizlib.forms ({exc})") from None
    return bp, forms


def _located_errors(exc: Exception) -> list[dict[str, Any]]:
    return [{"file": e.file, "line": e.line, "column": e.column, "field": e.field, "message": e.message}
            for e in getattr(exc, "errors", [])]


def _fail(code: str, exc: Exception) -> ApiError:
    details = _located_errors(exc)
    first = details[0] if details else {"file": "blueprint", "line": 1, "message": str(exc)}
    return ApiError(422, code, f"{first['file']}:{first['line']}: {first['message']}", details)


def parse_blueprint_text(text: str, name: str = "blueprint") -> dict[str, Any]:
    """Validate a blueprint's YAML (422 with located errors); returns what the snapshot stores."""
    bp, _ = _modules()
    try:
        located = bp.parse_blueprint(text, name)
    except bp.BlueprintError as exc:
        raise _fail("invalid_blueprint", exc) from None
    b = located.blueprint
    return {"text": text, "file": name, "exam_id": b.exam_id, "title": b.title,
            "time_limit_minutes": b.time_limit_minutes, "shuffle_options": b.shuffle_options}


def _drawer(blueprint: dict[str, Any], banks: list[Bank]) -> Any:
    """A :class:`quizlib.forms.Drawer` (checked against the banks), with ``independent`` balance."""
    bp, forms = _modules()
    located = bp.parse_blueprint(blueprint["text"], blueprint["file"])
    independent = located.blueprint.model_copy(update={"balance": bp.Balance.independent})
    located = bp.LocatedBlueprint(independent, located.file, located.positions)
    try:
        return forms.Drawer(located, banks)
    except bp.BlueprintError as exc:
        raise _fail("blueprint_cannot_be_met", exc) from None


def check_blueprint(blueprint: dict[str, Any], banks: list[Bank]) -> dict[str, Any]:
    """Refuse, at publication, a blueprint the banks cannot satisfy."""
    _drawer(blueprint, banks)
    return blueprint


def draw_for_student(quiz_id: str, student_id: str, content: QuizContent) -> list[tuple[str, float]]:
    """(global id, points) of the student's questions, in the order the blueprint gives them."""
    assert content.blueprint is not None
    key = content.digest
    drawer = _drawers.get(key)
    if drawer is None:
        drawer = _drawers[key] = _drawer(content.blueprint, banks_of(content))
    _, forms = _modules()
    drawn = drawer.draw_next(forms.FormSpec(f"{quiz_id}/{student_id}", student_id, student_id=student_id))
    return [(d.candidate.gid, d.points) for d in drawn.questions]
