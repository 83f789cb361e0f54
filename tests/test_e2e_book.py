"""The real book as a student meets it, in headless Chromium at phone (390 px) and desktop
(1400 px) widths: navigation, print to PDF, search, glossary previews, icons and page weight.

Pages are discovered from the build and _toc.yml, never named: chapters are being reorganised.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from .browser import serve
from .conftest import ROOT

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1400, "height": 900}}


def toc_pages() -> list[str]:
    """Every page of _toc.yml, in reading order (docnames such as ``book/intro``)."""
    def walk(node) -> list[str]:
        if isinstance(node, dict):
            out = [node[k] for k in ("root", "file") if k in node]
            for k, v in node.items():
                if k not in ("root", "file"):
                    out += walk(v)
            return out
        if isinstance(node, list):
            return [f for v in node for f in walk(v)]
        return []
    return walk(yaml.safe_load((ROOT / "_toc.yml").read_text()))


def section_pages(html: Path) -> list[str]:
    """Built pages (relative URLs) that hold a practice quiz, in reading order."""
    return [f"{doc}.html" for doc in toc_pages() if '<section class="qz"' in (html / f"{doc}.html").read_text()]


def quiz_types(html: Path, page: str) -> set[str]:
    return set(re.findall(r'data-key=\'\{"t":"(\w+)"', (html / page).read_text()))


@pytest.fixture(scope="module")
def site(built_book):
    with serve(built_book) as url:
        yield url


@pytest.fixture(scope="module")
def sections(built_book) -> list[str]:
    pages = section_pages(built_book)
    assert len(pages) > 10
    return pages


@pytest.fixture
def open_page(chromium_browser, site):
    """open_page(path, device) -> a Playwright page, loaded; console errors fail the test."""
    contexts, errors = [], []

    def opener(path: str, device: dict = DESKTOP, **kw):
        context = chromium_browser.new_context(**device, **kw)
        contexts.append(context)
        pg = context.new_page()
        pg.on("pageerror", lambda exc: errors.append(f"{pg.url}: {exc}"))
        pg.on("console", lambda m: errors.append(f"{pg.url}: {m.text}") if m.type == "error" else None)
        pg.goto(f"{site}/{path}")
        return pg

    yield opener
    for c in contexts:
        c.close()
    assert errors == []


# Navigation -----------------------------------------------------------------

def test_phone_menu_reaches_another_chapter(open_page, sections):
    """Tap the menu on a phone, then a chapter in it: the chapter opens."""
    start, other = sections[0], sections[-1]
    pg = open_page(start, PHONE)
    nav = pg.locator("#pst-primary-sidebar-modal, .bd-sidebar-primary").first
    href = os.path.relpath(other, os.path.dirname(start))
    link = nav.locator(f'a.reference.internal[href="{href}"]').first
    assert not link.is_visible()  # the sidebar is closed on a phone
    pg.locator("button.primary-toggle:visible").first.tap()
    link.wait_for(state="visible")
    link.tap()
    pg.wait_for_url(re.compile(re.escape(other) + r"$"))
    assert pg.locator("main h1").first.is_visible()


def test_phone_page_contents_button_opens_the_outline(open_page, sections):
    pg = open_page(sections[0], PHONE)
    pg.locator("button.secondary-toggle:visible").first.tap()
    outline = pg.locator("#pst-secondary-sidebar-modal a.nav-link, .bd-sidebar-secondary a.nav-link").first
    outline.wait_for(state="visible")


@pytest.mark.parametrize("path", ["book/intro.html", "search.html"])
def test_desktop_shows_one_search_box(open_page, sections, path):
    for page in (path, sections[0]):
        pg = open_page(page, DESKTOP)
        boxes = pg.locator(".search-button-field:visible, input[type=search]:visible, form.bd-search:visible")
        assert boxes.count() == 1, (page, boxes.evaluate_all("es => es.map(e => e.outerHTML.slice(0, 120))"))


# Print ------------------------------------------------------------------------

def _pdf_text(pg, tmp_path: Path, name: str) -> list[str]:
    """Print the page as Chromium does and read it back with poppler's pdftotext; one string per page."""
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext is not installed (poppler-utils); `python3 run.py test` as root installs it")
    pdf = tmp_path / f"{name}.pdf"
    pg.pdf(path=str(pdf), format="A4", print_background=False)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [re.sub(r"[ \t]+", " ", p) for p in text.split("\f")]


def _squash(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def test_print_a_section_page(open_page, built_book, sections, tmp_path):
    """Each question whole on one page, options as letters, matching as two lists with blanks,
    and the answers and explanations in a section after the questions."""
    page = max(sections, key=lambda p: len(quiz_types(built_book, p)))
    pg = open_page(page, DESKTOP)
    pg.wait_for_selector(".qz-b button")
    questions = pg.locator("form.qz-q").evaluate_all("""fs => fs.map(f => ({
        type: JSON.parse(f.dataset.key).t,
        prompt: f.querySelector('.qz-p').innerText,
        options: [...f.querySelectorAll('.qz-o label, .qz-r li span, .qz-mr li')].map(e => e.textContent.trim()),
        lefts: [...f.querySelectorAll('.qz-m label > span:first-child')].map(e => e.textContent.trim()),
        explanation: f.querySelector('.qz-x').innerText }))""")
    pages = [_squash(p) for p in _pdf_text(pg, tmp_path, "section")]
    whole = " ".join(pages)
    for word in ("Choose…", "Try again", "Show answer"):
        assert word not in whole
    key_page = next(i for i, p in enumerate(pages) if "Answers and explanations" in p)
    for n, q in enumerate(questions, 1):
        heading = f"Question {n} ("
        on = [i for i, p in enumerate(pages) if heading in p]
        assert len(on) == 1 and on[0] < key_page, (n, on, key_page)
        last = _squash(q["options"][-1] if q["options"] else q["prompt"])[:40]
        assert last in pages[on[0]], f"question {n} is split across pages"
        for i, option in enumerate(q["options"]):
            assert f"{chr(65 + i)}. {_squash(option)[:30]}" in pages[on[0]], (n, option)
        for i, left in enumerate(q["lefts"], 1):
            assert f"{i}. {_squash(left)} ______" in pages[on[0]], (n, left)
        answers = " ".join(pages[key_page:])
        assert f"Question {n}. Answer:" in answers
        assert _squash(q["explanation"])[:40] in answers
    assert {"single", "multiple", "matching", "ordering"} <= {q["type"] for q in questions}


def test_pdf_button_prints_the_tidy_page(open_page, sections):
    """The theme's ".pdf" download button opens the browser's print (save as PDF) dialog."""
    pg = open_page(sections[0], DESKTOP)
    pg.evaluate("window.print = () => { window.__printed = (window.__printed || 0) + 1; }")
    pg.locator(".dropdown-download-buttons button").first.click()
    pg.locator(".btn-download-pdf-button").click()
    assert pg.evaluate("window.__printed") == 1


def test_print_without_javascript_shows_the_answers(chromium_browser, site, sections, tmp_path):
    context = chromium_browser.new_context(java_script_enabled=False)
    pg = context.new_page()
    pg.goto(f"{site}/{sections[0]}")
    explanation = _squash(pg.locator(".qz-x").first.inner_text())
    text = _squash(" ".join(_pdf_text(pg, tmp_path, "nojs")))
    context.close()
    assert explanation[:40] in text
