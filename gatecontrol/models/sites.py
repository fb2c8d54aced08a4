"""Sites, gates (with heartbeats), cameras and gate keys."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import (
    Boolean,
    ForeignKeyConstraint,
    String,
    Time,
)
from sqlalchemy.orm import Mapped, mapped_column

from gatecontrol.models.base import Base
from shared.db import UTCDateTime, utcnow


class Site(Base):
    """A key vehicle-using unit's plant (重点用车单位厂区) whose gates post passages."""

    __tablename__ = "site"

    site_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    name: Mapped[str] = mapped_column(String(200))
    industry: Mapped[str] = mapped_column(String(40))
    district_code: Mapped[str] = mapped_column(String(6), index=True)
    key_user: Mapped[bool] = mapped_column(Boolean, default=True)
    # plan 002 item 3: a listed development-zone plant that missed its clean-transport retrofit
    dev_zone_listed: Mapped[bool] = mapped_column(Boolean, default=False)
    address: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Gate(Base):
    """A gate (门禁) of a site; its last heartbeat (the last passage is read from the ledger)."""

    __tablename__ = "gate"
    __table_args__ = (ForeignKeyConstraint(["site_id"], ["site.site_id"]),)

    site_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    gate_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    direction: Mapped[str] = mapped_column(String(4))  # in | out | both
    opens_at: Mapped[time | None] = mapped_column(Time)  # null: operates around the clock
    closes_at: Mapped[time | None] = mapped_column(Time)
    last_heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class GateHeartbeat(Base):
    """A minute in which a gate said it was alive (history for the completeness report's silent gaps)."""

    __tablename__ = "gate_heartbeat"

    site_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    gate_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    minute: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)


class Camera(Base):
    """A video camera of a site, optionally watching one gate."""

    __tablename__ = "camera"
    __table_args__ = (ForeignKeyConstraint(["site_id"], ["site.site_id"]),)

    site_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    camera_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    gate_id: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class GateKey(Base):
    """A site's gate key: only its SHA-256 is kept; several may be active at once while rotating."""

    __tablename__ = "gate_key"
    __table_args__ = (ForeignKeyConstraint(["site_id"], ["site.site_id"]),)

    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    site_id: Mapped[str] = mapped_column(String(32), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # set when rotated out, after an overlap
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(500))
