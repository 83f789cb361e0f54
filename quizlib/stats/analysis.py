"""The numbers of an item analysis, as Moodle's quiz statistics report and Canvas's item analysis define them.

Everything is computed from :class:`~quizlib.grade.classbook.ClassResults`
(rows: students, columns: items). Scores are in points; an item a student was
not given (another form) is left out of that item's figures, never counted as
zero. Variances and covariances divide by n - 1, as Moodle's do.

Each figure's definition is in :data:`DEFINITIONS`, which the HTML report and
the instructor guide print next to the numbers; ``tests/test_stats_analysis.py``
recomputes every one independently (scipy / plain numpy) on hand-made data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..grade.classbook import ClassResults
from ..grade.compiled import option_labels

#: Share of the class in each of the upper and lower groups (Kelley's 27%, as Canvas uses).
GROUP_SHARE = 0.27

#: Review thresholds from the issue; facility and discrimination as fractions, efficiency as a fraction too.
FACILITY_HIGH = 0.9
FACILITY_LOW = 0.2
DISCRIMINATION_LOW = 0.2
EFFICIENCY_LOW = 0.15

DEFINITIONS: dict[str, str] = {
    "facility": "Facility index (Moodle): mean score on the item divided by its maximum; 1 means everyone got full marks.",
    "sd": "Standard deviation (Moodle): spread of the item's scores, as a fraction of its maximum (n - 1 divisor).",
    "discrimination": (
        "Discrimination index (Moodle): correlation between the item's score and the rest of the test "
        "(each student's total minus this item), from -1 to 1."
    ),
    "efficiency": (
        "Discriminative efficiency (Moodle): covariance of the item with the rest of the test divided by the largest "
        "covariance the two lists of scores allow (both sorted, paired by rank); 100% is the most this item could discriminate."
    ),
    "weight": (
        "Effective weight (Moodle): square root of the item's covariance with the total score, over the sum of these "
        "roots for all items; the item's real share of the spread of totals. Blank when the covariance is negative."
    ),
    "upper_lower": (
        "Upper-lower index (Canvas, Kelley): mean fraction of the item earned by the top 27% of students by total score "
        "minus that of the bottom 27%."
    ),
    "option_share": "Chosen by: share of the students given the item who chose the option (overall, top 27%, bottom 27%).",
    "point_biserial": (
        "Point-biserial (Canvas): correlation between choosing the option (1 or 0) and the total score. "
        "Positive for the right answer, negative for a working distractor."
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
        "totals), on the students given every item. Equals KR-20 when every item is scored right or wrong."
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
    share: float
    share_top: float
    share_bottom: float
    point_biserial: float | None


@dataclass
class ItemStat:
    index: int
    gid: str
    qtype: str
    section: str
    objective: str
    difficulty: str
    n: int
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


@dataclass
class Analysis:
    test: TestStat
    items: list[ItemStat]
    sections: list[tuple[str, str, float]]
    """(bank id, title, mean percent earned)."""
    objectives: list[tuple[str, float]]
    totals: np.ndarray
    group_size: int


# Sums of products rather than np.dot: a BLAS call per small vector costs more than it saves,
# and on a busy machine its threads make it far slower.

def _cov(a: np.ndarray, b: np.ndarray) -> float | None:
    n = len(a)
    if n < 2:
        return None
    return float(((a - a.mean()) * (b - b.mean())).sum() / (n - 1))


def _corr(a: np.ndarray, b: np.ndarray) -> float | None:
    if len(a) < 2:
        return None
    da, db = a - a.mean(), b - b.mean()
    denom = math.sqrt(float((da * da).sum()) * float((db * db).sum()))
    return float((da * db).sum() / denom) if denom > 1e-12 else None


def upper_lower_groups(totals: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Boolean masks of the top and bottom 27% by total (ties broken by order in the file)."""
    n = len(totals)
    size = max(1, int(round(GROUP_SHARE * n))) if n else 0
    order = np.argsort(totals, kind="stable")
    bottom = np.zeros(n, dtype=bool)
    top = np.zeros(n, dtype=bool)
    bottom[order[:size]] = True
    top[order[::-1][:size]] = True  # highest first; within ties, later rows first
    return top, bottom, size


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


def analyse(results: ClassResults) -> Analysis:
    """All the figures, one item column at a time: memory stays a few vectors per student, not a matrix copy."""
    n_students, n_items = results.slots.shape
    totals, maxima = results.totals()
    common = bool(n_students) and bool(np.all(maxima == maxima[0]))
    scale = totals if common else np.divide(100 * totals, maxima, out=np.zeros_like(totals), where=maxima > 0)
    top, bottom, size = upper_lower_groups(scale)
    complete = np.all(results.slots != 0, axis=1)
    item_var_complete = 0.0
    dichotomous = True

    items: list[ItemStat] = []
    cov_total: list[float | None] = []
    for j, it in enumerate(results.items):
        pts = results.points_of(j)
        m = pts > 0
        f = results.fraction_of(j)[m].astype(np.float64)
        x = f * pts[m]
        t = totals[m]
        rest = t - x
        n = int(m.sum())
        dichotomous = dichotomous and bool(np.all((f == 0) | (f == 1)))
        xc = results.fraction_of(j)[complete].astype(np.float64) * pts[complete]
        if len(xc) > 1:
            item_var_complete += float(xc.var(ddof=1))
        cov_rest = _cov(x, rest)
        cov_max = _cov(np.sort(x), np.sort(rest))
        ct = _cov(x, t)
        cov_total.append(ct)
        full = results.fraction_of(j)
        top_j, bottom_j = top & m, bottom & m
        ul = float(full[top_j].mean() - full[bottom_j].mean()) if top_j.any() and bottom_j.any() else None
        items.append(
            ItemStat(
                index=j,
                gid=it.gid,
                qtype=it.question.type,  # type: ignore[attr-defined]
                section=it.section,
                objective=it.objective,
                difficulty=it.question.difficulty.value,
                n=n,
                max_points=float(pts.max()) if n else 0.0,
                facility=float(f.mean()) if n else None,
                sd=float(f.std(ddof=1)) if n > 1 else None,
                discrimination=_corr(x, rest),
                efficiency=(cov_rest / cov_max) if cov_rest is not None and cov_max and abs(cov_max) > 1e-12 else None,
                weight=None,
                upper_lower=ul,
                covariance_total=ct,
                options=_options(results, j, results.codes_of(j), m, scale, top, bottom),
            )
        )
    roots = sum(math.sqrt(c) for c in cov_total if c is not None and c >= 0)
    for stat, c in zip(items, cov_total):
        if c is not None and c >= 0 and roots > 0:
            stat.weight = math.sqrt(c) / roots
        stat.flags = review_flags(stat)

    earned, available = results.item_sums()
    return Analysis(
        test=_test_stats(scale, common, maxima, totals[complete], item_var_complete, n_items, dichotomous),
        items=items,
        sections=mastery(results, earned, available, "section"),
        objectives=[(k, v) for k, _, v in mastery(results, earned, available, "objective")],
        totals=scale,
        group_size=size,
    )


def _options(
    results: ClassResults, j: int, codes: np.ndarray, m: np.ndarray, totals: np.ndarray, top: np.ndarray,
    bottom: np.ndarray,
) -> list[OptionStat]:
    labels = option_labels(results.items[j].question)
    if not labels:
        return []
    codes = codes.astype(np.int32)
    multiple = results.items[j].question.type == "multiple"  # type: ignore[attr-defined]
    n, n_top, n_bottom = int(m.sum()), int((top & m).sum()), int((bottom & m).sum())
    out = []
    for k, (oid, text, correct) in enumerate(labels):
        if multiple:
            chosen = (codes >= 0) & (((codes >> k) & 1) == 1)
        else:
            chosen = codes == k
        chosen &= m
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
                point_biserial=_corr(chosen[m].astype(np.float64), totals[m]),
            )
        )
    return out


def review_flags(s: ItemStat) -> list[str]:
    """Why an item deserves a second look; thresholds as the issue sets them."""
    flags = []
    if s.facility is not None and s.facility > FACILITY_HIGH:
        flags.append(f"very easy (facility {s.facility:.0%} > {FACILITY_HIGH:.0%})")
    if s.facility is not None and s.facility < FACILITY_LOW:
        flags.append(f"very hard (facility {s.facility:.0%} < {FACILITY_LOW:.0%})")
    if s.discrimination is not None and s.discrimination < 0:
        flags.append(f"negative discrimination ({s.discrimination:.2f}): abler students do worse")
    elif s.discrimination is not None and s.discrimination < DISCRIMINATION_LOW:
        flags.append(f"low discrimination ({s.discrimination:.2f} < {DISCRIMINATION_LOW})")
    if s.efficiency is not None and s.efficiency < EFFICIENCY_LOW:
        flags.append(f"low discriminative efficiency ({s.efficiency:.0%} < {EFFICIENCY_LOW:.0%})")
    for o in s.options:
        if o.correct:
            continue
        if o.chosen == 0 and s.n:
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
    if k > 1 and len(complete_totals) > 1:
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
