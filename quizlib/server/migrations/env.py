"""Alembic environment: runs on the connection :meth:`quizlib.server.db.Database.migrate` passes in."""

from __future__ import annotations

from alembic import context

from quizlib.server.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only when someone runs the alembic CLI by hand
    raise SystemExit("run migrations through quizlib (`quizlib serve --init` or the app start-up)")

context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True, compare_type=True)
with context.begin_transaction():
    context.run_migrations()
