"""Where the grading service's CPU goes under the exam mix: py-spy on a running ``quizlib serve``.

    pip install --target /tmp/pyspy py-spy        # a profiler, not a project dependency
    .venv/bin/python benchmarks/profile_server.py --py-spy /tmp/pyspy/bin/py-spy --rate 200 --duration 20

Starts ``quizlib serve`` (SQLite, 1 worker), sends the exam mix of ``bench_server_load.py`` at a
fixed rate, samples the server with ``py-spy record --gil`` (only the thread holding the GIL:
CPU, not waiting) and prints the share of samples, and the CPU per request it stands for, by
what the request was doing: the framework (uvicorn, ASGI middleware, FastAPI, thread pool),
authentication (token lookup, rate limit) and each endpoint's own work; then the functions
with the most samples. ``--raw`` keeps py-spy's collapsed stacks for a flame graph.
"""

from __future__ import annotations

import argparse
import collections
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import bench_server_load as bench  # noqa: E402
from _machine import machine  # noqa: E402

from quizlib.server.process import ServiceProcess  # noqa: E402

BUCKETS = {  # the innermost matching frame names the bucket
    "save_answers": "autosave work", "do_save": "autosave work",
    "start_attempt": "start work", "do_start": "start work",
    "submit_attempt": "submit work", "do_submit": "submit work",
    "resolve (": "auth: token lookup", "RateLimiter.take": "auth: rate limit",
}
FRAMEWORK = "framework (uvicorn, ASGI middleware, FastAPI, thread pool)"


def summarize(raw: Path, cpu_ms: float, top: int) -> None:
    buckets: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        frames = stack.split(";")
        total += n
        bucket = FRAMEWORK
        for frame in frames:
            bucket = next((v for k, v in BUCKETS.items() if k in frame), bucket)
        buckets[bucket] += n
        for frame in set(frames):
            if "quizlib/" in frame:
                inclusive[frame] += n
    if not total:
        print("no samples (is py-spy allowed to attach? it needs ptrace)")
        return
    print(f"\n{total} samples; server CPU {cpu_ms:.2f} ms per request")
    for name, n in buckets.most_common():
        print(f"  {100 * n / total:5.1f}%  ~{cpu_ms * n / total:.2f} ms/request  {name}")
    print(f"\nquizlib functions by inclusive samples (top {top}):")
    for frame, n in inclusive.most_common(top):
        print(f"  {100 * n / total:5.1f}%  {frame}")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--py-spy", default="py-spy", help="the py-spy executable (default: on PATH)")
    p.add_argument("--rate", type=int, default=200)
    p.add_argument("--duration", type=float, default=20.0)
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--raw", type=Path, help="keep py-spy's collapsed stacks here")
    args = p.parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        raw = args.raw or tmp / "stacks.txt"
        url = f"sqlite:///{tmp / 'profile.db'}"
        students = bench.students_for(args.rate, args.duration, 4)
        tokens = bench.prepare(url, students)
        with ServiceProcess(url, tmp / "server.log", workers=1) as server:
            assert server.proc is not None
            spy = subprocess.Popen([args.py_spy, "record", "--pid", str(server.proc.pid), "--rate", "200", "--gil",
                                    "--format", "raw", "--output", str(raw), "--nonblocking"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(1.0)
            events = bench.exam_schedule(students, args.rate, 4, random.Random(1))
            step = bench.run_step("profile", args.rate, events, tokens, [server.base_url.removeprefix("http://")],
                                  [server.proc.pid], 1)
            spy.send_signal(2)  # py-spy writes its file on SIGINT
            spy.wait(30)
        print(f"{args.rate} req/s for {args.duration:g} s: p50 {step.pct(50):.1f} ms, p99 {step.pct(99):.1f} ms, "
              f"errors {step.errors}")
        summarize(raw, step.cpu_ms, args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
