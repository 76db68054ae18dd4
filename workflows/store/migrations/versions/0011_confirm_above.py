"""The sum above which the console asks a reviewer to confirm an approval, per app.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("apps") as batch:
        batch.add_column(
            sa.Column("confirm_above_cents", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("apps") as batch:
        batch.drop_column("confirm_above_cents")
