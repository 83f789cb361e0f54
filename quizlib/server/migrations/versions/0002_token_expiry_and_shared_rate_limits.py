"""Tokens expire and have a kind (sign-in link, session, read-only view); rate-limit counters move into the database.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01

Tokens issued before this revision become ``link`` tokens with no expiry (they keep
working); reissue them (``quizlib serve token``) to give them one.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from quizlib.server.db import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tokens") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="link"))
        batch.add_column(sa.Column("scope", sa.String(80), nullable=True))
        batch.add_column(sa.Column("expires_at", UTCDateTime(), nullable=True))
    op.create_table(
        "rate_limits",
        sa.Column("key", sa.String(80), primary_key=True),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
    )
    op.create_index("ix_rate_limits_updated_at", "rate_limits", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_rate_limits_updated_at", "rate_limits")
    op.drop_table("rate_limits")
    with op.batch_alter_table("tokens") as batch:
        batch.drop_column("expires_at")
        batch.drop_column("scope")
        batch.drop_column("kind")
