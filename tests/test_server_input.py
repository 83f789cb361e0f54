"""Bad input gets a 4xx with a clear JSON message, never a 500: malformed JSON, wrong types,
unknown ids, oversized bodies, fuzzed answers. Student text is escaped in the HTML the server emits."""

from __future__ import annotations

import json
from typing import Any, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fixtures.server.harness import Service, database_url, make_service, service, sqlite_service  # noqa: F401
from tests.strategies import json_values


def assert_error(r: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body = r.json()["error"]
    assert body["message"] and isinstance(body["message"], str)
    if code:
        assert body["code"] == code, body
    return body


@pytest.fixture
def started(service: Service) -> tuple[Service, dict[str, Any]]:
    service.roster("ann")
    service.publish("quiz")
    return service, service.start("ann", "quiz")


def test_malformed_json_is_400(started) -> None:  # type: ignore[no-untyped-def]
    svc, attempt = started
    h = {**svc.as_student("ann"), "Content-Type": "application/json"}
    for body in (b"{", b"{'answers': {}}", b"\xff\xfe", b"[1,2", b'{"answers": {"q1": "o1"}'):
        r = svc.client.put(f"/api/v1/attempts/{attempt['id']}/answers", content=body, headers=h)
        msg = assert_error(r, 400, "malformed_json")["message"]
        assert "not valid JSON" in msg
    r = svc.client.post(f"/api/v1/attempts/{attempt['id']}/submit", content=b"{nope", headers={**h, "Idempotency-Key": "k"})
    assert_error(r, 400, "malformed_json")


def test_wrong_shapes_and_types_are_422_naming_the_field(started) -> None:  # type: ignore[no-untyped-def]
    svc, attempt = started
    url, h = f"/api/v1/attempts/{attempt['id']}/answers", svc.as_student("ann")
    cases = [
        ({"answers": []}, "answers"),
        ({"answers": "all of them"}, "answers"),
        ({}, "answers"),
        ({"answers": {}, "seq": "one"}, "seq"),
        ({"answers": {}, "seq": -1}, "seq"),
        ({"answers": {}, "seq": 10**30}, "seq"),
        ({"answers": {}, "extra": 1}, "extra"),
        ([1, 2, 3], "body"),
        ("text", "body"),
    ]
    for body, field in cases:
        err = assert_error(svc.client.put(url, json=body, headers=h), 422, "invalid_request")
        assert field in err["message"], (body, err)


def test_unknown_questions_and_options_are_422_with_the_question(started) -> None:  # type: ignore[no-untyped-def]
    svc, attempt = started
    url, h = f"/api/v1/attempts/{attempt['id']}/answers", svc.as_student("ann")
    qs = {q["type"]: q for q in attempt["questions"]}
    single, multi, match, order = qs["single"], qs["multiple"], qs["matching"], qs["ordering"]
    cases = [
        ({"q99": "o1"}, "q99", "unknown question"),
        ({"s-single": "a"}, "s-single", "unknown question"),  # bank ids are not accepted
        ({single["id"]: "a"}, single["id"], "unknown option"),
        ({single["id"]: 1}, single["id"], "expected option id"),
        ({multi["id"]: "o1"}, multi["id"], "expected a list"),
        ({multi["id"]: ["o1", "o1"]}, multi["id"], "twice"),
        ({match["id"]: {"l1": "p1"}}, match["id"], "unknown right item"),
        ({match["id"]: {"p1": "r1"}}, match["id"], "unknown left item"),
        ({order["id"]: order["items"][0]["id"]}, order["id"], "expected a list"),
        ({order["id"]: [i["id"] for i in order["items"]][:-1]}, order["id"], "exactly once"),
        ({qs["true_false"]["id"]: "yes"}, qs["true_false"]["id"], "expected true or false"),
        ({qs["short"]["id"]: "x" * 1001}, qs["short"]["id"], "longer than"),
        ({qs["numeric"]["id"]: [1]}, qs["numeric"]["id"], "expected a number"),
        ({qs["numeric"]["id"]: True}, qs["numeric"]["id"], "expected a number"),
    ]
    for answers, ref, words in cases:
        err = assert_error(svc.client.put(url, json={"answers": answers}, headers=h), 422, "invalid_answer")
        assert err["details"][0]["question"] == ref and words in err["details"][0]["message"], err
    # Several bad answers: every one is listed.
    err = assert_error(svc.client.put(url, json={"answers": {"q98": 1, "q99": 2}}, headers=h), 422)
    assert [d["question"] for d in err["details"]] == ["q98", "q99"] and "1 more" in err["message"]
    # Nothing bad was stored.
    assert svc.client.get(f"/api/v1/attempts/{attempt['id']}", headers=h).json()["answers"] == {}


def test_non_finite_numbers_and_deep_nesting_are_4xx(started) -> None:  # type: ignore[no-untyped-def]
    svc, attempt = started
    url, h = f"/api/v1/attempts/{attempt['id']}/answers", {**svc.as_student("ann"), "Content-Type": "application/json"}
    num = next(q["id"] for q in attempt["questions"] if q["type"] == "numeric")
    for raw in (f'{{"answers": {{"{num}": NaN}}}}', f'{{"answers": {{"{num}": Infinity}}}}'):
        r = svc.client.put(url, content=raw.encode(), headers=h)
        assert 400 <= r.status_code < 500, r.text
    deep = ("[" * 50_000 + "]" * 50_000).encode()
    r = svc.client.put(url, content=b'{"answers": {"q1": ' + deep + b"}}", headers=h)
    assert 400 <= r.status_code < 500, r.text[:200]
    r = svc.client.get("/api/v1/attempts/abc", headers=h)
    assert_error(r, 422, "invalid_request")
    r = svc.client.get(f"/api/v1/attempts/{2**40}", headers=h)
    assert_error(r, 422, "invalid_request")
    r = svc.client.get("/api/v1/quizzes/" + "x" * 200, headers=h)
    assert_error(r, 422, "invalid_request")


def test_oversized_bodies_are_413(sqlite_service: Service) -> None:
    svc = sqlite_service
    svc.roster("ann")
    svc.publish("quiz")
    attempt = svc.start("ann", "quiz")
    url, h = f"/api/v1/attempts/{attempt['id']}/answers", {**svc.as_student("ann"), "Content-Type": "application/json"}
    limit = svc.settings.student_body_limit
    big = json.dumps({"answers": {"q1": "x" * limit}}).encode()
    err = assert_error(svc.client.put(url, content=big, headers=h), 413, "body_too_large")
    assert str(limit) in err["message"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
        yield b'{"answers": {"q1": "'
        for _ in range(limit // 4096 + 2):
            yield b"y" * 4096
        yield b'"}}'

    assert_error(svc.client.put(url, content=chunks(), headers=h), 413, "body_too_large")
    # The instructor limit is larger: a whole bank fits.
    assert svc.settings.instructor_body_limit > limit


def test_unknown_endpoint_and_method_are_json_4xx(started) -> None:  # type: ignore[no-untyped-def]
    svc, attempt = started
    h = svc.as_student("ann")
    assert_error(svc.client.get("/api/v1/nothing", headers=h), 404, "not_found")
    assert_error(svc.client.delete(f"/api/v1/attempts/{attempt['id']}", headers=h), 405)
    assert_error(svc.client.get("/api/v1/quizzes/absent", headers=h), 404, "quiz_not_found")
    assert_error(svc.client.post("/api/v1/quizzes/absent/attempts", headers=h), 404, "quiz_not_found")
    for key in ("é".encode("latin-1") * 3, b"k" * 201, b"with\x01control"):
        bad_key = svc.client.post(f"/api/v1/attempts/{attempt['id']}/submit", json={},
                                  headers={**h, "Idempotency-Key": key})  # type: ignore[dict-item]
        assert_error(bad_key, 400, "bad_idempotency_key")


@pytest.fixture
def fuzz_service(tmp_path) -> Iterator[Service]:  # type: ignore[no-untyped-def]
    """No rate limit: a fuzzer sends requests faster than any student."""
    svc = make_service(database_url("sqlite", tmp_path), rate_per_minute=1e9, rate_burst=10**9)
    try:
        yield svc
    finally:
        svc.close()


ANSWER_FUZZ = st.one_of(json_values, st.text(max_size=30), st.lists(st.sampled_from(["o1", "o2", "r1", "s1", "l1", "x"])),
                        st.dictionaries(st.sampled_from(["l1", "l2", "l3", "zz"]), st.sampled_from(["r1", "r2", None, 3])))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answers=st.dictionaries(st.sampled_from([f"q{i}" for i in range(0, 9)] + ["", "Q1", "q01"]), ANSWER_FUZZ, max_size=6))
def test_fuzzed_answers_are_saved_or_refused_never_500(fuzz_service: Service, answers: dict[str, Any]) -> None:
    svc = fuzz_service
    if not svc.tokens:
        svc.roster("ann")
        svc.publish("quiz")
        svc.tokens["attempt"] = str(svc.start("ann", "quiz")["id"])
    aid = svc.tokens["attempt"]
    r = svc.client.put(f"/api/v1/attempts/{aid}/answers", content=json.dumps({"answers": answers}).encode(),
                       headers={**svc.as_student("ann"), "Content-Type": "application/json"})
    assert r.status_code in (200, 422), r.text
    if r.status_code == 200:
        stored = svc.client.get(f"/api/v1/attempts/{aid}", headers=svc.as_student("ann")).json()["answers"]
        assert stored == {k: v for k, v in answers.items() if v is not None}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=json_values, key=st.text(min_size=1, max_size=10, alphabet=st.characters(min_codepoint=33, max_codepoint=126)))
def test_fuzzed_bodies_on_every_student_write_endpoint_never_500(fuzz_service: Service, body: Any, key: str) -> None:
    svc = fuzz_service
    if not svc.tokens:
        svc.roster("ann")
        svc.publish("quiz", max_attempts=1000)
        svc.tokens["attempt"] = str(svc.start("ann", "quiz")["id"])
    aid, h = svc.tokens["attempt"], svc.as_student("ann")
    for method, url in (("PUT", f"/api/v1/attempts/{aid}/answers"), ("POST", f"/api/v1/attempts/{aid}/submit"),
                        ("POST", "/api/v1/quizzes/quiz/attempts")):
        # Python's json module writes NaN/Infinity, as a sloppy client might: the server must cope.
        r = svc.client.request(method, url, content=json.dumps(body).encode(),
                               headers={**h, "Idempotency-Key": key, "Content-Type": "application/json"})
        assert r.status_code < 500, (method, url, r.text)
        assert r.headers["content-type"].startswith("application/json")


def test_student_text_is_escaped_in_html(sqlite_service: Service) -> None:
    svc = sqlite_service
    evil_name = '<script>alert("name")</script>'
    r = svc.client.post("/api/v1/instructor/roster", content=f'student_id,name\nmal,"{evil_name.replace(chr(34), chr(34) * 2)}"\n',
                        headers={**svc.instructor(), "Content-Type": "text/csv"})
    token = r.json()["tokens"][0]["token"]
    svc.tokens["mal"] = token
    svc.publish("quiz")
    attempt = svc.start("mal", "quiz")
    short = next(q["id"] for q in attempt["questions"] if q["type"] == "short")
    typed = '<img src=x onerror="alert(1)">'
    assert svc.submit("mal", attempt["id"], {short: typed}).status_code == 200
    report = svc.client.get("/api/v1/instructor/quizzes/quiz/report.html", headers=svc.instructor())
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/html")
    assert evil_name not in report.text and typed not in report.text
    assert "&lt;script&gt;" in report.text and "&lt;img src=x" in report.text
    page = svc.client.get(f"/signin?token={token}")
    assert evil_name not in page.text and "&lt;script&gt;" in page.text
    # JSON carries the text as data (the widget must insert it as text, see API.md).
    assert svc.client.get("/api/v1/me", headers=svc.as_student("mal")).json()["name"] == evil_name
