"""vehicles: initial schema

Revision ID: vehi_0001
Revises: -
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "vehi_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "policy_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("jurisdiction", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("value", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("value_date", sa.Date(), nullable=True),
        sa.Column("unit", sa.String(length=30), nullable=False),
        sa.Column("comparison", sa.String(length=4), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("effective_to", sa.Date(), nullable=True),
        sa.Column("source_document", sa.String(length=200), nullable=False),
        sa.Column("source_item", sa.String(length=100), nullable=False),
        sa.Column("source_file", sa.String(length=200), nullable=True),
        sa.Column("source_excerpt", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_rule")),
        sa.UniqueConstraint(
            "code",
            "jurisdiction",
            "subject",
            "effective_from",
            name=op.f("uq_policy_rule_code_jurisdiction_subject_effective_from"),
        ),
    )
    with op.batch_alter_table("policy_rule", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_policy_rule_code"), ["code"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("policy_rule", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policy_rule_code"))

    op.drop_table("policy_rule")
