"""vehicles: the owner indexes cover only vehicles with that kind of owner (partial), so an insert stops
paying for the NULLs of the other kind

Revision ID: vehi_0006
Revises: vehi_0005
Create Date: 2026-11-26 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "vehi_0006"
down_revision: str | None = "vehi_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("owner_uscc", "owner_person_hash")


def upgrade() -> None:
    for column in COLUMNS:
        op.drop_index(f"ix_vehicle_{column}", table_name="vehicle")
        where = sa.text(f"{column} IS NOT NULL")
        op.create_index(f"ix_vehicle_{column}", "vehicle", [column], postgresql_where=where, sqlite_where=where)


def downgrade() -> None:
    for column in COLUMNS:
        op.drop_index(f"ix_vehicle_{column}", table_name="vehicle")
        op.create_index(f"ix_vehicle_{column}", "vehicle", [column])
