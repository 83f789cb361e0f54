"""Sphinx extension: ``quiz`` (a bank as an interactive practice quiz), ``graded-quiz``
(a quiz taken against the grading service) and ``review-queue`` (missed practice
questions coming back at spaced intervals).

Enable it in ``_config.yml`` (Jupyter Book) or ``conf.py`` with ``quizlib.sphinx``.
Laid out as sphinx-design does: each component has its own module exposing
``setup_<thing>(app)``; this file only calls them.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx

from .. import __version__
from .assets import setup_assets
from .graded import setup_graded
from .quiz import setup_quiz
from .review import setup_review


def setup(app: Sphinx) -> dict[str, Any]:
    setup_quiz(app)
    setup_graded(app)
    setup_review(app)
    setup_assets(app)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
