"""Structured policy data: the stage inference table and the phase-out plans, each citing its source."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vehicles.models.base import Base


class StageInferenceRule(Base):
    """Registered in [registered_from, registered_to) with one of `fuels` and `classes` -> at least this stage."""

    __tablename__ = "stage_inference_rule"
    __table_args__ = (UniqueConstraint("fuels", "classes", "registered_from"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fuels: Mapped[str] = mapped_column(String(200))  # comma-separated Fuel values
    classes: Mapped[str] = mapped_column(String(100))  # comma-separated VehicleClass values
    registered_from: Mapped[date | None] = mapped_column(Date)
    registered_to: Mapped[date | None] = mapped_column(Date)  # exclusive
    emission_stage: Mapped[str] = mapped_column(String(10))
    source_document: Mapped[str] = mapped_column(String(200))
    source_item: Mapped[str] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(Text)


class PhaseoutPlan(Base):
    """A plan to eliminate old diesel trucks: scope, baseline date, deadline, yearly quotas and its source."""

    __tablename__ = "phaseout_plan"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(80), unique=True)
    jurisdiction: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(300))
    max_stage: Mapped[str] = mapped_column(String(10))  # in scope: stage at most this
    fuels: Mapped[str] = mapped_column(String(200))
    classes: Mapped[str] = mapped_column(String(100))
    operating_only: Mapped[bool] = mapped_column(Boolean)
    baseline_date: Mapped[date] = mapped_column(Date)
    deadline: Mapped[date | None] = mapped_column(Date)  # null: the plan sets none ("accelerate")
    quotas: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    effective_from: Mapped[date] = mapped_column(Date)  # the plan's own validity, as its policy rules carry it
    effective_to: Mapped[date | None] = mapped_column(Date)  # [{"year": 2020, "count": 500, "source_item": ...}]
    source_document: Mapped[str] = mapped_column(String(200))
    source_item: Mapped[str] = mapped_column(String(100))
    source_file: Mapped[str | None] = mapped_column(String(200))
    source_excerpt: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
