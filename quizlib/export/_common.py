"""Pieces several exporters share: HTML of prompts, numeric bounds, grade snapping, wording of notes.

Private to :mod:`quizlib.export` (the registry skips ``_`` modules). Nothing here
knows a particular format.
"""

from __future__ import annotations

import html
import re
import re._parser as _sre  # the stdlib's regex parser (Python >= 3.11), to enumerate finite patterns
from dataclasses import dataclass
from decimal import Decimal

from ..grading import grade, short_answer_accepts
from ..markdown import render_block, render_inline
from ..models import Bank, Matching, MultipleChoice, Numeric, Ordering, QuestionBase, ShortAnswer, ToleranceMode
from ..sampling import shuffled_not_identity
from .base import Notes

#: Grades Moodle accepts for an answer (percent). Its importer refuses others by default.
MOODLE_GRADES = sorted(
    {100.0, 90.0, 83.33333, 80.0, 75.0, 70.0, 66.66667, 60.0, 50.0, 40.0, 33.33333, 30.0, 25.0, 20.0,
     16.66667, 14.28571, 12.5, 11.11111, 10.0, 5.0, 0.0},
    reverse=True,
)


def prompt_html(q: QuestionBase) -> str:
    """The prompt as HTML; a numeric question's unit is stated in it (no LMS here grades units)."""
    out = render_block(q.prompt)
    if isinstance(q, Numeric) and q.unit:
        out += f"\n<p><em>Give your answer in {html.escape(q.unit)}.</em></p>"
    return out


def block(text: str | None) -> str:
    return render_block(text) if text else ""


def inline(text: str) -> str:
    return render_inline(text)


_TAG = re.compile(r"<[^>]+>")


def plain(text: str) -> tuple[str, bool]:
    """Inline Markdown as plain text, and whether formatting (emphasis, code, links) was dropped."""
    rendered = render_inline(text)
    stripped = html.unescape(_TAG.sub("", rendered))
    return stripped, rendered != html.escape(stripped, quote=False)


def numeric_bounds(q: Numeric) -> tuple[float, float]:
    """The accepted interval, exact for both tolerance modes (relative becomes an absolute margin)."""
    margin = numeric_margin(q)
    return q.answer - margin, q.answer + margin


def note_relative_tolerance(fmt: str, q: Numeric, notes: Notes) -> None:
    """Relative tolerances become their absolute margin: the same interval, kept as a number of units."""
    if q.tolerance_mode is ToleranceMode.relative and q.tolerance:
        notes.changed(f"relative tolerance {q.tolerance:g} written as the absolute margin ±{fmt_number(numeric_margin(q))} "
                      f"({fmt} has no relative tolerance): the same interval", "tolerance", "tolerance_mode")


def numeric_margin(q: Numeric) -> float:
    return q.tolerance if q.tolerance_mode is ToleranceMode.absolute else q.tolerance * abs(q.answer)


def fmt_number(x: float) -> str:
    """A number as LMS files want it: 12 significant digits (hides float noise such as
    36.525000000000006), no exponent for ordinary magnitudes, no trailing '.0'."""
    text = f"{float(x):.12g}"
    if "e" in text and 1e-6 <= abs(x) < 1e15:
        # the same 12 significant digits without the exponent (a fixed number of decimals would cut them)
        text = format(Decimal(text), "f")
    return text


def moodle_grade(percent: float) -> float:
    """The nearest grade Moodle accepts (same sign)."""
    sign = -1.0 if percent < 0 else 1.0
    best = min(MOODLE_GRADES, key=lambda g: abs(g - abs(percent)))
    return sign * best


def fmt_fraction(percent: float) -> str:
    return f"{percent:.7f}".rstrip("0").rstrip(".") if percent else "0"


def multiple_weights(q: MultipleChoice) -> dict[str, float]:
    """Per-option percent weights reproducing quizlib's net-correct partial credit.

    Right options earn 100/n each and wrong ones cost 100/n, summed and clamped to
    [0, 100] by the LMS: exactly ``max(0, (right - wrong) / n)``.
    """
    n = sum(o.correct for o in q.options)
    return {o.id or "": (100.0 / n if o.correct else -100.0 / n) for o in q.options}


def ordering_mode(options: dict, default: str) -> str:
    """How a format writes ordering questions: ``native`` or as item-to-position ``matching``."""
    mode = str(options.get("ordering") or default)
    if mode not in ("native", "matching"):
        raise ValueError(f"ordering must be 'native' or 'matching', not {mode!r}")
    return mode


def ordering_positions(q: Ordering) -> list[str]:
    return positions(len(q.items))


def positions(n: int) -> list[str]:
    """The right-hand choices of an ordering written as matching: ``Position 1 (first)`` ... ``Position n (last)``."""
    return [f"Position {i} (first)" if i == 1 else (f"Position {i} (last)" if i == n else f"Position {i}")
            for i in range(1, n + 1)]


def ordering_display(bank: Bank, q: Ordering) -> list[int]:
    """Indexes of the items in a fixed scrambled order (an ordering shown in order shows its answer)."""
    ids = [i.id or "" for i in q.items]
    order = shuffled_not_identity(ids, "export", bank.global_id(q))
    return [ids.index(i) for i in order]


def category_path(root: str, *parts: str) -> str:
    """A Moodle category path (XML and GIFT): names are separated by '/', so a '/' in a name is doubled."""
    return "/".join(["$course$", "top", *(p.replace("/", "//") for p in (root, *parts))])


def chapter_of(bank: Bank) -> str:
    return bank.id.split("/", 1)[0]


def section_name(bank: Bank) -> str:
    """``01 What is military diplomacy?``: the section's number and title."""
    slug = bank.id.rsplit("/", 1)[-1]
    number = slug.split("-", 1)[0]
    return f"{number} {bank.title}" if number.isdigit() else bank.title


# -- the wording of notes, shared so the same loss reads the same in every report --------------

def note_regex(fmt: str, pattern: str) -> str:
    return f"accepted answer pattern /{pattern}/ left out: {fmt} short answers match literal text only"


def note_normalize(fmt: str, q: ShortAnswer) -> str:
    if q.normalize:
        return (f"{fmt} compares short answers ignoring case only; quizlib also ignores punctuation, "
                "spacing and accents, so some answers quizlib accepts will be marked wrong")
    return f"{fmt} ignores case in short answers; quizlib compares this question's answers case-sensitively"


def note_all_or_nothing_multiple(fmt: str, q: MultipleChoice, notes: Notes) -> None:
    """All-or-nothing is written as -100% per wrong option; with no wrong option it cannot be told
    from partial credit at all, so an import gives partial scoring back (declared)."""
    no_wrong = all(o.correct for o in q.options)
    notes.changed(f"all-or-nothing scoring cannot be expressed in {fmt}: written as +1/n per right option and "
                  "-100% per wrong option, so an incomplete but error-free selection earns partial credit",
                  *(("scoring",) if no_wrong else ()))


def note_ordering_as_matching(fmt: str, q: Ordering) -> str:
    rule = ("all-or-nothing scoring is lost: each item in the right place earns its share"
            if q.scoring.value == "all_or_nothing"
            else "credit is per item in its exact position, not per correctly ordered pair as in quizlib")
    return f"ordering written as a matching question (item to position): {fmt} has no ordering question type; {rule}"


def note_shuffle(fmt: str) -> str:
    return f"'shuffle: false' is not kept per question: {fmt} shuffles (or not) by its own quiz setting"


def note_points(fmt: str, points: float) -> str:
    return f"points ({points:g}) not carried: {fmt} has no per-question points; set the mark after import"


def note_formatting(fmt: str, what: str) -> str:
    return f"formatting of {what} removed: {fmt} shows it as plain text"


#: Most literal answers a pattern may expand to before it is reported as not carried.
MAX_EXPANSION = 64


def expand_pattern(pattern: str, limit: int = MAX_EXPANSION) -> list[str] | None:
    """Every text a pattern accepts, when that is a short finite list; else None.

    The banks' patterns are small alternations (``^(a )?status of forces? agreements?$``),
    so most can be written as literal answers, which every LMS understands. Anchors
    are dropped (quizlib matches the whole answer anyway); anything open-ended (``.``,
    ``*``, ``+``, negated or category classes, look-arounds) gives None.
    """
    try:
        parsed = _sre.parse(pattern)
    except re.error:
        return None
    out = _expand(list(parsed), limit)
    return list(dict.fromkeys(out)) if out is not None else None


def _expand(items: list, limit: int) -> list[str] | None:
    results = [""]
    for op, av in items:
        if op is _sre.LITERAL:
            options = [chr(av)]
        elif op is _sre.AT:
            if av not in (_sre.AT_BEGINNING, _sre.AT_END, _sre.AT_BEGINNING_STRING, _sre.AT_END_STRING):
                return None
            continue
        elif op is _sre.SUBPATTERN:
            options = _expand(list(av[-1]), limit)
        elif op is _sre.BRANCH:
            options = []
            for branch in av[1]:
                sub = _expand(list(branch), limit)
                if sub is None:
                    return None
                options += sub
        elif op is _sre.IN:
            options = []
            for iop, iav in av:
                if iop is _sre.LITERAL:
                    options.append(chr(iav))
                elif iop is _sre.RANGE and iav[1] - iav[0] < limit:
                    options += [chr(x) for x in range(iav[0], iav[1] + 1)]
                else:
                    return None
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT):
            low, high, sub_items = av
            if high is _sre.MAXREPEAT or high > 8:
                return None
            sub = _expand(list(sub_items), limit)
            if sub is None:
                return None
            options, current = [], [""]
            for count in range(high + 1):
                if count >= low:
                    options += current
                current = [a + b for a in current for b in sub]
                if len(current) > limit:
                    return None
        else:
            return None
        if options is None:
            return None
        results = [r + o for r in results for o in options]
        if len(results) > limit:
            return None
    return results


@dataclass(frozen=True)
class Literal:
    text: str
    credit: float
    feedback: str | None


def literal_answers(q: ShortAnswer, fmt: str, notes: Notes) -> list[Literal]:
    """A short question's answers as literal texts, best credit first (LMSs use the first match).

    Patterns with a short finite language become literal answers (reported as
    changed); others are reported lost. Each literal is then graded by quizlib
    itself and written with the credit and feedback quizlib gives it, so a text
    earns in the LMS what it earns in quizlib: a spelled-out text that quizlib
    never accepts (``convention ... (ccw)`` when normalisation removes the brackets
    before matching) is left out rather than written as right. Duplicates
    (ignoring case, as the LMSs compare) keep the best credit.
    """
    out: list[Literal] = []
    for a in q.answers:
        if a.text is not None:
            candidates = [a.text]
        else:
            texts = expand_pattern(a.regex or "")
            if texts is None:
                notes.lost(note_regex(fmt, a.regex or "") + ("" if a.credit == 1 else f" ({a.credit:.0%} credit)"),
                           "answers")
                continue
            candidates = [t for t in texts if short_answer_accepts(q, a, t)]
            dropped = len(texts) - len(candidates)
            notes.changed(f"accepted answer pattern /{a.regex}/ written as the {len(candidates)} literal answer(s) "
                          "it accepts" + (f"; {dropped} text(s) it spells out are left out because quizlib never "
                                          "accepts them (normalisation removes their punctuation before matching)"
                                          if dropped else ""), "answers")
        for text in candidates:
            result = grade(q, text)
            if result.fraction != a.credit and a.text is not None:
                notes.changed(f"answer '{text}' written with {result.fraction:.0%} credit, what quizlib gives it "
                              f"(another accepted answer matches it too), not {a.credit:.0%}", "answers")
            out.append(Literal(text, result.fraction, result.feedback[0] if result.feedback else None))
    out.sort(key=lambda x: -x.credit)
    seen: dict[str, Literal] = {}
    unique = []
    for lit in out:
        key = lit.text.strip().casefold()
        if key not in seen:
            seen[key] = lit
            unique.append(lit)
        elif lit.text.strip() != seen[key].text.strip():
            notes.changed(f"answer '{lit.text}' left out: the LMS compares answers ignoring case, so it is the "
                          f"same answer as '{seen[key].text}'", "answers")
    return unique


#: Moodle cuts tags to 50 characters (lib/moodlelib.php, TAG_MAX_LENGTH).
MOODLE_TAG_CHARS = 50
#: Prefixes of the tags that carry a question's author fields through Moodle (and back through `quizlib import`).
META_TAGS = ("difficulty", "objective", "source")


def moodle_tags(q: QuestionBase, fmt: str, notes: Notes) -> list[str]:
    """The question's tags plus ``difficulty:…``, ``objective:…`` and ``source:…`` as Moodle tags.

    Moodle has no fields for them; as tags they stay visible (and filterable) in its
    question bank and come back on import. A tag Moodle would cut short is left out
    and reported instead.
    """
    out = []
    for tag, fld in [(t, "tags") for t in q.tags] + [(f"{k}:{getattr(q, k).value if k == 'difficulty' else getattr(q, k)}", k)
                                                     for k in META_TAGS]:
        if len(tag) > MOODLE_TAG_CHARS:
            notes.lost(f"tag '{tag}' left out: {fmt} keeps tags of at most {MOODLE_TAG_CHARS} characters", fld)
        else:
            out.append(tag)
    return out


def has_distractors(q: QuestionBase) -> bool:
    return isinstance(q, Matching) and bool(q.distractors)
