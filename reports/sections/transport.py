"""Section 6, transport structure (运输结构调整, 公转铁): rail and clean shares per enterprise, from railshift."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from reports.content import Chart, ChartKind, Column, ColumnFormat, Section, Source, Table, Target
from reports.rules import with_totals
from reports.sections import ReportContext, SectionSpec, cited_rules, parallel
from shared.client import service_client
from shared.db import utcnow

SERVICE = "railshift"
DIRECTION_ZH = {"in": "进厂", "out": "出厂"}
TARGETS_SHOWN = 20  # enterprises whose targets are read one by one (the chart's bars); the rest: see non_compliant
VERDICT_ZH = {True: "达标", False: "未达标", None: "无可判定数据"}
STATUS_ZH = {"draft": "草稿", "submitted": "已提交", "returned": "已退回", "resubmitted": "已重新提交",
             "approved": "已审核通过", None: "未申报"}  # fmt: skip


def _tonnes(value: Any) -> float:
    return float(Decimal(str(value or "0")))


def _fraction(percent: Any) -> float | None:
    """railshift sends shares in percent ('85.30'); the report keeps fractions (0.853)."""
    return None if percent is None else float(Decimal(str(percent)) / 100)


def carried_note(target: dict[str, Any]) -> str | None:
    """'沿用（原规定至2025-12-31止）' when railshift judged by a rule whose own period had ended (carried forward
    until a later plan replaces it, targets.yaml carry_forward); None when the rule is in force."""
    if not target.get("carried_forward"):
        return None
    end = target.get("rule_effective_to")
    return f"沿用（原规定至{end}止）" if end else "沿用"


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
            f"（{t['source_document']} {t['source_item']}{_also(carried_note(t))}）"
            for t in row["targets"]
        )
        flags = "；".join(f"{f['reason']}{_also(carried_note(f))}" for f in row["flags"])
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


def _also(note: str | None) -> str:
    return f"，{note}" if note else ""


def gap_rows(name: str, uscc: str, declaration: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per gate direction of a declaration railshift found a reconciliation gap in: how large it is.

    railshift compares the declared road tonnes with trips x payload from the gate ledger; the gap is the
    difference over the larger of the two, flagged above its `reconciliation.gap_threshold` parameter.
    """
    result = declaration.get("reconciliation") or {}
    threshold = result.get("threshold_percent")
    rows = []
    for direction, figures in sorted((result.get("directions") or {}).items()):
        declared, estimated = _tonnes(figures["declared_road_tonnes"]), _tonnes(figures["estimated_tonnes"])
        gap = _fraction(figures.get("gap_percent"))
        limit = _fraction(threshold)
        rows.append({
            "name": name, "uscc": uscc, "version": declaration["version"],
            "status": STATUS_ZH.get(declaration["status"], declaration["status"]),
            "direction": DIRECTION_ZH.get(direction, direction), "declared_tonnes": declared,
            "estimated_tonnes": estimated, "difference_tonnes": float(Decimal(str(declared)) - Decimal(str(estimated))),
            "trips": sum(int(count) for count in (figures.get("trips") or {}).values()),
            "gap_share": gap, "threshold": limit,
            "over": "是" if gap is not None and limit is not None and gap > limit else "否",
        })  # fmt: skip
    return rows


GAP_COLUMNS = [
    Column("name", "企业名称", "Enterprise"),
    Column("uscc", "统一社会信用代码", "USCC", printed=False),
    Column("version", "申报版本", "Version", ColumnFormat.INTEGER),
    Column("status", "申报状态", "Status"),
    Column("direction", "方向", "Direction"),
    Column("declared_tonnes", "申报公路运量（吨）", "Declared road t", ColumnFormat.DECIMAL, "sum"),
    Column("estimated_tonnes", "门禁估算运量（吨）", "Gate-estimated t", ColumnFormat.DECIMAL, "sum"),
    Column("difference_tonnes", "差额（吨）", "Declared - estimated t", ColumnFormat.DECIMAL, "sum"),
    Column("trips", "门禁车次", "Gate trips", ColumnFormat.INTEGER, "sum"),
    Column("gap_share", "差异率", "Gap", ColumnFormat.PERCENT),
    Column("threshold", "阈值", "Threshold", ColumnFormat.PERCENT),
    Column("over", "超出阈值", "Over threshold"),
]


def _declaration_tables(ctx: ReportContext, enterprises: dict[str, dict[str, Any]]) -> tuple[Table, Table]:
    newest: dict[str, dict[str, Any]] = {}
    for declaration in ctx.get_all(SERVICE, "/api/v1/declarations", {"month": ctx.month}):
        if declaration["uscc"] not in enterprises:
            continue  # another district's enterprise
        current = newest.get(declaration["uscc"])
        if current is None or declaration["version"] > current["version"]:
            newest[declaration["uscc"]] = declaration
    pending, with_gap = [], []
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
            with_gap.append((enterprise["name"], uscc, declaration["id"]))
    gaps: list[dict[str, Any]] = []
    if with_gap:  # the list says only ok / gap: the figures are on each declaration
        client = service_client(SERVICE)
        details = parallel(lambda item: client.get(f"/api/v1/declarations/{item[2]}"), with_gap)
        read_at = utcnow().isoformat()
        ctx.sources.append(Source(SERVICE, f"/api/v1/declarations/{{id}} ({len(details)} with a gap)", read_at,
                                  read_at))  # fmt: skip
        for (name, uscc, _), detail in zip(with_gap, details, strict=True):
            gaps += gap_rows(name, uscc, detail)
    pending_columns = [
        Column("name", "企业名称", "Enterprise"), Column("uscc", "统一社会信用代码", "USCC"),
        Column("status", "申报状态", "Status"), Column("version", "版本", "Version", ColumnFormat.INTEGER),
        Column("submitted_at", "提交时间", "Submitted at"),
    ]  # fmt: skip
    return (
        Table("not_approved", "尚未审核通过的申报", "Declarations not yet approved", pending_columns, pending),
        with_totals(Table("reconciliation_gaps", "门禁台账对账差异", "Reconciliation gaps with the gate ledger",
                          GAP_COLUMNS, gaps)),
    )  # fmt: skip


def target_rows(name: str, district: str, answer: dict[str, Any], ratio_names: dict[str, str]) -> list[dict[str, Any]]:
    """An enterprise's share targets of the month as railshift judged them: the share each target measures."""
    rows = []
    for target in answer["month"]["targets"]:
        margin = target.get("margin_pp")
        rows.append({
            "name": name, "uscc": answer["uscc"], "district_code": district,
            "ratio": ratio_names.get(target["ratio"], target["ratio"]),
            "numerator_tonnes": _tonnes(target.get("numerator_tonnes")),
            "denominator_tonnes": _tonnes(target.get("denominator_tonnes")),
            "share": _fraction(target.get("share")), "comparison": target["comparison"],
            "target": _fraction(target["target"]), "margin_pp": None if margin is None else float(margin),
            "verdict": VERDICT_ZH[target.get("compliant")],
            "source": f"{target['source_document']} {target['source_item']}",
            "carried_forward": carried_note(target),
        })  # fmt: skip
    return rows


TARGET_COLUMNS = [
    Column("name", "企业名称", "Enterprise"),
    Column("uscc", "统一社会信用代码", "USCC", printed=False),
    Column("district_code", "区县代码", "District"),
    Column("ratio", "考核指标", "Measure"),
    Column("numerator_tonnes", "达标方式运量（吨）", "Counted t", ColumnFormat.DECIMAL),
    Column("denominator_tonnes", "对应总运量（吨）", "Of t", ColumnFormat.DECIMAL),
    Column("share", "比例", "Share", ColumnFormat.PERCENT),
    Column("comparison", "要求", "Comparison"),
    Column("target", "目标", "Target", ColumnFormat.PERCENT),
    Column("margin_pp", "差距（百分点）", "Margin (pp)", ColumnFormat.DECIMAL),
    Column("verdict", "结论", "Verdict"),
    Column("source", "依据", "Source"),
    Column("carried_forward", "目标沿用", "Carried forward"),  # the rule's period ended; still the yardstick
]


def judged_first(rail: dict[str, Any], failing: dict[str, Any], limit: int) -> list[dict[str, Any]]:
    """The enterprises whose targets the section shows: those with approved figures, the non-compliant first
    (furthest below target first), then the compliant and the not-judged by rail share, lowest first."""
    margins = {row["uscc"]: Decimal(str(row["worst_margin_pp"])) for row in failing["items"]
               if row.get("worst_margin_pp") is not None}  # fmt: skip
    declared = [row for row in rail["items"] if row["declared"]]
    return sorted(declared, key=lambda row: (
        row["uscc"] not in margins, margins.get(row["uscc"], Decimal(0)),
        Decimal(str(row["share"])) if row.get("share") is not None else Decimal(-1), row["uscc"],
    ))[:limit]  # fmt: skip


def _target_table(
    ctx: ReportContext, enterprises: list[dict[str, Any]], ratio_names: dict[str, str]
) -> tuple[Table, list[dict[str, Any]]]:
    """The share targets in force in the month of each enterprise shown, as railshift judged them (one call each:
    railshift has no bulk view of per-enterprise verdicts, so the section asks for a bounded number), and every
    verdict and siding flag read."""
    client = service_client(SERVICE)
    answers = parallel(
        lambda row: client.get(f"/api/v1/enterprises/{row['uscc']}/ratios", params={"month": ctx.month}), enterprises
    )
    read_at = utcnow().isoformat()
    ctx.sources.append(Source(SERVICE, f"/api/v1/enterprises/{{uscc}}/ratios?month={ctx.month} ({len(answers)} "
                              "enterprises)", read_at, read_at))  # fmt: skip
    rows = []
    for row, answer in zip(enterprises, answers, strict=True):
        rows += target_rows(row["name"], row["district_code"], answer, ratio_names)
    table = Table("targets", "各企业考核指标与目标", "Each enterprise's measures against its targets", TARGET_COLUMNS,
                  rows)  # fmt: skip
    return table, [t for answer in answers for t in (*answer["month"]["targets"], *answer["month"]["flags"])]


def carried_rules(judged: list[dict[str, Any]]) -> list[Target]:
    """The rules railshift judged by although their period had ended (carried forward), once each: the
    report cites them beside the rules in force on the month's last day, which they are not."""
    cited: dict[int, Target] = {}
    for t in judged:
        note = carried_note(t)
        if note and t["rule_id"] not in cited:
            cited[t["rule_id"]] = Target(
                code=t["rule_code"], document=t["source_document"], item=t["source_item"], value=t.get("target"),
                unit="percent" if "target" in t else None, comparison=t.get("comparison"),
                description=f"{t['jurisdiction']}: {note}, carried forward until a later plan replaces it",
            )  # fmt: skip
    return list(cited.values())


def build(ctx: ReportContext, section: Section) -> None:
    """Per-enterprise rail and clean shares, each enterprise's targets, the non-compliant list, reconciliation
    gaps and their size, unapproved declarations."""
    rail = _view(ctx, "/api/v1/ratios/ranking", "rail")
    clean = _view(ctx, "/api/v1/ratios/ranking", "clean")
    failing = _view(ctx, "/api/v1/ratios/non-compliant", "rail")
    shares = _shares_table(rail, clean)
    enterprises = {row["uscc"]: row for row in rail["items"]}
    not_approved, gaps = _declaration_tables(ctx, enterprises)
    targets_doc = ctx.get(SERVICE, "/api/v1/targets")
    ratio_names = {r["code"]: r["name_zh"] for r in targets_doc["ratio_definitions"]}
    shown = judged_first(rail, failing, TARGETS_SHOWN)
    targets, judged = _target_table(ctx, shown, ratio_names)
    section.tables = [shares, targets, _non_compliant_table(failing), gaps, not_approved]
    section.charts = [
        Chart(
            ChartKind.SHARE_VS_TARGET,
            "各企业铁路（蓝）与清洁（橙）运输比例",
            "shares",
            "name",
            "rail_share",
            second_value="clean_share",
        ),
        # Each bar is the share a target measures (clean, clean energy, rail ...), the red line that target.
        Chart(ChartKind.SHARE_VS_TARGET, "各企业考核比例与目标（红线）", "targets", "name", "share", target="target",
              rank_by="margin_pp"),
    ]  # fmt: skip
    # The parts must add up to the figure railshift computed for the whole area; say so if they do not.
    if (shares.totals or {}).get("rail_tonnes") != _tonnes(rail["numerator_tonnes"]):
        section.notes.append(
            "注意：各企业铁路运量合计与 railshift 汇总不一致 (rail tonnes do not add up to railshift's total)"
        )
    codes = {t["rule_code"] for t in targets_doc["targets"] if t["jurisdiction"] == ctx.jurisdiction}
    judged += [t for row in failing["items"] for t in (*row["targets"], *row["flags"])]
    section.targets = cited_rules(ctx, SERVICE, codes) + carried_rules(judged)
    if any(carried_note(t) for t in judged):
        section.notes.append(
            "标注“沿用”的目标：其规定的执行期已结束、尚无新规定替代，仍按原目标考核（railshift targets.yaml "
            "carry_forward）。 Targets marked 沿用 are carried forward: their rule's period has ended and no later "
            "plan has replaced it yet, so they remain the yardstick."
        )
    section.notes.append(
        f"{rail['enterprises']} 家企业，{rail['declared']} 家已有审核通过的申报；比例按审核通过的申报计算。"
        f" {rail['enterprises']} enterprises, {rail['declared']} with an approved declaration (official figures)."
    )
    declared = sum(1 for row in rail["items"] if row["declared"])
    if declared > len(shown):
        section.notes.append(
            f"考核指标与目标列出 {len(shown)} 家企业（未达标且差距最大者在前），共 {declared} 家有审核通过的申报；"
            f"全部未达标企业见未达标企业名单。 Targets are listed for {len(shown)} of the {declared} enterprises with "
            "approved figures (the non-compliant first, furthest below first); every non-compliant one is in the list."
        )
    if gaps.rows:
        section.notes.append(
            "对账差异：申报公路运量与门禁车次×核定载重估算运量之差，除以两者中较大者；超过 railshift 参数 "
            "reconciliation.gap_threshold 即标记。 Gap = |declared - gate-estimated| / the larger; flagged above "
            "railshift's reconciliation.gap_threshold parameter (a transport bureau working figure, not a plan target)."
        )


SPEC = SectionSpec("transport", 6, "六、运输结构调整（公转铁）", "Transport structure (road to rail)", SERVICE, build)
