"""The vehicle registry: one row per plate + colour, and its append-only dated history."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import UTCDateTime, utcnow
from vehicles.models.base import Base, HistoryEntry


class Vehicle(Base):
    """A registered vehicle (机动车), identified by its normalised plate and plate colour."""

    __tablename__ = "vehicle"
    __table_args__ = (
        UniqueConstraint("plate", "plate_colour"),
        Index("ix_vehicle_body_type_registration_date", "body_type", "registration_date"),
        Index("ix_vehicle_fuel_vehicle_class_operating", "fuel", "vehicle_class", "operating"),
        # Partial: a vehicle has one kind of owner, and indexing the other kind's NULLs costs every insert.
        *(
            Index(f"ix_vehicle_{column}", column, postgresql_where=text(f"{column} IS NOT NULL"),
                  sqlite_where=text(f"{column} IS NOT NULL"))
            for column in ("owner_uscc", "owner_person_hash")
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plate: Mapped[str] = mapped_column(String(12))
    plate_colour: Mapped[str] = mapped_column(String(16))
    plate_raw: Mapped[str] = mapped_column(String(40))
    vin: Mapped[str | None] = mapped_column(String(17))
    vehicle_class: Mapped[str] = mapped_column(String(8))
    body_type: Mapped[str] = mapped_column(String(20))
    fuel: Mapped[str] = mapped_column(String(20))
    emission_stage: Mapped[str | None] = mapped_column(String(10))
    # True when emission_stage came from the inference table, not from the registration record.
    stage_inferred: Mapped[bool] = mapped_column(Boolean, default=False)
    inference_rule_id: Mapped[int | None] = mapped_column(Integer)
    operating: Mapped[bool] = mapped_column(Boolean)
    owner_uscc: Mapped[str | None] = mapped_column(String(18))
    # A person owner's id is never stored: only a keyed hash (to find their vehicles) and its last 4 characters.
    owner_person_hash: Mapped[str | None] = mapped_column(String(64))
    owner_person_tail: Mapped[str | None] = mapped_column(String(4))
    district_code: Mapped[str] = mapped_column(String(6), index=True)
    registration_date: Mapped[date] = mapped_column(Date)
    scrap_deadline: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    status_date: Mapped[date] = mapped_column(Date)
    # Derived from the status history so that "as of a date" questions are one indexed scan:
    out_of_service_on: Mapped[date | None] = mapped_column(Date)  # stopped being active (any non-active status)
    left_on: Mapped[date | None] = mapped_column(Date)  # scrapped, deregistered or transferred out
    prior_stage: Mapped[str | None] = mapped_column(String(10))  # stage before the latest upgrade
    stage_upgraded_on: Mapped[date | None] = mapped_column(Date)
    # The vehicle this one replaced (更新), if the registration says so; kept as a key, it may be unknown here.
    replaces_plate: Mapped[str | None] = mapped_column(String(12))
    replaces_plate_colour: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class VehicleEvent(HistoryEntry, Base):
    """One dated entry of a vehicle's history (status change, stage upgrade); rows are never updated or deleted."""

    __tablename__ = "vehicle_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicle.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # status_changed | stage_upgraded
