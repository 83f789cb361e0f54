"""Nothing lost: a real server (``quizlib serve``, two worker processes) is killed with SIGKILL in the
middle of a load of submissions, restarted, and every submission it acknowledged must be in the
database with the score it reported. Retrying the unacknowledged ones with their idempotency keys
then completes them without ever creating a second attempt.

Loopback only, bounded in time: the load stops by itself after a few seconds at most.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from quizlib.loader import load_bank
from quizlib.server import admin
from quizlib.server.db import Database
from quizlib.server.models import Attempt
from quizlib.server.process import ServiceProcess
from tests.fixtures.server.harness import INSTRUCTOR, SECRET_BANK, database_url

STUDENTS = 60
THREADS = 6


def prepare(url: str) -> dict[str, str]:
    """Roster and quiz written straight to the database, as `quizlib serve roster/publish` do."""
    db = Database(url)
    db.migrate()
    now = datetime.now(timezone.utc)
    with db.write() as s:
        roster = "student_id,name\n" + "".join(f"s{i:03d},Student {i}\n" for i in range(STUDENTS))
        result = admin.import_roster(s, roster, now, "http://127.0.0.1/signin")
        admin.publish(s, "load", [load_bank(SECRET_BANK)], admin.QuizRules(), now)
    db.dispose()
    return {t.student_id: t.token for t in result.tokens}


def one_student(base: str, token: str, stop: threading.Event, acked: dict[str, Any], pending: dict[str, Any]) -> None:
    h = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=h, timeout=10) as c:
        attempt = c.post("/api/v1/quizzes/load/attempts").json()
        aid = attempt["id"]
        single = next(q for q in attempt["questions"] if q["type"] == "single")
        for i in range(3):
            if stop.is_set():
                return
            answer = {single["id"]: single["options"][i % len(single["options"])]["id"]}
            c.put(f"/api/v1/attempts/{aid}/answers", json={"answers": answer, "seq": i + 1}).raise_for_status()
        key = f"submit-{token[:8]}"
        pending[token] = (aid, key)
        r = c.post(f"/api/v1/attempts/{aid}/submit", json={}, headers={"Idempotency-Key": key})
        if r.status_code == 200:
            acked[token] = r.json()
            pending.pop(token, None)


def worker(base: str, tokens: list[str], stop: threading.Event, acked: dict[str, Any], pending: dict[str, Any],
           errors: list[str]) -> None:
    for token in tokens:
        if stop.is_set():
            return
        try:
            one_student(base, token, stop, acked, pending)
        except (httpx.HTTPError, ValueError, KeyError) as exc:
            if not stop.is_set():  # after the kill, failures are expected; before it, none is
                errors.append(f"{type(exc).__name__}: {exc}")
            return


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_acknowledged_submissions_survive_kill_9(backend: str, tmp_path: Path) -> None:
    url = database_url(backend, tmp_path)
    tokens = prepare(url)
    server = ServiceProcess(url, tmp_path / "server.log", workers=2, env={
        "QUIZLIB_INSTRUCTOR_TOKEN": INSTRUCTOR, "QUIZLIB_RATE_PER_MINUTE": "1000000", "QUIZLIB_RATE_BURST": "1000000"})
    base = server.base_url
    acked: dict[str, Any] = {}
    pending: dict[str, Any] = {}
    errors: list[str] = []
    stop = threading.Event()
    all_tokens = list(tokens.values())
    try:
        server.start()
        threads = [threading.Thread(target=worker, args=(base, all_tokens[i::THREADS], stop, acked, pending, errors))
                   for i in range(THREADS)]
        for t in threads:
            t.start()
        # Kill once a good share of submissions is acknowledged, with more still in flight (bounded: 30 s).
        deadline = time.monotonic() + 30
        while len(acked) < STUDENTS // 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        stop.set()
        server.kill9()
        for t in threads:
            t.join(timeout=30)
        assert errors == [], f"requests failed before the kill: {errors[:3]}"
        assert len(acked) >= STUDENTS // 3, f"only {len(acked)} acknowledged before the deadline; see {server.log}"
        assert len(acked) < STUDENTS, "every student finished before the kill: the kill tested nothing"

        server.start()  # restart on the same database
        db = Database(url)
        with db.read() as s:
            stored = {a.id: a for a in s.execute(select(Attempt)).scalars()}
        for token, body in acked.items():
            a = stored[body["attempt_id"]]
            assert a.submitted_at is not None, f"acknowledged attempt {a.id} lost its submission"
            assert a.score == pytest.approx(body["score"])
        # Retrying the unacknowledged submissions with their own keys completes each exactly once.
        for token, (aid, key) in list(pending.items()):
            r = httpx.post(f"{base}/api/v1/attempts/{aid}/submit", json={}, timeout=10,
                           headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key})
            assert r.status_code == 200, r.text
        with db.read() as s:
            per_student = s.execute(select(Attempt.student_pk, func.count()).group_by(Attempt.student_pk)).all()
        db.dispose()
        assert all(n == 1 for _, n in per_student), "a retry created a second attempt"
    finally:
        stop.set()
        server.stop()
