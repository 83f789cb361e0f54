"""Issue 12: what the shared rate limiter costs, and that it holds across processes.

    .venv/bin/python benchmarks/bench_rate_limit.py                 # SQLite
    .venv/bin/python benchmarks/bench_rate_limit.py --pg-url "$(scripts/start_postgres.sh)"

Rate limits used to be counted in each process's memory, so N workers let a token make N
times its allowance. They are now one atomic upsert per request in the database
(:class:`quizlib.server.limits.RateLimiter`). For each backend this prints:

1. the cost of one ``take`` (median of 7 runs of 500 calls), against two baselines measured
   in the same run: the token lookup every request already does (one indexed ``SELECT``), and
   an ordinary durable write transaction (``Database.write``) of the same row;
2. correctness under contention: P processes take from one bucket of ``burst`` B at the
   same time (no refill); exactly B requests must be let through, however many processes.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _machine import machine  # noqa: E402
from sqlalchemy import select, text, update  # noqa: E402

from quizlib.server.db import Database  # noqa: E402
from quizlib.server.limits import RateLimiter  # noqa: E402
from quizlib.server.models import RateLimit, Token  # noqa: E402

CALLS = 500


def per_call(fn, repeat: int = 7) -> float:  # type: ignore[no-untyped-def]
    """Median seconds per call over ``repeat`` runs of CALLS calls."""
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        for i in range(CALLS):
            fn(i)
        runs.append((time.perf_counter() - t) / CALLS)
    return statistics.median(runs)


def costs(url: str) -> dict[str, float]:
    db = Database(url)
    db.migrate()
    limiter = RateLimiter(db)
    with db.write() as s:
        s.execute(text("DELETE FROM rate_limits"))
    digest = "0" * 64
    clock = [time.time()]

    def take(i: int) -> None:
        clock[0] += 0.001
        limiter.take(f"t:{i % 50}", clock[0], per_minute=1e9, burst=10**9)

    def lookup(i: int) -> None:
        with db.engine.connect() as conn:
            conn.execute(select(Token.role).where(Token.token_hash == digest)).first()

    def durable_write(i: int) -> None:
        with db.write() as s:
            s.execute(update(RateLimit).where(RateLimit.key == f"t:{i % 50}").values(updated_at=clock[0]))

    out = {"take": per_call(take), "lookup": per_call(lookup), "durable write": per_call(durable_write)}
    db.dispose()
    return out


def _hammer(url: str, n: int, start: float, burst: int, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    db = Database(url)
    limiter = RateLimiter(db)
    while time.time() < start:
        time.sleep(0.001)
    allowed = sum(limiter.take("t:contended", 1000.0, per_minute=0.0, burst=burst) == 0.0 for _ in range(n))
    db.dispose()
    out.put(allowed)


def contention(url: str, processes: int, per_process: int, burst: int) -> int:
    db = Database(url)
    db.migrate()
    with db.write() as s:
        s.execute(text("DELETE FROM rate_limits"))
    db.dispose()
    out: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    start = time.time() + 1.0
    procs = [multiprocessing.Process(target=_hammer, args=(url, per_process, start, burst, out)) for _ in range(processes)]
    for p in procs:
        p.start()
    allowed = sum(out.get(timeout=120) for _ in procs)
    for p in procs:
        p.join()
    return allowed


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--pg-url", default=os.environ.get("QUIZLIB_TEST_PG_URL"), help="PostgreSQL URL (its rate_limits table is emptied)")
    p.add_argument("--processes", type=int, default=4)
    args = p.parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        backends = [("SQLite (file, WAL)", f"sqlite:///{Path(tmp) / 'limits.db'}")]
        if args.pg_url:
            backends.append(("PostgreSQL", args.pg_url))
        for label, url in backends:
            c = costs(url)
            print(f"\n{label}: median per call over {CALLS} calls x 7")
            for name in ("lookup", "durable write", "take"):
                print(f"  {name:<14} {c[name] * 1e6:8.0f} us")
            print(f"  take / lookup = {c['take'] / c['lookup']:.1f}x, take / durable write = {c['take'] / c['durable write']:.2f}x")
            burst = 50
            allowed = contention(url, args.processes, 100, burst)
            verdict = "exact" if allowed == burst else "WRONG"
            print(f"  contention: {args.processes} processes x 100 requests on one bucket of {burst}: "
                  f"{allowed} let through ({verdict}; per-process buckets would let {args.processes * burst})")
        if not args.pg_url:
            print("\nPostgreSQL: skipped (give --pg-url or set QUIZLIB_TEST_PG_URL)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
