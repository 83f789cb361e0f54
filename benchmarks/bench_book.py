"""Issue 5 figures: what the quizzes cost the book.

    .venv/bin/python benchmarks/bench_book.py [--repeat 3]

1. Full clean build of the book with every quiz, against the same book with the
   quiz directives removed (medians of alternating runs; target ratio <= 1.15).
2. Incremental rebuild after editing one bank, against a rebuild with nothing
   changed, and which pages were re-read.
3. The HTML a quiz adds to its page (per quiz, per question, scaled to 8
   questions; target <= 10 KB for 8 questions), and the shared quizlib.js + .css
   (raw, minified with rjsmin/rcssmin, gzipped).
4. For reference: the same chapter's questions (the types jupyterquiz has)
   rendered through jupyterquiz in executed notebooks (a kernel per page), build
   time and HTML inlined per quiz, against our directive on the same pages.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from _machine import machine  # noqa: E402

from quizlib.loader import load_bank  # noqa: E402
from quizlib.models import MultipleChoice, Numeric, ShortAnswer, SingleChoice, TrueFalse  # noqa: E402

JB = Path(sys.executable).with_name("jupyter-book")
QUIZ_BLOCK = re.compile(r"```\{quiz\}.*?```\n", re.S)
SECTION = re.compile(rb'<section class="qz".*?</section>', re.S)


def copy_project(dst: Path, strip_quizzes: bool) -> Path:
    dst.mkdir(parents=True)
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy(ROOT / name, dst / name)
    shutil.copytree(ROOT / "book", dst / "book")
    shutil.copytree(ROOT / "quizzes", dst / "quizzes")
    if strip_quizzes:
        for md in (dst / "book").rglob("*.md"):
            md.write_text(QUIZ_BLOCK.sub("", md.read_text()))
    return dst


def build(project: Path, clean: bool = True, strict: bool = True) -> tuple[float, str]:
    """Build with the book's own flags; the reference mini-books (stub pages without the
    sections' labels) build non-strict, since only their time and size are measured."""
    if clean:
        shutil.rmtree(project / "_build", ignore_errors=True)
    t = time.perf_counter()
    flags = ["-W", "-n", "--keep-going"] if strict else []
    proc = subprocess.run([str(JB), "build", str(project), "--builder", "html", *flags],
                          capture_output=True, text=True)
    elapsed = time.perf_counter() - t
    if proc.returncode:
        raise SystemExit(f"build failed in {project}:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return elapsed, re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout)


def reread(output: str) -> list[str]:
    return [l.split("]")[-1].strip() for l in output.splitlines() if l.startswith("reading sources")]


def kb(n: float) -> str:
    return f"{n / 1024:.1f} KB"


def bench_builds(tmp: Path, repeat: int) -> None:
    with_q = copy_project(tmp / "with", strip_quizzes=False)
    without = copy_project(tmp / "without", strip_quizzes=True)
    a, b = [], []
    for _ in range(repeat):  # alternate so drift in machine load hits both equally
        a.append(build(with_q)[0])
        b.append(build(without)[0])
    ma, mb = statistics.median(a), statistics.median(b)
    print(f"full clean build, {repeat} runs each: with quizzes {ma:.1f} s, without {mb:.1f} s -> ratio {ma / mb:.3f} "
          f"(target <= 1.15)")

    noop, _ = build(with_q, clean=False)
    bank = with_q / "quizzes" / "03-instruments" / "01-attaches.yml"
    bank.write_text(bank.read_text().replace("prompt: ", "prompt: (edited) ", 1))
    inc, out = build(with_q, clean=False)
    print(f"incremental rebuild after editing one bank: {inc:.1f} s, re-read {reread(out)}; "
          f"no-change rebuild {noop:.1f} s; full build {ma:.1f} s")


def bench_sizes() -> None:
    html = ROOT / "_build" / "html"
    if not html.exists():
        raise SystemExit("build the book first: python3 run.py book")
    per_quiz, per_q = [], []
    for page in sorted((html / "book").glob("0*/0*.html")):
        raw = page.read_bytes()
        m = SECTION.search(raw)
        if not m:
            continue
        n = m.group().count(b'class="qz-q"')
        per_quiz.append((len(m.group()), len(gzip.compress(m.group())), n))
        per_q.append(len(m.group()) / n)
    sizes = [s for s, _, _ in per_quiz]
    gz = [g for _, g, _ in per_quiz]
    qs = [n for _, _, n in per_quiz]
    eight = statistics.median(per_q) * 8
    print(f"HTML added per section quiz ({len(per_quiz)} quizzes, median {statistics.median(qs):.0f} questions): "
          f"median {kb(statistics.median(sizes))}, max {kb(max(sizes))}; gzipped median {kb(statistics.median(gz))}")
    print(f"  per question median {kb(statistics.median(per_q))} -> 8 questions {kb(eight)} (target <= 10 KB); "
          f"the course's feedback and explanations are long: most of it is text a student reads")

    static = ROOT / "quizlib" / "static"
    js, css = (static / "quizlib.js").read_text(), (static / "quizlib.css").read_text()
    try:
        import rcssmin
        import rjsmin

        mjs, mcss = rjsmin.jsmin(js), rcssmin.cssmin(css)
        how = "rjsmin/rcssmin"
    except ImportError:
        mjs, mcss, how = js, css, "not minified (pip install -e '.[bench]')"
    total_raw = len(js.encode()) + len(css.encode())
    total_min = len(mjs.encode()) + len(mcss.encode())
    print(f"shared quizlib.js + quizlib.css: raw {kb(total_raw)}, minified {kb(total_min)} ({how}), "
          f"gzipped {kb(len(gzip.compress((mjs + mcss).encode())))} (target < 20 KB minified)")
    graded = (static / "quizlib-graded.js").read_text()
    mg = rjsmin.jsmin(graded) if how.startswith("rjsmin") else graded
    print(f"  graded-quiz pages also load quizlib-graded.js: raw {kb(len(graded.encode()))}, minified {kb(len(mg.encode()))}")


def to_jupyterquiz(bank_path: Path) -> tuple[list[dict], int]:
    """The bank's questions that jupyterquiz can express, in its JSON format."""
    out, skipped = [], 0
    for q in load_bank(bank_path).questions:
        if isinstance(q, (SingleChoice, MultipleChoice)):
            out.append({"question": q.prompt, "type": "multiple_choice" if isinstance(q, SingleChoice) else "many_choice",
                        "answers": [{"answer": o.text, "correct": o.correct, "feedback": o.feedback or ""} for o in q.options]})
        elif isinstance(q, TrueFalse):
            out.append({"question": q.prompt, "type": "multiple_choice", "answers": [
                {"answer": "True", "correct": q.answer, "feedback": q.feedback_true or ""},
                {"answer": "False", "correct": not q.answer, "feedback": q.feedback_false or ""}]})
        elif isinstance(q, Numeric):
            out.append({"question": q.prompt, "type": "numeric", "precision": 6, "answers": [
                {"type": "value", "value": q.answer, "correct": True, "feedback": q.explanation}]})
        elif isinstance(q, ShortAnswer):
            out.append({"question": q.prompt, "type": "string", "answers": [
                {"answer": a.text, "correct": a.credit == 1, "match_case": False, "feedback": a.feedback or ""}
                for a in q.answers if a.text is not None]})
        else:
            skipped += 1
    return out, skipped


def bench_jupyterquiz(tmp: Path) -> None:
    try:
        import jupyterquiz  # noqa: F401
        import nbformat
    except ImportError:
        print("jupyterquiz reference skipped: pip install -e '.[bench]'")
        return
    banks = sorted((ROOT / "quizzes" / "03-instruments").glob("*.yml"))
    toc = ["format: jb-book", "root: index", "chapters:"]

    def project(name: str, execute: bool) -> Path:
        p = tmp / name
        p.mkdir()
        (p / "index.md").write_text("# Reference book\n")
        (p / "_config.yml").write_text(
            "title: ref\nexecute:\n  execute_notebooks: " + ("force" if execute else "\"off\"") +
            "\nsphinx:\n  config:\n    extensions: [sphinx_togglebutton, sphinx_copybutton, myst_nb, jupyter_book, "
            "sphinx_comments, sphinx_external_toc, sphinx_design, sphinx_book_theme, quizlib.sphinx]\n")
        return p

    ours, theirs = project("ours", False), project("jq", True)
    shutil.copytree(ROOT / "quizzes", ours / "quizzes")
    skipped_total = kept_total = 0
    for bank in banks:
        questions, skipped = to_jupyterquiz(bank)
        skipped_total += skipped
        kept_total += len(questions)
        (ours / f"{bank.stem}.md").write_text(f"# {bank.stem}\n\n```{{quiz}} quizzes/03-instruments/{bank.name}\n```\n")
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_markdown_cell(f"# {bank.stem}"),
                    nbformat.v4.new_code_cell("from jupyterquiz import display_quiz\n"
                                              f"display_quiz({json.dumps(questions)})")]
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, theirs / f"{bank.stem}.ipynb")
    for p in (ours, theirs):
        (p / "_toc.yml").write_text("\n".join(toc + [f"  - file: {b.stem}" for b in banks]) + "\n")
    t_ours, _ = build(ours, strict=False)
    t_jq, _ = build(theirs, strict=False)
    ours_sizes = [len(SECTION.search((ours / "_build/html" / f"{b.stem}.html").read_bytes()).group()) for b in banks]
    empty = len((theirs / "_build/html/index.html").read_bytes())
    jq_sizes = [len((theirs / "_build/html" / f"{b.stem}.html").read_bytes()) - empty for b in banks]
    print(f"reference, chapter 2 ({len(banks)} pages): jupyterquiz carries {kept_total} of the questions "
          f"({skipped_total} matching/ordering it cannot express)")
    print(f"  build: quizlib directive {t_ours:.1f} s, jupyterquiz in executed notebooks {t_jq:.1f} s "
          f"-> {t_jq / t_ours:.1f}x")
    print(f"  HTML per quiz page: quizlib median {kb(statistics.median(ours_sizes))} (all questions, all types); "
          f"jupyterquiz median {kb(statistics.median(jq_sizes))} over an empty page (its subset)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-builds", action="store_true", help="only the size figures")
    ap.add_argument("--reference-only", action="store_true", help="only the jupyterquiz reference")
    args = ap.parse_args()
    print(f"machine: {machine()}")
    if args.reference_only:
        with tempfile.TemporaryDirectory() as tmp:
            bench_jupyterquiz(Path(tmp))
        return
    bench_sizes()
    if args.skip_builds:
        return
    with tempfile.TemporaryDirectory() as tmp:
        bench_builds(Path(tmp), args.repeat)
        bench_jupyterquiz(Path(tmp))


if __name__ == "__main__":
    main()
