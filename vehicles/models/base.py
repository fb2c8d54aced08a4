"""The declarative base of the vehicles database (its own metadata and naming convention)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import UTCDateTime, new_metadata, utcnow


class Base(DeclarativeBase):
    """Declarative base of the vehicles tables."""
    metadata = new_metadata()


class HistoryEntry:
    """The columns every append-only history row shares (vehicle_event, machine_event): what changed on which
    day, from what to what, why, and who recorded it when."""

    effective_date: Mapped[date] = mapped_column(Date)
    from_value: Mapped[str | None] = mapped_column(String(20))
    to_value: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(200))
