"""Deep Linking 2.0: an instructor picks a published quiz; the platform gets a signed resource link with a line item.

The request (``LtiDeepLinkingRequest``) passed every launch check; we keep its return URL
and ``data`` under a random one-time token (no cookie) and show the quiz list. The choice
comes back with that token, and the answer is an ``LtiDeepLinkingResponse`` JWT (Deep
Linking 2.0 section 4.2: ``iss`` our client id, ``aud`` the platform's issuer, the
deployment id, ``data`` echoed) holding one ``ltiResourceLink`` whose ``custom.quiz_id``
names the quiz and whose ``lineItem`` asks the platform for a gradebook column with the
quiz's maximum score, posted by the browser to the platform's return URL.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..attempts import content_of
from ..models import Quiz
from ..student_forms import build_form
from . import claims as c
from . import keys
from .errors import LtiError
from .launch import Launch, digest, tool_urls
from .tables import LtiDeepLink, LtiPlatform

MINUTES = 30
QUIZ_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,79}")
"""What a quiz id looks like (as the service's paths accept it); anything else is not looked up."""


def quiz_maximum(quiz: Quiz) -> float:
    """The quiz's maximum score (what a student's form is worth; every form of a quiz is worth the same)."""
    return float(build_form(quiz.id, "deep-linking", content_of(quiz), quiz.shuffle_questions).max_points)


def choices(session: Session) -> list[dict[str, Any]]:
    return [{"id": q.id, "title": q.title, "maximum": quiz_maximum(q), "closes_at": q.closes_at}
            for q in session.execute(select(Quiz).order_by(Quiz.created_at, Quiz.id)).scalars()]


def start(session: Session, launch: Launch, now: datetime) -> str:
    """Remember a deep-linking request; returns the one-time token the picker form sends back."""
    if launch.role != c.INSTRUCTOR:
        raise LtiError(403, "Instructors only", "only an instructor of the course may choose which quiz to place")
    settings = launch.claim(c.DL_SETTINGS)
    accept = settings.get("accept_types")
    if isinstance(accept, list) and "ltiResourceLink" not in accept:
        raise LtiError(400, "Cannot place a quiz here", "this placement does not accept LTI resource links")
    token = secrets.token_urlsafe(32)
    data = settings.get("data")
    session.add(LtiDeepLink(token_hash=digest(token), platform_pk=launch.platform.id, deployment_id=launch.deployment_id,
                            return_url=str(settings["deep_link_return_url"])[:1000],
                            data=data if isinstance(data, str) else None,
                            expires_at=now + timedelta(minutes=MINUTES), used_at=None))
    return token


def respond(session: Session, token: str, quiz_id: str, public_url: str, now: datetime) -> tuple[str, str]:
    """(return URL, signed LtiDeepLinkingResponse) for the chosen quiz; the token is used up."""
    row = session.get(LtiDeepLink, digest(token)) if token else None
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise LtiError(401, "Choice expired", "this quiz picker is no longer valid; start again from the course")
    quiz = session.get(Quiz, quiz_id) if QUIZ_ID.fullmatch(quiz_id or "") else None
    if quiz is None:
        raise LtiError(404, "No such quiz", f"no published quiz '{(quiz_id or '')[:80]}'")
    done = session.execute(update(LtiDeepLink).where(LtiDeepLink.token_hash == row.token_hash,
                                                     LtiDeepLink.used_at.is_(None)).values(used_at=now))
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise LtiError(401, "Choice expired", "this quiz picker was already used")
    platform = session.get(LtiPlatform, row.platform_pk)
    assert platform is not None
    maximum = quiz_maximum(quiz)
    item: dict[str, Any] = {
        "type": "ltiResourceLink", "title": quiz.title, "url": tool_urls(public_url)["launch"],
        "custom": {"quiz_id": quiz.id},
        "lineItem": {"scoreMaximum": maximum, "label": quiz.title, "resourceId": quiz.id, "tag": "quizlib"},
    }
    if quiz.closes_at is not None:
        item["submission"] = {"endDateTime": quiz.closes_at.isoformat()}
    when = int(now.timestamp())
    claims: dict[str, Any] = {
        "iss": platform.client_id, "aud": [platform.issuer], "azp": platform.client_id,
        "iat": when, "exp": when + 600, "nonce": secrets.token_urlsafe(16),
        c.DEPLOYMENT_ID: row.deployment_id, c.MESSAGE_TYPE: c.DEEP_LINKING_RESPONSE, c.VERSION: c.LTI_VERSION,
        c.DL_CONTENT_ITEMS: [item],
    }
    if row.data is not None:
        claims[c.DL_DATA] = row.data
    return row.return_url, keys.sign(session, claims, now)
