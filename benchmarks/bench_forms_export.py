"""Issue 7 figures: forms per second for the midterm blueprint, and whole-course export time.

    .venv/bin/python benchmarks/bench_forms_export.py

Forms: 200 variants of blueprints/midterm.yml (chapters 1-6 of the secure pools,
7 or 6 per chapter, at most 2 hard per chapter), timed three ways: drawing only;
drawing plus the manifest (shuffles); and the full `quizlib form` output (manifest,
200 HTML forms and 200 answer keys written to disk). Baseline in the same run: a
naive draw with `random.Random(seed).sample` of each chapter's quota (no caps, no
balance, not reproducible across Python versions), i.e. the cost of drawing at all.

Exports: the whole course's practice banks to each format, including writing the
file. Baseline in the same run: dumping the same banks as JSON with
pydantic, i.e. the cost of merely serializing the content.
"""

from __future__ import annotations

import random
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from _machine import machine, median_time  # noqa: E402

from quizlib.blueprint import load_blueprint  # noqa: E402
from quizlib.export import exporter_names, get_exporter  # noqa: E402
from quizlib.forms import Drawer, build_manifest, question_lookup, variant_specs, write_forms  # noqa: E402
from quizlib.forms.exposure import exposure_report  # noqa: E402
from quizlib.loader import load_banks  # noqa: E402

ROOT = HERE.parent
N_FORMS = 200


def main() -> None:
    print(f"machine: {machine()}")
    report = load_banks([ROOT / "quizzes"])
    assert not report.errors
    banks = list(report.banks.values())
    n_questions = sum(len(b.questions) for b in banks)
    located = load_blueprint(ROOT / "blueprints" / "midterm.yml")
    specs = variant_specs("midterm", N_FORMS)
    pool_report = load_banks([ROOT / "pools"])  # the midterm draws from the secure pools only
    assert not pool_report.errors
    pools = list(pool_report.banks.values())

    def draw():
        return Drawer(located, pools).draw(specs)

    def draw_and_manifest():
        return build_manifest(located.blueprint, draw())

    lookup = question_lookup(pools)

    def full(out: Path):
        write_forms(out, located.blueprint, draw_and_manifest(), lookup)

    quota = {f"{n:02d}": rule.per_chapter for rule in located.blueprint.draw for n in rule.chapters}
    chapters: dict[str, list[str]] = {}
    for b in pools:
        if b.id[:2] in quota:
            chapters.setdefault(b.id[:2], []).extend(b.global_id(q) for q in b.questions)

    def naive():
        return [[g for ch, qs in chapters.items() for g in random.Random(i).sample(qs, quota[ch])]
                for i in range(N_FORMS)]

    t_naive = median_time(naive, repeat=7)
    t_draw = median_time(draw, repeat=7)
    t_manifest = median_time(draw_and_manifest, repeat=7)
    with tempfile.TemporaryDirectory() as tmp:
        t_full = median_time(lambda: full(Path(tmp)), repeat=3)
    drawer = Drawer(located, pools)
    balance = exposure_report(drawer.pools, drawer.draw(specs))

    print(f"forms: {N_FORMS} variants of blueprints/midterm.yml (40 questions each), median of 7 runs (3 for HTML):")
    print(f"  baseline naive random.sample draw : {N_FORMS / t_naive:>10,.0f} forms/s  ({t_naive * 1000:7.1f} ms)")
    print(f"  draw (caps + exposure balance)    : {N_FORMS / t_draw:>10,.0f} forms/s  ({t_draw * 1000:7.1f} ms, "
          f"{t_draw / t_naive:.1f}x baseline)")
    print(f"  draw + manifest (shuffles)        : {N_FORMS / t_manifest:>10,.0f} forms/s  ({t_manifest * 1000:7.1f} ms, "
          f"{t_manifest / t_naive:.1f}x baseline)")
    print(f"  + 200 HTML forms and 200 keys     : {N_FORMS / t_full:>10,.0f} forms/s  ({t_full * 1000:7.1f} ms)")
    print(f"  balance: {balance.summary()}; exposure range {min(balance.counts.values())}-{max(balance.counts.values())} of {N_FORMS}")

    t_json = median_time(lambda: [b.model_dump_json() for b in banks], repeat=7)
    print(f"export of the whole course ({n_questions} questions, {len(banks)} banks), median of 5 runs:")
    print(f"  baseline pydantic JSON dump       : {t_json * 1000:8.1f} ms")
    with tempfile.TemporaryDirectory() as tmp:
        for name in exporter_names():
            cls = get_exporter(name)
            path = Path(tmp) / f"course{cls.suffix}"
            t = median_time(lambda: cls(title="Military Diplomacy").write(banks, path), repeat=5)
            size = path.stat().st_size
            print(f"  {cls.label:<34}: {t * 1000:8.1f} ms  ({t / t_json:.1f}x baseline, {size / 1024:,.0f} KiB)")


if __name__ == "__main__":
    main()
