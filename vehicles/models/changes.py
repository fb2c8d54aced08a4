"""The change log behind GET /api/v1/changes: every change to vehicle facts, numbered in commit order."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import UTCDateTime, utcnow
from vehicles.models.base import Base


class ChangeLog(Base):
    """One change: its kind (vehicle.upserted, vehicle.status_changed, later list_entry.*), key and whole record."""

    __tablename__ = "change_log"

    # Allocated as max(seq)+1 under a feed-wide lock (see daos.changes), never by a sequence, so seq order is
    # commit order.
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(40))
    key: Mapped[dict[str, Any]] = mapped_column(JSON)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
