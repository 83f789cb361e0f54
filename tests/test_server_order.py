"""The order a student is shown must not give the key away.

Found by testing the running service: a 2-item ordering and a 2-pair matching were
shown in key order 0 times out of 600 (so the answer was always "reverse it"), and a
3-item ordering was solved by undoing one rotation 34.5% of the time (chance: 1/6).

The rule now: an ordering question's items are shown in an order drawn uniformly from
every order *except the key* (an untouched ordering is an answer, so it must never be
the right one); a matching question's left items and right choices are each shuffled
uniformly and independently, key alignment included (an untouched matching is
unanswered, so excluding the key would only leak it). An ordering of two items cannot
be shown fairly at all and is refused at publication.

The statistics are deterministic: forms come from sha256 of (quiz, student, question),
and the student ids are fixed, so each chi-square p-value below is a fixed number, not
a coin toss. They run on the service's own form builder for 6000 students, and on the
running service (SQLite and PostgreSQL) for 120.
"""

from __future__ import annotations

from collections import Counter
from itertools import permutations
from pathlib import Path

import pytest
from scipy.stats import chisquare

from quizlib.loader import load_bank
from quizlib.server.quizzes import content_hash, load_content, snapshot
from quizlib.server.student_forms import build_form, id_map
from tests.fixtures.server.harness import Service, service  # noqa: F401

ORDER_BANK = Path(__file__).resolve().parent / "fixtures" / "server" / "order-bank.yml"
P_MIN = 0.001  # a uniform draw fails this about 1 time in 1000; the draws are fixed, so it never flakes


def uniform(counts: Counter, support: list) -> float:
    """Chi-square p-value of ``counts`` against the uniform distribution on ``support``."""
    assert set(counts) <= set(support), f"outside the support: {set(counts) - set(support)}"
    return float(chisquare([counts.get(s, 0) for s in support]).pvalue)


def not_key(items: list[str]) -> list[tuple[str, ...]]:
    return [p for p in permutations(items) if list(p) != items]


def shown_orders(n: int) -> dict[str, Counter]:
    """What 6000 students are shown, from the service's form builder (the code behind every attempt)."""
    content = snapshot([load_bank(ORDER_BANK)])
    parsed = load_content(content, content_hash(content))
    counts: dict[str, Counter] = {k: Counter() for k in ("ord3", "ord4", "m2-left", "m2-aligned", "m3-left",
                                                          "m3-right", "m3-joint", "rotation-attack")}
    for i in range(n):
        form = build_form("exam", f"student-{i:05d}", parsed, shuffle_questions=True)
        for fq in form.questions:
            q = parsed.questions[fq.qid].question
            ids = id_map(fq, q)
            name = fq.qid.rsplit("/", 1)[1]
            if name in ("ord3", "ord4"):
                shown = tuple(ids.items.values())
                counts[name][shown] += 1
                if name == "ord3":  # the attack: assume the key is the shown order rotated back by one
                    counts["rotation-attack"][list(shown[-1:] + shown[:-1]) == ["i1", "i2", "i3"]] += 1
            else:
                lefts, rights = tuple(ids.lefts.values()), tuple(ids.rights.values())
                if name == "match2":
                    counts["m2-left"][lefts] += 1
                    counts["m2-aligned"][rights[:2] == lefts] += 1
                else:
                    counts["m3-left"][lefts] += 1
                    counts["m3-right"][rights] += 1
                    counts["m3-joint"][(lefts, rights)] += 1
    return counts


@pytest.fixture(scope="module")
def orders() -> dict[str, Counter]:
    return shown_orders(6000)


def test_ordering_is_uniform_over_every_order_but_the_key(orders: dict[str, Counter]) -> None:
    for name, items in (("ord3", ["i1", "i2", "i3"]), ("ord4", ["i1", "i2", "i3", "i4"])):
        assert orders[name][tuple(items)] == 0, f"{name} shown in key order"
        p = uniform(orders[name], not_key(items))
        assert p > P_MIN, f"{name}: shown orders are not uniform over the {len(not_key(items))} non-key orders (p={p:.2g})"
    # Undoing one rotation now works as often as any other guess among the five allowed orders (1/5).
    hits = orders["rotation-attack"][True] / 6000
    assert abs(hits - 1 / 5) < 0.02, hits


def test_matching_shuffles_both_columns_independently(orders: dict[str, Counter]) -> None:
    pairs2, pairs3, rights3 = ["p1", "p2"], ["p1", "p2", "p3"], ["p1", "p2", "p3", "d1"]
    assert uniform(orders["m2-left"], list(permutations(pairs2))) > P_MIN
    # Two pairs: the right column lines up with the left (the key) about half the time, as chance says.
    assert uniform(orders["m2-aligned"], [True, False]) > P_MIN
    assert uniform(orders["m3-left"], list(permutations(pairs3))) > P_MIN
    assert uniform(orders["m3-right"], list(permutations(rights3))) > P_MIN
    joint = [(l, r) for l in permutations(pairs3) for r in permutations(rights3)]
    assert uniform(orders["m3-joint"], joint) > P_MIN  # left and right orders are independent


def test_the_running_service_shows_orders_without_the_key(service: Service) -> None:
    students = [f"s{i:03d}" for i in range(90)]
    service.roster(*students)
    service.publish("orders", bank=ORDER_BANK)
    seen: dict[str, Counter] = {"ord3": Counter(), "m2-aligned": Counter(), "m2-left": Counter()}
    for sid in students:
        attempt = service.start(sid, "orders")
        for q in attempt["questions"]:
            if q["prompt_html"] == "<p>Order three things.</p>":
                seen["ord3"][tuple(i["html"] for i in q["items"])] += 1
            elif q["prompt_html"] == "<p>Match two pairs.</p>":
                lefts = [l["html"] for l in q["left"]]
                rights = [r["html"] for r in q["right"]]
                seen["m2-left"][tuple(lefts)] += 1
                seen["m2-aligned"][[r.replace("Right", "Left") for r in rights] == lefts] += 1
    key = ("First", "Second", "Third")
    assert seen["ord3"][key] == 0
    assert uniform(seen["ord3"], not_key(list(key))) > P_MIN
    assert uniform(seen["m2-aligned"], [True, False]) > P_MIN
    assert uniform(seen["m2-left"], [("Left A", "Left B"), ("Left B", "Left A")]) > P_MIN


def test_an_ordering_of_two_items_is_refused_at_publication(service: Service) -> None:
    text = ORDER_BANK.read_text(encoding="utf-8").replace("items: [First, Second, Third]", "items: [First, Second]")
    r = service.client.post("/api/v1/instructor/quizzes", json={"id": "two", "banks": [text]},
                            headers=service.instructor())
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "unfair_question" and "ord3" in error["message"] and "2 items" in error["message"]
