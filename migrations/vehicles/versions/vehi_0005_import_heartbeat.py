"""vehicles: import job heartbeat, spool path and attempt (stale jobs read as interrupted and can be rerun)

Revision ID: vehi_0005
Revises: vehi_0004
Create Date: 2026-11-26 05:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "vehi_0005"
down_revision: str | None = "vehi_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("import_job", schema=None) as batch_op:
        batch_op.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("spool_path", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("attempt", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("import_job", schema=None) as batch_op:
        batch_op.drop_column("attempt")
        batch_op.drop_column("spool_path")
        batch_op.drop_column("heartbeat_at")
