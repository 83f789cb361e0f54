"""Published quizzes: a frozen, self-contained snapshot of the questions a quiz draws from.

Publishing copies the questions (with their bank's section and objectives) into
the database. Grading then never reads bank files, so a bank edited after
publication cannot change the key of a quiz in progress, and every server
process grades against the same snapshot. The snapshot is parsed back into the
bank model once per process and cached by its hash.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter

from ..models import Bank, Question, QuestionBase

CONTENT_VERSION = 1
_QUESTION = TypeAdapter(Question)


class SnapshotError(ValueError):
    """The requested questions cannot be published (unknown id, empty selection...)."""


@dataclass(frozen=True)
class PoolQuestion:
    """One question of a quiz, with what the gradebook groups it by."""

    gid: str
    """Global id ``<bank>/<question>``."""
    bank: str
    """The bank id, i.e. the book section (page) the question comes from."""
    section_title: str
    objective: str
    question: QuestionBase


@dataclass(frozen=True)
class QuizContent:
    questions: dict[str, PoolQuestion]
    """Every question the quiz may ask, by global id, in publication order."""
    fixed: tuple[str, ...] | None
    """The global ids every student answers (bank quizzes); None when a blueprint draws per student."""
    blueprint: dict[str, Any] | None
    objectives: dict[str, str]
    bank_titles: dict[str, str]
    bank_objectives: dict[str, tuple[str, ...]]
    digest: str


def snapshot(banks: list[Bank], question_ids: list[str] | None = None, blueprint: dict[str, Any] | None = None) -> dict[str, Any]:
    """The JSON stored in ``quizzes.content``.

    ``question_ids`` (global ids, or bare question ids when unambiguous) selects a
    subset; by default every question of every bank is asked.
    """
    if not banks:
        raise SnapshotError("no bank given")
    pool: list[dict[str, Any]] = []
    by_local: dict[str, list[str]] = {}
    for bank in banks:
        for q in bank.questions:
            gid = bank.global_id(q)
            by_local.setdefault(q.id, []).append(gid)
            pool.append({"gid": gid, "bank": bank.id, "question": q.model_dump(mode="json", exclude_none=True)})
    known = {p["gid"] for p in pool}
    if len(known) != len(pool):
        raise SnapshotError("the same bank was given twice")
    fixed: list[str] | None = None
    if blueprint is None:
        if question_ids:
            fixed = []
            for qid in question_ids:
                if qid in known:
                    fixed.append(qid)
                elif len(by_local.get(qid, [])) == 1:
                    fixed.append(by_local[qid][0])
                elif qid in by_local:
                    raise SnapshotError(f"question id '{qid}' is in several banks; use its global id ({', '.join(by_local[qid])})")
                else:
                    raise SnapshotError(f"unknown question '{qid}' (not in the given banks)")
            if len(set(fixed)) != len(fixed):
                raise SnapshotError("a question is selected twice")
            pool = [p for gid in fixed for p in pool if p["gid"] == gid]
        else:
            fixed = [p["gid"] for p in pool]
    return {
        "version": CONTENT_VERSION,
        "banks": {
            b.id: {"title": b.title, "objectives": {o.id: o.text for o in b.objectives}} for b in banks
        },
        "questions": pool,
        "fixed": fixed,
        "blueprint": blueprint,
    }


def content_hash(content: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


_cache: dict[str, QuizContent] = {}


def cached_content(digest: str) -> QuizContent | None:
    return _cache.get(digest)


def load_content(content: dict[str, Any], digest: str) -> QuizContent:
    """Parse a stored snapshot (cached by ``digest``: snapshots never change once published)."""
    cached = _cache.get(digest)
    if cached is not None:
        return cached
    banks = content["banks"]
    questions: dict[str, PoolQuestion] = {}
    for entry in content["questions"]:
        bank = banks[entry["bank"]]
        q = _QUESTION.validate_python(entry["question"])
        questions[entry["gid"]] = PoolQuestion(entry["gid"], entry["bank"], bank["title"], q.objective, q)
    objectives = {oid: text for b in banks.values() for oid, text in b["objectives"].items()}
    fixed = tuple(content["fixed"]) if content.get("fixed") is not None else None
    parsed = QuizContent(questions, fixed, content.get("blueprint"), objectives,
                         {k: b["title"] for k, b in banks.items()}, {k: tuple(b["objectives"]) for k, b in banks.items()},
                         digest)
    if len(_cache) > 256:
        _cache.clear()
    _cache[digest] = parsed
    return parsed



def banks_of(content: QuizContent) -> list[Bank]:
    """The snapshot's questions as bank models again (for quizlib.forms and quizlib.stats)."""
    grouped: dict[str, list[Any]] = {}
    for pq in content.questions.values():
        grouped.setdefault(pq.bank, []).append(pq.question)
    return [
        Bank(schema_version=1, page=bank, title=content.bank_titles[bank],
             objectives=[{"id": o, "text": content.objectives[o]} for o in content.bank_objectives[bank]],
             questions=questions)
        for bank, questions in grouped.items()
    ]
