"""Demo list entries: a few blacklisted and key-supervised trucks and one transport company (idempotent)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from shared.db import session
from vehicles.commands.lists import AddListEntry
from vehicles.daos.lists import vehicle_subject_key
from vehicles.list_terms import seasons
from vehicles.models import Vehicle

# (reason, list kind, seasonal?) per demo truck, in plate order
PLAN = [
    ("obd_tampering", "blacklist", True),
    ("device_removed", "blacklist", True),
    ("roadside_over_emission", "blacklist", True),
    ("roadside_over_emission", "blacklist", False),
    ("not_repaired_in_time", "blacklist", False),
    ("no_online_monitoring", "key_supervision", False),
    ("no_online_monitoring", "key_supervision", False),
    ("not_repaired_in_time", "key_supervision", False),
]


def seed_lists() -> str:
    """Add the demo entries; a second run finds them all (AddListEntry returns the same entry for the same facts)."""
    query = (select(Vehicle).where(Vehicle.status == "active", Vehicle.fuel == "diesel", Vehicle.vehicle_class == "N3")
             .order_by(Vehicle.plate).limit(len(PLAN)))
    trucks = list(session().scalars(query))
    added = 0
    for index, (truck, (reason, kind, seasonal)) in enumerate(zip(trucks, PLAN, strict=False), 1):
        facts = {
            "subject_type": "vehicle", "subject_key": vehicle_subject_key(truck.plate, truck.plate_colour),
            "plate": truck.plate, "plate_colour": truck.plate_colour, "list_kind": kind, "reason_code": reason,
            "evidence": [f"DEMO-2025-{index:04d}"], "authority": "临汾市生态环境局", "issued_by": "演示",
            "effective_from": date(2025, 10, 1), "until": None,
            "seasonal_scope": seasons()["autumn_winter"].scope() if seasonal else None, "note": "demo",
        }
        added += AddListEntry(facts, "demo").run()[1]
    owners = [t.owner_uscc for t in trucks if t.owner_uscc]
    if owners:
        facts = {
            "subject_type": "enterprise", "subject_key": owners[0], "plate": None, "plate_colour": None,
            "list_kind": "key_supervision", "reason_code": "fleet_over_emission", "evidence": ["DEMO-FLEET-2025"],
            "authority": "临汾市生态环境局", "issued_by": "演示", "effective_from": date(2025, 10, 1), "until": None,
            "seasonal_scope": None, "note": "demo",
        }
        added += AddListEntry(facts, "demo").run()[1]
    return f"{added} list entries added"
