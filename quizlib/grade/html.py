"""Jinja2 environment for the grading and statistics reports (templates in ``quizlib/templates``).

Autoescaping is on for every template: student ids and answers are untrusted
text and must reach the page as text.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from ..markdown import render_block, render_inline


def _pct(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{100 * value:.{digits}f}%"


def _num(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("quizlib", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = _pct
    env.filters["num"] = _num
    # Authored Markdown only: the renderer escapes raw HTML, so its output is safe to insert.
    env.filters["md_inline"] = lambda text: Markup(render_inline(text))
    env.filters["md_block"] = lambda text: Markup(render_block(text))
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)
