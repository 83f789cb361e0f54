"""The ``graded-quiz`` directive: a placeholder the page's script fills from the grading service.

    ```{graded-quiz} attaches-quiz
    ```

Unlike the practice ``quiz``, the page carries no question, option, answer or
explanation: the script signs the student in with their token, fetches *their*
form from ``quizlib serve`` and submits there. The service URL is configured once
in ``_config.yml`` (``sphinx.config.quizlib_service_url``) or per directive with
``:service:``.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives
from markupsafe import Markup, escape
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from ..models import ID_PATTERN

logger = logging.getLogger(__name__)

GRADED_NOTE = (
    "Graded quiz: your answers are saved and scored by the course's grading service, which keeps "
    "the answer key. Open this page from your personal sign-in link."
)


class graded_quiz_node(nodes.General, nodes.Element):
    """Attributes: ``quiz_id``, ``service`` (base URL). Children: a plain-text fallback."""


class GradedQuizDirective(SphinxDirective):
    """A graded quiz served by ``quizlib serve``.

    Argument: the quiz id it was published under (``quizlib serve publish ... --id ID``).

    Options:
      ``:service:`` base URL of the grading service (default: ``quizlib_service_url``).
    """

    required_arguments = 1
    has_content = False
    option_spec = {"service": directives.uri}

    def run(self) -> list[nodes.Node]:
        import re

        quiz_id = self.arguments[0]
        service = (self.options.get("service") or self.config.quizlib_service_url or "").rstrip("/")
        if not re.match(ID_PATTERN, quiz_id):
            logger.error(f"graded-quiz: '{quiz_id}' is not a valid quiz id", location=(self.env.docname, self.lineno))
            return []
        if not service.startswith(("http://", "https://")):
            logger.warning(
                f"graded-quiz '{quiz_id}': no grading service configured; set sphinx.config.quizlib_service_url "
                "in _config.yml or give :service:",
                location=(self.env.docname, self.lineno),
            )
            return []
        node = graded_quiz_node(quiz_id=quiz_id, service=service)
        node += nodes.paragraph(text=f"Graded quiz '{quiz_id}': take it in the HTML edition of this book.")
        self.set_source_info(node)
        return [node]


def visit_graded_html(translator: Any, node: graded_quiz_node) -> None:
    translator.body.append(Markup(
        '<section class="qz-g" data-service="{service}" data-quiz="{quiz}" aria-label="Graded quiz {quiz}">'
        '<p class="qz-note">{note}</p><div class="qz-g-body">'
        "<p>This graded quiz needs JavaScript.</p></div></section>"
    ).format(service=node["service"], quiz=node["quiz_id"], note=escape(GRADED_NOTE)))
    raise nodes.SkipNode


def _fallback(translator: Any, node: graded_quiz_node) -> None:
    """Other builders render the node's plain children."""


def setup_graded(app: Sphinx) -> None:
    app.add_config_value("quizlib_service_url", "", "html", types=[str])
    app.add_node(
        graded_quiz_node,
        html=(visit_graded_html, None),
        latex=(_fallback, _fallback),
        text=(_fallback, _fallback),
        man=(_fallback, _fallback),
        texinfo=(_fallback, _fallback),
    )
    app.add_directive("graded-quiz", GradedQuizDirective)
