"""Section 3, non-road mobile machinery (非道路移动机械): registrations, spot-check coverage against its target,
failures and their follow-up, low-emission-zone violations, from vehicles' monthly machinery summary."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from reports.content import Chart, ChartKind, Column, ColumnFormat, Section, Table, Target
from reports.rules import share, with_totals
from reports.sections import ReportContext, SectionSpec, cited_rules
from shared.identifiers.divisions import division_name

SERVICE = "vehicles"
LISTED = 200  # failures and LEZ violations printed; the counts are always complete
TYPE_ZH = {"excavator": "挖掘机", "loader": "装载机", "forklift": "叉车", "pile_driver": "打桩机", "crane": "起重机",
           "roller": "压路机", "paver": "摊铺机", "other": "其他"}  # fmt: skip
STAGE_ZH = {"nonroad_0": "国一以下", "nonroad_1": "国一", "nonroad_2": "国二", "nonroad_3": "国三",
            "nonroad_4": "国四", "electric": "电动"}  # fmt: skip
FOLLOW_UP_ZH = {"open": "待整改", "repaired": "已维修", "retested_pass": "复检合格", "removed": "撤场",
                "blacklisted": "列入黑名单"}  # fmt: skip


def target_fraction(value: Any) -> float | None:
    """The coverage target as a fraction: the contract sends "0.20"; a percent ("20") is read as 20 %."""
    if value is None:
        return None
    number = Decimal(str(value))
    return float(number / 100 if number > 1 else number)


def _share(value: Any) -> float | None:
    return None if value is None else float(Decimal(str(value)))


def coverage_rows(coverage: dict[str, Any], target: float | None) -> list[dict[str, Any]]:
    """Per district: machines registered, tested this year, the share tested, against the target."""
    rows = []
    for item in sorted(coverage["by_district"], key=lambda d: d["district_code"]):
        tested, registered = int(item["tested"]), int(item["registered"])
        value = share(tested, registered)
        verdict = "无登记机械" if value is None or target is None else ("达标" if value >= target else "未达标")
        if value is not None and target is None:
            verdict = "无目标"
        rows.append({
            "district": division_name(item["district_code"]) or item["district_code"],
            "district_code": item["district_code"], "registered": registered, "tested": tested, "share": value,
            "target": target, "verdict": verdict,
        })  # fmt: skip
    return rows


def count_rows(items: list[dict[str, Any]], key: str, labels: dict[str, str]) -> list[dict[str, Any]]:
    """Counts by machine type or stage with their Chinese labels."""
    return [{"label": labels.get(item[key], item[key]), "code": item[key], "count": int(item["count"])}
            for item in sorted(items, key=lambda i: -int(i["count"]))]  # fmt: skip


def failure_rows(failures: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{
        "machine_code": f["machine_code"], "district_code": f["district_code"], "tested_on": f["tested_on"],
        "opacity": f.get("opacity"), "limit": f.get("limit"), "black_smoke": "是" if f.get("black_smoke") else "否",
        "follow_up": FOLLOW_UP_ZH.get(f["follow_up"], f["follow_up"]), "deadline": f.get("deadline"),
    } for f in failures[:LISTED]]  # fmt: skip


def follow_up_rows(failures: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Failures of the month by what became of them."""
    counts = Counter(f["follow_up"] for f in failures)
    return [{"follow_up": FOLLOW_UP_ZH.get(code, code), "count": counts[code]}
            for code in [*FOLLOW_UP_ZH, *sorted(set(counts) - set(FOLLOW_UP_ZH))] if counts[code]]  # fmt: skip


def lez_rows(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"machine_code": v["machine_code"], "zone_id": v["zone_id"], "found_on": v["found_on"],
             "reasons": "；".join(v.get("reasons") or [])} for v in violations[:LISTED]]  # fmt: skip


def _coverage_target(coverage: dict[str, Any]) -> Target | None:
    target = coverage.get("target")
    if not target:
        return None
    return Target(code=target["code"], document=target["source_document"], item=target["source_item"],
                  value=str(target["value"]), unit="share", comparison=">=",
                  description=f"{coverage['year']} 年抽检覆盖率 spot-check coverage")  # fmt: skip


def build(ctx: ReportContext, section: Section) -> None:
    """Registrations, spot-check coverage per district against the target, failures, LEZ violations."""
    summary = ctx.get(SERVICE, "/api/v1/summaries/machinery", {"month": ctx.month, "area": ctx.area_code})
    registered, coverage = summary["registered"], summary["coverage"]
    target = target_fraction((coverage.get("target") or {}).get("value"))
    count = Column("count", "数量", "Machines", ColumnFormat.INTEGER, "sum")
    coverage_table = with_totals(Table("coverage", "抽检覆盖率（按区县）", "Spot-check coverage per district", [
        Column("district", "区县", "District"), Column("district_code", "区县代码", "District code", printed=False),
        Column("registered", "登记在用", "Registered", ColumnFormat.INTEGER, "sum"),
        Column("tested", "本年已抽检", "Tested this year", ColumnFormat.INTEGER, "sum"),
        Column("share", "覆盖率", "Coverage", ColumnFormat.PERCENT, "ratio", ("tested", "registered")),
        Column("target", "目标", "Target", ColumnFormat.PERCENT), Column("verdict", "结论", "Verdict"),
    ], coverage_rows(coverage, target)))  # fmt: skip
    if coverage_table.totals is not None:
        coverage_table.totals["target"] = target
        overall = coverage_table.totals["share"]
        coverage_table.totals["verdict"] = (
            None if overall is None or target is None else ("达标" if overall >= target else "未达标")
        )
    types = with_totals(Table("types", "登记在用机械（按类型）", "Registered machinery by type", [
        Column("label", "机械类型", "Type"), Column("code", "类型代码", "Type code", printed=False), count,
    ], count_rows(registered["by_type"], "machine_type", TYPE_ZH)))  # fmt: skip
    stages = with_totals(Table("stages", "登记在用机械（按排放阶段）", "Registered machinery by emission stage", [
        Column("label", "排放阶段", "Stage"), Column("code", "阶段代码", "Stage code", printed=False), count,
    ], count_rows(registered["by_stage"], "stage", STAGE_ZH)))  # fmt: skip
    failures = Table("failures", "本月抽检超标机械", "Machinery failing a spot check this month", [
        Column("machine_code", "机械编码", "Machine"), Column("district_code", "区县代码", "District"),
        Column("tested_on", "检测日期", "Tested on", ColumnFormat.DATE),
        Column("opacity", "烟度值", "Opacity", ColumnFormat.DECIMAL),
        Column("limit", "限值", "Limit", ColumnFormat.DECIMAL),
        Column("black_smoke", "冒黑烟", "Black smoke"), Column("follow_up", "整改情况", "Follow-up"),
        Column("deadline", "整改期限", "Deadline", ColumnFormat.DATE),
    ], failure_rows(summary["failures"]))  # fmt: skip
    follow_up = with_totals(Table("follow_up", "超标机械整改情况", "Follow-up of the failures", [
        Column("follow_up", "整改情况", "Follow-up"), Column("count", "台数", "Machines", ColumnFormat.INTEGER, "sum"),
    ], follow_up_rows(summary["failures"])))  # fmt: skip
    lez = Table("lez_violations", "低排放区违规使用", "Low-emission-zone violations", [
        Column("machine_code", "机械编码", "Machine"), Column("zone_id", "低排放区", "Zone"),
        Column("found_on", "发现日期", "Found on", ColumnFormat.DATE), Column("reasons", "违规原因", "Reasons"),
    ], lez_rows(summary["lez_violations"]))  # fmt: skip
    section.tables = [coverage_table, types, stages, failures, follow_up, lez]
    section.charts = [
        Chart(ChartKind.SHARE_VS_TARGET, "各区县抽检覆盖率与目标（红线）", "coverage", "district", "share",
              target="target"),
    ]  # fmt: skip
    cited = _coverage_target(coverage)
    rules = cited_rules(ctx, SERVICE, prefixes=("nrmm.",))
    section.targets = ([cited] if cited else []) + [r for r in rules if cited is None or r.code != cited.code]
    _notes(section, summary, coverage_table, types, target)


def _notes(section: Section, summary: dict[str, Any], coverage: Table, types: Table, target: float | None) -> None:
    registered, totals = summary["registered"], coverage.totals or {}
    section.notes.append(
        f"月末登记在用 {registered['active_at_month_end']} 台，本月新登记 {registered['new_in_month']} 台；"
        f"国一及以下仍在用 {summary['below_china_1_active']} 台；本月抽检超标 {summary['failures_total']} 台，"
        f"低排放区违规 {summary['lez_violations_total']} 起。 {registered['active_at_month_end']} registered at month "
        f"end, {registered['new_in_month']} new; {summary['below_china_1_active']} below China I still active; "
        f"{summary['failures_total']} failures, {summary['lez_violations_total']} LEZ violations."
    )
    if target is None:
        section.notes.append("vehicles 未给出抽检覆盖率目标。 vehicles stated no coverage target for this year.")
    # The parts must add up to the figures vehicles computed for the whole area; say so if they do not.
    coverage_figures = summary["coverage"]
    if (totals.get("registered"), totals.get("tested")) != (coverage_figures["registered"], coverage_figures["tested"]):
        section.notes.append(
            "注意：各区县抽检数合计与 vehicles 汇总不一致 (districts do not add up to vehicles' total)"
        )
    if (types.totals or {}).get("count") != registered["active_at_month_end"]:
        section.notes.append("注意：各类型机械合计与月末在用数不一致 (types do not add up to the machines registered)")
    for key, listed in (("failures", "超标机械"), ("lez_violations", "低排放区违规")):
        if summary[f"{key}_total"] > min(len(summary[key]), LISTED):
            section.notes.append(
                f"{listed}明细列出前 {min(len(summary[key]), LISTED)} 条，共 {summary[f'{key}_total']} 条。"
            )
    if summary["failures_total"] > len(summary["failures"]):
        section.notes.append("整改情况按列出的超标机械统计。 Follow-up counts cover the failures vehicles listed.")


SPEC = SectionSpec("machinery", 3, "三、非道路移动机械", "Non-road mobile machinery", SERVICE, build)
