"""Isolation: a student reaches only their own attempts, never an instructor endpoint; tokens are revocable and stored hashed."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from quizlib.server.models import Token
from tests.fixtures.server.harness import Service, api_routes, service  # noqa: F401


def test_student_cannot_read_or_change_another_students_attempt(service: Service) -> None:
    service.roster("ann", "bob")
    service.publish("quiz")
    ann = service.start("ann", "quiz")
    c, bob = service.client, service.as_student("bob")
    aid = ann["id"]
    answers = service.key_answers(aid)
    probes = [
        c.get(f"/api/v1/attempts/{aid}", headers=bob),
        c.get(f"/api/v1/attempts/{aid}/result", headers=bob),
        c.put(f"/api/v1/attempts/{aid}/answers", json={"answers": answers}, headers=bob),
        c.post(f"/api/v1/attempts/{aid}/submit", json={"answers": answers}, headers={**bob, "Idempotency-Key": "x"}),
    ]
    for r in probes:
        assert r.status_code == 404, r.text
        assert r.json()["error"]["code"] == "attempt_not_found"
    # ... and nothing changed: Ann's attempt is still open with no answers.
    mine = c.get(f"/api/v1/attempts/{aid}", headers=service.as_student("ann")).json()
    assert mine["status"] == "in_progress" and mine["answers"] == {}
    # A missing attempt answers exactly like someone else's (no way to probe which ids exist).
    missing = c.get("/api/v1/attempts/999999", headers=bob)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "attempt_not_found"


def test_missing_malformed_and_unknown_tokens_get_401(service: Service) -> None:
    service.roster("ann")
    service.publish("quiz")
    c = service.client
    for headers in ({}, {"Authorization": "Bearer"}, {"Authorization": "Basic abc"},
                    {"Authorization": "Bearer not-a-real-token"}, {"Authorization": "Bearer " + "x" * 5000}):
        for method, path in (("GET", "/api/v1/me"), ("POST", "/api/v1/quizzes/quiz/attempts"),
                             ("GET", "/api/v1/instructor/students")):
            r = c.request(method, path, headers=headers)
            assert r.status_code == 401, (headers, path, r.text)
            assert r.json()["error"]["code"] == "unauthorized"
            assert r.headers["www-authenticate"] == "Bearer"


INSTRUCTOR_CALLS = [
    ("POST", "/api/v1/instructor/roster", {"content": "student_id\nzed\n", "headers": {"Content-Type": "text/csv"}}),
    ("GET", "/api/v1/instructor/students", {}),
    ("POST", "/api/v1/instructor/students/{student_id}/token", {}),
    ("DELETE", "/api/v1/instructor/students/{student_id}/tokens", {}),
    ("POST", "/api/v1/instructor/quizzes", {"json": {"id": "x", "banks": ["a: 1"]}}),
    ("GET", "/api/v1/instructor/quizzes", {}),
    ("PATCH", "/api/v1/instructor/quizzes/{quiz_id}", {"json": {"max_attempts": 5}}),
    ("GET", "/api/v1/instructor/quizzes/{quiz_id}/attempts", {}),
    ("GET", "/api/v1/instructor/quizzes/{quiz_id}/gradebook.csv", {}),
    ("GET", "/api/v1/instructor/quizzes/{quiz_id}/items", {}),
    ("GET", "/api/v1/instructor/quizzes/{quiz_id}/items.csv", {}),
    ("GET", "/api/v1/instructor/quizzes/{quiz_id}/items.html", {}),
    ("GET", "/api/v1/instructor/quizzes/{quiz_id}/report.html", {}),
    ("POST", "/api/v1/instructor/quizzes/{quiz_id}/view-link", {}),
]


def test_every_instructor_endpoint_refuses_a_student_token(service: Service) -> None:
    service.roster("ann")
    service.publish("quiz")
    routes = {(m, p) for m, p in api_routes(service.app) if p.startswith("/api/v1/instructor")}
    assert routes == {(m, p) for m, p, _ in INSTRUCTOR_CALLS}, "INSTRUCTOR_CALLS must list every instructor endpoint"
    for method, template, kw in INSTRUCTOR_CALLS:
        kw = dict(kw)
        headers = {**kw.pop("headers", {}), **service.as_student("ann")}
        path = template.format(student_id="ann", quiz_id="quiz")
        r = service.client.request(method, path, headers=headers, **kw)
        assert r.status_code == 403, (method, path, r.text)
        assert r.json()["error"]["code"] == "forbidden"
    # Ann's token still works (the refused calls revoked nothing) and no student "zed" was added.
    assert service.client.get("/api/v1/me", headers=service.as_student("ann")).status_code == 200
    names = [s["student_id"] for s in service.client.get("/api/v1/instructor/students", headers=service.instructor()).json()]
    assert names == ["ann"]


def test_revoked_and_reissued_tokens(service: Service) -> None:
    service.roster("ann")
    c = service.client
    old = service.as_student("ann")
    assert c.get("/api/v1/me", headers=old).status_code == 200
    r = c.post("/api/v1/instructor/students/ann/token", headers=service.instructor())
    assert r.status_code == 200
    new = {"Authorization": f"Bearer {r.json()['token']}"}
    assert r.json()["link"].endswith(f"#token={r.json()['token']}")
    assert c.get("/api/v1/me", headers=old).status_code == 401
    assert c.get("/api/v1/me", headers=new).json()["student_id"] == "ann"
    r = c.delete("/api/v1/instructor/students/ann/tokens", headers=service.instructor())
    assert r.json() == {"student_id": "ann", "revoked": 1}
    assert c.get("/api/v1/me", headers=new).status_code == 401
    signin = c.get(f"/signin?token={r.json()['student_id']}")
    assert signin.status_code == 401


def test_tokens_are_random_and_stored_only_as_hashes(service: Service) -> None:
    issued = service.roster(*[f"s{i}" for i in range(20)])
    tokens = list(issued.values())
    assert len(set(tokens)) == 20 and all(len(t) >= 40 for t in tokens)
    with service.db.read() as s:
        stored = {t.token_hash for t in s.execute(select(Token)).scalars()}
    assert stored == {hashlib.sha256(t.encode()).hexdigest() for t in tokens}
    assert not any(t in stored for t in tokens)


def test_rate_limit_per_token(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.fixtures.server.harness import database_url, make_service

    svc = make_service(database_url("sqlite", tmp_path), rate_per_minute=60, rate_burst=5)
    try:
        svc.roster("ann", "bob")
        codes = [svc.client.get("/api/v1/me", headers=svc.as_student("ann")).status_code for _ in range(8)]
        assert codes[:5] == [200] * 5 and codes[5:] == [429] * 3
        r = svc.client.get("/api/v1/me", headers=svc.as_student("ann"))
        assert r.json()["error"]["code"] == "rate_limited" and int(r.headers["retry-after"]) >= 1
        # Another student's token has its own bucket.
        assert svc.client.get("/api/v1/me", headers=svc.as_student("bob")).status_code == 200
    finally:
        svc.close()


def test_rate_limiter_refills_with_time(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from quizlib.server.db import Database
    from quizlib.server.limits import RateLimiter

    db = Database(f"sqlite:///{tmp_path / 'limits.db'}")
    db.migrate()
    try:
        limiter = RateLimiter(db)
        assert [limiter.take("k", 0.0, per_minute=60, burst=2) for _ in range(2)] == [0.0, 0.0]
        # Refused; the refused request costs its request too (so the verdict is one returned value): 2 s to wait.
        assert limiter.take("k", 0.0, per_minute=60, burst=2) == pytest.approx(2.0)
        assert limiter.take("k", 1.5, per_minute=60, burst=2) > 0
        assert limiter.take("k", 3.5, per_minute=60, burst=2) == 0.0
        assert limiter.take("other", 0.0, per_minute=60, burst=2) == 0.0  # buckets are per key
    finally:
        db.dispose()


def test_cors_allows_only_configured_origins(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.fixtures.server.harness import database_url, make_service

    svc = make_service(database_url("sqlite", tmp_path), cors_origins=("https://book.example.org",))
    try:
        pre = {"Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "authorization,content-type"}
        ok = svc.client.options("/api/v1/attempts/1/answers", headers={"Origin": "https://book.example.org", **pre})
        assert ok.status_code == 200
        assert ok.headers["access-control-allow-origin"] == "https://book.example.org"
        bad = svc.client.options("/api/v1/attempts/1/answers", headers={"Origin": "https://evil.example", **pre})
        assert "access-control-allow-origin" not in bad.headers
    finally:
        svc.close()
