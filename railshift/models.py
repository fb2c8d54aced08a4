"""The railshift service's tables (its own database; no other service reads them)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from shared.db import UTCDateTime, new_metadata, utcnow
from shared.policy import PolicyRuleMixin

TONNES = Numeric(16, 3)


class Base(DeclarativeBase):
    metadata = new_metadata()


class PolicyRule(PolicyRuleMixin, Base):
    """Targets, deadlines and thresholds this service judges against, seeded from policy_rules.yaml."""


class RatioDefinition(Base):
    """What a share counts: which modes are the numerator, over which modes and goods (rail, clean ...)."""

    __tablename__ = "ratio_definition"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    numerator_modes: Mapped[list[str]] = mapped_column(JSON)
    denominator_modes: Mapped[list[str] | None] = mapped_column(JSON)  # null: every mode
    goods: Mapped[list[str] | None] = mapped_column(JSON)  # null: every kind of goods
    source: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)


class Target(Base):
    """Which enterprises a policy rule applies to (its applicability), and which ratio it judges."""

    __tablename__ = "target"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    rule_code: Mapped[str] = mapped_column(String(100))
    jurisdiction: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(30))  # share | siding_obligation
    ratio_code: Mapped[str | None] = mapped_column(ForeignKey("ratio_definition.code"))
    goods: Mapped[list[str] | None] = mapped_column(JSON)  # null: the ratio definition's goods
    directions: Mapped[list[str] | None] = mapped_column(JSON)  # null: both
    industries: Mapped[list[str] | None] = mapped_column(JSON)  # null: any
    siding_statuses: Mapped[list[str] | None] = mapped_column(JSON)
    ultra_low_statuses: Mapped[list[str] | None] = mapped_column(JSON)
    urban_fringe: Mapped[bool | None] = mapped_column(Boolean)
    threshold: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))  # null: the rule's value
    effective_from: Mapped[date | None] = mapped_column(Date)  # null: the rule's own dates
    effective_to: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text)


class Parameter(Base):
    """A dated setting the bureau may change (payload per vehicle class, reconciliation gap threshold)."""

    __tablename__ = "parameter"
    __table_args__ = (UniqueConstraint("code", "effective_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(100))
    value: Mapped[Decimal] = mapped_column(Numeric(18, 4))
    unit: Mapped[str] = mapped_column(String(30))
    effective_from: Mapped[date] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(Text)


class Enterprise(Base):
    """An enterprise that declares its freight (企业), keyed by unified social credit code."""

    __tablename__ = "enterprise"

    id: Mapped[int] = mapped_column(primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    industry: Mapped[str] = mapped_column(String(20), index=True)
    district_code: Mapped[str] = mapped_column(String(6), index=True)
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    urban_fringe: Mapped[bool] = mapped_column(Boolean, default=False)
    siding_status: Mapped[str] = mapped_column(String(20))
    annual_bulk_tonnes: Mapped[Decimal] = mapped_column(TONNES)
    ultra_low_status: Mapped[str] = mapped_column(String(20))
    site_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Declaration(Base):
    """One version of an enterprise's monthly freight declaration (月度运输结构申报)."""

    __tablename__ = "declaration"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "month", "version"),
        Index("ix_declaration_month_official", "month", "official"),
        Index("ix_declaration_status_submitted_at", "status", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM, Asia/Shanghai calendar
    version: Mapped[int] = mapped_column(Integer, default=1)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("declaration.id"))
    status: Mapped[str] = mapped_column(String(20))
    # The approved version official views count: the newest approved version of the enterprise-month.
    official: Mapped[bool] = mapped_column(Boolean, default=False)
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    note: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reconciliation_status: Mapped[str | None] = mapped_column(String(20))
    reconciliation_as_of: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reconciliation: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    enterprise: Mapped[Enterprise] = relationship(lazy="joined")
    lines: Mapped[list[DeclarationLine]] = relationship(
        back_populates="declaration", cascade="all, delete-orphan", order_by="DeclarationLine.id"
    )
    transitions: Mapped[list[Transition]] = relationship(cascade="all, delete-orphan", order_by="Transition.id")


class DeclarationLine(Base):
    """Tonnes of one kind of goods moved one way by one mode in the declared month."""

    __tablename__ = "declaration_line"
    __table_args__ = (UniqueConstraint("declaration_id", "direction", "goods", "mode"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declaration.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(10))
    goods: Mapped[str] = mapped_column(String(20))
    mode: Mapped[str] = mapped_column(String(20))
    tonnes: Mapped[Decimal] = mapped_column(TONNES)

    declaration: Mapped[Declaration] = relationship(back_populates="lines")


class Transition(Base):
    """One step of a declaration's review, with who took it, when and why (the audit trail)."""

    __tablename__ = "transition"

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declaration.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(200))
    actor_role: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    comment: Mapped[str | None] = mapped_column(Text)
    reasons: Mapped[list[str] | None] = mapped_column(JSON)
