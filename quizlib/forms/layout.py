"""From drawn forms to the manifest: the displayed order of every option, right and item.

The manifest records, per form and question, the bank ids in displayed order
(letter A is ``option_order[0]``, and so on), which is all ``quizlib grade``
needs to turn a letter written on paper back into a bank id. Shuffles are
sha256 sorts seeded by (exam id, form key, question id), so they too can be
rebuilt from the ids.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Iterable, Mapping

from ..blueprint import Blueprint
from ..manifest import Form, FormManifest, FormQuestion
from ..models import Bank, Matching, MultipleChoice, Ordering, QuestionBase, SingleChoice
from .draw import DrawnForm
from ..sampling import stable_order, stable_permutation


def form_question(exam_id: str, key: str, number: int, gid: str, q: QuestionBase, points: float, shuffle_options: bool) -> FormQuestion:
    seed = (exam_id, key, gid)
    option_order = right_order = item_order = None
    if isinstance(q, (SingleChoice, MultipleChoice)):
        ids = [o.id or "" for o in q.options]
        option_order = stable_order(ids, *seed, "option") if (q.shuffle and shuffle_options) else ids
    elif isinstance(q, Matching):
        # Always shuffled, uniformly, as the service does (server/student_forms.py): unshuffled, the key
        # reads down the page; excluding the aligned layout instead made a 2-pair matching print its
        # key reversed on every form. A blank matching is unanswered, so no layout is an answer.
        right_order = stable_permutation([rid for rid, _ in q.right_choices()], *seed, "right")
    elif isinstance(q, Ordering):
        # Uniform over every order but the key: left as printed an ordering would be an answer.
        key = [i.id or "" for i in q.items]
        item_order = stable_permutation(key, *seed, "item", avoid=key)
    return FormQuestion(qid=gid, number=number, points=points, option_order=option_order,
                        right_order=right_order, item_order=item_order)


def manifest_form(blueprint: Blueprint, drawn: DrawnForm) -> Form:
    spec = drawn.spec
    questions = [
        form_question(blueprint.exam_id, spec.key, n, d.candidate.gid, d.candidate.question, d.points, blueprint.shuffle_options)
        for n, d in enumerate(drawn.questions, start=1)
    ]
    return Form(form_id=spec.form_id, student_id=spec.student_id, variant=spec.variant, questions=questions)


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def bank_hashes(bank_files: Mapping[Path, Bank], used: Iterable[str] | None = None) -> dict[str, str]:
    """sha256 of each bank file (by bank id) so a later edit of a key is detectable at grading time."""
    wanted = set(used) if used is not None else None
    return {
        bank.id: file_sha256(path)
        for path, bank in sorted(bank_files.items(), key=lambda kv: kv[1].id)
        if wanted is None or bank.id in wanted
    }


def question_sha256(question: QuestionBase) -> str:
    """sha256 of a question's canonical JSON: any edit of its text, key, points or options changes it."""
    text = json.dumps(question.model_dump(mode="json"), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def build_manifest(blueprint: Blueprint, forms: Iterable[DrawnForm], hashes: Mapping[str, str] | None = None) -> FormManifest:
    """The manifest; with the bank files' ``hashes`` it also records each drawn question's own hash."""
    forms = list(forms)
    questions = {}
    if hashes is not None:
        questions = {d.candidate.gid: question_sha256(d.candidate.question) for f in forms for d in f.questions}
    return FormManifest(
        exam_id=blueprint.exam_id,
        title=blueprint.title,
        bank_hashes=dict(hashes or {}),
        question_hashes=dict(sorted(questions.items())),
        forms=[manifest_form(blueprint, f) for f in forms],
    )
