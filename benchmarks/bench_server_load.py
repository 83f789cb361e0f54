"""Issue 17: the grading service under an exam, measured open-loop against a trivial endpoint in the same run.

    .venv/bin/python benchmarks/bench_server_load.py                          # SQLite 1 and 4 workers
    .venv/bin/python benchmarks/bench_server_load.py --pg-url "$(scripts/start_postgres.sh)"
    .venv/bin/python benchmarks/bench_server_load.py --quick                  # a few seconds: does it run?

**Open loop.** Requests are scheduled at a fixed arrival rate (``--rates``, one step per rate,
``--duration`` seconds each), and each latency counts from the request's *scheduled* send time,
so a server that falls behind shows its queue in p99 instead of slowing the clients down (the
closed-loop benchmark this replaces kept 100 students in flight, which hid the queue).

**Exam-shaped mix.** Each step has its own students: each starts an attempt at a random moment
of the first 30 s of the exam, autosaves every 15 s (``--autosaves`` times, each sheet bigger)
and submits at the end. The requests of all students, in the order of that exam timeline, are
sent at the step's fixed rate. A student's own requests go one at a time, as from a browser tab.

**Configurations** (``--configs``): ``trivial`` (a FastAPI endpoint with no database, 1 worker,
the same uvicorn settings: the ceiling), ``sqlite-1``, ``sqlite-N`` (``--workers`` N), and with
``--pg-url`` (or ``QUIZLIB_TEST_PG_URL``; its schema is dropped!) ``pg-1``, ``pg-2`` (2 workers)
and ``pg-2proc`` (two separate ``quizlib serve`` processes on one database, students split
between them, as two hosts behind a load balancer would be).

**Reported** per configuration and rate: achieved rate, p50/p95/p99 (ms), errors (must be 0),
server CPU per request (``/proc/<pid>/stat`` of every server process, before and after the step),
its ratio to the trivial endpoint's at the same rate, and the client's lag (how late the sender
woke for a scheduled request: the client is saturated if it grows) and CPU per request. Then
per configuration: lost submissions (acknowledged, but not in the database after ``kill -9``;
must be 0) and the highest rate with p99 < 200 ms. A configuration stops stepping once a rate
overloads it (p99 > 2 s or errors) unless ``--no-stop``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, select, text

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from _machine import machine  # noqa: E402

from quizlib.loader import load_bank  # noqa: E402
from quizlib.server import admin  # noqa: E402
from quizlib.server.db import Database, normalize_url  # noqa: E402
from quizlib.server.models import Attempt  # noqa: E402
from quizlib.server.process import ServiceProcess, free_port  # noqa: E402

BANK = ROOT / "pools" / "03-instruments" / "01-attaches.yml"  # graded work draws from a secure pool
CLIENT = HERE / "_load_client.py"
P99_TARGET_MS = 200.0
OVERLOAD_MS = 2000.0
CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass
class Step:
    config: str
    rate: int
    requests: int = 0
    achieved: float = 0.0
    lat: dict[str, list[float]] = field(default_factory=dict)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    lag: list[float] = field(default_factory=list)
    acked: dict[int, float] = field(default_factory=dict)

    @property
    def all_lat(self) -> list[float]:
        return [x for v in self.lat.values() for x in v]

    def pct(self, p: float, kind: str | None = None) -> float:
        return pct(self.lat.get(kind, []) if kind else self.all_lat, p)

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.server_cpu / self.requests if self.requests else float("nan")


@dataclass
class ConfigResult:
    name: str
    steps: list[Step] = field(default_factory=list)
    lost: int = 0
    acked: int = 0
    stopped_at: int | None = None

    def best_rate(self) -> int | None:
        ok = [s.rate for s in self.steps if s.errors == 0 and s.pct(99) < P99_TARGET_MS]
        return max(ok) if ok else None


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] * 1000


# --- server processes and their CPU ------------------------------------------------------------


def tree_cpu(roots: list[int]) -> float:
    """CPU seconds (user + system) used so far by ``roots`` and all their descendants, from /proc."""
    stats: dict[int, tuple[int, float]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = raw[raw.rindex(")") + 2:].split()
        # fields[1] is ppid; utime, stime, cutime, cstime are fields 14-17 of stat (here 11-14).
        stats[int(entry)] = (int(fields[1]), sum(int(x) for x in fields[11:15]) / CLK_TCK)
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in stats.items():
        children.setdefault(ppid, []).append(pid)
    total, todo = 0.0, [r for r in roots if r in stats]
    while todo:
        pid = todo.pop()
        total += stats[pid][1]
        todo.extend(children.get(pid, []))
    return total


class TrivialServer:
    """``_trivial_app`` under uvicorn with the settings ``quizlib serve`` uses (1 worker, no access log)."""

    def __init__(self, log: Path) -> None:
        self.port = free_port()
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "_trivial_app:app", "--app-dir", str(HERE), "--host", "127.0.0.1",
                 "--port", str(self.port), "--workers", "1", "--log-level", "info", "--no-access-log"],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base_url}/api/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(f"trivial server did not start; log: {self.log}")

    def kill9(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, 9)
            self.proc.wait(10)


# --- the exam schedule -------------------------------------------------------------------------


def students_for(rate: int, duration: float, autosaves: int) -> int:
    return max(1, round(rate * duration / (autosaves + 2)))


def exam_schedule(students: int, rate: float, autosaves: int, rng: random.Random) -> list[tuple[float, int, str, int]]:
    """(send time, student, kind, step): the exam's requests in timeline order, at a fixed rate.

    On the exam's clock, student i starts at a random moment of the first 30 s, autosaves
    every 15 s (give or take 2 s) and submits 15 s after the last autosave. Sorted by that
    clock, the k-th request is sent at k / rate.
    """
    timeline: list[tuple[float, int, str, int]] = []
    for i in range(students):
        begin = rng.uniform(0, 30)
        timeline.append((begin, i, "start", 0))
        for j in range(1, autosaves + 1):
            timeline.append((begin + 15 * j + rng.uniform(-2, 2), i, "autosave", j))
        timeline.append((begin + 15 * (autosaves + 1), i, "submit", autosaves + 1))
    timeline.sort()
    return [(k / rate, who, kind, step) for k, (_, who, kind, step) in enumerate(timeline)]


def prepare(url: str, students: int) -> list[str]:
    db = Database(url)
    db.migrate()
    now = datetime.now(timezone.utc)
    with db.write() as s:
        roster = "student_id,name\n" + "".join(f"s{i:05d},Student {i}\n" for i in range(students))
        result = admin.import_roster(s, roster, now, "http://127.0.0.1/signin")
        admin.publish(s, "load", [load_bank(BANK)], admin.QuizRules(time_limit_minutes=120), now)
    db.dispose()
    tokens = {t.student_id: t.token for t in result.tokens}
    return [tokens[f"s{i:05d}"] for i in range(students)]


def reset_postgres(url: str) -> None:
    engine = create_engine(normalize_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def count_lost(url: str, acked: dict[int, float]) -> int:
    engine = create_engine(normalize_url(url))
    with engine.connect() as conn:
        rows = dict(conn.execute(select(Attempt.id, Attempt.score).where(Attempt.submitted_at.is_not(None))).all())
    engine.dispose()
    return sum(1 for aid, score in acked.items() if aid not in rows or abs((rows[aid] or 0) - score) > 1e-9)


# --- one step: client processes sending the schedule ------------------------------------------


def run_step(name: str, rate: int, events: list[tuple[float, int, str, int]], tokens: list[str], bases: list[str],
             server_pids: list[int], clients: int) -> Step:
    t0 = time.time() + 1.0 + len(events) / 20000  # time for the clients to start and read their plan
    plans: list[dict[str, Any]] = [{"t0": t0, "bases": bases, "students": [], "events": []} for _ in range(clients)]
    local: dict[int, int] = {}
    for i, token in enumerate(tokens):
        plan = plans[i % clients]
        local[i] = len(plan["students"])
        plan["students"].append({"token": token, "base": i % len(bases)})
    for offset, who, kind, step in events:
        if kind == "trivial":
            plans[who % clients]["events"].append([offset, who, kind, step])
        else:
            plans[who % clients]["events"].append([offset, local[who], kind, step])
    cpu0 = tree_cpu(server_pids)
    procs = [subprocess.Popen([sys.executable, str(CLIENT)], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
             for _ in plans]
    for proc, plan in zip(procs, plans):
        assert proc.stdin is not None
        proc.stdin.write(json.dumps(plan).encode())
        proc.stdin.close()
    outs = []
    for proc in procs:
        assert proc.stdout is not None
        outs.append(json.loads(proc.stdout.read()))
        if proc.wait() != 0:
            raise RuntimeError(f"load client exited with {proc.returncode}")
    cpu1 = tree_cpu(server_pids)
    step = Step(name, rate, server_cpu=cpu1 - cpu0)
    span = 0.0
    for out in outs:
        for kind, values in out["lat"].items():
            step.lat.setdefault(kind, []).extend(values)
        step.errors += out["errors"]
        step.error_samples += out["error_samples"]
        step.client_cpu += out["cpu"]
        step.lag += out["lag"]
        step.acked.update({int(k): v for k, v in out["acked"].items()})
        span = max(span, out["span"])
    step.requests = len(step.all_lat)
    step.achieved = step.requests / span if span else 0.0
    return step


# --- configurations ----------------------------------------------------------------------------


def run_config(name: str, args: argparse.Namespace, tmp: Path, trivial: ConfigResult | None) -> ConfigResult:
    result = ConfigResult(name)
    rng = random.Random(17)
    per_rate = {r: students_for(r, args.duration, args.autosaves) for r in args.rates}
    servers: list[Any]
    url = ""
    if name == "trivial":
        servers = [TrivialServer(tmp / "trivial.log")]
        tokens: list[str] = []
    else:
        if name.startswith("pg"):
            url = args.pg_url
            reset_postgres(url)
        else:
            url = f"sqlite:///{tmp / (name + '.db')}"
        tokens = prepare(url, sum(per_rate.values()))
        workers = {"sqlite-1": 1, "sqlite-N": args.workers, "pg-1": 1, "pg-2": 2, "pg-2proc": 1}[name]
        count = 2 if name == "pg-2proc" else 1
        servers = [ServiceProcess(url, tmp / f"{name}-{i}.log", workers=workers) for i in range(count)]
    for server in servers:
        server.start()
    bases = [server.base_url.removeprefix("http://") for server in servers]
    pids = [server.proc.pid for server in servers]
    used = 0
    try:
        for rate in args.rates:
            if name == "trivial":
                count = max(1, int(rate * args.duration))
                events = [(k / rate, k, "trivial", 0) for k in range(count)]
                step = run_step(name, rate, events, [], bases, pids, args.clients)
            else:
                mine = tokens[used:used + per_rate[rate]]
                used += per_rate[rate]
                events = exam_schedule(len(mine), rate, args.autosaves, rng)
                step = run_step(name, rate, events, mine, bases, pids, args.clients)
            result.steps.append(step)
            print_step(step, trivial)
            if not args.no_stop and (step.errors or step.pct(99) > OVERLOAD_MS):
                result.stopped_at = rate
                break
    finally:
        for server in servers:
            server.kill9()  # like a crash: an acknowledged submission must already be on disk
    if url:
        acked = {aid: score for step in result.steps for aid, score in step.acked.items()}
        result.acked = len(acked)
        result.lost = count_lost(url, acked)
    return result


LABELS = {"trivial": "trivial FastAPI endpoint, 1 worker", "sqlite-1": "SQLite, 1 worker",
          "sqlite-N": "SQLite, {n} workers", "pg-1": "PostgreSQL, 1 worker", "pg-2": "PostgreSQL, 2 workers",
          "pg-2proc": "PostgreSQL, 2 server processes"}


def label(name: str, args: argparse.Namespace) -> str:
    return LABELS[name].format(n=args.workers)


HEADER = (f"  {'rate':>5} {'achieved':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>6} "
          f"{'cpu ms/req':>10} {'x trivial':>9} {'lag p99 ms':>10} {'client ms/req':>13}")


def ratio(step: Step, trivial: ConfigResult | None) -> float:
    base = next((s for s in trivial.steps if s.rate == step.rate), None) if trivial else None
    return step.cpu_ms / base.cpu_ms if base and base.cpu_ms else float("nan")


def print_step(step: Step, trivial: ConfigResult | None) -> None:
    client_ms = 1000 * step.client_cpu / max(1, len(step.lag))
    print(f"  {step.rate:>5} {step.achieved:>8.0f} {step.pct(50):>7.1f} {step.pct(95):>7.1f} {step.pct(99):>7.1f} "
          f"{step.errors:>6} {step.cpu_ms:>10.2f} {ratio(step, trivial):>9.1f} {pct(step.lag, 99):>10.1f} "
          f"{client_ms:>13.2f}", flush=True)
    for e in step.error_samples[:3]:
        print(f"        {e}")


def summary(results: list[ConfigResult], args: argparse.Namespace) -> None:
    trivial = next((r for r in results if r.name == "trivial"), None)
    print("\nsummary (same run):")
    print(f"  {'configuration':<34} {'best rate p99<200ms':>19} {'cpu ms/req (median)':>19} {'x trivial':>9} "
          f"{'acked':>6} {'lost':>5}")
    for r in results:
        cpu = statistics.median([s.cpu_ms for s in r.steps]) if r.steps else float("nan")
        ratios = [ratio(s, trivial) for s in r.steps]
        ratios = [x for x in ratios if x == x]
        best = r.best_rate()
        shown = "none" if best is None else (f">= {best}" if best == max(args.rates) else str(best))
        acked = "-" if r.name == "trivial" else str(r.acked)
        lost = "-" if r.name == "trivial" else str(r.lost)
        print(f"  {label(r.name, args):<34} {shown:>19} {cpu:>19.2f} "
              f"{(statistics.median(ratios) if ratios else float('nan')):>9.1f} {acked:>6} {lost:>5}")
    if trivial:
        for r in results:
            if r.name == "sqlite-N":
                one = next((x for x in results if x.name == "sqlite-1"), None)
                if one and one.steps and r.steps and one.steps[0].rate == r.steps[0].rate:
                    print(f"\n  at {r.steps[0].rate} req/s: p50 {label(r.name, args)} {r.steps[0].pct(50):.1f} ms "
                          f"vs 1 worker {one.steps[0].pct(50):.1f} ms")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rates", default="50,100,150,200,300,400", help="arrival rates, requests/s (default: %(default)s)")
    p.add_argument("--duration", type=float, default=20.0, help="seconds per rate (default: %(default)s)")
    p.add_argument("--autosaves", type=int, default=4, help="autosaves per student (default: %(default)s)")
    p.add_argument("--workers", type=int, default=4, help="N for the sqlite-N configuration (default: %(default)s)")
    p.add_argument("--clients", type=int, default=2, help="load generator processes (default: %(default)s)")
    p.add_argument("--configs", default=None,
                   help="comma-separated subset of trivial,sqlite-1,sqlite-N,pg-1,pg-2,pg-2proc (default: all that apply)")
    p.add_argument("--pg-url", default=os.environ.get("QUIZLIB_TEST_PG_URL"), help="PostgreSQL URL (its schema is dropped!)")
    p.add_argument("--no-stop", action="store_true", help="run every rate even after one overloads the server")
    p.add_argument("--quick", action="store_true", help="a smoke run: 20 req/s for 3 s, trivial, sqlite-1, sqlite-N (2 workers)")
    p.add_argument("--json", type=Path, help="also write the figures to this file")
    args = p.parse_args(argv)
    if args.quick:
        args.rates, args.duration, args.workers, args.clients = "20", 3.0, 2, 1
        args.configs = args.configs or "trivial,sqlite-1,sqlite-N"
    args.rates = [int(r) for r in str(args.rates).split(",")]
    names = (args.configs.split(",") if args.configs else
             ["trivial", "sqlite-1", "sqlite-N"] + (["pg-1", "pg-2", "pg-2proc"] if args.pg_url else []))
    unknown = [n for n in names if n not in LABELS]
    if unknown:
        p.error(f"unknown configuration(s): {', '.join(unknown)}")
    if any(n.startswith("pg") for n in names) and not args.pg_url:
        p.error("the pg-* configurations need --pg-url (or QUIZLIB_TEST_PG_URL)")
    if "trivial" in names:  # the ceiling first, so every later row has its ratio
        names = ["trivial"] + [n for n in names if n != "trivial"]
    print(f"machine: {machine()}")
    print(f"open loop: rates {args.rates} req/s, {args.duration:g} s each; exam mix: start within 30 s, "
          f"{args.autosaves} autosaves 15 s apart, submit; bank {BANK.relative_to(ROOT)}; {args.clients} client process(es)")
    if not args.pg_url:
        print("PostgreSQL: skipped (give --pg-url or set QUIZLIB_TEST_PG_URL; scripts/start_postgres.sh prints one)")
    results: list[ConfigResult] = []
    trivial: ConfigResult | None = None
    with tempfile.TemporaryDirectory() as tmp_name:
        for name in names:
            print(f"\n{label(name, args)}\n{HEADER}", flush=True)
            r = run_config(name, args, Path(tmp_name), trivial)
            if name == "trivial":
                trivial = r
            results.append(r)
            if r.stopped_at is not None:
                print(f"  (stopped: overloaded at {r.stopped_at} req/s)")
            if name != "trivial":
                print(f"  acknowledged submissions: {r.acked}, lost after kill -9: {r.lost}")
    summary(results, args)
    if args.json:
        args.json.write_text(json.dumps([{
            "config": r.name, "label": label(r.name, args), "lost": r.lost, "acked": r.acked, "best_rate": r.best_rate(),
            "steps": [{"rate": s.rate, "achieved": s.achieved, "requests": s.requests, "p50": s.pct(50), "p95": s.pct(95),
                       "p99": s.pct(99), "errors": s.errors, "cpu_ms": s.cpu_ms, "x_trivial": ratio(s, trivial),
                       "lag_p99_ms": pct(s.lag, 99), "client_cpu_ms": 1000 * s.client_cpu / max(1, len(s.lag))}
                      for s in r.steps]} for r in results], indent=1))
    # Errors and lost submissions fail the run; an overloaded step (p99 > 2 s) is a figure, not a failure.
    failed = any(r.lost for r in results) or any(
        s.errors for r in results for s in r.steps if s.pct(99) <= OVERLOAD_MS)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
