"""Demo data for gatecontrol: two Linfen plants, their gates and cameras, passages and orange alerts in December
2025 (the month railshift's demo declarations and the README's report cover) and in the last week."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from gatecontrol.commands.alerts import declare_alert, seed_response_rules
from gatecontrol.commands.passages import IngestPassages
from gatecontrol.commands.sites import upsert_camera, upsert_gate, upsert_site
from gatecontrol.commands.sync import sync_vehicles
from gatecontrol.models import VehicleFact
from shared.auth import Principal, Role
from shared.client import UpstreamError, UpstreamUnavailable
from shared.db import session, unit_of_work, utcnow
from shared.identifiers import uscc_check_character
from shared.timeutil import month_bounds
from shared.vocab import FUEL_LABELS_ZH, EmissionStage, Fuel, stage_code


def _demo_uscc(index: int, district: str) -> str:
    """The credit codes railshift's demo gives its enterprises, so the two demos describe the same plants."""
    first17 = f"91{district}MADEM{index:04d}"
    return first17 + uscc_check_character(first17)


# the site ids railshift's demo enterprises name as their gate sites (S-DEMO-<enterprise index>)
SITES = {
    "S-DEMO-000": {"uscc": _demo_uscc(0, "141002"), "name": "临汾示范钢铁有限公司", "industry": "steel",
                   "district_code": "141002", "key_user": True, "dev_zone_listed": False, "address": "尧都区"},
    "S-DEMO-001": {"uscc": _demo_uscc(1, "141002"), "name": "尧都建邦焦化有限公司", "industry": "coking",
                   "district_code": "141002", "key_user": True, "dev_zone_listed": True, "address": "临汾经济开发区"},
}  # fmt: skip
DECEMBER_2025 = month_bounds("2025-12")[0]  # the city's midnight, in UTC
logger = logging.getLogger(__name__)
OUT_OF_TOWN = [f"晋A{n:05d}" for n in range(10001, 10041)]  # Taiyuan plates: not in this city's registry
UNREADABLE = ["无牌", "晋L8"]  # no plate, and a partial read
STAGES = ["3", "4", "4", "5", "5", "6", "D"]
TRUCKS = 40  # plates calling at the plants: registry trucks first, out-of-town ones make up the rest
FLEET_SIZE = 36  # of which registry trucks, when the registry can be read
TRUCK_FUELS = (Fuel.DIESEL, Fuel.NATURAL_GAS, Fuel.BATTERY_ELECTRIC)
TRUCK_STAGES = [s.value for s in EmissionStage if s.rank >= EmissionStage.CHINA_2.rank]  # still on the road


@dataclass(frozen=True)
class Truck:
    """A truck as the plants' gate systems know it: what their own records say of its stage and fuel."""

    plate: str
    colour: str = "yellow"
    stage: str | None = None  # the gate's one-character code; None: the gate system picks one per passage
    fuel: str | None = None


def fleet() -> list[Truck]:
    """Heavy trucks of the city's registry (through the vehicles service's change feed, into the replica), a
    few from out of town and unreadable plates; out-of-town trucks only when the registry cannot be read."""
    try:
        sync_vehicles()
    except (UpstreamUnavailable, UpstreamError) as exc:
        logger.warning("demo passages without registry trucks", extra={"reason": str(exc)})
    query = (
        select(VehicleFact)
        .where(VehicleFact.plate_colour == "yellow", VehicleFact.vehicle_class.in_(["N2", "N3"]),
               VehicleFact.status == "active", VehicleFact.fuel.in_([f.value for f in TRUCK_FUELS]),
               VehicleFact.emission_stage.in_(TRUCK_STAGES) | (VehicleFact.fuel == Fuel.BATTERY_ELECTRIC.value))
        .order_by(VehicleFact.plate)
    )  # fmt: skip
    known = list(session().scalars(query))
    step = max(1, len(known) // FLEET_SIZE)
    registered = [
        Truck(v.plate, v.plate_colour, stage_code(None if v.fuel == Fuel.BATTERY_ELECTRIC.value else
                                                  EmissionStage(v.emission_stage)), FUEL_LABELS_ZH[Fuel(v.fuel)])
        for v in known[::step][:FLEET_SIZE]
    ]  # fmt: skip
    visitors = OUT_OF_TOWN[: TRUCKS - len(registered)]
    return registered + [Truck(plate) for plate in visitors] + [Truck(plate) for plate in UNREADABLE]
AUTHORITY = "临汾市重污染天气应急指挥部"
GOODS = ["煤炭", "焦炭", "铁矿石", "钢材", "石灰石"]


def seed() -> str:
    """Load the demo sites, their passages and alerts (safe to run twice: everything is keyed, the recent week
    by its first day, so a run on a later day adds that week rather than conflicting with the earlier one)."""
    bureau = Principal("demo", "demo seed", Role.ENVIRONMENT)
    with unit_of_work() as db_session:
        rules = seed_response_rules(db_session)
    for site_id, body in SITES.items():
        upsert_site(site_id, dict(body))
        upsert_gate(site_id, "G-IN", {"name": "东门进", "direction": "in", "opens_at": None, "closes_at": None})
        upsert_gate(site_id, "G-OUT", {"name": "东门出", "direction": "out", "opens_at": None, "closes_at": None})
        upsert_camera(site_id, "CAM-1", {"name": "东门抓拍", "gate_id": "G-IN"})
    trucks = fleet()
    rng = random.Random(20261125)
    last_week = utcnow().replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=6)
    created = 0
    for label, first_day, days in (("2025-12", DECEMBER_2025, 31), (f"{last_week:%Y%m%d}", last_week, 6)):
        for site_id in SITES:
            items = [_passage(rng, trucks, f"demo-{label}-{site_id}-{n}", first_day, days) for n in range(240)]
            results = IngestPassages(site_id, items, now=utcnow()).run()
            created += sum(1 for r in results if r.status == "created")
        start = first_day + timedelta(days=min(days, 10) - 4)
        alert = {"alert_key": f"DEMO-ORANGE-{label}", "level": "orange", "area": "141000", "authority": AUTHORITY,
                 "starts_at": start, "ends_at": start + timedelta(days=2)}  # fmt: skip
        declare_alert(alert, bureau)
    registered = sum(1 for truck in trucks if truck.stage)
    return (f"{len(SITES)} sites, {created} passages added ({registered} registry trucks among the "
            f"{len(trucks)} plates at the gates), response rules {rules['added']} added, 2 alerts")


def _passage(rng: random.Random, trucks: list[Truck], event_id: str, first_day: datetime, days: int
             ) -> dict[str, object]:
    """One truck through a gate at a random minute of the period; the gate reports the stage and fuel its own
    records hold, wrong now and then (a misreporting site is what inspectors look for)."""
    captured = first_day + timedelta(days=rng.randint(0, days - 1), minutes=rng.randint(0, 1439))
    direction = rng.choice(["in", "out"])
    truck = rng.choice(trucks)
    stage = truck.stage if truck.stage and rng.random() >= 0.05 else rng.choice(STAGES)
    fuel = truck.fuel if truck.stage == stage and truck.fuel else ("纯电动" if stage == "D" else "柴油")
    return {
        "event_id": event_id, "gate_id": "G-IN" if direction == "in" else "G-OUT",
        "direction": direction, "plate": truck.plate, "plate_colour": truck.colour,
        "captured_at": captured.isoformat(), "emission_stage": stage, "fuel": fuel,
        "vehicle_type": "重型货车", "goods": rng.choice(GOODS), "quantity_t": f"{rng.uniform(20, 35):.1f}",
        "photos": [f"demo://{event_id}.jpg"],
    }  # fmt: skip
