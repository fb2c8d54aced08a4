"""Phase-out progress as of a day: city-wide and per district or owner, from one SQL aggregate."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from shared.db import session
from shared.errors import ValidationFailed
from shared.identifiers import division_name
from shared.pagination import Page
from shared.tabular import Sheet, xlsx_chunks
from shared.vocab import FUEL_LABELS_ZH, STAGE_LABELS_ZH, EmissionStage, Fuel
from vehicles.daos.phaseout import get_plan, progress_counts, remaining_page, remaining_stream
from vehicles.models import PhaseoutPlan, Vehicle
from vehicles.rules import days_to_deadline, overdue, percent
from vehicles.terms import STATUS_LABELS_ZH, VehicleStatus


def _figures(counts: dict[str, Any], plan: PhaseoutPlan, as_of: date) -> dict[str, Any]:
    population, eliminated = counts["population"], counts["eliminated"]
    remaining = population - eliminated
    return {
        "baseline": counts["baseline"],
        "added_since_baseline": population - counts["baseline"],
        "eliminated": eliminated,
        "eliminated_by": {k: counts[k] for k in ("scrapped", "deregistered", "transferred_out", "upgraded")},
        "remaining": remaining,
        "percent_done": percent(eliminated, population),
        "overdue": overdue(plan.deadline, as_of, remaining),
    }


def check_as_of(plan: PhaseoutPlan, as_of: date) -> None:
    """Progress is counted from the plan's baseline day on."""
    if as_of < plan.baseline_date:
        raise ValidationFailed(
            f"{as_of} is before the plan's baseline date {plan.baseline_date}",
            errors=[{"field": "as_of", "reason": f"must be on or after {plan.baseline_date}", "in": "query"}],
        )


@dataclass
class PhaseoutProgress:
    """Baseline, eliminated, remaining, percent done and days to the deadline of one plan on one day."""

    plan_code: str
    as_of: date
    by: str | None = None

    def run(self) -> dict[str, Any]:
        """Run the command."""
        db_session = session()
        plan = get_plan(db_session, self.plan_code)
        check_as_of(plan, self.as_of)
        year_start = date(self.as_of.year, 1, 1) if plan.quotas else None
        city = progress_counts(db_session, plan, self.as_of, None, year_start)[0]
        result: dict[str, Any] = {
            "plan": plan,
            "as_of": self.as_of,
            "by": self.by or "city",
            "deadline": plan.deadline,
            "days_to_deadline": days_to_deadline(plan.deadline, self.as_of),
            "deadline_passed": plan.deadline is not None and self.as_of > plan.deadline,
            "city": _figures(city, plan, self.as_of),
            "quota": self._quota(plan, city),
            "groups": [],
        }
        if self.by:
            for row in progress_counts(db_session, plan, self.as_of, self.by):
                name = division_name(row["key"]) if self.by == "district" and row["key"] else None
                result["groups"].append({"key": row["key"], "name": name, **_figures(row, plan, self.as_of)})
        return result

    def _quota(self, plan: PhaseoutPlan, city: dict[str, Any]) -> dict[str, Any] | None:
        quota = next((q for q in plan.quotas if int(q["year"]) == self.as_of.year), None)
        if quota is None:
            return None
        done = city["eliminated"] - city["eliminated_before_year"]
        return {
            "year": self.as_of.year,
            "count": int(quota["count"]),
            "eliminated_this_year": done,
            "percent_done": percent(done, int(quota["count"])),
            "source_item": quota.get("source_item"),
        }


@dataclass
class RemainingVehicles:
    """One keyset page of the vehicles of a plan not eliminated on a day (the drill-down)."""

    plan_code: str
    as_of: date
    filters: dict[str, Any]
    limit: int
    cursor: str | None

    def run(self) -> Page[Vehicle]:
        """Run the command."""
        db_session = session()
        plan = get_plan(db_session, self.plan_code)
        check_as_of(plan, self.as_of)
        return remaining_page(db_session, plan, self.as_of, self.filters, self.limit, self.cursor)


REMAINING_HEADERS = ["号牌号码 Plate", "号牌颜色 Colour", "车辆识别代号 VIN", "车辆类型 Class", "燃料 Fuel",
                     "排放阶段 Stage", "推定 Inferred", "所有人 Owner", "区县 District", "注册日期 Registered",
                     "状态 Status", "逾期 Overdue"]  # fmt: skip


def _remaining_row(vehicle: Vehicle, is_overdue: bool) -> list[object]:
    stage = vehicle.emission_stage
    return [
        vehicle.plate, vehicle.plate_colour, vehicle.vin, vehicle.vehicle_class,
        FUEL_LABELS_ZH.get(Fuel(vehicle.fuel), vehicle.fuel),
        STAGE_LABELS_ZH.get(EmissionStage(stage), stage) if stage else None,
        "是" if vehicle.stage_inferred else "否",
        vehicle.owner_uscc or ("个人" if vehicle.owner_person_tail else None),
        f"{vehicle.district_code} {division_name(vehicle.district_code) or ''}".strip(),
        vehicle.registration_date, STATUS_LABELS_ZH.get(VehicleStatus(vehicle.status), vehicle.status),
        "是" if is_overdue else "否",
    ]  # fmt: skip


@dataclass
class ExportRemaining:
    """The remaining vehicles of a plan as an XLSX workbook (streamed), with a summary sheet."""

    plan_code: str
    as_of: date
    filters: dict[str, Any]

    def run(self) -> Iterator[bytes]:
        """Run the command."""
        db_session = session()
        plan = get_plan(db_session, self.plan_code)
        check_as_of(plan, self.as_of)
        progress = PhaseoutProgress(self.plan_code, self.as_of, "district").run()
        late = progress["deadline_passed"]
        summary = Sheet(
            title="汇总 Summary",
            headers=["项目 Item", "值 Value"],
            rows=[
                ("计划 Plan", plan.name), ("依据 Source", f"{plan.source_document} {plan.source_item}"),
                ("截止日期 Deadline", plan.deadline), ("统计日期 As of", self.as_of),
                ("基数 Baseline", progress["city"]["baseline"]),
                ("新增 Added since baseline", progress["city"]["added_since_baseline"]),
                ("已淘汰 Eliminated", progress["city"]["eliminated"]),
                ("剩余 Remaining", progress["city"]["remaining"]),
                ("完成率 Percent done", progress["city"]["percent_done"]),
            ],
        )  # fmt: skip
        districts = Sheet(
            title="分区县 Districts",
            headers=["区县 District", "基数 Baseline", "新增 Added", "已淘汰 Eliminated", "剩余 Remaining",
                     "完成率 Percent done", "逾期 Overdue"],
            rows=[(f"{g['key']} {g['name'] or ''}".strip(), g["baseline"], g["added_since_baseline"], g["eliminated"],
                   g["remaining"], g["percent_done"], g["overdue"]) for g in progress["groups"]],
        )  # fmt: skip
        rows = (_remaining_row(v, late) for v in remaining_stream(plan, self.as_of, self.filters))
        remaining = Sheet(
            title="剩余车辆 Remaining", headers=REMAINING_HEADERS, rows=rows, number_formats={9: "yyyy-mm-dd"}
        )
        return xlsx_chunks([summary, districts, remaining])
