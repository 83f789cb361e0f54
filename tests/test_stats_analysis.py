"""Item analysis figures checked against an independent computation (scipy, plain numpy) and known cases."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from bs4 import BeautifulSoup
from scipy import stats as sps

from quizlib.grade.classbook import ClassResults
from quizlib.grade.course import Course
from quizlib.grade.run import grade_files
from quizlib.grading import grade
from quizlib.stats import analyse
from quizlib.stats.analysis import DEFINITIONS, upper_lower_groups
from quizlib.stats.report import stats_html

# A hand-made class of 12 on five questions of the fixture bank (multi-aon is worth 2 points).
QUESTIONS = ["single-1", "multi-1", "multi-aon", "tf-1", "short-1"]
CLASS = [
    ("s01", "b", ["a", "b", "d"], ["nato", "un"], False, "Malabar"),
    ("s02", "b", ["a", "b"], ["nato", "un"], False, "malabar exercise"),
    ("s03", "b", ["a", "b", "d"], ["nato"], False, "Malabr"),
    ("s04", "a", ["a", "b", "d"], ["nato", "un"], True, "Malabar"),
    ("s05", "b", ["a", "c"], ["nato", "un", "eu"], False, "RIMPAC"),
    ("s06", "c", ["b", "d"], ["un"], False, "Malabar"),
    ("s07", "a", ["a"], ["nato", "un"], True, "Malabr"),
    ("s08", "b", ["c"], [], True, "nope"),
    ("s09", "a", ["a", "b", "c", "d"], ["eu"], False, ""),
    ("s10", "c", [], ["nato", "un"], True, "Malabr"),
    ("s11", "a", ["d"], ["nato", "eu"], True, "Malabar"),
    ("s12", "b", ["b", "c"], ["un", "eu"], False, "malabar naval exercise"),
]


@pytest.fixture(scope="module")
def handmade(fixture_bank, tmp_path_factory):
    path = tmp_path_factory.mktemp("stats") / "class.jsonl"
    with open(path, "w") as fh:
        for sid, *answers in CLASS:
            fh.write(json.dumps({"student": sid, "bank": fixture_bank.id,
                                 "answers": {q: a for q, a in zip(QUESTIONS, answers)}}) + "\n")
    course = Course([fixture_bank])
    results, _ = grade_files([path], course)
    # Keep only the five questions answered (the others are unanswered by everyone).
    keep = [it.index for it in results.items if it.question.id in QUESTIONS]
    sub = results.subset(keep)
    # The independent side: a score matrix built answer by answer with grade().
    X = np.array([[grade(fixture_bank.question(q), a).score for q, a in zip(QUESTIONS, answers)]
                  for _, *answers in CLASS])
    return analyse(sub), X


def test_item_figures_match_scipy(handmade, fixture_bank):
    a, X = handmade
    T = X.sum(axis=1)
    maxima = np.array([fixture_bank.question(q).points for q in QUESTIONS])
    roots = []
    for j, s in enumerate(a.items):
        x = X[:, j]
        rest = T - x
        assert s.n == 12
        assert s.facility == pytest.approx(x.mean() / maxima[j])
        assert s.sd == pytest.approx(np.std(x / maxima[j], ddof=1))
        assert s.discrimination == pytest.approx(sps.pearsonr(x, rest).statistic)
        cov = np.cov(x, rest)[0, 1]
        cov_max = np.cov(np.sort(x), np.sort(rest))[0, 1]
        assert s.efficiency == pytest.approx(cov / cov_max)
        roots.append(math.sqrt(max(np.cov(x, T)[0, 1], 0)))
    for s, r in zip(a.items, roots):
        assert s.weight == pytest.approx(r / sum(roots))
    assert sum(s.weight for s in a.items) == pytest.approx(1.0)


def test_upper_lower_index_and_options_match_an_independent_count(handmade):
    a, X = handmade
    T = X.sum(axis=1)
    assert len(set(T)) == len(T)  # distinct totals: the 27% groups are unambiguous
    order = np.argsort(T)
    size = round(0.27 * len(T))
    bottom, top = order[:size], order[-size:]
    assert a.group_size == size == 3
    fractions = X / X.max(axis=0, initial=1)
    single = a.items[0]
    assert single.upper_lower == pytest.approx(fractions[top, 0].mean() - fractions[bottom, 0].mean())
    chosen_single = [answers[0] for _, *answers in CLASS]
    for o in single.options:
        ind = np.array([c == o.option_id for c in chosen_single], dtype=float)
        assert o.chosen == int(ind.sum()) and o.share == pytest.approx(ind.mean())
        assert o.share_top == pytest.approx(ind[top].mean()) and o.share_bottom == pytest.approx(ind[bottom].mean())
        assert o.point_biserial == pytest.approx(sps.pointbiserialr(ind, T).statistic)
    multi = a.items[1]
    # Canvas counts respondents only: s10 left multi-1 blank (an empty list), so the figures are over 11.
    answered = np.array([bool(answers[1]) for _, *answers in CLASS])
    assert multi.respondents == 11 and multi.n == 12
    chosen_multi = [set(answers[1]) for _, *answers in CLASS]
    for o in multi.options:
        ind = np.array([o.option_id in c for c in chosen_multi], dtype=float)
        assert o.chosen == int(ind.sum()) and o.share == pytest.approx(ind.sum() / 11)
        # Canvas's formula over respondents is the Pearson correlation of choosing with the total.
        assert o.point_biserial == pytest.approx(sps.pointbiserialr(ind[answered], T[answered]).statistic)
    tf = a.items[3]
    assert [o.chosen for o in tf.options] == [
        sum(1 for _, *ans in CLASS if ans[3] is False), sum(1 for _, *ans in CLASS if ans[3] is True)
    ]


def test_test_figures_match_scipy(handmade):
    a, X = handmade
    T = X.sum(axis=1)
    t = a.test
    assert (t.students, t.items, t.max_points) == (12, 5, 6.0)
    assert t.mean == pytest.approx(T.mean()) and t.median == pytest.approx(np.median(T))
    assert t.sd == pytest.approx(T.std(ddof=1))
    assert t.skewness == pytest.approx(sps.skew(T, bias=False))
    assert t.kurtosis == pytest.approx(sps.kurtosis(T, bias=False))
    C = np.cov(X.T)  # alpha from the covariance matrix: k/(k-1) (1 - trace / sum of all entries)
    alpha = 5 / 4 * (1 - np.trace(C) / C.sum())
    assert t.alpha == pytest.approx(alpha) and not t.dichotomous
    assert t.error_ratio == pytest.approx(math.sqrt(1 - alpha))
    assert t.sem == pytest.approx(T.std(ddof=1) * math.sqrt(1 - alpha))


def _results_from(X: np.ndarray, fixture_bank) -> ClassResults:
    """A ClassResults over right/wrong items of the fixture (true/false), for known-statistics cases."""
    course = Course([fixture_bank])
    tf = fixture_bank.question("tf-1")
    items = [course.item(fixture_bank, tf)]
    n, k = X.shape
    for j in range(1, k):  # the same question under new ids, so each column is its own item
        clone = tf.model_copy(update={"id": f"tf-{j}"})
        items.append(course.item(fixture_bank, clone))
    codes = np.where(X > 0, 0, 1).astype(np.int16)  # answer is False: choosing False (code 0) is right
    return ClassResults.from_arrays([f"s{i}" for i in range(n)], items, X, np.ones((n, k), np.float32), codes)


def test_kr20_for_dichotomous_items_and_known_extremes(fixture_bank):
    rng = np.random.default_rng(3)
    ability = rng.normal(size=400)
    X = (ability[:, None] + rng.normal(size=(400, 8)) > np.linspace(-1, 1, 8)).astype(float)
    t = analyse(_results_from(X, fixture_bank)).test
    p = X.mean(axis=0)
    kr20 = 8 / 7 * (1 - (p * (1 - p)).sum() / X.sum(axis=1).var())  # population variances throughout
    assert t.dichotomous and t.alpha == pytest.approx(kr20)

    # Identical items: perfectly consistent, no measurement error, every item discriminates perfectly.
    col = (ability > 0).astype(float)
    same = analyse(_results_from(np.repeat(col[:, None], 5, axis=1), fixture_bank))
    assert same.test.alpha == pytest.approx(1.0) and same.test.sem == pytest.approx(0.0, abs=1e-6)
    assert all(s.discrimination == pytest.approx(1.0) for s in same.items)
    assert all(s.efficiency == pytest.approx(1.0) for s in same.items)

    # Independent coin flips: no internal consistency, no discrimination.
    coins = (np.random.default_rng(4).random((20000, 6)) < 0.5).astype(float)
    flips = analyse(_results_from(coins, fixture_bank))
    assert abs(flips.test.alpha) < 0.05
    assert all(abs(s.discrimination) < 0.05 for s in flips.items)
    assert all(abs(s.facility - 0.5) < 0.02 for s in flips.items)


def test_review_flags(fixture_bank):
    rng = np.random.default_rng(5)
    ability = rng.normal(size=300)
    good = (ability[:, None] + rng.normal(size=(300, 5)) > 0).astype(float)
    easy = np.ones(300)                                   # everyone right
    reversed_item = (ability < 0).astype(float)            # abler students get it wrong
    X = np.column_stack([good, easy, reversed_item])
    a = analyse(_results_from(X, fixture_bank))
    flags = {s.gid.rsplit("/", 1)[1]: s.flags for s in a.items}
    assert any("very easy" in f for f in flags["tf-5"])
    assert any("distractor 'true' chosen by nobody" in f for f in flags["tf-5"])
    assert a.items[5].discrimination is None  # no variance, no correlation
    assert any("negative discrimination" in f for f in flags["tf-6"])
    assert any("distractor 'true' preferred by the top group" in f for f in flags["tf-6"])
    assert any("low discriminative efficiency" in f for f in flags["tf-6"])
    assert all(not f for name, f in flags.items() if name in ("tf-1", "tf-2", "tf-3", "tf-4"))


def test_groups_take_27_percent_from_each_end():
    totals = np.array([5, 1, 9, 3, 7, 2, 8, 4, 6, 0.0])
    top, bottom, size = upper_lower_groups(totals)
    assert size == 3
    assert set(np.flatnonzero(top)) == {2, 6, 4} and set(np.flatnonzero(bottom)) == {9, 1, 5}


def test_stats_report_labels_every_figure(handmade):
    a, _ = handmade
    soup = BeautifulSoup(stats_html(a), "html.parser")
    text = soup.get_text()
    for definition in DEFINITIONS.values():
        assert definition in text
    assert len(soup.find_all("img")) == 3
    assert {th.get_text() for th in soup.find_all("th")} >= {"Facility", "Discrimination", "Point-biserial", "Skewness"}


def test_stats_report_lists_flagged_questions_first_with_their_prompts(handmade, fixture_bank):
    a, _ = handmade
    soup = BeautifulSoup(stats_html(a), "html.parser")
    table = soup.find("h2", id="items").find_next("table")
    rows = table.find("tbody").find_all("tr")
    flagged = ["flagged" in (tr.get("class") or []) for tr in rows]
    assert any(flagged) and not all(flagged)
    assert flagged == sorted(flagged, reverse=True)  # every flagged row before every other row
    first = rows[0].find("td")
    gid = first.find("code").get_text()
    prompt = fixture_bank.question(gid.rsplit("/", 1)[1]).prompt
    assert " ".join(prompt.replace("*", "").split()) in " ".join(first.get_text().split())


def test_machine_files_carry_every_figure_at_full_precision(handmade, tmp_path):
    import csv as csv_module

    from quizlib.stats.report import write_machine_files

    a, _ = handmade
    items_csv, options_csv, test_json = write_machine_files(tmp_path, a)
    with open(options_csv, newline="") as fh:
        options = list(csv_module.DictReader(fh))
    expected = [(s.gid, o) for s in a.items for o in s.options]
    assert len(options) == len(expected)
    for row, (gid, o) in zip(options, expected):
        assert (row["question"], row["option"]) == (gid, o.option_id)
        assert float(row["share"]) == o.share and int(row["chosen"]) == o.chosen
        assert (row["point_biserial"] == "") == (o.point_biserial is None)
        if o.point_biserial is not None:
            assert float(row["point_biserial"]) == o.point_biserial  # reads back bit for bit
    test = json.loads(test_json.read_text())["test"]
    assert test["alpha"] == a.test.alpha and test["sd"] == a.test.sd and test["kurtosis"] == a.test.kurtosis
    assert test["students"] == 12 and test["top"] + test["middle"] + test["bottom"] == 12
    with open(items_csv, newline="") as fh:
        items = list(csv_module.DictReader(fh))
    assert [float(r["discrimination"]) for r in items] == [s.discrimination for s in a.items]
    assert [r["random_guess"] for r in items][0] == repr(1 / 3)  # single-1 has three options
