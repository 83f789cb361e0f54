"""Issue 17: do instructor reports slow students' autosaves? Open-loop autosave p99, with and without an
instructor reloading the reports, for the code before the change and after it, in one run.

    .venv/bin/python benchmarks/bench_reports_vs_writes.py                     # SQLite
    .venv/bin/python benchmarks/bench_reports_vs_writes.py --pg-url "$(scripts/start_postgres.sh)"

Students autosave at a fixed arrival rate (``--rate`` per second, open loop: a request is sent at
its scheduled time whatever happened to the earlier ones, and its latency counts from that time,
so queueing behind a lock shows). The "reports" runs add one instructor reloading
``report.html``, ``items.html`` and ``gradebook.csv`` one after the other for the whole run
(``--submitted`` students have submitted, so the reports have work to do).

"before" is the code of ``--before`` (default: the commit this change started from, in which
reports ran inside the write transaction and SQLite's writer lock), extracted with ``git archive``
into a temporary folder and run as its own ``quizlib serve``; "after" is this checkout. Both serve
the same prepared database on the same machine in the same run. Each configuration runs
``--repeats`` times; the table gives the median over the repeats of each run's p50/p99.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import random
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _load_client import answer_for  # noqa: E402  (the load benchmark's students answer the same way)
from _machine import machine  # noqa: E402

from quizlib.loader import load_bank  # noqa: E402
from quizlib.server import admin  # noqa: E402
from quizlib.server import attempts as rules  # noqa: E402
from quizlib.server.db import Database  # noqa: E402
from quizlib.server.models import Attempt, Quiz  # noqa: E402
from quizlib.server.process import ServiceProcess  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BANK = ROOT / "pools" / "03-instruments" / "01-attaches.yml"  # graded work draws from a secure pool
BEFORE = "f034048"  # the last commit whose reports ran inside the write transaction (issue 17)
INSTRUCTOR = "bench-instructor-token-0123456789"
REPORTS = ("report.html", "items.html", "gradebook.csv")


@dataclass
class Result:
    version: str
    mode: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    reports: int = 0
    report_seconds: list[float] = field(default_factory=list)

    def pct(self, p: float) -> float:
        xs = sorted(self.latencies)
        return xs[min(len(xs) - 1, int(p * len(xs)))] * 1000 if xs else float("nan")


def reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    from quizlib.server.db import normalize_url

    engine = create_engine(normalize_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def prepare(url: str, students: int, submitted: int) -> list[tuple[str, int, list[dict]]]:
    """A class where ``submitted`` students have submitted (varied answers) and the others have an attempt open.
    Returns (token, attempt id, questions) of the students who will autosave."""
    db = Database(url)
    db.migrate()
    now = datetime.now(timezone.utc)
    rng = random.Random(17)
    with db.write() as s:
        roster = "student_id,name\n" + "".join(f"s{i:04d},Student {i}\n" for i in range(students))
        tokens = [t.token for t in admin.import_roster(s, roster, now, "http://127.0.0.1/signin").tokens]
        admin.publish(s, "exam", [load_bank(BANK)], admin.QuizRules(), now)
    pks = {}
    with db.read() as s:
        from quizlib.server.models import Student

        pks = {st.student_id: st.id for st in s.query(Student)}
    writers = []
    for i, token in enumerate(tokens):
        with db.write() as s:
            quiz = s.get(Quiz, "exam")
            assert quiz is not None
            _, view = rules.start(s, quiz, pks[f"s{i:04d}"], now, 30.0)
            if i < submitted:
                attempt = s.get(Attempt, view["id"])
                answers = {q["id"]: answer_for(q, rng.randrange(6)) for q in view["questions"]}
                rules.submit(s, attempt, quiz, answers, now, 30.0)
            else:
                writers.append((token, view["id"], view["questions"]))
    db.dispose()
    return writers


def old_tree(rev: str, into: Path) -> Path:
    """The package as it was at ``rev`` (git archive: the repository itself is not touched)."""
    data = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "quizlib"], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    return into


def instructor_loop(base: str, stop: threading.Event, result: Result) -> None:
    h = {"Authorization": f"Bearer {INSTRUCTOR}"}
    with httpx.Client(base_url=base, headers=h, timeout=120) as c:
        while not stop.is_set():
            for page in REPORTS:
                t0 = time.perf_counter()
                r = c.get(f"/api/v1/instructor/quizzes/exam/{page}")
                if r.status_code != 200:
                    result.errors += 1
                result.reports += 1
                result.report_seconds.append(time.perf_counter() - t0)
                if stop.is_set():
                    return


async def autosaves(base: str, writers: list[tuple[str, int, list[dict]]], rate: float, seconds: float,
                    result: Result) -> None:
    """Open loop: request k is sent at start + k / rate; its latency counts from that time."""
    limits = httpx.Limits(max_connections=400, max_keepalive_connections=400)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        seqs = [0] * len(writers)

        async def one(k: int, scheduled: float) -> None:
            w = k % len(writers)
            token, aid, questions = writers[w]
            seqs[w] += 1
            q = questions[seqs[w] % len(questions)]
            try:
                r = await client.put(f"/api/v1/attempts/{aid}/answers", headers={"Authorization": f"Bearer {token}"},
                                     json={"answers": {q["id"]: answer_for(q, seqs[w])}})
                ok = r.status_code == 200
            except httpx.HTTPError:
                ok = False
            if ok:
                result.latencies.append(time.perf_counter() - scheduled)
            else:
                result.errors += 1

        start = time.perf_counter() + 0.2
        tasks = []
        for k in range(int(rate * seconds)):
            scheduled = start + k / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(k, scheduled)))
        await asyncio.gather(*tasks)


def one_run(version: str, code: Path, mode: str, url: str, args: argparse.Namespace, work: Path, n: int) -> Result:
    if url.startswith("sqlite"):
        url = f"sqlite:///{work / f'run{n}.db'}"
    else:
        reset_postgres(url)
    writers = prepare(url, args.students, args.submitted)
    env = {"PYTHONPATH": str(code), "QUIZLIB_INSTRUCTOR_TOKEN": INSTRUCTOR, "QUIZLIB_RATE_PER_MINUTE": "1e9",
           "QUIZLIB_RATE_BURST": "1000000000", "QUIZLIB_LTI_WORKER_SECONDS": "0"}
    result = Result(version, mode)
    server = ServiceProcess(url, work / f"run{n}.log", env=env)
    server.start()
    try:
        # Warm up both paths (first report parses the quiz and imports matplotlib).
        httpx.get(f"{server.base_url}/api/v1/instructor/quizzes/exam/report.html", timeout=120,
                  headers={"Authorization": f"Bearer {INSTRUCTOR}"}).raise_for_status()
        stop = threading.Event()
        loop = threading.Thread(target=instructor_loop, args=(server.base_url, stop, result))
        if mode == "reports":
            loop.start()
            time.sleep(0.5)
        asyncio.run(autosaves(server.base_url, writers, args.rate, args.seconds, result))
        stop.set()
        if loop.is_alive():
            loop.join()
    finally:
        server.stop()
    return result


def check_code(code: Path, work: Path) -> str:
    """Where the server's quizlib is imported from, run exactly as the server is (same cwd and PYTHONPATH)."""
    out = subprocess.run([sys.executable, "-c", "import quizlib.server.reports as r; print(r.__file__)"], cwd=work,
                         env={**os.environ, "PYTHONPATH": str(code)}, capture_output=True, text=True, check=True)
    return out.stdout.strip()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pg-url", default=None, help="PostgreSQL URL (default: SQLite); the database is wiped")
    ap.add_argument("--rate", type=float, default=40.0, help="autosaves per second (default: 40)")
    ap.add_argument("--seconds", type=float, default=12.0, help="length of each run (default: 12)")
    ap.add_argument("--students", type=int, default=400, help="students on the roster (default: 400)")
    ap.add_argument("--submitted", type=int, default=300, help="of whom have submitted (default: 300)")
    ap.add_argument("--repeats", type=int, default=3, help="runs per configuration (default: 3)")
    ap.add_argument("--before", default=BEFORE, help=f"git revision of the 'before' code (default: {BEFORE})")
    args = ap.parse_args()
    backend = "PostgreSQL" if args.pg_url else "SQLite"
    print(f"machine: {machine()}")
    print(f"{backend}, 1 worker; {args.rate:g} autosaves/s open loop for {args.seconds:g} s; {args.students} students, "
          f"{args.submitted} submitted; {args.repeats} repeats; before = {args.before}, after = this checkout\n",
          flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        os.chdir(work)  # `python -m quizlib.cli` puts the cwd first on sys.path: keep the checkout off it
        codes = {"before": old_tree(args.before, work / "before"), "after": ROOT}
        for version, code in codes.items():
            print(f"{version}: serves {check_code(code, work)}", flush=True)
        url = args.pg_url or "sqlite:///"
        results: dict[tuple[str, str], list[Result]] = {}
        n = 0
        for rep in range(args.repeats):
            for version, code in codes.items():
                for mode in ("quiet", "reports"):
                    n += 1
                    r = one_run(version, code, mode, url, args, work, n)
                    results.setdefault((version, mode), []).append(r)
                    print(f"  run {n}: {version:6} {mode:7} p50 {r.pct(0.5):7.1f} ms  p99 {r.pct(0.99):7.1f} ms  "
                          f"max {r.pct(1.0):7.1f} ms  autosaves {len(r.latencies)}  errors {r.errors}  "
                          f"reports {r.reports}", flush=True)
    print(f"\nautosave latency from the scheduled send time, median over {args.repeats} runs:")
    print(f"{'code':8} {'instructor':22} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'report s':>9} {'errors':>7}")
    med: dict[tuple[str, str], float] = {}
    for (version, mode), rs in results.items():
        p50 = statistics.median(r.pct(0.5) for r in rs)
        p99 = med[(version, mode)] = statistics.median(r.pct(0.99) for r in rs)
        mx = statistics.median(r.pct(1.0) for r in rs)
        rep_s = statistics.median(t for r in rs for t in r.report_seconds) if mode == "reports" else float("nan")
        who = "reloading reports" if mode == "reports" else "idle"
        print(f"{version:8} {who:22} {p50:8.1f} {p99:8.1f} {mx:8.1f} {rep_s:9.2f} {sum(r.errors for r in rs):7d}")
    for version in ("before", "after"):
        print(f"{version}: p99 with reports / p99 idle = {med[(version, 'reports')] / med[(version, 'quiet')]:.1f}x")
    print(f"p99 with reports, before / after = {med[('before', 'reports')] / med[('after', 'reports')]:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
