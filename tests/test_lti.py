"""LTI 1.3 end to end: a real ``quizlib serve`` process driven by an independent test platform over HTTP.

The platform (``tests/lti_platform.py``) builds launches with the ``lti1p3platform`` package
and signs with PyJWT; it checks what the tool sends back as Canvas and Moodle do. Every
flow runs on SQLite and again on PostgreSQL when ``QUIZLIB_TEST_PG_URL`` is set.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt as pyjwt
import pytest

from quizlib.server.db import Database
from quizlib.server.process import ServiceProcess, free_port

from .fixtures.server.harness import INSTRUCTOR, SECRET_BANK, Service, database_url
from .lti_platform import INSTRUCTOR as INSTRUCTOR_ROLE
from .lti_platform import LEARNER, Platform, Tamper, User, read_form, register_url

QUIZ = "lti-quiz"


def assert_no_key(text: str) -> None:
    """No string that only the secret bank's key holds (explanations, feedback, accepted answers) is in ``text``."""
    from .test_server_keys import key_strings

    leaked = [s for s in key_strings() if len(s) > 4 and s in text]
    assert leaked == []


def quizlib(db: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "quizlib.cli", "serve", "--db", db, *args], capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=120)


def wait_for(check: Callable[[], Any], timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"gave up after {timeout} s")


class Tool(SimpleNamespace):
    url: str
    db_url: str
    platform: Platform
    admin: httpx.Client
    env: dict[str, str]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def tool(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tool]:
    tmp = tmp_path_factory.mktemp(f"lti-{request.param}")
    db_url = database_url(request.param, tmp)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {"QUIZLIB_PUBLIC_URL": url, "QUIZLIB_INSTRUCTOR_TOKEN": INSTRUCTOR, "QUIZLIB_GRACE_SECONDS": "1",
           "QUIZLIB_LTI_RETRY_BASE_SECONDS": "0.3", "QUIZLIB_LTI_RETRY_MAX_SECONDS": "1", "QUIZLIB_LTI_WORKER_SECONDS": "0.2"}
    platform = Platform(url).start()
    p = platform.urls
    done = quizlib(db_url, "lti", "register", "--name", "Test LMS", "--issuer", p["issuer"], "--client-id",
                   platform.client_id, "--auth-url", p["auth"], "--token-url", p["token"], "--jwks-url", p["jwks"],
                   "--deployment", platform.deployment_id, env=env)
    assert done.returncode == 0, done.stderr
    service = ServiceProcess(db_url, tmp / "service.log", port=port, env=env)
    service.start()
    admin = httpx.Client(base_url=f"{url}/api/v1/instructor", headers={"Authorization": f"Bearer {INSTRUCTOR}"}, timeout=30)
    r = admin.post("/quizzes", json={"id": QUIZ, "title": "Attachés (graded)", "banks": [SECRET_BANK.read_text()],
                                     "max_attempts": 1, "feedback": "immediate"})
    assert r.status_code == 201, r.text
    try:
        yield Tool(url=url, db_url=db_url, platform=platform, admin=admin, env=env)
    finally:
        admin.close()
        service.stop()
        platform.stop()


def browser() -> httpx.Client:
    return httpx.Client(timeout=30, follow_redirects=False)


def signed_in(response: httpx.Response) -> str:
    """The sign-in token a learner's launch hands to the quiz page (the launch must have been accepted).

    It travels in the fragment of the quiz page's address, which browsers never send to a server.
    """
    assert response.status_code == 303, response.text[:2000]
    target = urlsplit(response.headers["location"])
    assert target.path.startswith("/quiz/") and not target.query
    return parse_qs(target.fragment)["token"][0]


def answer_all(tool: Tool, token: str, quiz: str = QUIZ, right: bool = True) -> dict[str, Any]:
    """Start, answer every question (rightly or not) and submit, through the student API. The submit's result."""
    session = httpx.post(f"{tool.url}/api/v1/session", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert session.status_code == 201, session.text  # what the quiz page does with the launch's token
    api = httpx.Client(base_url=f"{tool.url}/api/v1", headers={"Authorization": f"Bearer {session.json()['token']}"},
                       timeout=30)
    attempt = api.post(f"/quizzes/{quiz}/attempts")
    assert attempt.status_code in (200, 201), attempt.text
    db = Database(tool.db_url)
    try:
        answers = Service.key_answers(SimpleNamespace(db=db), attempt.json()["id"], right)  # type: ignore[arg-type]
    finally:
        db.dispose()
    done = api.post(f"/attempts/{attempt.json()['id']}/submit", json={"answers": answers},
                    headers={"Idempotency-Key": "submit-1"})
    assert done.status_code == 200, done.text
    return done.json()


def test_learner_launches_answers_submits_and_the_platform_receives_exactly_one_score(tool: Tool) -> None:
    platform, ada = tool.platform, User("ada-sub", "Ada Lovelace", [LEARNER], "ada@example.edu", "S1001")
    with browser() as b:
        launch = platform.launch(b, ada, custom={"quiz_id": QUIZ})
        token = signed_in(launch)
        page = b.get(f"{tool.url}{launch.headers['location'].split('#')[0]}")
    assert page.status_code == 200 and 'data-quiz="lti-quiz"' in page.text
    assert_no_key(page.text)
    csp = page.headers["content-security-policy"]
    assert "frame-ancestors 'self'" in csp and platform.base in csp  # only the registered LMS may frame it
    assert "set-cookie" not in launch.headers and "set-cookie" not in page.headers  # nothing for a third-party cookie
    result = answer_all(tool, token)
    scores = wait_for(lambda: platform.scores_for("ada-sub"))
    time.sleep(1.0)  # any duplicate would arrive by now
    assert len(platform.scores_for("ada-sub")) == 1 and len(platform.received_for("ada-sub")) == 1
    score = scores[0]
    assert score["item"] == "item-1"
    assert score["scoreGiven"] == result["score"] > 0
    assert score["scoreMaximum"] == result["max_score"]
    assert (score["activityProgress"], score["gradingProgress"]) == ("Completed", "FullyGraded")  # one attempt allowed
    students = {s["student_id"]: s for s in tool.admin.get("/students").json()}
    assert students["S1001"]["name"] == "Ada Lovelace"  # the SIS id from the launch is the gradebook's student id
    listing = quizlib(tool.db_url, "lti", "grades", "--all", "--json", env=tool.env)
    assert listing.returncode == 0 and '"status": "sent"' in listing.stdout


def test_instructor_launch_shows_the_quiz_and_syncs_the_roster(tool: Tool) -> None:
    platform = tool.platform
    platform.members = [User("m1", "Mary Member", [LEARNER], "mary@example.edu", "S2001"),
                        User("m2", "Max Member", [LEARNER], "max@example.edu", "S2002"),
                        User("t1", "Tom Teacher", [INSTRUCTOR_ROLE], "tom@example.edu"),
                        User("m3", "Mia Member", ["http://purl.imsglobal.org/vocab/lis/v2/institution/person#Student"])]
    with browser() as b:
        page = platform.launch(b, User("t1", "Tom Teacher", [INSTRUCTOR_ROLE]), custom={"quiz_id": QUIZ})
    assert page.status_code == 200, page.text
    assert "Attachés (graded)" in page.text and "token=" not in page.text
    assert_no_key(page.text)
    assert "3 learner(s), 1 instructor(s)" in page.text  # two NRPS pages followed
    ids = {s["student_id"] for s in tool.admin.get("/students").json()}
    assert {"S2001", "S2002", "lti-m3"} <= ids and not any("Tom" in i for i in ids)


def test_deep_linking_places_a_quiz_with_a_line_item_the_platform_verifies(tool: Tool) -> None:
    platform = tool.platform
    teacher = User("t1", "Tom Teacher", [INSTRUCTOR_ROLE])
    with browser() as b:
        picker = platform.launch(b, teacher, deep_link=True)
        assert picker.status_code == 200, picker.text
        form = read_form(picker.text)
        assert form.action == "/lti/deep-link" and QUIZ in form.radios
        assert_no_key(picker.text)
        back = b.post(f"{tool.url}/lti/deep-link", data={**form.fields, "quiz_id": QUIZ})
        assert back.status_code == 200, back.text
        to_platform = read_form(back.text)
        assert_no_key(json.dumps(pyjwt.decode(to_platform.fields["JWT"], options={"verify_signature": False})))
        assert to_platform.action == f"{platform.base}/deep_link_return" and set(to_platform.fields) == {"JWT"}
        accepted = b.post(to_platform.action, data=to_platform.fields)
        assert accepted.status_code == 200, accepted.text  # signature, aud, iss, type, version, deployment, data
        again = b.post(f"{tool.url}/lti/deep-link", data={**form.fields, "quiz_id": QUIZ})
        assert again.status_code == 401  # the picker is single use
    item = platform.deep_link_items[-1][0]
    assert item["type"] == "ltiResourceLink" and item["custom"] == {"quiz_id": QUIZ}
    assert item["lineItem"]["label"] == "Attachés (graded)" and item["lineItem"]["resourceId"] == QUIZ
    # The platform makes the link and its column from the item; a learner's launch lands in that quiz,
    # and the score posted to that column is out of the column's maximum.
    sub = f"dl-learner-{len(platform.deep_link_items)}"
    with browser() as b:
        launch = platform.launch(b, User(sub, "Dee Linked", [LEARNER]), resource_link_id=f"link-{sub}",
                                 custom=item["custom"], lineitem=f"item-{sub}")
    assert launch.headers["location"].startswith(f"/quiz/{QUIZ}#token=")
    answer_all(tool, signed_in(launch))
    score = wait_for(lambda: platform.scores_for(sub))[0]
    assert score["item"] == f"item-{sub}" and score["scoreMaximum"] == item["lineItem"]["scoreMaximum"] > 0


def test_platform_down_then_up_the_score_is_delivered_once(tool: Tool) -> None:
    platform = tool.platform
    with browser() as b:
        token = signed_in(platform.launch(b, User("bo-sub", "Bo Down", [LEARNER]), custom={"quiz_id": QUIZ}))
    platform.down = True
    try:
        result = answer_all(tool, token, right=False)
        wait_for(lambda: quizlib(tool.db_url, "lti", "grades", env=tool.env).stdout.count("503") >= 1)
        time.sleep(1.5)  # several retries, all refused
        assert platform.scores_for("bo-sub") == []
        pending = quizlib(tool.db_url, "lti", "grades", "--json", env=tool.env)
        assert '"status": "pending"' in pending.stdout and '"student": "lti-bo-sub"' in pending.stdout
    finally:
        platform.down = False
    scores = wait_for(lambda: platform.scores_for("bo-sub"))
    time.sleep(1.0)
    assert len(platform.scores_for("bo-sub")) == 1 and scores[0]["scoreGiven"] == result["score"]
    assert len(platform.received_for("bo-sub")) == 1  # while the platform was up, it was sent once


BAD = {
    "wrong signature": Tamper(wrong_key=True),
    "expired": Tamper(expired=True),
    "wrong audience": Tamper(audience="some-other-tool"),
    "unknown deployment": Tamper(deployment_id="not-registered"),
    "wrong issuer": Tamper(issuer="https://evil.example.org"),
    "wrong nonce": Tamper(nonce="not-the-nonce"),
    "missing sub": Tamper(drop=("sub",)),
    "missing deployment": Tamper(drop=("https://purl.imsglobal.org/spec/lti/claim/deployment_id",)),
    "missing roles": Tamper(drop=("https://purl.imsglobal.org/spec/lti/claim/roles",)),
    "missing resource link": Tamper(drop=("https://purl.imsglobal.org/spec/lti/claim/resource_link",)),
    "missing version": Tamper(drop=("https://purl.imsglobal.org/spec/lti/claim/version",)),
    "missing nonce": Tamper(drop=("nonce",)),
    "wrong message type": Tamper(message_type="LtiSubmissionReviewRequest"),
    "wrong version": Tamper(version="1.1.0"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_launches_are_refused_with_a_clear_page_and_nobody_signed_in(tool: Tool, case: str) -> None:
    with browser() as b:
        page = tool.platform.launch(b, User(f"bad-{case}", "Mallory", [LEARNER]), custom={"quiz_id": QUIZ},
                                    tamper=BAD[case])
    assert 400 <= page.status_code < 500, (case, page.status_code, page.text[:500])
    assert page.headers["content-type"].startswith("text/html") and "location" not in page.headers
    assert "You are not signed in" in page.text and "token=" not in page.text and "/quiz/" not in page.text
    assert not any(s["student_id"].endswith(case) for s in tool.admin.get("/students").json())


def test_a_replayed_launch_is_refused(tool: Tool) -> None:
    with browser() as b:
        page = tool.platform.launch(b, User("replay", "Rita Replay", [LEARNER]), custom={"quiz_id": QUIZ}, replay=True)
    assert page.status_code == 401 and "already used" in page.text


def test_garbage_posts_and_unknown_platforms_get_4xx_pages(tool: Tool) -> None:
    with browser() as b:
        for fields in ({}, {"id_token": "x.y.z", "state": "nope"}, {"state": "s"}, {"id_token": "a" * 70000, "state": "s"}):
            r = b.post(f"{tool.url}/lti/launch", data=fields)
            assert 400 <= r.status_code < 500 and r.headers["content-type"].startswith("text/html"), (fields, r.text[:300])
        r = b.get(f"{tool.url}/lti/login", params={"iss": "https://unknown.example.org", "login_hint": "x",
                                                    "target_link_uri": f"{tool.url}/lti/launch"})
        assert r.status_code == 400 and "Unknown platform" in r.text
        r = b.post(f"{tool.url}/lti/launch", content=b"{}", headers={"Content-Type": "application/json"})
        assert r.status_code == 415


def test_platform_key_rotation_is_followed(tool: Tool) -> None:
    tool.platform.rotate_keys()
    with browser() as b:
        signed_in(tool.platform.launch(b, User("rot", "Rosa Rotate", [LEARNER]), custom={"quiz_id": QUIZ}))


def test_tool_key_rotation_keeps_the_old_key_published(tool: Tool) -> None:
    before = {k["kid"] for k in httpx.get(f"{tool.url}/lti/jwks").json()["keys"]}
    done = quizlib(tool.db_url, "lti", "keys", "--rotate", env=tool.env)
    assert done.returncode == 0, done.stderr
    after = httpx.get(f"{tool.url}/lti/jwks").json()["keys"]
    assert before < {k["kid"] for k in after} and all("d" not in k for k in after)  # no private member
    test_deep_linking_places_a_quiz_with_a_line_item_the_platform_verifies(tool)  # signed with the new key


def test_dynamic_registration_needs_a_code_and_then_launches_work(tool: Tool) -> None:
    other = Platform(tool.url, client_id="dynamic-client", deployment_id="dyn-deploy").start()
    try:
        refused = httpx.get(f"{tool.url}/lti/register", params={"openid_configuration": other.urls["openid"]})
        assert refused.status_code == 403 and "Registration not allowed" in refused.text
        made = quizlib(tool.db_url, "lti", "registration-url", env=tool.env)
        code = parse_qs(urlsplit(made.stdout.strip()).query)["code"][0]
        page = httpx.get(register_url(tool.url, code, other))
        assert page.status_code == 200 and "org.imsglobal.lti.close" in page.text, page.text
        assert other.registered["initiate_login_uri"] == f"{tool.url}/lti/login"
        assert httpx.get(register_url(tool.url, code, other)).status_code == 403  # one time
        with browser() as b:
            signed_in(other.launch(b, User("dyn-1", "Dina Dynamic", [LEARNER]), custom={"quiz_id": QUIZ}))
    finally:
        other.stop()


def test_after_close_scores_go_pending_then_graded_and_overdue_attempts_are_finalised(tool: Tool) -> None:
    platform = tool.platform
    closes = datetime.now(timezone.utc) + timedelta(seconds=6)
    for quiz, feedback in (("lti-after-close", "after_close"), ("lti-late", "immediate")):
        r = tool.admin.post("/quizzes", json={"id": quiz, "banks": [SECRET_BANK.read_text()], "feedback": feedback,
                                              "closes_at": closes.isoformat()})
        assert r.status_code == 201, r.text
    with browser() as b:
        token = signed_in(platform.launch(b, User("ac-sub", "Al Close", [LEARNER]), resource_link_id="link-ac",
                                          custom={"quiz_id": "lti-after-close"}, lineitem="item-ac"))
        late = signed_in(platform.launch(b, User("late-sub", "Lu Late", [LEARNER]), resource_link_id="link-late",
                                         custom={"quiz_id": "lti-late"}, lineitem="item-late"))
    result = answer_all(tool, token, quiz="lti-after-close")
    api = httpx.Client(base_url=f"{tool.url}/api/v1", headers={"Authorization": f"Bearer {late}"}, timeout=30)
    assert api.post("/quizzes/lti-late/attempts").status_code == 201  # started, never submitted
    first = wait_for(lambda: platform.scores_for("ac-sub"))[0]
    assert first["gradingProgress"] == "Pending" and "scoreGiven" not in first  # results not released yet
    graded = wait_for(lambda: [s for s in platform.scores_for("ac-sub") if s["gradingProgress"] == "FullyGraded"], 20)
    stored = [a for a in tool.admin.get("/quizzes/lti-after-close/attempts").json() if a["id"] == result["attempt_id"]]
    assert result["score"] is None  # the student does not see it before the close either
    assert graded[0]["scoreGiven"] == stored[0]["score"] > 0 and len(platform.scores_for("ac-sub")) == 2
    overdue = wait_for(lambda: platform.scores_for("late-sub"), 20)  # the server's clock finalised it
    assert overdue[0]["gradingProgress"] == "FullyGraded" and overdue[0]["scoreGiven"] == 0


@pytest.mark.browser
@pytest.mark.parametrize("width", [1400, 390])
def test_a_student_takes_the_quiz_inside_the_lms_iframe_without_cookies(tool: Tool, chromium_browser: Any,
                                                                       width: int) -> None:
    """In headless Chromium: the LMS page frames the tool (another site), the launch runs in the frame, the
    student starts and submits, and the LMS receives the score. No cookie is set anywhere."""
    from urllib.parse import quote

    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    platform, sub = tool.platform, f"frame-{width}"
    context = chromium_browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.on("dialog", lambda d: d.accept())
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        login = platform.login_url(User(sub, "Fran Frame", [LEARNER]), resource_link_id=f"link-{sub}",
                                   custom={"quiz_id": QUIZ}, lineitem=f"item-{sub}")
        page.goto(f"{platform.base}/course?src={quote(login, safe='')}")
        frame = page.frame_locator("#tool")
        frame.get_by_role("button", name="Start attempt").click()
        frame.locator("fieldset.qz-q").first.wait_for()
        submit = frame.get_by_role("button", name="Submit answers")
        submit.scroll_into_view_if_needed()
        box = submit.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width  # reachable on a phone
        submit.click()
        confirm = frame.get_by_role("button", name="Submit now")  # the page may ask for a confirmation first
        try:
            confirm.click(timeout=2000)
        except PlaywrightTimeout:
            pass
        frame.locator(".qz-score").wait_for()
        assert context.cookies() == [] and errors == []
    finally:
        context.close()
    score = wait_for(lambda: platform.scores_for(sub))
    stored = [a for a in tool.admin.get(f"/quizzes/{QUIZ}/attempts").json() if a["student_id"] == f"lti-{sub}"]
    assert len(score) == 1 and score[0]["scoreGiven"] == stored[0]["score"]
    assert score[0]["scoreMaximum"] == stored[0]["max_score"] > 0


def test_a_link_without_a_line_item_gets_one_made_and_its_score(tool: Tool) -> None:
    """AGS 3.2: with only the line items service (and its scope), the tool finds or creates the column itself."""
    platform, sub = tool.platform, "no-item"
    with browser() as b:
        token = signed_in(platform.launch(b, User(sub, "Nia Noitem", [LEARNER]), resource_link_id="link-no-item",
                                          custom={"quiz_id": QUIZ}, lineitem=None))
    answer_all(tool, token)
    score = wait_for(lambda: platform.scores_for(sub))[0]
    made = [i for i in platform.line_items.values() if i["resourceLinkId"] == "link-no-item"]
    assert len(made) == 1 and made[0]["resourceId"] == QUIZ and made[0]["scoreMaximum"] == score["scoreMaximum"]
    assert score["item"] == made[0]["id"].split("/lineitems/")[1].split("/")[0]


def test_two_server_processes_share_the_outbox_and_never_send_a_score_twice(tool: Tool, tmp_path: Path) -> None:
    """A second server on the same database (as a second host would be) races the first for every score."""
    second = ServiceProcess(tool.db_url, tmp_path / "second.log", env=tool.env)
    second.start()
    try:
        platform, subs = tool.platform, [f"race-{i}" for i in range(5)]
        platform.delay = 0.6  # each score stays in flight for three of the other process's polls
        for sub in subs:
            with browser() as b:
                answer_all(tool, signed_in(platform.launch(b, User(sub, "Ray Race", [LEARNER]),
                                                           resource_link_id=f"link-{sub}", custom={"quiz_id": QUIZ},
                                                           lineitem=f"item-{sub}")), right=False)
        wait_for(lambda: all(platform.scores_for(s) for s in subs))
        time.sleep(1.5)  # both processes poll every 0.2 s: a duplicate would be here by now
        assert [len(platform.received_for(s)) for s in subs] == [1] * 5
    finally:
        tool.platform.delay = 0.0
        second.stop()
