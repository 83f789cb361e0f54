"""The one-hop start/autosave/submit (quizlib/server/hot_paths.py) answers exactly as the FastAPI routes do.

The same exam scenario, valid requests and every kind of bad one, runs against the app with
the hot paths and against the app without them (the routes alone), each on a fresh database
with the same clock; every response (status, body, Retry-After) must be identical, and the
hot paths must really have served the valid requests.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

import pytest

from quizlib.server import hot_paths
from quizlib.server.hot_paths import HotPaths
from tests.fixtures.server.harness import ALL_TYPES_BANK, Service, database_url, make_service

Answer = tuple[int, Any, str | None]


def _service(backend: str, tmp: Path, hot: bool) -> Service:
    tmp.mkdir(exist_ok=True)
    svc = make_service(database_url(backend, tmp), rate_burst=30, rate_per_minute=1)
    if not hot:  # the routes alone: drop the middleware before the first request builds the stack
        svc.app.user_middleware[:] = [m for m in svc.app.user_middleware if m.cls is not HotPaths]
        svc.app.middleware_stack = None
    return svc


def scenario(svc: Service) -> list[Answer]:
    """An exam with everything a client can get wrong; returns every response."""
    out: list[Answer] = []
    c = svc.client

    def call(method: str, url: str, who: str | None = None, headers: dict[str, str] | None = None,
             **kw: Any) -> Any:
        h = dict(svc.as_student(who)) if who else {}
        h.update(headers or {})
        r = c.request(method, url, headers=h, **kw)
        try:
            body = r.json()
        except ValueError:
            body = r.text
        out.append((r.status_code, body, r.headers.get("retry-after")))
        return body

    svc.roster("a", "b", "c", "d")
    svc.publish("q", bank=ALL_TYPES_BANK, allow_public_keys=True, time_limit_minutes=10, max_attempts=2, feedback="immediate")
    svc.publish("open", bank=ALL_TYPES_BANK, allow_public_keys=True, max_attempts=1, feedback="immediate")
    # Start: plain, again (the one in progress), with a key, unknown quiz, bad quiz id, with a body.
    first = call("POST", "/api/v1/quizzes/q/attempts", "a")
    call("POST", "/api/v1/quizzes/q/attempts", "a")
    call("POST", "/api/v1/quizzes/open/attempts", "b", {"Idempotency-Key": "s1"})
    call("POST", "/api/v1/quizzes/open/attempts", "b", {"Idempotency-Key": "s1"})
    call("POST", "/api/v1/quizzes/nope/attempts", "c")
    call("POST", "/api/v1/quizzes/-bad/attempts", "c")
    call("POST", "/api/v1/quizzes/q/attempts", "c", content=b'{"x": 1}', headers={"Content-Type": "application/json"})
    aid = first["id"]
    questions = {q["id"]: q for q in first["questions"]}
    good = {ref: (q["options"][0]["id"] if q["type"] == "single" else None) for ref, q in questions.items()}
    good = {k: v for k, v in good.items() if v is not None}
    save = f"/api/v1/attempts/{aid}/answers"
    # Autosaves: good, stale, bad answer, unknown question, bad shape, extra field, negative seq,
    # malformed JSON, JSON that is not an object, wrong content type, lone surrogate, huge seq.
    call("PUT", save, "a", json={"answers": good, "seq": 2})
    call("PUT", save, "a", json={"answers": good, "seq": 1})
    call("PUT", save, "a", json={"answers": {next(iter(good)): "zz"}, "seq": 3})
    call("PUT", save, "a", json={"answers": {"q999": 1}})
    call("PUT", save, "a", json={"answers": []})
    call("PUT", save, "a", json={"answers": {}, "extra": 1})
    call("PUT", save, "a", json={"answers": {}, "seq": -1})
    call("PUT", save, "a", content=b'{"answers": ', headers={"Content-Type": "application/json"})
    call("PUT", save, "a", content=b'[1, 2]', headers={"Content-Type": "application/json"})
    call("PUT", save, "a", content=json.dumps({"answers": {}}).encode(), headers={"Content-Type": "text/plain"})
    call("PUT", save, "a", content=b'{"answers": {"q1": "\\ud800"}}', headers={"Content-Type": "application/json"})
    call("PUT", save, "b", json={"answers": {}, "seq": 2**40})
    # Whose attempt, which id: another student's, id 0, not a number, too large.
    call("PUT", save, "b", json={"answers": {}})
    for bad in ("0", "abc", "99999999999", "-1"):
        call("PUT", f"/api/v1/attempts/{bad}/answers", "b", json={"answers": {}})
    # Who: no token, unknown token, the instructor, a duplicated header.
    call("PUT", save, None, json={"answers": {}})
    call("PUT", save, None, {"Authorization": "Bearer not-a-token"}, json={"answers": {}})
    call("PUT", save, None, svc.instructor(), json={"answers": {}})
    call("POST", "/api/v1/quizzes/q/attempts", None, svc.instructor())
    # Submit: no key, a bad key, two keys, bad body, with final answers, replayed, same key other body.
    submit = f"/api/v1/attempts/{aid}/submit"
    call("POST", submit, "a", json={})
    call("POST", submit, "a", {"Idempotency-Key": "x" * 201}, json={})
    call("POST", submit, "a", [("Idempotency-Key", "k1"), ("Idempotency-Key", "k2")], json={})  # type: ignore[arg-type]
    call("POST", submit, "d", {"Idempotency-Key": "k1"}, json={"answers": {}, "more": 1})
    call("POST", submit, "a", {"Idempotency-Key": "k1"}, json={"answers": good})
    call("POST", submit, "a", {"Idempotency-Key": "k1"}, json={"answers": good})
    call("POST", submit, "a", {"Idempotency-Key": "k1"}, json={})
    call("POST", submit, "a", {"Idempotency-Key": "k9"})
    call("PUT", save, "a", json={"answers": good})
    # Time: a second attempt, saved, then its time runs out (the save submits it: 409 time_up).
    second = call("POST", "/api/v1/quizzes/q/attempts", "a")
    svc.clock.advance(minutes=11)
    call("PUT", f"/api/v1/attempts/{second['id']}/answers", "a", json={"answers": {}})
    call("POST", "/api/v1/quizzes/q/attempts", "a")
    call("GET", f"/api/v1/attempts/{second['id']}/result", "a")
    # The rate limit: student c keeps saving past its burst.
    mine = call("POST", "/api/v1/quizzes/open/attempts", "c")
    for i in range(31):
        call("PUT", f"/api/v1/attempts/{mine['id']}/answers", "c", json={"answers": {}, "seq": i})
    return out


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> Iterator[str]:
    yield request.param


def test_hot_paths_answer_exactly_as_the_routes(backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    served: list[bool] = []
    real = hot_paths._serve

    def counted(*args: Any) -> Any:
        answer = real(*args)
        served.append(answer is not None)
        return answer

    monkeypatch.setattr(hot_paths, "_serve", counted)
    routes_only = _service(backend, tmp_path / "routes", hot=False)
    try:
        expected = scenario(routes_only)
    finally:
        routes_only.close()
    assert served == []
    hot = _service(backend, tmp_path / "hot", hot=True)
    try:
        got = scenario(hot)
    finally:
        hot.close()
    assert len(got) == len(expected)
    for i, (g, e) in enumerate(zip(got, expected)):
        assert g == e, f"response {i} differs: hot paths {g!r}, routes {e!r}"
    statuses = {s for s, _, _ in expected}
    assert {200, 201, 400, 401, 403, 404, 409, 422, 429} <= statuses  # the scenario reaches every outcome
    assert sum(served) >= 20, "the hot paths served too few of the valid requests"
