"""``quizlib.sphinx.book``: a Jupyter Book (sphinx-book-theme) that reads well on any device.

Separate from ``quizlib.sphinx`` (the quiz directives) because it changes the theme's
pages, which a project that only wants quizzes may not want. Add both to the extensions:

* :mod:`.icons`  - the theme's icons from a 9 KB stylesheet instead of a 1.5 MB script;
* :mod:`.lean`   - each extension's assets only on pages that use them;
* :mod:`.search` - accent- and case-folded search, one search box per page;
* :mod:`.glossary` - a preview of a glossary term's definition on hover and keyboard focus.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx

from .. import __version__
from .glossary import setup_glossary
from .icons import setup_icons
from .lean import setup_lean
from .search import setup_search


def setup(app: Sphinx) -> dict[str, Any]:
    setup_icons(app)
    setup_lean(app)
    setup_search(app)
    setup_glossary(app)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
