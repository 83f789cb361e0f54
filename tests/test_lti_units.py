"""LTI pieces in-process: role mapping, what the score payload looks like to Moodle and Canvas, the outbox's
queueing (submit, regrade, idempotent retries) and delivery policy, and that no input to the LTI endpoints
becomes a 500."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from quizlib.server.lti import accounts, claims, outbox
from quizlib.server.lti.registration import register
from quizlib.server.lti.services import ServiceError, TokenCache, scores_url
from quizlib.server.lti.tables import LtiGradePost
from quizlib.server.models import Attempt
from quizlib.server.security import issue_token

from .fixtures.server.harness import Service, database_url, make_service
from .lti_platform import MOODLE_ISO8601

VOCAB = "http://purl.imsglobal.org/vocab/lis/v2/"


@pytest.mark.parametrize("roles, expected", [
    ([VOCAB + "membership#Learner"], "learner"),
    (["Learner"], "learner"),
    ([VOCAB + "institution/person#Student"], "learner"),
    ([VOCAB + "membership#Learner", "http://purl.imsglobal.org/vocab/lti/system/person#TestUser"], "learner"),
    ([VOCAB + "membership#Instructor"], "instructor"),
    (["Instructor"], "instructor"),
    ([VOCAB + "membership/Instructor#TeachingAssistant"], "instructor"),
    ([VOCAB + "membership#Learner", VOCAB + "membership#Instructor"], "instructor"),
    ([VOCAB + "membership#Mentor"], None),
    ([], None),
    ([42, None], None),
])
def test_roles_map_to_the_services_two_roles(roles: list[Any], expected: str | None) -> None:
    assert claims.service_role(roles) == expected


def test_scores_go_into_the_line_item_path_and_keep_its_query() -> None:
    # Moodle's line item URLs carry ?type_id=N (mod/lti/service/gradebookservices/classes/local/resources/lineitem.php).
    url = "https://moodle.example.edu/mod/lti/services.php/2/lineitems/7/lineitem?type_id=3"
    assert scores_url(url) == "https://moodle.example.edu/mod/lti/services.php/2/lineitems/7/lineitem/scores?type_id=3"
    assert scores_url("https://canvas.example.edu/api/lti/courses/1/line_items/5/") == \
        "https://canvas.example.edu/api/lti/courses/1/line_items/5/scores"


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(timezone.utc)))
def test_score_timestamps_pass_moodles_pattern_with_milliseconds(when: datetime) -> None:
    text = outbox.stamp(when)
    assert MOODLE_ISO8601.match(text), text  # Moodle: gradebookservices::validate_iso8601_date
    assert text.endswith("+00:00") and len(text.split(".")[1]) == len("123+00:00")  # Canvas asks for subsecond precision
    assert datetime.fromisoformat(text) == when.replace(microsecond=when.microsecond // 1000 * 1000)


def test_backoff_doubles_is_capped_and_honours_retry_after() -> None:
    d = outbox.Delivery(httpx.Client(), base=10, cap=100)
    waits = [d.backoff(n, None) for n in range(1, 7)]
    assert 8 <= waits[0] <= 12 and 16 <= waits[1] <= 24 and 32 <= waits[2] <= 48
    assert all(w <= 120 for w in waits) and waits[-1] >= 80
    assert d.backoff(1, 500.0) == 500.0


# --- the outbox in-process ------------------------------------------------------------------------------------

LINEITEM = "https://lms.example.edu/lineitems/1/lineitem?type_id=1"


def _lti_student(svc: Service, sub: str = "u1") -> str:
    """A platform, a course link with a gradebook column, and a learner who launched from it; their token."""
    now = svc.clock()
    data = {"sub": sub, "name": "Una User", claims.RESOURCE_LINK: {"id": "rl-1"}, claims.CONTEXT: {"id": "c1"},
            claims.AGS_ENDPOINT: {"lineitem": LINEITEM, "scope": [claims.SCOPE_SCORE]}}
    with svc.db.write() as s:
        platform = register(s, name="LMS", issuer="https://lms.example.edu", client_id="cid",
                            auth_login_url="https://lms.example.edu/auth", auth_token_url="https://lms.example.edu/token",
                            jwks_url="https://lms.example.edu/jwks", deployments=["d1"], now=now)
        user = accounts.upsert_user(s, platform, accounts.person_from_claims(data, claims.LEARNER), now)
        context = accounts.upsert_context(s, platform, "d1", data)
        link = accounts.upsert_link(s, platform, "d1", context, data, "q1", now)
        accounts.link_user(s, link, user)
        token = issue_token(s, "student", now, user.student_pk)
    svc.tokens[sub] = token
    return token


def _posts(svc: Service) -> list[LtiGradePost]:
    with svc.db.read() as s:
        return list(s.execute(select(LtiGradePost).order_by(LtiGradePost.id)).scalars())


@pytest.fixture(params=["sqlite", "postgresql"])
def lti_service(request, tmp_path):  # type: ignore[no-untyped-def]
    svc = make_service(database_url(request.param, tmp_path), lti_worker_seconds=0)
    try:
        yield svc
    finally:
        svc.close()


def test_submit_queues_one_post_per_link_and_a_retried_submit_adds_none(lti_service: Service) -> None:
    svc = lti_service
    svc.publish("q1", max_attempts=2)
    _lti_student(svc)
    attempt = svc.start("u1", "q1")
    for _ in range(2):  # the same Idempotency-Key twice: one submission, one post
        assert svc.submit("u1", attempt["id"], svc.key_answers(attempt["id"])).status_code == 200
    posts = _posts(svc)
    assert [(p.revision, p.reason, p.status) for p in posts] == [(1, "submitted", "pending")]


def test_a_regrade_queues_a_new_revision_and_an_unchanged_score_does_not(lti_service: Service) -> None:
    svc = lti_service
    svc.publish("q1")
    _lti_student(svc)
    attempt = svc.start("u1", "q1")
    svc.submit("u1", attempt["id"], svc.key_answers(attempt["id"]))
    with svc.db.write() as s:
        row = s.get(Attempt, attempt["id"])
        row.score = row.score  # touched, not changed
    with svc.db.write() as s:
        row = s.get(Attempt, attempt["id"])
        row.score = (row.score or 0) - 1  # a regrade
    assert [(p.revision, p.reason) for p in _posts(svc)] == [(1, "submitted"), (2, "regraded")]


def test_attempts_of_students_without_lti_queue_nothing(lti_service: Service) -> None:
    svc = lti_service
    svc.publish("q1")
    svc.roster("csv1")
    attempt = svc.start("csv1", "q1")
    svc.submit("csv1", attempt["id"], {})
    assert _posts(svc) == []


class FakeLms:
    """Answers token requests and scores with whatever the test says."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.scores: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/token":
            return httpx.Response(200, json={"access_token": "t", "expires_in": 3600})
        assert request.url.path.endswith("/lineitem/scores") and request.url.params["type_id"] == "1"
        self.scores.append(json.loads(request.content))
        return httpx.Response(self.statuses.pop(0) if self.statuses else 200, json={})


def _delivery(lms: FakeLms) -> outbox.Delivery:
    return outbox.Delivery(httpx.Client(transport=httpx.MockTransport(lms)), TokenCache(), base=10, cap=60, max_tries=3)


def test_delivery_retries_with_backoff_then_sends_the_same_payload_once(lti_service: Service) -> None:
    svc = lti_service
    svc.publish("q1")
    _lti_student(svc)
    attempt = svc.start("u1", "q1")
    svc.submit("u1", attempt["id"], svc.key_answers(attempt["id"]))
    lms = FakeLms([503, 502])
    delivery = _delivery(lms)
    now = datetime.now(timezone.utc)
    assert outbox.deliver_due(svc.db, delivery, now) == {"pending": 1}
    post = _posts(svc)[0]
    assert post.tries == 1 and post.due_at >= now + timedelta(seconds=8)
    assert outbox.deliver_due(svc.db, delivery, now) == {}  # not due yet
    assert outbox.deliver_due(svc.db, delivery, now + timedelta(seconds=13)) == {"pending": 1}
    assert outbox.deliver_due(svc.db, delivery, now + timedelta(seconds=60)) == {"sent": 1}
    assert len(lms.scores) == 3 and lms.scores[0] == lms.scores[1] == lms.scores[2]  # same score, same timestamp
    assert lms.scores[0]["scoreGiven"] == 7.0 and lms.scores[0]["userId"] == "u1"
    assert outbox.deliver_due(svc.db, delivery, now + timedelta(hours=1)) == {}


@pytest.mark.parametrize("status, outcome", [(409, "sent"), (400, "failed"), (403, "failed")])
def test_a_refusal_is_final_but_moodles_409_means_it_already_has_the_score(lti_service: Service, status: int,
                                                                         outcome: str) -> None:
    svc = lti_service
    svc.publish("q1")
    _lti_student(svc)
    attempt = svc.start("u1", "q1")
    svc.submit("u1", attempt["id"], {})
    assert outbox.deliver_due(svc.db, _delivery(FakeLms([status])), datetime.now(timezone.utc)) == {outcome: 1}


def test_the_last_try_marks_failed_and_the_listing_says_why(lti_service: Service) -> None:
    svc = lti_service
    svc.publish("q1")
    _lti_student(svc)
    attempt = svc.start("u1", "q1")
    svc.submit("u1", attempt["id"], {})
    delivery, now = _delivery(FakeLms([503, 503, 503])), datetime.now(timezone.utc)
    results = [outbox.deliver_due(svc.db, delivery, now + timedelta(minutes=5 * i)) for i in range(3)]
    assert results == [{"pending": 1}, {"pending": 1}, {"failed": 1}]
    with svc.db.read() as s:
        (row,) = outbox.listing(s)
    assert row["status"] == "failed" and "503" in row["error"] and row["tries"] == 3


def test_an_older_due_post_is_superseded_by_a_newer_one(lti_service: Service) -> None:
    svc = lti_service
    svc.publish("q1", max_attempts=2)
    _lti_student(svc)
    for n in (1, 2):
        attempt = svc.start("u1", "q1")
        svc.submit("u1", attempt["id"], svc.key_answers(attempt["id"], right=n == 2), key=f"k{n}")
    lms = FakeLms([])
    assert outbox.deliver_due(svc.db, _delivery(lms), datetime.now(timezone.utc)) == {"skipped": 1, "sent": 1}
    assert len(lms.scores) == 1 and lms.scores[0]["scoreGiven"] == 7.0  # the best attempt, once
    assert lms.scores[0]["activityProgress"] == "Completed"


def test_a_failed_score_can_be_queued_again_and_then_reaches_the_lms(lti_service: Service) -> None:
    """A score the LMS refused (a 400 while the column was misconfigured) or that ran out of tries stays listed
    as failed; once the instructor fixes the cause, `quizlib serve lti retry` sends it again, freshly stamped."""
    svc = lti_service
    svc.publish("q1")
    _lti_student(svc)
    attempt = svc.start("u1", "q1")
    svc.submit("u1", attempt["id"], svc.key_answers(attempt["id"]))
    now = datetime.now(timezone.utc)
    assert outbox.deliver_due(svc.db, _delivery(FakeLms([400])), now) == {"failed": 1}
    assert outbox.retry_failed(svc.db, now + timedelta(minutes=1)) == {"requeued": 1}
    (post,) = _posts(svc)
    assert post.status == "pending" and post.tries == 0 and post.payload is None
    lms = FakeLms([])
    assert outbox.deliver_due(svc.db, _delivery(lms), now + timedelta(minutes=1)) == {"sent": 1}
    assert len(lms.scores) == 1 and lms.scores[0]["scoreGiven"] == 7.0
    assert lms.scores[0]["timestamp"] > outbox.stamp(now)  # stamped at the retry: LMSs refuse an older timestamp
    assert outbox.retry_failed(svc.db, now + timedelta(minutes=2)) == {}  # nothing failed any more


def test_retrying_never_sends_a_score_older_than_one_the_lms_already_has(lti_service: Service) -> None:
    svc = lti_service
    svc.publish("q1", max_attempts=2)
    _lti_student(svc)
    first = svc.start("u1", "q1")
    svc.submit("u1", first["id"], {}, key="k1")
    assert outbox.deliver_due(svc.db, _delivery(FakeLms([400])), datetime.now(timezone.utc)) == {"failed": 1}
    second = svc.start("u1", "q1")
    svc.submit("u1", second["id"], svc.key_answers(second["id"]), key="k2")
    now = datetime.now(timezone.utc)
    assert outbox.deliver_due(svc.db, _delivery(FakeLms([])), now) == {"sent": 1}
    lms = FakeLms([])
    assert outbox.retry_failed(svc.db, now) == {"superseded": 1}
    assert outbox.deliver_due(svc.db, _delivery(lms), now + timedelta(minutes=1)) == {} and lms.scores == []
    assert sorted(p.status for p in _posts(svc)) == ["sent", "superseded"]


def test_retry_can_name_the_posts_to_queue_again(lti_service: Service) -> None:
    svc = lti_service
    svc.publish("q1")
    _lti_student(svc)
    attempt = svc.start("u1", "q1")
    svc.submit("u1", attempt["id"], {})
    now = datetime.now(timezone.utc)
    assert outbox.deliver_due(svc.db, _delivery(FakeLms([403])), now) == {"failed": 1}
    (post,) = _posts(svc)
    assert outbox.retry_failed(svc.db, now, ids=[post.id + 1]) == {}  # not a failed post: left alone
    assert outbox.retry_failed(svc.db, now, ids=[post.id]) == {"requeued": 1}


# --- no input is a 500 ----------------------------------------------------------------------------------------

_field = st.one_of(st.text(max_size=40, alphabet=st.characters(blacklist_categories=["Cs"])),
                   st.sampled_from(["", "a.b.c", "eyJhbGciOiJIUzI1NiJ9.e30.x", "q\x00"]))
_form = st.dictionaries(st.sampled_from(["id_token", "state", "iss", "login_hint", "target_link_uri", "client_id",
                                         "lti_deployment_id", "dl", "quiz_id", "error", "x"]), _field, max_size=6)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(form=_form, path=st.sampled_from(["/lti/launch", "/lti/login", "/lti/deep-link"]))
def test_any_form_to_the_lti_endpoints_gets_a_4xx_page_never_a_500(lti_service: Service, form: dict[str, str],
                                                                     path: str) -> None:
    r = lti_service.client.post(path, data=form, follow_redirects=False)
    assert 400 <= r.status_code < 500, (form, r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith("text/html") and "location" not in r.headers


def test_bytes_that_are_not_utf8_get_a_4xx_page(lti_service: Service) -> None:
    for body in (b"id_token=\xed\xa0\x80&state=\xff", b"id_token=%ED%A0%80&state=%00", b"\x00\x01\x02"):
        r = lti_service.client.post("/lti/launch", content=body, follow_redirects=False,
                                    headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert 400 <= r.status_code < 500 and r.headers["content-type"].startswith("text/html"), (body, r.text[:200])


def test_html_pages_may_be_framed_only_by_registered_platforms(lti_service: Service) -> None:
    before = lti_service.client.get("/signin").headers["content-security-policy"]
    assert before == "frame-ancestors 'self'"
    lti_service.publish("q1")
    _lti_student(lti_service)
    # The policy is cached for 30 s per process; a new process (app) reads it at once.
    fresh = make_service(lti_service.settings.database_url, lti_worker_seconds=0)
    try:
        policy = fresh.client.get("/signin").headers["content-security-policy"]
    finally:
        fresh.close()
    assert policy == "frame-ancestors 'self' https://lms.example.edu"


# --- a validly signed launch with odd claim values is a page, never a 500 -------------------------------------

def _platform_key() -> tuple[Any, dict[str, Any]]:
    from cryptography.hazmat.primitives.asymmetric import rsa

    import jwt as pyjwt

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = json.loads(pyjwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    return key, {"keys": [{**public, "kid": "k1", "alg": "RS256", "use": "sig"}]}


_KEY, _JWKS = _platform_key()
_odd = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=30),
                 st.sampled_from(["a\x00b", "\ud800", {"id": "x\x00"}, {"quiz_id": "q\x00"}, {"id": "\udfff"}]),
                 st.lists(st.text(max_size=10), max_size=3), st.dictionaries(st.text(max_size=5), st.text(max_size=5),
                                                                            max_size=2))
_CLAIMS = ["sub", "name", "email", claims.CONTEXT, claims.CUSTOM, claims.RESOURCE_LINK, claims.ROLES, claims.LIS,
           claims.AGS_ENDPOINT, claims.NRPS, claims.DL_SETTINGS, claims.MESSAGE_TYPE, "azp", "aud"]


def _signed_launch(svc: Service, changes: dict[str, Any]) -> httpx.Response:
    """Log in as the platform would, sign a learner launch with ``changes`` applied, post it."""
    import jwt as pyjwt
    from urllib.parse import parse_qs, urlsplit

    from quizlib.server.lti.platform_keys import PlatformKeys

    if svc.client.get("/api/v1/instructor/quizzes", headers=svc.instructor()).json() == []:
        svc.publish("q1")
    with svc.db.write() as s:
        register(s, name="LMS", issuer="https://lms.example.edu", client_id="cid", auth_login_url="https://lms.example.edu/auth",
                 auth_token_url="https://lms.example.edu/token", jwks_url="https://lms.example.edu/jwks",
                 deployments=["d1"], now=svc.clock())
    svc.app.state.lti_platform_keys = PlatformKeys(fetch=lambda url: httpx.Response(200, json=_JWKS))
    target = f"{svc.settings.public_url}/lti/launch"
    login = svc.client.get("/lti/login", params={"iss": "https://lms.example.edu", "login_hint": "u",
                                                 "target_link_uri": target, "client_id": "cid"}, follow_redirects=False)
    q = {k: v[0] for k, v in parse_qs(urlsplit(login.headers["location"]).query).items()}
    now = int(svc.clock().timestamp())
    data: dict[str, Any] = {
        "iss": "https://lms.example.edu", "aud": "cid", "sub": "u", "iat": now, "exp": now + 300, "nonce": q["nonce"],
        claims.MESSAGE_TYPE: "LtiResourceLinkRequest", claims.VERSION: "1.3.0", claims.DEPLOYMENT_ID: "d1",
        claims.TARGET_LINK_URI: target, claims.ROLES: [VOCAB + "membership#Learner"],
        claims.RESOURCE_LINK: {"id": "rl"}, claims.CONTEXT: {"id": "c"}, claims.CUSTOM: {"quiz_id": "q1"},
        claims.AGS_ENDPOINT: {"lineitem": LINEITEM, "scope": [claims.SCOPE_SCORE]},
    }
    data.update(changes)
    token = pyjwt.encode(data, _KEY, algorithm="RS256", headers={"kid": "k1"})
    return svc.client.post("/lti/launch", data={"id_token": token, "state": q["state"]}, follow_redirects=False)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.dictionaries(st.sampled_from(_CLAIMS), _odd, min_size=1, max_size=3))
def test_signed_launches_with_odd_claim_values_never_500(lti_service: Service, changes: dict[str, Any]) -> None:
    r = _signed_launch(lti_service, changes)
    assert r.status_code in (200, 303) or 400 <= r.status_code < 500, (changes, r.status_code, r.text[:300])


@pytest.mark.parametrize("changes", [
    {"sub": "u\x00"}, {"sub": "\ud800"}, {claims.RESOURCE_LINK: {"id": "rl\x00"}}, {claims.CONTEXT: {"id": "\udfff"}},
    {claims.CUSTOM: {"quiz_id": "q1\x00"}}, {"name": "Ann\x00"},
    {claims.MESSAGE_TYPE: "\ud800"},  # found by the property test above: the refusal page echoed it and failed to encode
])
def test_text_no_database_keeps_is_refused_or_cleaned_not_a_500(lti_service: Service, changes: dict[str, Any]) -> None:
    """PostgreSQL refuses NUL in text and UTF-8 has no lone surrogates: a signed launch carrying them gets a page."""
    r = _signed_launch(lti_service, changes)
    assert r.status_code == 303 if "name" in changes else 400 <= r.status_code < 500, (r.status_code, r.text[:300])


def test_platform_keys_are_cached_refetched_for_a_new_kid_and_a_flood_is_bounded() -> None:
    from quizlib.server.lti.errors import LtiError
    from quizlib.server.lti.platform_keys import PlatformKeys

    served = {"keys": [{**_JWKS["keys"][0], "kid": "k1"}]}
    fetches: list[float] = []
    now = [0.0]

    def fetch(url: str) -> httpx.Response:
        fetches.append(now[0])
        return httpx.Response(200, json=served)

    keys = PlatformKeys(fetch=fetch, clock=lambda: now[0])
    keys.key_set("https://lms/jwks", "k1")
    now[0] = 5.0
    keys.key_set("https://lms/jwks", "k1")
    assert fetches == [0.0]  # cached
    served["keys"].append({**_JWKS["keys"][0], "kid": "k2"})  # the platform rotates
    keys.key_set("https://lms/jwks", "k2")
    assert fetches == [0.0, 5.0]  # a new kid: fetched again at once
    for made_up in ("x1", "x2", "x3"):
        with pytest.raises(LtiError):
            keys.key_set("https://lms/jwks", made_up)
    assert fetches == [0.0, 5.0]  # within a second of the last fetch: no more requests
    now[0] = 7.0
    with pytest.raises(LtiError):
        keys.key_set("https://lms/jwks", "x4")
    assert fetches == [0.0, 5.0, 7.0]
    now[0] = 7.0 + 3601
    keys.key_set("https://lms/jwks", "k1")
    assert len(fetches) == 4  # an hour old: fetched again, so a withdrawn key stops verifying


def test_refused_launches_are_counted_against_the_address_like_failed_sign_ins(tmp_path) -> None:  # type: ignore[no-untyped-def]
    svc = make_service(database_url("sqlite", tmp_path), lti_worker_seconds=0, failed_burst=5, failed_per_minute=1)
    try:
        codes = [svc.client.post("/lti/launch", data={"id_token": "x.y.z", "state": "s"}).status_code for _ in range(7)]
        last = svc.client.post("/lti/launch", data={"id_token": "x.y.z", "state": "s"})
    finally:
        svc.close()
    assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}
    assert last.status_code == 429 and int(last.headers["retry-after"]) >= 1 and "Too many" in last.text
