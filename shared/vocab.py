"""Vehicle vocabulary shared by services: emission stages, fuels, vehicle classes, and parsing of their aliases.

vehicles keeps the registry in these terms; gatecontrol reads the same terms from gate systems, which send
the national guide's one-character stage codes (0-6, D) or Chinese names. One parser serves both, so a stage
means the same thing on either side of the change feed.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum


class EmissionStage(StrEnum):
    """On-road emission standard (国家机动车排放标准), ordered from oldest to newest."""

    CHINA_0 = "china_0"  # 国0 (pre-standard, 国一以前)
    CHINA_1 = "china_1"  # 国一
    CHINA_2 = "china_2"  # 国二
    CHINA_3 = "china_3"  # 国三
    CHINA_4 = "china_4"  # 国四
    CHINA_5 = "china_5"  # 国五
    CHINA_6A = "china_6a"  # 国六a
    CHINA_6B = "china_6b"  # 国六b

    @property
    def rank(self) -> int:
        """Position in time: a higher rank is a newer, cleaner standard."""
        return _STAGE_ORDER.index(self)

    def at_most(self, other: EmissionStage) -> bool:
        """True when this stage is `other` or older (e.g. 国三 at_most 国四)."""
        return self.rank <= other.rank


_STAGE_ORDER = list(EmissionStage)


class Fuel(StrEnum):
    """Fuel or power type (燃料种类)."""

    DIESEL = "diesel"  # 柴油
    PETROL = "petrol"  # 汽油
    NATURAL_GAS = "natural_gas"  # 天然气 (CNG/LNG)
    BATTERY_ELECTRIC = "battery_electric"  # 纯电动
    PLUG_IN_HYBRID = "plug_in_hybrid"  # 插电式混合动力
    FUEL_CELL = "fuel_cell"  # 燃料电池
    OTHER = "other"  # 其他

    @property
    def is_new_energy(self) -> bool:
        """New-energy vehicle (新能源汽车): battery-electric, plug-in hybrid or fuel cell."""
        return self in NEW_ENERGY_FUELS


NEW_ENERGY_FUELS = frozenset({Fuel.BATTERY_ELECTRIC, Fuel.PLUG_IN_HYBRID, Fuel.FUEL_CELL})


class VehicleClass(StrEnum):
    """Vehicle category (GB/T 15089): N for goods vehicles by gross mass, M for passenger vehicles."""

    N1 = "N1"  # 轻型货车, gross mass ≤3.5 t
    N2 = "N2"  # 中型货车, 3.5-12 t
    N3 = "N3"  # 重型货车, >12 t
    M1 = "M1"  # 乘用车, ≤8 seats besides the driver
    M2 = "M2"  # 客车 ≤5 t
    M3 = "M3"  # 客车 >5 t
    OTHER = "other"  # 其他 (tractors for agriculture, special vehicles without a category)

    @property
    def is_medium_or_heavy_truck(self) -> bool:
        """Medium or heavy goods vehicle (中重型货车), the phase-out plans' scope."""
        return self in (VehicleClass.N2, VehicleClass.N3)


def truck_class_for_mass(gross_mass_kg: int) -> VehicleClass:
    """N1/N2/N3 from gross vehicle mass: light ≤3.5 t, medium 3.5-12 t, heavy >12 t."""
    if gross_mass_kg <= 3500:
        return VehicleClass.N1
    if gross_mass_kg <= 12000:
        return VehicleClass.N2
    return VehicleClass.N3


class UnknownTerm(ValueError):
    """A value that is not one of a vocabulary's terms or aliases; `allowed` lists the canonical values."""

    def __init__(self, vocabulary: str, value: object, allowed: list[str]) -> None:
        self.vocabulary = vocabulary
        self.value = value
        self.allowed = allowed
        super().__init__(f"unknown {vocabulary} {value!r}; allowed: {', '.join(allowed)}")


_CHINESE_NUMERALS = {"0": "0", "零": "0", "一": "1", "二": "2", "三": "3", "四": "4", "五": "5", "六": "6"}
_ROMAN = {"I": "1", "II": "2", "III": "3", "IV": "4", "V": "5", "VI": "6"}


def _squash(value: str) -> str:
    """Full-width to half-width, no spaces or separators, upper case: '国 Ⅵ-b' -> '国VIB'."""
    text = unicodedata.normalize("NFKC", value).upper()
    return re.sub(r"[\s_\-./()（）]", "", text)


def parse_emission_stage(value: object) -> EmissionStage | None:
    """An on-road stage from a canonical value, a Chinese name or the guide's code; None for electric ('D').

    Accepts 'china_4', '国四', '国4', '国IV', 'CHINA IV', 'IV', and the national guide's one-character codes
    '0'-'6' (6 meaning 国六, read as 国六a unless 'b' is given). Raises UnknownTerm for anything else.
    """
    if isinstance(value, EmissionStage):
        return value
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise UnknownTerm("emission stage", value, [s.value for s in EmissionStage])
    text = _squash(str(value))
    if text == "D" or text in {"电动", "纯电动", "新能源"}:
        return None  # the guide's D: electric, no exhaust standard applies
    text = text.removeprefix("CHINA").removeprefix("国").removeprefix("CN")
    suffix = ""
    if text[-1:] in {"A", "B"} and text[:-1] in {"6", "六", "VI"}:
        text, suffix = text[:-1], text[-1].lower()
    digit = _CHINESE_NUMERALS.get(text) or _ROMAN.get(text) or (text if text in "0123456" and text else None)
    if digit is None:
        raise UnknownTerm("emission stage", value, [s.value for s in EmissionStage] + ["D (electric)"])
    if digit == "6":
        return EmissionStage.CHINA_6B if suffix == "b" else EmissionStage.CHINA_6A
    return EmissionStage(f"china_{digit}")


def stage_code(stage: EmissionStage | None) -> str:
    """The national guide's one-character code for a stage (D for electric / no stage)."""
    return "D" if stage is None else stage.value.removeprefix("china_")[0]


STAGE_LABELS_ZH = {
    EmissionStage.CHINA_0: "国0",
    EmissionStage.CHINA_1: "国一",
    EmissionStage.CHINA_2: "国二",
    EmissionStage.CHINA_3: "国三",
    EmissionStage.CHINA_4: "国四",
    EmissionStage.CHINA_5: "国五",
    EmissionStage.CHINA_6A: "国六a",
    EmissionStage.CHINA_6B: "国六b",
}

FUEL_ALIASES: dict[str, Fuel] = {
    "柴油": Fuel.DIESEL,
    "汽油": Fuel.PETROL,
    "天然气": Fuel.NATURAL_GAS,
    "燃气": Fuel.NATURAL_GAS,
    "CNG": Fuel.NATURAL_GAS,
    "LNG": Fuel.NATURAL_GAS,
    "GAS": Fuel.NATURAL_GAS,
    "纯电动": Fuel.BATTERY_ELECTRIC,
    "电动": Fuel.BATTERY_ELECTRIC,
    "电": Fuel.BATTERY_ELECTRIC,
    "ELECTRIC": Fuel.BATTERY_ELECTRIC,
    "BEV": Fuel.BATTERY_ELECTRIC,
    "插电式混合动力": Fuel.PLUG_IN_HYBRID,
    "插电混动": Fuel.PLUG_IN_HYBRID,
    "PHEV": Fuel.PLUG_IN_HYBRID,
    "燃料电池": Fuel.FUEL_CELL,
    "氢燃料电池": Fuel.FUEL_CELL,
    "FCEV": Fuel.FUEL_CELL,
    "其他": Fuel.OTHER,
}

FUEL_LABELS_ZH = {
    Fuel.DIESEL: "柴油",
    Fuel.PETROL: "汽油",
    Fuel.NATURAL_GAS: "天然气",
    Fuel.BATTERY_ELECTRIC: "纯电动",
    Fuel.PLUG_IN_HYBRID: "插电式混合动力",
    Fuel.FUEL_CELL: "燃料电池",
    Fuel.OTHER: "其他",
}


def parse_fuel(value: object) -> Fuel:
    """A fuel from its canonical value ('diesel'), a Chinese name ('柴油') or a common abbreviation ('LNG')."""
    if isinstance(value, Fuel):
        return value
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip()
        lowered = text.lower().replace("-", "_").replace(" ", "_")
        if lowered in Fuel._value2member_map_:
            return Fuel(lowered)
        alias = FUEL_ALIASES.get(text.upper()) or FUEL_ALIASES.get(text)
        if alias is not None:
            return alias
    raise UnknownTerm("fuel", value, [f.value for f in Fuel])


def parse_vehicle_class(value: object) -> VehicleClass:
    """A vehicle class from 'N3', 'n3' or the Chinese size names (重型货车 -> N3)."""
    if isinstance(value, VehicleClass):
        return value
    if isinstance(value, str):
        text = _squash(value)
        if text in VehicleClass._value2member_map_:
            return VehicleClass(text)
        if text == "OTHER":
            return VehicleClass.OTHER
        for name, cls in _CLASS_ALIASES.items():
            if text == name:
                return cls
    raise UnknownTerm("vehicle class", value, [c.value for c in VehicleClass])


_CLASS_ALIASES = {
    "轻型货车": VehicleClass.N1,
    "轻型": VehicleClass.N1,
    "中型货车": VehicleClass.N2,
    "中型": VehicleClass.N2,
    "重型货车": VehicleClass.N3,
    "重型": VehicleClass.N3,
    "小型客车": VehicleClass.M1,
    "轿车": VehicleClass.M1,
    "中型客车": VehicleClass.M2,
    "大型客车": VehicleClass.M3,
    "其他": VehicleClass.OTHER,
}
