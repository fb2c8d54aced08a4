"""The reports service's tables (its own database): every monthly report generated, each version kept."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import UTCDateTime, new_metadata, utcnow


class Base(DeclarativeBase):
    metadata = new_metadata()


class MonthlyReport(Base):
    """One generated monthly report (月度报告) of an area: its data as built, and when its inputs stood.

    Versions are never overwritten: regenerating adds version n+1, so a report once handed out can be
    produced again exactly.
    """

    __tablename__ = "monthly_report"
    __table_args__ = (UniqueConstraint("month", "area", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM, city calendar
    area: Mapped[str] = mapped_column(String(12))  # 'city' or a district division code
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12))  # complete | partial
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    inputs_as_of: Mapped[dict[str, Any]] = mapped_column(JSON)  # {service: as_of of the newest data read}
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))
