"""Issue 6 figures: class-scale grading throughput and peak memory, against a naive baseline in the same run.

    .venv/bin/python benchmarks/bench_grading.py            # 1,000 / 10,000 / 100,000 students x 40 questions
    .venv/bin/python benchmarks/bench_grading.py --sizes 1000 10000

For each size a synthetic class (benchmarks/synth_class.py: one JSON line per
student answering a 40-question form in displayed letters, 4 shuffled variants)
is graded in a fresh subprocess, so peak memory (the process's high-water RSS,
VmHWM) belongs to that size alone:

* fast  - ``quizlib.grade`` (compiled, memoised questions; numpy class arrays):
          grade every response and write the gradebook;
* naive - the baseline the issue names: each line validated as a pydantic
          ``Attempt``, each answer mapped from its letter and graded with
          ``quizlib.grading.grade`` one by one, totals kept in a dict, same gradebook;
* cli   - the whole command, interpreter start included:
          ``quizlib grade ... --stats --no-responses --no-feedback`` (gradebook,
          HTML report with plots, item analysis HTML + CSV);
* cli+files - the same plus responses.csv (40 lines per student) and one feedback file per student.

A tracemalloc run per size reports the peak of Python + numpy allocations
during grading, gradebook and item analysis, to show what grows with the class.
The naive baseline is run on at most --naive-max students; its per-response
rate is what the ratio compares.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
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

QUESTIONS = 40


def _hwm_mb() -> float:
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _rss_mb() -> float:
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# -- workers (run in a subprocess each) ---------------------------------------------------------

def worker_fast(folder: Path, out: Path, traced: bool) -> dict:
    from quizlib.grade.outputs import write_gradebook
    from quizlib.grade.run import grade_files, load_course

    course = load_course([ROOT / "quizzes"], folder / "manifest.json")
    if traced:
        import tracemalloc

        from quizlib.stats import analyse

        tracemalloc.start()
        results, summary = grade_files([folder / "responses.jsonl"], course)
        write_gradebook(out / "gradebook.csv", results)
        analyse(results)
        _, peak = tracemalloc.get_traced_memory()
        return {"traced_peak_mb": peak / 2**20}
    before = _rss_mb()
    t = time.perf_counter()
    results, summary = grade_files([folder / "responses.jsonl"], course)
    write_gradebook(out / "gradebook.csv", results)
    seconds = time.perf_counter() - t
    assert summary.clean, summary.rejected
    return {"seconds": seconds, "responses": summary.responses, "rss_before_mb": before, "hwm_mb": _hwm_mb()}


def worker_naive(folder: Path, out: Path, limit: int) -> dict:
    from quizlib.grade.attempts import Attempt
    from quizlib.grading import grade
    from quizlib.loader import load_banks
    from quizlib.manifest import FormManifest

    banks = load_banks([ROOT / "quizzes"]).banks.values()
    by_id = {q.id: q for b in banks for q in b.questions}
    by_gid = {b.global_id(q): q for b in banks for q in b.questions}
    manifest = FormManifest.model_validate_json((folder / "manifest.json").read_bytes())
    forms = {f.form_id: f for f in manifest.forms}
    before = _rss_mb()
    t = time.perf_counter()
    totals: dict[str, list[float]] = {}
    responses = 0
    with open(folder / "responses.jsonl", "rb") as fh:
        for n, line in enumerate(fh):
            if n >= limit:
                break
            attempt = Attempt.model_validate_json(line)
            form = forms[attempt.form]
            got = top = 0.0
            for fq in form.questions:
                q = by_gid[fq.qid]
                value = attempt.answers.get(q.id)
                order = fq.option_order or fq.right_order or fq.item_order
                if order and value is not None:
                    table = {chr(65 + i): x for i, x in enumerate(order)}
                    if isinstance(value, str):
                        value = table.get(value, value)
                    elif isinstance(value, list):
                        value = [table.get(v, v) for v in value]
                    elif isinstance(value, dict):
                        value = {k: table.get(v, v) for k, v in value.items()}
                got += grade(q, value).fraction * fq.points
                top += fq.points
                responses += 1
            totals[attempt.student] = [got, top]
    with open(out / "gradebook-naive.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(("student", "score", "max", "percent"))
        for s, (got, top) in totals.items():
            w.writerow((s, round(got, 4), top, round(100 * got / top, 2)))
    seconds = time.perf_counter() - t
    del by_id
    return {"seconds": seconds, "responses": responses, "rss_before_mb": before, "hwm_mb": _hwm_mb()}


def _run_worker(kind: str, folder: Path, out: Path, extra: str = "") -> dict:
    cmd = [sys.executable, __file__, "--worker", kind, str(folder), str(out)] + ([extra] if extra else [])
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


_CLI = (
    "import sys, runpy; sys.argv = ['quizlib'] + sys.argv[1:]\n"
    "from quizlib.cli import main\n"
    "code = main()\n"
    "hwm = next(l for l in open('/proc/self/status') if l.startswith('VmHWM:')).split()[1]\n"
    "print('HWM', int(hwm) / 1024)\n"
    "sys.exit(code)\n"
)


def _time_cli(folder: Path, out: Path, files: bool) -> tuple[float, float]:
    """Wall time (interpreter start included) and peak RSS of the whole ``quizlib grade`` command."""
    cmd = [
        sys.executable, "-c", _CLI, "grade", str(folder / "responses.jsonl"),
        "--banks", str(ROOT / "quizzes"), "--manifest", str(folder / "manifest.json"), "--book", str(ROOT / "book"),
        "-o", str(out), "--stats",
    ]
    if not files:
        cmd += ["--no-responses", "--no-feedback"]
    env = dict(os.environ, COLUMNS="120")
    t = time.perf_counter()
    done = subprocess.run(cmd, check=True, capture_output=True, env=env, cwd=ROOT, text=True)
    seconds = time.perf_counter() - t
    peak = float(next(line for line in done.stdout.splitlines() if line.startswith("HWM")).split()[1])
    return seconds, peak


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--naive-max", type=int, default=10_000, help="students the naive baseline grades at most")
    ap.add_argument("--files-max", type=int, default=100_000, help="largest size also timed with responses.csv and feedback")
    ap.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        kind, folder, out, *rest = args.worker
        if kind == "naive":
            result = worker_naive(Path(folder), Path(out), int(rest[0]))
        else:
            result = worker_fast(Path(folder), Path(out), traced=kind == "traced")
        print(json.dumps(result))
        return

    import synth_class

    print(f"machine: {machine()}")
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    print(f"{QUESTIONS} questions per student (4 form variants, answers in displayed letters); medians of {args.repeat} runs\n")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            folder = Path(tmp) / f"class-{n}"
            synth_class.generate(folder, students=n, n_questions=QUESTIONS, seed=7)
            out = Path(tmp) / f"out-{n}"
            out.mkdir()
            naive_n = min(n, args.naive_max)
            fast, naive = [], []
            for _ in range(args.repeat):  # interleaved, so a busy spell on the machine hits both alike
                fast.append(_run_worker("fast", folder, out))
                naive.append(_run_worker("naive", folder, out, str(naive_n)))
            traced = _run_worker("traced", folder, out)
            cli = [_time_cli(folder, Path(tmp) / f"cli-{n}", files=False) for _ in range(args.repeat)]
            files = _time_cli(folder, Path(tmp) / f"files-{n}", files=True) if n <= args.files_max else None
            fast_s = statistics.median(r["seconds"] for r in fast)
            naive_s = statistics.median(r["seconds"] for r in naive)
            responses = fast[0]["responses"]
            fast_rate = responses / fast_s
            naive_rate = naive[0]["responses"] / naive_s
            rows.append((n, responses, fast_s, fast_rate, naive_n, naive_rate, fast_rate / naive_rate,
                         statistics.median(c for c, _ in cli), files[0] if files else None,
                         statistics.median(r["hwm_mb"] for r in fast), fast[0]["rss_before_mb"],
                         traced["traced_peak_mb"], statistics.median(r["hwm_mb"] for r in naive),
                         max(p for _, p in cli)))
            print(f"{n:>7,} students: fast {fast_s:6.2f} s ({fast_rate:>10,.0f} responses/s) | naive on {naive_n:,} students "
                  f"{naive_rate:>8,.0f} responses/s -> {fast_rate / naive_rate:4.1f}x | cli grade+report+stats "
                  f"{rows[-1][7]:6.2f} s" + (f" | with responses.csv+feedback {files[0]:6.2f} s" if files else ""))
            growth = rows[-1][9] - rows[-1][10]
            print(f"{'':>17} peak RSS fast {rows[-1][9]:6.1f} MB (after imports and banks {rows[-1][10]:5.1f} MB, "
                  f"growth {growth:5.1f} MB = {growth * 2**20 / n:,.0f} B/student) | "
                  f"tracemalloc peak {rows[-1][11]:5.1f} MB | naive peak RSS {rows[-1][12]:6.1f} MB | "
                  f"cli peak RSS {rows[-1][13]:6.1f} MB")
    print("\nsummary (responses/s, seconds, MB):")
    print(f"{'students':>9} {'responses':>10} {'fast s':>7} {'fast r/s':>10} {'naive r/s':>10} {'ratio':>6} "
          f"{'cli s':>7} {'cli+files s':>11} {'RSS MB':>7} {'traced MB':>9} {'cli RSS MB':>10}")
    for r in rows:
        print(f"{r[0]:>9,} {r[1]:>10,} {r[2]:>7.2f} {r[3]:>10,.0f} {r[5]:>10,.0f} {r[6]:>6.1f} {r[7]:>7.2f} "
              f"{(f'{r[8]:.2f}' if r[8] is not None else '-'):>11} {r[9]:>7.1f} {r[11]:>9.1f} {r[13]:>10.1f}")


if __name__ == "__main__":
    main()
