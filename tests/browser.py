"""Headless Chromium (Debian's, driven by Playwright) and a loopback file server.

We never download a browser: Playwright is pointed at /usr/bin/chromium, which
`run.py test` installs with apt-get when it can. Without it the browser tests
skip and say why.
"""

from __future__ import annotations

import functools
import http.server
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# Flags the workplace needs: no sandbox as root, and no background connections to a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_chromium() -> None:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (/usr/bin/chromium); `python3 run.py test` as root installs it")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:  # pragma: no cover - dev extra missing
        pytest.skip("playwright is not installed (pip install -e '.[dev]')")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve(directory: Path, port: int = 0) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1 (at a free port unless given); yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


AXE = Path(__file__).resolve().parent.parent / ".venv" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page, selector: str) -> list[tuple[str, str, list[str]]]:
    """WCAG 2.1 A/AA violations axe-core finds inside ``selector``: (rule, impact, offending HTML)."""
    if not AXE.exists():
        pytest.skip("axe-core is not installed (.venv/axe); `python3 run.py test` installs it with npm")
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async ([sel, tags]) => {
             const r = await axe.run(document.querySelector(sel), {runOnly: {type: "tag", values: tags}});
             return r.violations.map(v => [v.id, v.impact, v.nodes.map(n => n.html.slice(0, 160))]);
           }""",
        [selector, WCAG],
    )
