"""Pure rules of the lists and the check: is an entry in force, in season, why a vehicle is banned today."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from shared.timeutil import local_date
from shared.vocab import EmissionStage
from vehicles.list_terms import ListKind, reason_zh, reasons
from vehicles.rules import split_terms, stage_at
from vehicles.terms import VehicleStatus

_MMDD = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")


def valid_month_day(value: str) -> bool:
    """'10-01' is a month-day a season may start or end on (02-29 allowed: it exists in leap years)."""
    if not isinstance(value, str) or not _MMDD.match(value):
        return False
    month, day = int(value[:2]), int(value[3:])
    return day <= (29 if month == 2 else 30 if month in (4, 6, 9, 11) else 31)


def in_season(day: date, start: str, end: str) -> bool:
    """Whether a city calendar day falls in the MM-DD..MM-DD season (both ends included; may wrap new year)."""
    mmdd = day.strftime("%m-%d")
    if start <= end:
        return start <= mmdd <= end
    return mmdd >= start or mmdd <= end


def entry_in_force(entry: Any, day: date, now: datetime) -> bool:
    """Listed on `day` (effective_from..until inclusive) and not lifted by `now`; seasons are judged apart."""
    if entry.lifted_at is not None and entry.lifted_at <= now:
        return False
    if day < entry.effective_from:
        return False
    return entry.until is None or day <= entry.until


@dataclass(frozen=True)
class BanReason:
    """One reason a vehicle may not drive in the city today."""

    code: str  # blacklist | seasonal_ban | phaseout_overdue | plate_void | scrapped | deregistered
    zh: str
    detail: str
    source: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"code": self.code, "zh": self.zh, "detail": self.detail, "source": self.source}


# Registry statuses under which a vehicle on the road is an enforcement target (000 item 15, 003 item 13).
STATUS_BANS = {
    VehicleStatus.PLATE_VOID.value: "公告牌证作废",
    VehicleStatus.SCRAPPED.value: "已报废",
    VehicleStatus.DEREGISTERED.value: "已注销",
}


def entry_bans(entries: Iterable[Any], day: date) -> list[BanReason]:
    """Bans from blacklist entries in force: a seasonal one only inside its season (key supervision bans nothing)."""
    bans = []
    for entry in entries:
        if entry.list_kind != ListKind.BLACKLIST:
            continue
        label = reason_zh(entry.reason_code)
        scope = entry.seasonal_scope
        if scope:
            if in_season(day, scope["from"], scope["to"]):
                area = "市区" if scope.get("area") == "urban" else "全市"
                bans.append(BanReason(
                    "seasonal_ban", f"黑名单({label}),{scope['from']}至{scope['to']}禁止进入{area}",
                    f"entry {entry.id}: {entry.reason_code}, banned {scope['from']}..{scope['to']} "
                    f"({scope.get('area')})",
                ))
        else:
            bans.append(BanReason("blacklist", f"黑名单({label})", f"entry {entry.id}: {entry.reason_code}"))
    return bans


def status_ban(vehicle: Any) -> BanReason | None:
    """A void plate, or a scrapped / deregistered vehicle, may not be on the road at all."""
    label = STATUS_BANS.get(vehicle.status)
    if label is None:
        return None
    return BanReason(vehicle.status, label, f"registry status {vehicle.status} since {vehicle.status_date}")


@dataclass(frozen=True)
class OverduePlan:
    """A phase-out plan whose deadline has passed, reduced to what a vehicle is matched against."""

    code: str
    district_prefix: str
    fuels: frozenset[str]
    classes: frozenset[str]
    operating_only: bool
    stages: frozenset[str]
    deadline: date
    source: str


def overdue_plans(plans: Iterable[Any], prefixes: Mapping[str, str], day: date) -> list[OverduePlan]:
    """The plans with a deadline before `day` in a jurisdiction whose districts are known."""
    out = []
    for plan in plans:
        prefix = prefixes.get(plan.jurisdiction)
        if plan.deadline is None or day <= plan.deadline or prefix is None:
            continue
        ceiling = EmissionStage(plan.max_stage)
        out.append(OverduePlan(
            plan.code, prefix, split_terms(plan.fuels), split_terms(plan.classes), plan.operating_only,
            frozenset(s.value for s in EmissionStage if s.at_most(ceiling)), plan.deadline,
            f"{plan.source_document} {plan.source_item}",
        ))
    return out


def phaseout_bans(vehicle: Any, plans: Iterable[OverduePlan], day: date) -> list[BanReason]:
    """Overdue plans that still have this active vehicle in scope (its stage on `day` at most the plan's)."""
    if vehicle.status != VehicleStatus.ACTIVE.value:
        return []
    stage = stage_at(vehicle.emission_stage, vehicle.prior_stage, vehicle.stage_upgraded_on, day)
    if stage is None:
        return []
    return [
        BanReason(
            "phaseout_overdue", "应淘汰未淘汰(淘汰期限已过)",
            f"plan {plan.code}: {stage} {vehicle.fuel} {vehicle.vehicle_class} to be eliminated by {plan.deadline}",
            plan.source,
        )
        for plan in plans
        if stage in plan.stages
        and vehicle.fuel in plan.fuels
        and vehicle.vehicle_class in plan.classes
        and (vehicle.operating or not plan.operating_only)
        and vehicle.district_code.startswith(plan.district_prefix)
    ]


def entry_problems(facts: Mapping[str, Any]) -> list[dict[str, str]]:
    """What is wrong with an entry's facts taken together (dates in order, list allowed for the reason)."""
    problems = []
    until, start = facts.get("until"), facts.get("effective_from")
    if until is not None and start is not None and until < start:
        problems.append({"field": "until", "reason": f"{until} is before effective_from {start}"})
    reason = reasons().get(facts.get("reason_code", ""))
    if reason is not None and facts.get("list_kind") not in reason.list_kinds:
        problems.append({
            "field": "list_kind",
            "reason": f"{facts.get('list_kind')!r} is not a list for reason {reason.code}; allowed: "
            + ", ".join(reason.list_kinds),
        })
    return problems


def check_day(now: datetime) -> date:
    """The city calendar day (Asia/Shanghai) a check at `now` is judged on: seasons and deadlines are city days."""
    return local_date(now)


def subject_verdict(vehicle: Any, entries: Iterable[Any], plans: Iterable[OverduePlan], now: datetime,
                    day: date) -> dict[str, Any]:
    """blacklisted / key_supervised / banned at `now` (city day `day`), and every ban reason, for one plate + colour."""
    active = [e for e in entries if entry_in_force(e, day, now)]
    bans = entry_bans(active, day)
    if vehicle is not None:
        ban = status_ban(vehicle)
        bans += [ban] if ban else []
        bans += phaseout_bans(vehicle, plans, day)
    return {
        "active": active,
        "blacklisted": any(e.list_kind == ListKind.BLACKLIST for e in active),
        "key_supervised": any(e.list_kind == ListKind.KEY_SUPERVISION for e in active),
        "banned": bool(bans),
        "ban_reasons": bans,
        "day": day,
    }


def repair_deadline(tested_on: date, repair_days: int) -> date:
    """The last day a failed vehicle may pass a re-test (the failure day + repair_days); the day after it is late."""
    return tested_on + timedelta(days=repair_days)


def fleet_share_reached(failing: int, fleet: int, share_percent: int) -> bool:
    """≥ share_percent of a fleet over-emitting (integer arithmetic: exactly 10 % counts)."""
    return fleet > 0 and failing * 100 >= share_percent * fleet
