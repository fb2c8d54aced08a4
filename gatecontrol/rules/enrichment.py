"""Pure rules of enrichment: the registry facts a passage keeps, mismatch flags, list entries in force."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from shared.timeutil import local_date
from shared.vocab import EmissionStage, Fuel, UnknownTerm, parse_vehicle_class, stage_code

ELECTRIC = "electric"  # the guide's stage code D: no exhaust standard applies


@dataclass
class Enrichment:
    """The registry facts a passage keeps, and the flags they raise."""

    vehicle_known: bool = False
    registry_stage: str | None = None
    registry_stage_inferred: bool | None = None
    registry_fuel: str | None = None
    registry_class: str | None = None
    blacklisted: bool = False
    banned_reasons: list[str] = field(default_factory=list)
    stage: str | None = None
    fuel: str | None = None
    vehicle_class: str | None = None
    stage_mismatch: bool = False
    fuel_mismatch: bool = False

    def columns(self) -> dict[str, Any]:
        return dict(self.__dict__)


@lru_cache(maxsize=512)
def class_from_gate(vehicle_type: str | None) -> str | None:
    """The vehicle class a gate's free-text type names ("N3", "重型货车"), or None if it names none."""
    if not vehicle_type:
        return None
    try:
        return parse_vehicle_class(vehicle_type).value
    except UnknownTerm:
        return None


def stages_differ(reported: str | None, registry: str | None) -> bool:
    """The gate and the registry disagree on the stage, at the guide's one-character precision.

    The guide's code 6 does not tell 国六a from 国六b, so 6 against china_6b is not a disagreement.
    """
    if reported is None or registry is None:
        return False
    return _code(reported) != _code(registry)


def _code(stage: str) -> str:
    return "D" if stage == ELECTRIC else stage_code(EmissionStage(stage))


def enrich(
    passage: Mapping[str, Any], vehicle: Mapping[str, Any] | None, entries: Iterable[Mapping[str, Any]]
) -> Enrichment:
    """The snapshot of registry facts for a passage, with mismatch flags; `entries` are the plate's list entries."""
    reported_stage, reported_fuel = passage.get("emission_stage"), passage.get("fuel")
    result = Enrichment()
    if vehicle is not None:
        result.vehicle_known = True
        result.registry_stage = vehicle.get("emission_stage")
        if result.registry_stage is None and vehicle.get("fuel") and Fuel(vehicle["fuel"]).is_new_energy:
            result.registry_stage = ELECTRIC
        result.registry_stage_inferred = bool(vehicle.get("stage_inferred"))
        result.registry_fuel = vehicle.get("fuel")
        result.registry_class = vehicle.get("vehicle_class")
        status = vehicle.get("status")
        if status and status != "active":
            result.banned_reasons.append(f"registry_status:{status}")
        result.stage_mismatch = stages_differ(reported_stage, result.registry_stage)
        result.fuel_mismatch = bool(reported_fuel and result.registry_fuel and reported_fuel != result.registry_fuel)
    captured_at: datetime = passage["captured_at"]
    for entry in entries:
        if entry_active(entry, captured_at):
            if entry["list_kind"] == "blacklist":
                result.blacklisted = True
            result.banned_reasons.append(f"{entry['list_kind']}:{entry.get('reason_code') or 'unspecified'}")
    result.stage = result.registry_stage or reported_stage
    result.fuel = result.registry_fuel or reported_fuel
    result.vehicle_class = result.registry_class or class_from_gate(passage.get("vehicle_type"))
    return result


def entry_active(entry: Mapping[str, Any], moment: datetime) -> bool:
    """Whether a list entry applies at `moment`: within its dates, not lifted, inside its season if it has one."""
    day = local_date(moment)
    if entry.get("lifted_at") is not None and entry["lifted_at"] <= moment:
        return False
    if entry.get("effective_from") and day < entry["effective_from"]:
        return False
    if entry.get("until") and day > entry["until"]:
        return False
    scope = entry.get("seasonal_scope")
    return not scope or in_season(day, scope.get("from"), scope.get("to"))


def in_season(day: date, season_from: str | None, season_to: str | None) -> bool:
    """Whether a day falls in a MM-DD..MM-DD season, which may wrap the new year (10-01..03-31)."""
    if not season_from or not season_to:
        return True
    mmdd = day.strftime("%m-%d")
    if season_from <= season_to:
        return season_from <= mmdd <= season_to
    return mmdd >= season_from or mmdd <= season_to
