"""Issue 8 load figures: 500 simulated students each start an attempt, autosave 10 times and
submit, against ``quizlib serve`` on loopback.

    .venv/bin/python benchmarks/bench_server_load.py                       # SQLite, 4 workers
    .venv/bin/python benchmarks/bench_server_load.py --pg-url "$(scripts/start_postgres.sh)"

Runs (each bounded: a run that is not done after --timeout seconds stops and is reported):

1. baseline: the SQLite default with 1 worker process;
2. SQLite with --workers N (the figure the issue asks for; must finish within 60 s);
3. PostgreSQL with --workers N, when --pg-url (or QUIZLIB_TEST_PG_URL) is given.

Each prints throughput, p50/p95/p99 latency per request kind, errors (must be 0) and lost
submissions (acknowledged by the server but not in the database afterwards; must be 0).
Clients are asyncio + httpx with at most --concurrency students in flight, so latencies measure
the server, not a client-side queue. The server keeps its default per-token rate limit.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import httpx
from sqlalchemy import create_engine, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _machine import machine  # noqa: E402

from quizlib.loader import load_bank  # noqa: E402
from quizlib.server import admin  # noqa: E402
from quizlib.server.db import Database, normalize_url  # noqa: E402
from quizlib.server.models import Attempt  # noqa: E402
from quizlib.server.process import ServiceProcess  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BANK = ROOT / "pools" / "03-instruments" / "01-attaches.yml"  # graded work draws from a secure pool
CLIENT_POOL = 10


@dataclass
class Run:
    label: str
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    acked: dict[int, float] = field(default_factory=dict)
    wall: float = 0.0
    lost: int = 0
    timed_out: bool = False

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latencies.values())


def prepare(url: str, students: int) -> dict[str, str]:
    db = Database(url)
    db.migrate()
    now = datetime.now(timezone.utc)
    with db.write() as s:
        roster = "student_id,name\n" + "".join(f"s{i:04d},Student {i}\n" for i in range(students))
        result = admin.import_roster(s, roster, now, "http://127.0.0.1/signin")
        admin.publish(s, "load", [load_bank(BANK)], admin.QuizRules(time_limit_minutes=60), now)
    db.dispose()
    return {t.student_id: t.token for t in result.tokens}


def answer_for(q: dict, step: int):  # type: ignore[no-untyped-def]
    """A plausible answer that changes as the student works (every kind of question)."""
    kind = q["type"]
    if kind == "single":
        return q["options"][step % len(q["options"])]["id"]
    if kind == "multiple":
        return [o["id"] for o in q["options"][: 1 + step % len(q["options"])]]
    if kind == "true_false":
        return step % 2 == 0
    if kind == "short":
        return f"answer draft {step}"
    if kind == "numeric":
        return 1900 + step
    if kind == "matching":
        return {left["id"]: q["right"][(i + step) % len(q["right"])]["id"] for i, left in enumerate(q["left"])}
    return [i["id"] for i in q["items"]][::-1 if step % 2 else 1]


async def student(client: httpx.AsyncClient, token: str, autosaves: int, run: Run, gate: asyncio.Semaphore) -> None:
    h = {"Authorization": f"Bearer {token}"}

    async def call(kind: str, method: str, url: str, **kw) -> httpx.Response | None:  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        try:
            r = await client.request(method, url, headers={**h, **kw.pop("headers", {})}, **kw)
        except httpx.HTTPError as exc:
            run.errors.append(f"{kind}: {type(exc).__name__} {exc}")
            return None
        run.latencies[kind].append(time.perf_counter() - t)
        if r.status_code >= 300:
            run.errors.append(f"{kind}: HTTP {r.status_code} {r.text[:120]}")
            return None
        return r

    async with gate:
        r = await call("start", "POST", "/api/v1/quizzes/load/attempts")
        if r is None:
            return
        attempt = r.json()
        aid, questions = attempt["id"], attempt["questions"]
        answers: dict = {}
        for step in range(autosaves):
            q = questions[step % len(questions)]
            answers[q["id"]] = answer_for(q, step)
            if await call("autosave", "PUT", f"/api/v1/attempts/{aid}/answers",
                          json={"answers": answers, "seq": step + 1}) is None:
                return
        r = await call("submit", "POST", f"/api/v1/attempts/{aid}/submit", json={},
                       headers={"Idempotency-Key": f"load-{aid}-{token[:6]}"})
        if r is not None:
            run.acked[aid] = r.json()["score"]


async def drive(base: str, tokens: list[str], autosaves: int, concurrency: int, run: Run, timeout: float) -> None:
    # Several small connection pools rather than one large one: httpx's pool costs client CPU per
    # request that grows with its size (measured: ~11 ms/request at 100 connections, ~2 ms at 10),
    # and the client shares the machine's two cores with the server under test.
    shards = max(1, (concurrency + CLIENT_POOL - 1) // CLIENT_POOL)
    limits = httpx.Limits(max_connections=CLIENT_POOL, max_keepalive_connections=CLIENT_POOL)
    clients = [httpx.AsyncClient(base_url=base, limits=limits, timeout=30) for _ in range(shards)]
    try:
        gate = asyncio.Semaphore(concurrency)
        t = time.perf_counter()
        tasks = [asyncio.create_task(student(clients[i % shards], tok, autosaves, run, gate))
                 for i, tok in enumerate(tokens)]
        done, pending = await asyncio.wait(tasks, timeout=timeout)
        run.wall = time.perf_counter() - t
        if pending:
            run.timed_out = True
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
    finally:
        for c in clients:
            await c.aclose()


def count_lost(url: str, run: Run) -> int:
    engine = create_engine(normalize_url(url))
    with engine.connect() as conn:
        rows = dict(conn.execute(select(Attempt.id, Attempt.score).where(Attempt.submitted_at.is_not(None))).all())
    engine.dispose()
    return sum(1 for aid, score in run.acked.items() if aid not in rows or abs((rows[aid] or 0) - score) > 1e-9)


def one_run(label: str, url: str, workers: int, args: argparse.Namespace, tmp: Path) -> Run:
    tokens = list(prepare(url, args.students).values())
    run = Run(label)
    server = ServiceProcess(url, tmp / f"{label.replace(' ', '_')}.log", workers=workers)
    server.start()
    try:
        asyncio.run(drive(server.base_url, tokens, args.autosaves, args.concurrency, run, args.timeout))
    finally:
        server.stop()
    run.lost = count_lost(url, run)
    return run


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] * 1000


def report(run: Run, students: int) -> None:
    everything = [x for v in run.latencies.values() for x in v]
    print(f"\n{run.label}: {students} students, {run.requests} requests in {run.wall:.1f} s "
          f"-> {run.requests / run.wall:.0f} requests/s, {len(run.acked) / run.wall:.1f} submissions/s"
          f"{'  [TIMED OUT]' if run.timed_out else ''}")
    print(f"  {'kind':<9} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for kind in ("start", "autosave", "submit"):
        v = run.latencies.get(kind, [])
        print(f"  {kind:<9} {len(v):>6} {pct(v, 50):>8.1f} {pct(v, 95):>8.1f} {pct(v, 99):>8.1f} {pct(v, 100):>8.1f}")
    print(f"  {'all':<9} {len(everything):>6} {pct(everything, 50):>8.1f} {pct(everything, 95):>8.1f} "
          f"{pct(everything, 99):>8.1f} {pct(everything, 100):>8.1f}")
    within = "yes" if run.wall <= 60 and not run.timed_out else "NO"
    print(f"  errors: {len(run.errors)}   acknowledged submissions: {len(run.acked)}   lost: {run.lost}   "
          f"all done within 60 s: {within}")
    for e in run.errors[:5]:
        print(f"    {e}")


def reset_postgres(url: str) -> None:
    engine = create_engine(normalize_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--students", type=int, default=500)
    p.add_argument("--autosaves", type=int, default=10)
    p.add_argument("--workers", type=int, default=4, help="server processes for the main runs (default 4)")
    p.add_argument("--concurrency", type=int, default=100, help="students in flight at once (default 100)")
    p.add_argument("--timeout", type=float, default=120, help="stop a run after this many seconds")
    p.add_argument("--pg-url", default=os.environ.get("QUIZLIB_TEST_PG_URL"), help="PostgreSQL URL (dropped and refilled!)")
    p.add_argument("--no-baseline", action="store_true", help="skip the 1-worker baseline run")
    args = p.parse_args()
    print(f"machine: {machine()}")
    print(f"load: {args.students} students x (start + {args.autosaves} autosaves + submit), "
          f"{args.concurrency} in flight, bank {BANK.relative_to(ROOT)}")
    runs: list[Run] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        if not args.no_baseline:
            runs.append(one_run("baseline: SQLite, 1 worker", f"sqlite:///{tmp / 'baseline.db'}", 1, args, tmp))
            report(runs[-1], args.students)
        runs.append(one_run(f"SQLite, {args.workers} workers", f"sqlite:///{tmp / 'main.db'}", args.workers, args, tmp))
        report(runs[-1], args.students)
        if args.pg_url:
            reset_postgres(args.pg_url)
            runs.append(one_run(f"PostgreSQL, {args.workers} workers", args.pg_url, args.workers, args, tmp))
            report(runs[-1], args.students)
        else:
            print("\nPostgreSQL: skipped (give --pg-url or set QUIZLIB_TEST_PG_URL; scripts/start_postgres.sh prints one)")
    if not args.no_baseline:
        base = runs[0]
        for r in runs[1:]:
            ratio = (r.requests / r.wall) / (base.requests / base.wall)
            med = statistics.median([x for v in r.latencies.values() for x in v]) / statistics.median(
                [x for v in base.latencies.values() for x in v])
            print(f"{r.label}: throughput {ratio:.2f}x the baseline, median latency {med:.2f}x")
    failed = any(r.errors or r.lost or r.timed_out for r in runs)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
