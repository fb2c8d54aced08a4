"""Check queries: vehicles and list entries for many plates at once; the audit log, written in bulk and searched."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Row, insert, select, text
from sqlalchemy.orm import Session

from shared.pagination import Page, keyset_page
from shared.timeutil import day_bounds
from vehicles.models import CheckLog, PhaseoutPlan, Vehicle


def vehicles_by_plate(session: Session, plates: Iterable[str]) -> dict[str, list[Row[Any]]]:
    """Registered vehicles with these normalised plates (any colour), by plate, as plain rows (read-only, fast)."""
    plates = sorted(set(plates))
    out: dict[str, list[Row[Any]]] = {}
    if plates:
        for vehicle in session.execute(select(Vehicle.__table__).where(Vehicle.plate.in_(plates))):
            out.setdefault(vehicle.plate, []).append(vehicle)
    return out


def plans_with_deadlines(session: Session) -> list[PhaseoutPlan]:
    """Phase-out plans that set a deadline (only those can be overdue)."""
    return list(session.scalars(select(PhaseoutPlan).where(PhaseoutPlan.deadline.is_not(None))))


def relax_commit(session: Session) -> None:
    """Let this transaction commit without waiting for its WAL flush (PostgreSQL).

    A check only appends audit rows: waiting for the disk would double the answer's latency, and a database
    crash can lose at most the last fraction of a second of audit rows (never corrupt them, never affect data
    other transactions wrote). Every other write in the service keeps the default synchronous commit.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))


LOG_COLUMNS = ("checked_at", "actor", "role", "batch_id", "query_raw", "plate", "plate_colour", "valid", "found",
               "blacklisted", "banned", "answer")


def write_log(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Append audit rows in one statement (COPY on PostgreSQL for a bulk check: it costs less than the answers)."""
    if not rows:
        return
    if len(rows) > 50 and session.get_bind().dialect.name == "postgresql":
        from vehicles.daos.imports import copy_rows

        copy_rows(session, CheckLog.__tablename__, LOG_COLUMNS,
                  ([*(row[c] for c in LOG_COLUMNS[:-1]), json.dumps(row["answer"], ensure_ascii=False)]
                   for row in rows))
    else:
        session.connection().execute(insert(CheckLog.__table__), list(rows))


def search_log(session: Session, filters: dict[str, Any], limit: int, cursor: str | None) -> Page[CheckLog]:
    """Audit rows by actor, plate, city days, outcome; oldest first."""
    query = select(CheckLog)
    for name in ("actor", "plate", "plate_colour", "batch_id", "banned", "blacklisted", "found"):
        if filters.get(name) is not None:
            query = query.where(getattr(CheckLog, name) == filters[name])
    start: date | None = filters.get("from_day")
    end: date | None = filters.get("to_day")
    if start is not None:
        query = query.where(CheckLog.checked_at >= day_bounds(start)[0])
    if end is not None:
        query = query.where(CheckLog.checked_at < day_bounds(end)[1])
    return keyset_page(session, query, [CheckLog.id], limit, cursor)
