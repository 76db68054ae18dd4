"""Which approval run took an action's outcome up, so a decision is carried out exactly once.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("actions") as batch:
        batch.add_column(sa.Column("taken_up_by", sa.String(length=64), nullable=True))
    # Outcomes settled before this revision were handled by their runs: nothing to take over.
    op.execute(
        "UPDATE actions SET taken_up_by = 'before-0006' "
        "WHERE status NOT IN ('pending', 'approved', 'auto')"
    )


def downgrade() -> None:
    with op.batch_alter_table("actions") as batch:
        batch.drop_column("taken_up_by")
