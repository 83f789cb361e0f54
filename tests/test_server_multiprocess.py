"""Several hosts on one PostgreSQL: two separate ``quizlib serve`` processes, requests spread across them.

Each server is its own process group on its own port, started as a separate host would start it
(its own ``quizlib serve``, nothing shared but the database), so anything kept in one process's
memory (a rate-limit counter, a revocation list, a session, an idempotency key) would show here
as a rule broken on the other. Every rule must hold across them: one attempt under concurrent
starts, one submission for one idempotency key, one rate limit per token, revocation and rule
changes at once, a session exchanged on one host and used on the other.

PostgreSQL only (several hosts cannot share a SQLite file): skipped, with the reason, when
``QUIZLIB_TEST_PG_URL`` is unset (``python3 run.py test`` sets it).
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest
from sqlalchemy import func, select

from quizlib.server.db import Database
from quizlib.server.models import Attempt, IdempotencyKey
from quizlib.server.process import ServiceProcess
from tests.fixtures.server.harness import INSTRUCTOR, PG_ENV, SECRET_BANK, reset_postgres

HOSTS = 2
BURST = 30
"""Requests a token may make at once; the sustained rate is set so low that nothing refills during a test."""
STUDENTS = ["starter", "submitter", "limited", "revoked", "traveller", "late"]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"{PG_ENV} is not set: several server processes share PostgreSQL only "
                    "(scripts/start_postgres.sh starts one and prints the URL)")
    reset_postgres(url)
    logs = tmp_path_factory.mktemp("hosts")
    env = {"QUIZLIB_INSTRUCTOR_TOKEN": INSTRUCTOR, "QUIZLIB_RATE_BURST": str(BURST),
           "QUIZLIB_RATE_PER_MINUTE": "0.001", "QUIZLIB_LTI_WORKER_SECONDS": "0"}
    hosts = [ServiceProcess(url, logs / f"host{i}.log", env=env) for i in range(HOSTS)]
    try:
        for h in hosts:  # started one after the other, as separately deployed hosts would be
            h.start()
        bases = [h.base_url for h in hosts]
        instructor = {"Authorization": f"Bearer {INSTRUCTOR}"}
        roster = "student_id,name\n" + "".join(f"{s},Student {s}\n" for s in STUDENTS)
        r = httpx.post(f"{bases[0]}/api/v1/instructor/roster", content=roster, timeout=30,
                       headers={**instructor, "Content-Type": "text/csv"})
        assert r.status_code == 200, r.text
        tokens = {t["student_id"]: t["token"] for t in r.json()["tokens"]}
        bank = SECRET_BANK.read_text(encoding="utf-8")
        for quiz, rules in (("once", {"max_attempts": 1}), ("open", {})):
            r = httpx.post(f"{bases[1]}/api/v1/instructor/quizzes", json={"id": quiz, "banks": [bank], **rules},
                           headers=instructor, timeout=30)
            assert r.status_code == 201, r.text
        db = Database(url)
        yield {"bases": bases, "tokens": tokens, "instructor": instructor, "db": db, "logs": logs}
        db.dispose()
    finally:
        for h in hosts:
            h.stop()


def _as(cluster: dict[str, Any], student: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {cluster['tokens'][student]}"}


def _together(calls: list[Any]) -> list[httpx.Response]:
    """Run the calls at the same moment (a barrier releases every thread at once)."""
    barrier = threading.Barrier(len(calls))

    def run(call: Any) -> httpx.Response:
        barrier.wait(10)
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_one_attempt_under_concurrent_starts_across_hosts(cluster: dict[str, Any]) -> None:
    bases, h = cluster["bases"], _as(cluster, "starter")
    calls = [lambda b=bases[i % HOSTS]: httpx.post(f"{b}/api/v1/quizzes/once/attempts", headers=h, timeout=30)
             for i in range(20)]
    responses = _together(calls)
    codes = Counter(r.status_code for r in responses)
    assert codes[201] == 1 and codes[200] == 19, codes  # one opened it; the others got the one in progress
    assert len({r.json()["id"] for r in responses}) == 1
    with cluster["db"].read() as s:
        n = s.execute(select(func.count()).select_from(Attempt).where(Attempt.quiz_id == "once")).scalar_one()
    assert n == 1
    aid = responses[0].json()["id"]
    r = httpx.post(f"{bases[1]}/api/v1/attempts/{aid}/submit", json={}, timeout=30,
                   headers={**h, "Idempotency-Key": "done"})
    assert r.status_code == 200, r.text
    again = httpx.post(f"{bases[0]}/api/v1/quizzes/once/attempts", headers=h, timeout=30)
    assert again.status_code == 409 and again.json()["error"]["code"] == "attempt_limit"


def test_one_submission_for_one_idempotency_key_across_hosts(cluster: dict[str, Any]) -> None:
    bases, h = cluster["bases"], _as(cluster, "submitter")
    attempt = httpx.post(f"{bases[0]}/api/v1/quizzes/open/attempts", headers=h, timeout=30).json()
    single = next(q for q in attempt["questions"] if q["type"] == "single")
    body = {"answers": {single["id"]: single["options"][0]["id"]}}
    key = {**h, "Idempotency-Key": "submit-once"}
    calls = [lambda b=bases[i % HOSTS]: httpx.post(f"{b}/api/v1/attempts/{attempt['id']}/submit", json=body,
                                                    headers=key, timeout=30) for i in range(10)]
    responses = _together(calls)
    assert {r.status_code for r in responses} == {200}, [r.text for r in responses if r.status_code != 200][:2]
    assert len({r.text for r in responses}) == 1  # the same answer from both hosts, every time
    with cluster["db"].read() as s:
        stored = s.get(Attempt, attempt["id"])
        assert stored is not None and stored.submitted_at is not None
        keys = s.execute(select(func.count()).select_from(IdempotencyKey)
                         .where(IdempotencyKey.key == "submit-once")).scalar_one()
    assert keys == 1 and responses[0].json()["score"] == stored.score
    # A new key is a new request: the attempt is already submitted (no second submission).
    other = httpx.post(f"{bases[1]}/api/v1/attempts/{attempt['id']}/submit", json=body, timeout=30,
                       headers={**h, "Idempotency-Key": "another"})
    assert other.status_code == 409 and other.json()["error"]["code"] == "already_submitted"


def test_the_rate_limit_counts_requests_to_every_host(cluster: dict[str, Any]) -> None:
    bases, h = cluster["bases"], _as(cluster, "limited")
    codes = [httpx.get(f"{bases[i % HOSTS]}/api/v1/me", headers=h, timeout=30).status_code for i in range(BURST + 10)]
    # Per-process buckets would let every host give BURST requests (60 here).
    assert codes.count(200) == BURST and codes.count(429) == 10, Counter(codes)
    assert set(codes[BURST:]) == {429}


def test_revocation_takes_effect_at_once_on_the_other_host(cluster: dict[str, Any]) -> None:
    bases, h = cluster["bases"], _as(cluster, "revoked")
    session = httpx.post(f"{bases[0]}/api/v1/session", headers=h, timeout=30).json()["token"]
    for base in bases:
        assert httpx.get(f"{base}/api/v1/me", headers=h, timeout=30).status_code == 200
        assert httpx.get(f"{base}/api/v1/me", headers={"Authorization": f"Bearer {session}"}, timeout=30).status_code == 200
    r = httpx.delete(f"{bases[0]}/api/v1/instructor/students/revoked/tokens", headers=cluster["instructor"], timeout=30)
    assert r.status_code == 200 and r.json()["revoked"] == 2
    for base in reversed(bases):  # the other host first: it must know at once
        for token in (cluster["tokens"]["revoked"], session):
            r = httpx.get(f"{base}/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=30)
            assert r.status_code == 401, (base, r.text)


def test_a_session_exchanged_on_one_host_works_on_the_other(cluster: dict[str, Any]) -> None:
    bases, h = cluster["bases"], _as(cluster, "traveller")
    r = httpx.post(f"{bases[1]}/api/v1/session", headers=h, timeout=30)
    assert r.status_code == 201, r.text
    session = {"Authorization": f"Bearer {r.json()['token']}"}
    me = httpx.get(f"{bases[0]}/api/v1/me", headers=session, timeout=30)
    assert me.status_code == 200 and me.json()["student_id"] == "traveller"
    attempt = httpx.post(f"{bases[0]}/api/v1/quizzes/open/attempts", headers=session, timeout=30)
    assert attempt.status_code == 201, attempt.text
    saved = httpx.put(f"{bases[1]}/api/v1/attempts/{attempt.json()['id']}/answers", json={"answers": {}, "seq": 1},
                      headers=session, timeout=30)
    assert saved.status_code == 200, saved.text


def test_a_rule_change_on_one_host_applies_on_the_other_at_once(cluster: dict[str, Any]) -> None:
    """Quiz content is cached per process by its hash (immutable); the rules are read on every request."""
    bases, h = cluster["bases"], _as(cluster, "late")
    bank = SECRET_BANK.read_text(encoding="utf-8")
    r = httpx.post(f"{bases[0]}/api/v1/instructor/quizzes", json={"id": "closing", "banks": [bank]},
                   headers=cluster["instructor"], timeout=30)
    assert r.status_code == 201, r.text
    assert httpx.get(f"{bases[1]}/api/v1/quizzes/closing", headers=h, timeout=30).json()["state"] == "open"
    r = httpx.patch(f"{bases[0]}/api/v1/instructor/quizzes/closing", json={"closes_at": "2001-01-01T00:00:00Z"},
                    headers=cluster["instructor"], timeout=30)
    assert r.status_code == 200, r.text
    refused = httpx.post(f"{bases[1]}/api/v1/quizzes/closing/attempts", headers=h, timeout=30)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "quiz_closed"
