"""Demo non-road machinery: 400 machines over the demo districts, 2025 spot-check plans and a year of
inspections (December 2025 with failures, black smoke and one LEZ violation), so the 2025-12 report's machinery
section has something to say. Idempotent: every step is a command that finds its own earlier result."""

from __future__ import annotations

import math
import random
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from shared.db import session, unit_of_work
from shared.identifiers import uscc_check_character
from vehicles.commands.machinery import (
    ChangeMachineStatus,
    RecordInspection,
    SaveSpotCheckPlan,
    UpdateFollowUp,
    UpsertMachine,
)
from vehicles.models import Machine, MachineInspection
from vehicles.reference import sync_zones

SEED = 20191115
MACHINES = 400
DISTRICTS = {"141002": 35, "141024": 15, "141023": 12, "141081": 15, "141082": 10, "141021": 13}
SITES = {
    "141002": ["尧都区 滨河西路改造工地", "尧都区 高铁片区安置房工地", "尧都区 物流园"],
    "141024": ["洪洞县 大槐树镇道路工地", "洪洞县 工业园区"],
    "141023": ["襄汾县 汾城镇水利工地", "襄汾县 焦化厂区"],
    "141081": ["侯马市 铁路货场", "侯马市 开发区厂房工地"],
    "141082": ["霍州市 煤矿工业广场", "霍州市 城区管网工地"],
    "141021": ["曲沃县 乐昌镇道路工地", "曲沃县 钢铁厂区"],
}
TYPES = {"excavator": 35, "loader": 20, "forklift": 15, "crane": 8, "roller": 8, "paver": 4, "pile_driver": 5,
         "other": 5}
# GB 36886-2018 smoke opacity limits (光吸收系数, m⁻¹) an inspector records: class I for stage II and older,
# class II from stage III (demo values; the limit is part of each inspection record, not a policy rule here).
LIMIT_OLD, LIMIT_NEW = Decimal("0.80"), Decimal("0.50")


def _between(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randrange((last - first).days + 1))


def _uscc(serial: int) -> str:
    first17 = f"91141002MA{serial:07d}"
    return first17 + uscc_check_character(first17)


def _stage(made: date, fuel: str) -> str:
    if fuel == "electric":
        return "electric"
    for cut, stage in ((date(2007, 10, 1), "nonroad_0"), (date(2009, 10, 1), "nonroad_1"),
                       (date(2014, 10, 1), "nonroad_2"), (date(2022, 12, 1), "nonroad_3")):
        if made < cut:
            return stage
    return "nonroad_4"


def _machine(rng: random.Random, serial: int) -> dict[str, Any]:
    district = rng.choices(list(DISTRICTS), list(DISTRICTS.values()))[0]
    kind = rng.choices(list(TYPES), list(TYPES.values()))[0]
    fuel = "electric" if kind == "forklift" and rng.random() < 0.4 else rng.choices(["diesel", "gas"], [95, 5])[0]
    made = _between(rng, date(2005, 1, 1), date(2025, 10, 31))
    # the 2019 registration campaign (临汾 通告: in use by 2019-12-31), then within 30 days of purchase
    registered = (_between(rng, date(2019, 11, 15), date(2019, 12, 31)) if made < date(2019, 11, 1)
                  else made + timedelta(days=rng.randrange(5, 30)))
    registered = min(registered, date(2025, 12, 28))
    return {
        "code": f"LF{district}{serial:05d}", "machine_type": kind, "fuel": fuel, "emission_stage": _stage(made, fuel),
        "engine_model": rng.choice(["YC6J220-T300", "WP6G125E22", "4BTA3.9-C125", "6BTAA5.9-C", "D04FR"]),
        "engine_number": f"E{rng.randrange(10**7, 10**8)}", "product_id": f"PIN{serial:010d}",
        "manufacture_date": made, "owner_uscc": _uscc(rng.randrange(100, 160)),
        "site": rng.choice(SITES[district]), "district_code": district, "registered_on": registered,
    }  # fmt: skip


def seed_machinery() -> str:
    """Load the demo machinery; returns a one-line account."""
    with unit_of_work() as db_session:
        sync_zones(db_session)
    rng = random.Random(SEED)
    machines = [_machine(rng, serial) for serial in range(1, MACHINES + 1)]
    added = sum(UpsertMachine(dict(m), "demo").run()[1] for m in machines)
    _retire(rng, machines)
    active = Counter(m["district_code"] for m in machines if m.get("_status") is None)
    for district, count in sorted(active.items()):
        # each district plans to test a quarter of its machines (the plan wants at least 20 %)
        note = "2025年度非道路移动机械抽查计划 (demo)"
        SaveSpotCheckPlan(district, 2025, math.ceil(count * 0.25), note, "demo").run()
    inspected = _inspections(machines)
    total = session().scalar(select(func.count()).select_from(Machine))
    tests = session().scalar(select(func.count()).select_from(MachineInspection))
    return f"{total} machines ({added} added), {len(active)} spot-check plans, {tests} inspections ({inspected} new)"


def _retire(rng: random.Random, machines: list[dict[str, Any]]) -> None:
    """Most 国一-and-below machines were scrapped before the 2024-12-31 deadline; a few are still active."""
    for m in machines:
        old = m["emission_stage"] in ("nonroad_0", "nonroad_1")
        if (old and rng.random() < 0.85) or (not old and rng.random() < 0.04):
            first, last = max(m["registered_on"], date(2023, 1, 1)), date(2024, 12, 20) if old else date(2025, 11, 30)
            if first > last:
                continue
            day = _between(rng, first, last)
            status = "scrapped" if old or rng.random() < 0.7 else "transferred_out"
            m["_status"] = status
            ChangeMachineStatus(m["code"], status, day, "报废证明 (demo)" if status == "scrapped" else "转出 (demo)",
                                "demo").run()


def _inspect(rng: random.Random, m: dict[str, Any], ref: str, day: date, *, fail: bool = False,
             smoke: bool = False) -> tuple[Any, bool]:
    old = m["emission_stage"] in ("nonroad_0", "nonroad_1", "nonroad_2")
    limit = LIMIT_OLD if old else LIMIT_NEW
    tested = m["fuel"] != "electric" and not smoke
    opacity = None
    if tested:
        factor = Decimal(rng.randrange(120, 220)) / 100 if fail else Decimal(rng.randrange(30, 90)) / 100
        opacity = (limit * factor).quantize(Decimal("0.01"))
    facts = {
        "inspection_ref": ref, "code": m["code"], "inspected_on": day, "site": m["site"],
        "district_code": m["district_code"], "zone_id": None,
        "on_construction_site": m["district_code"] != "141002" and "工地" in m["site"],
        "disclosure_ok": rng.random() > 0.05, "pollution_control_ok": not (fail or smoke) or rng.random() > 0.5,
        "registration_ok": True, "online_monitoring_ok": rng.random() > 0.15,
        "emission_tested": tested, "opacity": opacity, "opacity_limit": limit if tested else None, "passed": None,
        "black_smoke": smoke,
    }  # fmt: skip
    return RecordInspection(facts, "demo").run()


def _inspections(machines: list[dict[str, Any]]) -> int:
    """About a quarter of the machines tested over 2025, unevenly by district; failures followed up."""
    in_service = [m for m in machines if m.get("_status") is None and m["registered_on"] <= date(2025, 11, 30)]
    # Yaodu's machines below 国三 are kept off the random draw: each one inspected would be an LEZ violation,
    # and the demo wants exactly the three placed below.
    lez_old = [m for m in in_service if m["district_code"] == "141002" and m["emission_stage"] in
               ("nonroad_0", "nonroad_1", "nonroad_2")]
    pool = [m for m in in_service if m not in lez_old]
    share = {"141002": 0.36, "141024": 0.28, "141023": 0.16, "141081": 0.30, "141082": 0.14, "141021": 0.26}
    new = 0
    for index, m in enumerate(pool):
        rng = random.Random(f"{SEED}-{m['code']}")  # per machine: a second seed draws the same inspection
        if rng.random() >= share[m["district_code"]]:
            continue
        first = max(m["registered_on"], date(2025, 3, 1))
        # the autumn-winter campaign checks hardest in December
        december = rng.random() < 0.35 or first > date(2025, 11, 28)
        day = (_between(rng, max(first, date(2025, 12, 1)), date(2025, 12, 20)) if december
               else _between(rng, first, date(2025, 11, 28)))
        fail = rng.random() < (0.2 if december else 0.1)
        smoke = not fail and rng.random() < 0.04
        ref = f"SC-{day:%Y%m}-{index:04d}"
        inspection, created = _inspect(rng, m, ref, day, fail=fail, smoke=smoke)
        new += created
        if created and inspection.follow_up:  # a second seed finds the follow-up already recorded
            _follow(rng, inspection, day)
    for number, (m, day) in enumerate(zip(lez_old, (date(2025, 12, 9), date(2025, 9, 17), date(2025, 5, 6)),
                                          strict=False), 1):
        new += _inspect(random.Random(f"{SEED}-{m['code']}"), m, f"SC-LEZ-{number:03d}", day)[1]
    return new


def _follow(rng: random.Random, inspection: Any, day: date) -> None:
    """Failures before December are closed (re-tested, removed from site, or blacklisted); December's are open
    or repaired: the report lists them with their deadlines."""
    ref = inspection.inspection_ref
    if day >= date(2025, 12, 1):
        if rng.random() < 0.4:
            UpdateFollowUp(ref, "repaired", day + timedelta(days=3), "更换颗粒捕集器 (demo)", "demo").run()
        return
    UpdateFollowUp(ref, "repaired", day + timedelta(days=5), "维修 (demo)", "demo").run()
    end = rng.choices(["retested_pass", "removed", "blacklisted"], [75, 20, 5])[0]
    UpdateFollowUp(ref, end, day + timedelta(days=rng.randrange(8, 15)), f"{end} (demo)", "demo").run()
