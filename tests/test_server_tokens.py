"""Tokens and rate limits, tested on the running service (SQLite and PostgreSQL).

Findings this file pins down (each test failed before its fix):

- rate limits were per process: with 4 workers a token made 4 times its allowance;
  they are now counted in the database, so every process on every host shares one budget;
- a flood of made-up tokens was never limited (each got a fresh bucket): failed
  sign-ins are now limited per client address;
- sign-in links put the token in the query string, which the book's host logs and
  Referer headers carry: links now carry it in the fragment, the page exchanges it for
  a short-lived session, and every response says ``Referrer-Policy: no-referrer``;
- tokens never expired; access logs recorded ``?token=`` URLs;
- a "billion laughs" bank upload (YAML aliases) took 23 s of CPU before failing.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from quizlib.server.process import ServiceProcess
from tests.fixtures.server.harness import INSTRUCTOR, SECRET_BANK, Service, database_url, make_service, service  # noqa: F401


def test_the_rate_limit_is_shared_by_every_process_and_host(service: Service) -> None:
    """Two app instances on one database stand for two worker processes (or two hosts)."""
    url = service.settings.database_url
    service.roster("ann")
    burst = 5
    apps = [make_service(url, clock=service.clock, rate_per_minute=1, rate_burst=burst) for _ in range(2)]
    try:
        h = service.as_student("ann")
        codes = [apps[i % 2].client.get("/api/v1/me", headers=h).status_code for i in range(4 * burst)]
    finally:
        for a in apps:
            a.close()
    assert codes.count(200) == burst, codes
    assert set(codes[burst:]) == {429}


def test_the_limit_refills_with_the_server_clock(service: Service) -> None:
    service.roster("ann")
    svc = make_service(service.settings.database_url, clock=service.clock, rate_per_minute=60, rate_burst=2)
    try:
        h = service.as_student("ann")
        assert [svc.client.get("/api/v1/me", headers=h).status_code for _ in range(3)] == [200, 200, 429]
        refused = svc.client.get("/api/v1/me", headers=h)
        assert refused.json()["error"]["code"] == "rate_limited" and int(refused.headers["retry-after"]) >= 1
        service.clock.advance(seconds=2)  # one request per second refills
        assert svc.client.get("/api/v1/me", headers=h).status_code == 200
    finally:
        svc.close()


def test_failed_sign_ins_are_limited_per_client_address(service: Service) -> None:
    service.roster("ann")
    svc = make_service(service.settings.database_url, clock=service.clock, failed_per_minute=1, failed_burst=10)
    try:
        codes = [svc.client.get("/api/v1/me", headers={"Authorization": f"Bearer made-up-{i}"}).status_code
                 for i in range(15)]
        assert codes[:10] == [401] * 10 and codes[10:] == [429] * 5
        assert svc.client.get("/api/v1/me").status_code == 429  # no token at all counts as a failure too
        # A student with a real token, behind the same address (a campus network), is not locked out.
        assert svc.client.get("/api/v1/me", headers=service.as_student("ann")).status_code == 200
    finally:
        svc.close()


def test_a_sign_in_link_is_exchanged_for_a_session_that_expires(service: Service) -> None:
    service.roster("ann")
    c, link = service.client, service.as_student("ann")
    r = c.post("/api/v1/session", headers=link)
    assert r.status_code == 201, r.text
    session = r.json()
    assert session["student_id"] == "ann" and session["token"] != service.tokens["ann"]
    assert session["expires_at"] == "2026-03-02T21:00:00Z"  # 12 hours by default
    as_session = {"Authorization": f"Bearer {session['token']}"}
    assert c.get("/api/v1/me", headers=as_session).status_code == 200
    # A session cannot mint more sessions (only a link can), nor reach the instructor API.
    assert c.post("/api/v1/session", headers=as_session).status_code == 403
    assert c.get("/api/v1/instructor/students", headers=as_session).status_code == 403
    service.clock.advance(hours=12)
    expired = c.get("/api/v1/me", headers=as_session)
    assert expired.status_code == 401 and "expired" in expired.json()["error"]["message"]
    # The link still works, until it expires too (180 days by default).
    assert c.post("/api/v1/session", headers=link).status_code == 201
    service.clock.advance(days=180)
    assert c.post("/api/v1/session", headers=link).status_code == 401
    assert c.get("/api/v1/me", headers=link).status_code == 401


def test_revoking_a_student_ends_their_sessions(service: Service) -> None:
    service.roster("ann")
    session = service.client.post("/api/v1/session", headers=service.as_student("ann")).json()["token"]
    r = service.client.delete("/api/v1/instructor/students/ann/tokens", headers=service.instructor())
    assert r.status_code == 200 and r.json()["revoked"] == 2
    assert service.client.get("/api/v1/me", headers={"Authorization": f"Bearer {session}"}).status_code == 401


def test_links_carry_the_token_in_the_fragment(tmp_path: Path) -> None:
    svc = make_service(database_url("sqlite", tmp_path), book_url="https://course.example.org/book/graded.html")
    try:
        r = svc.client.post("/api/v1/instructor/roster", content="student_id\nann\n",
                            headers={**svc.instructor(), "Content-Type": "text/csv"})
        [issued] = r.json()["tokens"]
        assert issued["link"] == f"https://course.example.org/book/graded.html#token={issued['token']}"
        r = svc.client.post("/api/v1/instructor/students/ann/token", headers=svc.instructor())
        assert r.json()["link"] == f"https://course.example.org/book/graded.html#token={r.json()['token']}"
    finally:
        svc.close()


def test_every_response_tells_browsers_to_send_no_referrer(service: Service) -> None:
    service.roster("ann")
    service.publish("quiz")
    c = service.client
    responses = [
        c.get("/api/health"), c.get("/api/v1/me", headers=service.as_student("ann")), c.get("/api/v1/me"),
        c.get("/api/v1/nothing"), c.get("/signin"), c.get("/quiz/quiz"), c.get("/static/quizlib-graded.js"),
        c.get("/api/v1/instructor/quizzes/quiz/report.html", headers=service.instructor()),
    ]
    for r in responses:
        assert r.headers.get("referrer-policy") == "no-referrer", (r.request.url, r.status_code)
        assert r.headers.get("x-content-type-options") == "nosniff"


def test_instructor_reports_open_in_a_browser_with_an_expiring_view_link(service: Service) -> None:
    service.roster("ann")
    service.publish("quiz")
    service.publish("other")
    c = service.client
    # Opening the API's report URL in a browser: an HTML page that says what to do, not a JSON 401.
    r = c.get("/api/v1/instructor/quizzes/quiz/report.html", headers={"Accept": "text/html"})
    assert r.status_code == 401 and r.headers["content-type"].startswith("text/html")
    assert "quizlib serve view-link quiz" in r.text
    r = c.post("/api/v1/instructor/quizzes/quiz/view-link", headers=service.instructor())
    assert r.status_code == 201, r.text
    link = r.json()
    assert link["expires_at"] == "2026-03-02T10:00:00Z"  # an hour by default
    path = link["url"].removeprefix(service.settings.public_url)
    page = c.get(path)  # no Authorization header: a browser following the link
    assert page.status_code == 200 and "<html" in page.text and "Secret keys bank" in page.text
    token = re.search(r"token=([\w-]+)", path).group(1)  # type: ignore[union-attr]
    for sub in ("items.html", "gradebook.csv", "items.csv"):
        assert c.get(f"/view/quiz/{sub}?token={token}").status_code == 200, sub
    # Read-only and for this quiz only.
    assert c.get(f"/view/other/report.html?token={token}").status_code == 401
    assert c.get("/api/v1/instructor/students", headers={"Authorization": f"Bearer {token}"}).status_code == 403
    service.clock.advance(minutes=61)
    expired = c.get(path)
    assert expired.status_code == 401 and "quizlib serve view-link quiz" in expired.text


BILLION_LAUGHS = """\
schema_version: 1
page: secret/keys
title: Laughs
a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
objectives: [{id: S1, text: Laugh.}]
questions:
  - id: q1
    type: true_false
    prompt: Is this a bank?
    answer: false
    explanation: It is a bomb.
    source: secret-a
    objective: S1
    difficulty: easy
    tags: [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]
"""


def test_a_yaml_alias_bomb_is_refused_before_it_expands(service: Service) -> None:
    r = service.client.post("/api/v1/instructor/quizzes", json={"id": "bomb", "banks": [BILLION_LAUGHS]},
                            headers=service.instructor())
    assert r.status_code == 422, r.text[:300]
    error = r.json()["error"]
    assert error["code"] == "invalid_bank" and "alias" in error["message"]
    assert error["details"][0]["line"] == 5  # the first alias that would expand too far is named


def test_access_logs_never_record_tokens(tmp_path: Path) -> None:
    log = tmp_path / "service.log"
    proc = ServiceProcess(f"sqlite:///{tmp_path / 'service.db'}", log, extra_args=["--access-log"],
                          env={"QUIZLIB_INSTRUCTOR_TOKEN": INSTRUCTOR})
    proc.env["QUIZLIB_PUBLIC_URL"] = proc.base_url  # view links point at this process
    with proc:
        admin = {"Authorization": f"Bearer {INSTRUCTOR}"}
        roster = httpx.post(f"{proc.base_url}/api/v1/instructor/roster", content="student_id\nann\n",
                            headers={**admin, "Content-Type": "text/csv"})
        token = roster.json()["tokens"][0]["token"]
        publish = httpx.post(f"{proc.base_url}/api/v1/instructor/quizzes", headers=admin,
                             json={"id": "quiz", "banks": [SECRET_BANK.read_text(encoding="utf-8")]})
        assert publish.status_code == 201
        view = httpx.post(f"{proc.base_url}/api/v1/instructor/quizzes/quiz/view-link", headers=admin).json()["url"]
        secrets_: list[str] = [token, re.search(r"token=([\w-]+)", view).group(1)]  # type: ignore[union-attr]
        assert httpx.get(f"{proc.base_url}/signin?token={token}").status_code == 200
        assert httpx.get(f"{proc.base_url}/signin?x=1&token={token}&y=2").status_code == 200
        assert httpx.get(view).status_code == 200
        session = httpx.post(f"{proc.base_url}/api/v1/session", headers={"Authorization": f"Bearer {token}"}).json()
        secrets_.append(session["token"])
        deadline = time.monotonic() + 10
        while "GET /view/quiz/report.html" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
    text = log.read_text()
    assert "GET /signin?token=[redacted]" in text and "GET /view/quiz/report.html?token=[redacted]" in text
    assert "x=1&token=[redacted]&y=2" in text
    for secret in secrets_:
        assert secret not in text
