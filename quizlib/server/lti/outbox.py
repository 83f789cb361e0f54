"""The grade outbox: every score an LMS must receive, queued with the change that made it, sent until it lands.

Queueing. A SQLAlchemy ``before_flush`` hook watches attempts: when one is submitted (by
the student, or by the server because its time ran out) or its score changes after
submission (a regrade), a :class:`~.tables.LtiGradePost` is added for each resource link
the student launched from for that quiz. It is written in the same transaction as the
attempt, so a committed submission always has its post, and ``(attempt, link, revision)``
is unique, so none is queued twice. No endpoint of the attempt rules had to change.

Delivery (:func:`deliver_due`, run by :mod:`.worker` in every server process and by
``quizlib serve lti send``): due posts are leased (``FOR UPDATE SKIP LOCKED`` on PostgreSQL;
SQLite has one writer), sent, and marked. The payload is computed at the first try and
kept: a retry sends the same score with the same timestamp, which Canvas applies as a
repeat and Moodle answers 409 ("earlier timestamp", taken here as already delivered).
Network errors, 408, 429 and 5xx retry after ``base * 2^(tries-1)`` seconds (capped, with
jitter, at least any ``Retry-After``); other refusals mark the post failed. Posts for the
same learner and link go out newest-state-only: an older due post is superseded by a
newer one, since each sends the learner's current best score.

What is sent (AGS 2.0 Score): ``userId`` (the platform's ``sub``), ``scoreGiven`` and
``scoreMaximum`` of the student's best submitted attempt (as the gradebook CSV counts it),
``activityProgress`` ``Completed`` when no attempt remains else ``Submitted``,
``gradingProgress`` ``FullyGraded`` once results are released, else ``Pending`` without a
score (then a ``released`` post is due at the release time), and ``timestamp`` with
milliseconds, strictly after the previous one for that learner and link (Moodle compares
seconds and refuses a repeat; Canvas refuses an earlier one).
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
from sqlalchemy import event, func, inspect, or_, select
from sqlalchemy.orm import Session

from ..models import Attempt, Quiz
from . import claims as c
from . import keys
from .services import PlatformInfo, ServiceError, TokenCache, find_or_create_lineitem, post_score
from .tables import LtiGradePost, LtiLinkUser, LtiPlatform, LtiResourceLink, LtiUser

PENDING, SENT, SUPERSEDED, FAILED = "pending", "sent", "superseded", "failed"
LEASE = timedelta(seconds=120)
KICK = threading.Event()
"""Set after a commit that queued a post, so this process's worker sends it at once."""


# --- queueing -------------------------------------------------------------------------------------------------

def _changed(obj: Any, name: str) -> tuple[bool, Any]:
    history = inspect(obj).attrs[name].history
    before = history.deleted[0] if history.deleted else None
    return history.has_changes(), before


def queue_for(session: Session, attempt: Attempt, reason: str, now: datetime) -> int:
    """Queue a post for every link this student launched this quiz from; returns how many."""
    with session.no_autoflush:
        targets = session.execute(
            select(LtiLinkUser.link_pk, LtiLinkUser.user_pk)
            .join(LtiUser, LtiUser.id == LtiLinkUser.user_pk)
            .join(LtiResourceLink, LtiResourceLink.id == LtiLinkUser.link_pk)
            .where(LtiUser.student_pk == attempt.student_pk, LtiResourceLink.quiz_id == attempt.quiz_id)
        ).all()
        if not targets:
            return 0
        quiz = session.get(Quiz, attempt.quiz_id)
        queued = 0
        for link_pk, user_pk in targets:
            last = session.execute(select(func.max(LtiGradePost.revision)).where(
                LtiGradePost.attempt_pk == attempt.id, LtiGradePost.link_pk == link_pk)).scalar_one()
            revision = (last or 0) + 1
            session.add(LtiGradePost(attempt_pk=attempt.id, link_pk=link_pk, user_pk=user_pk, revision=revision,
                                     reason=reason, status=PENDING, due_at=now, tries=0, created_at=now))
            queued += 1
            if quiz is not None and quiz.feedback == "after_close" and quiz.closes_at is not None:
                # Until release the LMS gets "Pending" without a score; the score follows at the release time.
                session.add(LtiGradePost(attempt_pk=attempt.id, link_pk=link_pk, user_pk=user_pk, revision=revision + 1,
                                         reason="released", status=PENDING, due_at=max(now, quiz.closes_at), tries=0,
                                         created_at=now))
                queued += 1
    session.info["lti_queued"] = True
    return queued


@event.listens_for(Session, "before_flush")
def _queue_on_flush(session: Session, _context: Any, _instances: Any) -> None:
    for obj in list(session.new) + list(session.dirty):
        if not isinstance(obj, Attempt) or obj.submitted_at is None or obj.id is None:
            continue
        submitted, before = _changed(obj, "submitted_at")
        rescored, old_score = _changed(obj, "score")
        if submitted and before is None:
            queue_for(session, obj, "submitted", datetime.now(timezone.utc))
        elif rescored and old_score != obj.score:
            queue_for(session, obj, "regraded", datetime.now(timezone.utc))


@event.listens_for(Session, "after_commit")
def _kick(session: Session) -> None:
    if session.info.pop("lti_queued", False):
        KICK.set()


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop("lti_queued", None)


# --- what is sent ---------------------------------------------------------------------------------------------

def release_at(quiz: Quiz, grace: float) -> datetime | None:
    """When scores may be shown: None (now) for ``immediate``; for ``after_close`` the rules' release time."""
    from ..attempts import IMMEDIATE, release_time  # here: the attempt rules import the models, which load this module

    return None if quiz.feedback == IMMEDIATE else release_time(quiz, grace)


def stamp(when: datetime) -> str:
    """ISO 8601 with milliseconds and an explicit offset, e.g. ``2026-03-02T09:00:00.123+00:00``."""
    return when.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def _parse_stamp(text: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text))
    except ValueError:
        return None


def score_payload(session: Session, post: LtiGradePost, user: LtiUser, quiz: Quiz, now: datetime,
                  grace: float) -> dict[str, Any]:
    attempts = list(session.execute(select(Attempt).where(
        Attempt.quiz_id == quiz.id, Attempt.student_pk == user.student_pk)).scalars())
    done = [a for a in attempts if a.submitted_at is not None]
    best = max(done, key=lambda a: (a.score or 0.0, -a.number))
    at = release_at(quiz, grace)
    shown = at is None or now >= at
    closed = quiz.closes_at is not None and now >= quiz.closes_at
    more = not closed and (quiz.max_attempts is None or len(attempts) < quiz.max_attempts)
    previous = session.execute(select(LtiGradePost.payload).where(
        LtiGradePost.link_pk == post.link_pk, LtiGradePost.user_pk == post.user_pk, LtiGradePost.payload.is_not(None),
        LtiGradePost.id != post.id).order_by(LtiGradePost.id.desc()).limit(1)).scalar_one_or_none()
    when = now
    last = _parse_stamp(previous.get("timestamp")) if isinstance(previous, dict) else None
    if last is not None and when < last + timedelta(seconds=1):
        when = last + timedelta(seconds=1)
    payload: dict[str, Any] = {
        "userId": user.sub, "scoreMaximum": best.max_score, "timestamp": stamp(when),
        "activityProgress": "Submitted" if more else "Completed",
        "gradingProgress": "FullyGraded" if shown else "Pending",
    }
    if shown:
        payload["scoreGiven"] = best.score or 0.0
    return payload


# --- delivery -------------------------------------------------------------------------------------------------

@dataclass
class Delivery:
    """What delivering needs besides the database: an HTTP client, the token cache and the retry policy."""

    http: httpx.Client
    tokens: TokenCache = field(default_factory=TokenCache)
    base: float = 30.0
    cap: float = 3600.0
    max_tries: int = 30
    grace: float = 30.0

    def backoff(self, tries: int, retry_after: float | None) -> float:
        wait = min(self.cap, self.base * 2 ** max(0, tries - 1)) * random.uniform(0.8, 1.2)
        return max(wait, retry_after or 0.0)


@dataclass
class Job:
    post_id: int
    platform: PlatformInfo
    link_pk: int
    lineitem_url: str | None
    lineitems_url: str | None
    resource_link_id: str
    scopes: tuple[str, ...]
    quiz_id: str
    label: str
    payload: dict[str, Any]


def claim_due(db: Any, now: datetime, limit: int = 20) -> list[int]:
    """Lease up to ``limit`` due posts to this caller (other processes skip them until the lease ends)."""
    with db.write() as s:
        query = (select(LtiGradePost).where(LtiGradePost.status == PENDING, LtiGradePost.due_at <= now,
                                            or_(LtiGradePost.lease_until.is_(None), LtiGradePost.lease_until < now))
                 .order_by(LtiGradePost.id).limit(limit))
        if not db.is_sqlite:
            query = query.with_for_update(skip_locked=True)
        rows = list(s.execute(query).scalars())
        for row in rows:
            row.lease_until = now + LEASE
        return [r.id for r in rows]


def _prepare(db: Any, post_id: int, now: datetime, grace: float) -> Job | None:
    """Decide what to send for a leased post (or supersede / postpone it); freeze its payload."""
    with db.write() as s:
        post = s.get(LtiGradePost, post_id)
        if post is None or post.status != PENDING:
            return None
        newer = s.execute(select(LtiGradePost.id).where(
            LtiGradePost.link_pk == post.link_pk, LtiGradePost.user_pk == post.user_pk, LtiGradePost.status == PENDING,
            LtiGradePost.id > post.id, LtiGradePost.due_at <= now).limit(1)).first()
        if newer is not None:
            post.status, post.lease_until = SUPERSEDED, None
            return None
        link = s.get(LtiResourceLink, post.link_pk)
        user = s.get(LtiUser, post.user_pk)
        attempt = s.get(Attempt, post.attempt_pk)
        assert link is not None and user is not None and attempt is not None
        quiz = s.get(Quiz, attempt.quiz_id)
        platform = s.get(LtiPlatform, link.platform_pk)
        assert quiz is not None and platform is not None
        at = release_at(quiz, grace)
        if post.reason == "released" and post.payload is None and at is not None and now < at:
            post.due_at, post.lease_until = at, None  # the close moved later: wait for the new release time
            return None
        if c.SCOPE_SCORE not in (link.scopes or []) or not (link.lineitem_url or link.lineitems_url):
            post.status, post.lease_until = FAILED, None
            post.last_error = "the platform gave this link no gradebook column (no AGS score scope or line item)"
            return None
        if post.payload is None:
            post.payload = score_payload(s, post, user, quiz, now, grace)
        scopes = (c.SCOPE_SCORE,) + ((c.SCOPE_LINEITEM,) if link.lineitem_url is None else ())
        return Job(post.id, PlatformInfo(platform.id, platform.issuer, platform.client_id, platform.auth_token_url,
                                         platform.token_audience),
                   link.id, link.lineitem_url, link.lineitems_url, link.resource_link_id, scopes, quiz.id, quiz.title,
                   dict(post.payload))


def _signer(db: Any) -> Any:
    def sign(claims: dict[str, Any]) -> str:
        with db.write() as s:
            return keys.sign(s, claims, datetime.now(timezone.utc))
    return sign


def deliver_one(db: Any, delivery: Delivery, post_id: int, now: datetime) -> str:
    """Send one leased post; returns its new status (or ``skipped``)."""
    job = _prepare(db, post_id, now, delivery.grace)
    if job is None:
        return "skipped"
    error: ServiceError | None = None
    lineitem = job.lineitem_url
    try:
        token = delivery.tokens.get(delivery.http, job.platform, job.scopes, _signer(db))
        if lineitem is None:
            assert job.lineitems_url is not None
            lineitem = find_or_create_lineitem(delivery.http, job.lineitems_url, token, job.resource_link_id,
                                               job.quiz_id, job.label, float(job.payload["scoreMaximum"]))
        post_score(delivery.http, lineitem, job.payload, token)
    except ServiceError as exc:
        error = exc
        if exc.status == 401:
            delivery.tokens.drop(job.platform.id)  # an expired or revoked token: fetch a new one next time
    with db.write() as s:
        post = s.get(LtiGradePost, post_id)
        assert post is not None
        post.tries += 1
        post.lease_until = None
        if lineitem is not None and job.lineitem_url is None:
            link = s.get(LtiResourceLink, job.link_pk)
            if link is not None and link.lineitem_url is None:
                link.lineitem_url = lineitem
        if error is None or error.status == 409:
            # 409: Moodle refuses a score whose timestamp is not after the one it holds: it has this one already.
            post.status, post.sent_at, post.last_error = SENT, now, None if error is None else str(error)[:1000]
        elif (error.retry or error.status == 401) and post.tries < delivery.max_tries:
            post.due_at = now + timedelta(seconds=delivery.backoff(post.tries, error.retry_after))
            post.last_error = str(error)[:1000]
        else:
            post.status, post.last_error = FAILED, str(error)[:1000]
        return post.status


def deliver_due(db: Any, delivery: Delivery, now: datetime | None = None, limit: int = 20) -> dict[str, int]:
    """Send every due post (up to ``limit``); counts by outcome."""
    now = now or datetime.now(timezone.utc)
    counts: dict[str, int] = {}
    for post_id in claim_due(db, now, limit):
        status = deliver_one(db, delivery, post_id, now)
        counts[status] = counts.get(status, 0) + 1
    return counts


def retry_failed(db: Any, now: datetime, ids: list[int] | None = None) -> dict[str, int]:
    """Queue failed posts again (all, or those in ``ids``), after the instructor fixed what the LMS refused.

    A failed post whose learner and link already have a newer post sent or pending is marked
    superseded instead: sending it would put an older score over one the LMS has (or will have).
    A requeued post starts afresh: no tries, due now, and no frozen payload, so the score and its
    timestamp are taken at the next try (an LMS refuses a timestamp older than one it holds).
    """
    counts: dict[str, int] = {}
    with db.write() as s:
        query = select(LtiGradePost).where(LtiGradePost.status == FAILED).order_by(LtiGradePost.id)
        if ids is not None:
            query = query.where(LtiGradePost.id.in_(ids))
        for post in s.execute(query).scalars():
            newer = s.execute(select(LtiGradePost.id).where(
                LtiGradePost.link_pk == post.link_pk, LtiGradePost.user_pk == post.user_pk,
                LtiGradePost.status.in_([PENDING, SENT]), LtiGradePost.id > post.id).limit(1)).first()
            if newer is not None:
                post.status, post.lease_until = SUPERSEDED, None
                counts["superseded"] = counts.get("superseded", 0) + 1
                continue
            post.status, post.tries, post.due_at, post.lease_until, post.payload = PENDING, 0, now, None, None
            counts["requeued"] = counts.get("requeued", 0) + 1
    return counts


def listing(session: Session, everything: bool = False) -> list[dict[str, Any]]:
    """Posts for the instructor's command: pending and failed ones (or all)."""
    query = (select(LtiGradePost, LtiUser, LtiResourceLink, Attempt)
             .join(LtiUser, LtiUser.id == LtiGradePost.user_pk)
             .join(LtiResourceLink, LtiResourceLink.id == LtiGradePost.link_pk)
             .join(Attempt, Attempt.id == LtiGradePost.attempt_pk).order_by(LtiGradePost.id))
    if not everything:
        query = query.where(LtiGradePost.status.in_([PENDING, FAILED]))
    out = []
    for post, user, link, attempt in session.execute(query).all():
        student = user.student.student_id if user.student is not None else user.sub
        out.append({"id": post.id, "quiz": link.quiz_id, "student": student, "attempt": attempt.number,
                    "revision": post.revision, "reason": post.reason, "status": post.status, "tries": post.tries,
                    "due_at": post.due_at, "sent_at": post.sent_at, "score": (post.payload or {}).get("scoreGiven"),
                    "error": post.last_error})
    return out
