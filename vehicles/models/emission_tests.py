"""Emission test results of vehicles (annual inspection, roadside, remote sensing, OBD); never edited."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import UTCDateTime, utcnow
from vehicles.models.base import Base


class EmissionTest(Base):
    """One test of one vehicle, keyed by the testing body's report number (a resent result is the same row)."""

    __tablename__ = "emission_test"
    __table_args__ = (Index("ix_emission_test_vehicle", "plate", "plate_colour", "tested_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    test_ref: Mapped[str] = mapped_column(String(64), unique=True)
    plate: Mapped[str] = mapped_column(String(12))
    plate_colour: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(20))
    tested_on: Mapped[date] = mapped_column(Date, index=True)
    passed: Mapped[bool] = mapped_column(Boolean)
    station: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(200))
