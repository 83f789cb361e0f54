"""The numbers of an item analysis, each computed the way its source defines it: Moodle or Canvas.

Everything is computed from :class:`~quizlib.grade.classbook.ClassResults`
(rows: students, columns: items). Scores are in points; an item a student was
not given (another form) is left out of that item's figures, never counted as
zero.

*Moodle's* figures follow ``question/classes/statistics/questions/calculator.php``
(per question) and ``mod/quiz/report/statistics/classes/calculator.php`` (the
test): every student given a question counts (a blank scores 0), variances and
covariances divide by n - 1, a question drawn at random on forms is correlated
with the whole total (a fixed question with the total minus itself), the
coefficient of internal consistency needs three students or more, and the
random guess score is each question type's ``get_random_guess_score``.

*Canvas's* figures follow ``app/models/quizzes/quiz_statistics/item_analysis/
summary.rb`` and ``item.rb``: students are put in a top, middle and bottom group
by total score at ``round(0.73 n)`` and ``round(0.27 n)``, tied students all
going to the higher group; a question's figures count only the students who
answered it (a blank is not a response); variances divide by n; the
point-biserial is ``(mean of those who chose the option - mean of the others) /
SD x sqrt(p (1 - p))`` over those respondents. Canvas analyses single-choice and
true/false questions; the upper-lower index and the option figures are given
for every question type the same way.

The analysis runs on the students sorted by id, so no figure depends on the
order of the rows in the responses files, to the last bit.

Each figure's definition is in :data:`DEFINITIONS`, which the HTML report and
the instructor guide print next to the numbers; ``tests/test_stats_analysis.py``
and ``tests/test_stats_sources.py`` recompute them independently.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..grade.classbook import ClassResults
from ..grade.compiled import option_labels
from ..models import Matching, QuestionBase, SingleChoice, TrueFalse

#: Kelley's 27%, the share of the class in Canvas's bottom group (and, roughly, its top group).
GROUP_SHARE = 0.27

#: Canvas's groups, as ``Summary#buckets`` defines them: (name, cutoff), from the top down.
CANVAS_BUCKETS = (("top", 0.73), ("middle", 0.27), ("bottom", 0.0))

#: Moodle computes no internal consistency, skewness or standard error for fewer students than this.
MOODLE_MIN_STUDENTS_CIC = 3

#: Review thresholds; facility and discrimination as fractions, efficiency as a fraction too.
FACILITY_HIGH = 0.9
FACILITY_LOW = 0.2
DISCRIMINATION_LOW = 0.2
EFFICIENCY_LOW = 0.15  # Moodle marks a question "dubious" below 15% (statistics_table.php)

DEFINITIONS: dict[str, str] = {
    "facility": "Facility index (Moodle): mean score on the item divided by its maximum; 1 means everyone got full marks.",
    "sd": "Standard deviation (Moodle): spread of the item's scores, as a fraction of its maximum (n - 1 divisor).",
    "random_guess": (
        "Random guess score (Moodle): the fraction a student answering at random would score on average: "
        "1/options for a single choice, 1/2 for true/false, 1/choices for matching, 0 for short, numeric and "
        "ordering answers; none for multiple choice (Moodle does not estimate it)."
    ),
    "intended_weight": (
        "Intended weight (Moodle): the item's points as a share of the test's maximum (with forms of different "
        "maxima, the mean share over the students given it)."
    ),
    "discrimination": (
        "Discrimination index (Moodle): correlation between the item's score and the rest of the test "
        "(each student's total minus this item), from -1 to 1; for an item drawn at random on forms, "
        "Moodle correlates with the whole total instead."
    ),
    "efficiency": (
        "Discriminative efficiency (Moodle): covariance of the item with the rest of the test (the whole total for "
        "an item drawn at random) divided by the largest covariance the two lists of scores allow (both sorted, "
        "paired by rank); 100% is the most this item could discriminate."
    ),
    "weight": (
        "Effective weight (Moodle): square root of the item's covariance with the total score, over the sum of these "
        "roots for all fixed items; the item's real share of the spread of totals. Blank when the covariance is "
        "negative, and for items drawn at random (Moodle weights the quiz position, not the drawn question)."
    ),
    "respondents": "Respondents (Canvas): students given the item who answered it; a blank is not a response.",
    "upper_lower": (
        "Upper-lower index: mean fraction of the item earned by the respondents in Canvas's top group minus "
        "that of its bottom group (groups by total score: the top from round(0.73 n), the bottom below "
        "round(0.27 n), tied students in the higher group). Canvas shows the counts behind it (correct in the "
        "top, middle and bottom groups), not the difference."
    ),
    "difficulty_index": (
        "Difficulty index (Canvas, single choice and true/false): share of the respondents who chose the right "
        "answer."
    ),
    "option_share": (
        "Chosen by (Canvas): share of the respondents who chose the option, overall and within the respondents "
        "of the top and bottom groups."
    ),
    "point_biserial": (
        "Point-biserial (Canvas): (mean total of the respondents who chose the option - mean total of the other "
        "respondents) / SD of the respondents' totals x sqrt(p (1 - p)), p the share who chose it (population "
        "SD). Positive for the right answer, negative for a working distractor; blank when nobody or everybody "
        "chose the option."
    ),
    "mean": "Mean of the students' total scores.",
    "median": "Median of the students' total scores.",
    "test_sd": "Standard deviation of the total scores (n - 1 divisor).",
    "skewness": (
        "Skewness (Moodle): k3 / k2^1.5 with k-statistics (the bias-corrected sample skewness); negative when scores "
        "bunch at the top with a tail of low scores."
    ),
    "kurtosis": "Kurtosis (Moodle): k4 / k2^2, excess kurtosis; 0 for a normal distribution.",
    "alpha": (
        "Cronbach's alpha, Moodle's coefficient of internal consistency: k/(k-1) x (1 - sum of item variances / variance of "
        "totals), on the students given every item, with at least 3 of them (Moodle computes none for fewer). "
        "Equals KR-20 when every item is scored right or wrong."
    ),
    "error_ratio": "Error ratio (Moodle): sqrt(1 - alpha); the share of the spread of totals due to chance.",
    "sem": "Standard error of measurement (Moodle): error ratio x standard deviation of the totals, in points.",
}


@dataclass
class OptionStat:
    option_id: str
    text: str
    correct: bool
    chosen: int
    """Respondents who chose the option."""
    share: float
    """Chosen by, as a share of the item's respondents (Canvas's ratio)."""
    share_top: float
    share_bottom: float
    point_biserial: float | None


@dataclass
class CanvasItem:
    """The row Canvas's item analysis CSV gives a single-choice or true/false question (``item_analysis.rb``)."""

    respondents: int
    top: int
    middle: int
    bottom: int
    correct: int
    incorrect: int
    correct_ratio: float
    incorrect_ratio: float
    correct_top: int
    correct_middle: int
    correct_bottom: int
    variance: float
    """Population variance of the respondents' points on the item (points if right, else 0)."""
    stdev: float
    difficulty_index: float
    point_biserials: list[tuple[str, float | None]]
    """(option id, point-biserial), the right answer first, then the others in authored order, as Canvas lists them."""


@dataclass
class ItemStat:
    index: int
    gid: str
    qtype: str
    section: str
    objective: str
    difficulty: str
    n: int
    """Students given the item (Moodle's count: a blank counts, scoring 0)."""
    max_points: float
    facility: float | None
    sd: float | None
    discrimination: float | None
    efficiency: float | None
    weight: float | None
    upper_lower: float | None
    covariance_total: float | None = None
    options: list[OptionStat] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    prompt: str = ""
    respondents: int = 0
    """Students who answered the item (Canvas's count)."""
    random_guess: float | None = None
    intended_weight: float | None = None
    drawn_at_random: bool = False
    canvas: CanvasItem | None = None


@dataclass
class TestStat:
    students: int
    items: int
    max_points: float | None
    """The common maximum; None when students were given different maxima (then totals are percentages)."""
    unit: str
    mean: float | None
    median: float | None
    sd: float | None
    skewness: float | None
    kurtosis: float | None
    alpha: float | None
    alpha_students: int
    dichotomous: bool
    error_ratio: float | None
    sem: float | None
    top: int = 0
    middle: int = 0
    bottom: int = 0
    """Sizes of Canvas's groups."""


@dataclass
class Analysis:
    test: TestStat
    items: list[ItemStat]
    sections: list[tuple[str, str, float]]
    """(bank id, title, mean percent earned)."""
    objectives: list[tuple[str, float]]
    totals: np.ndarray
    group_size: int
    """Size of Canvas's top group (kept for callers that show one group size)."""

    def flagged_first(self) -> list[ItemStat]:
        """The items to review first (in item order), then the others."""
        return [s for s in self.items if s.flags] + [s for s in self.items if not s.flags]


# Sums of products rather than np.dot: a BLAS call per small vector costs more than it saves,
# and on a busy machine its threads make it far slower.

def _cov(a: np.ndarray, b: np.ndarray) -> float | None:
    n = len(a)
    if n < 2:
        return None
    return float(((a - a.mean()) * (b - b.mean())).sum() / (n - 1))


def _constant(a: np.ndarray) -> bool:
    """No spread at all. Tested on the values, not on a computed variance: the mean of equal values is not
    always exactly that value in floating point, which would leave a variance of 1e-33 instead of 0."""
    return len(a) == 0 or bool(a.min() == a.max())


def _corr(a: np.ndarray, b: np.ndarray) -> float | None:
    """Moodle's discrimination index: covariance / sqrt(variance x variance); none when either is zero."""
    if len(a) < 2 or _constant(a) or _constant(b):
        return None
    da, db = a - a.mean(), b - b.mean()
    return float((da * db).sum() / math.sqrt(float((da * da).sum()) * float((db * db).sum())))


def ruby_round(x: float) -> int:
    """Ruby's ``Float#round`` for x >= 0: half away from zero (Python's ``round`` goes to even).

    ``x - floor(x)`` is exact in binary floating point, so the comparison with 0.5 is too.
    """
    whole = math.floor(x)
    return int(whole) + (1 if x - whole >= 0.5 else 0)


def canvas_buckets(scores: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Masks of Canvas's top, middle and bottom groups (``Summary#buckets`` in ``item_analysis/summary.rb``).

    Canvas ranks the students by score and cuts at ``round(0.73 n)`` and
    ``round(0.27 n)``; a cut that falls among tied students moves down to the
    first of them, so they all join the higher group. Every cut therefore lies
    between two different scores, and the groups are score ranges: membership
    depends on the scores alone, never on the order of the students.
    """
    n = len(scores)
    ranked = np.sort(scores)
    masks = []
    previous = n
    for _, cutoff in CANVAS_BUCKETS:
        floor = ruby_round(cutoff * n)
        if floor < n:
            floor = int(np.searchsorted(ranked, ranked[floor], side="left"))
        mask = np.zeros(n, dtype=bool)
        if floor < previous:
            mask = scores >= ranked[floor]
            if previous < n:
                mask &= scores < ranked[previous]
        masks.append(mask)
        previous = floor
    return masks[0], masks[1], masks[2]


def upper_lower_groups(totals: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Canvas's top and bottom groups (see :func:`canvas_buckets`) and the size of the top group."""
    top, _, bottom = canvas_buckets(totals)
    return top, bottom, int(top.sum())


def moodle_skew_kurt(x: np.ndarray) -> tuple[float | None, float | None]:
    """Moodle's skewness k3/k2^1.5 and kurtosis k4/k2^2 (k-statistics)."""
    s = len(x)
    if s <= 2:
        return None, None
    d = x - x.mean()
    m2, m3, m4 = (float(np.mean(d**p)) for p in (2, 3, 4))
    k2 = s * m2 / (s - 1)
    if k2 <= 0:
        return None, None
    k3 = s * s * m3 / ((s - 1) * (s - 2))
    kurt = None
    if s > 3:
        k4 = s * s * ((s + 1) * m4 - 3 * (s - 1) * m2 * m2) / ((s - 1) * (s - 2) * (s - 3))
        kurt = k4 / (k2 * k2)
    return k3 / k2**1.5, kurt


def random_guess_score(question: QuestionBase) -> float | None:
    """Moodle's ``get_random_guess_score`` for the question type Moodle would import this question as.

    multichoice (single): the mean fraction of the choices; multichoice (multiple):
    none ("pretty much impossible to compute"); truefalse: 0.5; match: 1 / the
    number of choices (right items and distractors); shortanswer and numerical:
    the credit of a ``*`` answer, which quizlib has not, so 0; ordering: the base
    class's 0.
    """
    if isinstance(question, SingleChoice):
        return sum(1.0 for o in question.options if o.correct) / len(question.options)
    if isinstance(question, TrueFalse):
        return 0.5
    if isinstance(question, Matching):
        return 1.0 / len(question.right_choices())
    if question.type == "multiple":  # type: ignore[attr-defined]
        return None
    return 0.0


def analyse(results: ClassResults) -> Analysis:
    """All the figures, one item column at a time: memory stays a few vectors per student, not a matrix copy."""
    results = results.reordered(sorted(range(len(results.students)), key=results.students.__getitem__))
    n_students, n_items = results.slots.shape
    totals, maxima = results.totals()
    common = bool(n_students) and bool(np.all(maxima == maxima[0]))
    scale = totals if common else np.divide(100 * totals, maxima, out=np.zeros_like(totals), where=maxima > 0)
    top, middle, bottom = canvas_buckets(scale)
    complete = np.all(results.slots != 0, axis=1)
    item_var_complete = 0.0
    dichotomous = True

    items: list[ItemStat] = []
    cov_total: list[float | None] = []
    for j, it in enumerate(results.items):
        pts = results.points_of(j)
        m = pts > 0
        full = results.fraction_of(j)
        f = full[m]
        x = f * pts[m]
        t = totals[m]
        drawn = results.is_random(j)
        # Moodle: the rest of the test for a fixed question, the whole total for one drawn at random.
        other = t if drawn else t - x
        n = int(m.sum())
        dichotomous = dichotomous and bool(np.all((f == 0) | (f == 1)))
        xc = full[complete] * pts[complete]
        if len(xc) > 1:
            item_var_complete += float(xc.var(ddof=1))
        cov_other = _cov(x, other)
        cov_max = _cov(np.sort(x), np.sort(other))
        ct = _cov(x, t)
        cov_total.append(None if drawn else ct)
        answered = results.answered_of(j)
        codes = results.codes_of(j)
        top_j, bottom_j = top & answered, bottom & answered
        ul = float(full[top_j].mean() - full[bottom_j].mean()) if top_j.any() and bottom_j.any() else None
        share = np.divide(pts, maxima, out=np.zeros_like(pts), where=maxima > 0)[m]
        q = it.question
        items.append(
            ItemStat(
                index=j,
                gid=it.gid,
                qtype=q.type,  # type: ignore[attr-defined]
                section=it.section,
                objective=it.objective,
                difficulty=q.difficulty.value,
                n=n,
                max_points=float(pts.max()) if n else 0.0,
                facility=float(f.mean()) if n else None,
                sd=float(f.std(ddof=1)) if n > 1 else None,
                discrimination=_corr(x, other),
                efficiency=(cov_other / cov_max) if cov_other is not None and cov_max and not _constant(x) and not _constant(other) else None,
                weight=None,
                upper_lower=ul,
                covariance_total=ct,
                options=_options(results, j, codes, answered, scale, top, bottom),
                prompt=q.prompt,
                respondents=int(answered.sum()),
                random_guess=random_guess_score(q),
                intended_weight=float(share.mean()) if n else None,
                drawn_at_random=drawn,
                canvas=_canvas_item(q, full, pts, codes, answered, scale, top, middle, bottom),
            )
        )
    # Moodle's effective weight: over the fixed questions with a covariance (calculator.php, calculate()).
    roots = sum(math.sqrt(c) for c in cov_total if c is not None and c >= 0)
    for stat, c in zip(items, cov_total):
        if c is not None and c >= 0 and roots > 0:
            stat.weight = math.sqrt(c) / roots
        stat.flags = review_flags(stat)

    earned, available = results.item_sums()
    test = _test_stats(scale, common, maxima, totals[complete], item_var_complete, n_items, dichotomous)
    test.top, test.middle, test.bottom = int(top.sum()), int(middle.sum()), int(bottom.sum())
    return Analysis(
        test=test,
        items=items,
        sections=mastery(results, earned, available, "section"),
        objectives=[(k, v) for k, _, v in mastery(results, earned, available, "objective")],
        totals=scale,
        group_size=test.top,
    )


def _chosen_masks(results: ClassResults, j: int, codes: np.ndarray, answered: np.ndarray) -> list[np.ndarray]:
    labels = option_labels(results.items[j].question)
    codes = codes.astype(np.int32)
    if results.items[j].question.type == "multiple":  # type: ignore[attr-defined]
        return [(codes >= 0) & (((codes >> k) & 1) == 1) & answered for k in range(len(labels))]
    return [(codes == k) & answered for k in range(len(labels))]


def canvas_point_biserial(chosen: np.ndarray, scores: np.ndarray) -> float | None:
    """``Item#point_biserial_for`` (``item_analysis/item.rb``) over the respondents ``scores``.

    (mean of the choosers - mean of the others) / population SD x sqrt(p (1 - p)):
    none when nobody or everybody chose the option, or the SD is 0.
    """
    n = len(scores)
    c = int(chosen.sum())
    if c == 0 or c == n:
        return None
    if _constant(scores):
        return None
    sd = math.sqrt(float(((scores - scores.mean()) ** 2).sum()) / n)
    ratio = c / n
    mean, mean_other = float(scores[chosen].mean()), float(scores[~chosen].mean())
    return (mean - mean_other) / sd * math.sqrt(ratio * (1 - ratio))


def _options(
    results: ClassResults, j: int, codes: np.ndarray, answered: np.ndarray, totals: np.ndarray, top: np.ndarray,
    bottom: np.ndarray,
) -> list[OptionStat]:
    labels = option_labels(results.items[j].question)
    if not labels:
        return []
    n, n_top, n_bottom = int(answered.sum()), int((top & answered).sum()), int((bottom & answered).sum())
    scores = totals[answered]
    out = []
    for (oid, text, correct), chosen in zip(labels, _chosen_masks(results, j, codes, answered)):
        c = int(chosen.sum())
        out.append(
            OptionStat(
                option_id=oid,
                text=text,
                correct=correct,
                chosen=c,
                share=c / n if n else 0.0,
                share_top=float((chosen & top).sum()) / n_top if n_top else 0.0,
                share_bottom=float((chosen & bottom).sum()) / n_bottom if n_bottom else 0.0,
                point_biserial=canvas_point_biserial(chosen[answered], scores),
            )
        )
    return out


def _canvas_item(
    q: QuestionBase, full: np.ndarray, pts: np.ndarray, codes: np.ndarray, answered: np.ndarray, scale: np.ndarray,
    top: np.ndarray, middle: np.ndarray, bottom: np.ndarray,
) -> CanvasItem | None:
    """The Canvas row of a single-choice or true/false question (the types ``Item.allowed_types`` analyses)."""
    if not isinstance(q, (SingleChoice, TrueFalse)):
        return None
    n = int(answered.sum())
    right = answered & (full == 1.0)
    marks = np.where(right, pts, 0.0)[answered]
    # SimpleStats.variance: population variance, 0 for fewer than two values.
    variance = float(((marks - marks.mean()) ** 2).sum() / n) if n >= 2 else 0.0
    labels = option_labels(q)  # true/false: code 0 is False, 1 is True, in option_labels' order
    chosen = [(codes == k) & answered for k in range(len(labels))]
    scores = scale[answered]
    # The right answer first, then the others in their authored order (item.rb: sort_by [-weight, i]).
    ranked = sorted(range(len(labels)), key=lambda k: (not labels[k][2], k))
    correct = int(right.sum())
    return CanvasItem(
        respondents=n,
        top=int((top & answered).sum()),
        middle=int((middle & answered).sum()),
        bottom=int((bottom & answered).sum()),
        correct=correct,
        incorrect=n - correct,
        correct_ratio=correct / n if n else 0.0,
        incorrect_ratio=(n - correct) / n if n else 0.0,
        correct_top=int((top & right).sum()),
        correct_middle=int((middle & right).sum()),
        correct_bottom=int((bottom & right).sum()),
        variance=variance,
        stdev=math.sqrt(variance),
        difficulty_index=correct / n if n else 0.0,
        point_biserials=[(labels[k][0], canvas_point_biserial(chosen[k][answered], scores)) for k in ranked],
    )


def shown(value: float, digits: int = 2) -> float:
    """The value as the report shows it (rounded, and never -0.00), so a flag always agrees with its number."""
    return round(value, digits) + 0.0


def review_flags(s: ItemStat) -> list[str]:
    """Why an item deserves a second look, judged on the values as shown (-0.004 shows as 0.00: not negative)."""
    flags = []
    if s.facility is not None and s.facility > FACILITY_HIGH:
        flags.append(f"very easy (facility {s.facility:.0%} > {FACILITY_HIGH:.0%})")
    if s.facility is not None and s.facility < FACILITY_LOW:
        flags.append(f"very hard (facility {s.facility:.0%} < {FACILITY_LOW:.0%})")
    if s.discrimination is not None:
        d = shown(s.discrimination)
        if d < 0:
            flags.append(f"negative discrimination ({d:.2f}): abler students do worse")
        elif d < DISCRIMINATION_LOW:
            flags.append(f"low discrimination ({d:.2f} < {DISCRIMINATION_LOW})")
    if s.efficiency is not None and s.efficiency < EFFICIENCY_LOW:
        flags.append(f"low discriminative efficiency ({s.efficiency:.0%} < {EFFICIENCY_LOW:.0%})")
    for o in s.options:
        if o.correct:
            continue
        if o.chosen == 0 and s.respondents:
            flags.append(f"distractor '{o.option_id}' chosen by nobody")
        elif o.share_top > o.share_bottom:
            flags.append(
                f"distractor '{o.option_id}' preferred by the top group ({o.share_top:.0%} top vs {o.share_bottom:.0%} bottom)"
            )
    return flags


def _test_stats(
    scale: np.ndarray, common: bool, maxima: np.ndarray, complete_totals: np.ndarray, item_var_sum: float,
    k: int, dichotomous: bool,
) -> TestStat:
    n = len(scale)
    if n == 0:
        return TestStat(0, k, None, "points", None, None, None, None, None, None, 0, False, None, None)
    sd = float(scale.std(ddof=1)) if n > 1 else None
    skew, kurt = moodle_skew_kurt(scale)
    alpha = None
    sem = None
    # Moodle: the coefficient of internal consistency needs s > 2 and more than one question.
    if k > 1 and len(complete_totals) >= MOODLE_MIN_STUDENTS_CIC:
        total_var = float(complete_totals.var(ddof=1))
        if total_var > 0:
            alpha = k / (k - 1) * (1 - item_var_sum / total_var)
    error_ratio = math.sqrt(1 - alpha) if alpha is not None and alpha <= 1 else None
    if error_ratio is not None:
        # In the units alpha was computed on (points of the students given every item), as Moodle reports it.
        sem = error_ratio * float(complete_totals.std(ddof=1))
    return TestStat(
        students=n,
        items=k,
        max_points=float(maxima[0]) if common else None,
        unit="points" if common else "% of each student's maximum",
        mean=float(scale.mean()),
        median=float(np.median(scale)),
        sd=sd,
        skewness=skew,
        kurtosis=kurt,
        alpha=alpha,
        alpha_students=len(complete_totals),
        dichotomous=dichotomous,
        error_ratio=error_ratio,
        sem=sem,
    )


def mastery(
    results: ClassResults, earned: np.ndarray, available: np.ndarray, by: str
) -> list[tuple[str, str, float]]:
    """Per section (bank) or objective: points earned by the class over points available, in percent."""
    got: dict[str, float] = {}
    top: dict[str, float] = {}
    titles: dict[str, str] = {}
    for j, it in enumerate(results.items):
        key = it.section if by == "section" else it.objective
        titles.setdefault(key, it.bank.title if by == "section" else key)
        got[key] = got.get(key, 0.0) + float(earned[j])
        top[key] = top.get(key, 0.0) + float(available[j])
    return [(k, titles[k], 100 * got[k] / top[k] if top[k] else 0.0) for k in got]
