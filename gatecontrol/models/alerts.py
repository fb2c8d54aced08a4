"""Heavy-pollution alerts and the response rules they put in force."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from gatecontrol.models.base import Base
from shared.db import UTCDateTime, utcnow


class Alert(Base):
    """A heavy-pollution weather alert (重污染天气预警) declared by the environment bureau."""

    __tablename__ = "alert"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_key: Mapped[str] = mapped_column(String(64), unique=True)  # the issuer's number, for safe retries
    level: Mapped[str] = mapped_column(String(8))  # blue | yellow | orange | red
    area: Mapped[str] = mapped_column(String(6))  # division code; a city code covers its districts
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    authority: Mapped[str] = mapped_column(String(200))
    declared_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ResponseRule(Base):
    """What a gate must refuse during an alert (or a campaign season), citing the plan that says so."""

    __tablename__ = "response_rule"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(100), unique=True)
    # where the rule binds: the issuing government's division (a province, city or district code)
    jurisdiction: Mapped[str] = mapped_column(String(6), index=True)
    issuer: Mapped[str | None] = mapped_column(String(200))  # that government, as the document names it
    min_level: Mapped[str | None] = mapped_column(String(8))  # null: applies in season, alert or not
    season_from: Mapped[str | None] = mapped_column(String(5))  # MM-DD, with season_to: the campaign season
    season_to: Mapped[str | None] = mapped_column(String(5))
    directions: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: in and out
    fuels: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: any fuel
    max_stage: Mapped[str | None] = mapped_column(String(10))  # this stage and older
    goods_keywords: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: any goods
    industries: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: any site
    dev_zone_listed_only: Mapped[bool] = mapped_column(Boolean, default=False)
    heavy_trucks_only: Mapped[bool] = mapped_column(Boolean, default=False)
    effective_from: Mapped[date] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date)
    source_document: Mapped[str] = mapped_column(String(200))
    source_item: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text)
