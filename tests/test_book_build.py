"""The whole book builds with warnings as errors, so a broken reference breaks CI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT


@pytest.fixture(scope="session")
def built_book(tmp_path_factory) -> Path:
    """Build the real book once per test session into a temporary folder; return its HTML root."""
    out = tmp_path_factory.mktemp("book")
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb), "build", str(ROOT), "--builder", "html", "-W", "-n", "--keep-going", "--path-output", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        warnings = [l for l in (proc.stdout + proc.stderr).splitlines() if "WARNING" in l or "ERROR" in l]
        pytest.fail("book build failed:\n" + "\n".join(warnings[:50] or [proc.stdout[-3000:], proc.stderr[-3000:]]))
    return out / "_build" / "html"


def test_book_builds_without_warnings(built_book):
    assert (built_book / "book" / "intro.html").is_file()
