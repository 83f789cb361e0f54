"""Read what the linter needs from the book's Markdown: section pages, their anchors, chapter objectives.

Only the few MyST constructs banks refer to are read, line by line, so each one
keeps its line number for reports: ``(label)=`` targets (a question's
``source``), headings, and the objective items of a chapter's index page
(``1. **O2.1** Explain ...``). Content inside plain code fences is skipped
because MyST does not parse it; directive fences (```` ```{admonition} ````,
``:::``) are read, since labels inside them are real targets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

#: A section page: ``book/NN-chapter/NN-slug.md``.
SECTION_GLOB = "[0-9][0-9]-*/[0-9][0-9]-*.md"
CHAPTER_GLOB = "[0-9][0-9]-*"

_LABEL = re.compile(r"^\s*\((?P<label>[^()\s]+)\)=\s*$")
_HEADING = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<text>.+?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(?P<fence>`{3,}|~{3,}|:{3,})(?P<info>.*)$")
_OBJECTIVE = re.compile(r"^\s*(?:\d+[.)]|[-*+])\s+\*\*(?P<id>O\d+(?:\.\d+)+)\*\*\s*(?P<text>.*)$")
_LIST_ITEM = re.compile(r"^\s*(?:\d+[.)]|[-*+])\s+")


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    line: int


@dataclass
class Page:
    """One Markdown page: its labels (name -> line) and headings, for resolving ``source``."""

    path: Path
    labels: dict[str, int] = field(default_factory=dict)
    headings: list[Heading] = field(default_factory=list)

    def anchors(self, heading_anchor_depth: int = 0) -> set[str]:
        """Names a reference can target: every label, plus heading slugs when the book enables them."""
        slugs = {heading_slug(h.text) for h in self.headings if h.level <= heading_anchor_depth}
        return set(self.labels) | slugs


@dataclass(frozen=True)
class ChapterObjective:
    id: str
    text: str
    line: int


@dataclass
class Chapter:
    """A chapter folder: its index page's objectives in order (empty if the index is missing)."""

    name: str
    index: Path
    objectives: list[ChapterObjective] = field(default_factory=list)
    index_exists: bool = True

    def objective(self, objective_id: str) -> ChapterObjective | None:
        return next((o for o in self.objectives if o.id == objective_id), None)


@dataclass
class Book:
    """The book as the linter sees it. ``sections`` is keyed by docname relative to the book folder."""

    folder: Path
    chapters: dict[str, Chapter]
    sections: dict[str, Page]
    heading_anchor_depth: int = 0
    _other: dict[str, Page | None] = field(default_factory=dict, repr=False)

    def page(self, docname: str) -> Page | None:
        """A section page, or any other page of the book read once on demand (a bank may point at a summary)."""
        if docname in self.sections:
            return self.sections[docname]
        if docname not in self._other:
            path = self.folder / f"{docname}.md"
            self._other[docname] = read_page(path) if path.is_file() else None
        return self._other[docname]


def heading_slug(text: str) -> str:
    """The anchor MyST derives from a heading when ``myst_heading_anchors`` is on (GitHub style)."""
    text = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return text.replace(" ", "-")


def _content_lines(text: str) -> list[tuple[int, str]]:
    """(line number, line) pairs MyST parses as Markdown: plain code fence bodies are dropped.

    Fences nest (a directive may hold a code block); a fence closes on the same
    character, at least as long, with no info string, as in CommonMark.
    """
    out: list[tuple[int, str]] = []
    stack: list[tuple[str, int, bool]] = []  # (fence char, length, is plain code)
    for n, line in enumerate(text.splitlines(), 1):
        in_code = bool(stack) and stack[-1][2]
        m = _FENCE.match(line)
        if m:
            marker, info = m["fence"], m["info"].strip()
            if stack and marker[0] == stack[-1][0] and len(marker) >= stack[-1][1] and not info:
                stack.pop()
                continue
            if not in_code:
                directive = marker[0] == ":" or info.startswith("{")
                stack.append((marker[0], len(marker), not directive))
                continue
        if not in_code:
            out.append((n, line))
    return out


def read_page(path: Path) -> Page:
    page = Page(path)
    for n, line in _content_lines(path.read_text(encoding="utf-8")):
        label = _LABEL.match(line)
        if label:
            page.labels.setdefault(label["label"], n)
            continue
        heading = _HEADING.match(line)
        if heading:
            page.headings.append(Heading(len(heading["hashes"]), heading["text"], n))
    return page


def read_objectives(index: Path) -> list[ChapterObjective]:
    """Objective items of a chapter index, joining an item's wrapped continuation lines."""
    objectives: list[ChapterObjective] = []
    current: dict | None = None
    for n, line in _content_lines(index.read_text(encoding="utf-8")):
        m = _OBJECTIVE.match(line)
        if m:
            if current:
                objectives.append(ChapterObjective(**current))
            current = {"id": m["id"], "text": m["text"].strip(), "line": n}
        elif current and line.strip() and line[:1].isspace() and not _LIST_ITEM.match(line):
            current["text"] += " " + line.strip()
        elif current:
            objectives.append(ChapterObjective(**current))
            current = None
    if current:
        objectives.append(ChapterObjective(**current))
    return objectives


def _heading_anchor_depth(config_file: Path) -> int:
    """``myst_heading_anchors`` from the book's ``_config.yml`` (0 = headings get no automatic anchors)."""
    try:
        config = yaml.safe_load(config_file.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return 0
    for where in (config.get("parse") or {}, ((config.get("sphinx") or {}).get("config") or {})):
        value = where.get("myst_heading_anchors") if isinstance(where, dict) else None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return 0


def read_book(folder: Path, config_file: Path | None = None) -> Book:
    """Read every chapter index and section page under ``folder``."""
    folder = Path(folder)
    chapters: dict[str, Chapter] = {}
    for chapter_dir in sorted(p for p in folder.glob(CHAPTER_GLOB) if p.is_dir()):
        index = chapter_dir / "index.md"
        exists = index.is_file()
        chapters[chapter_dir.name] = Chapter(
            chapter_dir.name, index, read_objectives(index) if exists else [], index_exists=exists
        )
    sections = {
        path.relative_to(folder).with_suffix("").as_posix(): read_page(path)
        for path in sorted(folder.glob(SECTION_GLOB))
    }
    depth = _heading_anchor_depth(config_file) if config_file else 0
    return Book(folder, chapters, sections, depth)
