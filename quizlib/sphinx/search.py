"""Search that ignores accents and case: "attache", "Attaché" and "ATTACHÉ" find the same pages.

Sphinx lower-cases words but keeps their accents, so an English course that writes
"attaché" is found only by students who type the accent. The index and the query must
fold alike, so both sides change: :class:`FoldingEnglish` strips combining marks before
stemming each indexed word, and its ``js_stemmer_code`` (which Sphinx writes into
``language_data.js`` for ``searchtools.js``) wraps the same Porter stemmer to strip them
from each query word first. Registered through Sphinx's ``add_search_language``.

The search page also shows its own search form; there the sidebar's search field is a
second box for the same thing, so it is hidden on that page alone.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from sphinx.application import Sphinx
from sphinx.search.en import SearchEnglish


def fold(word: str) -> str:
    """Lower-case ``word`` and drop its combining marks (NFKD), as the query side does with \\p{M}."""
    return "".join(c for c in unicodedata.normalize("NFKD", word.lower()) if not unicodedata.category(c).startswith("M"))


_FOLD_QUERY_JS = """
/* quizlib: fold accents and case in each query word, as the index was folded (attaché = attache).
   The leading semicolon ends Sphinx's `var Stemmer = function () {...}` statement. */
;(function () {
  var Porter = Stemmer;
  Stemmer = function () {
    var inner = new Porter();
    this.stemWord = function (w) { return inner.stemWord(w.toLowerCase().normalize("NFKD").replace(/\\p{M}/gu, "")); };
  };
})();
"""


class FoldingEnglish(SearchEnglish):
    """English search whose index and query words are accent- and case-folded before stemming."""

    lang = "en"
    js_stemmer_code = SearchEnglish.js_stemmer_code + _FOLD_QUERY_JS

    def stem(self, word: str) -> str:
        return super().stem(fold(word))


_SEARCH_PAGE_CSS = "<style>.bd-sidebar-primary .search-button-field{display:none!important}</style>"


def _search_page(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    if pagename == "search":
        context["metatags"] = context.get("metatags", "") + _SEARCH_PAGE_CSS


def setup_search(app: Sphinx) -> None:
    app.add_search_language(FoldingEnglish)
    app.connect("html-page-context", _search_page)
