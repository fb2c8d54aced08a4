"""The vehicles service's own vocabulary: body/use types, registry statuses, NEV fleet categories."""

from __future__ import annotations

from enum import StrEnum

from shared.vocab import NEW_ENERGY_FUELS, Fuel


class BodyType(StrEnum):
    """Body or use type (车身/使用性质) as the registry records it."""

    TRACTOR = "tractor"  # 牵引车
    DUMP = "dump"  # 自卸车
    TANKER = "tanker"  # 罐式车
    VAN = "van"  # 厢式货车
    BUS = "bus"  # 公交车
    TAXI = "taxi"  # 出租车 (含网约车, ride-hailing included)
    SANITATION = "sanitation"  # 环卫车
    POSTAL_EXPRESS = "postal_express"  # 邮政快递车
    OFFICIAL_CAR = "official_car"  # 公务用车
    LOGISTICS = "logistics"  # 物流配送车
    MUCK_TRUCK = "muck_truck"  # 渣土车
    CONCRETE_MIXER = "concrete_mixer"  # 混凝土搅拌车
    ESCORT = "escort"  # 押运车
    OTHER = "other"  # 其他


BODY_TYPE_LABELS_ZH = {
    BodyType.TRACTOR: "牵引车",
    BodyType.DUMP: "自卸车",
    BodyType.TANKER: "罐式车",
    BodyType.VAN: "厢式货车",
    BodyType.BUS: "公交车",
    BodyType.TAXI: "出租车",
    BodyType.SANITATION: "环卫车",
    BodyType.POSTAL_EXPRESS: "邮政快递车",
    BodyType.OFFICIAL_CAR: "公务用车",
    BodyType.LOGISTICS: "物流配送车",
    BodyType.MUCK_TRUCK: "渣土车",
    BodyType.CONCRETE_MIXER: "混凝土搅拌车",
    BodyType.ESCORT: "押运车",
    BodyType.OTHER: "其他",
}
_BODY_ALIASES = {label: body for body, label in BODY_TYPE_LABELS_ZH.items()} | {
    "网约车": BodyType.TAXI,
    "出租": BodyType.TAXI,
    "公交": BodyType.BUS,
    "环卫": BodyType.SANITATION,
    "邮政": BodyType.POSTAL_EXPRESS,
    "快递": BodyType.POSTAL_EXPRESS,
    "公务车": BodyType.OFFICIAL_CAR,
    "物流": BodyType.LOGISTICS,
    "搅拌车": BodyType.CONCRETE_MIXER,
}


class VehicleStatus(StrEnum):
    """Registry status (机动车状态); every change is kept in the dated history."""

    ACTIVE = "active"  # 正常
    SCRAPPED = "scrapped"  # 报废
    DEREGISTERED = "deregistered"  # 注销
    PLATE_VOID = "plate_void"  # 公告牌证作废
    TRANSFERRED_OUT = "transferred_out"  # 转出 (moved to another city)


STATUS_LABELS_ZH = {
    VehicleStatus.ACTIVE: "正常",
    VehicleStatus.SCRAPPED: "报废",
    VehicleStatus.DEREGISTERED: "注销",
    VehicleStatus.PLATE_VOID: "公告牌证作废",
    VehicleStatus.TRANSFERRED_OUT: "转出",
}

# Statuses that take a vehicle out of the city's fleet for good: the phase-out counts them as eliminated.
LEAVING_STATUSES = frozenset({VehicleStatus.SCRAPPED, VehicleStatus.DEREGISTERED, VehicleStatus.TRANSFERRED_OUT})
# No way back from these; a transferred-out vehicle may come back (active again).
FINAL_STATUSES = frozenset({VehicleStatus.SCRAPPED, VehicleStatus.DEREGISTERED})


class NevCategory(StrEnum):
    """Public-fleet categories whose new-energy share the plans set targets for (公共领域车辆)."""

    BUS = "bus"
    TAXI = "taxi"
    SANITATION = "sanitation"
    POSTAL_EXPRESS = "postal_express"
    OFFICIAL_CAR = "official_car"
    LOGISTICS = "logistics"
    MUCK_TRUCK = "muck_truck"
    CONCRETE_MIXER = "concrete_mixer"


class ShareBasis(StrEnum):
    """Which fuels count towards a target, read from the rule code's prefix."""

    NEV = "nev_share"  # 新能源: battery-electric, plug-in hybrid, fuel cell
    NEV_OR_CLEAN = "nev_or_clean_share"  # 新能源及清洁能源: new-energy or natural gas
    BEV = "bev_share"  # 纯电动 only

    @property
    def fuels(self) -> frozenset[Fuel]:
        """The fuels counted in the numerator."""
        if self is ShareBasis.BEV:
            return frozenset({Fuel.BATTERY_ELECTRIC})
        if self is ShareBasis.NEV_OR_CLEAN:
            return NEW_ENERGY_FUELS | {Fuel.NATURAL_GAS}
        return NEW_ENERGY_FUELS


def parse_body_type(value: object) -> BodyType:
    """A body type from its canonical value or its Chinese name; ValueError listing the allowed values."""
    if isinstance(value, str):
        text = value.strip()
        if text.lower() in BodyType._value2member_map_:
            return BodyType(text.lower())
        if text in _BODY_ALIASES:
            return _BODY_ALIASES[text]
    raise ValueError(f"unknown body type {value!r}; allowed: {', '.join(b.value for b in BodyType)}")


def parse_status(value: object) -> VehicleStatus:
    """A status from its canonical value or its Chinese label."""
    if isinstance(value, str):
        text = value.strip()
        if text.lower() in VehicleStatus._value2member_map_:
            return VehicleStatus(text.lower())
        for status, label in STATUS_LABELS_ZH.items():
            if text == label:
                return status
    raise ValueError(f"unknown status {value!r}; allowed: {', '.join(s.value for s in VehicleStatus)}")
