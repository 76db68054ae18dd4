"""Sent replies beside the agent's drafts, and the agent's text of a draft a person rewrote.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("drafts") as batch:
        batch.add_column(sa.Column("agent_body", sa.String(), nullable=True))
    op.create_table(
        "sent_drafts",
        sa.Column("draft_id", sa.String(length=64), nullable=False),
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("conversation_id", sa.String(length=64), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=True),
        sa.Column("agent_text", sa.String(), nullable=False),
        sa.Column("sent_text", sa.String(), nullable=False),
        sa.Column("edit_ratio", sa.Float(), nullable=False),
        sa.Column("sent_by", sa.String(length=320), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("draft_id"),
    )
    with op.batch_alter_table("sent_drafts") as batch:
        batch.create_index(batch.f("ix_sent_drafts_app_id"), ["app_id"], unique=False)
        batch.create_index(
            batch.f("ix_sent_drafts_conversation_id"), ["conversation_id"], unique=False
        )
        batch.create_index(batch.f("ix_sent_drafts_sent_at"), ["sent_at"], unique=False)


def downgrade() -> None:
    op.drop_table("sent_drafts")
    with op.batch_alter_table("drafts") as batch:
        batch.drop_column("agent_body")
