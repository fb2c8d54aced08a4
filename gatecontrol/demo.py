"""Demo data for gatecontrol: two Linfen plants, their gates and cameras, a week of passages, one orange alert."""

from __future__ import annotations

import random
from datetime import timedelta

from gatecontrol.commands.alerts import declare_alert, seed_response_rules
from gatecontrol.commands.passages import IngestPassages
from gatecontrol.commands.sites import upsert_camera, upsert_gate, upsert_site
from shared.auth import Principal, Role
from shared.db import unit_of_work, utcnow

SITES = {
    "LF-STEEL-01": {"uscc": "91141000MA0KX1234X", "name": "临汾示范钢铁有限公司", "industry": "steel",
                    "district_code": "141002", "key_user": True, "dev_zone_listed": False, "address": "尧都区"},
    "LF-COKE-02": {"uscc": "91141000MA0KX1234X", "name": "临汾示范焦化厂", "industry": "coking",
                   "district_code": "141002", "key_user": True, "dev_zone_listed": True, "address": "临汾经济开发区"},
}  # fmt: skip
PLATES = [f"晋A{n:05d}" for n in range(10001, 10041)] + ["无牌", "晋L8"]
STAGES = ["3", "4", "4", "5", "5", "6", "D"]
AUTHORITY = "临汾市重污染天气应急指挥部"
GOODS = ["煤炭", "焦炭", "铁矿石", "钢材", "石灰石"]


def seed() -> str:
    """Load the demo sites and a week of passages (safe to run twice: everything is keyed)."""
    bureau = Principal("demo", "demo seed", Role.ENVIRONMENT)
    with unit_of_work() as db_session:
        rules = seed_response_rules(db_session)
    for site_id, body in SITES.items():
        upsert_site(site_id, dict(body))
        upsert_gate(site_id, "G-IN", {"name": "东门进", "direction": "in", "opens_at": None, "closes_at": None})
        upsert_gate(site_id, "G-OUT", {"name": "东门出", "direction": "out", "opens_at": None, "closes_at": None})
        upsert_camera(site_id, "CAM-1", {"name": "东门抓拍", "gate_id": "G-IN"})
    rng = random.Random(20261125)
    today = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    created = 0
    for site_id in SITES:
        items = []
        for n in range(240):
            captured = today - timedelta(days=rng.randint(0, 6), minutes=rng.randint(0, 1439))
            direction = rng.choice(["in", "out"])
            stage = rng.choice(STAGES)
            fuel = "纯电动" if stage == "D" else "柴油"
            items.append({
                "event_id": f"demo-{site_id}-{n}", "gate_id": "G-IN" if direction == "in" else "G-OUT",
                "direction": direction, "plate": rng.choice(PLATES), "plate_colour": "yellow",
                "captured_at": captured.isoformat(), "emission_stage": stage, "fuel": fuel,
                "vehicle_type": "重型货车", "goods": rng.choice(GOODS), "quantity_t": f"{rng.uniform(20, 35):.1f}",
                "photos": [f"demo://{site_id}/{n}.jpg"],
            })  # fmt: skip
        results = IngestPassages(site_id, items, now=utcnow()).run()
        created += sum(1 for r in results if r.status == "created")
    start = today - timedelta(days=3)
    alert = {"alert_key": "DEMO-ORANGE-1", "level": "orange", "area": "141000", "authority": AUTHORITY,
             "starts_at": start, "ends_at": start + timedelta(days=2)}  # fmt: skip
    declare_alert(alert, bureau)
    return f"{len(SITES)} sites, {created} passages added, response rules {rules['added']} added, 1 alert"
