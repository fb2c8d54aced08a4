"""`lantian demo seed` for vehicles: a Linfen-like city of a few districts and thousands of vehicles with history."""

from __future__ import annotations

import random
from datetime import date, timedelta
from itertools import islice
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from shared.db import session, unit_of_work
from shared.identifiers import uscc_check_character, vin_check_digit
from shared.tabular import SourceRow
from vehicles.commands.imports import BatchWriter
from vehicles.commands.registry import UpgradeStage
from vehicles.daos.registry import inference_table
from vehicles.models import Vehicle
from vehicles.reference import sync_reference
from vehicles.rules import _ID_CHECK, _ID_WEIGHTS

SEED = 20201031
VEHICLES = 6000
DISTRICTS = {"141002": 35, "141024": 15, "141023": 12, "141081": 15, "141082": 10, "141021": 13}
LAST_DAY = date(2025, 10, 31)


def _between(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randrange((last - first).days + 1))


def _uscc(serial: int) -> str:
    first17 = f"91141002MA{serial:07d}"
    return first17 + uscc_check_character(first17)


def _person(rng: random.Random) -> str:
    first17 = f"1410{rng.randrange(10, 99)}19{rng.randrange(60, 99)}{rng.randrange(1, 13):02d}"
    first17 += f"{rng.randrange(1, 29):02d}{rng.randrange(1000):03d}"
    return first17 + _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def _vin(serial: int) -> str:
    body = f"LZZ5CLSB0{serial:08d}"
    return body[:8] + vin_check_digit(body) + body[9:]


def _plate(serial: int, fuel: str, large: bool) -> tuple[str, str]:
    if fuel in ("battery_electric", "plug_in_hybrid", "fuel_cell"):
        mark = "D" if fuel == "battery_electric" else "F"
        return (f"晋L{serial:05d}{mark}", "yellow-green") if large else (f"晋L{mark}{serial:05d}", "green")
    return f"晋L{serial:05d}", "yellow" if large else "blue"


def _nev_odds(year: int) -> float:
    """Share of new public vehicles that are new-energy, rising with the plans."""
    return min(0.95, max(0.02, (year - 2014) * 0.12))


def _vehicle(rng: random.Random, serial: int) -> dict[str, Any]:
    kind = rng.choices(["truck", "bus", "taxi", "sanitation", "postal_express", "official_car"],
                       [60, 7, 15, 6, 6, 6])[0]  # fmt: skip
    registered = _between(rng, date(2006, 1, 1), date(2025, 9, 30))
    nev = rng.random() < _nev_odds(registered.year)
    if kind == "truck":
        body = rng.choices(["tractor", "dump", "tanker", "van", "logistics", "muck_truck", "concrete_mixer"],
                           [30, 20, 8, 14, 14, 8, 6])[0]  # fmt: skip
        vehicle_class = rng.choices(["N3", "N2", "N1"], [60, 25, 15])[0]
        fuel = "battery_electric" if nev and rng.random() < 0.4 else rng.choices(["diesel", "natural_gas"], [87, 13])[0]
        operating = rng.random() < 0.85
    else:
        body = kind
        vehicle_class = {"bus": "M3", "sanitation": "N2", "postal_express": "N1"}.get(kind, "M1")
        fuel = rng.choice(["battery_electric", "battery_electric", "plug_in_hybrid"]) if nev else (
            "diesel" if kind in ("bus", "sanitation") else rng.choice(["petrol", "petrol", "natural_gas"]))
        operating = kind in ("bus", "taxi", "postal_express")
    plate, colour = _plate(serial, fuel, vehicle_class not in ("M1", "N1"))
    values: dict[str, Any] = {
        "plate": plate, "plate_colour": colour, "vin": _vin(serial), "vehicle_class": vehicle_class,
        "body_type": body, "fuel": fuel, "operating": "true" if operating else "false",
        "district_code": rng.choices(list(DISTRICTS), list(DISTRICTS.values()))[0],
        "registration_date": registered.isoformat(),
    }  # fmt: skip
    if rng.random() < 0.8:
        values["owner_uscc"] = _uscc(rng.randrange(1, 80))
    else:
        values["owner_person_id"] = _person(rng)
    if fuel not in ("battery_electric", "fuel_cell") and rng.random() < 0.85:
        values["emission_stage"] = _recorded_stage(registered, vehicle_class, fuel)
    if kind == "bus" and registered.year >= 2018 and serial > 1 and rng.random() < 0.5:
        # a replacement (更新): the bus it replaced, by plate
        values.update(replaces_plate=f"晋L{rng.randrange(1, serial):05d}", replaces_plate_colour="yellow")
    values.update(_fate(rng, registered, vehicle_class, fuel, operating))
    return values


def _recorded_stage(registered: date, vehicle_class: str, fuel: str) -> str:
    heavy = vehicle_class not in ("M1", "N1") and fuel in ("diesel", "natural_gas")
    cuts = ([(2008, 7, "china_2"), (2013, 7, "china_3"), (2017, 7, "china_4"), (2021, 7, "china_5"),
             (2023, 7, "china_6a")] if heavy else
            [(2007, 7, "china_2"), (2011, 7, "china_3"), (2018, 1, "china_4"), (2020, 7, "china_5"),
             (2023, 7, "china_6a")])  # fmt: skip
    for year, month, stage in cuts:
        if registered < date(year, month, 1):
            return stage
    return "china_6b"


def _fate(rng: random.Random, registered: date, vehicle_class: str, fuel: str, operating: bool) -> dict[str, str]:
    """Old heavy diesel trucks mostly leave around the 2020 deadline; China IV ones start leaving in 2024-25."""
    old_truck = fuel == "diesel" and vehicle_class in ("N2", "N3") and operating
    if old_truck and registered < date(2013, 7, 1) and rng.random() < 0.8:
        day = _between(rng, max(registered, date(2019, 6, 1)), date(2021, 3, 31))
    elif old_truck and registered < date(2017, 7, 1) and rng.random() < 0.35:
        day = _between(rng, max(registered, date(2024, 6, 1)), LAST_DAY)
    elif rng.random() < 0.06:
        day = _between(rng, registered, LAST_DAY)
    else:
        return {}
    status = rng.choices(["scrapped", "deregistered", "transferred_out", "plate_void"], [55, 20, 15, 10])[0]
    return {"status": status, "status_date": day.isoformat()}


def _rows() -> list[SourceRow]:
    rng = random.Random(SEED)
    return [SourceRow(number=serial + 1, values=_vehicle(rng, serial)) for serial in range(1, VEHICLES + 1)]


def seed() -> str:
    """Load the demo city (idempotent: a second run finds every vehicle unchanged)."""
    with unit_of_work() as db_session:
        sync_reference(db_session)
    secret = current_app.extensions["lantian.settings"].secret_key
    totals = {"inserted": 0, "updated": 0, "unchanged": 0, "invalid": 0}
    rows = iter(_rows())
    writer = BatchWriter(inference_table(session()), secret, "demo", dry_run=False)
    while batch := list(islice(rows, 1000)):
        with unit_of_work() as db_session:
            result = writer.run(db_session, batch)
        for key in totals:
            totals[key] += getattr(result, key)
    upgrades = _upgrades()
    count = session().scalar(select(func.count()).select_from(Vehicle))
    from vehicles.demo_lists import seed_lists
    from vehicles.demo_machinery import seed_machinery

    lists = seed_lists()
    machinery = seed_machinery()
    return (f"{count} vehicles ({totals['inserted']} added, {totals['updated']} updated, "
            f"{totals['unchanged']} already there, {totals['invalid']} refused), {upgrades} stage upgrades, {lists}, "
            f"{machinery}")


def _upgrades() -> int:
    """Some old trucks re-registered at 国五 after an engine swap in 2020 (once: a second seed finds them)."""
    already = session().scalar(select(func.count()).where(Vehicle.stage_upgraded_on.is_not(None)))
    if already:
        return int(already)
    rng = random.Random(SEED + 1)
    old_trucks = (
        Vehicle.status == "active",
        Vehicle.fuel == "diesel",
        Vehicle.emission_stage.in_(["china_2", "china_3"]),
        Vehicle.vehicle_class.in_(["N2", "N3"]),
    )
    query = select(Vehicle).where(*old_trucks).order_by(Vehicle.plate).limit(40)
    chosen = list(session().scalars(query))
    for vehicle in chosen:
        day = _between(rng, max(vehicle.registration_date, date(2020, 4, 1)), date(2020, 12, 31))
        UpgradeStage(vehicle.plate, vehicle.plate_colour, "china_5", day, "engine replaced (demo)", "demo").run()
    return len(chosen)
