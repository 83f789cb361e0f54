"""Does a ``--book-url`` lead to a graded quiz? Checked against the book as built on this machine.

Sign-in links open the page given by ``--book-url``. Jupyter Book writes a page
``book/03-instruments/01-attaches.md`` to ``_build/html/book/03-instruments/01-attaches.html``,
so the site's URL of that page has ``book/`` in it; links written without it were all 404s.
When ``_build/html`` exists here, the URL's path is matched against the built pages:
no match, or a page without a graded quiz, is worth a warning before a whole class gets the links.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

BUILT = Path("_build") / "html"
GRADED_MARK = 'class="qz-g"'


def graded_pages(built: Path) -> list[str]:
    """Built pages (relative paths) holding a graded quiz."""
    return sorted(p.relative_to(built).as_posix() for p in built.rglob("*.html")
                  if GRADED_MARK in p.read_text(encoding="utf-8", errors="replace"))


def check_book_url(url: str, built: Path = BUILT) -> list[str]:
    """Warnings about ``url`` as the page sign-in links open; empty when it looks right (or cannot be checked)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return [f"--book-url {url!r} is not an http(s) address of a page"]
    if not built.is_dir():
        return []
    path = PurePosixPath(parts.path or "/")
    segments = [s for s in path.parts if s != "/"]
    if parts.path.endswith("/") or not segments:
        segments.append("index.html")
    found = next((built.joinpath(*segments[i:]) for i in range(len(segments))
                  if built.joinpath(*segments[i:]).is_file()), None)
    pages = graded_pages(built)
    example = f" (built pages with a graded quiz: {', '.join(pages[:3])})" if pages else ""
    if found is None:
        return [f"--book-url {url}: no page of the built book ({built}) is at that path; "
                f"pages live under book/, e.g. .../book/03-instruments/01-attaches.html{example}"]
    if GRADED_MARK not in found.read_text(encoding="utf-8", errors="replace"):
        return [f"--book-url {url}: the built page {found.relative_to(built).as_posix()} holds no graded quiz, "
                f"so the link would not lead to one{example}"]
    return []
