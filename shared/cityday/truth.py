"""The truth of a city-day: the figures the monthly report must show, computed in plain Python from the plan
alone (never read back from a service), with the rules the plans state (domain.md §5-§7): the effective stage
and fuel of a passage are the registry's when the plate is complete and registered, else what the gate sent;
a violation is a passage at a site of a listed industry, during an orange-or-worse alert, of a diesel truck of
China IV or below hauling bulk goods."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from shared.cityday.model import (
    BULK_KEYWORDS,
    CLEAN_MODES,
    GAP_THRESHOLD,
    NEV_CATEGORIES,
    NEW_ENERGY,
    PAYLOADS,
    PHASEOUT,
    RAIL_BULK_GOODS,
    ROAD_MODES,
    RULE_INDUSTRIES,
    STAGE_RANK,
    CityDay,
    Expected,
    Passage,
    corrected,
    stage_group,
)
from shared.timeutil import zone


def trips_of(plan: CityDay) -> dict[str, dict[str, Counter[str]]]:
    """Per enterprise (a site's owner) and gate direction: passages by vehicle class (railshift's trips)."""
    owner = {s.site_id: s.uscc for s in plan.sites}
    trips: dict[str, dict[str, Counter[str]]] = {s.uscc: {"in": Counter(), "out": Counter()} for s in plan.sites}
    for passage in plan.passages:
        trips[owner[passage.site_id]][passage.body["direction"]][passage.vehicle_class or "unknown"] += 1
    return trips


def for_district(plan: CityDay, district: str) -> CityDay:
    """The part of the day a district's report covers, with its own truth: vehicles and machines registered
    there, its sites and their passages and enterprises, list entries about its subjects."""
    vehicles = [v for v in plan.vehicles if v["district_code"] == district]
    machines = [m for m in plan.machines if m["district_code"] == district]
    codes, plates = {m["code"] for m in machines}, {v["plate"] for v in vehicles}
    sites = [s for s in plan.sites if s.district == district]
    site_ids = {s.site_id for s in sites}

    def about(entry: dict[str, Any]) -> bool:
        kind = entry["subject_type"]
        return (entry.get("plate") in plates if kind == "vehicle" else entry.get("code") in codes
                if kind == "machinery" else entry["uscc"][2:8] == district)  # fmt: skip

    entries = [e for e in plan.entries if about(e)]
    view = replace(
        plan, area=district, vehicles=vehicles, machines=machines, sites=sites, entries=entries,
        machine_changes=[c for c in plan.machine_changes if c["code"] in codes],
        lifted=[n for n, e in enumerate(entries) if plan.entries.index(e) in plan.lifted],
        passages=[p for p in plan.passages if p.site_id in site_ids],
        declarations={s.uscc: plan.declarations[s.uscc] for s in sites},
    )  # fmt: skip
    view.expected = expected_figures(view)
    return view


def breaks_the_alert_rule(plan: CityDay, passage: Passage) -> bool:
    """During the orange alert (start included, end not), at a site of an industry the rule lists, a diesel
    truck of China IV or below (its registry stage, else the gate's) hauling bulk goods."""
    site = next(s for s in plan.sites if s.site_id == passage.site_id)
    when = datetime.fromisoformat(passage.body["captured_at"])
    starts, ends = (datetime.fromisoformat(plan.alert[k]) for k in ("starts_at", "ends_at"))
    return (
        starts <= when < ends and site.industry in RULE_INDUSTRIES and passage.fuel == "diesel"
        and stage_group(passage.stage) == "china_4_or_below"
        and any(keyword in (passage.body.get("goods") or "") for keyword in BULK_KEYWORDS)
    )  # fmt: skip


def expected_figures(plan: CityDay) -> Expected:
    """The truth: what the December report must say about what this plan sent."""
    expected = Expected(month=plan.month, alert_key=plan.alert["alert_key"])
    first = plan.day.replace(day=1)
    next_month = (first + timedelta(days=32)).replace(day=1)
    last = next_month - timedelta(days=1)
    expected.days_in_month = last.day
    for site in plan.sites:
        expected.sites[site.site_id] = Counter(gates=len(site.gates))
    days: dict[str, set[date]] = defaultdict(set)
    broken = {id(p): breaks_the_alert_rule(plan, p) for p in plan.passages}
    for p in plan.passages:
        row = expected.sites[p.site_id]
        row["total"] += 1
        row[p.body["direction"]] += 1
        row["complete_plates" if p.complete else "incomplete_plates"] += 1
        row["unknown_vehicles"] += 0 if p.known else 1
        row["backfilled"] += 0 if p.live else 1
        row["violations"] += broken[id(p)]
        when = datetime.fromisoformat(p.body["captured_at"].replace("Z", "+00:00")).astimezone(zone())
        row["alert_day_passages"] += when.date() == plan.day  # the alert's day: every passage of it counts
        days[p.site_id].add(when.date())
        row["china_4_or_below"] += stage_group(p.stage) == "china_4_or_below"
        expected.stage_groups[stage_group(p.stage)] += 1
        if broken[id(p)]:
            expected.violations[(p.site_id, plan.day.isoformat(), _normalised(p.body["plate"]))] += 1
    for site_id, row in expected.sites.items():
        row["days_without_events"] = expected.days_in_month - len(days[site_id])
    for site in plan.sites:
        row = expected.sites[site.site_id]
        times = [datetime.fromisoformat(p.body["captured_at"]) for p in plan.passages if p.site_id == site.site_id]
        row["last_event_at"] = max(times) if times else None
        silent = [silent_minutes(sorted(datetime.fromisoformat(p.body["captured_at"]) for p in plan.passages
                                        if p.site_id == site.site_id and p.body["gate_id"] == gate), first, last)
                  for gate in site.gates]  # fmt: skip
        row["silent_minutes"] = sum(silent)
        row["gates_silent"] = sum(1 for minutes in silent if minutes)
    expected.phaseout = _phaseout_truth(plan, last)
    expected.nev = _nev_truth(plan, first, last)
    expected.machinery = _machinery_truth(plan, first, last)
    expected.lists_month = _lists_truth(plan)
    expected.transport = _transport_truth(plan, trips_of(plan))
    expected.sent.update(
        vehicles=len(plan.vehicles), machines=len(plan.machines), inspections=len(plan.inspections),
        entries=len(plan.entries), lifted=len(plan.lifted), sites=len(plan.sites),
        gates=sum(len(s.gates) for s in plan.sites), passages=len(plan.passages),
        backfilled=sum(not p.live for p in plan.passages), retries=len(plan.retries), conflicts=1,
        violations=sum(broken.values()), declarations=len(plan.declarations),
    )  # fmt: skip
    return expected


def _normalised(plate: str) -> str:
    """The plate as the ledger keeps it: normalised, and empty when nothing readable was sent (无牌)."""
    from shared.identifiers import normalise_plate
    from shared.identifiers.plates import PlateKind

    read = normalise_plate(plate)
    return "" if read.kind is PlateKind.UNREADABLE else read.normalised[:16]


def silent_minutes(heard: list[datetime], first: date, last: date, window: timedelta = timedelta(minutes=60)) -> int:
    """Minutes of a round-the-clock gate's silent stretches (nothing heard for longer than the window), day by
    day over [first, last], each stretch rounded to the minute: gatecontrol's G1 completeness definition."""
    minutes, day = 0, first
    while day <= last:
        opens = datetime.combine(day, time(0), tzinfo=zone())
        closes = opens + timedelta(days=1)
        previous = opens
        for moment in [*(t for t in heard if opens <= t < closes), closes]:
            if moment - previous > window:
                minutes += round((moment - previous).total_seconds() / 60)
            previous = max(previous, moment)
        day += timedelta(days=1)
    return minutes


def _in_plan(vehicle: dict[str, Any], ceiling: str, classes: tuple[str, ...]) -> bool:
    stage = vehicle["emission_stage"]
    return (vehicle["fuel"] == "diesel" and vehicle["operating"] and vehicle["vehicle_class"] in classes
            and stage in STAGE_RANK and STAGE_RANK.index(stage) <= STAGE_RANK.index(ceiling))  # fmt: skip


def _phaseout_truth(plan: CityDay, last: date) -> dict[str, dict[str, Any]]:
    """Per plan of the city: trucks in scope by district (none eliminated), overdue when the deadline passed."""
    truth = {}
    gone = {c["plate"] for c in plan.changes if date.fromisoformat(c["body"]["effective_date"]) <= last
            and (c["kind"] == "status" or c["body"]["emission_stage"] > "china_4")}  # fmt: skip
    for marker, (ceiling, classes, past_deadline) in PHASEOUT.items():
        scope = [v for v in plan.vehicles
                 if _in_plan(v, ceiling, classes) and date.fromisoformat(v["registration_date"]) <= last]  # fmt: skip
        left = [v for v in scope if v["plate"] not in gone]
        eliminated = len(scope) - len(left)
        truth[marker] = {"population": len(scope), "remaining": len(left), "eliminated": eliminated,
                         "eliminated_in_month": eliminated, "overdue": len(left) if past_deadline else 0,
                         "districts": Counter(v["district_code"] for v in scope),
                         "overdue_plates": {v["plate"] for v in left} if past_deadline else set()}  # fmt: skip
    return truth


def _nev_truth(plan: CityDay, first: date, last: date) -> dict[str, Counter[str]]:
    """Per public-fleet category: the stock at month end and the month's additions, new-energy among them."""
    truth: dict[str, Counter[str]] = defaultdict(Counter)
    scrapped = {c["plate"] for c in plan.changes
                if c["kind"] == "status" and date.fromisoformat(c["body"]["effective_date"]) <= last}  # fmt: skip
    for vehicle in plan.vehicles:
        category = NEV_CATEGORIES.get(vehicle["body_type"])
        registered = date.fromisoformat(vehicle["registration_date"])
        if category is None or registered > last:
            continue
        nev = vehicle["fuel"] in NEW_ENERGY
        if vehicle["plate"] not in scrapped:
            truth[category].update(stock_total=1, stock_nev=nev)
        if registered >= first:
            truth[category].update(added_total=1, added_nev=nev)
    return dict(truth)


def _machinery_truth(plan: CityDay, first: date, last: date) -> dict[str, Any]:
    gone = {c["code"] for c in plan.machine_changes if date.fromisoformat(c["body"]["effective_date"]) <= last}
    active = [m for m in plan.machines if date.fromisoformat(m["registered_on"]) <= last and m["code"] not in gone]
    tested = {
        i["code"]
        for i in plan.inspections
        if i.get("emission_tested") and date(first.year, 1, 1) <= date.fromisoformat(i["inspected_on"]) <= last
    }
    coverage: dict[str, Counter[str]] = defaultdict(Counter)
    for machine in active:
        coverage[machine["district_code"]]["registered"] += 1
        coverage[machine["district_code"]]["tested"] += machine["code"] in tested
    # coverage counts a machine in its own district; a finding belongs to the district it was made in
    in_month = [i for i in plan.inspections if first <= date.fromisoformat(i["inspected_on"]) <= last
                and plan.area in ("city", i["district_code"])]  # fmt: skip
    failed = [i for i in in_month if i.get("black_smoke") or (i.get("emission_tested")
              and Decimal(i["opacity"]) > Decimal(i["opacity_limit"]))]  # fmt: skip
    closed = {f["ref"]: f["body"]["follow_up"] for f in plan.follow_ups}
    return {
        "follow_up": Counter(closed.get(i["inspection_ref"], "open") for i in failed),
        "active_at_month_end": len(active),
        "new_in_month": sum(first <= date.fromisoformat(m["registered_on"]) <= last for m in plan.machines),
        "by_type": Counter(m["machine_type"] for m in active),
        "by_stage": Counter(m.get("emission_stage", "electric") for m in active),
        "coverage": {d: dict(c) for d, c in coverage.items()},
        "failures_total": len(failed),
        "lez_violations_total": sum(i["inspection_ref"].endswith("-LEZ") for i in in_month),
        "below_china_1_active": sum(m.get("emission_stage") in ("nonroad_0", "nonroad_1") for m in active),
    }


def _lists_truth(plan: CityDay) -> dict[str, Any]:
    """Entries are recorded today, back-dated to the 1st of the scenario's month. A month's report shows the
    lists as recorded by its end (contract V2): a back-dated entry is *added* in the month it is recorded and
    in force at the end of that month unless lifted in it; the scenario's month, already over, shows none."""
    active: Counter[tuple[str, str]] = Counter()
    added: Counter[tuple[str, str, str]] = Counter()
    for index, entry in enumerate(plan.entries):
        added[(entry["list_kind"], entry["reason_code"], entry["subject_type"])] += 1
        if index not in plan.lifted:
            active[(entry["list_kind"], entry["subject_type"])] += 1
    lifted = Counter((plan.entries[i]["list_kind"], plan.entries[i]["reason_code"],
                      plan.entries[i]["subject_type"]) for i in plan.lifted)  # fmt: skip
    enterprises = {e["uscc"] for e in plan.entries if e["subject_type"] == "enterprise"}
    return {"active_at_month_end": active, "added": added, "lifted": lifted, "enterprises": enterprises}


def _transport_truth(plan: CityDay, trips: dict[str, dict[str, Counter[str]]]) -> dict[str, dict[str, Any]]:
    truth = {}
    for site in plan.sites:
        lines = plan.declarations[site.uscc]
        if plan.review.get(site.uscc) == "approve":  # the approved version was corrected; the correction approved
            lines = corrected(lines)
        tonnes = [(line["direction"], line["goods"], line["mode"], Decimal(line["tonnes"])) for line in lines]
        bulk = sum((t for _, g, _, t in tonnes if g in RAIL_BULK_GOODS), Decimal(0))
        rail = sum((t for _, g, m, t in tonnes if g in RAIL_BULK_GOODS and m == "rail"), Decimal(0))
        clean = sum((t for _, _, m, t in tonnes if m in CLEAN_MODES), Decimal(0))
        total = sum((t for *_, t in tonnes), Decimal(0))
        directions, worst = {}, Decimal(0)
        for direction, declared_direction in (("in", "inbound"), ("out", "outbound")):
            declared = sum((t for d, _, m, t in tonnes if d == declared_direction and m in ROAD_MODES), Decimal(0))
            by_class = trips[site.uscc][direction]
            estimated = sum((PAYLOADS[c] * n for c, n in by_class.items() if c in PAYLOADS), Decimal(0))
            larger = max(declared, estimated)
            gap = Decimal(0) if not larger else abs(declared - estimated) * 100 / larger
            worst = max(worst, gap)
            directions[direction] = {"declared": declared, "estimated": estimated, "trips": sum(by_class.values()),
                                     "gap_percent": gap.quantize(Decimal("0.01"))}  # fmt: skip
        action = plan.review.get(site.uscc)
        truth[site.uscc] = {
            "name": site.name, "approved": action == "approve",
            "status": {"approve": "approved", "return": "returned"}.get(action or "", "submitted"),
            "rail_tonnes": rail, "bulk_tonnes": bulk, "clean_tonnes": clean, "all_tonnes": total,
            "reconciliation": "gap" if worst > GAP_THRESHOLD else "ok", "directions": directions,
        }  # fmt: skip
    return truth
