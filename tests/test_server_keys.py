"""Keys stay secret: no response a student can obtain carries any part of the answer key.

We walk every student-facing endpoint (checked against the app's route table, so
a new endpoint cannot be forgotten) for quizzes with each feedback policy and
scan each response for every key string of a bank whose key strings are unique
markers: feedback, explanations, accepted answers (text and regex), the numeric
answer and tolerance, and fields that would carry a key. As a control, the same
scan must *find* the explanations once results are released, so the scanner is
known to see them.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
import yaml
from tests.fixtures.server.harness import SECRET_BANK, Service, api_routes, service  # noqa: F401

KEY_FIELDS = {"correct", "accepted", "answer_key", "tolerance", "regex", "credit", "feedback_html",
              "explanation_html", "explanation", "feedback_true", "feedback_false", "reason", "results"}


def key_strings() -> list[str]:
    """Every string of the secret bank that only the key contains."""
    bank = yaml.safe_load(SECRET_BANK.read_text(encoding="utf-8"))
    out: list[str] = []
    for q in bank["questions"]:
        out.append(q["explanation"])
        for o in q.get("options", []):
            if o.get("feedback"):
                out.append(o["feedback"])
        for k in ("feedback_true", "feedback_false"):
            if q.get(k):
                out.append(q[k])
        for a in q.get("answers", []):
            out.extend(str(a[k]) for k in ("text", "regex", "feedback") if a.get(k))
        if q["type"] == "numeric":
            out += [repr(float(q["answer"])), str(q["tolerance"])]
    assert len(out) >= 20
    return out


def walk_keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in walk_keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in walk_keys(v)}
    return set()


def leaks(responses: list[tuple[str, httpx.Response]]) -> list[str]:
    secrets_ = key_strings()
    found = []
    for label, r in responses:
        assert r.status_code < 500, f"{label}: {r.status_code} {r.text}"
        body = r.text
        for s in secrets_:
            if s in body:
                found.append(f"{label}: contains key string {s!r}")
        if r.headers.get("content-type", "").startswith("application/json"):
            bad = walk_keys(r.json()) & KEY_FIELDS
            if bad:
                found.append(f"{label}: has key field(s) {sorted(bad)}")
    return found


def student_routes(app: Any) -> set[tuple[str, str]]:
    return {(m, p) for m, p in api_routes(app) if not p.startswith("/api/v1/instructor")}


def walk(svc: Service, sid: str, quiz_id: str, wrong: bool = True) -> tuple[list[tuple[str, httpx.Response]], set[tuple[str, str]], int]:
    """Every student request of one quiz's life cycle, up to and after submission."""
    c, h = svc.client, svc.as_student(sid)
    seen: list[tuple[str, httpx.Response]] = []
    covered: set[tuple[str, str]] = set()

    def hit(method: str, template: str, path: str, **kw: Any) -> httpx.Response:
        r = c.request(method, path, **kw)
        seen.append((f"{method} {path}", r))
        covered.add((method, template))
        return r

    hit("GET", "/api/health", "/api/health")
    hit("GET", "/api/openapi.json", "/api/openapi.json")
    hit("GET", "/signin", f"/signin?token={svc.tokens[sid]}")
    hit("GET", "/api/v1/me", "/api/v1/me", headers=h)
    hit("POST", "/api/v1/session", "/api/v1/session", headers=h)
    hit("GET", "/api/v1/quizzes", "/api/v1/quizzes", headers=h)
    hit("GET", "/api/v1/quizzes/{quiz_id}", f"/api/v1/quizzes/{quiz_id}", headers=h)
    attempt = hit("POST", "/api/v1/quizzes/{quiz_id}/attempts", f"/api/v1/quizzes/{quiz_id}/attempts", headers=h).json()
    aid = attempt["id"]
    hit("GET", "/api/v1/attempts/{attempt_id}", f"/api/v1/attempts/{aid}", headers=h)
    hit("GET", "/api/v1/attempts/{attempt_id}/result", f"/api/v1/attempts/{aid}/result", headers=h)
    answers = svc.key_answers(aid, right=not wrong)
    # Invalid answers: the error messages must not hint at the key either.
    for ref in answers:
        hit("PUT", "/api/v1/attempts/{attempt_id}/answers", f"/api/v1/attempts/{aid}/answers",
            json={"answers": {ref: "definitely-not-an-id"}}, headers=h)
        hit("PUT", "/api/v1/attempts/{attempt_id}/answers", f"/api/v1/attempts/{aid}/answers",
            json={"answers": {ref: [1, {"x": None}]}}, headers=h)
    hit("PUT", "/api/v1/attempts/{attempt_id}/answers", f"/api/v1/attempts/{aid}/answers",
        json={"answers": answers, "seq": 1}, headers=h)
    hit("GET", "/api/v1/attempts/{attempt_id}", f"/api/v1/attempts/{aid}", headers=h)
    sub = {**h, "Idempotency-Key": "submit-1"}
    hit("POST", "/api/v1/attempts/{attempt_id}/submit", f"/api/v1/attempts/{aid}/submit", json={}, headers=sub)
    hit("POST", "/api/v1/attempts/{attempt_id}/submit", f"/api/v1/attempts/{aid}/submit", json={}, headers=sub)
    hit("POST", "/api/v1/attempts/{attempt_id}/submit", f"/api/v1/attempts/{aid}/submit", json={},
        headers={**h, "Idempotency-Key": "submit-2"})
    hit("GET", "/api/v1/attempts/{attempt_id}/result", f"/api/v1/attempts/{aid}/result", headers=h)
    hit("GET", "/api/v1/attempts/{attempt_id}", f"/api/v1/attempts/{aid}", headers=h)
    hit("GET", "/api/v1/quizzes/{quiz_id}", f"/api/v1/quizzes/{quiz_id}", headers=h)
    hit("GET", "/api/v1/me", "/api/v1/me", headers=h)
    hit("POST", "/api/v1/quizzes/{quiz_id}/attempts", f"/api/v1/quizzes/{quiz_id}/attempts", headers=h)
    return seen, covered, aid


def test_walk_covers_every_student_endpoint(service: Service) -> None:
    service.roster("ann")
    service.publish("quiz", feedback="after_close", closes_at="2026-03-09T09:00:00Z")
    _, covered, _ = walk(service, "ann", "quiz")
    expected = student_routes(service.app)
    assert ("PUT", "/api/v1/attempts/{attempt_id}/answers") in expected and len(expected) >= 10
    missing = expected - covered
    assert not missing, f"student endpoints not walked by the key scan: {sorted(missing)}"


@pytest.mark.parametrize("answers_right", [False, True], ids=["wrong-answers", "right-answers"])
def test_after_close_nothing_leaks_before_release_then_explanations_appear(service: Service, answers_right: bool) -> None:
    service.roster("ann")
    service.publish("quiz", feedback="after_close", closes_at="2026-03-09T09:00:00Z", max_attempts=1)
    seen, _, aid = walk(service, "ann", "quiz", wrong=not answers_right)
    found = leaks(seen)
    if answers_right:
        # The student's own typed answers are echoed back to them; that is not a leak of the key.
        typed = {"zanzibarquux", repr(7391.25)}
        found = [f for f in found if not any(repr(t) in f for t in typed)]
    assert found == []
    # Control: after the close time the same scanner finds the explanations in the result.
    service.clock.advance(days=8)
    r = service.client.get(f"/api/v1/attempts/{aid}/result", headers=service.as_student("ann"))
    assert r.status_code == 200 and r.json()["released"] is True
    assert "EXPL-single-K1Z" in r.text and "EXPL-order-W9A" in r.text
    assert any("explanation_html" in f for f in leaks([("released result", r)]))


def test_timed_quiz_and_immediate_policy_leak_nothing_before_submission(service: Service) -> None:
    service.roster("ann", "bob")
    service.publish("timed", time_limit_minutes=30, feedback="immediate", max_attempts=1)
    c, h = service.client, service.as_student("ann")
    quiz = c.get("/api/v1/quizzes/timed", headers=h)
    assert quiz.json()["questions"] is None  # timed: questions only once the clock runs
    attempt = c.post("/api/v1/quizzes/timed/attempts", headers=h)
    aid = attempt.json()["id"]
    saved = c.put(f"/api/v1/attempts/{aid}/answers", json={"answers": service.key_answers(aid, right=False)}, headers=h)
    before = [("quiz", quiz), ("start", attempt), ("get", c.get(f"/api/v1/attempts/{aid}", headers=h)),
              ("result", c.get(f"/api/v1/attempts/{aid}/result", headers=h)), ("save", saved)]
    assert leaks(before) == []
    # Immediate policy, one attempt: after submitting, the key is released (to this student only).
    done = service.submit("ann", aid)
    assert done.status_code == 200 and done.json()["released"] is True
    assert "EXPL-tf-Y8R" in done.text
    # Bob has not submitted: nothing of the key reaches him.
    bob = service.as_student("bob")
    bob_attempt = c.post("/api/v1/quizzes/timed/attempts", headers=bob)
    assert leaks([("bob quiz", c.get("/api/v1/quizzes/timed", headers=bob)), ("bob start", bob_attempt),
                  ("bob me", c.get("/api/v1/me", headers=bob))]) == []


def test_student_ids_do_not_encode_the_key(service: Service) -> None:
    """Option, right-hand and item ids are form positions: no id equals a bank id or follows the key's order."""
    service.roster(*[f"s{i}" for i in range(12)])
    service.publish("quiz")
    correct_positions = set()
    for i in range(12):
        attempt = service.start(f"s{i}", "quiz")
        key = service.key_answers(attempt["id"])
        by_type = {q["id"]: q for q in attempt["questions"]}
        for ref, value in key.items():
            q = by_type[ref]
            if q["type"] == "ordering":
                assert value != [it["id"] for it in q["items"]], "items shown in the right order"
            # Matching layouts may line up with the key, as often as chance says: tests/test_server_order.py.
            if q["type"] == "single":
                correct_positions.add(value)
        text = json.dumps(attempt)
        assert not re.search(r'"id": "(a|b|c|p\d|i\d|d\d)"', text), "a bank id reached the student"
    assert len(correct_positions) > 1, "the right option sits at the same position on every form"
