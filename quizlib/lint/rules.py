"""The lint rules: one function per rule code, each yielding located findings.

Errors are things the course must not ship with (a question that cannot be
traced to its section, a page with no bank); warnings are item-writing cues
that let a student guess without knowing the material, and may be explained
away with a ``# lint-allow`` comment when they are false positives.

Every rule reads its thresholds from :class:`~quizlib.lint.config.LintConfig`;
the word lists below define what a rule looks for, not how strict it is.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass
from statistics import mean
from typing import Callable, Iterable, Iterator

from ..models import MultipleChoice, ShortAnswer, SingleChoice
from ..normalize import normalize_text
from .allow import ALLOW_NO_REASON, ALLOW_UNUSED
from .config import LintConfig
from .course import BankFile, Course
from .findings import Finding, Severity
from .similarity import near_duplicates

Check = Callable[[Course, LintConfig], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    code: str
    severity: Severity
    summary: str
    check: Check | None  # None: reported by the allow-comment machinery, not by a check


RULES: dict[str, Rule] = {}


def _rule(code: str, severity: Severity, summary: str) -> Callable[[Check], Check]:
    def register(check: Check) -> Check:
        RULES[code] = Rule(code, severity, summary, check)
        return check

    return register


RULES[ALLOW_NO_REASON] = Rule(ALLOW_NO_REASON, Severity.warning, "a lint-allow comment without a rule or reason", None)
RULES[ALLOW_UNUSED] = Rule(ALLOW_UNUSED, Severity.warning, "a lint-allow comment that suppresses nothing", None)

E, W = Severity.error, Severity.warning


def _finding(code: str, file: str, line: int, message: str, question_id: str | None = None) -> Finding:
    return Finding(file, line, code, RULES[code].severity, message, question_id)


def _where(bank: BankFile, index: int) -> str:
    return f"{bank.file}:{bank.located.question_line(index)}"


# --------------------------------------------------------------------------- errors


@_rule("bank-invalid", E, "a bank file does not load (YAML or format error)")
def bank_invalid(course: Course, config: LintConfig) -> Iterator[Finding]:
    for e in course.load_errors:
        field = f"{e.field}: " if e.field else ""
        yield _finding("bank-invalid", e.file, e.line, f"{field}{e.message}", e.question_id)


@_rule("duplicate-bank", E, "two banks claim the same page")
def duplicate_bank(course: Course, config: LintConfig) -> Iterator[Finding]:
    first: dict[str, BankFile] = {}
    for bank in course.banks:
        page = bank.bank.page
        if page in first:
            yield _finding("duplicate-bank", bank.file, bank.located.line_of("page"),
                           f"page '{page}' already has a bank: {first[page].file}")
        first.setdefault(page, bank)


@_rule("page-without-bank", E, "a section page has no bank")
def page_without_bank(course: Course, config: LintConfig) -> Iterator[Finding]:
    covered = {b.bank.page for b in course.banks}
    for docname, page in course.book.sections.items():
        expected = course.relative(course.quizzes / f"{docname}.yml")
        if docname in covered or expected in course.failed_files:
            continue  # a bank that failed to load is reported as bank-invalid instead
        yield _finding("page-without-bank", course.relative(page.path), 1,
                       f"section page has no bank (expected {expected} with page: {docname})")


@_rule("bank-too-small", E, "a bank has fewer questions than the minimum")
def bank_too_small(course: Course, config: LintConfig) -> Iterator[Finding]:
    for bank in course.banks:
        n = len(bank.bank.questions) + bank.left_out  # a broken question is still one the author wrote
        if n < config.min_questions_per_bank:
            yield _finding("bank-too-small", bank.file, bank.questions_line,
                           f"{n} question(s); a bank needs at least {config.min_questions_per_bank}")


@_rule("page-missing", E, "a bank's page has no file in the book")
def page_missing(course: Course, config: LintConfig) -> Iterator[Finding]:
    for bank in course.banks:
        if course.book.page(bank.bank.page) is None:
            expected = course.relative(course.book.folder / f"{bank.bank.page}.md")
            yield _finding("page-missing", bank.file, bank.located.line_of("page"),
                           f"page '{bank.bank.page}' has no file ({expected} not found)")


@_rule("source-unresolved", E, "a question's source is not a label or heading anchor on its page")
def source_unresolved(course: Course, config: LintConfig) -> Iterator[Finding]:
    for bank in course.banks:
        page = course.book.page(bank.bank.page)
        if page is None:
            continue  # reported once as page-missing
        anchors = page.anchors(course.book.heading_anchor_depth)
        for i, q in enumerate(bank.bank.questions):
            if q.source in anchors:
                continue
            near = difflib.get_close_matches(q.source, sorted(anchors), n=1)
            hint = f"; did you mean '{near[0]}'?" if near else ""
            yield _finding("source-unresolved", bank.file, bank.located.line_of("questions", i, "source"),
                           f"source '{q.source}' is not a label on {course.relative(page.path)}{hint}", q.id)


@_rule("objective-unknown", E, "a bank objective is not one of its chapter's objectives")
def objective_unknown(course: Course, config: LintConfig) -> Iterator[Finding]:
    for bank in course.banks:
        chapter = course.book.chapters.get(bank.chapter)
        for k, objective in enumerate(bank.bank.objectives):
            line = bank.located.line_of("objectives", k, "id")
            if chapter is None or not chapter.index_exists:
                index = course.relative(course.book.folder / bank.chapter / "index.md")
                yield _finding("objective-unknown", bank.file, line,
                               f"objective '{objective.id}' cannot be checked: chapter index {index} not found")
            elif chapter.objective(objective.id) is None:
                ids = ", ".join(o.id for o in chapter.objectives) or "none"
                yield _finding("objective-unknown", bank.file, line,
                               f"objective '{objective.id}' is not among chapter {chapter.name}'s objectives "
                               f"({ids}) in {course.relative(chapter.index)}")


def _same_text(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


@_rule("objective-text-mismatch", E, "a bank objective's text differs from the chapter index")
def objective_text_mismatch(course: Course, config: LintConfig) -> Iterator[Finding]:
    for bank in course.banks:
        chapter = course.book.chapters.get(bank.chapter)
        for k, objective in enumerate(bank.bank.objectives):
            expected = chapter.objective(objective.id) if chapter else None
            if expected is not None and not _same_text(objective.text, expected.text):
                yield _finding("objective-text-mismatch", bank.file, bank.located.line_of("objectives", k, "text"),
                               f"text of '{objective.id}' differs from {course.relative(chapter.index)}:"
                               f"{expected.line}: \"{expected.text}\"")


@_rule("duplicate-id", E, "a question id is used twice in the course")
def duplicate_id(course: Course, config: LintConfig) -> Iterator[Finding]:
    first: dict[str, str] = {}
    for bank in course.banks:
        for i, q in enumerate(bank.bank.questions):
            if q.id in first:
                yield _finding("duplicate-id", bank.file, bank.located.line_of("questions", i, "id"),
                               f"question id '{q.id}' is also used at {first[q.id]}", q.id)
            else:
                first[q.id] = _where(bank, i)


@_rule("near-duplicate-prompt", E, "two questions have near-identical prompts (practice and secure pools alike)")
def near_duplicate_prompt(course: Course, config: LintConfig) -> Iterator[Finding]:
    banks = [*course.banks, *course.extra_banks]
    questions = [(bank, i) for bank in banks for i in range(len(bank.bank.questions))]
    texts = [normalize_text(bank.bank.questions[i].prompt) for bank, i in questions]
    for a, b, ratio in sorted(near_duplicates(texts, config.near_duplicate_prompt_ratio)):
        (bank_a, i), (bank_b, j) = questions[a], questions[b]
        qa, qb = bank_a.bank.questions[i], bank_b.bank.questions[j]
        yield _finding("near-duplicate-prompt", bank_b.file, bank_b.located.line_of("questions", j, "prompt"),
                       f"prompt is {ratio:.0%} similar to question '{qa.id}' ({_where(bank_a, i)})", qb.id)


# --------------------------------------------------------------------------- warnings

def _choice_questions(bank: BankFile) -> Iterator[tuple[int, SingleChoice | MultipleChoice]]:
    for i, q in enumerate(bank.bank.questions):
        if isinstance(q, (SingleChoice, MultipleChoice)):
            yield i, q


@_rule("position-bias", W, "the correct option sits at one authored position too often")
def position_bias(course: Course, config: LintConfig) -> Iterator[Finding]:
    for bank in course.banks:
        choice = list(_choice_questions(bank))
        if len(choice) < config.position_bias_min_questions:
            continue
        positions = Counter(k for _, q in choice for k, o in enumerate(q.options) if o.correct)
        total = sum(positions.values())
        position, count = max(sorted(positions.items()), key=lambda kv: kv[1])
        share = count / total
        if share > config.position_bias_share:
            yield _finding("position-bias", bank.file, bank.questions_line,
                           f"{count} of {total} correct options ({share:.0%}) are authored at position "
                           f"{position + 1} across {len(choice)} choice questions; "
                           f"more than {config.position_bias_share:.0%} lets a student guess the key")


def _plain_length(text: str) -> int:
    return len(" ".join(text.split()))


@_rule("long-correct", W, "the correct option is markedly longer than the distractors")
def long_correct(course: Course, config: LintConfig) -> Iterator[Finding]:
    for bank in course.banks:
        for i, q in _choice_questions(bank):
            right = [o for o in q.options if o.correct]
            wrong = [o for o in q.options if not o.correct]
            if not wrong:
                continue
            right_len = mean(_plain_length(o.text) for o in right)
            wrong_len = mean(_plain_length(o.text) for o in wrong)
            ratio = right_len / max(wrong_len, 1)
            if ratio > config.long_correct_ratio:
                k = next(k for k, o in enumerate(q.options) if o.correct)
                yield _finding("long-correct", bank.file, bank.located.line_of("questions", i, "options", k),
                               f"correct option(s) average {right_len:.0f} characters, {ratio:.1f}x the "
                               f"distractors' {wrong_len:.0f} (limit {config.long_correct_ratio}x)", q.id)


_ABOVE = re.compile(
    r"\b(?:all|none|both|neither)\s+of\s+(?:the\s+)?(?:above|these|those|the\s+(?:options|answers|choices|others))\b",
    re.IGNORECASE,
)


@_rule("all-none-of-above", W, "an 'all of the above' / 'none of the above' option")
def all_none_of_above(course: Course, config: LintConfig) -> Iterator[Finding]:
    for bank in course.banks:
        for i, q in _choice_questions(bank):
            for k, option in enumerate(q.options):
                m = _ABOVE.search(option.text)
                if m:
                    yield _finding("all-none-of-above", bank.file,
                                   bank.located.line_of("questions", i, "options", k),
                                   f"option '{m.group(0)}' rewards partial knowledge and breaks when options "
                                   "are shuffled; write a real distractor", q.id)


#: Words that turn a stem negative; a student skimming past one answers the opposite question.
#: "at least" (a quantity) and "not only" (an addition) are not negations and are skipped.
_NEGATIVE = re.compile(
    r"\b(?:not(?!\s+only\b)|never|except|(?<!\bat\s)least|cannot|neither|nor|incorrect|untrue|false|\w+n't)\b",
    re.IGNORECASE,
)
#: Markdown emphasis spans: **x**, __x__, *x*, _x_.
_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1|(\*|\b_)(?=\S)(.+?)(?<=\S)(?:\*|_\b)", re.DOTALL)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def stem_sentences(prompt: str) -> list[tuple[int, str]]:
    """(offset, sentence) of the question being asked: the sentences ending in '?', else the whole prompt.

    Scenario sentences before the question may be negative ("a state that is
    not a member...") without turning the question around; a statement prompt
    (true/false, "Arrange ...") is all stem.
    """
    sentences, start = [], 0
    for m in _SENTENCE_END.finditer(prompt):
        sentences.append((start, prompt[start:m.start()]))
        start = m.end()
    sentences.append((start, prompt[start:]))
    questions = [(o, s) for o, s in sentences if s.rstrip().endswith("?")]
    return questions or [(0, prompt)]


def unemphasised_negatives(prompt: str) -> list[str]:
    """Negative words in the stem that are neither in Markdown emphasis nor written in capitals."""
    spans = [(m.start(), m.end()) for m in _EMPHASIS.finditer(prompt)]
    found = []
    for offset, sentence in stem_sentences(prompt):
        for m in _NEGATIVE.finditer(sentence):
            word = m.group(0)
            at = offset + m.start()
            if word.isupper() and len(word) > 1:
                continue
            if any(s <= at and offset + m.end() <= e for s, e in spans):
                continue
            found.append(word)
    return found


@_rule("negative-stem", W, "a negatively worded stem without emphasis")
def negative_stem(course: Course, config: LintConfig) -> Iterator[Finding]:
    for bank in course.banks:
        for i, q in enumerate(bank.bank.questions):
            words = unemphasised_negatives(q.prompt)
            if words:
                listed = ", ".join(f"'{w}'" for w in dict.fromkeys(words))
                yield _finding("negative-stem", bank.file, bank.located.line_of("questions", i, "prompt"),
                               f"negative wording {listed} in the stem is easy to miss; emphasise it "
                               "(**not**, *not*, NOT) or ask the question positively", q.id)


def _contains(haystack: str, needle: str) -> bool:
    return bool(needle) and f" {needle} " in f" {haystack} "


def _answer_texts(q: object) -> list[str]:
    if isinstance(q, (SingleChoice, MultipleChoice)):
        return [o.text for o in q.options if o.correct]
    if isinstance(q, ShortAnswer):
        return [a.text for a in q.answers if a.text is not None]
    return []


@_rule("answer-in-prompt", W, "the prompt contains its own answer")
def answer_in_prompt(course: Course, config: LintConfig) -> Iterator[Finding]:
    for bank in course.banks:
        for i, q in enumerate(bank.bank.questions):
            prompt = normalize_text(q.prompt)
            for text in _answer_texts(q):
                if _contains(prompt, normalize_text(text)):
                    yield _finding("answer-in-prompt", bank.file, bank.located.line_of("questions", i, "prompt"),
                                   f"the answer '{text}' appears in the prompt", q.id)
                    break


@_rule("bank-all-easy", W, "a bank has no question above easy")
def bank_all_easy(course: Course, config: LintConfig) -> Iterator[Finding]:
    for bank in course.banks:
        if all(q.difficulty.value == "easy" for q in bank.bank.questions):
            yield _finding("bank-all-easy", bank.file, bank.questions_line,
                           f"all {len(bank.bank.questions)} questions are easy; add medium or hard ones")


@_rule("chapter-few-types", W, "a chapter uses fewer question types than the minimum")
def chapter_few_types(course: Course, config: LintConfig) -> Iterator[Finding]:
    for chapter in sorted({b.chapter for b in course.banks}):
        banks = course.banks_of(chapter)
        types = sorted({q.type for b in banks for q in b.bank.questions})
        if len(types) < config.min_types_per_chapter:
            first = min(banks, key=lambda b: b.file)
            yield _finding("chapter-few-types", first.file, first.questions_line,
                           f"chapter {chapter} uses {len(types)} question type(s) ({', '.join(types)}); "
                           f"at least {config.min_types_per_chapter} wanted")


@_rule("objective-few-questions", W, "a chapter objective has fewer questions than the minimum")
def objective_few_questions(course: Course, config: LintConfig) -> Iterator[Finding]:
    for name, chapter in course.book.chapters.items():
        banks = sorted(course.banks_of(name), key=lambda b: b.file)
        counts = Counter(q.objective for b in banks for q in b.bank.questions)
        for objective in chapter.objectives:
            n = counts[objective.id]
            if n >= config.min_questions_per_objective:
                continue
            message = (f"objective {objective.id} has {n} question(s) in chapter {name}; "
                       f"at least {config.min_questions_per_objective} wanted")
            declaring = [(b, k) for b in banks for k, o in enumerate(b.bank.objectives) if o.id == objective.id]
            if declaring:
                bank, k = declaring[0]
                yield _finding("objective-few-questions", bank.file, bank.located.line_of("objectives", k), message)
            else:
                yield _finding("objective-few-questions", course.relative(chapter.index), objective.line, message)


def run_checks(course: Course, config: LintConfig) -> list[Finding]:
    """Every rule's findings, before allow comments are applied."""
    return [f for rule in RULES.values() if rule.check for f in rule.check(course, config)]
