"""The test-wise audit as a Rich table: each strategy's expected score against chance, per bank, chapter and course.

The practice banks get one table and the secure pools (when there are any) another,
judged by the same limits.

Cells read ``score/chance`` in whole percent ("87/50": the strategy scores 87%
where blind guessing scores 50%). Red marks a figure beyond its limit (the
bank limit on bank rows, the course limit on the total row); dim marks one
resting on fewer items than ``testwise_min_items``, which is shown but not
judged; "-" means the strategy applies to no item there.
"""

from __future__ import annotations

from fractions import Fraction

from rich import box
from rich.console import Console
from rich.table import Table

from .audit import Audit, Scope, Tally, bank_chapters
from .testwise import STRATEGIES

#: Short column headers; the legend under the table spells each one out.
_HEADERS = {
    "always-false": "False",
    "always-true": "True",
    "longest": "long",
    "shortest": "short",
    "middle-length": "midlen",
    "prompt-words": "words",
    "fewest-prompt-words": "fewest",
    "middle-value": "mid",
    "shape": "shape",
    "all-of-the-above": "all",
}


def _cell(audit: Audit, tally: Tally, limit: float | None) -> str:
    if not tally.items:
        return "[dim]-[/]"
    text = f"{float(tally.score or 0):.0%}/{float(tally.chance or 0):.0%}".replace("%", "")
    if not audit.judged(tally):
        return f"[dim]{text}[/]"
    if limit is not None and audit.over(tally, limit):
        return f"[bold red]{text}[/]"
    return text


def _cells(audit: Audit, scope: Scope, limit: float | None) -> list[str]:
    return [_cell(audit, scope.tallies[s.code], limit) for s in STRATEGIES]


def audit_table(audit: Audit) -> Table:
    config = audit.config
    what = "secure pools" if audit.kind == "pools" else "practice banks"
    # No vertical rules and no padding (the box's blank divider is the one space between cells): ten
    # strategy columns of 7 characters fit an 80-column CI log, the bank names cut to what is left
    # (their numbers stay; the findings give the full paths).
    table = Table(title=f"Test-wise audit, {what}: expected score / chance (%)", title_justify="left", show_footer=True,
                  box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 0))
    footer = _cells(audit, audit.course, config.testwise_course_margin)
    table.add_column("chapter / bank", footer="course" if audit.kind == "practice" else "all pools", overflow="ellipsis", max_width=22)
    for s, foot in zip(STRATEGIES, footer):
        table.add_column(_HEADERS[s.code], footer=foot, justify="right", no_wrap=True, min_width=6)
    grouped = bank_chapters(audit)
    for chapter in audit.chapters:
        table.add_row(f"[bold]{chapter.name}[/]", *_cells(audit, chapter, None))
        for bank in grouped.get(chapter.name, []):
            name = bank.name.rsplit("/", 1)[-1].removesuffix(".yml").removesuffix(".yaml")
            table.add_row(f"  {name}", *_cells(audit, bank, config.testwise_bank_margin))
    table.add_row("[dim]items (course)[/]" if audit.kind == "practice" else "[dim]items (pools)[/]", *(f"[dim]{audit.course.tallies[s.code].items}[/]" for s in STRATEGIES))
    return table


def _share(count: int, total: int) -> str:
    return f"{count}/{total} ({float(Fraction(count, total)):.0%})" if total else "none"


def audit_summary(audit: Audit, legend: bool = True) -> list[str]:
    """The legend (unless ``legend`` is false: it was printed above) and the key-balance figures of the
    audited set, each against its limit."""
    c = audit.config
    false, tf = audit.false_share(audit.course)
    longest, singles = audit.longest_keys(audit.course)
    top, n, multiple = audit.commonest_shape(audit.course)
    shape = f"{top[0]} of {top[1]} in {_share(n, multiple)}" if top else "none"
    mode = ("enforced: figures beyond a limit are warnings" if audit.enforced
            else "report only (testwise_audit = \"report\"): no findings")
    whole = "secure pools" if audit.kind == "pools" else "course"
    names = "; ".join(f"{_HEADERS[s.code]} = {s.name} ({s.applies_to})" for s in STRATEGIES)
    return [
        f"[dim]{names}[/]",
        f"[dim]limits: {c.testwise_bank_margin * 100:.0f} pp over chance per bank (red on bank rows), "
        f"{c.testwise_course_margin * 100:.0f} pp for the course (red in the course row); "
        f"dim = fewer than {c.testwise_min_items} items, not judged[/]",
    ][: 2 if legend else 0] + [
        f"{whole}: true/false keyed False: {_share(false, tf)}, each chapter {c.true_false_false_min:.0%}-"
        f"{c.true_false_false_max:.0%}; key strictly longest: {_share(longest, singles)}, at most "
        f"{c.longest_key_share:.0%}; commonest multiple-response shape: {shape}, at most "
        f"{c.multiple_shape_share:.0%}",
        f"test-wise audit of the {'secure pools' if audit.kind == 'pools' else 'practice banks'} {mode}",
    ]


def print_audit(console: Console, audit: Audit, pools: Audit | None = None) -> None:
    """The practice banks' table and figures, then (when the course has secure pools) the pools' own."""
    console.print(audit_table(audit))
    for line in audit_summary(audit):
        console.print(line, soft_wrap=True)
    if pools is not None:
        console.print(audit_table(pools))
        for line in audit_summary(pools, legend=False):
            console.print(line, soft_wrap=True)
