"""Section 1, diesel-truck phase-out (柴油货车淘汰): progress per plan, change over the month, overdue trucks."""

from __future__ import annotations

from datetime import date
from typing import Any

from reports.content import Chart, ChartKind, Column, ColumnFormat, Section, Table, Target
from reports.rules import CITY, share, with_totals
from reports.sections import ReportContext, SectionSpec, cited_rules, parallel
from shared.timeutil import month_range

SERVICE = "vehicles"
OVERDUE_LISTED = 200  # the overdue list shows this many plates; the count above it is always complete


def _figures(progress: dict[str, Any], area: str) -> dict[str, Any] | None:
    """The area's figures of a progress answer: the city's, or the district's group (None: no such trucks)."""
    if area == CITY:
        return progress["city"]
    return next((g for g in progress["groups"] if g["key"] == area), None)


def _progress(ctx: ReportContext, plan: dict[str, Any], day: date) -> dict[str, Any] | None:
    if day < date.fromisoformat(plan["baseline_date"]):
        return None  # the plan had not started: no progress to compare with
    return ctx.get(SERVICE, "/api/v1/phaseout/progress", {"plan": plan["code"], "as_of": day.isoformat(),
                                                          "by": "district"})  # fmt: skip


NO_TRUCKS = {"baseline": 0, "added_since_baseline": 0, "eliminated": 0, "remaining": 0, "overdue": 0}


def _plan_row(plan: dict[str, Any], now: dict[str, Any] | None, before: dict[str, Any] | None) -> dict[str, Any]:
    """One plan's row; `before` is None only when the plan had not started at the previous month's end."""
    now = now or NO_TRUCKS
    population = now["baseline"] + now["added_since_baseline"]
    return {
        "plan": plan["name"],
        "deadline": plan["deadline"] or "加快淘汰（无截止日期）",
        "population": population,
        "eliminated": now["eliminated"],
        "eliminated_in_month": None if before is None else now["eliminated"] - before["eliminated"],
        "remaining": now["remaining"],
        "overdue": now["overdue"],
        "done_share": share(now["eliminated"], population),
        "target_share": 1.0,  # every truck in scope goes: the plan's target is all of them
    }


PLAN_COLUMNS = [
    Column("plan", "淘汰计划", "Plan"),
    Column("deadline", "截止日期", "Deadline"),
    Column("population", "应淘汰总数", "In scope", ColumnFormat.INTEGER),
    Column("eliminated", "累计已淘汰", "Eliminated", ColumnFormat.INTEGER),
    Column("eliminated_in_month", "本月淘汰", "Eliminated this month", ColumnFormat.INTEGER),
    Column("remaining", "剩余", "Remaining", ColumnFormat.INTEGER),
    Column("overdue", "逾期未淘汰", "Overdue", ColumnFormat.INTEGER),
    Column("done_share", "完成率", "Done", ColumnFormat.PERCENT),
    Column("target_share", "目标", "Target", ColumnFormat.PERCENT),
]

DISTRICT_COLUMNS = [
    Column("district", "区县", "District"),
    Column("population", "应淘汰总数", "In scope", ColumnFormat.INTEGER, "sum"),
    Column("eliminated", "累计已淘汰", "Eliminated", ColumnFormat.INTEGER, "sum"),
    Column("remaining", "剩余", "Remaining", ColumnFormat.INTEGER, "sum"),
    Column("overdue", "逾期未淘汰", "Overdue", ColumnFormat.INTEGER, "sum"),
    Column("done_share", "完成率", "Done", ColumnFormat.PERCENT, "ratio", ("eliminated", "population")),
]


def _district_table(plan: dict[str, Any], progress: dict[str, Any], index: int) -> Table:
    rows = []
    for group in progress["groups"]:
        population = group["baseline"] + group["added_since_baseline"]
        rows.append(
            {
                "district": f"{group['key'] or '未知'} {group.get('name') or ''}".strip(),
                "population": population,
                "eliminated": group["eliminated"],
                "remaining": group["remaining"],
                "overdue": group["overdue"],
                "done_share": share(group["eliminated"], population),
            }
        )
    return with_totals(Table(f"districts_{index}", f"分区县：{plan['name']}", f"{plan['code']} by district",
                             DISTRICT_COLUMNS, rows))  # fmt: skip


def _overdue_table(ctx: ReportContext, plans: list[tuple[dict[str, Any], dict[str, Any]]]) -> tuple[Table, int]:
    rows: list[dict[str, Any]] = []
    total = 0
    for plan, figures in plans:
        total += figures["overdue"]
        if not figures["overdue"] or len(rows) >= OVERDUE_LISTED:
            continue
        params = {"plan": plan["code"], "as_of": ctx.last_day.isoformat(), **ctx.district_param}
        for vehicle in ctx.get_all(SERVICE, "/api/v1/phaseout/remaining", params):
            rows.append(
                {
                    "plate": vehicle["plate"],
                    "plate_colour": vehicle["plate_colour"],
                    "plan": plan["name"],
                    "owner": vehicle.get("owner_uscc"),
                    "district": vehicle.get("district_code"),
                    "stage": vehicle.get("emission_stage"),
                    "registered": vehicle.get("registration_date"),
                }
            )
            if len(rows) >= OVERDUE_LISTED:
                break
    columns = [Column("plate", "号牌号码", "Plate"), Column("plate_colour", "号牌颜色", "Colour"),
               Column("plan", "淘汰计划", "Plan"), Column("owner", "所有人", "Owner"),
               Column("district", "区县", "District"), Column("stage", "排放阶段", "Stage"),
               Column("registered", "注册日期", "Registered", ColumnFormat.DATE)]  # fmt: skip
    return Table("overdue", "逾期未淘汰车辆", "Overdue trucks", columns, rows), total


def build(ctx: ReportContext, section: Section) -> None:
    """Per plan of the city: in scope, eliminated (this month too), remaining and overdue; overdue plates."""
    plans = [
        p
        for p in ctx.get(SERVICE, "/api/v1/phaseout/plans")
        if p["jurisdiction"] == ctx.jurisdiction and date.fromisoformat(p["baseline_date"]) <= ctx.last_day
    ]
    previous_end = month_range(ctx.previous)[1]
    rows, current, district_tables = [], [], []
    asks = [(plan, day) for plan in plans for day in (ctx.last_day, previous_end)]
    answers = parallel(lambda ask: _progress(ctx, *ask), asks)  # vehicles counts each plan-day in one query
    for index, plan in enumerate(plans):
        progress, before = answers[2 * index], answers[2 * index + 1]
        now = _figures(progress, ctx.area) if progress else None
        # A district with no truck of the plan at the previous month's end eliminated none before: 0, not unknown
        rows.append(_plan_row(plan, now, (_figures(before, ctx.area) or NO_TRUCKS) if before else None))
        if now:
            current.append((plan, now))
        if ctx.area == CITY and progress and progress["groups"]:
            district_tables.append(_district_table(plan, progress, index))
        section.targets.append(Target(
            code=plan["code"], document=plan["source_document"], item=plan["source_item"],
            value=plan["deadline"], unit="date" if plan["deadline"] else None, comparison="by",
            description=plan["description"],
        ))  # fmt: skip
    overdue, overdue_total = _overdue_table(ctx, current)
    section.tables = [
        Table("plans", "各淘汰计划进度", "Progress per plan", PLAN_COLUMNS, rows),
        *district_tables,
        overdue,
    ]
    section.charts = [Chart(ChartKind.PROGRESS, "各计划淘汰完成率", "plans", "plan", "done_share", "target_share")]
    section.targets += cited_rules(ctx, SERVICE, prefixes=("diesel_truck.",))
    if overdue_total > len(overdue.rows):
        section.notes.append(
            f"逾期车辆共 {overdue_total} 辆，列出前 {len(overdue.rows)} 辆；完整名单见 vehicles 导出。"
            f" {overdue_total} overdue; the first {len(overdue.rows)} are listed."
        )
    section.notes.append(
        "计划之间范围重叠（国四计划包含国三车辆），各计划数字不相加。Plans overlap, so they are not summed."
    )


SPEC = SectionSpec("phaseout", 1, "一、柴油货车淘汰", "Diesel-truck phase-out", SERVICE, build)
