"""Pure rules of non-road machinery: which policy rule applies on a day, whether a machine may work in a zone
on a day (and every reason it may not), and the coverage arithmetic of the spot checks."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from shared.policy import pick_rule as shared_pick_rule
from vehicles.list_rules import BanReason, entry_bans, entry_in_force
from vehicles.machinery_terms import (
    MACHINE_TYPE_LABELS_ZH,
    NONROAD_STAGE_LABELS_ZH,
    MachineStatus,
    MachineType,
    NonroadStage,
    ZoneKind,
)


@dataclass(frozen=True)
class AppliedRule:
    """A policy rule as applied on a day; `carried_forward` when its own period had ended (no successor yet)."""

    code: str
    jurisdiction: str
    value: Decimal | None
    value_date: date | None
    effective_from: date
    effective_to: date | None
    source_document: str
    source_item: str
    carried_forward: bool = False

    @property
    def source(self) -> str:
        """'临政办发〔2024〕40号 三(三) item 16' (+ a note when carried forward)."""
        text = f"{self.source_document} {self.source_item}"
        if self.carried_forward:
            text += f" (period ended {self.effective_to}; applies until a later rule replaces it)"
        return text


def pick_rule(rules: Iterable[Any], day: date, carry_forward: bool) -> AppliedRule | None:
    """The rule (rows of one code and jurisdiction) that applies on `day` (shared.policy.pick_rule).

    The one in force; otherwise, with `carry_forward`, the latest that started on or before `day`.
    """
    picked = shared_pick_rule(rules, day, carry_forward)
    if picked is None:
        return None
    rule = picked.rule
    return AppliedRule(
        rule.code, rule.jurisdiction, rule.value, rule.value_date, rule.effective_from,
        rule.effective_to, rule.source_document, rule.source_item, carried_forward=picked.carried_forward,
    )


def zone_in_force(zone: Any, day: date) -> bool:
    """Whether a zone is designated on `day` (effective_from..effective_to, inclusive)."""
    return zone.effective_from <= day and (zone.effective_to is None or day <= zone.effective_to)


def zones_covering(zones: Iterable[Any], district_code: str) -> list[Any]:
    """The zones whose districts include `district_code`."""
    return [z for z in zones if district_code in (z.districts or [])]


def jurisdictions_of(district_code: str, prefixes: Mapping[str, str]) -> list[str]:
    """Jurisdictions (linfen, taiyuan ...) whose division-code prefix the district has."""
    return [name for name, prefix in prefixes.items() if district_code.startswith(prefix)]


def _stage_number(stage: str) -> int | None:
    return NonroadStage(stage).number


@dataclass(frozen=True)
class MachineContext:
    """What a verdict needs besides the machine: the day, zones, rules by role, settings, list entries."""

    day: date
    zones: Sequence[Any]  # zones the machine is (or would be) working in
    rules: Mapping[tuple[str, str], AppliedRule | None]  # (role in machinery_policy rule_codes, jurisdiction)
    settings: Mapping[str, Any]  # machinery_policy.yaml
    jurisdictions: Sequence[str]  # of the machine's district
    on_construction_site: bool = False
    entries: Sequence[Any] = ()
    now: datetime | None = None


def machine_bans(machine: Any, ctx: MachineContext) -> list[BanReason]:
    """Every reason `machine` may not work where `ctx` says on `ctx.day` (empty: allowed)."""
    reasons: list[BanReason] = []
    day = ctx.day
    stage = NonroadStage(machine.emission_stage)
    number = stage.number
    stage_zh = NONROAD_STAGE_LABELS_ZH[stage]
    if machine.status in (MachineStatus.SCRAPPED, MachineStatus.DEREGISTERED):
        zh = "已报废" if machine.status == MachineStatus.SCRAPPED else "已注销"
        reasons.append(BanReason(machine.status, zh, f"status {machine.status} since {machine.status_date}"))
    for jurisdiction in ctx.jurisdictions:
        rule = ctx.rules.get(("elimination_deadline", jurisdiction))
        limit = int(ctx.settings["elimination_max_stage"])
        if rule and rule.value_date and number is not None and number <= limit and day > rule.value_date:
            reasons.append(BanReason(
                "eliminated_stage", f"国一及以下排放标准非道路移动机械应于{rule.value_date}前淘汰({stage_zh})",
                f"stage {stage.value} <= nonroad_{limit}, deadline {rule.value_date} passed ({rule.code})",
                rule.source,
            ))
    for zone in ctx.zones:
        if not zone_in_force(zone, day):
            continue
        if zone.kind == ZoneKind.LOW_EMISSION_ZONE:
            rule = ctx.rules.get(("lez_minimum_stage", zone.jurisdiction))
            if rule and rule.value is not None and number is not None and number < int(rule.value):
                reasons.append(BanReason(
                    "lez_below_stage",
                    f"{zone.name_zh}禁止使用国{'一二三四'[int(rule.value) - 1]}以下非道路移动机械({stage_zh})",
                    f"zone {zone.zone_id}: stage {stage.value} below nonroad_{int(rule.value)} ({rule.code})",
                    f"{rule.source}; zone: {zone.source_document} {zone.source_item}",
                ))
        elif zone.kind == ZoneKind.CITY_PLANNING_AREA and ctx.on_construction_site:
            rule = ctx.rules.get(("construction_site_ban", zone.jurisdiction))
            banned = ctx.settings["construction_site_ban"]
            if (rule and (rule.value_date is None or rule.value_date <= day)
                    and machine.machine_type in banned["machine_types"] and machine.fuel in banned["fuels"]):
                label = MACHINE_TYPE_LABELS_ZH[MachineType(machine.machine_type)]
                reasons.append(BanReason(
                    "construction_site_fuel_machine",
                    f"{zone.name_zh}内施工工地禁止使用燃油装载机、叉车、打桩机(燃油{label})",
                    f"zone {zone.zone_id}: {machine.fuel} {machine.machine_type} on a construction site ({rule.code})",
                    f"{rule.source}; zone: {zone.source_document} {zone.source_item}",
                ))
    now = ctx.now
    active = [e for e in ctx.entries if now is None or entry_in_force(e, day, now)]
    reasons.extend(entry_bans(active, day))
    return reasons


# --- coverage ------------------------------------------------------------------------------------------------

_FOUR = Decimal("0.0001")


def share(numerator: int, denominator: int) -> str | None:
    """A share as a 4-place decimal string ('0.2134'); None when the denominator is 0."""
    if denominator == 0:
        return None
    return str((Decimal(numerator) / Decimal(denominator)).quantize(_FOUR, rounding=ROUND_HALF_UP))


def target_fraction(rule: AppliedRule | None) -> str | None:
    """A percent rule's value as a 2-place fraction ('20' -> '0.20')."""
    if rule is None or rule.value is None:
        return None
    return str((Decimal(rule.value) / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def target_met(tested: int, registered: int, rule: AppliedRule | None) -> bool | None:
    """tested / registered >= the rule's percent (exactly the target counts); None without a rule or machines."""
    if rule is None or rule.value is None or registered == 0:
        return None
    return Decimal(tested) * 100 >= Decimal(rule.value) * registered
