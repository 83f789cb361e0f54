"""Rules the running service must enforce, each found by testing it as a student or an attacker would.

Every test runs against SQLite and PostgreSQL (see the harness). Each was written
before its fix and failed on the code of the time:

- a quiz that has not opened showed its questions (no time limit);
- "after close" results were released at close + 1 s while classmates could still submit in the grace;
- a lone surrogate (``\\ud800``) in an answer made the attempt, its submission and the
  instructor's report answer 500 forever;
- NUL characters in roster names, quiz titles and ids in paths, and an autosave counter
  past 2**31 - 1, were 500s on PostgreSQL;
- ``closes_at`` 9999-12-31 crashed the start of an attempt; a 0.001-minute limit was stored as no limit;
- extending a quiz revived attempts whose time had already run out.
"""

from __future__ import annotations

import json
from typing import Any, Iterator

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from quizlib.server.models import Attempt
from tests.fixtures.server.harness import SECRET_BANK, Service, database_url, make_service, service  # noqa: F401


def error(r: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body = r.json()["error"]
    if code:
        assert body["code"] == code, body
    return body


def test_a_quiz_that_has_not_opened_shows_no_question(service: Service) -> None:
    service.roster("ann")
    service.publish("later", opens_at="2026-03-02T10:00:00Z")  # no time limit: questions would come with the quiz
    h = service.as_student("ann")
    early = service.client.get("/api/v1/quizzes/later", headers=h).json()
    assert early["state"] == "not_open"
    assert early["questions"] is None and early["questions_hidden_until_start"] is True
    assert "Which one is marked right?" not in json.dumps(early)
    service.clock.advance(hours=1)
    opened = service.client.get("/api/v1/quizzes/later", headers=h).json()
    assert opened["state"] == "open" and len(opened["questions"]) == 7


def test_results_after_close_wait_until_the_grace_has_ended_for_everyone(service: Service) -> None:
    service.roster("ann", "bob")
    service.publish("quiz", feedback="after_close", closes_at="2026-03-02T10:00:00Z")
    grace = service.settings.grace_seconds
    ann = service.start("ann", "quiz")
    bob = service.start("bob", "quiz")
    assert service.submit("ann", ann["id"], service.key_answers(ann["id"])).status_code == 200
    service.clock.advance(hours=1, seconds=1)  # 1 s after the close: Bob may still submit
    h = service.as_student("ann")
    early = service.client.get(f"/api/v1/attempts/{ann['id']}/result", headers=h).json()
    assert early["released"] is False and early["score"] is None and early["questions"] is None
    assert early["release_at"] == "2026-03-02T10:00:30Z"  # the close plus the grace
    assert service.client.get("/api/v1/quizzes/quiz", headers=h).json()["attempts"][0]["score"] is None
    assert service.submit("bob", bob["id"], service.key_answers(bob["id"])).status_code == 200  # still in the grace
    service.clock.advance(seconds=grace)
    late = service.client.get(f"/api/v1/attempts/{ann['id']}/result", headers=h).json()
    assert late["released"] is True and late["score"] == late["max_score"]


SURROGATE = "\\ud800"  # as JSON writes it: a lone high surrogate, which no UTF-8 text can hold


def test_text_that_is_not_unicode_is_refused_and_never_stored(service: Service) -> None:
    service.roster("ann")
    service.publish("quiz")
    attempt = service.start("ann", "quiz")
    aid, h = attempt["id"], {**service.as_student("ann"), "Content-Type": "application/json"}
    by_type = {q["type"]: q["id"] for q in attempt["questions"]}
    bodies = [
        '{"answers": {"%s": "Zanzibar%s"}}' % (by_type["short"], SURROGATE),       # in an answer
        '{"answers": {"%s": "o%s"}}' % (by_type["single"], SURROGATE),             # in an option id
        '{"answers": {"%s": ["o1", "%s"]}}' % (by_type["multiple"], SURROGATE),    # in a list
        '{"answers": {"%s": {"l1": "%s"}}}' % (by_type["matching"], SURROGATE),    # in a right id
        '{"answers": {"q%s": "o1"}}' % SURROGATE,                                   # in a question id
        '{"answers": {"%s": "Zanzibar"}, "seq": 3, "x%s": 1}' % (by_type["short"], SURROGATE),  # in a key
    ]
    for body in bodies:
        err = error(service.client.put(f"/api/v1/attempts/{aid}/answers", content=body.encode(), headers=h),
                    422, "invalid_text")
        assert "Unicode" in err["message"], err
    submit = service.client.post(f"/api/v1/attempts/{aid}/submit", content=bodies[0].encode(),
                                 headers={**h, "Idempotency-Key": "k1"})
    error(submit, 422, "invalid_text")
    # Nothing was stored, and every read still works: the attempt, its submission, the instructor's report.
    assert service.client.get(f"/api/v1/attempts/{aid}", headers=h).json()["answers"] == {}
    assert service.submit("ann", aid, {by_type["short"]: "Zanzibar"}, key="k2").status_code == 200
    for path in ("report.html", "gradebook.csv", "items"):
        r = service.client.get(f"/api/v1/instructor/quizzes/quiz/{path}", headers=service.instructor())
        assert r.status_code == 200, (path, r.text[:200])


def test_nul_characters_are_refused_with_a_4xx(service: Service) -> None:
    c, ih = service.client, service.instructor()
    csv_h = {**ih, "Content-Type": "text/csv"}
    r = c.post("/api/v1/instructor/roster", content="student_id,name\nbob,Bo\x00b\n", headers=csv_h)
    assert error(r, 422, "invalid_roster")["details"][0]["line"] == 2
    r = c.post("/api/v1/instructor/roster", content="student_id,name,email\nbob,Bob,b\x00b@example.org\n", headers=csv_h)
    error(r, 422, "invalid_roster")
    bank = SECRET_BANK.read_text(encoding="utf-8")
    error(c.post("/api/v1/instructor/quizzes", json={"id": "t", "title": "T\x00", "banks": [bank]}, headers=ih), 422)
    error(c.post("/api/v1/instructor/quizzes", json={"id": "t", "banks": [bank.replace("Alpha choice", "Al\x00pha")]},
                 headers=ih), 422)
    service.publish("quiz")
    error(c.patch("/api/v1/instructor/quizzes/quiz", json={"title": "New\x00"}, headers=ih), 422)
    for method, path in (("POST", "/api/v1/instructor/students/a%00b/token"),
                         ("DELETE", "/api/v1/instructor/students/a%00b/tokens"),
                         ("GET", "/api/v1/instructor/quizzes/qu%00iz/attempts"),
                         ("GET", "/api/v1/quizzes/qu%00iz")):
        r = c.request(method, path, headers=ih)
        assert 400 <= r.status_code < 500, (path, r.status_code, r.text)
    assert [s["student_id"] for s in c.get("/api/v1/instructor/students", headers=ih).json()] == []


def test_the_autosave_counter_never_overflows(service: Service) -> None:
    service.roster("ann")
    service.publish("quiz")
    aid, h = service.start("ann", "quiz")["id"], service.as_student("ann")
    top = 2**31 - 1
    r = service.client.put(f"/api/v1/attempts/{aid}/answers", json={"answers": {}, "seq": top}, headers=h)
    assert r.status_code == 200 and r.json()["answers_seq"] == top
    r = service.client.put(f"/api/v1/attempts/{aid}/answers", json={"answers": {}}, headers=h)  # counts on by one
    assert r.status_code == 200 and r.json()["answers_seq"] == top
    error(service.client.put(f"/api/v1/attempts/{aid}/answers", json={"answers": {}, "seq": top + 1}, headers=h), 422)
    assert service.submit("ann", aid, {}).status_code == 200


@pytest.mark.parametrize("rules, field", [
    ({"closes_at": "9999-12-31T23:59:59Z"}, "closes_at"),
    ({"opens_at": "0001-01-01T00:00:00Z"}, "opens_at"),
    ({"time_limit_minutes": 0.001}, "time_limit_minutes"),
    ({"time_limit_minutes": 0.5}, "time_limit_minutes"),
])
def test_far_dates_and_tiny_time_limits_are_refused(service: Service, rules: dict[str, Any], field: str) -> None:
    bank = SECRET_BANK.read_text(encoding="utf-8")
    r = service.client.post("/api/v1/instructor/quizzes", json={"id": "t", "banks": [bank], **rules},
                            headers=service.instructor())
    assert field in error(r, 422)["message"]
    service.publish("quiz")
    r = service.client.patch("/api/v1/instructor/quizzes/quiz", json=rules, headers=service.instructor())
    assert field in error(r, 422)["message"]
    quiz = service.client.get("/api/v1/instructor/quizzes", headers=service.instructor()).json()[0]
    assert quiz["closes_at"] is None and quiz["time_limit_seconds"] is None  # unchanged


def test_extending_a_quiz_does_not_revive_expired_attempts(service: Service) -> None:
    service.roster("ann", "bob")
    service.publish("quiz", time_limit_minutes=10, closes_at="2026-03-02T12:00:00Z")
    ann = service.start("ann", "quiz")
    service.client.put(f"/api/v1/attempts/{ann['id']}/answers", json={"answers": service.key_answers(ann["id"])},
                       headers=service.as_student("ann"))
    service.clock.advance(minutes=30)  # Ann's time ran out 20 minutes ago; nothing has touched her attempt since
    bob = service.start("bob", "quiz")  # Bob is working
    for change in ({"time_limit_minutes": 60}, {"closes_at": "2026-03-03T12:00:00Z"}):
        r = service.client.patch("/api/v1/instructor/quizzes/quiz", json=change, headers=service.instructor())
        assert r.status_code == 200, r.text
    with service.db.read() as s:
        rows = {a.id: a for a in s.execute(select(Attempt)).scalars()}
    assert rows[ann["id"]].submitted_at is not None and rows[ann["id"]].auto_submitted  # submitted at its deadline
    assert rows[ann["id"]].score == rows[ann["id"]].max_score
    view = service.client.get(f"/api/v1/attempts/{ann['id']}", headers=service.as_student("ann")).json()
    assert view["status"] == "submitted"
    late = service.client.put(f"/api/v1/attempts/{ann['id']}/answers", json={"answers": {}},
                              headers=service.as_student("ann"))
    error(late, 409, "already_submitted")
    # Bob's attempt in progress does get the longer limit.
    assert service.client.get(f"/api/v1/attempts/{bob['id']}", headers=service.as_student("bob")).json()["deadline"] \
        == "2026-03-02T10:30:00Z"


@pytest.fixture(params=["sqlite", "postgresql"])
def text_service(request: pytest.FixtureRequest, tmp_path) -> Iterator[Service]:  # type: ignore[no-untyped-def]
    svc = make_service(database_url(request.param, tmp_path), rate_per_minute=1e9, rate_burst=10**9)
    try:
        yield svc
    finally:
        svc.close()


# Any code point, lone surrogates and NUL included, with the troublesome ones drawn often.
ANY_TEXT = st.lists(st.one_of(st.sampled_from(["\x00", "\ud800", "\udfff", "\x1f", '"', ",", "\n"]),
                              st.characters(exclude_categories=[])), max_size=8).map("".join)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=ANY_TEXT, title=ANY_TEXT, answer=ANY_TEXT)
@example(name="", title="", answer="\ud800\udfff")  # a surrogate pair: valid JSON text, read back as U+103FF
def test_any_text_in_any_field_is_stored_and_read_back_or_refused(text_service: Service, name: str, title: str,
                                                                   answer: str) -> None:
    svc, ih = text_service, text_service.instructor()
    if "quiz" not in svc.tokens:
        svc.roster("ann")
        svc.publish("quiz", max_attempts=1000)
        svc.tokens["quiz"] = "published"
    roster = "student_id,name\nzed,\"%s\"\n" % name.replace('"', '""')
    r = svc.client.post("/api/v1/instructor/roster", content=roster.encode("utf-8", "surrogatepass"),
                        headers={**ih, "Content-Type": "text/csv"})
    assert r.status_code in (200, 400, 422), r.text
    assert svc.client.get("/api/v1/instructor/students", headers=ih).status_code == 200
    r = svc.client.patch("/api/v1/instructor/quizzes/quiz", content=json.dumps({"title": title}).encode(),
                         headers={**ih, "Content-Type": "application/json"})
    assert r.status_code in (200, 422), r.text
    attempt = svc.start("ann", "quiz")
    short = next(q["id"] for q in attempt["questions"] if q["type"] == "short")
    h = {**svc.as_student("ann"), "Content-Type": "application/json"}
    r = svc.client.put(f"/api/v1/attempts/{attempt['id']}/answers",
                       content=json.dumps({"answers": {short: answer}}).encode(), headers=h)
    assert r.status_code in (200, 422), r.text
    back = svc.client.get(f"/api/v1/attempts/{attempt['id']}", headers=h)
    assert back.status_code == 200
    # What the client sent is the text JSON means: an escaped surrogate pair such as \ud800\udfff is one
    # character (U+103FF, RFC 8259 section 7), not two lone surrogates.
    sent = json.loads(json.dumps(answer))
    if r.status_code == 200 and sent.strip():
        assert back.json()["answers"][short] == sent
    assert svc.client.get("/api/v1/instructor/quizzes/quiz/report.html", headers=ih).status_code == 200


def test_publishing_questions_with_public_keys_needs_allow_public_keys(service: Service) -> None:
    """A bank the book renders (no ``secure: true``) has public keys: refused unless allowed, then warned per question."""
    from tests.fixtures.server.harness import ALL_TYPES_BANK

    practice = ALL_TYPES_BANK.read_text(encoding="utf-8")
    c, h = service.client, service.instructor()
    r = c.post("/api/v1/instructor/quizzes", json={"id": "p", "banks": [practice]}, headers=h)
    err = error(r, 422, "public_keys")
    assert "allow_public_keys" in err["message"] and len(err["details"]) == 10
    r = c.post("/api/v1/instructor/quizzes", json={"id": "p", "banks": [practice], "questions": ["tf-1"]}, headers=h)
    assert len(error(r, 422, "public_keys")["details"]) == 1  # only the questions asked are checked
    r = c.post("/api/v1/instructor/quizzes", json={"id": "p", "banks": [practice], "allow_public_keys": True}, headers=h)
    assert r.status_code == 201 and len(r.json()["warnings"]) == 10
    r = c.post("/api/v1/instructor/quizzes", json={"id": "s", "banks": [SECRET_BANK.read_text(encoding="utf-8")]}, headers=h)
    assert r.status_code == 201 and r.json()["warnings"] == []  # a secure pool goes through as it is
