"""One seeded city-day: what is sent to the services, in order. The plan is deterministic for (day, seed,
sizes, tag): the same arguments give the same bodies; its truth is computed by `shared.cityday.truth`."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from shared.cityday.model import (
    BULK_GOODS,
    BULK_KEYWORDS,
    CITY,
    CODE_STAGE,
    DISTRICTS,
    HEAVY,
    LEZ_DISTRICT,
    MACHINE_TYPES,
    NEV_CATEGORIES,
    OTHER_GOODS,
    PAYLOADS,
    REGISTERED,
    RULE_INDUSTRIES,
    STAGE_CODE,
    VEHICLE_KINDS,
    CityDay,
    Passage,
    Site,
    local_time,
    stage_of,
    uscc_of,
)
from shared.cityday.truth import expected_figures, trips_of
from shared.timeutil import zone


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


def _day_in(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randrange((last - first).days + 1))


def _vehicles(rng: random.Random, count: int, tag: str, owners: list[str], day: date) -> list[dict[str, Any]]:
    """The registry's part of the city: trucks of every stage (尧都区, the low-emission zone, has no China III
    truck left, so a plan has none in scope there), public-fleet vehicles, some registered this month."""
    vehicles = []
    for number in range(1, count + 1):
        _, vclass, body_type, fuel, stages, colour = rng.choices(VEHICLE_KINDS, [k[0] for k in VEHICLE_KINDS])[0]
        stage = _weighted(rng, stages)
        first, last = REGISTERED[stage]
        recent = body_type in NEV_CATEGORIES and rng.random() < 0.25  # an addition in the scenario's month
        plate = f"晋LD{tag}{number:04d}" if fuel == "battery_electric" else f"晋L{tag}{number:04d}"
        vehicles.append({
            "plate": plate, "plate_colour": colour, "vehicle_class": vclass, "body_type": body_type, "fuel": fuel,
            "emission_stage": "D" if stage == "electric" else stage, "operating": vclass != "N1" or rng.random() < .6,
            "owner_uscc": rng.choice(owners), "district_code": rng.choice(DISTRICTS[1:] if stage == "china_3"
                                                                          else DISTRICTS),
            "registration_date": (_day_in(rng, day.replace(day=1), day) if recent
                                  else _day_in(rng, date(first, 1, 1), date(last, 12, 31))).isoformat(),
        })  # fmt: skip
    return vehicles


def _machines(rng: random.Random, count: int, tag: str, day: date, owners: list[str]) -> list[dict[str, Any]]:
    machines = []
    for number in range(1, count + 1):
        electric = rng.random() < 0.1
        stage = "electric" if electric else _weighted(rng, {"nonroad_1": 1, "nonroad_2": 4, "nonroad_3": 8,
                                                              "nonroad_4": 6})  # fmt: skip
        recent = rng.random() < 0.3  # registered in the scenario's month, before the day
        registered = (_day_in(rng, day.replace(day=1), day) if recent
                      else _day_in(rng, date(2019, 6, 1), day.replace(day=1) - timedelta(days=1)))  # fmt: skip
        body = {
            "code": f"LFCD{tag}{number:04d}", "machine_type": rng.choice(MACHINE_TYPES),
            "fuel": "electric" if electric else "diesel", "engine_model": "YC6J220-T300",
            "engine_number": f"CD{tag}{number:06d}", "manufacture_date": (registered - timedelta(days=90)).isoformat(),
            "owner_uscc": rng.choice(owners), "site": "城市一日工地", "district_code": rng.choice(DISTRICTS),
            "registered_on": registered.isoformat(),
        }  # fmt: skip
        if not electric:
            body["emission_stage"] = stage
        machines.append(body)
    return machines


def _inspections(rng: random.Random, machines: list[dict[str, Any]], day: date, tag: str) -> list[dict[str, Any]]:
    """Spot checks of machines no zone rule bans (so none is an LEZ violation), two failing and one smoking
    black on the day, and one deliberate low-emission-zone violation: a 国二 excavator of 洪洞县 found in 尧都区."""
    clean = [m for m in machines if m.get("emission_stage") in ("nonroad_3", "nonroad_4")
             and m["machine_type"] in ("excavator", "crane", "roller", "paver")]  # fmt: skip
    checked = rng.sample(clean, min(len(clean), max(3, len(machines) // 5)))
    inspections = []
    for index, machine in enumerate(checked):
        registered = date.fromisoformat(machine["registered_on"])
        when = day if index < 3 else _day_in(rng, max(registered, date(day.year, 1, 1)), day)
        opacity = Decimal("1.20") if index < 2 else Decimal("0.30")
        inspections.append({
            "inspection_ref": f"CD{tag}-SC-{index + 1:03d}", "code": machine["code"],
            "district_code": machine["district_code"], "inspected_on": when.isoformat(),
            "on_construction_site": False, "disclosure_ok": True, "pollution_control_ok": index >= 2,
            "registration_ok": True, "online_monitoring_ok": True,
            "emission_tested": True, "opacity": str(opacity), "opacity_limit": "0.80", "black_smoke": index == 2,
        })  # fmt: skip
    # registered elsewhere, found working in the zone: the finding is the zone's district's, its coverage its own
    offender = next((m for m in machines if m.get("emission_stage") == "nonroad_2"), None)
    if offender is not None:
        offender.update(machine_type="excavator", district_code=DISTRICTS[1])
        inspections.append({
            "inspection_ref": f"CD{tag}-SC-LEZ", "code": offender["code"], "district_code": LEZ_DISTRICT,
            "inspected_on": day.isoformat(),
            "on_construction_site": False, "registration_ok": True, "emission_tested": False,
        })  # fmt: skip
    return inspections


def _machine_changes(rng: random.Random, machines: list[dict[str, Any]], inspections: list[dict[str, Any]],
                     day: date) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:  # fmt: skip
    """A machine scrapped before the day (out of service at month end), one registered only in the next
    month (when that has begun), and the first failing spot check re-tested and passed the next day."""
    first = day.replace(day=1)
    inspected = {i["code"] for i in inspections}
    candidates = [
        m for m in machines[1:] if m["code"] not in inspected and date.fromisoformat(m["registered_on"]) < first
    ]
    changes = []
    if candidates:
        machine = rng.choice(candidates)
        changes.append({"code": machine["code"], "body": {
            "status": "scrapped", "effective_date": max(first, day - timedelta(days=2)).isoformat(),
            "reason": "报废（城市一日）"}})  # fmt: skip
    next_month = (first + timedelta(days=32)).replace(day=1)
    late = [m for m in machines[1:] if m["code"] not in inspected and m["code"] not in {c["code"] for c in changes}]
    if late and next_month <= datetime.now(zone()).date():
        late[-1]["registered_on"] = next_month.isoformat()
        late[-1]["manufacture_date"] = (next_month - timedelta(days=90)).isoformat()
    follow_ups = []
    retest = day + timedelta(days=1)
    if inspections and retest < next_month and retest <= datetime.now(zone()).date():
        body = {"follow_up": "retested_pass", "effective_date": retest.isoformat(), "reason": "复检合格（城市一日）"}
        follow_ups.append({"ref": inspections[0]["inspection_ref"], "body": body})
    return changes, follow_ups


def _entries(rng: random.Random, vehicles: list[dict[str, Any]], machines: list[dict[str, Any]], carrier: str,
             day: date) -> list[dict[str, Any]]:  # fmt: skip
    """Three China IV-or-below trucks blacklisted (one only in the autumn-winter season), a machine
    blacklisted, a carrier put under key supervision; all in force from the first of the month."""
    old = [v for v in vehicles if v["fuel"] == "diesel" and v["emission_stage"] in ("china_3", "china_4")]
    chosen = rng.sample(old, 3)
    start = day.replace(day=1).isoformat()
    common = {
        "evidence": ["城市一日-路检"],
        "authority": "临汾市生态环境局",
        "issued_by": "城市一日",
        "effective_from": start,
    }
    entries = [
        {"subject_type": "vehicle", "plate": chosen[0]["plate"], "plate_colour": chosen[0]["plate_colour"],
         "list_kind": "blacklist", "reason_code": "obd_tampering", **common},
        {"subject_type": "vehicle", "plate": chosen[1]["plate"], "plate_colour": chosen[1]["plate_colour"],
         "list_kind": "blacklist", "reason_code": "roadside_over_emission", **common},
        {"subject_type": "vehicle", "plate": chosen[2]["plate"], "plate_colour": chosen[2]["plate_colour"],
         "list_kind": "blacklist", "reason_code": "device_removed", "season": "autumn_winter", **common},
        {"subject_type": "machinery", "code": machines[0]["code"], "list_kind": "blacklist",
         "reason_code": "not_repaired_in_time", **common},
        {"subject_type": "enterprise", "uscc": carrier, "list_kind": "key_supervision",
         "reason_code": "fleet_over_emission", **common},
    ]  # fmt: skip
    return entries


def _sites(tag: str) -> list[Site]:
    return [
        Site(f"CD{tag}-STEEL", uscc_of("141002", tag, 1), "城市一日示范钢铁", "steel", "steel", "141002",
             {"G-IN": "in", "G-OUT": "out"}),
        Site(f"CD{tag}-COKE", uscc_of("141024", tag, 2), "城市一日焦化", "coking", "coking", "141024",
             {"G-IN": "in", "G-IN2": "in", "G-OUT": "out"}),
        Site(f"CD{tag}-DEPOT", uscc_of("141081", tag, 3), "城市一日物流园", "logistics", "other", "141081",
             {"G-IN": "in", "G-OUT": "out"}),
    ]  # fmt: skip


def _changes(rng: random.Random, vehicles: list[dict[str, Any]], entries: list[dict[str, Any]],
             day: date) -> list[dict[str, Any]]:  # fmt: skip
    """Before the day: a China III and a China IV truck scrapped, a China IV truck re-engined to China V (each
    eliminated from the phase-out plans in the month), and a petrol taxi scrapped (out of its fleet's stock)."""
    listed = {e.get("plate") for e in entries}
    when = max(day.replace(day=1), day - timedelta(days=3)).isoformat()

    def pick(stage: str, body_type: str | None = None) -> dict[str, Any] | None:
        pool = [v for v in vehicles if v["emission_stage"] == stage and v["plate"] not in listed
                and v not in chosen and (v["body_type"] == body_type if body_type else
                                         v["fuel"] == "diesel" and v["vehicle_class"] == "N3")]  # fmt: skip
        pool = [v for v in pool if date.fromisoformat(v["registration_date"]) < day.replace(day=1)]
        return rng.choice(pool) if pool else None

    chosen: list[dict[str, Any]] = []
    changes = []
    for stage, kind, body_type in (("china_3", "status", None), ("china_4", "status", None),
                                   ("china_4", "upgrade", None), ("china_6b", "status", "taxi")):  # fmt: skip
        vehicle = pick(stage, body_type)
        if vehicle is None:
            continue
        chosen.append(vehicle)
        if kind == "status":
            body = {"status": "scrapped", "effective_date": when, "reason": "强制报废（城市一日）"}
        else:
            body = {"emission_stage": "china_5", "effective_date": when, "reason": "更换发动机（城市一日）"}
        changes.append({"plate": vehicle["plate"], "plate_colour": vehicle["plate_colour"], "kind": kind,
                        "body": body})  # fmt: skip
    return changes


def _passages(rng: random.Random, count: int, day: date, tag: str, sites: list[Site],
              vehicles: list[dict[str, Any]], outage: tuple[str, datetime, datetime],
              upgraded: dict[str, str]) -> list[Passage]:  # fmt: skip
    registry = {v["plate"]: v for v in vehicles}
    trucks = [v for v in vehicles if v["vehicle_class"] in ("N2", "N3")]
    foreign = [f"冀B{tag}{n:04d}" for n in range(1, 21)]  # out-of-province trucks the registry does not know
    unreadable = ["无牌", "", "晋L12", "晋A1234"]
    start = local_time(day, 5)
    times = sorted(start + timedelta(seconds=rng.randrange(18 * 3600)) for _ in range(count))
    passages = []
    for number, when in enumerate(times, start=1):
        site = rng.choices(sites, [45, 35, 20])[0]
        direction = rng.choice(("in", "out"))
        gate = rng.choice([g for g, d in site.gates.items() if d == direction])
        roll = rng.random()
        vehicle = None
        if roll < 0.04:
            plate, colour, reported = rng.choice(unreadable), "yellow", rng.choice("3456")
            fuel, vtype = "diesel", HEAVY
        elif roll < 0.10:
            plate, colour, reported, fuel, vtype = rng.choice(foreign), "yellow", rng.choice("456"), "diesel", HEAVY
        else:
            vehicle = rng.choice(trucks if rng.random() < 0.9 else vehicles)
            plate, colour, fuel = vehicle["plate"], vehicle["plate_colour"], vehicle["fuel"]
            registry_stage = upgraded.get(plate) or stage_of(vehicle)
            reported = STAGE_CODE[registry_stage]
            if reported in "345" and rng.random() < 0.05:  # the gate's record says a newer stage: the registry wins
                reported = str(int(reported) + 1)
            vtype = vehicle["vehicle_class"]
        inbound_bulk = direction == "in" and rng.random() < 0.7
        outbound_bulk = direction == "out" and site.industry == "coking" and rng.random() < 0.8
        goods = rng.choice(BULK_GOODS) if inbound_bulk or outbound_bulk else rng.choice(OTHER_GOODS)
        body = {
            "event_id": f"{site.site_id}-{gate}-{day:%Y%m%d}-{number:06d}", "gate_id": gate, "direction": direction,
            "plate": plate, "plate_colour": colour, "captured_at": when.isoformat(), "emission_stage": reported,
            "fuel": fuel, "vehicle_type": vtype, "goods": goods, "photos": [f"oss://cityday/{site.site_id}/{number}.jpg"],
        }  # fmt: skip
        if goods:
            body["quantity_t"] = str(Decimal(rng.randrange(50, 350)) / 10)
        if vehicle is not None:
            body.update(_as_a_camera_reads(rng, plate, colour))
        complete = plate not in unreadable
        known = vehicle is not None and complete
        if known:
            stage = upgraded.get(plate) or stage_of(vehicle)
            fuel_now, vclass = vehicle["fuel"], vehicle["vehicle_class"]
        else:
            stage, fuel_now, vclass = CODE_STAGE[reported], fuel, "N3"
        live = not (site.site_id == outage[0] and outage[1] <= when < outage[2])
        if not live:
            body["backfill"] = True
        passages.append(Passage(site.site_id, body, live, single=rng.random() < 0.08, complete=complete,
                                known=known, stage=stage, fuel=fuel_now, vehicle_class=vclass))  # fmt: skip
        assert known == (plate in registry and complete)
    old_trucks = [v for v in trucks if v["emission_stage"] == "china_4" and v["fuel"] == "diesel"
                  and v["plate"] not in upgraded]  # fmt: skip
    passages += _edge_passages(day, sites[0], old_trucks, len(passages))
    passages += _month_edges(day, sites[2], trucks[0], len(passages))
    return passages


JTT808_COLOURS = {"blue": 1, "yellow": 2, "black": 3, "white": 4, "green": 5, "yellow-green": 93}


def _as_a_camera_reads(rng: random.Random, plate: str, colour: str) -> dict[str, Any]:
    """Some gate systems send a registered plate as their camera read it (lower case, a space or a dot after
    the issuing office) or the colour as a JT/T 808 code: the same vehicle, which the ledger must recognise."""
    roll = rng.random()
    if roll < 0.04:
        return {"plate": f"{plate[:2].lower()} {plate[2:].lower()}"}
    if roll < 0.08:
        return {"plate": f"{plate[:2]}·{plate[2:]}"}
    if roll < 0.12:
        return {"plate_colour": JTT808_COLOURS[colour], "plate_colour_source": "jtt808"}
    return {}


def _month_edges(day: date, site: Site, truck: dict[str, Any], numbered: int) -> list[Passage]:
    """A truck at the depot in the first second of the month (sent in UTC: the previous month's last day
    there) and in its last second: both are the city month's, whatever the server's zone."""
    first = datetime.combine(day.replace(day=1), time(0), tzinfo=zone())
    last = datetime.combine((day.replace(day=1) + timedelta(days=32)).replace(day=1), time(0), tzinfo=zone())
    passages = []
    for offset, (moment, text) in enumerate(((first, first.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")),
                                             (last - timedelta(seconds=1), None)), start=1):  # fmt: skip
        body = {
            "event_id": f"{site.site_id}-G-IN-{moment:%Y%m%d}-{numbered + offset:06d}", "gate_id": "G-IN",
            "direction": "in", "plate": truck["plate"], "plate_colour": truck["plate_colour"],
            "captured_at": text or moment.isoformat(), "emission_stage": STAGE_CODE[stage_of(truck)],
            "fuel": truck["fuel"], "vehicle_type": truck["vehicle_class"], "goods": "设备", "photos": [],
        }  # fmt: skip
        facts = {"stage": stage_of(truck), "fuel": truck["fuel"], "vehicle_class": truck["vehicle_class"]}
        passages.append(Passage(site.site_id, body, True, single=True, complete=True, known=True, **facts))
    return passages


def _edge_passages(day: date, site: Site, old_trucks: list[dict[str, Any]], numbered: int) -> list[Passage]:
    """A China IV diesel truck hauling coal into the first site exactly when the alert starts (inside: a
    violation) and exactly when it ends (outside), and at the first and last second of the city day."""
    passages = []
    last_second = local_time(day, 23) + timedelta(minutes=59, seconds=59)
    moments = [local_time(day, 10), local_time(day, 16), local_time(day, 0), last_second]
    for offset, (moment, truck) in enumerate(zip(moments, old_trucks * 4, strict=False), start=1):
        body = {
            "event_id": f"{site.site_id}-G-IN-{day:%Y%m%d}-{numbered + offset:06d}", "gate_id": "G-IN",
            "direction": "in", "plate": truck["plate"], "plate_colour": truck["plate_colour"],
            "captured_at": moment.isoformat(), "emission_stage": "4", "fuel": "diesel", "vehicle_type": "N3",
            "goods": "煤炭", "quantity_t": "31.5", "photos": [],
        }  # fmt: skip
        passages.append(Passage(site.site_id, body, True, single=True, complete=True, known=True, stage="china_4",
                                fuel="diesel", vehicle_class=truck["vehicle_class"]))  # fmt: skip
    return passages


def _declarations(rng: random.Random, sites: list[Site], trips: dict[str, dict[str, Counter[str]]]
                  ) -> tuple[dict[str, list[dict[str, Any]]], dict[str, str]]:  # fmt: skip
    """Each site's enterprise declares its month: the steel plant mostly by rail with road tonnes near what its
    gates saw (reconciles), the coking plant declaring half its road haulage (a gap; the bureau returns it),
    the depot close to its gates (left awaiting review)."""
    declarations: dict[str, list[dict[str, Any]]] = {}
    factors = {"steel": Decimal("1.05"), "coking": Decimal("0.5"), "logistics": Decimal("0.95")}
    for site in sites:
        estimated = {d: sum((PAYLOADS.get(c, Decimal(0)) * n for c, n in trips[site.uscc][d].items()), Decimal(0))
                     for d in ("in", "out")}  # fmt: skip
        factor = factors[site.industry]
        road_in, road_out = (estimated[d] * factor for d in ("in", "out"))
        rail = Decimal(rng.randrange(20_000, 90_000))
        lines = [
            {"direction": "inbound", "goods": "coal", "mode": "rail", "tonnes": str(rail)},
            {"direction": "inbound", "goods": "coal", "mode": "china_6_truck", "tonnes": str(road_in * 2 / 5)},
            {"direction": "inbound", "goods": "iron_ore", "mode": "other_road", "tonnes": str(road_in * 3 / 5)},
            {"direction": "outbound", "goods": "coke" if site.industry == "coking" else "other",
             "mode": "china_5_truck", "tonnes": str(road_out)},
        ]  # fmt: skip
        for line in lines:
            line["tonnes"] = str(Decimal(line["tonnes"]).quantize(Decimal("0.001")))
        declarations[site.uscc] = [line for line in lines if Decimal(line["tonnes"]) > 0]
    review = {sites[0].uscc: "approve", sites[1].uscc: "return"}
    return declarations, review


def build_city_day(day: date = date(2025, 12, 10), seed: int = 20251210, passages: int = 2000,
                   vehicles: int = 300, machines: int = 40, tag: str = "C") -> CityDay:  # fmt: skip
    """The plan of one city-day, with its expected figures."""
    rng = random.Random(seed)
    sites = _sites(tag)
    carriers = [uscc_of(DISTRICTS[n % 3], tag, 10 + n) for n in range(4)]
    fleet = _vehicles(rng, vehicles, tag, carriers + [s.uscc for s in sites], day)
    machinery = _machines(rng, machines, tag, day, [s.uscc for s in sites])
    inspections = _inspections(rng, machinery, day, tag)
    machine_changes, follow_ups = _machine_changes(rng, machinery, inspections, day)
    entries = _entries(rng, fleet, machinery, carriers[0], day)
    rule = {
        "code": f"alert.bulk_diesel_china4_or_below.linfen_cityday_{tag.lower()}", "jurisdiction": CITY,
        "issuer": "临汾市重污染天气应急指挥部", "min_level": "orange", "directions": ["in", "out"], "fuels": ["diesel"],
        "max_stage": "china_4", "goods_keywords": list(BULK_KEYWORDS), "industries": list(RULE_INDUSTRIES),
        "heavy_trucks_only": False, "effective_from": "2025-01-01", "source_document": "临汾市重污染天气应急预案",
        "source_item": "橙色预警 应急运输响应",
        "description": "城市一日场景: during an orange-or-worse alert, diesel trucks of 国四 and below hauling bulk "
                       "goods may not pass the gates of key-industry sites",
    }  # fmt: skip
    alert_from, alert_to = local_time(day, 10), local_time(day, 16)
    alert = {
        "alert_key": f"CD{tag}-{day:%Y%m%d}-ORANGE",
        "level": "orange",
        "area": CITY,
        "authority": "临汾市重污染天气应急指挥部",
        "starts_at": alert_from.isoformat(),
        "ends_at": alert_to.isoformat(),
    }
    outage = (sites[1].site_id, local_time(day, 13), local_time(day, 15))
    changes = _changes(rng, fleet, entries, day)
    upgraded = {c["plate"]: c["body"]["emission_stage"] for c in changes if c["kind"] == "upgrade"}
    traffic = _passages(rng, passages, day, tag, sites, fleet, outage, upgraded)
    live = [i for i, p in enumerate(traffic) if p.live]
    retries = sorted(rng.sample(live, max(1, len(live) // 25)))
    conflict = rng.choice(live)
    city_day = CityDay(day, seed, tag, fleet, machinery, inspections, entries, [1], sites, rule, alert, outage,
                       traffic, retries, conflict, {}, {})  # fmt: skip
    city_day.changes = changes
    city_day.machine_changes, city_day.follow_ups = machine_changes, follow_ups
    authority = "重污染天气应急指挥部"
    city_day.other_alerts = [
        {"alert_key": f"CD{tag}-{day:%Y%m%d}-YELLOW-{DISTRICTS[1]}", "level": "yellow", "area": DISTRICTS[1],
         "authority": f"洪洞县{authority}", "starts_at": local_time(day, 15).isoformat(),
         "ends_at": local_time(day, 18).isoformat()},
        {"alert_key": f"CD{tag}-{day:%Y%m%d}-RED-140100", "level": "red", "area": "140100",
         "authority": f"太原市{authority}", "starts_at": local_time(day, 0).isoformat(),
         "ends_at": local_time(day, 23).isoformat()},
    ]  # fmt: skip
    city_day.declarations, city_day.review = _declarations(rng, sites, trips_of(city_day))
    city_day.expected = expected_figures(city_day)
    return city_day
