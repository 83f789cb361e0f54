"""The ONLY place a bank question becomes what a student may see.

Everything a student can obtain before release goes through :func:`question_view`,
which copies an explicit allow-list of fields (prompt, option texts, unit) and
never the key: no ``correct`` flag, accepted answer, numeric answer, tolerance,
feedback or explanation, and no bank id that encodes the answer (see
:mod:`.student_forms`). Adding a field here is a security decision;
``tests/test_server_keys.py`` scans every student-facing response for every key
string of a bank.

:func:`released_view` is the one place that adds feedback and explanations, and
only the API's result endpoint calls it, once the quiz's feedback policy allows.
"""

from __future__ import annotations

from typing import Any

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


def released_view(fq: FormQuestion, q: QuestionBase, result: dict[str, Any]) -> dict[str, Any]:
    """A graded question after release: score, the author's feedback for what was chosen, the explanation."""
    out: dict[str, Any] = {
        "id": question_ref(fq.number),
        "number": fq.number,
        "score": result["score"],
        "max_score": result["max_score"],
        "correct": result["correct"],
        "status": result["status"],
        "feedback_html": [render_block(f) for f in result.get("feedback", [])],
        "explanation_html": render_block(q.explanation),
    }
    if result["status"] != "graded" and result.get("reason"):
        out["reason"] = result["reason"]
    return out
