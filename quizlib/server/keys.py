"""The ONLY place a bank question becomes what a student may see.

Everything a student can obtain before release goes through :func:`question_view`,
which copies an explicit allow-list of fields (prompt, option texts, unit) and
never the key: no ``correct`` flag, accepted answer, numeric answer, tolerance,
feedback or explanation, and no bank id that encodes the answer (see
:mod:`.student_forms`). Adding a field here is a security decision;
``tests/test_server_keys.py`` scans every student-facing response for every key
string of a bank.

:func:`released_view` is the one place that adds anything graded, and only the
result endpoint (and the submission's answer) calls it, once the quiz's feedback
policy releases results. It adds the key (the correct answer, the author's feedback
and the explanation) only when ``reveal`` is set: when the student can make no
further attempt (attempts used up, or the quiz closed). Every attempt at a quiz shows
the same form, so a key shown while another attempt is possible answers that attempt.
"""

from __future__ import annotations

from typing import Any

from markupsafe import escape

from ..manifest import FormQuestion
from ..markdown import render_block, render_inline
from ..models import Matching, MultipleChoice, Numeric, Ordering, QuestionBase, ShortAnswer, SingleChoice, TrueFalse
from ..normalize import MAX_ANSWER_CHARS
from .student_forms import id_map, question_ref


def question_view(fq: FormQuestion, q: QuestionBase) -> dict[str, Any]:
    """One question of a student's form, in student-facing ids, rendered to HTML."""
    ids = id_map(fq, q)
    view: dict[str, Any] = {
        "id": question_ref(fq.number),
        "number": fq.number,
        "type": q.type,  # type: ignore[attr-defined]
        "points": fq.points,
        "prompt_html": render_block(q.prompt),
    }
    if isinstance(q, (SingleChoice, MultipleChoice)):
        text = {o.id: o.text for o in q.options}
        view["options"] = [{"id": sid, "html": render_inline(text[oid])} for sid, oid in ids.options.items()]
    elif isinstance(q, TrueFalse):
        pass
    elif isinstance(q, ShortAnswer):
        view["max_length"] = MAX_ANSWER_CHARS
    elif isinstance(q, Numeric):
        view["unit"] = q.unit
    elif isinstance(q, Matching):
        left = {p.id: p.left for p in q.pairs}
        right = dict(q.right_choices())
        view["left"] = [{"id": sid, "html": render_inline(left[pid])} for sid, pid in ids.lefts.items()]
        view["right"] = [{"id": sid, "html": render_inline(right[rid])} for sid, rid in ids.rights.items()]
    elif isinstance(q, Ordering):
        text = {i.id: i.text for i in q.items}
        view["items"] = [{"id": sid, "html": render_inline(text[iid])} for sid, iid in ids.items.items()]
    return view


def _text(value: object) -> str:
    return str(escape(str(value)))


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def answer_html(fq: FormQuestion, q: QuestionBase, value: Any) -> list[str]:
    """The student's own (checked, student-facing) answer as HTML lines; [] when unanswered."""
    if value is None:
        return []
    ids = id_map(fq, q)
    if isinstance(q, (SingleChoice, MultipleChoice)):
        text = {o.id: o.text for o in q.options}
        chosen = [value] if isinstance(q, SingleChoice) else list(value)
        return [render_inline(text[ids.options[c]]) for c in chosen if c in ids.options]
    if isinstance(q, TrueFalse):
        return ["True" if value else "False"]
    if isinstance(q, (ShortAnswer, Numeric)):
        unit = f" {_text(q.unit)}" if isinstance(q, Numeric) and q.unit else ""
        return [_text(value) + unit]
    if isinstance(q, Matching):
        left = {p.id: p.left for p in q.pairs}
        right = dict(q.right_choices())
        return [f"{render_inline(left[ids.lefts[l]])} \u2192 "
                + (render_inline(right[ids.rights[r]]) if r is not None else "(no answer)")
                for l, r in sorted(value.items(), key=lambda kv: list(ids.lefts).index(kv[0]))]
    if isinstance(q, Ordering):
        text = {i.id: i.text for i in q.items}
        return [render_inline(text[ids.items[s]]) for s in value]
    return []  # pragma: no cover - the model has no other types


def key_html(q: QuestionBase) -> list[str]:
    """The correct answer as HTML lines (accepted texts for a short answer; a pattern is described, not shown)."""
    if isinstance(q, (SingleChoice, MultipleChoice)):
        return [render_inline(o.text) for o in q.options if o.correct]
    if isinstance(q, TrueFalse):
        return ["True" if q.answer else "False"]
    if isinstance(q, ShortAnswer):
        texts = [_text(a.text) for a in q.answers if a.text is not None and a.credit == 1.0]
        return texts or ["(any answer matching the accepted pattern; see the explanation)"]
    if isinstance(q, Numeric):
        unit = f" {_text(q.unit)}" if q.unit else ""
        if not q.tolerance:
            return [_number(q.answer) + unit]
        within = f"{_number(q.tolerance * 100)}%" if q.tolerance_mode.value == "relative" else _number(q.tolerance)
        return [f"{_number(q.answer)}{unit} (within {within})"]
    if isinstance(q, Matching):
        return [f"{render_inline(p.left)} \u2192 {render_inline(p.right)}" for p in q.pairs]
    if isinstance(q, Ordering):
        return [render_inline(i.text) for i in q.items]
    return []  # pragma: no cover


def released_view(fq: FormQuestion, q: QuestionBase, result: dict[str, Any], answer: Any,
                  reveal: bool) -> dict[str, Any]:
    """A graded question after release, in the student's form order: the prompt, their answer and points;
    with ``reveal`` also the correct answer, the author's feedback for what was chosen, and the explanation."""
    out: dict[str, Any] = {
        "id": question_ref(fq.number),
        "number": fq.number,
        "type": q.type,  # type: ignore[attr-defined]
        "prompt_html": render_block(q.prompt),
        "answer_html": answer_html(fq, q, answer),
        "score": result["score"],
        "max_score": result["max_score"],
        "correct": result["correct"],
        "status": result["status"],
    }
    if reveal:
        out["correct_html"] = key_html(q)
        out["feedback_html"] = [render_block(f) for f in result.get("feedback", [])]
        out["explanation_html"] = render_block(q.explanation)
    if result["status"] != "graded" and result.get("reason"):
        out["reason"] = result["reason"]
    return out
