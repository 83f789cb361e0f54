"""Markdown to HTML for prompts, options and explanations, shared by every HTML output.

Authors write prompts in Markdown (emphasis, links, inline code). Raw HTML in a
bank is escaped, not passed through: banks are content, and a stray ``<script>``
must never reach a page or an LMS export.
"""

from __future__ import annotations

from functools import lru_cache

from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")


@lru_cache(maxsize=8192)
def render_block(text: str) -> str:
    """Block Markdown (paragraphs, lists) to HTML."""
    return _md.render(text).strip()


@lru_cache(maxsize=8192)
def render_inline(text: str) -> str:
    """Inline Markdown (no wrapping <p>) for option texts, labels and legends."""
    return _md.renderInline(text.strip())
