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


def test_feedback_links_open_the_built_page_at_the_section(built_book, tmp_path):
    """Every "reread" link of a feedback file names a page of the built site and an anchor on it.

    The responses answer one question of each course bank wrongly (whatever the banks are today), so
    every bank's feedback carries a link; each is resolved against the HTML the book build wrote.
    """
    import json
    import re

    from bs4 import BeautifulSoup

    from quizlib.cli import main
    from quizlib.loader import load_banks

    banks = list(load_banks([ROOT / "quizzes"]).banks.values())
    with open(tmp_path / "r.jsonl", "w", encoding="utf-8") as fh:
        for i, bank in enumerate(banks):
            fh.write(json.dumps({"student": f"s{i}", "bank": bank.id, "answers": {}}) + "\n")
    site = "https://course.example.org/military-diplomacy"
    assert main(["grade", str(tmp_path / "r.jsonl"), "--banks", str(ROOT / "quizzes"), "--book", str(ROOT / "book"),
                 "--book-url", site, "-o", str(tmp_path / "out"), "--no-responses"]) == 0
    links = set()
    for f in (tmp_path / "out" / "feedback").glob("*.md"):
        links |= set(re.findall(r"<(https://[^>]+)>", f.read_text(encoding="utf-8")))
    assert len(links) >= len(banks)
    pages: dict[str, set[str]] = {}
    for link in links:
        assert link.startswith(site + "/")
        path, _, anchor = link[len(site) + 1:].partition("#")
        html = built_book / path
        assert html.is_file(), f"{link}: no page {path} in the built book"
        if path not in pages:
            pages[path] = {t["id"] for t in BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser").select("[id]")}
        assert anchor in pages[path], f"{link}: no anchor #{anchor} on {path}"
