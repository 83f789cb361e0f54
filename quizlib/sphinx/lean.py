"""Load each extension's CSS and JavaScript only on pages that use it.

Jupyter Book's extensions add their assets to every page: the copy button (and the
clipboard library and code colours) where there is no code, the toggle button where
nothing folds, sphinx-design where no card or tab is, myst-nb's notebook styles in a
book without notebooks. On a section page that is eight requests for nothing. Each rule
below names the files and the doctree test for "this page needs them"; pages without a
doctree (search, genindex) keep everything.
"""

from __future__ import annotations

from typing import Any, Callable

from docutils import nodes
from sphinx.application import Sphinx


def _has_code(doctree: nodes.document) -> bool:
    return any(True for _ in doctree.findall(nodes.literal_block))


def _has_class(doctree: nodes.document, test: Callable[[str], bool]) -> bool:
    return any(test(c) for node in doctree.findall(nodes.Element) for c in node.get("classes", ()))


#: (file-name prefixes, does this page need them?)
RULES: list[tuple[tuple[str, ...], Callable[[nodes.document], bool]]] = [
    (("copybutton.css", "copybutton.js", "clipboard.min.js", "pygments.css"), _has_code),
    (("togglebutton.css", "togglebutton.js"), lambda d: _has_class(d, lambda c: c in ("toggle", "dropdown"))),
    (("sphinx-design.min.css", "design-tabs.js"), lambda d: _has_class(d, lambda c: c.startswith("sd-"))),
    (("mystnb.",), lambda d: _has_class(d, lambda c: c.startswith("cell") or c.startswith("output"))),
]


def _file_name(asset: Any) -> str:
    name = getattr(asset, "filename", None) or str(asset)
    return name.rsplit("/", 1)[-1]


def _trim(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    if doctree is None:
        return
    unused = tuple(p for prefixes, needed in RULES if not needed(doctree) for p in prefixes)
    if not unused:
        return
    for key in ("css_files", "script_files"):
        if key in context:  # the builder's per-page list, restored by Sphinx after the page
            context[key][:] = [a for a in context[key] if not _file_name(a).startswith(unused)]


def setup_lean(app: Sphinx) -> None:
    app.connect("html-page-context", _trim, priority=900)  # after extensions have added their files
