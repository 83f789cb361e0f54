"""Service configuration, read once at start-up.

Every setting has an environment variable so that ``uvicorn --workers N`` (which
imports the app afresh in each worker process) configures every worker the same
way as the ``quizlib serve`` process that launched it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Mapping

DEFAULT_DATABASE_URL = "sqlite:///quizlib-service.db"


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    """SQLAlchemy URL: a SQLite file (default) or ``postgresql://user:pw@host/db``."""
    instructor_token: str | None = None
    """An instructor token given by the environment, in addition to those made by ``--init``."""
    cors_origins: tuple[str, ...] = ()
    """Origins allowed to call the API from a browser (the book's site), or ``("*",)``."""
    public_url: str = "http://127.0.0.1:8000"
    """Where students reach this server; used to build sign-in links when no book URL is given."""
    book_url: str | None = None
    """The course book's URL; sign-in links then open the book with ``?token=``."""
    student_body_limit: int = 256 * 1024
    """Largest request body a student may send (bytes); a whole quiz's answers fit easily."""
    instructor_body_limit: int = 8 * 1024 * 1024
    """Largest instructor body (bank YAML, roster CSV)."""
    rate_per_minute: float = 240.0
    """Sustained requests per minute allowed per token, counted in the database so that every server
    process and host shares one budget."""
    rate_burst: int = 60
    """Requests a token may make at once before the sustained rate applies."""
    failed_per_minute: float = 30.0
    """Sustained failed sign-ins (unknown, revoked or expired tokens) per minute allowed per client address."""
    failed_burst: int = 30
    """Failed sign-ins a client address may make at once."""
    token_days: float = 180.0
    """Days a student's sign-in link (and an instructor token) stays valid; 0 = no expiry."""
    session_hours: float = 12.0
    """Hours a session lasts: the credential a page gets in exchange for a sign-in link."""
    view_minutes: float = 60.0
    """Minutes an instructor's read-only report link stays valid (``quizlib serve view-link``)."""
    grace_seconds: float = 30.0
    """Slack after a deadline during which a submission or autosave is still accepted (network delays)."""
    pool_size: int = 10
    """Database connections kept per server process (PostgreSQL)."""
    lti_retry_base_seconds: float = 30.0
    """First wait before resending a score the LMS did not take; doubled at each try (LTI grade outbox)."""
    lti_retry_max_seconds: float = 3600.0
    """Longest wait between two tries of one score."""
    lti_max_tries: int = 30
    """Tries before a score is marked failed (listed by ``quizlib serve lti grades``); about a day at the defaults."""
    lti_worker_seconds: float = 5.0
    """How often each server process looks for scores to send and attempts to finalise; 0 = never (then
    ``quizlib serve lti send`` delivers them)."""
    run_migrations: bool = True
    """Bring the schema up to date when the app starts."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        env = os.environ if environ is None else environ
        base = cls()
        values: dict[str, object] = {}
        if env.get("QUIZLIB_DATABASE_URL"):
            values["database_url"] = env["QUIZLIB_DATABASE_URL"]
        if env.get("QUIZLIB_INSTRUCTOR_TOKEN"):
            values["instructor_token"] = env["QUIZLIB_INSTRUCTOR_TOKEN"]
        if env.get("QUIZLIB_CORS_ORIGINS"):
            values["cors_origins"] = tuple(o.strip() for o in env["QUIZLIB_CORS_ORIGINS"].split(",") if o.strip())
        if env.get("QUIZLIB_PUBLIC_URL"):
            values["public_url"] = env["QUIZLIB_PUBLIC_URL"].rstrip("/")
        if env.get("QUIZLIB_BOOK_URL"):
            values["book_url"] = env["QUIZLIB_BOOK_URL"]
        for name, var, kind in (
            ("student_body_limit", "QUIZLIB_STUDENT_BODY_LIMIT", int),
            ("instructor_body_limit", "QUIZLIB_INSTRUCTOR_BODY_LIMIT", int),
            ("rate_per_minute", "QUIZLIB_RATE_PER_MINUTE", float),
            ("rate_burst", "QUIZLIB_RATE_BURST", int),
            ("failed_per_minute", "QUIZLIB_FAILED_PER_MINUTE", float),
            ("failed_burst", "QUIZLIB_FAILED_BURST", int),
            ("token_days", "QUIZLIB_TOKEN_DAYS", float),
            ("session_hours", "QUIZLIB_SESSION_HOURS", float),
            ("view_minutes", "QUIZLIB_VIEW_MINUTES", float),
            ("grace_seconds", "QUIZLIB_GRACE_SECONDS", float),
            ("pool_size", "QUIZLIB_POOL_SIZE", int),
            ("lti_retry_base_seconds", "QUIZLIB_LTI_RETRY_BASE_SECONDS", float),
            ("lti_retry_max_seconds", "QUIZLIB_LTI_RETRY_MAX_SECONDS", float),
            ("lti_max_tries", "QUIZLIB_LTI_MAX_TRIES", int),
            ("lti_worker_seconds", "QUIZLIB_LTI_WORKER_SECONDS", float),
        ):
            if env.get(var):
                try:
                    values[name] = kind(env[var])
                except ValueError:
                    raise ValueError(f"{var}={env[var]!r} is not a valid {kind.__name__}") from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(base, **values)  # type: ignore[arg-type]

    def to_env(self) -> dict[str, str]:
        """The environment that makes :meth:`from_env` return these settings (for worker processes)."""
        env = {
            "QUIZLIB_DATABASE_URL": self.database_url,
            "QUIZLIB_CORS_ORIGINS": ",".join(self.cors_origins),
            "QUIZLIB_PUBLIC_URL": self.public_url,
            "QUIZLIB_STUDENT_BODY_LIMIT": str(self.student_body_limit),
            "QUIZLIB_INSTRUCTOR_BODY_LIMIT": str(self.instructor_body_limit),
            "QUIZLIB_RATE_PER_MINUTE": str(self.rate_per_minute),
            "QUIZLIB_RATE_BURST": str(self.rate_burst),
            "QUIZLIB_FAILED_PER_MINUTE": str(self.failed_per_minute),
            "QUIZLIB_FAILED_BURST": str(self.failed_burst),
            "QUIZLIB_TOKEN_DAYS": str(self.token_days),
            "QUIZLIB_SESSION_HOURS": str(self.session_hours),
            "QUIZLIB_VIEW_MINUTES": str(self.view_minutes),
            "QUIZLIB_GRACE_SECONDS": str(self.grace_seconds),
            "QUIZLIB_POOL_SIZE": str(self.pool_size),
            "QUIZLIB_LTI_RETRY_BASE_SECONDS": str(self.lti_retry_base_seconds),
            "QUIZLIB_LTI_RETRY_MAX_SECONDS": str(self.lti_retry_max_seconds),
            "QUIZLIB_LTI_MAX_TRIES": str(self.lti_max_tries),
            "QUIZLIB_LTI_WORKER_SECONDS": str(self.lti_worker_seconds),
        }
        if self.instructor_token:
            env["QUIZLIB_INSTRUCTOR_TOKEN"] = self.instructor_token
        if self.book_url:
            env["QUIZLIB_BOOK_URL"] = self.book_url
        return env
