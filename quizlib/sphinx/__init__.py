"""Sphinx extension: ``quiz`` directive rendering a bank as an interactive practice quiz.

Enable it in ``_config.yml`` (Jupyter Book) or ``conf.py`` with ``quizlib.sphinx``.
Laid out as sphinx-design does: each component has its own module exposing
``setup_<thing>(app)``; this file only calls them.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx

from .. import __version__
from .quiz import setup_quiz


def setup(app: Sphinx) -> dict[str, Any]:
    setup_quiz(app)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
