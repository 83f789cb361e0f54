"""The ``quiz`` directive and its node.

    ```{quiz} quizzes/03-instruments/01-attaches.yml
    :count: 8
    ```

Banks load at read time, through the same loader as ``quizlib validate``, so a
broken bank fails the build with the bank's file, line and field *and* the page
that uses it. A secure pool (a bank marked ``secure: true``, or any file in the
``[tool.quizlib] secure_pools`` folder) fails the build too: graded questions are
never rendered, and files in the pools folder are refused without being read. Each bank is a noted dependency of the page, so editing a bank
re-reads exactly the pages that show it. Source links resolve at write time,
when every page's labels are known; a dangling ``source`` is a build warning.
"""

from __future__ import annotations

import glob
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.errors import SphinxError
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from ..config import CourseConfigError, load_course_config
from ..html import QuizItem, render_quiz
from ..loader import BankLoadError, load_bank
from ..models import Bank
from ..sampling import sample_round_robin, shuffled

logger = logging.getLogger(__name__)

_cache: dict[tuple[str, float], Bank] = {}


def _load(path: Path) -> Bank:
    """Load a bank once per content version: a chapter review reuses its sections' banks."""
    key = (str(path), path.stat().st_mtime)
    if key not in _cache:
        _cache[key] = load_bank(path)
    return _cache[key]


class quiz_node(nodes.General, nodes.Element):
    """A practice quiz. Attributes: ``items`` (list of QuizItem), ``quiz_id``, ``seed``, ``title``.

    Its children are a plain-text fallback for builders without JavaScript (LaTeX, text).
    """


def _yes_no(value: str | None) -> bool:
    return directives.choice((value or "yes").lower(), ("yes", "no")) == "yes"


class QuizDirective(SphinxDirective):
    """Render one or more question banks as an interactive practice quiz.

    Arguments: one or more bank paths relative to the project root (where
    ``_config.yml`` is), shell globs allowed, e.g. ``quizzes/03-instruments/*.yml``.

    Options:
      ``:count:``   show this many questions (default: all). With several banks the
                    questions are drawn in turn from each bank, so every bank is covered.
      ``:shuffle:`` ``yes`` or ``no``: shuffle question order (default: no for one bank,
                    yes for several).
      ``:seed:``    seed for drawing and shuffling (default: the page name); the same
                    seed gives the same quiz on every machine.
      ``:title:``   accessible name of the quiz (default: "Practice quiz").
    """

    required_arguments = 1
    optional_arguments = 50
    has_content = False
    option_spec = {
        "count": directives.positive_int,
        "shuffle": _yes_no,
        "seed": directives.unchanged,
        "title": directives.unchanged,
    }

    def run(self) -> list[nodes.Node]:
        root = Path(self.env.srcdir)
        failures = _failures(self.env).setdefault(self.env.docname, [])
        paths: list[Path] = []
        for arg in self.arguments:
            matches = sorted(glob.glob(str(root / arg)))
            if not matches:
                failures.append(f"no bank file matches '{arg}'")
                logger.error(f"quiz: no bank file matches '{arg}'", location=(self.env.docname, self.lineno))
                return []
            paths.extend(Path(m) for m in matches)

        banks: list[Bank] = []
        for path in paths:
            secret = _secure_refusal(root, path)
            if secret:  # refused before the file is read: the book never reads secure pools
                failures.append(secret)
                logger.error(f"quiz: {secret}", location=(self.env.docname, self.lineno))
                continue
            self.env.note_dependency(str(path))
            try:
                bank = _load(path)
            except BankLoadError as exc:
                failures.extend(str(e) for e in exc.errors)
                for err in exc.errors:
                    logger.error(f"quiz: invalid bank: {err}", location=(self.env.docname, self.lineno))
                continue
            if bank.secure:
                message = (f"{path.relative_to(root) if path.is_relative_to(root) else path} is a secure pool "
                           "(secure: true): its questions are for graded work only and are never rendered")
                failures.append(message)
                logger.error(f"quiz: {message}", location=(self.env.docname, self.lineno))
                continue
            banks.append(bank)
        if len(banks) < len(paths):
            return []
        if not failures:
            del _failures(self.env)[self.env.docname]

        seed = self.options.get("seed", self.env.docname)
        groups = [[QuizItem(b.id, q) for q in b.questions] for b in banks]
        count = self.options.get("count", sum(map(len, groups)))
        items = sample_round_robin(groups, count, seed, lambda it: it.gid) if len(groups) > 1 else groups[0][:count]
        if self.options.get("shuffle", len(groups) > 1):
            items = shuffled(items, seed, lambda it: it.gid)
        elif len(groups) == 1 and count < len(groups[0]):
            items = shuffled(groups[0], seed, lambda it: it.gid)[:count]
            order = {it.gid: i for i, it in enumerate(groups[0])}
            items.sort(key=lambda it: order[it.gid])  # a subset, still in authored order

        serial = self.env.new_serialno("quizlib-quiz")
        node = quiz_node()
        node["items"] = items
        node["quiz_id"] = f"quiz-{serial + 1}"
        node["store"] = f"{serial + 1}:{len(items)}"
        node["seed"] = seed
        node["title"] = self.options.get("title", "Practice quiz")
        node += nodes.paragraph(
            text=f"Practice quiz ({len(items)} questions): available in the HTML edition of this book."
        )
        self.set_source_info(node)
        return [node]


def _secure_refusal(root: Path, path: Path) -> str | None:
    """Why ``path`` must not be rendered, when it lies in the course's secure pools folder ([tool.quizlib])."""
    try:
        config = load_course_config(root)
    except CourseConfigError as exc:
        return str(exc)
    if config.is_pool_file(path):
        return (f"{path.relative_to(root) if path.is_relative_to(root) else path} is in the secure pools folder "
                f"({config.secure_pools.name}/): the book never renders graded questions")
    return None


def _resolve_source(translator: Any, item: QuizItem) -> tuple[str, str] | None:
    env = translator.builder.env
    label = item.question.source
    found = env.get_domain("std").labels.get(label)
    if not found:
        logger.warning(
            f"quiz: question '{item.gid}' names source '{label}', which is no label in the book",
            location=translator.builder.current_docname,
        )
        return None
    docname, anchor, title = found
    uri = translator.builder.get_relative_uri(translator.builder.current_docname, docname)
    if docname == translator.builder.current_docname:
        uri = ""
    return f"{uri}#{anchor}", title


def visit_quiz_html(translator: Any, node: quiz_node) -> None:
    translator.body.append(
        render_quiz(
            node["items"],
            quiz_id=node["quiz_id"],
            store_key=node["store"],
            title=node["title"],
            seed=node["seed"],
            resolve_source=lambda item: _resolve_source(translator, item),
        )
    )
    raise nodes.SkipNode


def visit_fallback(translator: Any, node: quiz_node) -> None:
    """Other builders render the node's plain children."""


def depart_fallback(translator: Any, node: quiz_node) -> None:
    pass


class QuizBankError(SphinxError):
    category = "Invalid quiz bank"


def _failures(env: BuildEnvironment) -> dict[str, list[str]]:
    """Per-document bank errors, kept on the environment so parallel and incremental builds agree."""
    if not hasattr(env, "quizlib_failures"):
        env.quizlib_failures = {}  # type: ignore[attr-defined]
    return env.quizlib_failures  # type: ignore[attr-defined]


def _purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    _failures(env).pop(docname, None)


def _merge(app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment) -> None:
    _failures(env).update({d: f for d, f in _failures(other).items() if d in docnames})


def _fail_on_bad_banks(app: Sphinx, env: BuildEnvironment) -> None:
    """After every page is read (so every bad bank has been reported), stop before writing."""
    failed = {d: f for d, f in _failures(env).items() if f}
    if failed:
        n = sum(map(len, failed.values()))
        raise QuizBankError(f"{n} error(s) in the quiz banks used by {', '.join(sorted(failed))}; see above")


def setup_quiz(app: Sphinx) -> None:
    app.add_node(
        quiz_node,
        html=(visit_quiz_html, None),
        latex=(visit_fallback, depart_fallback),
        text=(visit_fallback, depart_fallback),
        man=(visit_fallback, depart_fallback),
        texinfo=(visit_fallback, depart_fallback),
    )
    app.add_directive("quiz", QuizDirective)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("env-check-consistency", _fail_on_bad_banks)
