"""enterprises, targets, declarations

Revision ID: rail_0002
Revises: rail_0001
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "rail_0002"
down_revision: str | None = "rail_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "enterprise",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("industry", sa.String(length=20), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("city_code", sa.String(length=6), nullable=False),
        sa.Column("urban_fringe", sa.Boolean(), nullable=False),
        sa.Column("siding_status", sa.String(length=20), nullable=False),
        sa.Column("annual_bulk_tonnes", sa.Numeric(precision=16, scale=3), nullable=False),
        sa.Column("ultra_low_status", sa.String(length=20), nullable=False),
        sa.Column("site_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise")),
        sa.UniqueConstraint("uscc", name=op.f("uq_enterprise_uscc")),
    )
    with op.batch_alter_table("enterprise", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enterprise_city_code"), ["city_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_enterprise_district_code"), ["district_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_enterprise_industry"), ["industry"], unique=False)

    op.create_table(
        "parameter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("value", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("unit", sa.String(length=30), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("effective_to", sa.Date(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parameter")),
        sa.UniqueConstraint("code", "effective_from", name=op.f("uq_parameter_code_effective_from")),
    )
    op.create_table(
        "ratio_definition",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_zh", sa.String(length=100), nullable=False),
        sa.Column("numerator_modes", sa.JSON(), nullable=False),
        sa.Column("denominator_modes", sa.JSON(), nullable=True),
        sa.Column("goods", sa.JSON(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_ratio_definition")),
    )
    op.create_table(
        "declaration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("official", sa.Boolean(), nullable=False),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reconciliation_status", sa.String(length=20), nullable=True),
        sa.Column("reconciliation_as_of", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reconciliation", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprise.id"], name=op.f("fk_declaration_enterprise_id_enterprise")
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"], ["declaration.id"], name=op.f("fk_declaration_supersedes_id_declaration")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_declaration")),
        sa.UniqueConstraint(
            "enterprise_id", "month", "version", name=op.f("uq_declaration_enterprise_id_month_version")
        ),
    )
    with op.batch_alter_table("declaration", schema=None) as batch_op:
        batch_op.create_index("ix_declaration_month_official", ["month", "official"], unique=False)
        batch_op.create_index("ix_declaration_status_submitted_at", ["status", "submitted_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_declaration_uscc"), ["uscc"], unique=False)

    op.create_table(
        "target",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("rule_code", sa.String(length=100), nullable=False),
        sa.Column("jurisdiction", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("ratio_code", sa.String(length=40), nullable=True),
        sa.Column("goods", sa.JSON(), nullable=True),
        sa.Column("directions", sa.JSON(), nullable=True),
        sa.Column("industries", sa.JSON(), nullable=True),
        sa.Column("siding_statuses", sa.JSON(), nullable=True),
        sa.Column("ultra_low_statuses", sa.JSON(), nullable=True),
        sa.Column("urban_fringe", sa.Boolean(), nullable=True),
        sa.Column("threshold", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("effective_from", sa.Date(), nullable=True),
        sa.Column("effective_to", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ratio_code"], ["ratio_definition.code"], name=op.f("fk_target_ratio_code_ratio_definition")
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_target")),
    )
    op.create_table(
        "declaration_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("goods", sa.String(length=20), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("tonnes", sa.Numeric(precision=16, scale=3), nullable=False),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declaration.id"],
            name=op.f("fk_declaration_line_declaration_id_declaration"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_declaration_line")),
        sa.UniqueConstraint(
            "declaration_id",
            "direction",
            "goods",
            "mode",
            name=op.f("uq_declaration_line_declaration_id_direction_goods_mode"),
        ),
    )
    op.create_table(
        "transition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("actor_role", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declaration.id"],
            name=op.f("fk_transition_declaration_id_declaration"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transition")),
    )
    with op.batch_alter_table("transition", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transition_declaration_id"), ["declaration_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("transition", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transition_declaration_id"))

    op.drop_table("transition")
    op.drop_table("declaration_line")
    op.drop_table("target")
    with op.batch_alter_table("declaration", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_declaration_uscc"))
        batch_op.drop_index("ix_declaration_status_submitted_at")
        batch_op.drop_index("ix_declaration_month_official")

    op.drop_table("declaration")
    op.drop_table("ratio_definition")
    op.drop_table("parameter")
    with op.batch_alter_table("enterprise", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enterprise_industry"))
        batch_op.drop_index(batch_op.f("ix_enterprise_district_code"))
        batch_op.drop_index(batch_op.f("ix_enterprise_city_code"))

    op.drop_table("enterprise")
