"""Ship quizlib.js and quizlib.css with the pages that hold a quiz, and only those
(quizlib-graded.js only where a graded quiz is; the FSRS scheduler and
quizlib-review.js only on the review page).

As sphinx-design does, assets are added when the builder is HTML; per page, so a
chapter without quizzes loads nothing extra.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

from .graded import graded_quiz_node
from .quiz import quiz_node
from .review import review_node

STATIC = Path(__file__).resolve().parent.parent / "static"


def _page_assets(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    if doctree is None:
        return
    graded = any(doctree.findall(graded_quiz_node))
    review = any(doctree.findall(review_node))
    if graded or review or any(doctree.findall(quiz_node)):
        app.add_css_file("quizlib.css")
        app.add_js_file("quizlib.js", defer="defer")
    if graded:  # deferred scripts run in order, so the core's helpers exist first
        app.add_css_file("quizlib-graded.css")
        app.add_js_file("quizlib-graded.js", defer="defer")
        # Sign-in links put the token in the fragment, which is never sent; older links used ?token=,
        # and no request from this page (images, fonts, the service) should carry its address anywhere.
        context["metatags"] = context.get("metatags", "") + '<meta name="referrer" content="no-referrer">\n'
    if review:
        app.add_js_file("ts-fsrs.umd.js", defer="defer")
        app.add_js_file("quizlib-review.js", defer="defer")


def _static_path(app: Sphinx) -> None:
    if app.builder.format == "html":
        app.config.html_static_path.append(str(STATIC))
        app.connect("html-page-context", _page_assets)


def setup_assets(app: Sphinx) -> None:
    app.connect("builder-inited", _static_path)
