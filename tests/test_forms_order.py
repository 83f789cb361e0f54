"""Printed forms must not give the key away by the order they show (issue 12, on paper).

The service's shown order was fixed and tested (tests/test_server_order.py), but printed
forms kept an older shuffle: the right-hand choices of a matching question were redrawn
until they did not line up with the lefts, so a 2-pair matching always printed its
choices reversed (the key is then "B, A" on every form), and an ordering that came out
in key order was reshuffled a bounded number of times, which over-weights some orders.
The rule on paper is the service's: an ordering's items in an order drawn uniformly from
every order except the key; a matching's choices shuffled uniformly (a blank matching is
unanswered, so the aligned layout is as fair as any other), whatever the bank's
``shuffle`` says, since unshuffled the key reads down the page.

The forms come from sha256 of (exam, form key, question), and the keys are fixed, so
each chi-square p-value is a fixed number: these tests never flake.
"""

from __future__ import annotations

from collections import Counter
from itertools import permutations
from pathlib import Path

import pytest
from scipy.stats import chisquare

from quizlib.forms import form_question
from quizlib.loader import load_bank

ORDER_BANK = Path(__file__).resolve().parent / "fixtures" / "server" / "order-bank.yml"
FORMS = 6000
P_MIN = 0.001


def uniform(counts: Counter, support: list) -> float:
    assert set(counts) <= set(support), f"outside the support: {set(counts) - set(support)}"
    return float(chisquare([counts.get(s, 0) for s in support]).pvalue)


@pytest.fixture(scope="module")
def printed() -> dict[str, Counter]:
    bank = load_bank(ORDER_BANK)
    counts: dict[str, Counter] = {name: Counter() for name in ("ord3", "ord4", "match2", "match3", "rotation")}
    for name in counts:
        if name == "rotation":
            continue
        q = bank.question(name)
        for i in range(FORMS):
            for shuffle_options in (True, False) if name.startswith("match") else (True,):
                fq = form_question("exam", f"v{i:05d}", 1, f"g/{name}", q, 1, shuffle_options=shuffle_options)
                shown = tuple(fq.item_order if name.startswith("ord") else fq.right_order)
                counts[name][shown] += 1
                if name == "ord3":  # the attack: the key is the shown order rotated back by one
                    counts["rotation"][list(shown[-1:] + shown[:-1]) == [i.id for i in q.items]] += 1
    return counts


def test_printed_orderings_are_uniform_over_every_order_but_the_key(printed):
    bank = load_bank(ORDER_BANK)
    for name in ("ord3", "ord4"):
        key = tuple(i.id for i in bank.question(name).items)
        support = [p for p in permutations(key) if p != key]
        assert key not in printed[name]
        assert uniform(printed[name], support) > P_MIN, printed[name]
    # Undoing one rotation is right 1 time in 5 (chance among the orders shown), not more.
    assert abs(printed["rotation"][True] / FORMS - 1 / 5) < 0.02, printed["rotation"]


def test_printed_matching_choices_are_uniform_so_no_layout_is_the_key(printed):
    bank = load_bank(ORDER_BANK)
    for name in ("match2", "match3"):
        rights = [rid for rid, _ in bank.question(name).right_choices()]
        support = list(permutations(rights))
        assert uniform(printed[name], support) > P_MIN, printed[name]
    # The 2-pair case the old shuffle gave away: aligned and reversed are equally likely.
    aligned = printed["match2"][tuple(rid for rid, _ in bank.question("match2").right_choices())]
    assert abs(aligned / (2 * FORMS) - 1 / 2) < 0.02, aligned
