"""The class's results as compact arrays: one row per student, one column per item.

While grading we keep one small row per student: the *slot* of each answer's
outcome, an int16 naming a (fraction, chosen option) pair interned in the
course's :class:`~quizlib.grade.compiled.SlotTable` (0: not given that item).
No response objects, no per-answer text: 100,000 students x 40 items is 8 MB.
An item's points are the same for everyone in practice, so they are kept per
item, with a list of exceptions for the rare student whose form weighted the
question differently. Everything downstream (gradebook totals, section and
objective subtotals, the whole item analysis) is computed from these arrays a
column or a chunk of rows at a time.

Rows are filled in blocks so the arrays grow without copying on every student.
"""

from __future__ import annotations

from array import array
from operator import attrgetter
from dataclasses import dataclass
from typing import Iterable

import numpy as np

from .attempts import Reason, Rejection
from .compiled import UNANSWERED
from .course import Assessment, Course, Item
from .readers import GradedRow

_BLOCK = 4096


class ClassBook:
    """Accumulates graded rows; ``finish()`` hands back a :class:`ClassResults`."""

    def __init__(self, course: Course):
        self.course = course
        self.students: list[str] = []
        self.row_of: dict[str, int] = {}
        self._first_key: list[str] = []
        self._first_line = array("q")
        self._first_file: list[str] = []
        self._more: dict[int, dict[str, tuple[str, int]]] = {}
        self._S: list[np.ndarray] = []
        self._dtype: type = np.int16
        self._cols = 0
        #: Points of each item as first presented; other weightings are recorded as exceptions.
        self._item_points: dict[int, float] = {}
        self._uniform: dict[Assessment, bool] = {}
        self._ex_rows, self._ex_cols, self._ex_vals = array("q"), array("q"), array("d")
        #: Rows waiting to be copied into the current block, grouped by assessment: one numpy call per
        #: group and flush instead of one per student.
        self._pending: dict[Assessment, tuple[list[int], list[list[int]]]] = {}
        self._pending_rows = 0
        self._pending_block = -1
        #: Items some row reached through a form of the manifest (see :meth:`_random_items`).
        self._via_form: set[int] = set()
        self._seen_forms: set[str] = set()
        self.attempts = 0
        self.responses = 0

    def _widen(self, need: int) -> None:
        cols = max(need, 2 * self._cols, 8)
        for i, old in enumerate(self._S):
            new = np.zeros((_BLOCK, cols), dtype=self._dtype)
            new[:, : self._cols] = old
            self._S[i] = new
        self._cols = cols

    def _to_int32(self) -> None:
        """More than 32,767 distinct (fraction, option) pairs: rare, so slots start small and grow here."""
        self._dtype = np.int32
        self._S = [blk.astype(np.int32) for blk in self._S]

    def _flush(self) -> None:
        if not self._pending_rows:
            return
        blk = self._S[self._pending_block]
        for a, (offs, slots) in self._pending.items():
            blk[np.asarray(offs)[:, None], a.item_index[None, :]] = np.asarray(slots, dtype=self._dtype)
        self._pending = {}
        self._pending_rows = 0

    def _new_block(self) -> None:
        self._S.append(np.zeros((_BLOCK, self._cols), dtype=self._dtype))

    def _is_uniform(self, a: Assessment) -> bool:
        """Whether ``a`` weights every item as the class does (almost always); new items are adopted here."""
        known = self._uniform.get(a)
        if known is None:
            pts = self._item_points
            for it, p in zip(a.items, a.points):
                pts.setdefault(it.index, p)
            known = all(pts[it.index] == p for it, p in zip(a.items, a.points))
            if len(self._uniform) > 512:  # per-student forms: do not keep one entry per student
                self._uniform.clear()
            self._uniform[a] = known
        return known

    def add(self, row: GradedRow) -> Rejection | None:
        """Record a graded row; a second attempt at the same bank or exam is rejected, not merged."""
        a = row.assessment
        key = a.key
        r = self.row_of.get(row.student)
        if len(self.course.items) > self._cols:
            self._flush()
            self._widen(len(self.course.items))
        if self._dtype is np.int16 and len(self.course.slots.fraction) > 32_767:
            self._flush()
            self._to_int32()
        if r is None:
            r = len(self.students)
            self.students.append(row.student)
            self.row_of[row.student] = r
            self._first_key.append(key)
            self._first_line.append(row.line)
            self._first_file.append(row.file)
            if r % _BLOCK == 0:
                self._new_block()
        else:
            self._flush()  # the checks below read rows that may still be pending
            first = (self._first_file[r], self._first_line[r]) if self._first_key[r] == key else None
            more = self._more.setdefault(r, {})
            first = first or more.get(key)
            b, off = divmod(r, _BLOCK)
            if first is None and np.any(self._S[b][off, a.item_index] != 0):
                clash = next(it.gid for it in a.items if self._S[b][off, it.index] != 0)
                return Rejection(
                    row.file, row.line, Reason.duplicate_attempt,
                    f"student '{row.student}' already has an answer to question '{clash}' from another attempt",
                )
            if first is not None:
                where = f"line {first[1]}" if first[0] == row.file else f"{first[0]}:{first[1]}"
                return Rejection(
                    row.file, row.line, Reason.duplicate_attempt,
                    f"student '{row.student}' already has an attempt at '{key}' ({where})",
                )
            more[key] = (row.file, row.line)
        b, off = divmod(r, _BLOCK)
        outs = row.outcomes
        if b != self._pending_block:
            self._flush()
            self._pending_block = b
        group = self._pending.get(a)
        if group is None:
            group = self._pending[a] = ([], [])
        group[0].append(off)
        group[1].append(list(map(_slot, outs)))
        self._pending_rows += 1
        if self._pending_rows >= 1024:
            self._flush()
        if a.form is not None and a.form.form_id not in self._seen_forms:
            self._seen_forms.add(a.form.form_id)
            self._via_form.update(a.item_index.tolist())
        if not self._is_uniform(a):
            for it, p in zip(a.items, a.points):
                if self._item_points[it.index] != p:
                    self._ex_rows.append(r)
                    self._ex_cols.append(it.index)
                    self._ex_vals.append(p)
        self.attempts += 1
        self.responses += len(outs)
        return None

    def finish(self) -> ClassResults:
        """The class as two arrays; blocks are moved over one at a time, so the peak stays near one copy."""
        self._flush()
        n, k = len(self.students), len(self.course.items)
        if k > self._cols:
            # A bank or form compiled for a row that was then rejected (an unknown question, a form of
            # another student) added items after the last graded row: nobody here has them, but every
            # block must still span every item.
            self._widen(k)
        slots = _drain(self._S, n, k, self._dtype)
        table = self.course.slots
        item_points = np.array([self._item_points.get(j, 0.0) for j in range(k)], dtype=np.float64)
        exceptions = (np.frombuffer(self._ex_rows, dtype=np.int64), np.frombuffer(self._ex_cols, dtype=np.int64),
                      np.frombuffer(self._ex_vals, dtype=np.float64))
        results = ClassResults(
            self.students, list(self.course.items), slots, item_points, exceptions,
            np.asarray(table.fraction, dtype=np.float64), np.asarray(table.code, dtype=np.int16),
            self._random_items(k),
        )
        # A course reused for another file knows items nobody in this class was given: leave them out.
        given = np.flatnonzero(np.any(slots != 0, axis=0)) if n else np.arange(0)
        return results if len(given) == k else results.subset(given.tolist())


    def _random_items(self, k: int) -> np.ndarray:
        """Per item: was it drawn at random, i.e. reached through a form that not every form of the exam has?

        Moodle computes a randomly drawn question's discrimination against the whole
        total rather than the total minus the question (``question/classes/statistics/
        questions/calculator.php``, ``secondary_steps_walker``), so the item analysis needs
        to know. A question on every form (only its position shuffled) is a fixed question.
        """
        out = np.zeros(k, dtype=bool)
        manifest = self.course.manifest
        if not self._via_form or manifest is None or not manifest.forms:
            return out
        on_every_form = set.intersection(*({q.qid for q in f.questions} for f in manifest.forms))
        for j in self._via_form:
            if j < k and self.course.items[j].gid not in on_every_form:
                out[j] = True
        return out


_slot = attrgetter("slot")


def _drain(blocks: list[np.ndarray], n: int, k: int, dtype: type) -> np.ndarray:
    out = np.empty((n, k), dtype=dtype)
    for i in range(len(blocks)):
        rows = min(_BLOCK, n - i * _BLOCK)
        out[i * _BLOCK : i * _BLOCK + rows] = blocks[i][:rows, :k]
        blocks[i] = None  # type: ignore[call-overload]  # free as we go
    blocks.clear()
    return out


#: Rows per chunk when a computation over the whole class would otherwise need a students x items temporary.
_CHUNK = 2048


@dataclass
class ClassResults:
    """Everything the gradebook and the item analysis need (rows: students, columns: items).

    Stored compactly: ``slots`` names each answer's (fraction, chosen option)
    pair in the small ``slot_fraction`` / ``slot_code`` tables (0: the student
    was not given the item), and an item's points are ``item_points`` except
    where ``exceptions`` (rows, columns, points) say otherwise. Columns are
    expanded on demand (:meth:`fraction_of`, :meth:`points_of`, :meth:`codes_of`).
    """

    students: list[str]
    items: list[Item]
    slots: np.ndarray
    """int16 (int32 past 32,767 distinct outcomes), students x items."""
    item_points: np.ndarray
    """float64 per item: its points as first presented."""
    exceptions: tuple[np.ndarray, np.ndarray, np.ndarray]
    """(row, column, points) where a student's form weighted an item differently."""
    slot_fraction: np.ndarray
    """float64 per slot: fraction of the points earned (NaN for slot 0); float64 so totals are exact sums."""
    slot_code: np.ndarray
    """int16 per slot: chosen option index (single), bitmask (multiple), 1/0 (true/false); -2 when the
    question was left blank (:data:`~quizlib.grade.compiled.UNANSWERED`); -1 otherwise."""
    random_items: np.ndarray | None = None
    """bool per item: drawn at random on forms (Moodle's rule for discrimination); None: none was."""

    @classmethod
    def from_arrays(
        cls, students: list[str], items: list[Item], fraction: np.ndarray, points: np.ndarray, codes: np.ndarray,
        random_items: np.ndarray | None = None,
    ) -> ClassResults:
        """Build from full matrices (tests, small data): (fraction, code) pairs are interned into slots.

        ``codes`` may mark a blank answer with -2 (:data:`~quizlib.grade.compiled.UNANSWERED`); without it
        every student given an item counts as having answered it.
        """
        points = np.asarray(points, dtype=np.float64)
        given = points > 0
        fraction = np.where(given, fraction, np.nan).astype(np.float64)
        codes = np.where(given, codes, -1).astype(np.int16)
        table: dict[tuple, int] = {}
        fr, cd = [float("nan")], [-1]
        flat = np.zeros(fraction.size, dtype=np.int32)
        for i, (f, c) in enumerate(zip(fraction.ravel().tolist(), codes.ravel().tolist())):
            if f != f:
                continue
            s = table.get((f, c))
            if s is None:
                s = table[(f, c)] = len(fr)
                fr.append(f)
                cd.append(c)
            flat[i] = s
        item_points = np.array([points[given[:, j], j][0] if given[:, j].any() else 0.0 for j in range(points.shape[1])])
        rows, cols = np.nonzero(given & (points != item_points[None, :]))
        return cls(students, items, flat.reshape(fraction.shape), item_points, (rows, cols, points[rows, cols]),
                   np.asarray(fr, dtype=np.float64), np.asarray(cd, dtype=np.int16),
                   None if random_items is None else np.asarray(random_items, dtype=bool))

    def _points(self, rows: slice, cols: list[int] | slice) -> np.ndarray:
        """Points matrix of a block of rows and columns (0 where not given)."""
        k = len(self.items)
        col_idx = np.arange(k)[cols]
        p = np.where(self.slots[rows][:, col_idx] != 0, self.item_points[col_idx][None, :], 0.0)
        er, ec, ev = self.exceptions
        if len(er):
            start = rows.start or 0
            stop = len(self.students) if rows.stop is None else rows.stop
            place = np.full(k, -1)
            place[col_idx] = np.arange(len(col_idx))
            sel = (er >= start) & (er < stop) & (place[ec] >= 0)
            p[er[sel] - start, place[ec[sel]]] = ev[sel]
        return p

    @property
    def points(self) -> np.ndarray:
        """The full points matrix; prefer :meth:`points_of` on large classes."""
        return self._points(slice(0, len(self.students)), slice(None))

    @property
    def fraction(self) -> np.ndarray:
        """The full fraction matrix (NaN where not given); prefer :meth:`fraction_of` on large classes."""
        return self.slot_fraction[self.slots]

    @property
    def codes(self) -> np.ndarray:
        return self.slot_code[self.slots]

    def fraction_of(self, j: int) -> np.ndarray:
        return self.slot_fraction[self.slots[:, j]]

    def codes_of(self, j: int) -> np.ndarray:
        return self.slot_code[self.slots[:, j]]

    def points_of(self, j: int) -> np.ndarray:
        return self._points(slice(0, len(self.students)), [j])[:, 0]

    def answered_of(self, j: int) -> np.ndarray:
        """Whether each student answered item ``j`` (given it and did not leave it blank)."""
        return (self.slots[:, j] != 0) & (self.slot_code[self.slots[:, j]] != UNANSWERED)

    def is_random(self, j: int) -> bool:
        return bool(self.random_items is not None and self.random_items[j])

    def reordered(self, order: list[int] | np.ndarray) -> ClassResults:
        """The same class with its students (rows) in ``order``; the item analysis runs on students sorted by
        id, so no figure depends on the order of the rows in the responses files, to the last bit."""
        order = np.asarray(order, dtype=np.int64)
        where = np.empty(len(order), dtype=np.int64)
        where[order] = np.arange(len(order))
        er, ec, ev = self.exceptions
        return ClassResults(
            [self.students[i] for i in order.tolist()], self.items, self.slots[order], self.item_points,
            (where[er] if len(er) else er, ec, ev), self.slot_fraction, self.slot_code, self.random_items,
        )

    def given(self) -> np.ndarray:
        """students x items: whether the student was given the item."""
        return self.slots != 0

    def _chunks(self, cols: list[int] | slice = slice(None), first: int = 0, last: int | None = None):
        last = len(self.students) if last is None else min(last, len(self.students))
        for start in range(first, last, _CHUNK):
            rows = slice(start, min(start + _CHUNK, last))
            f = self.slot_fraction[self.slots[rows][:, cols]]
            p = self._points(rows, cols)
            yield rows, np.where(p > 0, f * p, 0.0), p

    def totals(
        self, cols: list[int] | slice = slice(None), first: int = 0, last: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(score, max) per student over some item columns (all by default), for rows ``first:last``."""
        last = len(self.students) if last is None else min(last, len(self.students))
        n = max(0, last - first)
        score, maximum = np.zeros(n), np.zeros(n)
        for rows, got, p in self._chunks(cols, first, last):
            score[rows.start - first : rows.stop - first] = got.sum(axis=1)
            maximum[rows.start - first : rows.stop - first] = p.sum(axis=1)
        return score, maximum

    def item_sums(self) -> tuple[np.ndarray, np.ndarray]:
        """Points earned by the class and points available, per item."""
        k = len(self.items)
        earned, available = np.zeros(k), np.zeros(k)
        for _, got, p in self._chunks():
            earned += got.sum(axis=0)
            available += p.sum(axis=0)
        return earned, available

    def group_totals(
        self, labels: Iterable[str], first: int = 0, last: int | None = None
    ) -> tuple[list[str], np.ndarray, np.ndarray]:
        """Per-student (score, max) summed over the items sharing a label (a section or an objective)."""
        labels = list(labels)
        names = list(dict.fromkeys(labels))
        last = len(self.students) if last is None else min(last, len(self.students))
        n = max(0, last - first)
        got = np.zeros((n, len(names)))
        top = np.zeros((n, len(names)))
        for g, name in enumerate(names):
            got[:, g], top[:, g] = self.totals([j for j, label in enumerate(labels) if label == name], first, last)
        return names, got, top

    def subset(self, cols: list[int]) -> ClassResults:
        """The same class restricted to some items (tests, per-exam analysis)."""
        er, ec, ev = self.exceptions
        keep = np.isin(ec, cols)
        remap = {c: i for i, c in enumerate(cols)}
        return ClassResults(
            self.students, [self.items[j] for j in cols], self.slots[:, cols], self.item_points[cols],
            (er[keep], np.array([remap[c] for c in ec[keep].tolist()], dtype=np.int64), ev[keep]),
            self.slot_fraction, self.slot_code, None if self.random_items is None else self.random_items[cols],
        )
