"""Section 5, gate data at key sites (重点用车单位门禁数据): passages, completeness, alerts and violations."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from reports.content import Chart, ChartKind, Column, ColumnFormat, Section, Table, Target
from reports.rules import CITY, share, with_totals
from reports.sections import ReportContext, SectionSpec, cited_rules
from shared.timeutil import zone

SERVICE = "gatecontrol"
VIOLATIONS_LISTED = 200
STAGE_GROUPS = {  # passages by the stage the ledger settled on
    "china_4_or_below": "国四及以下",
    "china_5": "国五",
    "china_6": "国六",
    "electric": "电动（新能源）",
    "unknown": "未知",
}


def stage_group(stage: str | None) -> str:
    """The report's stage bucket of a ledger stage value (china_0..china_6b, electric, unknown)."""
    if stage == "electric":
        return "electric"
    if stage and stage.startswith("china_"):
        number = stage.removeprefix("china_")[:1]
        if number.isdigit():
            level = int(number)
            return "china_4_or_below" if level <= 4 else ("china_5" if level == 5 else "china_6")
    return "unknown"


def covers(alert_area: str, area: str, city_code: str) -> bool:
    """Whether an alert declared for `alert_area` (a division code) applies in the report's area."""
    target = city_code if area == CITY else area
    if alert_area == target or alert_area == f"{target[:2]}0000":
        return True
    if alert_area[4:] == "00" and alert_area[:4] == target[:4]:
        return True  # the city's alert covers its districts
    return area == CITY and alert_area[:4] == city_code[:4]  # a district's alert is an alert day in the city


def alert_days(alerts: list[dict[str, Any]], start: datetime, end: datetime, tz: str) -> set[date]:
    """City calendar days of the month on which any of the alerts was in force."""
    days: set[date] = set()
    for alert in alerts:
        begin = max(datetime.fromisoformat(alert["starts_at"]), start).astimezone(zone(tz))
        finish = min(datetime.fromisoformat(alert["ends_at"]), end).astimezone(zone(tz))
        day = begin.date()
        while datetime.combine(day, datetime.min.time(), tzinfo=zone(tz)) < finish:
            days.add(day)
            day += timedelta(days=1)
    return days


COMPLETENESS_COLUMNS = [
    Column("site", "站点", "Site"),
    Column("district", "区县", "District"),
    Column("gates", "门禁数", "Gates", ColumnFormat.INTEGER, "sum"),
    Column("gates_silent", "静默门禁", "Silent gates", ColumnFormat.INTEGER, "sum"),
    Column("silent_minutes", "静默时长（分钟）", "Silent minutes", ColumnFormat.INTEGER, "sum"),
    Column("days_without_events", "无数据天数", "Days without passages", ColumnFormat.INTEGER, "sum"),
    Column("passages", "通行车次", "Passages", ColumnFormat.INTEGER, "sum"),
    Column("incomplete_plates", "号牌不完整", "Incomplete plates", ColumnFormat.INTEGER, "sum"),
    Column("unknown_vehicles", "未登记车辆", "Unknown vehicles", ColumnFormat.INTEGER, "sum"),
    Column("backfilled", "补传", "Backfilled", ColumnFormat.INTEGER, "sum"),
    Column("last_event_at", "最后数据时间", "Last passage"),
    Column("silent", "静默站点", "Silent site"),
]
COMPLETENESS_COUNTS = ("gates", "gates_silent", "silent_minutes", "days_without_events", "passages",
                       "incomplete_plates", "unknown_vehicles", "backfilled")  # fmt: skip


def is_silent(item: dict[str, Any]) -> bool:
    """A site is silent when a gate fell silent in operating hours or nothing passed it all month (gatecontrol's
    G1 definition): a site that sent no data at all is the most silent of all, not a row of zeros to skip."""
    return int(item["gates_silent"]) > 0 or int(item["passages"]) == 0


def completeness_rows(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per site of the area: gates, silent gates and minutes, days without passages, plates, backfill."""
    rows = []
    for item in sorted(items, key=lambda i: i["site_id"]):
        row = {key: int(item[key]) for key in COMPLETENESS_COUNTS}
        row.update(site=f"{item['site_id']} {item.get('name') or ''}".strip(), district=item.get("district_code"),
                   last_event_at=item.get("last_event_at"), silent="是" if is_silent(item) else "否")  # fmt: skip
        rows.append(row)
    return rows


SITE_COLUMNS = [
    Column("site", "站点", "Site"),
    Column("district", "区县", "District"),
    Column("key_user", "重点用车单位", "Key user"),
    Column("total", "通行车次", "Passages", ColumnFormat.INTEGER, "sum"),
    Column("in", "进厂", "In", ColumnFormat.INTEGER, "sum"),
    Column("out", "出厂", "Out", ColumnFormat.INTEGER, "sum"),
    Column("china_4_or_below", "国四及以下", "China IV or below", ColumnFormat.INTEGER, "sum"),
    Column("complete_plates", "号牌完整", "Complete plates", ColumnFormat.INTEGER, "sum"),
    Column(
        "complete_share", "号牌完整率", "Complete share", ColumnFormat.PERCENT, "ratio", ("complete_plates", "total")
    ),
    Column("incomplete_plates", "号牌不完整", "Incomplete plates", ColumnFormat.INTEGER, "sum"),
    Column("alert_day_passages", "预警日通行", "Passages on alert days", ColumnFormat.INTEGER, "sum"),
    Column("violations", "违规车次", "Violations", ColumnFormat.INTEGER, "sum"),
]


def _site_rows(days: list[dict[str, Any]], sites: dict[str, Any], alert_dates: set[date],
               violations: Counter[str]) -> tuple[list[dict[str, Any]], Counter[str]]:  # fmt: skip
    per_site: dict[str, dict[str, Any]] = defaultdict(lambda: Counter())
    stages: Counter[str] = Counter()
    for item in days:
        if item["site_id"] not in sites:
            continue
        row = per_site[item["site_id"]]
        for key in ("total", "in", "out", "complete_plates"):
            row[key] += item[key]
        if date.fromisoformat(item["period"]) in alert_dates:
            row["alert_day_passages"] += item["total"]
        for stage, count in item["by_stage"].items():
            stages[stage_group(stage)] += count
            if stage_group(stage) == "china_4_or_below":
                row["china_4_or_below"] += count
    rows = []
    for site_id in sorted(sites):  # every site of the area, those that sent nothing too
        counts, site = per_site[site_id], sites[site_id]
        rows.append({
            "site": f"{site_id} {site.get('name') or ''}".strip(), "district": site.get("district_code"),
            "key_user": "是" if site.get("key_user") else "否", "total": counts["total"], "in": counts["in"],
            "out": counts["out"], "china_4_or_below": counts["china_4_or_below"],
            "complete_plates": counts["complete_plates"],
            "complete_share": share(counts["complete_plates"], counts["total"]),
            "incomplete_plates": counts["total"] - counts["complete_plates"],
            "alert_day_passages": counts["alert_day_passages"], "violations": violations.get(site_id, 0),
        })  # fmt: skip
    return rows, stages


def _stage_table(stages: Counter[str]) -> Table:
    total = sum(stages.values())
    rows = [{"stage": label, "count": stages.get(key, 0), "share": share(stages.get(key, 0), total)}
            for key, label in STAGE_GROUPS.items()]  # fmt: skip
    columns = [
        Column("stage", "排放阶段", "Stage"),
        Column("count", "通行车次", "Passages", ColumnFormat.INTEGER, "sum"),
        Column("share", "占比", "Share", ColumnFormat.PERCENT),
    ]
    table = with_totals(Table("stages", "按排放阶段的通行车次", "Passages by emission stage", columns, rows))
    if table.totals is not None:
        table.totals["share"] = share(table.totals["count"], total)  # 100 % unless nothing passed
    return table


def _alert_table(alerts: list[dict[str, Any]], ctx: ReportContext) -> Table:
    start, end = ctx.bounds
    rows = [
        {"alert_key": a["alert_key"], "level": a["level"], "area": a["area"], "starts_at": a["starts_at"],
         "ends_at": a["ends_at"], "days": len(alert_days([a], start, end, ctx.tz)), "authority": a.get("authority")}
        for a in alerts
    ]  # fmt: skip
    columns = [
        Column("alert_key", "预警编号", "Alert"),
        Column("level", "级别", "Level"),
        Column("area", "区域", "Area"),
        Column("starts_at", "开始", "Starts"),
        Column("ends_at", "结束", "Ends"),
        Column("days", "本月天数", "Days this month", ColumnFormat.INTEGER),
        Column("authority", "发布机关", "Authority"),
    ]
    return Table("alerts", "重污染天气预警", "Heavy-pollution alerts", columns, rows)


def _violation_table(violations: list[dict[str, Any]]) -> Table:
    rows = [{"site_id": v["site_id"], "day": v["day"], "plate": v["plate"], "stage": v.get("stage"),
             "goods": v.get("goods"), "alert_key": v.get("alert_key"), "source": v["source"]}
            for v in violations[:VIOLATIONS_LISTED]]  # fmt: skip
    columns = [
        Column("site_id", "站点", "Site"),
        Column("day", "日期", "Day", ColumnFormat.DATE),
        Column("plate", "号牌号码", "Plate"),
        Column("stage", "排放阶段", "Stage"),
        Column("goods", "货物", "Goods"),
        Column("alert_key", "预警编号", "Alert"),
        Column("source", "依据", "Rule source"),
    ]
    return Table("violations", "违规通行明细", "Violations", columns, rows)


def _response_rules(ctx: ReportContext) -> list[Target]:
    first, last = ctx.bounds[0].astimezone(zone(ctx.tz)).date(), ctx.last_day
    targets = []
    # Only the rules that can bind a site of the area: another city's emergency plan judges nothing here.
    for rule in ctx.get(SERVICE, "/api/v1/response-rules", {"area": ctx.area_code}):
        if date.fromisoformat(rule["effective_from"]) > last:
            continue
        if rule.get("effective_to") and date.fromisoformat(rule["effective_to"]) < first:
            continue
        targets.append(Target(code=rule["code"], document=rule["source_document"], item=rule["source_item"],
                              value=rule.get("max_stage"), unit="emission_stage", comparison="<=",
                              description=f"{rule.get('issuer') or ''} {rule['description']}".strip()))  # fmt: skip
    return targets


def build(ctx: ReportContext, section: Section) -> None:
    """Per site of the area: passages, stages, plate completeness, silent gates, alert-day passages, violations."""
    start, end = ctx.bounds
    monthly = ctx.get(SERVICE, "/api/v1/completeness/monthly", {"month": ctx.month, "area": ctx.area_code})
    sites = {item["site_id"]: item for item in monthly["items"]}  # every site of the area, silent ones too
    days = ctx.get(SERVICE, "/api/v1/ledger/summary", {"month": ctx.month, "period": "day"})["items"]
    alerts = [a for a in ctx.get(SERVICE, "/api/v1/alerts", {"from": start.isoformat(), "to": end.isoformat()})
              if covers(a["area"], ctx.area, ctx.city_code)]  # fmt: skip
    per_site: Counter[str] = Counter()
    for item in days:
        if item["site_id"] in sites:
            per_site[item["site_id"]] += item["violations"]
    violations: list[dict[str, Any]] = []
    if sum(per_site.values()):  # the plates only when there are any: gatecontrol's list is slow to compute
        report = ctx.get(SERVICE, "/api/v1/violations", {"month": ctx.month})
        violations = [v for v in report["violations"] if v["site_id"] in sites]
    site_rows, stages = _site_rows(days, sites, alert_days(alerts, start, end, ctx.tz), per_site)
    sites_table = with_totals(
        Table("sites", "各站点通行与违规", "Passages and violations per site", SITE_COLUMNS, site_rows)
    )
    completeness = with_totals(
        Table("completeness", "各站点门禁数据完整性", "Completeness of each site's gate data", COMPLETENESS_COLUMNS,
              completeness_rows(monthly["items"]))
    )  # fmt: skip
    listed = _violation_table(violations)
    section.tables = [sites_table, completeness, _stage_table(stages), _alert_table(alerts, ctx), listed]
    section.charts = [
        Chart(ChartKind.SITE_BARS, "各站点通行车次", "sites", "site", "total"),
        Chart(ChartKind.SITE_BARS, "各站点违规车次", "sites", "site", "violations"),
        Chart(ChartKind.SITE_BARS, "各站点静默时长（分钟）", "completeness", "site", "silent_minutes"),
    ]
    section.targets = _response_rules(ctx) + cited_rules(ctx, SERVICE, prefixes=("ledger.", "video.", "gate."))
    alert_count = len(alert_days(alerts, start, end, ctx.tz))
    reporting = sum(1 for row in site_rows if row["total"])
    silent = sum(1 for row in completeness.rows if row["silent"] == "是")
    section.notes.append(
        f"区域内站点 {len(site_rows)} 个，本月上报数据 {reporting} 个，静默 {silent} 个；"
        f"重污染天气预警 {alert_count} 天；违规 {len(violations)} 车次。 {len(site_rows)} sites in the area, "
        f"{reporting} reported passages, {silent} silent; {alert_count} alert days; {len(violations)} violations."
    )
    if len(violations) > len(listed.rows):
        section.notes.append(f"违规明细列出前 {len(listed.rows)} 条，共 {len(violations)} 条。")
    window = monthly.get("silent_window_minutes")
    section.notes.append(
        f"静默门禁：运行时段内连续 {window} 分钟以上无数据的门禁（gatecontrol 设置 LANTIAN_GATE_SILENT_MINUTES）；"
        f"静默站点：有静默门禁或全月无通行。 Silent gate: no passage for {window} minutes or more in operating hours; "
        "silent site: a silent gate, or no passage all month."
    )
    # The two gatecontrol views count the same passages: say so if they disagree (e.g. data arriving meanwhile).
    if (completeness.totals or {}).get("passages") != (sites_table.totals or {}).get("total"):
        section.notes.append(
            "注意：完整性统计的通行车次与台账汇总不一致（两次读取之间有数据到达）。"
            " Passages in the completeness view differ from the ledger summary (data arrived between the reads)."
        )


SPEC = SectionSpec("gates", 5, "五、重点用车单位门禁数据", "Gate data at key vehicle-using sites", SERVICE, build)
