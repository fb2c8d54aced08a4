"""The city-day's vocabulary: constants of the city, the plan's parts (sites, passages, the whole day) and the
expected figures, shared by the generator (`scenario`), the truth (`truth`), the driver and the comparison."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from shared.identifiers import uscc_check_character
from shared.timeutil import zone

CITY = "141000"
DISTRICTS = ("141002", "141024", "141081")  # 尧都区 (the low-emission zone), 洪洞县, 侯马市
LEZ_DISTRICT = "141002"  # linfen_nrmm_lez reads as 尧都区 until the city's designation is loaded
BULK_KEYWORDS = ("煤", "焦", "矿", "砂", "石", "土", "渣", "粉")
RULE_INDUSTRIES = ("steel", "coking", "power", "cement", "glass", "coal", "nonferrous", "chemicals", "mining")
PAYLOADS = {"N1": Decimal("1.5"), "N2": Decimal("6"), "N3": Decimal("30")}  # railshift targets.yaml payload.*
GAP_THRESHOLD = Decimal("20")  # railshift's reconciliation.gap_threshold (percent)
STAGE_CODE = {"china_3": "3", "china_4": "4", "china_5": "5", "china_6b": "6", "electric": "D"}
CODE_STAGE = {"3": "china_3", "4": "china_4", "5": "china_5", "6": "china_6b", "D": "electric"}
BULK_GOODS = ("煤炭", "焦炭", "铁矿石")
OTHER_GOODS = ("钢材", "设备", "日用品", None)
RAIL_BULK_GOODS = ("coal", "coke", "iron_ore", "other_bulk")
CLEAN_MODES = ("rail", "pipeline", "closed_belt", "new_energy_truck", "china_6_truck")
ROAD_MODES = ("new_energy_truck", "china_6_truck", "china_5_truck", "other_road")

# (weight, vehicle_class, body_type, fuel, stages with weights, plate colour): the city's traffic mix
VEHICLE_KINDS = [
    (45, "N3", "tractor", "diesel", {"china_3": 8, "china_4": 35, "china_5": 30, "china_6b": 27}, "yellow"),
    (12, "N3", "dump", "diesel", {"china_4": 50, "china_5": 30, "china_6b": 20}, "yellow"),
    (12, "N2", "van", "diesel", {"china_4": 30, "china_5": 40, "china_6b": 30}, "yellow"),
    (12, "N3", "tractor", "natural_gas", {"china_5": 50, "china_6b": 50}, "yellow"),
    (10, "N3", "tractor", "battery_electric", {"electric": 1}, "yellow-green"),
    (7, "N1", "logistics", "petrol", {"china_6b": 1}, "blue"),
    # public fleets (section 2's categories): new-energy or not, some registered in the scenario's month
    (3, "N1", "logistics", "battery_electric", {"electric": 1}, "green"),
    (3, "M3", "bus", "battery_electric", {"electric": 1}, "yellow-green"),
    (2, "M3", "bus", "diesel", {"china_5": 1}, "yellow"),
    (3, "M1", "taxi", "battery_electric", {"electric": 1}, "green"),
    (2, "M1", "taxi", "petrol", {"china_6b": 1}, "blue"),
    (2, "N2", "sanitation", "diesel", {"china_6b": 1}, "yellow"),
]
NEV_CATEGORIES = {"bus": "公交车", "taxi": "出租车（含网约车）", "sanitation": "环卫车", "postal_express": "邮政快递车",
                  "official_car": "公务用车", "logistics": "城市物流配送车", "muck_truck": "渣土车",
                  "concrete_mixer": "混凝土搅拌车"}  # fmt: skip
NEW_ENERGY = ("battery_electric", "plug_in_hybrid", "fuel_cell")
# the city's phase-out plans (vehicles' phaseout_plans.yaml): stage ceiling, classes, deadline passed by then
PHASEOUT = {"国三": ("china_3", ("N2", "N3"), True), "国四": ("china_4", ("N1", "N2", "N3"), False)}
STAGE_RANK = ("china_0", "china_1", "china_2", "china_3", "china_4", "china_5", "china_6a", "china_6b")
REGISTERED = {"china_3": (2009, 2012), "china_4": (2013, 2017), "china_5": (2017, 2020), "china_6b": (2021, 2024),
              "electric": (2021, 2024)}  # fmt: skip
MACHINE_TYPES = ("excavator", "loader", "forklift", "crane", "roller", "paver")
HEAVY = "重型货车"


def uscc_of(district: str, tag: str, serial: int) -> str:
    """A valid unified social credit code of the scenario (tag and serial keep runs apart)."""
    first17 = f"91{district}CD{tag}{serial:06d}"
    return first17 + uscc_check_character(first17)


@dataclass
class Site:
    site_id: str
    uscc: str
    name: str
    industry: str  # gatecontrol's site industry (the response rule lists the industries it binds)
    rail_industry: str  # railshift's enterprise industry
    district: str
    gates: dict[str, str]  # gate id -> direction


@dataclass
class Passage:
    site_id: str
    body: dict[str, Any]
    live: bool  # False: held during the outage and posted later as backfill
    single: bool  # posted alone (POST /passages) rather than in a batch
    # the truth of this passage
    complete: bool
    known: bool
    stage: str | None
    fuel: str | None
    vehicle_class: str | None


@dataclass
class Expected:
    """The figures the monthly report must show, computed from what was sent."""

    month: str
    sites: dict[str, dict[str, Any]] = field(default_factory=dict)
    stage_groups: Counter[str] = field(default_factory=Counter)
    alert_key: str = ""
    alert_days: int = 1
    violations: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # (site, day, plate)
    days_in_month: int = 31
    phaseout: dict[str, dict[str, Any]] = field(default_factory=dict)
    nev: dict[str, Counter[str]] = field(default_factory=dict)
    machinery: dict[str, Any] = field(default_factory=dict)
    lists_month: dict[str, Any] = field(default_factory=dict)
    transport: dict[str, dict[str, Any]] = field(default_factory=dict)
    sent: Counter[str] = field(default_factory=Counter)


@dataclass
class CityDay:
    """Everything the scenario sends, in the order it is sent, and the truth computed from it."""

    day: date
    seed: int
    tag: str
    vehicles: list[dict[str, Any]]
    machines: list[dict[str, Any]]
    inspections: list[dict[str, Any]]
    entries: list[dict[str, Any]]
    lifted: list[int]  # indexes into entries lifted after being added
    sites: list[Site]
    response_rule: dict[str, Any]
    alert: dict[str, Any]
    outage: tuple[str, datetime, datetime]  # site, from, to (city time)
    passages: list[Passage]
    retries: list[int]  # passages resent with the same content (indexes into passages)
    conflict: int  # a passage resent with other content under the same event_id (refused, changes nothing)
    declarations: dict[str, list[dict[str, Any]]]  # uscc -> lines
    review: dict[str, str]  # uscc -> approve | return | (left submitted)
    # dated registry changes early in the month: {"plate", "plate_colour", "kind": status|upgrade, "body"}
    changes: list[dict[str, Any]] = field(default_factory=list)
    machine_changes: list[dict[str, Any]] = field(default_factory=list)  # {"code", "body"}: dated status changes
    follow_ups: list[dict[str, Any]] = field(default_factory=list)  # {"ref", "body"}: spot-check follow-ups
    # alerts besides the city's orange one: a yellow one over one district overlapping its end (no violation
    # once the orange has ended), a red one over another city (never this city's)
    other_alerts: list[dict[str, Any]] = field(default_factory=list)
    area: str = "city"  # the report area the truth is for (`for_district` makes a district's)
    expected: Expected = field(default_factory=lambda: Expected(month=""))

    @property
    def month(self) -> str:
        return f"{self.day:%Y-%m}"

    @property
    def recording_month(self) -> str:
        """The month list entries are recorded in (today's, city time): they count there, not in `month`."""
        return f"{datetime.now(zone()):%Y-%m}"


def stage_group(stage: str | None) -> str:
    """The report's stage buckets (国四及以下, 国五, 国六, electric, unknown)."""
    if stage == "electric":
        return "electric"
    if stage and stage.startswith("china_") and stage[6:7].isdigit():
        level = int(stage[6])
        return "china_4_or_below" if level <= 4 else ("china_5" if level == 5 else "china_6")
    return "unknown"


def stage_of(vehicle: dict[str, Any]) -> str:
    """A registered vehicle's stage as the ledger keeps it (D, an electric vehicle, is `electric`)."""
    return "electric" if vehicle["emission_stage"] == "D" else vehicle["emission_stage"]


def local_time(day: date, hour: int, minute: int = 0) -> datetime:
    """A time of a city day (Asia/Shanghai)."""
    return datetime.combine(day, time(hour, minute), tzinfo=zone())


def corrected(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The approved declaration corrected (更正): more coal came by rail than first declared."""
    return [{**line, "tonnes": str((Decimal(line["tonnes"]) * Decimal("1.1")).quantize(Decimal("0.001")))}
            if line["mode"] == "rail" else line for line in lines]  # fmt: skip
