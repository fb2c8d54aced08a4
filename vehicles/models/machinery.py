"""Non-road mobile machinery (非道路移动机械): code registration, dated history, low-emission zones, inspections."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import UTCDateTime, utcnow
from vehicles.models.base import Base, HistoryEntry


class Machine(Base):
    """A registered machine (编码登记), identified by the environmental registration code it was issued."""

    __tablename__ = "machine"
    __table_args__ = (Index("ix_machine_district_code_registered_on", "district_code", "registered_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # as issued, normalised (upper case, no spaces)
    code_format: Mapped[str | None] = mapped_column(String(40))  # which documented format it matched
    machine_type: Mapped[str] = mapped_column(String(16))
    fuel: Mapped[str] = mapped_column(String(10))
    emission_stage: Mapped[str] = mapped_column(String(12))
    engine_model: Mapped[str | None] = mapped_column(String(64))
    engine_number: Mapped[str | None] = mapped_column(String(64))
    product_id: Mapped[str | None] = mapped_column(String(40))  # product identification number (PIN)
    manufacture_date: Mapped[date | None] = mapped_column(Date)
    owner_uscc: Mapped[str] = mapped_column(String(18), index=True)
    site: Mapped[str | None] = mapped_column(String(200))  # where it works (工地 / 厂区 name)
    district_code: Mapped[str] = mapped_column(String(6))
    registered_on: Mapped[date] = mapped_column(Date)  # the day the code was registered (登记日期)
    status: Mapped[str] = mapped_column(String(16))
    status_date: Mapped[date] = mapped_column(Date)
    out_of_service_on: Mapped[date | None] = mapped_column(Date)  # first day not in use (derived from history)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MachineEvent(HistoryEntry, Base):
    """One dated entry of a machine's history (status change, inspection follow-up); never updated or deleted."""

    __tablename__ = "machine_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    machine_id: Mapped[int] = mapped_column(ForeignKey("machine.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # status_changed | follow_up
    inspection_id: Mapped[int | None] = mapped_column(Integer)  # follow_up: the inspection it follows


class LowEmissionZone(Base):
    """A zone where high-emission machinery may not work (禁止使用高排放非道路移动机械区域), from the YAML."""

    __tablename__ = "low_emission_zone"

    zone_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))  # low_emission_zone | city_planning_area
    jurisdiction: Mapped[str] = mapped_column(String(40))
    districts: Mapped[list[str]] = mapped_column(JSON)  # GB/T 2260 codes; empty when only a named area
    area: Mapped[str | None] = mapped_column(Text)  # the named area as the notice describes it
    effective_from: Mapped[date] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date)
    source_document: Mapped[str] = mapped_column(String(200))
    source_item: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)


class SpotCheckPlan(Base):
    """A district's yearly spot-check plan (年度抽查计划): how many machines it means to inspect."""

    __tablename__ = "machine_spot_check_plan"
    __table_args__ = (UniqueConstraint("district_code", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    district_code: Mapped[str] = mapped_column(String(6))
    year: Mapped[int] = mapped_column(Integer)
    planned_count: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))


class MachineInspection(Base):
    """One on-site inspection of a machine: the four checks, the emission test, the follow-up it needs.

    `follow_up` and `follow_up_on` mirror the latest follow_up event in machine_event for fast reads.
    """

    __tablename__ = "machine_inspection"
    __table_args__ = (Index("ix_machine_inspection_district_code_inspected_on", "district_code", "inspected_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection_ref: Mapped[str] = mapped_column(String(64), unique=True)  # the inspecting body's record number
    machine_id: Mapped[int] = mapped_column(ForeignKey("machine.id"), index=True)
    inspected_on: Mapped[date] = mapped_column(Date)
    site: Mapped[str | None] = mapped_column(String(200))
    district_code: Mapped[str] = mapped_column(String(6))
    zone_id: Mapped[str | None] = mapped_column(String(40))  # the zone the site lies in, if any
    on_construction_site: Mapped[bool] = mapped_column(Boolean, default=False)
    # The four checks of the spot-check plan (002 item 16); null = not checked.
    disclosure_ok: Mapped[bool | None] = mapped_column(Boolean)  # 信息公开
    pollution_control_ok: Mapped[bool | None] = mapped_column(Boolean)  # 污染控制装置
    registration_ok: Mapped[bool | None] = mapped_column(Boolean)  # 编码登记
    online_monitoring_ok: Mapped[bool | None] = mapped_column(Boolean)  # 在线监控联网
    emission_tested: Mapped[bool] = mapped_column(Boolean, default=False)
    opacity: Mapped[Decimal | None] = mapped_column(Numeric(8, 3))  # 光吸收系数, m⁻¹
    opacity_limit: Mapped[Decimal | None] = mapped_column(Numeric(8, 3))
    passed: Mapped[bool | None] = mapped_column(Boolean)  # the emission test's verdict
    black_smoke: Mapped[bool] = mapped_column(Boolean, default=False)  # 冒黑烟
    follow_up: Mapped[str | None] = mapped_column(String(16))  # open | repaired | retested_pass | removed | blacklisted
    follow_up_deadline: Mapped[date | None] = mapped_column(Date)
    follow_up_on: Mapped[date | None] = mapped_column(Date)
    lez_violation: Mapped[bool] = mapped_column(Boolean, default=False)
    lez_reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(200))
