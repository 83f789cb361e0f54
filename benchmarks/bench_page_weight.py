"""Issue 14 figures: what a section page's first view costs a reader, measured in Chromium.

    .venv/bin/python benchmarks/bench_page_weight.py [--runs 3] [--stock-venv DIR]

The book is built twice in the same run:

* **stock**: the theme's own asset setup, i.e. the same sources with ``quizlib.sphinx.book``
  (and the favicon) taken out of ``_config.yml``. With ``--stock-venv DIR`` this build uses the
  ``jupyter-book`` of another virtual environment, e.g. one holding the theme pair the
  project used before this change (sphinx-book-theme 1.3.0 with pydata-sphinx-theme 0.17.1):
  ``python3 -m venv DIR && DIR/bin/pip install -e . 'jupyter-book>=1.0.4,<2' 'sphinx-book-theme==1.3.0'``.
* **ours**: the project as it is.

Each build is served over loopback HTTP, and a fresh headless Chromium context (empty cache)
opens the first section page of the book (the first _toc.yml page holding a practice quiz),
waiting for the network to go idle. Reported per build (median of ``--runs`` cold loads):
requests, bytes transferred, and bytes as a gzip-compressing server would send them (each
response gzipped at level 6, or its own size if gzip does not shrink it, as for fonts), the
largest responses, and the ratios ours / stock. The targets: <= 15 requests, <= 350 KB gzipped.
"""

from __future__ import annotations

import argparse
import gzip
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from _machine import machine  # noqa: E402

from tests.browser import chromium, serve  # noqa: E402
from tests.test_e2e_book import section_pages  # noqa: E402

JB = Path(sys.executable).with_name("jupyter-book")


def stock_config(text: str) -> str:
    """_config.yml without this project's page-weight work (its extension and favicon lines)."""
    drop = re.compile(r"^\s*- quizlib\.sphinx\.book\b.*\n(?:\s+#.*\n)*|^\s*favicon:.*\n|^\s*html_extra_path:.*\n", re.M)
    return drop.sub("", text)


def build(project: Path, jupyter_book: Path) -> Path:
    cmd = [str(jupyter_book), "build", str(project), "--builder", "html", "--keep-going"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"build failed ({project}):\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return project / "_build" / "html"


def copy_project(dst: Path, stock: bool) -> Path:
    dst.mkdir(parents=True)
    config = (ROOT / "_config.yml").read_text()
    (dst / "_config.yml").write_text(stock_config(config) if stock else config)
    shutil.copy(ROOT / "_toc.yml", dst / "_toc.yml")
    shutil.copytree(ROOT / "book", dst / "book")
    shutil.copytree(ROOT / "quizzes", dst / "quizzes")
    return dst


def first_view(browser, url: str) -> list[tuple[str, int, int]]:
    """(url, bytes, gzipped bytes) of every response of one cold page load."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    seen: list[tuple[str, int, int]] = []

    def record(response) -> None:
        try:
            body = response.body()
        except Exception:  # a redirect or aborted load has no body
            body = b""
        seen.append((response.url, len(body), min(len(body), len(gzip.compress(body, 6)))))

    page.on("response", record)
    page.goto(url, wait_until="networkidle")
    context.close()
    return seen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--stock-venv", type=Path, help="virtualenv whose jupyter-book builds the stock variant")
    args = parser.parse_args()
    stock_jb = args.stock_venv / "bin" / "jupyter-book" if args.stock_venv else JB
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        builds = {
            "stock": build(copy_project(Path(tmp) / "stock", stock=True), stock_jb),
            "ours": build(copy_project(Path(tmp) / "ours", stock=False), JB),
        }
        page = section_pages(builds["ours"])[0]
        print(f"page: {page} (first view, cold cache, Chromium 1400x900, median of {args.runs} loads)")
        if args.stock_venv:
            themes = subprocess.run([str(args.stock_venv / "bin" / "python"), "-c",
                                     "import importlib.metadata as m; print(', '.join(f'{p} {m.version(p)}' for p in "
                                     "('sphinx-book-theme', 'pydata-sphinx-theme', 'jupyter-book')))"],
                                    capture_output=True, text=True).stdout.strip()
            print(f"stock build from {args.stock_venv}: {themes}")
        figures = {}
        with chromium() as browser:
            for name, html in builds.items():
                with serve(html) as url:
                    loads = [first_view(browser, f"{url}/{page}") for _ in range(args.runs)]
                figures[name] = {
                    "requests": statistics.median(len(x) for x in loads),
                    "bytes": statistics.median(sum(b for _, b, _ in x) for x in loads),
                    "gzip": statistics.median(sum(g for _, _, g in x) for x in loads),
                    "largest": sorted(loads[0], key=lambda r: -r[2])[:5],
                    "url": url,
                }
    print(f"\n{'':8}{'requests':>10}{'bytes':>14}{'gzipped':>14}")
    for name, f in figures.items():
        print(f"{name:8}{f['requests']:>10.0f}{f['bytes'] / 1024:>11.0f} KB{f['gzip'] / 1024:>11.0f} KB")
    s, o = figures["stock"], figures["ours"]
    print(f"{'ratio':8}{o['requests'] / s['requests']:>10.2f}{o['bytes'] / s['bytes']:>14.3f}{o['gzip'] / s['gzip']:>14.3f}")
    print("targets: <= 15 requests, <= 350 KB gzipped:",
          "met" if o["requests"] <= 15 and o["gzip"] <= 350 * 1024 else "NOT met")
    for name, f in figures.items():
        print(f"\nlargest responses ({name}, gzipped):")
        for u, b, g in f["largest"]:
            print(f"  {g / 1024:8.1f} KB  ({b / 1024:8.1f} KB raw)  {u.replace(f['url'], '')[:90]}")


if __name__ == "__main__":
    main()
