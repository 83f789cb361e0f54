"""LTI 1.3: platforms, deployments, the tool's keys, login states and nonces, users, courses, links, the grade outbox.

Revision ID: 0003_lti
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from quizlib.server.db import UTCDateTime

revision = "0003_lti"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lti_platforms",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("issuer", sa.String(500), nullable=False),
        sa.Column("client_id", sa.String(255), nullable=False),
        sa.Column("auth_login_url", sa.String(1000), nullable=False),
        sa.Column("auth_token_url", sa.String(1000), nullable=False),
        sa.Column("jwks_url", sa.String(1000), nullable=False),
        sa.Column("token_audience", sa.String(1000), nullable=True),
        sa.Column("frame_origins", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("issuer", "client_id", name="uq_lti_platform"),
    )
    op.create_table(
        "lti_deployments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("platform_pk", sa.Integer(), sa.ForeignKey("lti_platforms.id"), nullable=False),
        sa.Column("deployment_id", sa.String(255), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("platform_pk", "deployment_id", name="uq_lti_deployment"),
    )
    op.create_table(
        "lti_tool_keys",
        sa.Column("kid", sa.String(100), primary_key=True),
        sa.Column("private_jwk", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("retired_at", UTCDateTime(), nullable=True),
        sa.Column("expires_at", UTCDateTime(), nullable=True),
    )
    op.create_table(
        "lti_login_states",
        sa.Column("state_hash", sa.String(64), primary_key=True),
        sa.Column("platform_pk", sa.Integer(), sa.ForeignKey("lti_platforms.id"), nullable=False),
        sa.Column("nonce", sa.String(100), nullable=False),
        sa.Column("target_link_uri", sa.String(1000), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_lti_login_states_expires_at", "lti_login_states", ["expires_at"])
    op.create_table(
        "lti_nonces",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("platform_pk", sa.Integer(), sa.ForeignKey("lti_platforms.id"), nullable=False),
        sa.Column("nonce", sa.String(255), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("platform_pk", "nonce", name="uq_lti_nonce"),
    )
    op.create_index("ix_lti_nonces_expires_at", "lti_nonces", ["expires_at"])
    op.create_table(
        "lti_registration_codes",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
    )
    op.create_table(
        "lti_users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("platform_pk", sa.Integer(), sa.ForeignKey("lti_platforms.id"), nullable=False),
        sa.Column("sub", sa.String(255), nullable=False),
        sa.Column("student_pk", sa.Integer(), sa.ForeignKey("students.id"), nullable=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("name", sa.String(300), nullable=True),
        sa.Column("email", sa.String(300), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("platform_pk", "sub", name="uq_lti_user"),
    )
    op.create_index("ix_lti_users_student_pk", "lti_users", ["student_pk"])
    op.create_table(
        "lti_contexts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("platform_pk", sa.Integer(), sa.ForeignKey("lti_platforms.id"), nullable=False),
        sa.Column("deployment_id", sa.String(255), nullable=False),
        sa.Column("context_id", sa.String(255), nullable=False),
        sa.Column("title", sa.String(300), nullable=True),
        sa.Column("memberships_url", sa.String(1000), nullable=True),
        sa.Column("synced_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("platform_pk", "context_id", name="uq_lti_context"),
    )
    op.create_table(
        "lti_memberships",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("context_pk", sa.Integer(), sa.ForeignKey("lti_contexts.id"), nullable=False),
        sa.Column("user_pk", sa.Integer(), sa.ForeignKey("lti_users.id"), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("context_pk", "user_pk", name="uq_lti_membership"),
    )
    op.create_table(
        "lti_resource_links",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("platform_pk", sa.Integer(), sa.ForeignKey("lti_platforms.id"), nullable=False),
        sa.Column("deployment_id", sa.String(255), nullable=False),
        sa.Column("context_pk", sa.Integer(), sa.ForeignKey("lti_contexts.id"), nullable=True),
        sa.Column("resource_link_id", sa.String(255), nullable=False),
        sa.Column("quiz_id", sa.String(80), sa.ForeignKey("quizzes.id"), nullable=True),
        sa.Column("lineitem_url", sa.String(1000), nullable=True),
        sa.Column("lineitems_url", sa.String(1000), nullable=True),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("platform_pk", "resource_link_id", name="uq_lti_resource_link"),
    )
    op.create_index("ix_lti_resource_links_quiz_id", "lti_resource_links", ["quiz_id"])
    op.create_table(
        "lti_link_users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("link_pk", sa.Integer(), sa.ForeignKey("lti_resource_links.id"), nullable=False),
        sa.Column("user_pk", sa.Integer(), sa.ForeignKey("lti_users.id"), nullable=False),
        sa.UniqueConstraint("link_pk", "user_pk", name="uq_lti_link_user"),
    )
    op.create_index("ix_lti_link_users_user_pk", "lti_link_users", ["user_pk"])
    op.create_table(
        "lti_deep_links",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("platform_pk", sa.Integer(), sa.ForeignKey("lti_platforms.id"), nullable=False),
        sa.Column("deployment_id", sa.String(255), nullable=False),
        sa.Column("return_url", sa.String(1000), nullable=False),
        sa.Column("data", sa.Text(), nullable=True),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
    )
    op.create_table(
        "lti_grade_posts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("attempt_pk", sa.Integer(), sa.ForeignKey("attempts.id"), nullable=False),
        sa.Column("link_pk", sa.Integer(), sa.ForeignKey("lti_resource_links.id"), nullable=False),
        sa.Column("user_pk", sa.Integer(), sa.ForeignKey("lti_users.id"), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("lease_until", UTCDateTime(), nullable=True),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("last_error", sa.String(1000), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("attempt_pk", "link_pk", "revision", name="uq_lti_grade_post"),
    )
    op.create_index("ix_lti_grade_posts_attempt_pk", "lti_grade_posts", ["attempt_pk"])
    op.create_index("ix_lti_grade_posts_status", "lti_grade_posts", ["status"])
    op.create_index("ix_lti_grade_posts_due_at", "lti_grade_posts", ["due_at"])


def downgrade() -> None:
    for table in ("lti_grade_posts", "lti_deep_links", "lti_link_users", "lti_resource_links", "lti_memberships",
                  "lti_contexts", "lti_users", "lti_registration_codes", "lti_nonces", "lti_login_states",
                  "lti_tool_keys", "lti_deployments", "lti_platforms"):
        op.drop_table(table)
