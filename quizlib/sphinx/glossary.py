"""A glossary term's definition, previewed where the term is used (hover and keyboard focus).

Reading "the {term}`liaison officer` is placed ..." a student should not have to leave
the page to recall what a liaison officer is. At read time the definitions of every
``{glossary}`` are collected (per document, with purge and merge hooks so parallel and
incremental builds agree). At write time each page that links a term gets the
definitions it uses as a small JSON block, and ``quizlib-glossary.js`` shows one in a
``role="tooltip"`` box on hover or focus (dismissed with Escape, hoverable, as WCAG
1.4.13 asks).

Why not sphinx-tippy: it loads tippy.js and Popper from a CDN by default (this book
works offline) and adds three requests per page (two libraries and a per-page data
file), which would break the 15-request budget of a section page; what the book needs,
a box under a link, is thirty lines of script with no positioning library.
"""

from __future__ import annotations

import json
import re
from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

MAX_CHARS = 400
_DATA_ID = "qz-glossary"


def _definitions(env: BuildEnvironment) -> dict[str, dict[str, tuple[str, str]]]:
    """{docname: {term id: (term, definition text)}} kept on the environment."""
    if not hasattr(env, "quizlib_glossary"):
        env.quizlib_glossary = {}  # type: ignore[attr-defined]
    return env.quizlib_glossary  # type: ignore[attr-defined]


def _plain(node: nodes.Node) -> str:
    text = re.sub(r"\s+", " ", node.astext()).strip()
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 1].rsplit(" ", 1)[0] + "…"


def _collect(app: Sphinx, doctree: nodes.document) -> None:
    found: dict[str, tuple[str, str]] = {}
    for glossary in doctree.findall(addnodes.glossary):
        for item in glossary.findall(nodes.definition_list_item):
            definition = next(iter(item.findall(nodes.definition)), None)
            if definition is None:
                continue
            for term in item.findall(nodes.term):
                for term_id in term["ids"]:
                    found[term_id] = (_plain(term), _plain(definition))
    if found:
        _definitions(app.env)[app.env.docname] = found


def _purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    _definitions(env).pop(docname, None)


def _merge(app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment) -> None:
    _definitions(env).update({d: v for d, v in _definitions(other).items() if d in docnames})


def _terms_used(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Note on the doctree (which travels to parallel writers) the definitions this page links."""
    known = {tid: v for defs in _definitions(app.env).values() for tid, v in defs.items()}
    used: dict[str, list[str]] = {}
    for ref in doctree.findall(nodes.reference):
        if "#" not in ref.get("refuri", "") or not any("std-term" in c["classes"] for c in ref.findall(nodes.inline)):
            continue
        term_id = ref["refuri"].rsplit("#", 1)[1]
        if term_id in known:
            used[term_id] = list(known[term_id])
    if used:
        doctree["quizlib_terms"] = used


def _page(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    used = doctree.get("quizlib_terms") if doctree is not None else None
    if not used or "body" not in context:
        return
    data = json.dumps(used, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    context["body"] += f'<script type="application/json" id="{_DATA_ID}">{data}</script>'
    app.add_js_file("quizlib-glossary.js", defer="defer")


def setup_glossary(app: Sphinx) -> None:
    from .assets import STATIC

    app.connect("builder-inited", lambda app: app.config.html_static_path.append(str(STATIC))
                if app.builder.format == "html" and str(STATIC) not in app.config.html_static_path else None)
    app.connect("doctree-read", _collect)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("doctree-resolved", _terms_used)
    app.connect("html-page-context", _page)
