"""List-entry queries: by subject, by filters with keyset pagination, an enterprise's own; feed items of an entry."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from shared.errors import NotFound
from shared.pagination import Page, keyset_page
from vehicles.list_terms import SubjectType, reason_zh
from vehicles.models import ListEntry, ListEntryEvent, Vehicle

ADDED = "list_entry.added"
LIFTED = "list_entry.lifted"


def vehicle_subject_key(plate: str, colour: str) -> str:
    """The subject key of a vehicle (the same shape gatecontrol's replica uses)."""
    return f"{plate}|{colour}"


def get_entry(session: Session, entry_id: str, *, for_update: bool = False) -> ListEntry:
    """An entry by id; 404 if none."""
    query = select(ListEntry).where(ListEntry.id == entry_id)
    if for_update:
        query = query.with_for_update()
    entry = session.scalars(query).one_or_none()
    if entry is None:
        raise NotFound(f"no list entry {entry_id!r}")
    return entry


def subject_entries(session: Session, subject_type: str, subject_key: str) -> list[ListEntry]:
    """Every entry ever made about a subject, oldest first."""
    query = (select(ListEntry)
             .where(ListEntry.subject_type == subject_type, ListEntry.subject_key == subject_key)
             .order_by(ListEntry.created_at, ListEntry.id))
    return list(session.scalars(query))


def subject_history(session: Session, subject_type: str, subject_key: str, enterprise: str | None) -> dict[str, Any]:
    """Every entry about a subject with its events (only those an enterprise may see, when one asks)."""
    entries = subject_entries(session, subject_type, subject_key)
    if enterprise:
        entries = [e for e in entries if is_about_enterprise(session, e, enterprise)]
    events = entry_events(session, [e.id for e in entries])
    return {
        "subject_type": subject_type,
        "subject_key": subject_key,
        "entries": [{**{c.key: getattr(e, c.key) for c in e.__table__.columns}, "events": events[e.id]}
                    for e in entries],
    }


def entry_events(session: Session, entry_ids: Iterable[str]) -> dict[str, list[ListEntryEvent]]:
    """The events of the given entries, oldest first, by entry id."""
    ids = list(entry_ids)
    out: dict[str, list[ListEntryEvent]] = {i: [] for i in ids}
    if ids:
        query = select(ListEntryEvent).where(ListEntryEvent.entry_id.in_(ids)).order_by(ListEntryEvent.id)
        for event in session.scalars(query):
            out[event.entry_id].append(event)
    return out


def in_force_on(day: Any) -> Any:
    """The condition of a list entry in force on `day` (a date or a bound parameter): not lifted, started, not ended.

    Seasonal scope is judged apart (list_rules): a seasonal entry is in force all year, banned only in season.
    """
    entry = ListEntry.__table__.c
    return and_(entry.lifted_at.is_(None), entry.effective_from <= day,
                or_(entry.until.is_(None), entry.until >= day))


def search_entries(session: Session, filters: dict[str, Any], limit: int, cursor: str | None) -> Page[ListEntry]:
    """Entries matching the filters, ordered by id (ids are time-ordered); `enterprise` limits to its own."""
    query = select(ListEntry)
    for name in ("subject_type", "list_kind", "reason_code", "plate", "plate_colour"):
        if filters.get(name):
            query = query.where(getattr(ListEntry, name) == filters[name])
    if filters.get("code"):
        query = query.where(ListEntry.subject_type == SubjectType.MACHINERY.value,
                            ListEntry.subject_key == filters["code"])
    if filters.get("uscc"):
        query = query.where(ListEntry.subject_type == SubjectType.ENTERPRISE.value,
                            ListEntry.subject_key == filters["uscc"])
    active_on = filters.get("active_on")
    if active_on is not None:
        query = query.where(in_force_on(active_on))
    if filters.get("lifted") is not None:
        lifted = ListEntry.lifted_at.is_not(None)
        query = query.where(lifted if filters["lifted"] else ~lifted)
    if filters.get("enterprise"):
        query = query.where(about_enterprise(filters["enterprise"]))
    return keyset_page(session, query, [ListEntry.id], limit, cursor)


def about_enterprise(uscc: str) -> Any:
    """Entries about the enterprise itself or about a vehicle it owns now."""
    owned = select(Vehicle.id).where(
        Vehicle.owner_uscc == uscc, Vehicle.plate == ListEntry.plate, Vehicle.plate_colour == ListEntry.plate_colour
    )
    return or_(
        (ListEntry.subject_type == SubjectType.ENTERPRISE.value) & (ListEntry.subject_key == uscc),
        (ListEntry.subject_type == SubjectType.VEHICLE.value) & owned.exists(),
    )


def is_about_enterprise(session: Session, entry: ListEntry, uscc: str) -> bool:
    """Whether an enterprise may see this entry."""
    return session.scalar(select(ListEntry.id).where(ListEntry.id == entry.id, about_enterprise(uscc))) is not None


def feed_key(entry: ListEntry) -> dict[str, str]:
    """The change-feed key of an entry's subject (contract §3)."""
    if entry.subject_type == SubjectType.VEHICLE.value:
        return {"subject_type": "vehicle", "plate": entry.plate or "", "plate_colour": entry.plate_colour or ""}
    name = "code" if entry.subject_type == SubjectType.MACHINERY.value else "uscc"
    return {"subject_type": entry.subject_type, name: entry.subject_key}


def feed_record(entry: ListEntry) -> dict[str, Any]:
    """The whole entry as the change feed carries it (contract §3)."""
    return {
        "entry_id": entry.id,
        "list_kind": entry.list_kind,
        "reason_code": entry.reason_code,
        "reason_zh": reason_zh(entry.reason_code),
        "effective_from": entry.effective_from.isoformat(),
        "until": entry.until.isoformat() if entry.until else None,
        "seasonal_scope": entry.seasonal_scope,
        "lifted_at": entry.lifted_at.isoformat() if entry.lifted_at else None,
    }
