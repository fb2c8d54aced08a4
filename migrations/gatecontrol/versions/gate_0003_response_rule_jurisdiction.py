"""response rules carry a jurisdiction (the issuing government's division code) and its issuer

Revision ID: gate_0003
Revises: gate_0002
Create Date: 2026-11-26 04:10:00

Rules stored before this revision had none, so every rule bound every site (a Shijiazhuang rule judged
Linfen plants). The two shipped rules get the division of the government that issued them; a rule a
bureau posted gets the city this deployment serves (LANTIAN_CITY_CODE, default 141000 Linfen), whose
environment bureau is the only one that can post rules here.
"""

import os
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "gate_0003"
down_revision: str | None = "gate_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SHIPPED = {
    "alert.bulk_diesel_china4_or_below.shijiazhuang_2019": ("130100", "石家庄市人民政府"),
    "season.dev_zone_no_fuel_or_gas_vehicles.linfen_2024": ("141000", "临汾市人民政府办公室"),
}


def upgrade() -> None:
    with op.batch_alter_table("response_rule", schema=None) as batch_op:
        batch_op.add_column(sa.Column("jurisdiction", sa.String(length=6), nullable=True))
        batch_op.add_column(sa.Column("issuer", sa.String(length=200), nullable=True))
    rule = sa.table(
        "response_rule", sa.column("code", sa.String), sa.column("jurisdiction", sa.String),
        sa.column("issuer", sa.String),
    )  # fmt: skip
    for code, (jurisdiction, issuer) in SHIPPED.items():
        op.execute(rule.update().where(rule.c.code == code).values(jurisdiction=jurisdiction, issuer=issuer))
    city = os.environ.get("LANTIAN_CITY_CODE") or "141000"
    op.execute(rule.update().where(rule.c.jurisdiction.is_(None)).values(jurisdiction=city))
    with op.batch_alter_table("response_rule", schema=None) as batch_op:
        batch_op.alter_column("jurisdiction", existing_type=sa.String(length=6), nullable=False)
        batch_op.create_index(batch_op.f("ix_response_rule_jurisdiction"), ["jurisdiction"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("response_rule", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_response_rule_jurisdiction"))
        batch_op.drop_column("issuer")
        batch_op.drop_column("jurisdiction")
