"""Moodle's text formats to the banks' Markdown, and the small text chores every importer shares.

Moodle stores each text with a format: HTML, "Moodle auto-format" (HTML allowed, line
breaks kept), Markdown, or plain text. HTML becomes Markdown through markdownify, a
maintained HTML-to-Markdown converter; plain text is escaped the same way so that a
literal ``*`` or ``_`` stays literal. The converter escapes every character Markdown
might read as syntax; when the unescaped text renders to the same HTML (the common case)
the cleaner one is kept, so imported banks read as if typed by hand.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

from bs4 import BeautifulSoup
from markdownify import MarkdownConverter

from ..markdown import render_block, render_inline
from ..models import ID_PATTERN

_OPTIONS = {"heading_style": "ATX", "bullets": "-", "strong_em_symbol": "*", "code_language": ""}
_ESCAPING = MarkdownConverter(**_OPTIONS, escape_misc=True, escape_asterisks=True, escape_underscores=True)
_PLAIN = MarkdownConverter(**_OPTIONS, escape_misc=False, escape_asterisks=False, escape_underscores=False)

#: Moodle's names for text formats (question/format/xml/format.php, trans_format; GIFT's [markers]).
HTML, MOODLE, MARKDOWN, PLAIN = "html", "moodle_auto_format", "markdown", "plain_text"
GIFT_FORMATS = {"html": HTML, "moodle": MOODLE, "markdown": MARKDOWN, "plain": PLAIN}


def _squash(text: str) -> str:
    return " ".join(text.split())


_PARAGRAPH = re.compile(r"^\s*<p>([^<&]*)</p>\s*$")


@lru_cache(maxsize=8192)
def html_to_markdown(fragment: str, inline: bool = False) -> str:
    """Markdown for an HTML fragment, escaped only where escaping changes what it shows."""
    if not fragment.strip():
        return ""
    render = render_inline if inline else render_block
    # Fast path, most texts: one paragraph (or none) of plain text that Markdown shows as it stands.
    m = _PARAGRAPH.match(fragment)
    text = m.group(1).strip() if m else fragment.strip()
    if "<" not in text and "&" not in text and "\n" not in text:
        if render(text) == (text if inline else f"<p>{text}</p>"):
            return text
    soup = BeautifulSoup(fragment, "html.parser")
    escaped = _ESCAPING.convert_soup(soup).strip()
    clean = _PLAIN.convert_soup(soup).strip()
    if clean != escaped and _squash(render(clean)) == _squash(render(escaped)):
        return clean
    return escaped


def to_markdown(text: str, fmt: str, inline: bool = False) -> str:
    """``text`` stored in Moodle format ``fmt`` as the banks' Markdown."""
    if fmt == MARKDOWN:
        return text.strip()
    if fmt == HTML:
        return html_to_markdown(text, inline)
    if fmt == MOODLE:
        # Moodle auto-format keeps line breaks (text_to_html); HTML inside it stays HTML.
        return html_to_markdown(text.strip().replace("\n", "<br>\n"), inline)
    # plain text and anything unknown: every character is literal
    return html_to_markdown("<p>" + html.escape(text.strip()).replace("\n", "<br>\n") + "</p>", inline)


def plain_text(text: str, fmt: str) -> str:
    """What ``text`` shows, without formatting (matching choices are plain text in Moodle)."""
    if fmt in (HTML, MOODLE):
        return _squash(html.unescape(re.sub(r"<[^>]+>", " ", text)))
    return text.strip()


def literal_markdown(text: str) -> str:
    """Markdown that shows ``text`` exactly: a one-line plain-text field of the source (a matching
    choice, which LMSs show in a drop-down, where line breaks are spaces)."""
    return to_markdown(_squash(text), PLAIN, inline=True)


_ID_RE = re.compile(ID_PATTERN)


def slug(text: str, limit: int = 60) -> str:
    """A file- and id-safe name: ``01 What is military diplomacy?`` -> ``01-what-is-military-diplomacy``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    out = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return out[:limit].rstrip("-") or "x"


def as_id(text: str) -> str:
    """``text`` if it is already a valid id, else its slug."""
    text = text.strip()
    return text if _ID_RE.match(text) and len(text) <= 80 else slug(text, 80)
