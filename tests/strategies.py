"""Hypothesis strategies for valid banks and arbitrary student input."""

from __future__ import annotations

import re
import string

from hypothesis import strategies as st

from quizlib.models import PLACEHOLDER

def _authored(text: str) -> bool:
    """Non-empty and not `quizlib import`'s placeholder, which the models reject on purpose."""
    return bool(text) and text != PLACEHOLDER


ids = st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=8)
texts = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")),
    min_size=1,
    max_size=30,
).map(str.strip).filter(_authored)

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


# -- texts an LMS export must carry: GIFT's specials, backslashes, Markdown, HTML, Unicode ------------

#: Characters each format treats specially, plus Markdown and HTML syntax and a few scripts.
_SPECIALS = "~=#{}:\\*_`<>&[]()!|-+.$%/'\"\n"
lms_texts = st.lists(
    st.one_of(
        st.sampled_from(list(_SPECIALS) + ["é", "ß", "Ω", "中", "ع", "🙂", " ", "  ", "\\n", "->", "####", "//"]),
        st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Cn", "Zl", "Zp", "Co")),
    ),
    min_size=1,
    max_size=16,
).map("".join).map(str.strip).filter(lambda t: _authored(t) and "\n\n" not in t and _shows_text(t))


def _shown(markdown: str) -> str:
    """What an inline text shows, for telling options apart ('\\~' and '~' both show '~')."""
    from quizlib.markdown import render_inline

    return " ".join(re.sub(r"<[^>]+>", "", render_inline(markdown)).split()).casefold()


def _shows_text(markdown: str) -> bool:
    """A text whose Markdown renders to something visible (a lone '-' is an empty list: no question)."""
    from quizlib.markdown import render_block

    return bool(re.sub(r"<[^>]+>", "", render_block(markdown)).strip())


@st.composite
def lms_bank_dicts(draw):
    """A valid bank of 1..4 questions of any type whose texts are :data:`lms_texts`."""
    n = draw(st.integers(1, 4))
    questions = []
    for i in range(n):
        q = draw(question_dicts(qid=f"q{i}"))
        q["prompt"] = draw(lms_texts)
        q["explanation"] = draw(lms_texts)
        if q["type"] in ("single", "multiple"):
            texts = draw(st.lists(lms_texts, min_size=len(q["options"]), max_size=len(q["options"]),
                                  unique_by=_shown))
            for o, t in zip(q["options"], texts):
                o["text"] = t
                if draw(st.booleans()):
                    o["feedback"] = draw(lms_texts)
        elif q["type"] == "true_false":
            q["feedback_true"] = draw(lms_texts)
            if draw(st.booleans()):
                q["feedback_false"] = draw(lms_texts)
        elif q["type"] == "short":
            q["answers"] = [{"text": draw(lms_texts), "feedback": draw(lms_texts)},
                            {"text": draw(lms_texts), "credit": 0, "feedback": draw(lms_texts)}]
            if q["answers"][0]["text"].casefold() == q["answers"][1]["text"].casefold():
                q["answers"].pop()
        elif q["type"] == "matching":
            n_pairs = len(q["pairs"])
            texts = draw(st.lists(lms_texts, min_size=2 * n_pairs + 1, max_size=2 * n_pairs + 1,
                                  unique_by=_shown))
            q["pairs"] = [{"left": texts[k], "right": texts[n_pairs + k]} for k in range(n_pairs)]
            q["distractors"] = [texts[-1]]
        elif q["type"] == "ordering":
            q["items"] = draw(st.lists(lms_texts, min_size=len(q["items"]), max_size=len(q["items"]),
                                       unique_by=_shown))
        questions.append(q)
    return {
        "schema_version": 1,
        "page": "ch/sec",
        # Moodle splits category paths on '/' with '//' for a slash in a name (question/format.php,
        # split_category_path): a name that starts or ends with '/' cannot be told apart, in Moodle too.
        "title": draw(lms_texts.map(lambda t: " ".join(t.split())).filter(lambda t: t.strip("/ ") == t)),
        "objectives": [{"id": "O1", "text": "Objective"}],
        "questions": questions,
    }
