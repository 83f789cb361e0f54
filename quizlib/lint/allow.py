"""``# lint-allow: <rule> <reason>`` comments: how an author explains a warning away in the bank itself.

A warning that is a false positive is explained next to the question it is
about, so the reason travels with the content and is reviewed with it. The
comment sits inside the question's block (from its ``- id:`` line up to the
next question) or, for bank-level rules, anywhere before ``questions:``.

PyYAML drops comments, so we find them in the raw text and use the YAML token
stream to reject a ``#`` that is really part of a string or block scalar (a
prompt may legitimately contain "# lint-allow").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

import yaml

from ..loader import LocatedBank
from .findings import Finding, Severity

_COMMENT = re.compile(r"(?:^|(?<=\s))#\s*lint-allow\b\s*:?(?P<rest>.*)$")
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

ALLOW_NO_REASON = "allow-no-reason"
ALLOW_UNUSED = "allow-unused"


@dataclass
class Allow:
    """One allow comment. ``question_id`` is None for a bank-level allow (before ``questions:``)."""

    file: str
    line: int
    rule: str
    reason: str
    question_id: str | None
    in_questions_gap: bool = False
    used: bool = False


def _scalar_spans(text: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """(start, end) marks (0-based line, column) of every scalar: a ``#`` inside one is text, not a comment."""
    spans = []
    try:
        for token in yaml.scan(text, Loader=_Loader):
            if isinstance(token, yaml.ScalarToken):
                spans.append(
                    ((token.start_mark.line, token.start_mark.column), (token.end_mark.line, token.end_mark.column))
                )
    except yaml.YAMLError:
        pass  # the bank loaded, so this cannot happen; without spans we only risk reading text as a comment
    return spans


def find_allows(text: str, located: LocatedBank, file: str) -> list[Allow]:
    """Every allow comment of a loaded bank, attached to its question or to the bank."""
    spans = _scalar_spans(text)
    questions_line = located.line_of("questions")
    starts = [located.question_line(i) for i in range(len(located.bank.questions))]
    allows: list[Allow] = []
    for n, line in enumerate(text.splitlines(), 1):
        if "lint-allow" not in line:
            continue
        m = _COMMENT.search(line)
        if not m:
            continue
        where = (n - 1, m.start())
        if any(start <= where < end for start, end in spans):
            continue
        code, _, reason = m["rest"].strip().partition(" ")
        question_id: str | None = None
        gap = False
        if n >= questions_line:
            owner = max((i for i, s in enumerate(starts) if s <= n), default=None)
            if owner is None:
                gap = True
            else:
                question_id = located.bank.questions[owner].id
        allows.append(Allow(file, n, code.strip(), reason.strip(), question_id, gap))
    return allows


def apply_allows(
    findings: Iterable[Finding], allows: list[Allow], known_rules: dict[str, Severity]
) -> tuple[list[Finding], list[Finding]]:
    """Split findings into (reported, suppressed) and add a warning for each bare or unused allow.

    Errors are never suppressed: they are things the course must not ship with.
    A bare allow (no reason) suppresses nothing, so its warning still shows.
    """
    reported: list[Finding] = []
    suppressed: list[Finding] = []
    index: dict[tuple[str, str, str | None], list[Allow]] = {}
    for allow in allows:
        if allow.reason and not allow.in_questions_gap:
            index.setdefault((allow.file, allow.rule, allow.question_id), []).append(allow)
    for finding in findings:
        matches = index.get((finding.file, finding.rule, finding.question_id), [])
        if finding.severity is Severity.warning and matches:
            for allow in matches:
                allow.used = True
            suppressed.append(finding)
        else:
            reported.append(finding)
    for allow in allows:
        reported.extend(_allow_problem(allow, known_rules))
    return reported, suppressed


def _allow_problem(allow: Allow, known_rules: dict[str, Severity]) -> list[Finding]:
    def warn(rule: str, message: str) -> list[Finding]:
        return [Finding(allow.file, allow.line, rule, Severity.warning, message, allow.question_id)]

    if not allow.rule:
        return warn(ALLOW_NO_REASON, "lint-allow names no rule; write '# lint-allow: <rule> <reason>'")
    if not allow.reason:
        return warn(ALLOW_NO_REASON, f"lint-allow for '{allow.rule}' gives no reason, so it suppresses nothing")
    if allow.used:
        return []
    if allow.rule not in known_rules:
        return warn(ALLOW_UNUSED, f"lint-allow names unknown rule '{allow.rule}'")
    if known_rules[allow.rule] is Severity.error:
        return warn(ALLOW_UNUSED, f"'{allow.rule}' is an error and cannot be allowed; fix it instead")
    if allow.in_questions_gap:
        return warn(ALLOW_UNUSED, "lint-allow between 'questions:' and the first question belongs to nothing; "
                    "put it inside a question or before 'questions:'")
    scope = f"question '{allow.question_id}'" if allow.question_id else "this bank"
    return warn(ALLOW_UNUSED, f"lint-allow for '{allow.rule}' suppresses nothing in {scope}")
