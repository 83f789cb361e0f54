"""Build a small Sphinx project in-process, as the directive and browser tests need."""

from __future__ import annotations

import io
import re
from pathlib import Path

from sphinx.errors import SphinxError
from sphinx.testing.util import SphinxTestApp

ANSI = re.compile(r"\x1b\[[0-9;]*m")


class Build:
    def __init__(self, src: Path):
        self.src = src
        self.out = src / "_build" / "html"

    def run(self) -> tuple[str, str, int]:
        """(status text, warnings text, exit code); a SphinxError counts as exit code 2."""
        status, warning = io.StringIO(), io.StringIO()
        app = SphinxTestApp("html", srcdir=self.src, status=status, warning=warning, freshenv=False)
        code = 0
        try:
            app.build()
            code = app.statuscode
        except SphinxError as exc:
            warning.write(f"\n{exc.category}: {exc}\n")
            code = 2
        finally:
            app.cleanup()  # unregisters docutils nodes/directives so the next build starts clean
        return ANSI.sub("", status.getvalue()), ANSI.sub("", warning.getvalue()), code
