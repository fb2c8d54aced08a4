"""Video segments, legal holds and the purge log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from gatecontrol.models.base import Base
from shared.db import UTCDateTime, utcnow


class VideoSegment(Base):
    """A stored stretch of a camera's video; the bytes live in the storage backend at storage_uri."""

    __tablename__ = "video_segment"
    __table_args__ = (Index("ix_video_segment_site_id_starts_at", "site_id", "starts_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[str] = mapped_column(String(32))
    camera_id: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_uri: Mapped[str] = mapped_column(String(500), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LegalHold(Base):
    """Records under investigation, never purged: a site, a plate, or a time range (any combination)."""

    __tablename__ = "legal_hold"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[str | None] = mapped_column(String(32))
    plate: Mapped[str | None] = mapped_column(String(16))
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PurgeLog(Base):
    """One row per purge step: what was deleted, the range, how many, when and by whom."""

    __tablename__ = "purge_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    what: Mapped[str] = mapped_column(String(40))  # ledger | video | passage_key
    range_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    range_to: Mapped[datetime] = mapped_column(UTCDateTime)
    method: Mapped[str] = mapped_column(String(40))  # drop_partition | delete
    count: Mapped[int] = mapped_column(BigInteger)
    held_back: Mapped[int] = mapped_column(BigInteger, default=0)
    run_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    run_by: Mapped[str] = mapped_column(String(200))
