"""Each figure as its source computes it: Canvas's item analysis and Moodle's quiz statistics.

Three kinds of check:

* the numbers Canvas's own specs expect, on the specs' own classes
  (instructure/canvas-lms ``spec/models/quizzes/quiz_statistics/item_analysis_spec.rb``
  and ``item_analysis/summary_spec.rb``);
* line-by-line Python transcriptions of the sources, run on random classes:
  Canvas ``app/models/quizzes/quiz_statistics/item_analysis/summary.rb`` and
  ``item.rb`` (``lib/simple_stats.rb`` for the variance), and Moodle
  ``question/classes/statistics/questions/calculator.php`` (per question) and
  ``mod/quiz/report/statistics/classes/calculator.php`` (the test);
* a class of five students on three questions whose figures were computed by
  hand (the arithmetic is in the comments), and row-order independence.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizlib.grade.classbook import ClassResults
from quizlib.grade.course import Course
from quizlib.grade.run import grade_files
from quizlib.grading import grade
from quizlib.models import Bank
from quizlib.stats import analyse
from quizlib.stats.analysis import canvas_buckets, random_guess_score, review_flags

# -- Canvas, transcribed ---------------------------------------------------------------------------


def _ruby_round(x: float) -> int:
    """Ruby's Float#round: half away from zero, on the exact binary value (Decimal converts it exactly)."""
    return int(Decimal(x).quantize(Decimal(1), rounding=ROUND_HALF_UP))


class CanvasSummary:
    """``Quizzes::QuizStatistics::ItemAnalysis::Summary`` (summary.rb), the parts the figures use."""

    def __init__(self, respondent_scores: dict[str, float], buckets=(("top", 0.73), ("middle", 0.27), ("bottom", 0))):
        self.respondent_scores = respondent_scores
        self.bucket_defs = buckets

    def buckets(self) -> dict[str, list[str]]:
        ranked = sorted(self.respondent_scores.items(), key=lambda kv: kv[1])
        previous_floor = len(ranked)
        out = {}
        for name, cutoff in self.bucket_defs:
            floor = _ruby_round(cutoff * len(ranked))
            floor_score = ranked[floor][1] if floor < len(ranked) else None
            while floor > 0 and ranked[floor - 1][1] == floor_score:
                floor -= 1
            out[name] = [k for k, _ in ranked[floor:previous_floor]]
            previous_floor = floor
        return out

    def mean_score_for(self, ids: list[str]) -> float | None:
        if not ids:
            return None
        return sum(self.respondent_scores[i] for i in ids) * 1.0 / len(ids)

    def standard_deviation(self, ids: list[str]) -> float:
        return math.sqrt(simple_variance([self.respondent_scores[i] for i in ids]))


def simple_variance(items: list[float]) -> float:
    """``SimpleStats.variance`` (lib/simple_stats.rb), population divisor, 0 for fewer than two."""
    if len(items) < 2:
        return 0.0
    mean = sum(items) / float(len(items))
    return sum((x - mean) ** 2 for x in items) / len(items)


class CanvasItem:
    """``Quizzes::QuizStatistics::ItemAnalysis::Item`` (item.rb)."""

    def __init__(self, summary: CanvasSummary, answer_weights: list[float], points: float):
        self.summary = summary
        self.answers = [i for i, _ in sorted(enumerate(answer_weights), key=lambda p: (-p[1], p[0]))]
        self.points = points
        self.respondent_ids: list[str] = []
        self.respondent_map: dict[int, list[str]] = {}
        self.scores: list[float] = []

    def add_response(self, answer_id: int | None, respondent_id: str) -> None:
        if answer_id is None:  # blanks don't count for item stats
            return
        self.scores.append(self.points if answer_id == self.answers[0] else 0)
        self.respondent_ids.append(respondent_id)
        self.respondent_map.setdefault(answer_id, []).append(respondent_id)

    def respondents_for(self, f) -> list[str]:
        if f == "correct":
            return self.respondents_for(self.answers[0])
        if f == "incorrect":
            right = set(self.respondents_for(self.answers[0]))
            return [r for r in self.respondent_ids if r not in right]
        if f in ("top", "middle", "bottom"):
            bucket = set(self.summary.buckets()[f])
            return [r for r in self.respondent_ids if r in bucket]
        return self.respondent_map.get(f, [])

    def num_respondents(self, *filters) -> int:
        out = set(self.respondent_ids)
        for f in filters:
            out &= set(self.respondents_for(f))
        return len(out)

    def ratio_for(self, f) -> float:
        if not self.respondent_ids:
            return 0  # 0/0 is NaN in Ruby; ratio_for maps NaN to 0
        return len(self.respondents_for(f)) / len(self.respondent_ids)

    def variance(self) -> float:
        return simple_variance(self.scores)

    def point_biserials(self) -> list[float | None]:
        out = []
        for answer in self.answers:
            these = self.respondents_for(answer)
            others = [r for r in self.respondent_ids if r not in set(these)]
            mean, mean_other = self.summary.mean_score_for(these), self.summary.mean_score_for(others)
            if mean is None or mean_other is None:
                out.append(None)
                continue
            ratio = self.ratio_for(answer)
            sd = self.summary.standard_deviation(self.respondent_ids)
            out.append((mean - mean_other) / sd * math.sqrt(ratio * (1 - ratio)) if sd else float("nan"))
        return out


# -- Moodle, transcribed ---------------------------------------------------------------------------


def moodle_question_stats(marks: list[dict[str, float]], maxmark: dict[str, float], random: set[str]) -> dict:
    """calculator.php: initial_steps_walker, initial_question_walker, secondary_steps_walker,
    secondary_question_walker and the effective weight, for questions in fixed positions (``positionstat``)
    and questions drawn at random (``subquestion``: compared with the whole total)."""
    summarks = [sum(m.values()) for m in marks]
    stats = {}
    for q in maxmark:
        sub = q in random
        st_ = dict(s=0, totalmarks=0.0, totalothermarks=0.0, totalsummarks=0.0, markarray=[], othermarksarray=[])
        for u, m in enumerate(marks):
            if q not in m:
                continue
            st_["s"] += 1
            st_["totalmarks"] += m[q]
            st_["markarray"].append(m[q])
            other = summarks[u] if sub else summarks[u] - m[q]
            st_["totalothermarks"] += other
            st_["othermarksarray"].append(other)
            st_["totalsummarks"] += summarks[u]
        s = st_["s"]
        markaverage = st_["totalmarks"] / s
        othermarkaverage = st_["totalothermarks"] / s
        summarksaverage = st_["totalsummarks"] / s
        facility = markaverage / maxmark[q]
        markarray, othermarksarray = sorted(st_["markarray"]), sorted(st_["othermarksarray"])
        sums = dict(markvariancesum=0.0, othermarkvariancesum=0.0, covariancesum=0.0, covariancemaxsum=0.0,
                    covariancewithoverallmarksum=0.0)
        for u, m in enumerate(marks):
            if q not in m:
                continue
            markdifference = m[q] - markaverage
            othermarkdifference = (summarks[u] if sub else summarks[u] - m[q]) - othermarkaverage
            overallmarkdifference = summarks[u] - summarksaverage
            sortedmarkdifference = markarray.pop(0) - markaverage
            sortedothermarkdifference = othermarksarray.pop(0) - othermarkaverage
            sums["markvariancesum"] += markdifference**2
            sums["othermarkvariancesum"] += othermarkdifference**2
            sums["covariancesum"] += markdifference * othermarkdifference
            sums["covariancemaxsum"] += sortedmarkdifference * sortedothermarkdifference
            sums["covariancewithoverallmarksum"] += markdifference * overallmarkdifference
        out = dict(s=s, facility=facility, sub=sub)
        if s > 1:
            markvariance = sums["markvariancesum"] / (s - 1)
            othermarkvariance = sums["othermarkvariancesum"] / (s - 1)
            covariance = sums["covariancesum"] / (s - 1)
            covariancemax = sums["covariancemaxsum"] / (s - 1)
            out["covariancewithoverallmark"] = sums["covariancewithoverallmarksum"] / (s - 1)
            out["sd"] = math.sqrt(sums["markvariancesum"] / (s - 1))
            out["markvariance"] = markvariance
            out["discriminationindex"] = (
                100 * covariance / math.sqrt(markvariance * othermarkvariance) if markvariance * othermarkvariance else None
            )
            out["discriminativeefficiency"] = 100 * covariance / covariancemax if covariancemax else None
        stats[q] = out
    fixed = [q for q in stats if not stats[q]["sub"]]
    total = sum(math.sqrt(stats[q]["covariancewithoverallmark"]) for q in fixed
                if stats[q].get("covariancewithoverallmark", -1) >= 0)
    for q in fixed:
        c = stats[q].get("covariancewithoverallmark")
        stats[q]["effectiveweight"] = 100 * math.sqrt(c) / total if total and c is not None and c >= 0 else None
    return stats


def moodle_quiz_stats(sumgrades: list[float], p: int, sumofmarkvariance: float) -> dict:
    """mod/quiz/report/statistics/classes/calculator.php, calculate(): the test as a whole."""
    s = len(sumgrades)
    out: dict = {"median": None, "standarddeviation": None, "skewness": None, "kurtosis": None, "cic": None}
    avg = sum(sumgrades) / s
    ordered = sorted(sumgrades)
    out["median"] = (ordered[s // 2 - 1] + ordered[s // 2]) / 2 if s % 2 == 0 else ordered[s // 2]
    if s > 1:
        power2 = sum((g - avg) ** 2 for g in sumgrades)
        power3 = sum((g - avg) ** 3 for g in sumgrades)
        power4 = sum((g - avg) ** 4 for g in sumgrades)
        out["standarddeviation"] = math.sqrt(power2 / (s - 1))
        if s > 2:
            m2, m3, m4 = power2 / s, power3 / s, power4 / s
            k2 = s * m2 / (s - 1)
            k3 = s * s * m3 / ((s - 1) * (s - 2))
            if k2 != 0:
                out["skewness"] = k3 / k2**1.5
                if s > 3:
                    k4 = s * s * (((s + 1) * m4) - (3 * (s - 1) * m2 * m2)) / ((s - 1) * (s - 2) * (s - 3))
                    out["kurtosis"] = k4 / (k2 * k2)
                if p > 1:
                    out["cic"] = (100 * p / (p - 1)) * (1 - (sumofmarkvariance / k2))
                    out["errorratio"] = 100 * math.sqrt(1 - (out["cic"] / 100))
                    out["standarderror"] = out["errorratio"] * out["standarddeviation"] / 100
    return out


# -- random classes --------------------------------------------------------------------------------


def _bank(kinds: list[str], points: list[float]) -> Bank:
    qs = []
    for i, (kind, pts) in enumerate(zip(kinds, points)):
        base = {"id": f"q{i}", "prompt": f"Question {i}", "explanation": "x", "source": "s", "objective": "O1",
                "difficulty": "easy", "points": pts}
        if kind == "single":
            base |= {"type": "single", "options": [{"text": f"o{k}", "correct": k == 1} for k in range(4)]}
        elif kind == "true_false":
            base |= {"type": "true_false", "answer": bool(i % 2)}
        elif kind == "multiple":
            base |= {"type": "multiple", "options": [{"text": f"o{k}", "correct": k < 2} for k in range(4)]}
        else:
            base |= {"type": "short", "answers": [{"text": "right"}, {"text": "near", "credit": 0.5}]}
        qs.append(base)
    return Bank.model_validate({"schema_version": 1, "page": "src/bank", "title": "Sources",
                                "objectives": [{"id": "O1", "text": "x"}], "questions": qs})


@st.composite
def classes(draw, allow_random: bool):
    k = draw(st.integers(1, 5))
    kinds = draw(st.lists(st.sampled_from(["single", "true_false", "multiple", "short"]), min_size=k, max_size=k))
    points = draw(st.lists(st.sampled_from([1.0, 2.0, 0.5, 17.5]), min_size=k, max_size=k))
    n = draw(st.integers(1, 24))
    random = [allow_random and draw(st.booleans()) for _ in range(k)]
    answers = []
    for _ in range(n):
        row = {}
        for i, kind in enumerate(kinds):
            if random[i] and draw(st.booleans()):
                continue  # not drawn for this student
            if draw(st.integers(0, 4)) == 0:
                row[f"q{i}"] = None  # blank
            elif kind == "single":
                row[f"q{i}"] = draw(st.sampled_from("abcd"))
            elif kind == "true_false":
                row[f"q{i}"] = draw(st.booleans())
            elif kind == "multiple":
                row[f"q{i}"] = draw(st.lists(st.sampled_from("abcd"), min_size=1, max_size=4, unique=True))
            else:
                row[f"q{i}"] = draw(st.sampled_from(["right", "near", "wrong"]))
        answers.append(row)
    return _bank(kinds, points), answers, random


def _results(bank: Bank, answers: list[dict], random: list[bool]) -> ClassResults:
    """The class through the real compiled graders (blanks coded as blanks), students s00, s01 ..."""
    course = Course([bank])
    items = [course.item(bank, q) for q in bank.questions]
    n, k = len(answers), len(items)
    fraction, points, codes = np.zeros((n, k)), np.zeros((n, k)), np.full((n, k), -1)
    for i, row in enumerate(answers):
        for j, it in enumerate(items):
            if it.question.id not in row:
                continue
            out = it.compiled.outcome(row[it.question.id])
            fraction[i, j], points[i, j], codes[i, j] = out.fraction, it.question.points, out.code
    return ClassResults.from_arrays([f"s{i:02d}" for i in range(n)], items, fraction, points, codes,
                                    np.array(random) if any(random) else None)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(classes(allow_random=False))
def test_canvas_figures_match_a_transcription_of_canvas(case):
    bank, answers, random = case
    a = analyse(_results(bank, answers, random))
    scores = {f"s{i:02d}": sum(grade(q, row.get(q.id)).score for q in bank.questions) for i, row in enumerate(answers)}
    summary = CanvasSummary(scores)
    buckets = summary.buckets()
    assert (a.test.top, a.test.middle, a.test.bottom) == tuple(len(buckets[b]) for b in ("top", "middle", "bottom"))
    for q, s in zip(bank.questions, a.items):
        if q.type not in ("single", "true_false"):
            assert s.canvas is None
            continue
        ids = [o.id for o in q.options] if q.type == "single" else [False, True]
        weights = [100.0 if o.correct else 0.0 for o in q.options] if q.type == "single" else \
            [0.0 if q.answer else 100.0, 100.0 if q.answer else 0.0]
        item = CanvasItem(summary, weights, q.points)
        for i, row in enumerate(answers):
            v = row.get(q.id)
            item.add_response(None if v is None else ids.index(v), f"s{i:02d}")
        c = s.canvas
        assert (c.respondents, c.top, c.middle, c.bottom) == (
            item.num_respondents(), item.num_respondents("top"), item.num_respondents("middle"), item.num_respondents("bottom"))
        assert (c.correct, c.incorrect, c.correct_top, c.correct_middle, c.correct_bottom) == (
            item.num_respondents("correct"), item.num_respondents("incorrect"), item.num_respondents("top", "correct"),
            item.num_respondents("middle", "correct"), item.num_respondents("bottom", "correct"))
        assert c.correct_ratio == pytest.approx(item.ratio_for("correct"), rel=1e-12)
        assert c.variance == pytest.approx(item.variance(), rel=1e-12, abs=1e-12)
        assert c.difficulty_index == pytest.approx(item.ratio_for("correct"), rel=1e-12)
        for (oid, ours), theirs in zip(c.point_biserials, item.point_biserials()):
            if theirs is None or not math.isfinite(theirs):
                assert ours is None
            else:
                assert ours == pytest.approx(theirs, rel=1e-9, abs=1e-12)
        assert [oid for oid, _ in c.point_biserials] == [
            (ids[i] if q.type == "single" else ("true" if ids[i] else "false")) for i in item.answers]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(classes(allow_random=True))
def test_moodle_figures_match_a_transcription_of_moodle(case):
    bank, answers, random = case
    results = _results(bank, answers, random)
    a = analyse(results)
    by_gid = {s.gid: s for s in a.items}
    qs = [q for j, q in enumerate(bank.questions) if any(q.id in row for row in answers)]
    marks = [{q.id: grade(q, row[q.id]).score for q in qs if q.id in row} for row in answers]
    rand = {q.id for q, r in zip(bank.questions, random) if r}
    ref = moodle_question_stats(marks, {q.id: q.points for q in qs}, rand)
    for q in qs:
        s, r = by_gid[f"src/bank/{q.id}"], ref[q.id]
        assert s.n == r["s"] and s.drawn_at_random == (q.id in rand)
        assert s.facility == pytest.approx(r["facility"], rel=1e-12, abs=1e-15)
        assert s.random_guess == random_guess_score(q)
        if r["s"] > 1:
            assert s.sd == pytest.approx(r["sd"] / q.points, rel=1e-9, abs=1e-12)
            for ours, theirs in ((s.discrimination, r["discriminationindex"]), (s.efficiency, r["discriminativeefficiency"])):
                if theirs is None or ours is None:
                    # Equal values: PHP's difference of a mean and its values may leave 1e-33 where we test for 0.
                    assert theirs is None or abs(theirs) < 1e-6 or ours is not None
                else:
                    assert ours == pytest.approx(theirs / 100, rel=1e-9, abs=1e-9)
        if q.id in rand:
            assert s.weight is None  # Moodle weights quiz positions, not randomly drawn questions
        elif r.get("effectiveweight") is not None and s.weight is not None:
            assert s.weight == pytest.approx(r["effectiveweight"] / 100, rel=1e-9)
    if not rand:
        sumgrades = [sum(m.values()) for m in marks]
        quiz = moodle_quiz_stats(sumgrades, len(qs), sum(ref[q.id].get("markvariance") or 0.0 for q in qs))
        t = a.test
        assert t.median == pytest.approx(quiz["median"], rel=1e-12)
        for ours, theirs in ((t.sd, quiz["standarddeviation"]), (t.skewness, quiz["skewness"]),
                             (t.kurtosis, quiz["kurtosis"])):
            assert (ours is None) == (theirs is None) or abs(theirs) < 1e-6
            if ours is not None and theirs is not None:
                assert ours == pytest.approx(theirs, rel=1e-6, abs=1e-9)
        if len(qs) == len(bank.questions) and quiz["cic"] is not None and len(answers) >= 3:
            assert t.alpha == pytest.approx(quiz["cic"] / 100, rel=1e-9, abs=1e-9)
        if len(answers) < 3:
            assert t.alpha is None  # Moodle: no internal consistency for fewer than 3 attempts


# -- Canvas's own expected numbers -----------------------------------------------------------------

# spec/models/quizzes/quiz_statistics/item_analysis_spec.rb: key T D F A; six students.
SPEC_KEY = ["T", "D", "F", "A"]
SPEC_SUBMISSIONS = [list("TBTA"), list("TDFA"), list("FATC"), list("TDFB"), list("TDFA"), list("FD")]


def _spec_bank() -> Bank:
    qs = []
    for i, key in enumerate(SPEC_KEY):
        base = {"id": f"q{i + 1}", "prompt": "Question text", "explanation": "x", "source": "s", "objective": "O1",
                "difficulty": "easy"}
        if key in "TF":
            base |= {"type": "true_false", "answer": key == "T"}
        else:
            base |= {"type": "single", "shuffle": False,
                     "options": [{"id": letter, "text": letter, "correct": letter == key} for letter in "ABCD"]}
        qs.append(base)
    return Bank.model_validate({"schema_version": 1, "page": "canvas/spec", "title": "Canvas spec",
                                "objectives": [{"id": "O1", "text": "x"}], "questions": qs})


def test_canvas_spec_item_analysis_numbers(tmp_path):
    bank = _spec_bank()
    with open(tmp_path / "r.jsonl", "w") as fh:
        for i, sub in enumerate(SPEC_SUBMISSIONS):
            answers = {}
            for j, letter in enumerate(sub):
                answers[f"q{j + 1}"] = (letter == "T") if SPEC_KEY[j] in "TF" else letter
            fh.write(json.dumps({"student": f"u{i + 1}", "bank": "canvas/spec", "answers": answers}) + "\n")
    results, summary = grade_files([tmp_path / "r.jsonl"], Course([bank]))
    assert summary.clean
    items = analyse(results).items
    # (answered, top, middle, bottom, correct, incorrect, correct ratio, correct top/middle/bottom, variance,
    #  stdev, difficulty, point biserials correct first): the rows of the spec's "should generate a csv".
    expected = [
        (6, 2, 2, 2, 4, 2, 0.6666666666666666, 2, 2, 0, 0.22222222222222224, 0.4714045207910317, 0.6666666666666666,
         [0.8696263565463043, -0.8696263565463043]),
        (6, 2, 2, 2, 4, 2, 0.6666666666666666, 2, 1, 1, 0.22222222222222224, 0.4714045207910317, 0.6666666666666666,
         [0.6324555320336759, -0.7, -0.09999999999999999, None]),
        (5, 2, 2, 1, 3, 2, 0.6, 2, 1, 0, 0.24000000000000005, 0.48989794855663565, 0.6,
         [0.8728715609439694, -0.8728715609439694]),
        (5, 2, 2, 1, 3, 2, 0.6, 2, 1, 0, 0.24000000000000005, 0.48989794855663565, 0.6,
         [0.6000991981489792, 0.13363062095621223, -0.8685990362153794, None]),
    ]
    for s, exp in zip(items, expected):
        c = s.canvas
        got = (c.respondents, c.top, c.middle, c.bottom, c.correct, c.incorrect, c.correct_ratio, c.correct_top,
               c.correct_middle, c.correct_bottom, c.variance, c.stdev, c.difficulty_index)
        assert got[:6] == exp[:6] and got[7:10] == exp[7:10]
        assert got[6] == pytest.approx(exp[6], rel=1e-15) and got[10:] == pytest.approx(exp[10:13], rel=1e-12)
        pbs = [pb for _, pb in c.point_biserials]
        assert [p is None for p in pbs] == [e is None for e in exp[13]]
        assert [p for p in pbs if p is not None] == pytest.approx([e for e in exp[13] if e is not None], rel=1e-12)


@pytest.mark.parametrize(
    "scores,spec_cutoffs,spec_sizes",
    [
        # summary_spec.rb "with tied submissions": buckets 0.75/0.25, totals 3,3,0,0 -> 2, 2, 0 (non-ties: 1, 2, 1)
        ([3, 3, 0, 0], (("top", 0.75), ("middle", 0.25), ("bottom", 0)), (2, 2, 0)),
        # "with perfect submissions": two students tied -> both in the top group
        ([3, 3], None, (2, 0, 0)),
        # "with distributed submissions": key TTA; TTA TTA TTB | TFB TFB FTC FTD FTB | FFB FFC FFD
        ([3, 3, 2, 1, 1, 1, 1, 1, 0, 0, 0], None, (3, 5, 3)),
    ],
)
def test_canvas_buckets_as_summary_spec_expects(scores, spec_cutoffs, spec_sizes):
    named = {f"u{i}": float(v) for i, v in enumerate(scores)}
    # The transcription gives the spec's sizes with the spec's cutoffs ...
    spec = CanvasSummary(named, spec_cutoffs) if spec_cutoffs else CanvasSummary(named)
    assert tuple(len(spec.buckets()[b]) for b in ("top", "middle", "bottom")) == spec_sizes
    # ... and quizlib's groups are the transcription's, student for student, with Canvas's own cutoffs.
    ref = CanvasSummary(named).buckets()
    masks = dict(zip(("top", "middle", "bottom"), canvas_buckets(np.array(scores, dtype=float))))
    for name in ("top", "middle", "bottom"):
        assert {f"u{i}" for i in np.flatnonzero(masks[name])} == set(ref[name])


def test_canvas_buckets_round_half_up_like_ruby():
    """0.27 x 50 = 13.5 in binary is 13.500000000000002; 0.73 x 50 = 36.5 exactly: Ruby rounds it to 37,
    Python's round() to 36. Fifty distinct scores put 13 / 23 / 14 students in the groups, as Canvas does."""
    s = np.arange(50, dtype=float)
    top, middle, bottom = canvas_buckets(s)
    ref = CanvasSummary({f"u{i}": float(i) for i in range(50)}).buckets()
    assert (int(top.sum()), int(middle.sum()), int(bottom.sum())) == tuple(len(ref[b]) for b in ("top", "middle", "bottom"))


# -- a class computed by hand ----------------------------------------------------------------------

HAND_BANK = {
    "schema_version": 1, "page": "hand/class", "title": "Hand", "objectives": [{"id": "O1", "text": "x"}],
    "questions": [
        {"id": "q1", "type": "single", "prompt": "Q1", "explanation": "x", "source": "s", "objective": "O1",
         "difficulty": "easy", "options": [{"text": "A"}, {"text": "B", "correct": True}, {"text": "C"}]},
        {"id": "q2", "type": "true_false", "prompt": "Q2", "answer": True, "explanation": "x", "source": "s",
         "objective": "O1", "difficulty": "easy"},
        {"id": "q3", "type": "multiple", "prompt": "Q3", "points": 2, "explanation": "x", "source": "s",
         "objective": "O1", "difficulty": "easy",
         "options": [{"text": "A", "correct": True}, {"text": "B", "correct": True}, {"text": "C"}]},
    ],
}
# s1: q1 b (1), q2 true (1),  q3 a,b (2)           total 4
# s2: q1 b (1), q2 false (0), q3 a,b (2)           total 3
# s3: q1 a (0), q2 true (1),  q3 a (net 1/2: 1)    total 2
# s4: q1 c (0), q2 true (1),  q3 c (net <0: 0)     total 1
# s5: q1 blank, q2 false (0), q3 blank             total 0
HAND_ANSWERS = {
    "s1": {"q1": "b", "q2": True, "q3": ["a", "b"]},
    "s2": {"q1": "b", "q2": False, "q3": ["a", "b"]},
    "s3": {"q1": "a", "q2": True, "q3": ["a"]},
    "s4": {"q1": "c", "q2": True, "q3": ["c"]},
    "s5": {"q2": False},
}


@pytest.fixture(scope="module")
def hand(tmp_path_factory):
    path = tmp_path_factory.mktemp("hand") / "r.jsonl"
    # Written in reverse order: figures must not depend on it.
    path.write_text("".join(json.dumps({"student": s, "bank": "hand/class", "answers": a}) + "\n"
                            for s, a in reversed(HAND_ANSWERS.items())))
    results, summary = grade_files([path], Course([Bank.model_validate(HAND_BANK)]))
    assert summary.clean
    return analyse(results)


def test_hand_computed_moodle_figures(hand):
    q1, q2, q3 = hand.items
    # q1: marks 1,1,0,0,0 (the blank counts as 0): facility 2/5; variance ((3 x 0.16) + (2 x 0.36)) / 4 = 0.3.
    assert (q1.n, q1.facility, q1.sd) == (5, pytest.approx(0.4), pytest.approx(math.sqrt(0.3)))
    # rest = total - mark = 3,2,2,1,0 (mean 1.6, variance 5.2/4 = 1.3); covariance 1.8/4 = 0.45:
    # discrimination 0.45 / sqrt(0.3 x 1.3) = 0.72058; sorted pairs give the same 0.45, so efficiency 1.
    assert q1.discrimination == pytest.approx(0.45 / math.sqrt(0.3 * 1.3)) and q1.efficiency == pytest.approx(1.0)
    # q2: marks 1,0,1,1,0 (variance 0.3); rest 3,3,1,0,0 (variance 9.2/4 = 2.3); covariance -0.2/4 = -0.05:
    # discrimination -0.05 / sqrt(0.69) = -0.0602; sorted covariance 2.8/4 = 0.7, efficiency -0.05/0.7.
    assert q2.discrimination == pytest.approx(-0.05 / math.sqrt(0.3 * 2.3)) and q2.efficiency == pytest.approx(-0.05 / 0.7)
    # q3 (2 points): marks 2,2,1,0,0 (facility 5/10, variance 4/4 = 1, SD 1 = 0.5 of the maximum);
    # rest 2,1,1,1,0 (variance 2/4 = 0.5); covariance 2/4 = 0.5: discrimination 0.5/sqrt(0.5) = 0.7071.
    assert (q3.facility, q3.sd) == (pytest.approx(0.5), pytest.approx(0.5))
    assert q3.discrimination == pytest.approx(0.5 / math.sqrt(0.5)) and q3.efficiency == pytest.approx(1.0)
    # Covariances with the total 4,3,2,1,0 (mean 2): q1 3.0/4 = 0.75, q2 1.0/4 = 0.25, q3 6/4 = 1.5 (they add up
    # to the total's variance 10/4). Effective weights sqrt(c) / (sqrt .75 + sqrt .25 + sqrt 1.5).
    roots = [math.sqrt(0.75), 0.5, math.sqrt(1.5)]
    assert [s.weight for s in hand.items] == pytest.approx([r / sum(roots) for r in roots])
    # Random guess: 1 of 3 options; true/false 1/2; none for multiple choice. Intended weight: 1/4, 1/4, 2/4.
    assert [s.random_guess for s in hand.items] == [pytest.approx(1 / 3), 0.5, None]
    assert [s.intended_weight for s in hand.items] == pytest.approx([0.25, 0.25, 0.5])
    t = hand.test
    # Totals 4,3,2,1,0: mean 2, median 2, SD sqrt(10/4); symmetric, so skewness 0; m2 = 2, m4 = 34/5,
    # k2 = 5 x 2/4 = 2.5, k4 = 25 x (6 x 6.8 - 3 x 4 x 4) / (4 x 3 x 2) = -7.5, kurtosis -7.5 / 2.5^2 = -1.2.
    assert (t.mean, t.median, t.sd) == (pytest.approx(2), pytest.approx(2), pytest.approx(math.sqrt(2.5)))
    assert t.skewness == pytest.approx(0, abs=1e-12) and t.kurtosis == pytest.approx(-1.2)
    # alpha = 3/2 x (1 - (0.3 + 0.3 + 1.0) / 2.5) = 0.54; error ratio sqrt(0.46); SEM sqrt(0.46) x sqrt(2.5).
    assert t.alpha == pytest.approx(0.54) and t.error_ratio == pytest.approx(math.sqrt(0.46))
    assert t.sem == pytest.approx(math.sqrt(0.46) * math.sqrt(2.5))


def test_hand_computed_canvas_figures(hand):
    q1, q2, q3 = hand.items
    # Groups from scores 0..4: top from round(0.73 x 5) = round(3.65) = 4 -> {s1}; middle from round(1.35) = 1
    # -> {s4, s3, s2}; bottom {s5}.
    assert (hand.test.top, hand.test.middle, hand.test.bottom) == (1, 3, 1)
    # q1: s5 left it blank, so 4 respondents (s1 top, s2-s4 middle, none bottom); right: s1, s2.
    c = q1.canvas
    assert (c.respondents, c.top, c.middle, c.bottom, c.correct, c.correct_top, c.correct_middle) == (4, 1, 3, 0, 2, 1, 1)
    # Marks 1,1,0,0: population variance 0.25; difficulty 2/4.
    assert (c.variance, c.stdev, c.difficulty_index) == (pytest.approx(0.25), pytest.approx(0.5), 0.5)
    # Respondents' totals 4,3,2,1 (population SD sqrt(1.25)). b: (3.5 - 1.5) / sqrt(1.25) x sqrt(.25) = 0.8944;
    # a: (2 - 8/3) / sqrt(1.25) x sqrt(3/16) = -0.2582; c: (1 - 3) / sqrt(1.25) x sqrt(3/16) = -0.7746.
    sd = math.sqrt(1.25)
    assert c.point_biserials == [("b", pytest.approx(2 / sd * 0.5)), ("a", pytest.approx((2 - 8 / 3) / sd * math.sqrt(3 / 16))),
                                 ("c", pytest.approx(-2 / sd * math.sqrt(3 / 16)))]
    assert [o.share for o in q1.options] == [0.25, 0.5, 0.25]
    assert q1.upper_lower is None  # the bottom group's only student left q1 blank
    # q2: 5 respondents; true chosen by s1, s3, s4 (mean 7/3) vs s2, s5 (mean 1.5); population SD sqrt(2).
    c = q2.canvas
    assert (c.respondents, c.correct, c.correct_top, c.correct_middle, c.correct_bottom) == (5, 3, 1, 2, 0)
    assert c.variance == pytest.approx(0.24)
    pb = (7 / 3 - 1.5) / math.sqrt(2) * math.sqrt(0.6 * 0.4)
    assert c.point_biserials == [("true", pytest.approx(pb)), ("false", pytest.approx(-pb))]
    assert q2.upper_lower == pytest.approx(1.0)  # s1 right, s5 wrong
    # q3 (multiple choice): no Canvas row; option figures over its 4 respondents: a by s1-s3 (mean 3 vs 1).
    assert q3.canvas is None and q3.respondents == 4
    a_opt = q3.options[0]
    assert (a_opt.chosen, a_opt.share) == (3, 0.75)
    assert a_opt.point_biserial == pytest.approx((3 - 1) / sd * math.sqrt(0.75 * 0.25))
    # q2 discriminates negatively: -0.0602 shows as -0.06, and is flagged with that value.
    assert any("negative discrimination (-0.06)" in f for f in q2.flags)


def test_figures_do_not_depend_on_row_order(tmp_path):
    lines = [json.dumps({"student": s, "bank": "hand/class", "answers": a}) for s, a in HAND_ANSWERS.items()]
    # Ties: two more students with s3's answers make the groups depend on the tie rule, not on order.
    lines += [json.dumps({"student": f"t{i}", "bank": "hand/class", "answers": HAND_ANSWERS["s3"]}) for i in range(2)]
    seen = []
    for order in (lines, lines[::-1], lines[3:] + lines[:3]):
        (tmp_path / "r.jsonl").write_text("\n".join(order) + "\n")
        results, _ = grade_files([tmp_path / "r.jsonl"], Course([Bank.model_validate(HAND_BANK)]))
        a = analyse(results)
        seen.append((asdict(a.test), [asdict(s) for s in a.items], a.totals.tolist()))
    assert seen[0] == seen[1] == seen[2]


def test_flags_use_the_value_shown():
    from quizlib.stats.analysis import ItemStat

    s = ItemStat(0, "b/q", "single", "b", "O1", "easy", 10, 1.0, 0.5, 0.3, -0.004, 0.5, 0.1, 0.1)
    flags = review_flags(s)
    assert not any("negative" in f for f in flags)
    assert "low discrimination (0.00 < 0.2)" in flags and not any("-0.00" in f for f in flags)
    s.discrimination = -0.006
    assert "negative discrimination (-0.01): abler students do worse" in review_flags(s)


def test_randomly_drawn_questions_use_the_whole_total(tmp_path):
    """Forms that draw different questions: the drawn ones are correlated with the whole total (Moodle's
    subquestion rule), questions on every form with the total minus themselves."""
    from quizlib.manifest import FormManifest

    bank = Bank.model_validate(HAND_BANK)
    forms = [
        {"form_id": "ex/v1", "questions": [{"qid": "hand/class/q1", "number": 1, "points": 1.0},
                                           {"qid": "hand/class/q2", "number": 2, "points": 1.0}]},
        {"form_id": "ex/v2", "questions": [{"qid": "hand/class/q2", "number": 1, "points": 1.0},
                                           {"qid": "hand/class/q3", "number": 2, "points": 2.0}]},
    ]
    manifest = FormManifest.model_validate({"exam_id": "ex", "title": "Ex", "forms": forms})
    rows = [("a", "ex/v1", {"q1": "b", "q2": True}), ("b", "ex/v1", {"q1": "a", "q2": True}),
            ("c", "ex/v1", {"q1": "b", "q2": False}), ("d", "ex/v2", {"q2": True, "q3": ["a", "b"]}),
            ("e", "ex/v2", {"q2": False, "q3": ["a"]}), ("f", "ex/v2", {"q2": True, "q3": ["c"]})]
    (tmp_path / "r.jsonl").write_text("".join(json.dumps({"student": s, "form": f, "answers": a}) + "\n" for s, f, a in rows))
    results, summary = grade_files([tmp_path / "r.jsonl"], Course([bank], manifest))
    assert summary.clean
    a = {s.gid.rsplit("/", 1)[1]: s for s in analyse(results).items}
    assert a["q1"].drawn_at_random and a["q3"].drawn_at_random and not a["q2"].drawn_at_random
    totals = {"a": 2, "b": 1, "c": 1, "d": 3, "e": 1, "f": 1}
    q1 = np.array([1, 0, 1.0])
    whole = np.array([totals[s] for s in "abc"], dtype=float)
    assert a["q1"].discrimination == pytest.approx(np.corrcoef(q1, whole)[0, 1])
    q2 = np.array([1, 1, 0, 1, 0, 1.0])
    rest = np.array([totals[s] for s in "abcdef"], dtype=float) - q2
    assert a["q2"].discrimination == pytest.approx(np.corrcoef(q2, rest)[0, 1])
    assert a["q1"].weight is None and a["q2"].weight is not None
