"""The change log: append under a feed-wide lock so seq order is commit order; read after a cursor."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from operator import attrgetter
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from shared.db import utcnow
from vehicles.models import ChangeLog, Vehicle

# pg_advisory_xact_lock key of the feed ('lantian' + 1): every appender takes it, so seq order = commit order.
FEED_LOCK_KEY = 0x6C616E7469616E01


def lock_feed(session: Session) -> None:
    """Serialise appenders until this transaction ends (SQLite's BEGIN IMMEDIATE already does)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": FEED_LOCK_KEY})


def append_changes(session: Session, changes: Sequence[tuple[str, dict[str, Any], dict[str, Any]]]) -> list[int]:
    """Append (kind, key, data) items; returns their seq numbers."""
    if not changes:
        return []
    lock_feed(session)
    last = session.scalar(select(func.coalesce(func.max(ChangeLog.seq), 0)))
    now = utcnow()
    rows = [
        {"seq": last + i, "kind": kind, "key": key, "data": data, "changed_at": now}
        for i, (kind, key, data) in enumerate(changes, start=1)
    ]
    if len(rows) > 50 and session.get_bind().dialect.name == "postgresql":
        from vehicles.daos.imports import copy_rows

        columns = ("seq", "kind", "key", "data", "changed_at")
        copy_rows(session, ChangeLog.__tablename__, columns,
                  ([r["seq"], r["kind"], json.dumps(r["key"], ensure_ascii=False),
                    json.dumps(r["data"], ensure_ascii=False), r["changed_at"]] for r in rows))
    else:
        session.connection().execute(insert(ChangeLog.__table__), rows)
    return [row["seq"] for row in rows]


def changes_after(session: Session, after: int, limit: int) -> tuple[list[ChangeLog], bool]:
    """Up to `limit` changes with seq > after, in seq order, and whether more follow."""
    rows = list(
        session.scalars(select(ChangeLog).where(ChangeLog.seq > after).order_by(ChangeLog.seq).limit(limit + 1))
    )
    return rows[:limit], len(rows) > limit


def vehicle_key(vehicle: Vehicle | dict[str, Any]) -> dict[str, str]:
    """The key consumers upsert a vehicle by."""
    if isinstance(vehicle, dict):
        return {"plate": vehicle["plate"], "plate_colour": vehicle["plate_colour"]}
    return {"plate": vehicle.plate, "plate_colour": vehicle.plate_colour}


RECORD_FIELDS = (
    "plate", "plate_raw", "plate_colour", "vin", "vehicle_class", "body_type", "fuel", "emission_stage",
    "stage_inferred", "operating", "owner_uscc", "district_code", "registration_date", "scrap_deadline",
    "status", "status_date",
)  # fmt: skip


_RECORD_VALUES = attrgetter(*RECORD_FIELDS)
_RECORD_DATES = ("registration_date", "scrap_deadline", "status_date")


def vehicle_record(vehicle: Vehicle | dict[str, Any] | Any) -> dict[str, Any]:
    """The whole vehicle as the change feed carries it (contract §3); a person owner's id never leaves.

    Takes a model, a dict, a Core row or a named tuple (read-only paths such as the police check fetch rows:
    cheaper). Attributes are read in one C call: a bulk check builds a thousand records.
    """
    if hasattr(vehicle, "_mapping"):
        vehicle = vehicle._mapping
    if hasattr(vehicle, "get"):
        record = {name: vehicle.get(name) for name in RECORD_FIELDS}
    else:
        record = dict(zip(RECORD_FIELDS, _RECORD_VALUES(vehicle), strict=True))
    for name in _RECORD_DATES:
        value = record[name]
        if isinstance(value, date):
            record[name] = value.isoformat()
    record["stage_inferred"] = bool(record["stage_inferred"])
    record["operating"] = bool(record["operating"])
    return record
