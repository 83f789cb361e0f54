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
    """Tap the menu on a phone, then another chapter in it: the chapter opens."""
    start = sections[0]
    pg = open_page(start, PHONE)
    chapter_links = "li.toctree-l1 > a.reference.internal[href$='/index.html']"
    assert not pg.locator(f"{chapter_links}:visible").count()  # the navigation is closed on a phone
    pg.locator("button.primary-toggle:visible").first.tap()
    link = pg.locator(f"dialog[open] {chapter_links}").last
    link.wait_for(state="visible")
    href = link.get_attribute("href")
    assert os.path.dirname(href) != "."  # another chapter's folder
    link.tap()
    target = os.path.normpath(os.path.join(os.path.dirname(start), href))
    pg.wait_for_url(re.compile(re.escape(target) + r"$"))
    assert pg.locator("article.bd-article").is_visible()


def test_phone_page_contents_button_opens_the_outline(open_page, sections):
    pg = open_page(sections[0], PHONE)
    pg.locator("button.secondary-toggle:visible").first.tap()
    outline = pg.locator("dialog[open] a.nav-link").first
    outline.wait_for(state="visible")


@pytest.mark.parametrize("path", ["book/intro.html", "search.html"])
def test_desktop_shows_one_search_box(open_page, sections, path):
    for page in (path, sections[0]):
        pg = open_page(page, DESKTOP)
        boxes = pg.locator(".search-button-field:visible, input[type=search]:visible")
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
    # (a statement, not an expression: Playwright would call a function the string evaluates to)
    pg.evaluate("window.print = () => { window.__printed = (window.__printed || 0) + 1; }; undefined")
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


# Search -----------------------------------------------------------------------

def _search(pg, site: str, query: str) -> int:
    pg.goto(f"{site}/search.html?q={query}")
    pg.wait_for_function("(document.querySelector('.search-summary') || {}).textContent")
    return pg.locator("ul.search li").count()


@pytest.mark.parametrize("device", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_search_ignores_accents_and_case(open_page, site, device):
    pg = open_page("search.html", device)
    counts = {q: _search(pg, site, q) for q in ("attache", "attaché", "ATTACHÉ", "Attachés")}
    assert len(set(counts.values())) == 1 and counts["attache"] > 8, counts


def test_search_index_is_loaded_only_by_the_search_page(built_book, sections):
    assert "searchindex.js" in (built_book / "search.html").read_text()
    for page in sections:
        assert "searchindex.js" not in (built_book / page).read_text(), page


# Glossary previews ------------------------------------------------------------

@pytest.mark.parametrize("device", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_glossary_term_previews_on_hover_and_focus(open_page, built_book, sections, device):
    page = next(p for p in sections if "std-term" in (built_book / p).read_text())
    pg = open_page(page, device)
    term = pg.locator("a.reference.internal:has(.std-term)").first
    term.scroll_into_view_if_needed()
    tip = pg.locator("#qz-term-tip[role=tooltip]")
    term.focus()  # keyboard: a link is in the tab order
    assert tip.is_visible() and term.get_attribute("aria-describedby") == "qz-term-tip"
    name = term.inner_text().strip().lower()
    text = tip.inner_text()
    assert len(text) > len(name) + 20
    box, width = tip.bounding_box(), pg.viewport_size["width"]
    assert box["x"] >= 0 and box["x"] + box["width"] <= width  # fits the phone's screen
    pg.keyboard.press("Escape")
    assert not tip.is_visible() and term.get_attribute("aria-describedby") is None
    if device is DESKTOP:
        term.hover()
        assert tip.is_visible() and tip.inner_text() == text


# Page weight and icons ------------------------------------------------------------

@pytest.mark.parametrize("device", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_section_page_first_view_is_light(chromium_browser, site, sections, device):
    """<= 15 requests and <= 350 KB gzipped for a section page's first view, every icon drawn."""
    import gzip

    context = chromium_browser.new_context(**device)
    pg = context.new_page()
    loads: list[tuple[str, int, int]] = []
    pg.on("response", lambda r: loads.append((r.url, r.status, len(gzip.compress(r.body(), 6)))))
    pg.goto(f"{site}/{sections[0]}", wait_until="networkidle")
    names = [u.rsplit("/", 1)[-1].split("?")[0] for u, _, _ in loads]
    assert all(status < 400 for _, status, _ in loads), loads
    assert len(loads) <= 15, names
    assert sum(size for _, _, size in loads) <= 350_000, names
    assert "fontawesome.js" not in names and "searchindex.js" not in names
    icons = pg.locator(":is(i, span)[class*='fa-']:visible, .admonition-title:visible")
    assert icons.count() >= 3
    for i in range(icons.count()):
        icon = icons.nth(i)
        icon.scroll_into_view_if_needed()
        if "admonition-title" in (icon.get_attribute("class") or ""):
            box = icon.bounding_box()  # the theme draws the admonition icon at the title's left edge
            shot = pg.screenshot(clip={"x": box["x"], "y": box["y"], "width": 24, "height": box["height"]})
        else:
            shot = icon.screenshot()
        assert _inked(shot), icon.evaluate("e => e.outerHTML")
    context.close()


def _inked(png: bytes) -> bool:
    """Whether an image has a mark: at least a few pixels unlike its most common colour."""
    import io

    from PIL import Image

    img = Image.open(io.BytesIO(png)).convert("L")
    counts = img.histogram()
    background = max(range(256), key=counts.__getitem__)
    return sum(n for v, n in enumerate(counts) if abs(v - background) > 60) >= 4


def test_icon_font_keeps_every_icon_the_pages_name(built_book):
    """The subset web font still has a glyph for every fa- icon on every page (read with fontTools)."""
    from fontTools.ttLib import TTFont

    from quizlib.sphinx.icons import FONTS, icon_table, icons_named

    fonts = {p: TTFont(next(built_book.rglob(f))).getBestCmap() for p, f in FONTS.items()}
    table = icon_table()
    named = {icon for page in built_book.rglob("*.html") for icon in icons_named(page.read_text())}
    assert len(named) >= 10
    missing = [f"{p} fa-{n}" for p, n in named if table[p][n] not in fonts[p]]
    assert missing == []
    assert (built_book / "_static" / "vendor" / "fontawesome" / "webfonts" / "fa-solid-900.woff2").stat().st_size < 20_000


# Favicon and console ------------------------------------------------------------

def book_pages(html: Path) -> list[Path]:
    return sorted(
        p for p in html.rglob("*.html")
        if not p.relative_to(html).parts[0].startswith("_")  # theme templates, not pages
        and 'http-equiv="refresh"' not in p.read_text().lower()  # the root redirect stub
    )


@pytest.mark.parametrize("device", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_no_console_errors_or_failed_loads_on_any_page(chromium_browser, built_book, site, device):
    """Every page of the real book loads without a script error, console error or failed request
    (the favicon included)."""
    pages = book_pages(built_book)
    assert len(pages) > 40
    context = chromium_browser.new_context(**device)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(f"{pg.url}: {exc}"))
    pg.on("console", lambda m: errors.append(f"{pg.url}: {m.text}") if m.type == "error" else None)
    pg.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    for path in pages:
        pg.goto(f"{site}/{path.relative_to(built_book).as_posix()}", wait_until="load")
        icon = pg.locator("link[rel=icon]").first.get_attribute("href")
        assert pg.request.get(f"{pg.url.rsplit('/', 1)[0]}/{icon}").ok, path
    assert pg.request.get(f"{site}/favicon.ico").ok
    context.close()
    assert errors == []


# Review queue ---------------------------------------------------------------------

def _review_page(built_book: Path) -> str:
    return next(f"{d}.html" for d in toc_pages() if 'class="qz-rv"' in (built_book / f"{d}.html").read_text())


def _answer(form, right: bool) -> None:
    """Answer a single-choice question (from its page's key) rightly or wrongly."""
    key = json.loads(form.get_attribute("data-key"))
    choice = key["c"] if right else next(o for o in key["o"] if o != key["c"])
    form.locator(f'input[value="{choice}"]').check()
    form.get_by_role("button", name="Check").click()


@pytest.mark.parametrize("device", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_review_queue_brings_missed_questions_back(chromium_browser, site, built_book, sections, device):
    """Across page loads, with the browser's clock under the test's control: a question missed on
    a section page is due on the Review page a day later, not before; answered right there it
    comes back after a longer interval; "Forget my progress" empties everything."""
    import datetime as dt

    review = _review_page(built_book)
    t0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)
    context = chromium_browser.new_context(**device)
    context.clock.install(time=t0)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    pg.goto(f"{site}/{sections[0]}")
    singles = pg.locator("form.qz-q[data-key^='{\"t\":\"single\"']")
    missed, known = singles.nth(0), singles.nth(1)
    prompt = missed.locator(".qz-p").inner_text()
    _answer(missed, right=False)
    _answer(known, right=True)
    assert missed.locator(".qz-f").inner_text().startswith("✗ Not correct")

    def queue(when: dt.datetime) -> str:
        context.clock.set_system_time(when)
        pg.goto(f"{site}/{review}")
        return pg.locator(".qz-rv-summary").inner_text()

    assert queue(t0 + dt.timedelta(hours=2)).startswith("0 questions due now. 1 more question scheduled")
    assert pg.locator(".qz-rv-card").count() == 0

    assert queue(t0 + dt.timedelta(days=1, hours=1)).startswith("1 question due now.")
    card = pg.locator(".qz-rv-card form.qz-q")
    assert card.count() == 1 and card.locator(".qz-p").inner_text() == prompt  # the missed one only
    assert pg.locator(".qz-rv-from a").get_attribute("href").endswith(sections[0])
    _answer(card, right=True)
    assert card.locator(".qz-f").inner_text().startswith("✓ Correct: 1 of 1 point.")  # the page quizzes' grader
    nxt = pg.locator(".qz-rv-next").inner_text()
    days = int(re.search(r"in (\d+) days?", nxt).group(1))
    assert days >= 2, nxt  # a longer interval than the first

    assert queue(t0 + dt.timedelta(days=1, hours=2)).startswith("0 questions due now. 1 more question scheduled")
    assert queue(t0 + dt.timedelta(days=1 + days, hours=2)).startswith("1 question due now.")

    pg.get_by_role("button", name="Forget my progress").click()
    pg.get_by_role("button", name="Yes, forget everything").click()
    assert "Nothing to review yet" in pg.locator(".qz-rv-summary").inner_text()
    assert pg.evaluate("Object.keys(localStorage).filter(k => k.startsWith('quizlib:'))") == []
    pg.goto(f"{site}/{sections[0]}")
    assert not pg.locator("form.qz-q input:checked").count()  # the page's saved answers are gone too
    context.close()
    assert errors == []


def test_review_page_without_javascript_says_it_needs_it(chromium_browser, site, built_book):
    context = chromium_browser.new_context(java_script_enabled=False)
    pg = context.new_page()
    pg.goto(f"{site}/{_review_page(built_book)}")
    assert "needs JavaScript" in pg.locator(".qz-rv").inner_text()
    context.close()


# The README's way to read the book ----------------------------------------------------------

def test_readme_serve_command_gives_working_search(built_book, chromium_browser):
    """The README's (and run.py's) serve command, run as written (on a free port), serves a book
    whose search works; opened from file:// it would not."""
    import socket
    import sys
    import time

    readme = (ROOT / "README.md").read_text()
    command = next(l.split("#")[0].strip() for l in readme.splitlines() if "http.server" in l and l.startswith("python3"))
    run_py = (ROOT / "run.py").read_text()
    assert f'SERVE = "{command}"' in run_py  # run.py prints the same command after `run.py book`
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    argv = command.split()
    assert argv[:3] == ["python3", "-m", "http.server"] and argv[-1] == "8000"
    argv = [sys.executable, *argv[1:-1], "--bind", "127.0.0.1", str(port)]
    server = subprocess.Popen(argv, cwd=built_book.parent.parent, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        context = chromium_browser.new_context()
        pg = context.new_page()
        for _ in range(50):
            try:
                pg.goto(f"http://127.0.0.1:{port}/search.html?q=attache")
                break
            except Exception:
                time.sleep(0.1)
        pg.wait_for_function("(document.querySelector('.search-summary') || {}).textContent")
        assert pg.locator("ul.search li").count() > 8
        context.close()
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_matching_dropdowns_line_up_on_desktop(open_page, built_book, sections):
    """At 1400 px every dropdown of a matching question sits in one column on its own text's row
    (the theme's width used to push the last one under its text)."""
    page = next(p for p in sections if "matching" in quiz_types(built_book, p))
    pg = open_page(page, DESKTOP)
    pg.wait_for_selector(".qz-b button")
    rows = pg.locator("form.qz-q .qz-m").first.evaluate("""m => [...m.querySelectorAll('label')].map(l => {
        const s = l.querySelector('select').getBoundingClientRect(), t = l.querySelector('span').getBoundingClientRect();
        return [Math.round(s.left), s.top < t.bottom]; })""")
    assert len({left for left, _ in rows}) == 1 and all(same_row for _, same_row in rows), rows
