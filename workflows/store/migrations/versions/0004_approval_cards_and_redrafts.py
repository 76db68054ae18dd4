"""What reviewers see of an action, what an agent run wrote, and who edited a draft.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("actions") as batch:
        batch.add_column(
            sa.Column("request_line", sa.String(length=500), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("slack_channel", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("slack_ts", sa.String(length=64), nullable=True))
    with op.batch_alter_table("agent_runs") as batch:
        # Rows written before this revision have no result or transcript to keep.
        batch.add_column(
            sa.Column("result", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )
        batch.add_column(
            sa.Column("context", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )
        batch.add_column(
            sa.Column("transcript", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
    with op.batch_alter_table("drafts") as batch:
        batch.add_column(sa.Column("edited_by", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("run_id", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("version", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("drafts") as batch:
        batch.drop_column("version")
        batch.drop_column("run_id")
        batch.drop_column("edited_by")
    with op.batch_alter_table("agent_runs") as batch:
        batch.drop_column("transcript")
        batch.drop_column("context")
        batch.drop_column("result")
    with op.batch_alter_table("actions") as batch:
        batch.drop_column("slack_ts")
        batch.drop_column("slack_channel")
        batch.drop_column("request_line")
