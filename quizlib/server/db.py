"""The database: a SQLite file by default, PostgreSQL by URL.

SQLite is tuned so that a submission the server acknowledged survives ``kill -9``
(and a power cut): WAL journal with ``synchronous=FULL`` fsyncs the log at every
commit, and every endpoint commits *before* it answers. Write transactions start
with ``BEGIN IMMEDIATE`` so concurrent writers (threads, or the processes of
``--workers N``) never fail with "database is locked" when a read transaction
later tries to write. In front of SQLite's lock, a kernel lock on a side file
(``<db>.writelock``, see :class:`_SQLiteWriterLock`) queues writers across
threads and processes without the busy handler's sleeps. That lock is a file lock,
so it queues the processes of *one host*: SQLite is a one-machine database. Several
hosts share one PostgreSQL, whose row locks and MVCC need no such lock.

Long reads (the instructor's reports) use :meth:`Database.snapshot`: a read-only
transaction that sees one consistent state and never takes the writer lock, so a
report being built never delays a student's autosave (SQLite WAL readers do not
block the writer; PostgreSQL's REPEATABLE READ reads an MVCC snapshot).
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager, nullcontext
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: SQLite's own locking still keeps writes safe
    fcntl = None  # type: ignore[assignment]

from sqlalchemy import Connection, DateTime, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeDecorator

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_WRITE = "quizlib_write"
_PG_MIGRATION_LOCK = 74_239_015  # arbitrary constant: one migrating process at a time per database


def normalize_url(url: str) -> str:
    """Accept the URLs people write (``postgres://``, ``postgresql://``) and pick the installed driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no zone of its own)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use timezone-aware UTC")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=timezone.utc)


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (below)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=60000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "BEGIN")


def _relax_sqlite(engine: Engine) -> None:
    """For counters only: commits that need no fsync (WAL with synchronous=NORMAL stays consistent)."""
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()


def make_engine(url: str, pool_size: int = 10) -> Engine:
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 60})
        _tune_sqlite(engine)
        return engine
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def _refuse_flush(session: Session, _context: Any, _instances: Any) -> None:
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("a snapshot session is read-only: write in Database.write() instead")


class _SQLiteWriterLock:
    """One writer at a time across threads *and* processes of one host, queued by the kernel.

    ``flock`` is local to a machine (and unreliable on network file systems), which is
    one reason a SQLite database belongs to one host; several hosts need PostgreSQL.

    SQLite's own busy handler polls with sleeps of up to 100 ms, so with several
    server processes a writer often sleeps long after the lock was freed. A
    ``flock`` on a side file wakes the next writer at once; SQLite's lock (taken
    right after by BEGIN IMMEDIATE) is then almost never contended.
    """

    def __init__(self, database_path: str | None) -> None:
        self._thread_lock = threading.Lock()
        self._path = f"{database_path}.writelock" if database_path and fcntl is not None else None
        self._fd: int | None = None

    def __enter__(self) -> None:
        self._thread_lock.acquire()
        if self._path is not None:
            try:
                if self._fd is None:
                    self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
                fcntl.flock(self._fd, fcntl.LOCK_EX)
            except BaseException:
                self._thread_lock.release()
                raise

    def __exit__(self, *exc: object) -> None:
        try:
            if self._path is not None and self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._thread_lock.release()


class Database:
    """Sessions for reads and for writes; a write commits when its ``with`` block ends."""

    def __init__(self, url: str, pool_size: int = 10) -> None:
        self.url = normalize_url(url)
        self.engine = make_engine(self.url, pool_size)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(self.engine.execution_options(**{_WRITE: True}), expire_on_commit=False)
        # SQLite: a deferred BEGIN; in WAL mode the first read fixes the snapshot the transaction sees.
        snap = self.engine if self.is_sqlite else self.engine.execution_options(
            isolation_level="REPEATABLE READ", postgresql_readonly=True)
        self._snapshot = sessionmaker(snap, expire_on_commit=False, autoflush=False)
        event.listen(self._snapshot, "before_flush", _refuse_flush)
        path = make_url(self.url).database if self.is_sqlite else None
        on_disk = path not in (None, "", ":memory:")
        self._write_lock = _SQLiteWriterLock(str(Path(path).expanduser().resolve()) if on_disk else None) if self.is_sqlite else None
        self._counter_engine = self.engine
        if self.is_sqlite and on_disk:  # an in-memory database has one pool: counters share it
            self._counter_engine = make_engine(self.url)
            _relax_sqlite(self._counter_engine)
        elif not self.is_sqlite:  # a few connections whose commits do not wait for the WAL flush
            small = max(2, pool_size // 2)
            self._counter_engine = create_engine(self.url, pool_size=small, max_overflow=small, pool_pre_ping=True,
                                                 connect_args={"options": "-c synchronous_commit=off"})

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._read() as session:
            yield session

    @contextmanager
    def snapshot(self) -> Iterator[Session]:
        """A read-only transaction over one consistent state of the database, for reads that take a while.

        Every query in the block sees the same snapshot (several queries of one report agree with
        each other) and no writer waits for it: on SQLite it is a WAL reader, outside the writer
        lock; on PostgreSQL a ``REPEATABLE READ READ ONLY`` transaction. Nothing is ever written:
        the session does not autoflush and refuses to flush, and its transaction is rolled back
        when the block ends. The objects read stay usable after it (closing detaches them
        without expiring them).
        """
        with self._snapshot() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction, committed (durably) on leaving the block, rolled back on an exception."""
        with self._write_lock or nullcontext():
            with self._write.begin() as session:
                yield session

    @contextmanager
    def counter_write(self) -> Iterator[Connection]:
        """A write transaction for data not worth an fsync (rate-limit counters): queued behind the same
        writer lock as :meth:`write` on SQLite, but committed without waiting for the disk."""
        if not self.is_sqlite:
            with self._counter_engine.begin() as conn:
                yield conn
            return
        with self._write_lock or nullcontext():
            with self._counter_engine.execution_options(**{_WRITE: True}).begin() as conn:
                yield conn

    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision (a no-op when it already is)."""
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with self._write_lock or nullcontext():
            with self.engine.execution_options(**{_WRITE: True}).begin() as conn:
                if self.engine.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")

    def dispose(self) -> None:
        self.engine.dispose()
        if self._counter_engine is not self.engine:
            self._counter_engine.dispose()
        if isinstance(self._write_lock, _SQLiteWriterLock) and self._write_lock._fd is not None:
            os.close(self._write_lock._fd)
            self._write_lock._fd = None
