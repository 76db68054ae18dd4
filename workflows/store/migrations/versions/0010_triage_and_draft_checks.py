"""Triage and draft checks: each app's triage routes and banned phrases, each run's verdicts.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("apps") as batch:
        batch.add_column(sa.Column("triage", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(
            sa.Column("banned_phrases", sa.JSON(), nullable=False, server_default="[]")
        )
    with op.batch_alter_table("agent_runs") as batch:
        batch.add_column(sa.Column("triage_kind", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("triage_reason", sa.String(), nullable=False, server_default=""))
        batch.add_column(sa.Column("triage_by", sa.String(length=10), nullable=True))
        batch.add_column(
            sa.Column("draft_violations", sa.JSON(), nullable=False, server_default="[]")
        )
        batch.add_column(
            sa.Column("redrafted", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("agent_runs") as batch:
        for column in ("redrafted", "draft_violations", "triage_by", "triage_reason"):
            batch.drop_column(column)
        batch.drop_column("triage_kind")
    with op.batch_alter_table("apps") as batch:
        batch.drop_column("banned_phrases")
        batch.drop_column("triage")
