"""The course as the grader sees it: every question by id, and the assessments a row can answer.

An *assessment* is what one row of a responses file answers: a whole bank, one
form of a form manifest (questions in the form's order, displayed letters
mapped back to stable ids), or the set of question columns of a CSV file. Each
is compiled once: its questions' graders, the ids a row may use for each
question, and the points each question is worth there.

An *item* is one question across the class (a column of the score matrix and a
row of the item analysis). Items are keyed by global id, so the same question
on different form variants is one item.
"""

from __future__ import annotations

import re
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from ..manifest import Form, FormManifest, printed_letters
from ..models import Bank, QuestionBase
from .compiled import MEMO_LIMIT, CompiledQuestion, Outcome, SlotTable

_LABEL = re.compile(r"^\(([A-Za-z0-9_.\-]+)\)=\s*$")
_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")


@dataclass(frozen=True, slots=True)
class Item:
    """One question as a column of the class's score matrix."""

    index: int
    gid: str
    bank: Bank
    question: QuestionBase
    compiled: CompiledQuestion

    @property
    def section(self) -> str:
        return self.bank.id

    @property
    def objective(self) -> str:
        return self.question.objective


@dataclass(eq=False)
class Assessment:
    """What one row answers; ``positions`` maps each id a row may use to the question's place here."""

    key: str
    """Duplicate attempts are detected per (student, key): a bank id, or a manifest's exam id."""
    title: str
    items: list[Item]
    points: list[float]
    letters: list[dict[str, str] | None]
    """Per place: displayed letter -> stable id (options, right choices or items), on forms only."""
    form: Form | None = None
    cell_memo: list[dict[str, Any]] = field(default_factory=list)
    """Per place: raw CSV cell -> outcome, filled by the CSV reader."""

    def __post_init__(self) -> None:
        local = Counter(it.question.id for it in self.items)
        self.global_keys = frozenset(it.gid for it in self.items)
        self.local_keys = frozenset(q for q, n in local.items() if n == 1)
        #: Question id (when unique here) or global id -> place.
        self.positions: dict[str, int] = {}
        for i, it in enumerate(self.items):
            self.positions[it.gid] = i
            if it.question.id in self.local_keys:
                self.positions[it.question.id] = i
        self.cell_memo = [{} for _ in self.items]
        #: Per place: a JSON string answer as given (before letters are mapped) -> outcome.
        self.str_memo: list[dict[str, Outcome]] = [{} for _ in self.items]
        #: Per place: a non-empty list of strings, joined with U+001F -> outcome.
        self.list_memo: list[dict[str, Outcome]] = [{} for _ in self.items]
        #: Per place: repr() of any other JSON answer -> outcome. repr tells apart what == does not
        #: (True/1/1.0, 0.0/-0.0, dict order), and is computed in C.
        self.repr_memo: list[dict[str, Outcome]] = [{} for _ in self.items]
        self.compiled = [it.compiled for it in self.items]
        self.blank = [c.unanswered for c in self.compiled]
        self.item_index = np.array([it.index for it in self.items], dtype=np.intp)
        self.max_points = float(sum(self.points))

    def unambiguous(self, answers: dict[str, Any]) -> bool:
        """True unless two keys name the same question (its id and its global id)."""
        keys = answers.keys()
        if keys <= self.local_keys or keys <= self.global_keys:
            return True
        return len({self.positions[k] for k in keys}) == len(keys)

    def outcome(self, place: int, value: Any, key: str | None, memo: dict[str, Outcome] | None) -> Outcome:
        """The slow path of the hot loop: map letters, grade through the compiled question, remember."""
        out = self.compiled[place].outcome(self.translate(place, value))
        if memo is not None and key is not None and len(memo) < MEMO_LIMIT:
            memo[key] = out
        return out

    def translate(self, place: int, value: Any) -> Any:
        """Map displayed letters back to ids; values that are not letters of this form pass through."""
        table = self.letters[place]
        if not table:
            return value
        if type(value) is str:
            return table.get(value, value)
        if type(value) is list:
            return [table.get(v, v) if type(v) is str else v for v in value]
        if type(value) is dict:
            return {k: (table.get(v, v) if type(v) is str else v) for k, v in value.items()}
        return value


def _letter_table(order: list[str] | None) -> dict[str, str] | None:
    return dict(zip(printed_letters(len(order)), order)) if order else None


class Course:
    """Banks (and optionally a form manifest and the book) indexed for grading."""

    #: Compiled forms kept at once; per-student forms are used once, variants many times.
    FORM_CACHE = 256

    def __init__(self, banks: Iterable[Bank], manifest: FormManifest | None = None, book_dir: Path | None = None):
        self.banks: dict[str, Bank] = {}
        self.by_gid: dict[str, tuple[Bank, QuestionBase]] = {}
        self.by_local: dict[str, list[tuple[Bank, QuestionBase]]] = {}
        banks = list(banks)
        # A section's practice bank and its secure pool share the page id. Rows that name a bank by its
        # page mean the practice bank when both are given; the pool then answers to "<page>#secure".
        # (Form rows are unaffected: question ids are unique across practice banks and pools.)
        for bank in sorted(banks, key=lambda b: b.secure):
            key = f"{bank.id}#secure" if bank.secure and bank.id in self.banks else bank.id
            self.banks[key] = bank
        for bank in banks:
            for q in bank.questions:
                self.by_gid[bank.global_id(q)] = (bank, q)
                self.by_local.setdefault(q.id, []).append((bank, q))
        self.manifest = manifest
        self.forms: dict[str, Form] = {f.form_id: f for f in manifest.forms} if manifest else {}
        self.items: list[Item] = []
        self._item_by_gid: dict[str, Item] = {}
        self._bank_assessments: dict[str, Assessment] = {}
        self._form_assessments: OrderedDict[str, Assessment] = OrderedDict()
        self.slots = SlotTable()
        self.headings = _book_headings(book_dir, self.banks) if book_dir else {}
        #: Things the instructor should know before trusting the grades (banks edited after the forms were drawn).
        self.warnings: list[str] = []

    # -- ids -------------------------------------------------------------------------------------

    def resolve(self, qid: str) -> tuple[Bank, QuestionBase] | None:
        """A global id, or a question id that is unique in the course."""
        hit = self.by_gid.get(qid)
        if hit is not None:
            return hit
        found = self.by_local.get(qid)
        return found[0] if found and len(found) == 1 else None

    def ambiguous(self, qid: str) -> bool:
        return len(self.by_local.get(qid, ())) > 1

    def item(self, bank: Bank, question: QuestionBase) -> Item:
        gid = bank.global_id(question)
        it = self._item_by_gid.get(gid)
        if it is None:
            it = Item(len(self.items), gid, bank, question, CompiledQuestion(question, self.slots))
            self.items.append(it)
            self._item_by_gid[gid] = it
        return it

    def heading(self, bank: Bank, label: str) -> str | None:
        """Title of the heading ``label`` in the bank's page, when the book was given."""
        return self.headings.get((bank.id, label))

    # -- assessments -----------------------------------------------------------------------------

    def bank_assessment(self, bank_id: str) -> Assessment | None:
        a = self._bank_assessments.get(bank_id)
        if a is None:
            bank = self.banks.get(bank_id)
            if bank is None:
                return None
            items = [self.item(bank, q) for q in bank.questions]
            a = Assessment(bank_id, bank.title, items, [q.points for q in bank.questions], [None] * len(items))
            self._bank_assessments[bank_id] = a
        return a

    def form_assessment(self, form_id: str) -> Assessment | None:
        """The compiled form, or None if the manifest has no such form (or names unknown questions)."""
        a = self._form_assessments.get(form_id)
        if a is not None:
            self._form_assessments.move_to_end(form_id)
            return a
        form = self.forms.get(form_id)
        if form is None:
            return None
        items, points, letters = [], [], []
        for fq in sorted(form.questions, key=lambda q: q.number):
            hit = self.by_gid.get(fq.qid)
            if hit is None:
                raise KeyError(f"form '{form_id}' names question '{fq.qid}', which is in none of the banks")
            it = self.item(*hit)
            items.append(it)
            points.append(fq.points)
            letters.append(_letter_table(fq.option_order or fq.right_order or fq.item_order))
        exam = self.manifest.exam_id if self.manifest else form_id
        a = Assessment(exam, self.manifest.title if self.manifest else form_id, items, points, letters, form=form)
        self._form_assessments[form_id] = a
        if len(self._form_assessments) > self.FORM_CACHE:
            self._form_assessments.popitem(last=False)
        return a

    def column_assessment(self, key: str, title: str, columns: list[tuple[Bank, QuestionBase]]) -> Assessment:
        """A CSV file without a bank/form column answers exactly the questions in its header."""
        items = [self.item(b, q) for b, q in columns]
        return Assessment(key, title, items, [q.points for _, q in columns], [None] * len(items))


def _book_headings(book_dir: Path, banks: dict[str, Bank]) -> dict[tuple[str, str], str]:
    """(page, label) -> heading text, read from the MyST pages, so feedback names the section to reread."""
    out: dict[tuple[str, str], str] = {}
    for page in banks:
        path = book_dir / f"{page}.md"
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError:
            continue
        for i, line in enumerate(lines[:-1]):
            m = _LABEL.match(line)
            if m:
                h = _HEADING.match(lines[i + 1])
                if h:
                    out[(page, m.group(1))] = h.group(1)
    return out
