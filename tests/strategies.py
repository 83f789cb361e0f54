"""Hypothesis strategies for valid banks and arbitrary student input."""

from __future__ import annotations

import string

from hypothesis import strategies as st

ids = st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=8)
texts = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")),
    min_size=1,
    max_size=30,
).map(str.strip).filter(bool)

#: Anything JSON can carry, nested: what a hostile or broken client might send.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=50),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=20,
)


def _unique_texts(n_min: int, n_max: int):
    return st.lists(texts, min_size=n_min, max_size=n_max, unique_by=lambda t: t.casefold())


def _common(draw, qtype: str, qid: str) -> dict:
    return {
        "id": qid,
        "type": qtype,
        "prompt": draw(texts),
        "explanation": draw(texts),
        "source": "sec",
        "objective": "O1",
        "difficulty": draw(st.sampled_from(["easy", "medium", "hard"])),
        "points": draw(st.sampled_from([1, 2, 0.5, 3])),
    }


@st.composite
def question_dicts(draw, qid: str = "q"):
    qtype = draw(st.sampled_from(["single", "multiple", "true_false", "short", "numeric", "matching", "ordering"]))
    q = _common(draw, qtype, qid)
    if qtype == "single":
        opts = draw(_unique_texts(2, 8))
        right = draw(st.integers(0, len(opts) - 1))
        q["options"] = [{"text": t, "correct": i == right, "feedback": f"fb {i}"} for i, t in enumerate(opts)]
        q["shuffle"] = draw(st.booleans())
    elif qtype == "multiple":
        opts = draw(_unique_texts(2, 10))
        flags = draw(st.lists(st.booleans(), min_size=len(opts), max_size=len(opts)).filter(any))
        q["options"] = [{"text": t, "correct": f} for t, f in zip(opts, flags)]
        q["scoring"] = draw(st.sampled_from(["partial", "all_or_nothing"]))
    elif qtype == "true_false":
        q["answer"] = draw(st.booleans())
        q["feedback_true"] = "t"
    elif qtype == "short":
        q["answers"] = [{"text": draw(texts)}, {"regex": "ab+c", "credit": 0.5}]
    elif qtype == "numeric":
        q["answer"] = draw(st.floats(-1e6, 1e6, allow_nan=False))
        q["tolerance"] = draw(st.floats(0, 10, allow_nan=False))
        q["tolerance_mode"] = draw(st.sampled_from(["absolute", "relative"]))
    elif qtype == "matching":
        lefts = draw(_unique_texts(2, 6))
        rights = draw(_unique_texts(len(lefts), len(lefts)))
        q["pairs"] = [{"left": l, "right": r} for l, r in zip(lefts, rights)]
    else:
        q["items"] = draw(_unique_texts(2, 6))
        q["scoring"] = draw(st.sampled_from(["pairs", "all_or_nothing"]))
    return q


@st.composite
def bank_dicts(draw):
    n = draw(st.integers(1, 6))
    return {
        "schema_version": 1,
        "page": "ch/sec",
        "title": draw(texts),
        "objectives": [{"id": "O1", "text": draw(texts)}],
        "questions": [draw(question_dicts(qid=f"q{i}")) for i in range(n)],
    }
