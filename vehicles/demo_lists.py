"""Demo list entries: a few blacklisted and key-supervised trucks and one transport company (idempotent)."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import select

from shared.db import session
from shared.timeutil import zone
from vehicles.commands.lists import AddListEntry, LiftListEntry
from vehicles.daos.lists import vehicle_subject_key
from vehicles.list_terms import seasons
from vehicles.models import ListEntry, Vehicle

# (reason, list kind, seasonal?, effective from, lifted on) per demo truck, in plate order: dated over the
# autumn-winter campaign so that each month's report (2025-12 in the README) has entries added and lifted.
PLAN = [
    ("obd_tampering", "blacklist", True, date(2025, 10, 1), None),
    ("device_removed", "blacklist", True, date(2025, 10, 14), None),
    ("roadside_over_emission", "blacklist", True, date(2025, 11, 6), date(2025, 12, 18)),
    ("roadside_over_emission", "blacklist", False, date(2025, 12, 4), None),
    ("not_repaired_in_time", "blacklist", False, date(2025, 12, 11), None),
    ("no_online_monitoring", "key_supervision", False, date(2025, 10, 1), None),
    ("no_online_monitoring", "key_supervision", False, date(2025, 12, 9), None),
    ("not_repaired_in_time", "key_supervision", False, date(2025, 11, 20), None),
]
FLEET_LISTED_ON = date(2025, 12, 3)


def _recorded(day: date) -> datetime:
    """When a demo bureau clerk recorded something on `day`: 10:00 city time."""
    return datetime.combine(day, time(10), tzinfo=zone("Asia/Shanghai"))


def seed_lists() -> str:
    """Add the demo entries, recorded on their dates; a second run adds nothing (the demo's entries are found)."""
    if session().scalar(select(ListEntry.id).where(ListEntry.note == "demo").limit(1)) is not None:
        return "0 list entries added"
    query = (select(Vehicle).where(Vehicle.status == "active", Vehicle.fuel == "diesel", Vehicle.vehicle_class == "N3")
             .order_by(Vehicle.plate).limit(len(PLAN)))
    trucks = list(session().scalars(query))
    added = 0
    for index, (truck, (reason, kind, seasonal, start, lifted_on)) in enumerate(zip(trucks, PLAN, strict=False), 1):
        facts = {
            "subject_type": "vehicle", "subject_key": vehicle_subject_key(truck.plate, truck.plate_colour),
            "plate": truck.plate, "plate_colour": truck.plate_colour, "list_kind": kind, "reason_code": reason,
            "evidence": [f"DEMO-2025-{index:04d}"], "authority": "临汾市生态环境局", "issued_by": "演示",
            "effective_from": start, "until": None,
            "seasonal_scope": seasons()["autumn_winter"].scope() if seasonal else None, "note": "demo",
        }
        entry, created = AddListEntry(facts, "demo", recorded_at=_recorded(start)).run()
        added += created
        if lifted_on is not None:
            LiftListEntry(entry.id, "复检合格，解除（演示）", "demo", lifted_at=_recorded(lifted_on)).run()
    owners = [t.owner_uscc for t in trucks if t.owner_uscc]
    if owners:
        facts = {
            "subject_type": "enterprise", "subject_key": owners[0], "plate": None, "plate_colour": None,
            "list_kind": "key_supervision", "reason_code": "fleet_over_emission", "evidence": ["DEMO-FLEET-2025"],
            "authority": "临汾市生态环境局", "issued_by": "演示", "effective_from": FLEET_LISTED_ON, "until": None,
            "seasonal_scope": None, "note": "demo",
        }
        added += AddListEntry(facts, "demo", recorded_at=_recorded(FLEET_LISTED_ON)).run()[1]
    return f"{added} list entries added"
