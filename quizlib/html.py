"""The practice-quiz HTML format: questions, inputs, and an answer key the page's
script grades against (``static/quizlib.js``).

Practice quizzes put their answers in the page by design; that is why graded
quizzes go through the grading service or an LMS export instead. The key emitted
here holds only what grading needs, in the shapes ``quizlib.js`` mirrors from
:mod:`quizlib.grading`; everything a student reads (feedback, explanation) is in
the markup once, so the page works, answers included, without JavaScript.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from .markdown import render_block, render_inline
from .models import (
    Matching,
    MultipleChoice,
    Numeric,
    Ordering,
    QuestionBase,
    ShortAnswer,
    SingleChoice,
    ToleranceMode,
    TrueFalse,
)
from .sampling import shuffled

PRACTICE_NOTE = (
    "Practice quiz: the answers are contained in this page, so use it to check your own "
    "understanding. Graded quizzes come from the course's grading service or your LMS."
)


@dataclass(frozen=True)
class QuizItem:
    """A question placed in a quiz, with the bank it came from."""

    bank_id: str
    question: QuestionBase

    @property
    def gid(self) -> str:
        return f"{self.bank_id}/{self.question.id}"


def compact_json(value: Any) -> Markup:
    """JSON without spaces, safe inside a single-quoted HTML attribute (as Jinja's tojson escapes)."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    for ch, esc in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"), ("'", "\\u0027")):
        text = text.replace(ch, esc)
    return Markup(text)


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("quizlib", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["compact_json"] = compact_json
    return env


def answer_key(q: QuestionBase) -> dict[str, Any]:
    """What ``quizlib.js`` needs to grade ``q`` exactly as :func:`quizlib.grading.grade` does."""
    if isinstance(q, SingleChoice):
        return {"t": "single", "o": [o.id for o in q.options], "c": next(o.id for o in q.options if o.correct)}
    if isinstance(q, MultipleChoice):
        return {"t": "multiple", "o": [o.id for o in q.options], "c": [o.id for o in q.options if o.correct],
                "s": q.scoring.value}
    if isinstance(q, TrueFalse):
        return {"t": "true_false", "c": q.answer}
    if isinstance(q, ShortAnswer):
        return {"t": "short", "n": q.normalize,
                "a": [[("t", a.text) if a.text is not None else ("r", a.regex), a.credit] for a in q.answers]}
    if isinstance(q, Numeric):
        return {"t": "numeric", "v": q.answer, "tol": q.tolerance, "rel": q.tolerance_mode is ToleranceMode.relative}
    if isinstance(q, Matching):
        return {"t": "matching", "p": [p.id for p in q.pairs], "r": [rid for rid, _ in q.right_choices()]}
    if isinstance(q, Ordering):
        return {"t": "ordering", "k": [i.id for i in q.items], "s": q.scoring.value}
    raise TypeError(f"no answer key for {type(q).__name__}")


def _fmt_number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(x)


def _points_text(points: float) -> str:
    return f"{_fmt_number(points)} point{'' if points == 1 else 's'}"


def _answer_text(q: QuestionBase, shown: list[Any]) -> Markup:
    """The answer in words, listing options, pairs and items in the order the student sees them.

    ``shown`` is the question's options (choice types) or left items (matching) in page order.
    """
    if isinstance(q, (SingleChoice, MultipleChoice)):
        return Markup("; ").join(Markup(render_inline(o.text)) for o in shown if o.correct)
    if isinstance(q, TrueFalse):
        return Markup("True" if q.answer else "False")
    if isinstance(q, ShortAnswer):
        texts = [a.text for a in q.answers if a.text is not None and a.credit == 1.0]
        return Markup(" or ").join(texts) if texts else Markup("(matches a pattern)")
    if isinstance(q, Numeric):
        tol = "" if q.tolerance == 0 else (
            f" ± {_fmt_number(q.tolerance)}" if q.tolerance_mode is ToleranceMode.absolute
            else f" (within {_fmt_number(q.tolerance * 100)}%)")
        unit = f" {q.unit}" if q.unit else ""
        return Markup.escape(f"{_fmt_number(q.answer)}{unit}{tol}")
    if isinstance(q, Matching):
        return Markup("; ").join(Markup(f"{render_inline(p.left)} → {render_inline(p.right)}") for p in shown)
    if isinstance(q, Ordering):
        return Markup(" → ").join(Markup(render_inline(i.text)) for i in q.items)
    raise TypeError(type(q).__name__)


def _feedback(q: QuestionBase, shown: list[Any]) -> list[tuple[str, Markup]]:
    """(key, html) pairs: per option (in page order), per side, or per accepted answer; keys match quizlib.js."""
    if isinstance(q, (SingleChoice, MultipleChoice)):
        return [(o.id or "", Markup(f"<strong>{render_inline(o.text)}</strong>: {render_inline(o.feedback)}"))
                for o in shown if o.feedback]
    if isinstance(q, TrueFalse):
        sides = [("true", "True", q.feedback_true), ("false", "False", q.feedback_false)]
        return [(k, Markup(f"<strong>{label}</strong>: {render_inline(fb)}")) for k, label, fb in sides if fb]
    if isinstance(q, ShortAnswer):
        return [(f"a{i}", Markup(f"<strong>{Markup.escape(a.text or 'pattern')}</strong>: {render_inline(a.feedback)}"))
                for i, a in enumerate(q.answers) if a.feedback]
    return []


def question_view(item: QuizItem, seed: object, source: tuple[str, str] | None) -> dict[str, Any]:
    """Everything the template needs for one question; option orders are seeded, never random."""
    q = item.question
    shown: list[Any] = []
    view: dict[str, Any] = {
        "gid": item.gid,
        "type": q.type,  # type: ignore[attr-defined]
        "points": _fmt_number(q.points),
        "points_text": _points_text(q.points),
        "prompt": Markup(render_block(q.prompt)),
        "explanation": Markup(render_block(q.explanation)),
        "key": answer_key(q),
        "source_href": source[0] if source else None,
        "source_title": source[1] if source else None,
    }
    if isinstance(q, (SingleChoice, MultipleChoice)):
        shown = shuffled(q.options, (seed, item.gid), lambda o: o.id) if q.shuffle else list(q.options)
        view["options"] = [{"id": o.id, "text": Markup(render_inline(o.text))} for o in shown]
    elif isinstance(q, TrueFalse):
        view["options"] = [{"id": "true", "text": "True"}, {"id": "false", "text": "False"}]
    elif isinstance(q, Numeric):
        view["unit"] = q.unit
    elif isinstance(q, Matching):
        shown = shuffled(q.pairs, (seed, item.gid, "l"), lambda p: p.id) if q.shuffle else list(q.pairs)
        rights = shuffled(q.right_choices(), (seed, item.gid, "r"), lambda r: r[0])
        view["lefts"] = [{"id": p.id, "text": Markup(render_inline(p.left))} for p in shown]
        view["rights"] = [{"id": rid, "text": Markup(render_inline(text))} for rid, text in rights]
    elif isinstance(q, Ordering):
        items = shuffled(q.items, (seed, item.gid), lambda i: i.id)
        if [i.id for i in items] == [i.id for i in q.items]:  # never show the answer as the start
            items = items[1:] + items[:1]
        view["order"] = [{"id": i.id, "text": Markup(render_inline(i.text))} for i in items]
    view["answer"] = _answer_text(q, shown)
    view["feedback"] = _feedback(q, shown)
    return view


def render_quiz(
    items: list[QuizItem],
    *,
    quiz_id: str,
    store_key: str,
    title: str,
    seed: object,
    resolve_source: Callable[[QuizItem], tuple[str, str] | None] = lambda item: None,
    note: str = PRACTICE_NOTE,
) -> str:
    """HTML of one practice quiz. ``resolve_source`` maps a question to (href, heading title)."""
    views = [question_view(item, seed, resolve_source(item)) for item in items]
    quiz = {"id": quiz_id, "store": store_key, "title": title}
    return _env().get_template("quiz.html.j2").render(quiz=quiz, questions=views, note=note)
