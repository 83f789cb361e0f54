"""Each student's form: which questions, in which order, with which option order.

The order comes from sha256 of (quiz id, student id, question id[, option id]),
never from ``random`` or ``hash()``: the same student gets the same form on any
server process, after a restart and on any Python version, and the form can be
recomputed to audit a complaint. The form is also stored with the attempt, so a
later change to this module never reshuffles an attempt in progress.

Student-facing ids are positions on the form (``q3``, ``o2``...), never bank ids:
bank option ids follow authored order (``a`` is often the right one), matching
right-hand ids *equal* their pair's id, and ordering item ids are numbered in the
correct order, so showing any of them would give the key away.

The order shown must not give the key away either (tests/test_server_order.py):

- an ordering question's items come in an order drawn uniformly from every order
  *except the key*: left untouched, an ordering is an answer, so it must never be the
  right one, and every other order is equally likely, so no rule ("undo one
  rotation", "reverse it") beats guessing;
- a matching question's left items and right choices are each shuffled uniformly
  and independently, key alignment included: an untouched matching is unanswered,
  and excluding the aligned layout would only tell students it is wrong;
- an ordering of two items has one order besides the key, so showing it gives the
  answer away: :func:`unfair_questions` names those, and publishing refuses them.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..manifest import Form, FormQuestion
from ..sampling import stable_key, stable_order, stable_permutation
from ..models import Matching, MultipleChoice, Ordering, QuestionBase, SingleChoice
from .quizzes import QuizContent


_ordered = stable_order


def unfair_questions(content: QuizContent) -> list[str]:
    """Messages for questions whose shown order would give the key away (refused at publication)."""
    return [
        f"question '{gid}' is an ordering of {len(pq.question.items)} items: the only order besides the key "
        "is the key reversed, so showing it gives the answer away; add an item or ask it another way"
        for gid, pq in content.questions.items()
        if isinstance(pq.question, Ordering) and len(pq.question.items) < 3
    ]


def form_question(quiz_id: str, student_id: str, gid: str, number: int, q: QuestionBase,
                  points: float | None = None, shuffle_options: bool = True) -> FormQuestion:
    seed = (quiz_id, student_id, gid)
    option_order = right_order = item_order = left_order = None
    if isinstance(q, (SingleChoice, MultipleChoice)):
        ids = [o.id or "" for o in q.options]
        option_order = _ordered(ids, *seed, "option") if (q.shuffle and shuffle_options) else ids
    elif isinstance(q, Matching):
        # Always shuffled, whatever the bank's `shuffle` says: unshuffled, right i sits beside left i.
        left_order = stable_permutation([p.id or "" for p in q.pairs], *seed, "left")
        right_order = stable_permutation([rid for rid, _ in q.right_choices()], *seed, "right")
    elif isinstance(q, Ordering):
        key = [i.id or "" for i in q.items]
        item_order = stable_permutation(key, *seed, "item", avoid=key)
    return FormQuestion(
        qid=gid, number=number, points=q.points if points is None else points,
        option_order=option_order, right_order=right_order, item_order=item_order, left_order=left_order,
    )


def questions_for(quiz_id: str, student_id: str, content: QuizContent) -> list[tuple[str, float]]:
    """(global id, points) of the questions this student answers."""
    if content.fixed is not None:
        return [(gid, content.questions[gid].question.points) for gid in content.fixed]
    from .blueprints import draw_for_student  # only blueprint quizzes need quizlib.forms

    return draw_for_student(quiz_id, student_id, content)


def build_form(quiz_id: str, student_id: str, content: QuizContent, shuffle_questions: bool) -> Form:
    picks = questions_for(quiz_id, student_id, content)
    if shuffle_questions and content.blueprint is None:  # a blueprint already ordered its draw
        picks = sorted(picks, key=lambda p: stable_key(quiz_id, student_id, "question", p[0]))
    shuffle_options = bool((content.blueprint or {}).get("shuffle_options", True))
    return Form(
        form_id=f"{quiz_id}/{student_id}",
        student_id=student_id,
        questions=[
            form_question(quiz_id, student_id, gid, n, content.questions[gid].question, points, shuffle_options)
            for n, (gid, points) in enumerate(picks, start=1)
        ],
    )


@dataclass(frozen=True)
class IdMap:
    """Student-facing ids of one question on one form, and the bank ids they stand for."""

    options: dict[str, str]
    lefts: dict[str, str]
    rights: dict[str, str]
    items: dict[str, str]


def question_ref(number: int) -> str:
    return f"q{number}"


def id_map(fq: FormQuestion, q: QuestionBase) -> IdMap:
    options = {f"o{n}": oid for n, oid in enumerate(fq.option_order or [], start=1)}
    lefts: dict[str, str] = {}
    rights = {f"r{n}": rid for n, rid in enumerate(fq.right_order or [], start=1)}
    items = {f"s{n}": iid for n, iid in enumerate(fq.item_order or [], start=1)}
    if isinstance(q, Matching):
        order = fq.left_order or [p.id or "" for p in q.pairs]  # forms stored before left_order: authored order
        lefts = {f"l{n}": pid for n, pid in enumerate(order, start=1)}
    return IdMap(options, lefts, rights, items)
