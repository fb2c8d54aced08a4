"""Section 6, transport structure (运输结构调整, 公转铁): rail and clean shares per enterprise, from railshift."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from reports.content import Chart, ChartKind, Column, ColumnFormat, Section, Table
from reports.rules import with_totals
from reports.sections import ReportContext, SectionSpec, cited_rules

SERVICE = "railshift"
STATUS_ZH = {"draft": "草稿", "submitted": "已提交", "returned": "已退回", "resubmitted": "已重新提交",
             "approved": "已审核通过", None: "未申报"}  # fmt: skip


def _tonnes(value: Any) -> float:
    return float(Decimal(str(value or "0")))


def _fraction(percent: Any) -> float | None:
    """railshift sends shares in percent ('85.30'); the report keeps fractions (0.853)."""
    return None if percent is None else float(Decimal(str(percent)) / 100)


def _view(ctx: ReportContext, path: str, ratio: str) -> dict[str, Any]:
    return ctx.get(SERVICE, path, {"month": ctx.month, "ratio": ratio, **ctx.area_params})


def _shares_table(rail: dict[str, Any], clean: dict[str, Any]) -> Table:
    clean_by = {row["uscc"]: row for row in clean["items"]}
    rows = []
    for row in rail["items"]:
        other = clean_by.get(row["uscc"], {})
        rows.append({
            "name": row["name"], "uscc": row["uscc"], "district_code": row["district_code"],
            "declared": "是" if row["declared"] else "否",
            "rail_tonnes": _tonnes(row["numerator_tonnes"]), "bulk_tonnes": _tonnes(row["denominator_tonnes"]),
            "rail_share": _fraction(row["share"]),
            "clean_tonnes": _tonnes(other.get("numerator_tonnes")),
            "all_tonnes": _tonnes(other.get("denominator_tonnes")),
            "clean_share": _fraction(other.get("share")),
            "targets_missed": row["targets_missed"],
            "compliant": {True: "达标", False: "未达标", None: "无可判定数据"}[row["compliant"]],
        })  # fmt: skip
    columns = [
        Column("name", "企业名称", "Enterprise"),
        Column("uscc", "统一社会信用代码", "USCC", printed=False),
        Column("district_code", "区县代码", "District"),
        Column("declared", "已申报", "Declared"),
        Column("rail_tonnes", "铁路运量（吨）", "Rail t", ColumnFormat.DECIMAL, "sum"),
        Column("bulk_tonnes", "大宗货物运量（吨）", "Bulk t", ColumnFormat.DECIMAL, "sum"),
        Column(
            "rail_share", "铁路运输比例", "Rail share", ColumnFormat.PERCENT, "ratio", ("rail_tonnes", "bulk_tonnes")
        ),
        Column("clean_tonnes", "清洁运输量（吨）", "Clean t", ColumnFormat.DECIMAL, "sum"),
        Column("all_tonnes", "总运量（吨）", "All t", ColumnFormat.DECIMAL, "sum"),
        Column(
            "clean_share", "清洁运输比例", "Clean share", ColumnFormat.PERCENT, "ratio", ("clean_tonnes", "all_tonnes")
        ),
        Column("targets_missed", "未达标目标数", "Targets missed", ColumnFormat.INTEGER, "sum"),
        Column("compliant", "结论", "Verdict"),
    ]
    return with_totals(
        Table("shares", "各企业铁路及清洁运输比例", "Rail and clean shares per enterprise", columns, rows)
    )


def _non_compliant_table(view: dict[str, Any]) -> Table:
    rows = []
    for row in view["items"]:
        missed = "；".join(
            f"{t['ratio']} {t['share'] or '—'}% {t['comparison']} {t['target']}%"
            f"（{t['source_document']} {t['source_item']}）"
            for t in row["targets"]
        )
        flags = "；".join(f["reason"] for f in row["flags"])
        margin = row.get("worst_margin_pp")
        rows.append(
            {
                "name": row["name"],
                "uscc": row["uscc"],
                "district_code": row["district_code"],
                "margin": None if margin is None else float(margin),
                "missed": missed,
                "flags": flags,
            }
        )
    columns = [
        Column("name", "企业名称", "Enterprise"),
        Column("uscc", "统一社会信用代码", "USCC"),
        Column("district_code", "区县代码", "District"),
        Column("margin", "最大差距（百分点）", "Worst margin (pp)", ColumnFormat.DECIMAL),
        Column("missed", "未达标目标", "Targets missed"),
        Column("flags", "铁路专用线义务", "Siding obligation"),
    ]
    return Table("non_compliant", "未达标企业名单", "Non-compliant enterprises", columns, rows)


def _declaration_tables(ctx: ReportContext, enterprises: dict[str, dict[str, Any]]) -> tuple[Table, Table]:
    newest: dict[str, dict[str, Any]] = {}
    for declaration in ctx.get_all(SERVICE, "/api/v1/declarations", {"month": ctx.month}):
        if declaration["uscc"] not in enterprises:
            continue  # another district's enterprise
        current = newest.get(declaration["uscc"])
        if current is None or declaration["version"] > current["version"]:
            newest[declaration["uscc"]] = declaration
    pending, gaps = [], []
    for uscc, enterprise in sorted(enterprises.items(), key=lambda item: item[1]["name"]):
        declaration = newest.get(uscc)
        status = declaration["status"] if declaration else None
        if status != "approved":
            pending.append(
                {
                    "name": enterprise["name"],
                    "uscc": uscc,
                    "status": STATUS_ZH.get(status, status),
                    "version": declaration["version"] if declaration else None,
                    "submitted_at": (declaration or {}).get("submitted_at"),
                }
            )
        if declaration and declaration.get("reconciliation_status") == "gap":
            gaps.append(
                {
                    "name": enterprise["name"],
                    "uscc": uscc,
                    "version": declaration["version"],
                    "status": STATUS_ZH.get(status, status),
                    "count": 1,
                }
            )
    pending_columns = [
        Column("name", "企业名称", "Enterprise"), Column("uscc", "统一社会信用代码", "USCC"),
        Column("status", "申报状态", "Status"), Column("version", "版本", "Version", ColumnFormat.INTEGER),
        Column("submitted_at", "提交时间", "Submitted at"),
    ]  # fmt: skip
    gap_columns = [
        Column("name", "企业名称", "Enterprise"), Column("uscc", "统一社会信用代码", "USCC"),
        Column("version", "申报版本", "Version", ColumnFormat.INTEGER), Column("status", "申报状态", "Status"),
        Column("count", "差异申报数", "Declarations with a gap", ColumnFormat.INTEGER, "sum"),
    ]  # fmt: skip
    return (
        Table("not_approved", "尚未审核通过的申报", "Declarations not yet approved", pending_columns, pending),
        with_totals(Table("reconciliation_gaps", "门禁台账对账差异", "Reconciliation gaps with the gate ledger",
                          gap_columns, gaps)),
    )  # fmt: skip


def build(ctx: ReportContext, section: Section) -> None:
    """Per-enterprise rail and clean shares, the non-compliant list, reconciliation gaps, unapproved declarations."""
    rail = _view(ctx, "/api/v1/ratios/ranking", "rail")
    clean = _view(ctx, "/api/v1/ratios/ranking", "clean")
    failing = _view(ctx, "/api/v1/ratios/non-compliant", "rail")
    shares = _shares_table(rail, clean)
    enterprises = {row["uscc"]: row for row in rail["items"]}
    not_approved, gaps = _declaration_tables(ctx, enterprises)
    section.tables = [shares, _non_compliant_table(failing), gaps, not_approved]
    section.charts = [
        Chart(
            ChartKind.SHARE_VS_TARGET,
            "各企业铁路（蓝）与清洁（橙）运输比例",
            "shares",
            "name",
            "rail_share",
            second_value="clean_share",
        )
    ]
    # The parts must add up to the figure railshift computed for the whole area; say so if they do not.
    if (shares.totals or {}).get("rail_tonnes") != _tonnes(rail["numerator_tonnes"]):
        section.notes.append(
            "注意：各企业铁路运量合计与 railshift 汇总不一致 (rail tonnes do not add up to railshift's total)"
        )
    codes = {
        t["rule_code"] for t in ctx.get(SERVICE, "/api/v1/targets")["targets"] if t["jurisdiction"] == ctx.jurisdiction
    }
    section.targets = cited_rules(ctx, SERVICE, codes)
    section.notes.append(
        f"{rail['enterprises']} 家企业，{rail['declared']} 家已有审核通过的申报；比例按审核通过的申报计算。"
        f" {rail['enterprises']} enterprises, {rail['declared']} with an approved declaration (official figures)."
    )


SPEC = SectionSpec("transport", 6, "六、运输结构调整（公转铁）", "Transport structure (road to rail)", SERVICE, build)
