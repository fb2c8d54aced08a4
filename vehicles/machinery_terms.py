"""Vocabulary of non-road mobile machinery (非道路移动机械): types, fuels, stages, statuses, follow-ups, and the
shipped data (registration-code formats, low-emission zones, rule settings) read from vehicles/machinery_*.yaml.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml


class MachineType(StrEnum):
    """Machinery type by use (机械类型)."""

    EXCAVATOR = "excavator"  # 挖掘机
    LOADER = "loader"  # 装载机
    FORKLIFT = "forklift"  # 叉车
    PILE_DRIVER = "pile_driver"  # 打桩机 (桩工机械)
    CRANE = "crane"  # 起重机
    ROLLER = "roller"  # 压路机
    PAVER = "paver"  # 摊铺机
    OTHER = "other"  # 其他


MACHINE_TYPE_LABELS_ZH = {
    MachineType.EXCAVATOR: "挖掘机",
    MachineType.LOADER: "装载机",
    MachineType.FORKLIFT: "叉车",
    MachineType.PILE_DRIVER: "打桩机",
    MachineType.CRANE: "起重机",
    MachineType.ROLLER: "压路机",
    MachineType.PAVER: "摊铺机",
    MachineType.OTHER: "其他",
}
_TYPE_ALIASES = {label: kind for kind, label in MACHINE_TYPE_LABELS_ZH.items()} | {
    "铲车": MachineType.LOADER,
    "桩工机械": MachineType.PILE_DRIVER,
    "桩机": MachineType.PILE_DRIVER,
    "吊车": MachineType.CRANE,
    "挖机": MachineType.EXCAVATOR,
}


class MachineFuel(StrEnum):
    """Fuel or power (燃料类型)."""

    DIESEL = "diesel"  # 柴油
    ELECTRIC = "electric"  # 电动
    GAS = "gas"  # 燃气 (LNG/CNG/LPG)
    OTHER = "other"  # 其他 (petrol, dual fuel ...)


MACHINE_FUEL_LABELS_ZH = {
    MachineFuel.DIESEL: "柴油",
    MachineFuel.ELECTRIC: "电动",
    MachineFuel.GAS: "燃气",
    MachineFuel.OTHER: "其他",
}
_FUEL_ALIASES = {label: fuel for fuel, label in MACHINE_FUEL_LABELS_ZH.items()} | {
    "纯电动": MachineFuel.ELECTRIC,
    "电": MachineFuel.ELECTRIC,
    "天然气": MachineFuel.GAS,
    "液化石油气": MachineFuel.GAS,
    "汽油": MachineFuel.OTHER,
}


class NonroadStage(StrEnum):
    """Non-road emission stage (GB 20891 第一…第四阶段, called 国一…国四), oldest first; electric has none."""

    BELOW_1 = "nonroad_0"  # 国一以下 (before stage I or unknown old engine)
    NONROAD_1 = "nonroad_1"  # 国一
    NONROAD_2 = "nonroad_2"  # 国二
    NONROAD_3 = "nonroad_3"  # 国三
    NONROAD_4 = "nonroad_4"  # 国四
    ELECTRIC = "electric"  # 电动: no exhaust stage applies

    @property
    def number(self) -> int | None:
        """The stage as the policy rules count it (国一 = 1; below 国一 = 0); None for electric."""
        return None if self is NonroadStage.ELECTRIC else int(self.value[-1])


NONROAD_STAGE_LABELS_ZH = {
    NonroadStage.BELOW_1: "国一以下",
    NonroadStage.NONROAD_1: "国一",
    NonroadStage.NONROAD_2: "国二",
    NonroadStage.NONROAD_3: "国三",
    NonroadStage.NONROAD_4: "国四",
    NonroadStage.ELECTRIC: "电动",
}
_STAGE_DIGITS = {"0": "0", "零": "0", "一": "1", "二": "2", "三": "3", "四": "4", "I": "1", "II": "2",
                 "III": "3", "IV": "4", "1": "1", "2": "2", "3": "3", "4": "4"}


class MachineStatus(StrEnum):
    """Registration status (登记状态); every change is kept in the dated history."""

    ACTIVE = "active"  # 在用
    SCRAPPED = "scrapped"  # 报废
    DEREGISTERED = "deregistered"  # 注销
    TRANSFERRED_OUT = "transferred_out"  # 转出


MACHINE_STATUS_LABELS_ZH = {
    MachineStatus.ACTIVE: "在用",
    MachineStatus.SCRAPPED: "报废",
    MachineStatus.DEREGISTERED: "注销",
    MachineStatus.TRANSFERRED_OUT: "转出",
}
FINAL_MACHINE_STATUSES = frozenset({MachineStatus.SCRAPPED, MachineStatus.DEREGISTERED})


class FollowUp(StrEnum):
    """What became of a machine that failed an inspection (整改跟踪)."""

    OPEN = "open"  # 待整改
    REPAIRED = "repaired"  # 已维修
    RETESTED_PASS = "retested_pass"  # 复检合格
    REMOVED = "removed"  # 撤场 (004 item 9: 超标撤场)
    BLACKLISTED = "blacklisted"  # 列入黑名单


FOLLOW_UP_LABELS_ZH = {
    FollowUp.OPEN: "待整改",
    FollowUp.REPAIRED: "已维修",
    FollowUp.RETESTED_PASS: "复检合格",
    FollowUp.REMOVED: "撤场",
    FollowUp.BLACKLISTED: "列入黑名单",
}


class ZoneKind(StrEnum):
    """What a zone restricts."""

    LOW_EMISSION_ZONE = "low_emission_zone"  # 非道路移动机械低排放控制区
    CITY_PLANNING_AREA = "city_planning_area"  # 市区规划区 (construction-site ban)


def _squash(value: str) -> str:
    text = unicodedata.normalize("NFKC", value).strip()
    return re.sub(r"[\s_\-./()（）]", "", text)


def _term(name: str, vocabulary: type[StrEnum], aliases: dict[str, Any]) -> Any:
    allowed = ", ".join(m.value for m in vocabulary)

    def parse(value: object) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if text.lower() in vocabulary._value2member_map_:
                return vocabulary(text.lower())
            if text in aliases:
                return aliases[text]
        raise ValueError(f"unknown {name} {value!r}; allowed: {allowed} (or their Chinese names)")

    return parse


parse_machine_type = _term("machine type", MachineType, _TYPE_ALIASES)
parse_machine_fuel = _term("fuel", MachineFuel, _FUEL_ALIASES)
parse_machine_status = _term(
    "status", MachineStatus, {label: status for status, label in MACHINE_STATUS_LABELS_ZH.items()}
)
parse_follow_up = _term("follow-up", FollowUp, {label: f for f, label in FOLLOW_UP_LABELS_ZH.items()})


def parse_nonroad_stage(value: object) -> NonroadStage:
    """A stage from 'nonroad_3', '国三', '国3', '国III', 'III', '3', '国一以下' / '0', '电动'."""
    allowed = ", ".join(s.value for s in NonroadStage)
    if isinstance(value, str) and value.strip():
        text = value.strip().lower()
        if text in NonroadStage._value2member_map_:
            return NonroadStage(text)
        squashed = _squash(value).upper()
        if squashed in {"电动", "纯电动", "D", "ELECTRIC"}:
            return NonroadStage.ELECTRIC
        below = squashed.endswith(("以下", "以前", "之前"))
        core = squashed.removesuffix("以下").removesuffix("以前").removesuffix("之前")
        core = core.removeprefix("CHINA").removeprefix("NONROAD").removeprefix("国").removeprefix("第")
        core = core.removesuffix("阶段")
        digit = _STAGE_DIGITS.get(core)
        if digit is not None:
            if below or digit == "0":
                # 国一以下 / 国0: older than stage I. "国二以下" is not a stage, so only 国一 may take 以下.
                if digit in ("0", "1"):
                    return NonroadStage.BELOW_1
            else:
                return NonroadStage(f"nonroad_{digit}")
    raise ValueError(f"unknown non-road emission stage {value!r}; allowed: {allowed} (国一以下, 国一…国四, 电动)")


# --- shipped data --------------------------------------------------------------------------------------------


def _yaml(name: str) -> Any:
    return yaml.safe_load(resources.files("vehicles").joinpath(name).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class CodeFormat:
    """One accepted shape of a registration code, where it applies (province prefixes or '*') and its source."""

    id: str
    provinces: tuple[str, ...]
    pattern: re.Pattern[str]
    description: str
    source: str

    def applies_to(self, district_code: str | None) -> bool:
        """Whether a machine registered in this district may carry a code of this format."""
        return "*" in self.provinces or (district_code is not None and district_code[:2] in self.provinces)


@lru_cache(maxsize=1)
def code_formats() -> tuple[CodeFormat, ...]:
    """vehicles/machinery_codes.yaml: the registration-code formats accepted, in file order."""
    return tuple(
        CodeFormat(row["id"], tuple(str(p) for p in row["provinces"]), re.compile(row["pattern"]),
                   row["description"], row["source"])
        for row in _yaml("machinery_codes.yaml")["formats"]
    )


def normalise_code(value: object) -> str:
    """A code as issued, without surrounding spaces, full-width characters or lower case."""
    if not isinstance(value, str):
        return ""
    return unicodedata.normalize("NFKC", value).strip().upper()


def match_code(code: str, district_code: str | None = None) -> CodeFormat | None:
    """The first accepted format a normalised code matches for a machine of `district_code` (None: any)."""
    for fmt in code_formats():
        if (district_code is None or fmt.applies_to(district_code)) and fmt.pattern.fullmatch(code):
            return fmt
    return None


def parse_code(value: object) -> str:
    """A registration code in one of the accepted formats (any province); ValueError describing them."""
    code = normalise_code(value)
    if not code:
        raise ValueError("a machinery registration code is required")
    if match_code(code) is None:
        shapes = "; ".join(f"{f.id}: {f.description}" for f in code_formats())
        raise ValueError(f"{code!r} is not a registration code in an accepted format ({shapes})")
    return code


@lru_cache(maxsize=1)
def machinery_policy() -> dict[str, Any]:
    """vehicles/machinery_policy.yaml: how the plans' rules are applied (types, fuels, carry-forward, days)."""
    return _yaml("machinery_policy.yaml")


def zone_rows() -> list[dict[str, Any]]:
    """vehicles/machinery_zones.yaml, checked (kinds, dates, district codes)."""
    rows = _yaml("machinery_zones.yaml")["zones"]
    for row in rows:
        ZoneKind(row["kind"])
        if not isinstance(row["effective_from"], date):
            raise ValueError(f"machinery_zones.yaml {row['zone_id']}: effective_from is not a date")
        for code in row.get("districts") or []:
            if not re.fullmatch(r"\d{6}", str(code)):
                raise ValueError(f"machinery_zones.yaml {row['zone_id']}: bad district {code!r}")
    return rows
