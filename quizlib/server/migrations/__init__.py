"""Alembic migrations of the service database (run by :meth:`quizlib.server.db.Database.migrate`)."""
