"""SyncVehicles: keep the local replica of registry facts and list entries from the vehicles change feed."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from gatecontrol.daos import dialect_insert
from gatecontrol.models import FeedCursor, ListEntry, VehicleFact
from shared.client import service_client
from shared.db import unit_of_work, utcnow
from shared.identifiers import normalise_plate

logger = logging.getLogger(__name__)
FEED = "vehicles.changes"
PAGE = 500
VEHICLE_KINDS = frozenset({"vehicle.upserted", "vehicle.status_changed", "vehicle.stage_changed"})
LIST_KINDS = frozenset({"list_entry.added", "list_entry.lifted"})


@dataclass
class SyncResult:
    pages: int = 0
    applied: int = 0
    ignored: int = 0
    cursor: str | None = None


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def vehicle_row(item: Mapping[str, Any]) -> dict[str, Any]:
    """A replica row from a vehicle change (its `data` is the whole record after the change)."""
    data = item["data"]
    return {
        "plate": normalise_plate(data["plate"]).normalised,
        "plate_colour": data["plate_colour"],
        "vin": data.get("vin"),
        "vehicle_class": data.get("vehicle_class"),
        "fuel": data.get("fuel"),
        "emission_stage": data.get("emission_stage"),
        "stage_inferred": bool(data.get("stage_inferred")),
        "operating": data.get("operating"),
        "owner_uscc": data.get("owner_uscc"),
        "status": data.get("status"),
        "registration_date": _day(data.get("registration_date")),
        "feed_seq": item["seq"],
        "synced_at": utcnow(),
    }


def subject_key(key: Mapping[str, Any]) -> str:
    """How a list entry's subject is keyed locally: 'plate|colour' for vehicles, else the code or uscc."""
    if key.get("subject_type", "vehicle") == "vehicle":
        return f"{normalise_plate(key['plate']).normalised}|{key['plate_colour']}"
    return str(key.get("code") or key.get("uscc"))


def entry_row(item: Mapping[str, Any]) -> dict[str, Any]:
    """A replica row from a list-entry change."""
    data, key = item["data"], item["key"]
    return {
        "entry_id": str(data["entry_id"]),
        "subject_type": key.get("subject_type", "vehicle"),
        "subject_key": subject_key(key),
        "list_kind": data["list_kind"],
        "reason_code": data.get("reason_code"),
        "reason_zh": data.get("reason_zh"),
        "effective_from": _day(data.get("effective_from")),
        "until": _day(data.get("until")),
        "seasonal_scope": data.get("seasonal_scope"),
        "lifted_at": _moment(data.get("lifted_at")),
        "feed_seq": item["seq"],
    }


def _upsert(db_session: Session, model: type, rows: Iterable[dict[str, Any]], keys: list[str]) -> None:
    rows = list(rows)
    if not rows:
        return
    table = model.__table__
    statement = dialect_insert(db_session, table).values(rows)
    columns = {c: statement.excluded[c] for c in rows[0] if c not in keys}
    # A change older than the stored one never overwrites it (a replayed page, or a reset cursor).
    statement = statement.on_conflict_do_update(
        index_elements=keys, set_=columns, where=table.c.feed_seq < statement.excluded.feed_seq
    )
    db_session.execute(statement)


def apply_changes(db_session: Session, items: Iterable[Mapping[str, Any]]) -> tuple[int, int]:
    """Apply a page of feed items (newest per subject wins); returns (applied, ignored). Unknown kinds are ignored."""
    vehicles: dict[tuple[str, str], dict[str, Any]] = {}
    entries: dict[str, dict[str, Any]] = {}
    applied = ignored = 0
    for item in items:
        kind = item.get("kind", "")
        if kind in VEHICLE_KINDS:
            row = vehicle_row(item)
            vehicles[(row["plate"], row["plate_colour"])] = row
        elif kind in LIST_KINDS:
            row = entry_row(item)
            entries[row["entry_id"]] = row
        else:
            ignored += 1
            continue
        applied += 1
    _upsert(db_session, VehicleFact, vehicles.values(), ["plate", "plate_colour"])
    _upsert(db_session, ListEntry, entries.values(), ["entry_id"])
    return applied, ignored


def stored_cursor(db_session: Session) -> str | None:
    row = db_session.get(FeedCursor, FEED)
    return row.cursor if row else None


def sync_vehicles(max_pages: int | None = None) -> SyncResult:
    """Read the feed from the stored cursor until it is drained; each page and its cursor commit together.

    The HTTP call happens outside the transaction, so a slow vehicles service never holds a write lock
    that gate ingestion waits on. Two syncs running at once only repeat idempotent upserts.
    """
    client = service_client("vehicles")
    result = SyncResult()
    while max_pages is None or result.pages < max_pages:
        with unit_of_work() as db_session:
            cursor = stored_cursor(db_session)
        params: dict[str, Any] = {"limit": PAGE}
        if cursor:
            params["after"] = cursor
        page = client.get("/api/v1/changes", params=params)
        with unit_of_work() as db_session:
            applied, ignored = apply_changes(db_session, page["items"])
            row = db_session.get(FeedCursor, FEED) or FeedCursor(feed=FEED, items_applied=0)
            row.cursor = page["next_cursor"]
            row.items_applied = (row.items_applied or 0) + applied
            row.synced_at = utcnow()
            db_session.add(row)
        result.pages += 1
        result.applied += applied
        result.ignored += ignored
        result.cursor = page["next_cursor"]
        if not page.get("has_more"):
            break
    logger.info("vehicle replica synced", extra={"applied": result.applied, "cursor": result.cursor})
    return result
