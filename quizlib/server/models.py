"""The service's tables (SQLAlchemy 2 declarative models).

The schema is created and changed only by Alembic migrations (``migrations/``);
``tests/test_server_db.py`` checks that the migrations produce exactly these models.

Design notes:

- A quiz stores a frozen snapshot of its questions (``content``), so editing a
  bank file later never changes a quiz students are taking, and several server
  processes all grade against the same key.
- An attempt stores its form (question and option order) and its autosaved
  answers, so the student sees the same form after a reload or on another device.
- Tokens are stored as sha256 hashes: a copy of the database does not let anyone
  sign in as a student.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from .db import UTCDateTime


class Base(DeclarativeBase):
    pass


class Student(Base):
    __tablename__ = "students"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    student_id: Mapped[str] = mapped_column(String(120), unique=True)
    """The roster's id (what the gradebook shows)."""
    name: Mapped[str] = mapped_column(String(300))
    email: Mapped[str | None] = mapped_column(String(300), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Token(Base):
    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    """sha256 hex of the token; the token itself is shown once and never stored."""
    role: Mapped[str] = mapped_column(String(16))
    """``student`` or ``instructor``."""
    student_pk: Mapped[int | None] = mapped_column(ForeignKey("students.id"), nullable=True, index=True)
    label: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    kind: Mapped[str] = mapped_column(String(16), server_default="link")
    """``link`` (a student's sign-in link, or an instructor token), ``session`` (what a link is exchanged for,
    short-lived) or ``view`` (an instructor's read-only, expiring link to one quiz's reports)."""
    scope: Mapped[str | None] = mapped_column(String(80), nullable=True)
    """The quiz a ``view`` token may read; None for the others."""
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    """After this the token no longer signs in; None for tokens issued before expiry existed."""

    student: Mapped[Student | None] = relationship()


class RateLimit(Base):
    """One token bucket of the rate limiter (see :mod:`.limits`), shared by every server process and host."""

    __tablename__ = "rate_limits"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    """``t:<token hash prefix>`` for a signed-in client, ``ip:<address>`` for failed sign-ins."""
    tokens: Mapped[float] = mapped_column(Float)
    """Requests left in the bucket at ``updated_at``."""
    updated_at: Mapped[float] = mapped_column(Float, index=True)
    """Seconds since the epoch (server clock) of the last request counted."""


class Quiz(Base):
    __tablename__ = "quizzes"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(16))
    """``bank`` (fixed questions from bank files) or ``blueprint`` (drawn per student)."""
    content: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)
    """Frozen snapshot: questions with their bank, section and objective (see :mod:`.quizzes`).
    Deferred: each process parses it once and caches it by ``content_hash``, so most requests never load it."""
    content_hash: Mapped[str] = mapped_column(String(64))
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    time_limit_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    max_attempts: Mapped[int | None] = mapped_column(Integer, nullable=True)
    feedback: Mapped[str] = mapped_column(String(16))
    """``immediate`` or ``after_close``."""
    shuffle_questions: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Attempt(Base):
    __tablename__ = "attempts"
    __table_args__ = (UniqueConstraint("quiz_id", "student_pk", "number", name="uq_attempt_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    quiz_id: Mapped[str] = mapped_column(ForeignKey("quizzes.id"), index=True)
    student_pk: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    """1 for a student's first attempt at this quiz, 2 for the next..."""
    form: Mapped[dict[str, Any]] = mapped_column(JSON)
    """The student's form: a :class:`quizlib.manifest.Form` as JSON."""
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """Autosaved (then submitted) answers, keyed by the form's question ids, in student-facing ids."""
    answers_seq: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    auto_submitted: Mapped[bool] = mapped_column(Boolean, default=False)
    """True when the deadline passed and the last autosaved answers were submitted for the student."""
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    max_score: Mapped[float] = mapped_column(Float)
    results: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)
    """Per question: global id, score, max, status, feedback (bank ids; never sent before release)."""

    student: Mapped[Student] = relationship()


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("student_pk", "key", name="uq_idempotency_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    student_pk: Mapped[int] = mapped_column(ForeignKey("students.id"))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    """sha256 of method, path and body: the same key with a different request is refused."""
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


# The LTI tables live beside their code (quizlib/server/lti/tables.py) but in this metadata,
# so migrations and the schema check see one schema; the outbox's hook queues an LMS score
# whenever any code path submits or rescores an attempt. Imported last: they use these models.
from .lti import outbox as _lti_outbox  # noqa: E402,F401
from .lti import tables as _lti_tables  # noqa: E402,F401
