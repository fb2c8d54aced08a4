"""railshift's closed vocabularies: industries, siding and ultra-low-emission status, goods, modes, workflow states."""

from __future__ import annotations

from enum import StrEnum


class Industry(StrEnum):
    """Industry of an enterprise (行业), as the plans name the sectors they set targets for."""

    STEEL = "steel"  # 钢铁 (incl. foundry pig iron)
    COKING = "coking"  # 焦化
    POWER = "power"  # 电力
    ALUMINA = "alumina"  # 氧化铝 / 电解铝
    CEMENT = "cement"  # 水泥
    GLASS = "glass"  # 玻璃
    COAL_MINING = "coal_mining"  # 煤炭 (开采、洗选)
    NONFERROUS = "nonferrous"  # 有色
    OTHER = "other"  # 其他


class SidingStatus(StrEnum):
    """Rail siding (铁路专用线) status of an enterprise."""

    NONE = "none"  # 无
    PLANNED = "planned"  # 规划
    UNDER_CONSTRUCTION = "under_construction"  # 在建
    IN_SERVICE = "in_service"  # 已接入


class UltraLowStatus(StrEnum):
    """Ultra-low-emission retrofit (超低排放改造) status."""

    NOT_STARTED = "not_started"  # 未开展
    IN_PROGRESS = "in_progress"  # 改造中
    COMPLETED = "completed"  # 已完成


class Goods(StrEnum):
    """Goods a declaration line moves (货物类别)."""

    COAL = "coal"  # 煤炭
    COKE = "coke"  # 焦炭
    IRON_ORE = "iron_ore"  # 铁矿石 / 铁精矿
    OTHER_BULK = "other_bulk"  # 其他大宗物料
    OTHER = "other"  # 其他


class Mode(StrEnum):
    """Transport mode (运输方式) of a declaration line."""

    RAIL = "rail"  # 铁路
    PIPELINE = "pipeline"  # 管道
    CLOSED_BELT = "closed_belt"  # 管状带式输送机 / 封闭皮带
    NEW_ENERGY_TRUCK = "new_energy_truck"  # 新能源货车
    CHINA_6_TRUCK = "china_6_truck"  # 国六货车
    CHINA_5_TRUCK = "china_5_truck"  # 国五货车
    OTHER_ROAD = "other_road"  # 其他公路运输


ROAD_MODES = frozenset({Mode.NEW_ENERGY_TRUCK, Mode.CHINA_6_TRUCK, Mode.CHINA_5_TRUCK, Mode.OTHER_ROAD})


class Direction(StrEnum):
    """Whether freight came in or went out (进厂 / 出厂)."""

    INBOUND = "inbound"  # 进厂
    OUTBOUND = "outbound"  # 出厂


class DeclarationStatus(StrEnum):
    """Review state of one version of a monthly declaration (月度申报)."""

    DRAFT = "draft"  # 草稿
    SUBMITTED = "submitted"  # 已提交
    RETURNED = "returned"  # 已退回
    RESUBMITTED = "resubmitted"  # 已重新提交
    APPROVED = "approved"  # 已审核通过


class Action(StrEnum):
    """A workflow transition a user asks for."""

    SUBMIT = "submit"
    APPROVE = "approve"
    RETURN = "return"
    RESUBMIT = "resubmit"


class ReconciliationStatus(StrEnum):
    """Outcome of comparing declared road tonnage with the gate ledger."""

    OK = "ok"
    GAP = "gap"
    UNAVAILABLE = "unavailable"


LABELS_ZH: dict[str, str] = {
    **{g.value: z for g, z in zip(Goods, ("煤炭", "焦炭", "铁矿石", "其他大宗物料", "其他"), strict=True)},
    **{
        m.value: z
        for m, z in zip(
            Mode, ("铁路", "管道", "管状带式输送机", "新能源货车", "国六货车", "国五货车", "其他公路运输"), strict=True
        )
    },
    **{d.value: z for d, z in zip(Direction, ("进厂", "出厂"), strict=True)},
}
