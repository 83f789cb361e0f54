"""The LTI tables: platforms and their deployments, the tool's keys, launch state, users, links, and the grade outbox.

They share :class:`quizlib.server.models.Base`, so one Alembic history builds them with
the rest of the service's schema (``tests/test_server_db.py`` checks the two agree).

Design notes:

- Nothing a browser must keep: a login's ``state`` is a row here (stored hashed, used
  once, minutes long), never a cookie, so launches work in an LMS iframe where the
  browser blocks third-party cookies.
- A nonce is a row with a unique key per platform: a replayed launch fails on every
  process and host that shares the database.
- The grade outbox (:class:`LtiGradePost`) is written in the same transaction that
  submits an attempt, so a committed submission always has its post queued; posts are
  unique per (attempt, revision), so a retried or concurrent enqueue never duplicates one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime
from ..models import Base, Student


class LtiPlatform(Base):
    """One registration of this tool in an LMS (issuer + client id), made by hand or by dynamic registration."""

    __tablename__ = "lti_platforms"
    __table_args__ = (UniqueConstraint("issuer", "client_id", name="uq_lti_platform"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    issuer: Mapped[str] = mapped_column(String(500))
    """The platform's ``iss`` (Canvas: https://canvas.instructure.com; Moodle: the site's URL)."""
    client_id: Mapped[str] = mapped_column(String(255))
    """The id the platform gave this tool; the ``aud`` of its launches."""
    auth_login_url: Mapped[str] = mapped_column(String(1000))
    """Where the tool sends the browser for the platform's OIDC authentication response."""
    auth_token_url: Mapped[str] = mapped_column(String(1000))
    """OAuth 2 token endpoint for service calls (grades, roster)."""
    jwks_url: Mapped[str] = mapped_column(String(1000))
    """The platform's public keys (JWKS), fetched and cached to check launch signatures."""
    token_audience: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    """The ``aud`` of the tool's client assertion when the platform wants one other than the token URL."""
    frame_origins: Mapped[list[str]] = mapped_column(JSON, default=list)
    """Origins allowed to frame the tool's pages (``frame-ancestors``), besides those of the URLs above."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    deployments: Mapped[list[LtiDeployment]] = relationship(back_populates="platform", cascade="all, delete-orphan")


class LtiDeployment(Base):
    """A deployment id the platform may launch from; a launch with any other is refused."""

    __tablename__ = "lti_deployments"
    __table_args__ = (UniqueConstraint("platform_pk", "deployment_id", name="uq_lti_deployment"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform_pk: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id"))
    deployment_id: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    platform: Mapped[LtiPlatform] = relationship(back_populates="deployments")


class LtiToolKey(Base):
    """The tool's signing keys. The newest unretired key signs; retired keys stay in the JWKS until ``expires_at``
    so platforms that cached the old key set still verify what was signed just before a rotation."""

    __tablename__ = "lti_tool_keys"

    kid: Mapped[str] = mapped_column(String(100), primary_key=True)
    private_jwk: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    """When a retired key leaves the JWKS."""


class LtiLoginState(Base):
    """One OIDC login initiation: the ``state`` (sha256) and ``nonce`` the launch must come back with."""

    __tablename__ = "lti_login_states"

    state_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    platform_pk: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id"))
    nonce: Mapped[str] = mapped_column(String(100))
    target_link_uri: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class LtiNonce(Base):
    """A nonce seen in an accepted launch; the unique key makes a second use fail on any process."""

    __tablename__ = "lti_nonces"
    __table_args__ = (UniqueConstraint("platform_pk", "nonce", name="uq_lti_nonce"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform_pk: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id"))
    nonce: Mapped[str] = mapped_column(String(255))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class LtiRegistrationCode(Base):
    """A one-time code for LTI Dynamic Registration: only an administrator's link may register a platform."""

    __tablename__ = "lti_registration_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class LtiUser(Base):
    """A platform's user (``sub``) and the service student it signs in as (None for instructors)."""

    __tablename__ = "lti_users"
    __table_args__ = (UniqueConstraint("platform_pk", "sub", name="uq_lti_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform_pk: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id"))
    sub: Mapped[str] = mapped_column(String(255))
    student_pk: Mapped[int | None] = mapped_column(ForeignKey("students.id"), nullable=True, index=True)
    role: Mapped[str] = mapped_column(String(16))
    """``learner`` or ``instructor`` as of the latest launch or roster sync."""
    name: Mapped[str | None] = mapped_column(String(300), nullable=True)
    email: Mapped[str | None] = mapped_column(String(300), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    student: Mapped[Student | None] = relationship()


class LtiContext(Base):
    """A course on a platform, with its roster service (NRPS) when the platform offers one."""

    __tablename__ = "lti_contexts"
    __table_args__ = (UniqueConstraint("platform_pk", "context_id", name="uq_lti_context"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform_pk: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id"))
    deployment_id: Mapped[str] = mapped_column(String(255))
    context_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str | None] = mapped_column(String(300), nullable=True)
    memberships_url: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class LtiMembership(Base):
    """A user's role in a course, from launches and roster syncs; ``active`` False once the platform drops them."""

    __tablename__ = "lti_memberships"
    __table_args__ = (UniqueConstraint("context_pk", "user_pk", name="uq_lti_membership"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    context_pk: Mapped[int] = mapped_column(ForeignKey("lti_contexts.id"))
    user_pk: Mapped[int] = mapped_column(ForeignKey("lti_users.id"))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class LtiResourceLink(Base):
    """A placement of a quiz in a course, and the gradebook column (line item) its scores go to."""

    __tablename__ = "lti_resource_links"
    __table_args__ = (UniqueConstraint("platform_pk", "resource_link_id", name="uq_lti_resource_link"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform_pk: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id"))
    deployment_id: Mapped[str] = mapped_column(String(255))
    context_pk: Mapped[int | None] = mapped_column(ForeignKey("lti_contexts.id"), nullable=True)
    resource_link_id: Mapped[str] = mapped_column(String(255))
    quiz_id: Mapped[str | None] = mapped_column(ForeignKey("quizzes.id"), nullable=True, index=True)
    lineitem_url: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    lineitems_url: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    """AGS scopes the platform granted for this link (from the launch's endpoint claim)."""
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LtiLinkUser(Base):
    """A learner launched from this link: their scores at the link's quiz are posted to its line item."""

    __tablename__ = "lti_link_users"
    __table_args__ = (UniqueConstraint("link_pk", "user_pk", name="uq_lti_link_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    link_pk: Mapped[int] = mapped_column(ForeignKey("lti_resource_links.id"))
    user_pk: Mapped[int] = mapped_column(ForeignKey("lti_users.id"), index=True)


class LtiDeepLink(Base):
    """An instructor's open deep-linking request: where to send the chosen quiz, valid for minutes, used once."""

    __tablename__ = "lti_deep_links"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    platform_pk: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id"))
    deployment_id: Mapped[str] = mapped_column(String(255))
    return_url: Mapped[str] = mapped_column(String(1000))
    data: Mapped[str | None] = mapped_column(Text, nullable=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class LtiGradePost(Base):
    """The outbox: one score the platform must receive, for one learner on one link.

    Queued in the transaction that changes the attempt; ``(attempt_pk, link_pk, revision)``
    is unique, so a score is never queued twice. The payload is fixed at the first try, so
    a retry sends the same score with the same timestamp (which platforms treat as a repeat).
    """

    __tablename__ = "lti_grade_posts"
    __table_args__ = (UniqueConstraint("attempt_pk", "link_pk", "revision", name="uq_lti_grade_post"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_pk: Mapped[int] = mapped_column(ForeignKey("attempts.id"), index=True)
    link_pk: Mapped[int] = mapped_column(ForeignKey("lti_resource_links.id"))
    user_pk: Mapped[int] = mapped_column(ForeignKey("lti_users.id"))
    revision: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(16))
    """``submitted``, ``released`` (scores shown after the quiz closes) or ``regraded``."""
    status: Mapped[str] = mapped_column(String(16), index=True)
    """``pending``, ``sent``, ``superseded`` (a newer post for the same learner and link carried it) or ``failed``."""
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    tries: Mapped[int] = mapped_column(Integer, default=0)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
