"""The attempt rules, driven by a controllable server clock: idempotent submission, attempt and
time limits with grace, open/close times, release of results, and scoring."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from quizlib.grading import grade
from quizlib.loader import load_bank
from quizlib.server.models import Attempt, IdempotencyKey
from tests.fixtures.server.harness import SECRET_BANK, Service, service  # noqa: F401


def attempts_in_db(svc: Service) -> list[Attempt]:
    with svc.db.read() as s:
        return list(s.execute(select(Attempt).order_by(Attempt.id)).scalars())


def test_right_answers_score_full_marks_and_wrong_ones_zero(service: Service) -> None:
    service.roster("ann", "bob")
    service.publish("quiz")
    bank = load_bank(SECRET_BANK)
    full = sum(q.points for q in bank.questions)
    for sid, right in (("ann", True), ("bob", False)):
        aid = service.start(sid, "quiz")["id"]
        r = service.submit(sid, aid, service.key_answers(aid, right=right))
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["max_score"] == full
        if right:
            assert body["score"] == pytest.approx(full) and all(q["correct"] for q in body["questions"])
        else:
            assert body["score"] == pytest.approx(0.0)
            assert all(not q["correct"] for q in body["questions"])


def test_partial_credit_matches_the_grading_library(service: Service) -> None:
    service.roster("ann")
    service.publish("quiz")
    bank = load_bank(SECRET_BANK)
    aid = service.start("ann", "quiz")["id"]
    attempt = service.client.get(f"/api/v1/attempts/{aid}", headers=service.as_student("ann")).json()
    right = service.key_answers(aid, right=True)
    by_type = {q["type"]: q["id"] for q in attempt["questions"]}
    answers = dict(right)
    answers[by_type["short"]] = "Zanzibarqux"        # half credit answer, different case
    answers[by_type["multiple"]] = right[by_type["multiple"]][:1]  # one of two right options
    r = service.submit("ann", aid, answers).json()
    expected = {
        "short": grade(bank.question("s-short"), "Zanzibarqux").score,
        "multiple": grade(bank.question("s-multi"), [next(o.id for o in bank.question("s-multi").options if o.correct)]).score,
    }
    got = {q["id"]: q["score"] for q in r["questions"]}
    assert got[by_type["short"]] == pytest.approx(expected["short"]) == pytest.approx(0.5)
    assert got[by_type["multiple"]] == pytest.approx(expected["multiple"]) == pytest.approx(0.5)


def test_same_idempotency_key_replays_the_first_response(service: Service) -> None:
    service.roster("ann")
    service.publish("quiz")
    aid = service.start("ann", "quiz")["id"]
    answers = service.key_answers(aid)
    first = service.submit("ann", aid, answers, key="abc")
    service.clock.advance(minutes=5)
    again = service.submit("ann", aid, answers, key="abc")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert len(attempts_in_db(service)) == 1
    # Same key, different request: refused, nothing changes.
    other = service.submit("ann", aid, {}, key="abc")
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_key_reused"
    # A new key on a submitted attempt: 409, not a second submission.
    late = service.submit("ann", aid, answers, key="def")
    assert late.status_code == 409 and late.json()["error"]["code"] == "already_submitted"
    # No key at all: refused with a clear message.
    nokey = service.client.post(f"/api/v1/attempts/{aid}/submit", json={}, headers=service.as_student("ann"))
    assert nokey.status_code == 400 and nokey.json()["error"]["code"] == "idempotency_key_required"
    [attempt] = attempts_in_db(service)
    assert attempt.submitted_at is not None and attempt.score == pytest.approx(first.json()["score"])


def test_idempotent_start_never_opens_a_second_attempt(service: Service) -> None:
    service.roster("ann")
    service.publish("quiz", max_attempts=3)
    c, h = service.client, service.as_student("ann")
    first = c.post("/api/v1/quizzes/quiz/attempts", headers={**h, "Idempotency-Key": "start-1"})
    assert first.status_code == 201
    again = c.post("/api/v1/quizzes/quiz/attempts", headers=h)  # no key: returns the one in progress
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    service.submit("ann", first.json()["id"], {})
    retry = c.post("/api/v1/quizzes/quiz/attempts", headers={**h, "Idempotency-Key": "start-1"})
    assert retry.status_code == 201 and retry.json() == first.json()  # replayed, not attempt 2
    assert len(attempts_in_db(service)) == 1


def test_idempotency_keys_expire_after_the_retention_and_are_pruned(service: Service) -> None:
    from quizlib.server.idempotency import RETENTION

    service.roster("ann")
    service.publish("quiz", max_attempts=3)
    c, h = service.client, service.as_student("ann")
    first = c.post("/api/v1/quizzes/quiz/attempts", headers={**h, "Idempotency-Key": "start-1"})
    service.submit("ann", first.json()["id"], {}, key="sub-1")
    service.clock.advance(seconds=RETENTION.total_seconds() - 60)
    replayed = c.post("/api/v1/quizzes/quiz/attempts", headers={**h, "Idempotency-Key": "start-1"})
    assert replayed.status_code == 201 and replayed.json() == first.json()  # still within the retention
    service.clock.advance(seconds=120)
    fresh = c.post("/api/v1/quizzes/quiz/attempts", headers={**h, "Idempotency-Key": "start-1"})
    assert fresh.status_code == 201 and fresh.json()["id"] != first.json()["id"]  # the old key is forgotten
    with service.db.read() as s:
        keys = s.execute(select(IdempotencyKey.key)).scalars().all()
    assert keys == ["start-1"]  # both expired rows pruned; only the new one is kept
    assert len(attempts_in_db(service)) == 2


def test_concurrent_duplicate_submissions_are_applied_once(service: Service) -> None:
    service.roster("ann")
    service.publish("quiz")
    aid = service.start("ann", "quiz")["id"]
    answers = service.key_answers(aid)
    results: list = []

    def go() -> None:
        results.append(service.submit("ann", aid, answers, key="same"))

    threads = [threading.Thread(target=go) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {r.status_code for r in results} == {200}
    assert len({r.text for r in results}) == 1
    with service.db.read() as s:
        assert s.execute(select(func.count()).select_from(IdempotencyKey)).scalar_one() == 1
    assert len(attempts_in_db(service)) == 1


def test_attempt_limit(service: Service) -> None:
    service.roster("ann")
    service.publish("quiz", max_attempts=2)
    for n in (1, 2):
        attempt = service.start("ann", "quiz")
        assert attempt["number"] == n
        assert service.submit("ann", attempt["id"], {}, key=f"k{n}").status_code == 200
    r = service.client.post("/api/v1/quizzes/quiz/attempts", headers=service.as_student("ann"))
    assert r.status_code == 409 and r.json()["error"]["code"] == "attempt_limit"
    quiz = service.client.get("/api/v1/quizzes/quiz", headers=service.as_student("ann")).json()
    assert quiz["attempts_left"] == 0 and len(quiz["attempts"]) == 2
    assert len(attempts_in_db(service)) == 2


def test_time_limit_with_grace(service: Service) -> None:
    service.roster("ann", "bob")
    service.publish("timed", time_limit_minutes=10, max_attempts=1)
    grace = service.settings.grace_seconds
    c = service.client
    # Ann submits 20 s after the deadline: inside the grace, accepted.
    ann = service.start("ann", "timed")
    assert ann["seconds_left"] == 600 and ann["deadline"] == "2026-03-02T09:10:00Z"
    service.clock.advance(minutes=10, seconds=grace - 10)
    ok = service.submit("ann", ann["id"], service.key_answers(ann["id"]))
    assert ok.status_code == 200 and ok.json()["auto_submitted"] is False
    # Bob autosaves in time, then tries to change his answers after deadline + grace.
    bob = service.start("bob", "timed")
    h = service.as_student("bob")
    saved = service.key_answers(bob["id"], right=True)
    assert c.put(f"/api/v1/attempts/{bob['id']}/answers", json={"answers": saved}, headers=h).status_code == 200
    service.clock.advance(minutes=10, seconds=grace + 1)
    late = c.put(f"/api/v1/attempts/{bob['id']}/answers", json={"answers": service.key_answers(bob["id"], right=False)},
                 headers=h)
    assert late.status_code == 409 and late.json()["error"]["code"] == "time_up"
    # His last autosave was submitted for him, scored, and the late answers were not taken.
    result = c.get(f"/api/v1/attempts/{bob['id']}/result", headers=h).json()
    assert result["status"] == "submitted" and result["auto_submitted"] is True
    assert result["submitted_at"] == bob["deadline"]
    assert result["answers"] == saved and result["score"] == result["max_score"]
    late_submit = service.submit("bob", bob["id"], {}, key="late")
    assert late_submit.status_code == 409 and late_submit.json()["error"]["code"] == "already_submitted"


def test_expired_attempt_is_submitted_when_next_read(service: Service) -> None:
    service.roster("ann")
    service.publish("timed", time_limit_minutes=5)
    a = service.start("ann", "timed")
    h = service.as_student("ann")
    service.client.put(f"/api/v1/attempts/{a['id']}/answers", json={"answers": service.key_answers(a["id"])}, headers=h)
    service.clock.advance(hours=1)
    view = service.client.get(f"/api/v1/attempts/{a['id']}", headers=h).json()
    assert view["status"] == "submitted"
    [row] = attempts_in_db(service)
    assert row.auto_submitted and row.score == row.max_score


def test_open_and_close_times(service: Service) -> None:
    service.roster("ann", "bob")
    service.publish("quiz", opens_at="2026-03-02T10:00:00Z", closes_at="2026-03-02T12:00:00+00:00")
    c, h = service.client, service.as_student("ann")
    early = c.post("/api/v1/quizzes/quiz/attempts", headers=h)
    assert early.status_code == 403 and early.json()["error"]["code"] == "quiz_not_open"
    assert c.get("/api/v1/quizzes/quiz", headers=h).json()["state"] == "not_open"
    service.clock.advance(hours=1, minutes=30)
    attempt = service.start("ann", "quiz")
    assert attempt["deadline"] == "2026-03-02T12:00:00Z"  # no time limit: the close time is the deadline
    service.clock.advance(hours=1, minutes=31)  # 12:01, past the close time and the 30 s grace
    closed = c.post("/api/v1/quizzes/quiz/attempts", headers=service.as_student("bob"))
    assert closed.status_code == 403 and closed.json()["error"]["code"] == "quiz_closed"
    save = c.put(f"/api/v1/attempts/{attempt['id']}/answers", json={"answers": {}}, headers=h)
    assert save.status_code == 409 and save.json()["error"]["code"] == "time_up"


def test_time_limit_is_cut_by_the_close_time_and_follows_rule_changes(service: Service) -> None:
    service.roster("ann")
    service.publish("quiz", time_limit_minutes=60, closes_at="2026-03-02T09:20:00Z")
    attempt = service.start("ann", "quiz")
    assert attempt["deadline"] == "2026-03-02T09:20:00Z"
    r = service.client.patch("/api/v1/instructor/quizzes/quiz", json={"closes_at": "2026-03-02T11:00:00Z"},
                             headers=service.instructor())
    assert r.status_code == 200 and r.json()["closes_at"] == "2026-03-02T11:00:00Z"
    again = service.client.get(f"/api/v1/attempts/{attempt['id']}", headers=service.as_student("ann")).json()
    assert again["deadline"] == "2026-03-02T10:00:00Z"  # now the 60-minute limit binds
    bad = service.client.patch("/api/v1/instructor/quizzes/quiz", json={"opens_at": "2026-03-03T00:00:00Z"},
                               headers=service.instructor())
    assert bad.status_code == 422


def test_after_close_policy_hides_scores_until_close(service: Service) -> None:
    service.roster("ann")
    service.publish("quiz", feedback="after_close", closes_at="2026-03-03T09:00:00Z")
    aid = service.start("ann", "quiz")["id"]
    r = service.submit("ann", aid, service.key_answers(aid)).json()
    assert r["released"] is False and r["score"] is None and r["questions"] is None
    assert r["release_at"] == "2026-03-03T09:00:30Z"  # the close plus the 30 s grace
    h = service.as_student("ann")
    assert service.client.get("/api/v1/quizzes/quiz", headers=h).json()["attempts"][0]["score"] is None
    service.clock.advance(days=1, seconds=30)
    after = service.client.get(f"/api/v1/attempts/{aid}/result", headers=h).json()
    assert after["released"] is True and after["score"] == after["max_score"]
    assert service.client.get("/api/v1/quizzes/quiz", headers=h).json()["attempts"][0]["score"] == after["score"]


def test_stale_autosave_is_refused(service: Service) -> None:
    service.roster("ann")
    service.publish("quiz")
    aid = service.start("ann", "quiz")["id"]
    c, h = service.client, service.as_student("ann")
    newer = service.key_answers(aid, right=True)
    assert c.put(f"/api/v1/attempts/{aid}/answers", json={"answers": newer, "seq": 5}, headers=h).json()["answers_seq"] == 5
    stale = c.put(f"/api/v1/attempts/{aid}/answers", json={"answers": {}, "seq": 4}, headers=h)
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale_autosave"
    assert c.get(f"/api/v1/attempts/{aid}", headers=h).json()["answers"] == newer


def test_forms_are_per_student_deterministic_and_stable(service: Service) -> None:
    service.roster("ann", "bob", "cat")
    service.publish("quiz", max_attempts=2)
    h = service.as_student("ann")
    preview = service.client.get("/api/v1/quizzes/quiz", headers=h).json()["questions"]
    first = service.start("ann", "quiz")
    assert first["questions"] == preview  # the form shown before starting is the one answered
    service.submit("ann", first["id"], {})
    second = service.start("ann", "quiz")
    assert second["questions"] == first["questions"]
    forms = [service.start(s, "quiz")["questions"] for s in ("bob", "cat")]
    assert len({str(f) for f in [first["questions"], *forms]}) == 3


def test_forms_do_not_depend_on_the_process_or_its_hash_seed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """sha256 keys, never hash(): another interpreter with another PYTHONHASHSEED builds the same form."""
    import json
    import os
    import subprocess
    import sys

    from quizlib.server.quizzes import content_hash, load_content, snapshot
    from quizlib.server.student_forms import build_form

    code = (
        "import json, sys\n"
        "from quizlib.loader import load_bank\n"
        "from quizlib.server.quizzes import snapshot, content_hash, load_content\n"
        "from quizlib.server.student_forms import build_form\n"
        f"c = snapshot([load_bank({str(SECRET_BANK)!r})])\n"
        "f = build_form('quiz', 'ann', load_content(c, content_hash(c)), True)\n"
        "print(json.dumps(f.model_dump(mode='json')))\n"
    )
    here = snapshot([load_bank(SECRET_BANK)])
    mine = build_form("quiz", "ann", load_content(here, content_hash(here)), True).model_dump(mode="json")
    for seed in ("1", "12345"):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                             env={**os.environ, "PYTHONHASHSEED": seed})
        assert json.loads(out.stdout) == mine
