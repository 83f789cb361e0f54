"""The database layer: migrations build exactly the models, SQLite is set up for durability, times stay UTC."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from quizlib.server.db import Database, normalize_url
from quizlib.server.models import Base, Student
from tests.fixtures.server.harness import database_url


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    db = Database(database_url(request.param, tmp_path))
    yield db
    db.dispose()


def test_migrations_build_exactly_the_models_and_are_idempotent(database: Database) -> None:
    database.migrate()
    database.migrate()  # a second run (every start-up does one) changes nothing
    with database.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
        assert diff == []
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0003_lti"
    assert set(inspect(database.engine).get_table_names()) >= {"students", "tokens", "quizzes", "attempts",
                                                                 "idempotency_keys", "rate_limits", "lti_platforms",
                                                                 "lti_grade_posts"}


def test_sqlite_is_durable_by_configuration(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'x.db'}")
    with db.read() as s:
        assert s.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
        assert s.execute(text("PRAGMA synchronous")).scalar_one() == 2  # FULL
        assert s.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
    db.dispose()


def test_times_round_trip_as_utc_and_naive_times_are_refused(database: Database) -> None:
    database.migrate()
    paris = timezone(timedelta(hours=1))
    when = datetime(2026, 3, 2, 10, 30, 15, tzinfo=paris)
    with database.write() as s:
        s.add(Student(student_id="ann", name="Ann", email=None, created_at=when))
    with database.read() as s:
        got = s.query(Student).one().created_at
    assert got == when and got.tzinfo == timezone.utc and got.hour == 9
    with pytest.raises(Exception, match="naive datetime"):
        with database.write() as s:
            s.add(Student(student_id="bob", name="Bob", email=None, created_at=datetime(2026, 1, 1)))


def test_write_blocks_roll_back_on_error(database: Database) -> None:
    database.migrate()
    now = datetime.now(timezone.utc)
    with pytest.raises(RuntimeError):
        with database.write() as s:
            s.add(Student(student_id="ann", name="Ann", email=None, created_at=now))
            s.flush()
            raise RuntimeError("boom")
    with database.read() as s:
        assert s.query(Student).count() == 0


def test_postgres_urls_pick_the_installed_driver() -> None:
    assert normalize_url("postgres://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert normalize_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("sqlite:///x.db") == "sqlite:///x.db"


def test_upgrading_from_0001_keeps_tokens_working_without_expiry(database: Database) -> None:
    """A database made before tokens expired: its tokens become sign-in links with no expiry, and still sign in."""
    from alembic import command
    from alembic.config import Config

    from quizlib.server.db import MIGRATIONS
    from quizlib.server.security import hash_token, resolve_token
    from quizlib.server.settings import Settings

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with database.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.execute(text("INSERT INTO students (student_id, name, created_at) VALUES ('ann', 'Ann', '2026-01-01 00:00:00')"))
        conn.execute(text("INSERT INTO tokens (token_hash, role, student_pk, created_at) "
                          "VALUES (:h, 'student', (SELECT id FROM students), '2026-01-01 00:00:00')"), {"h": hash_token("old-token")})
    database.migrate()
    with database.engine.connect() as conn:
        assert conn.execute(text("SELECT kind, expires_at FROM tokens")).one() == ("link", None)
    principal = resolve_token(database, Settings(database_url=database.url), "old-token")
    assert principal is not None and principal.student_id == "ann" and principal.kind == "link"
