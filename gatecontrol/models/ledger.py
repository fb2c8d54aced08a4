"""The electronic ledger (passages and their idempotency keys) and the registry replica."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Index,
    Numeric,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from gatecontrol.models.base import Base
from shared.db import UTCDateTime, utcnow

# ---- passages (the electronic ledger) ------------------------------------------------------------


class PassageKey(Base):
    """The idempotency index: one row per (site, event_id), outside the month-partitioned ledger.

    A partitioned table's unique key must contain the partition column (captured_at), so the ledger
    itself cannot refuse a second event_id with another time; this small table can.
    """

    __tablename__ = "passage_key"

    site_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    captured_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    fingerprint: Mapped[str] = mapped_column(String(64))


class Passage(Base):
    """One vehicle passing a gate (进出厂记录), with the registry facts at capture time (enrichment snapshot).

    On PostgreSQL the table is range-partitioned by month of captured_at (see the migration).
    """

    __tablename__ = "passage"
    __table_args__ = (
        Index("ix_passage_site_id_captured_at", "site_id", "captured_at"),
        Index("ix_passage_plate_captured_at", "plate", "captured_at"),
        {"postgresql_partition_by": "RANGE (captured_at)"},
    )

    captured_at: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    site_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    gate_id: Mapped[str] = mapped_column(String(64))
    direction: Mapped[str] = mapped_column(String(3))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    backfill: Mapped[bool] = mapped_column(Boolean, default=False)
    fingerprint: Mapped[str] = mapped_column(String(64))
    # what the gate sent (national guide table 3 and deployed systems' extra fields)
    plate: Mapped[str] = mapped_column(String(16))  # normalised
    plate_raw: Mapped[str | None] = mapped_column(String(32))
    plate_colour: Mapped[str] = mapped_column(String(12))
    plate_complete: Mapped[bool] = mapped_column(Boolean)
    vin: Mapped[str | None] = mapped_column(String(17))
    engine_no: Mapped[str | None] = mapped_column(String(40))
    registration_date: Mapped[date | None] = mapped_column(Date)
    reported_stage: Mapped[str | None] = mapped_column(String(10))  # china_4 ...; "electric" for the guide's D
    reported_fuel: Mapped[str | None] = mapped_column(String(20))
    reported_vehicle_type: Mapped[str | None] = mapped_column(String(40))
    goods: Mapped[str | None] = mapped_column(String(100))
    quantity_t: Mapped[Decimal | None] = mapped_column(Numeric(10, 1))
    carrier: Mapped[str | None] = mapped_column(String(200))
    photos: Mapped[list[str]] = mapped_column(JSON, default=list)
    # enrichment snapshot: the registry replica's facts when the passage was stored
    vehicle_known: Mapped[bool] = mapped_column(Boolean)
    registry_stage: Mapped[str | None] = mapped_column(String(10))
    registry_stage_inferred: Mapped[bool | None] = mapped_column(Boolean)
    registry_fuel: Mapped[str | None] = mapped_column(String(20))
    registry_class: Mapped[str | None] = mapped_column(String(8))
    blacklisted: Mapped[bool] = mapped_column(Boolean, default=False)
    banned_reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    # what the ledger is judged by: the registry's fact when known, else the gate's
    stage: Mapped[str | None] = mapped_column(String(10))
    fuel: Mapped[str | None] = mapped_column(String(20))
    vehicle_class: Mapped[str | None] = mapped_column(String(8))
    stage_mismatch: Mapped[bool] = mapped_column(Boolean, default=False)
    fuel_mismatch: Mapped[bool] = mapped_column(Boolean, default=False)

    @property
    def flags(self) -> list[str]:
        """The findings this record carries, by name (as the ledger's `flag` filter takes them)."""
        from gatecontrol.rules import passage_flags

        return passage_flags({c: getattr(self, c) for c in FLAG_COLUMNS})


FLAG_COLUMNS = ("plate_complete", "vehicle_known", "stage_mismatch", "fuel_mismatch", "blacklisted", "backfill")


# ---- registry replica (fed by the vehicles change feed) -------------------------------------------


class VehicleFact(Base):
    """The local replica of a vehicle's registry facts, upserted from the vehicles change feed."""

    __tablename__ = "vehicle_fact"

    plate: Mapped[str] = mapped_column(String(16), primary_key=True)
    plate_colour: Mapped[str] = mapped_column(String(12), primary_key=True)
    vin: Mapped[str | None] = mapped_column(String(17))
    vehicle_class: Mapped[str | None] = mapped_column(String(8))
    fuel: Mapped[str | None] = mapped_column(String(20))
    emission_stage: Mapped[str | None] = mapped_column(String(10))
    stage_inferred: Mapped[bool] = mapped_column(Boolean, default=False)
    operating: Mapped[bool | None] = mapped_column(Boolean)
    owner_uscc: Mapped[str | None] = mapped_column(String(18))
    status: Mapped[str | None] = mapped_column(String(20))
    registration_date: Mapped[date | None] = mapped_column(Date)
    feed_seq: Mapped[int] = mapped_column(BigInteger)
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ListEntry(Base):
    """A blacklist / key-supervision entry (黑名单 / 重点监管) replicated from the vehicles change feed."""

    __tablename__ = "list_entry"
    __table_args__ = (Index("ix_list_entry_subject", "subject_type", "subject_key"),)

    entry_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(20))  # vehicle | machinery | enterprise
    subject_key: Mapped[str] = mapped_column(String(64))  # "plate|colour", machine code or uscc
    list_kind: Mapped[str] = mapped_column(String(20))  # blacklist | key_supervision
    reason_code: Mapped[str | None] = mapped_column(String(60))
    reason_zh: Mapped[str | None] = mapped_column(String(300))
    effective_from: Mapped[date | None] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date)
    seasonal_scope: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    feed_seq: Mapped[int] = mapped_column(BigInteger)


class FeedCursor(Base):
    """Where a change-feed reader stopped, so the next run resumes there."""

    __tablename__ = "feed_cursor"

    feed: Mapped[str] = mapped_column(String(40), primary_key=True)
    cursor: Mapped[str | None] = mapped_column(String(100))
    items_applied: Mapped[int] = mapped_column(BigInteger, default=0)
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
