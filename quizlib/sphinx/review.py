"""The ``review-queue`` directive: a page where missed practice questions come back.

    ```{review-queue}
    ```

Questions a student gets wrong or only partly right in any page quiz are queued in the
browser (``localStorage``, key ``quizlib:review``; quizlib.js does that when Check grades
a miss). This page shows the ones that are due, graded by the same ``quizlib.grade``
code as the page quizzes, and schedules the next review with FSRS (ts-fsrs, vendored in
``static/ts-fsrs.umd.js``). Nothing leaves the browser and no server is needed, so it
works offline and from a copy of the built book. A "Forget my progress" button clears
everything quizlib keeps in the browser.

Without JavaScript there is nothing to show: the page says so.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective


class review_node(nodes.General, nodes.Element):
    """The review queue's container; quizlib-review.js fills it in the browser."""


class ReviewQueueDirective(SphinxDirective):
    """Show the student's due practice questions (no arguments, no options)."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        node = review_node()
        node += nodes.paragraph(text="The review queue works in the HTML edition of this book, in a browser.")
        self.set_source_info(node)
        return [node]


def visit_review_html(translator: Any, node: review_node) -> None:
    translator.body.append(
        '<section class="qz-rv" aria-label="Review queue">'
        '<noscript><p class="qz-note">The review queue needs JavaScript: it keeps your missed questions '
        "in this browser and shows them again when they are due.</p></noscript>"
        '<div class="qz-rv-body"></div></section>'
    )
    raise nodes.SkipNode


def _skip(translator: Any, node: review_node) -> None:
    """Other builders render the node's plain paragraph."""


def setup_review(app: Sphinx) -> None:
    app.add_node(
        review_node,
        html=(visit_review_html, None),
        latex=(_skip, _skip),
        text=(_skip, _skip),
        man=(_skip, _skip),
        texinfo=(_skip, _skip),
    )
    app.add_directive("review-queue", ReviewQueueDirective)
