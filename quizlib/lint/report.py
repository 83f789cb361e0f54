"""Rich output of a lint run: located findings, counts by rule, the coverage table, a verdict line.

Findings print one per line as ``file:line: severity rule [question]: message``
so editors and CI log viewers can jump to them; tables are for people.
"""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..models import QUESTION_TYPES
from .audit_report import print_audit
from .coverage import DIFFICULTIES, ChapterCoverage
from .engine import LintResult
from .findings import Finding, Severity
from .rules import RULES

_STYLE = {Severity.error: "bold red", Severity.warning: "yellow"}
ALL_TYPES = len(QUESTION_TYPES)


def print_findings(console: Console, findings: list[Finding]) -> None:
    for f in findings:
        who = f" [cyan]\\[{escape(f.question_id)}][/]" if f.question_id else ""
        console.print(
            f"[bold]{escape(f.file)}:{f.line}[/]: [{_STYLE[f.severity]}]{f.severity.value}[/] "
            f"[magenta]{f.rule}[/]{who}: {escape(f.message)}",
            soft_wrap=True,
        )


def rule_table(result: LintResult) -> Table:
    """Counts per rule code that fired, including allowed warnings, so allows stay visible."""
    reported = result.counts()
    suppressed = {code: sum(f.rule == code for f in result.suppressed) for code in RULES}
    table = Table(title="Findings by rule", title_justify="left")
    table.add_column("rule")
    table.add_column("severity")
    table.add_column("reported", justify="right")
    table.add_column("allowed", justify="right")
    table.add_column("what it checks")
    for code, rule in RULES.items():
        n, s = reported.get(code, 0), suppressed.get(code, 0)
        if n or s:
            table.add_row(code, rule.severity.value, str(n), str(s), rule.summary,
                          style=_STYLE[rule.severity] if n else "dim")
    return table


def _row(row: ChapterCoverage) -> list[str]:
    spread = "/".join(str(row.difficulty.get(d, 0)) for d in DIFFICULTIES)
    objectives = f"{row.objectives_covered}/{row.objectives_total}"
    return [row.chapter, str(row.banks), str(row.questions), f"{len(row.types)}/{ALL_TYPES}", spread, objectives]


def coverage_table(result: LintResult, min_per_objective: int) -> Table:
    table = Table(title="Coverage by chapter", title_justify="left", show_footer=True)
    headers = ["chapter", "banks", "questions", "types", "easy/med/hard", f"objectives ≥{min_per_objective} q"]
    footer = _row(result.total)
    for i, (header, foot) in enumerate(zip(headers, footer)):
        table.add_column(header, footer=foot, justify="left" if i == 0 else "right", no_wrap=i == 0)
    for row in result.chapters:
        table.add_row(*_row(row))
    return table


def exposure_table(result: LintResult) -> Table:
    """Secure questions per objective: the pool a randomized graded exam can draw from, beside the practice ones."""
    table = Table(title="Secure questions by objective (pools: sections with a pool on it; practice: public keys)",
                  title_justify="left",
                  show_footer=True)
    rows = result.exposure
    secure = sum(r.secure for r in rows)
    footer = ["total", "", str(secure), "/".join(str(sum(r.difficulty.get(d, 0) for r in rows)) for d in DIFFICULTIES),
              str(len({s for r in rows for s in r.sections})), str(sum(r.practice for r in rows))]
    for i, (header, foot) in enumerate(zip(["objective", "chapter", "secure", "easy/med/hard", "pools",
                                            "practice"], footer)):
        table.add_column(header, footer=foot, justify="left" if i < 2 else "right", no_wrap=i < 2)
    for r in rows:
        spread = "/".join(str(r.difficulty.get(d, 0)) for d in DIFFICULTIES)
        table.add_row(r.objective, r.chapter, str(r.secure), spread, str(len(r.sections)), str(r.practice),
                      style=None if r.secure else "dim")
    return table


def verdict(result: LintResult, strict: bool) -> str:
    errors, warnings = len(result.errors), len(result.warnings)
    allowed = f", {len(result.suppressed)} allowed by comment" if result.suppressed else ""
    text = f"{errors} error(s), {warnings} warning(s){allowed}"
    if result.exit_code(strict):
        why = "errors" if errors else "warnings under --strict"
        return f"[bold red]lint failed[/]: {text} ({why})"
    return f"[green]lint passed[/]: {text}"


def print_report(result: LintResult, min_per_objective: int, strict: bool = False,
                 console: Console | None = None) -> None:
    console = console or Console(highlight=False)
    print_findings(console, result.findings)
    if result.findings:
        console.print()
    if result.findings or result.suppressed:
        console.print(rule_table(result))
    console.print(coverage_table(result, min_per_objective))
    print_audit(console, result.audit, result.pool_audit)
    course = result.course
    if course.pools or course.pool_files:
        console.print(exposure_table(result))
        without = [r.objective for r in result.exposure if not r.secure]
        console.print(f"{len(without)} of {len(result.exposure)} objective(s) have no secure question: a graded "
                      "exam on them would have to use practice questions, whose keys are public")
    console.print(
        f"{len(course.banks)} bank(s) loaded of {course.bank_files} file(s), "
        f"{result.total.questions} question(s), {len(course.book.sections)} section page(s)"
        + (f"; {len(course.pools)} secure pool(s), {sum(len(p.bank.questions) for p in course.pools)} question(s)"
           if course.pools or course.pool_files else "")
    )
    console.print(verdict(result, strict))
