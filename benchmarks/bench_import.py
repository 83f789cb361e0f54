"""Issue 11 figures: `quizlib import` speed on the whole course's round trip.

    .venv/bin/python benchmarks/bench_import.py

The course is exported to Moodle XML and to GIFT (not timed), then each file is
imported back, timed in two steps: reading the file (parsing plus converting
every text from HTML to Markdown) and planning the banks (grouping by category
and validating every question against the bank format); then writing the bank
files. Text-conversion caches are emptied before each timed read. Baseline in the same run: loading the course's own YAML banks
(``load_banks``, which also validates every question), i.e. the cost of reading
the same questions in quizlib's own format.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from _machine import machine, median_time  # noqa: E402

from quizlib.export import get_exporter  # noqa: E402
from quizlib.imports import get_importer  # noqa: E402
from quizlib.imports._text import html_to_markdown  # noqa: E402
from quizlib.imports.banks import plan_banks, write_banks  # noqa: E402
from quizlib.markdown import render_block, render_inline  # noqa: E402
from quizlib.loader import load_banks  # noqa: E402

ROOT = HERE.parent


def cold() -> None:
    """Empty the text-conversion caches, so every run converts every text (as a first import does)."""
    html_to_markdown.cache_clear()
    render_block.cache_clear()
    render_inline.cache_clear()


def main() -> None:
    print(f"machine: {machine()}")
    report = load_banks([ROOT / "quizzes"])
    assert not report.errors
    banks = list(report.banks.values())
    n = sum(len(b.questions) for b in banks)
    t_load = median_time(lambda: load_banks([ROOT / "quizzes"]), repeat=5)
    print(f"import of the whole course round trip ({n} questions, {len(banks)} banks), median of 5 runs:")
    print(f"  baseline load_banks of the YAML   : {t_load * 1000:8.1f} ms  ({n / t_load:,.0f} questions/s)")
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        for fmt, importer in (("moodle", "moodle-xml"), ("gift", "gift")):
            cls = get_exporter(fmt)
            path = tmp_path / f"course{cls.suffix}"
            cls(title="Military Diplomacy").write(banks, path)
            reader = get_importer(importer)()
            result = reader.read(path)
            t_read = median_time(lambda: (cold(), reader.read(path)), repeat=5)
            t_plan = median_time(lambda: plan_banks(result.questions, tmp_path / "quizzes" / "x", []), repeat=5)
            planned = plan_banks(result.questions, tmp_path / "quizzes" / importer, [])
            t_write = median_time(lambda: write_banks(planned, overwrite=True), repeat=5)
            total = t_read + t_plan + t_write
            back = sum(len(b.data["questions"]) for b in planned)
            print(f"  {reader.label:<12} read (parse + HTML->Markdown): {t_read * 1000:8.1f} ms; plan + validate: "
                  f"{t_plan * 1000:6.1f} ms; write: {t_write * 1000:6.1f} ms; total {total * 1000:7.1f} ms "
                  f"({back / total:,.0f} questions/s, {total / t_load:.1f}x baseline; {back}/{n} questions back)")


if __name__ == "__main__":
    main()
