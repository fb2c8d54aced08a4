"""Section 2, new-energy share of public fleets (公共领域新能源车辆占比): stock and additions against target."""

from __future__ import annotations

from typing import Any

from reports.content import Chart, ChartKind, Column, ColumnFormat, Section, Table, Target
from reports.rules import share, with_totals
from reports.sections import ReportContext, SectionSpec
from reports.sections.transport import carried_note
from shared.timeutil import month_range

SERVICE = "vehicles"


def _target(measure: dict[str, Any]) -> dict[str, Any] | None:
    """The target a measure is judged by: the NEV-share one if there is one, else the first (BEV, NEV-or-clean)."""
    targets = measure.get("targets") or []
    return next((t for t in targets if t["basis"] == "nev_share"), targets[0] if targets else None)


def _fraction(percent: Any) -> float | None:
    return None if percent is None else round(float(percent) / 100, 4)


def _shares(ctx: ReportContext, month: str) -> dict[str, Any]:
    last = month_range(month)[1]
    params = {"jurisdiction": ctx.jurisdiction, "as_of": last.isoformat(), "from": f"{month}-01"}
    params.update(to=last.isoformat(), **ctx.district_param)
    return ctx.get(SERVICE, "/api/v1/nev/shares", params)


COLUMNS = [
    Column("category", "车辆类别", "Category"),
    Column("stock_total", "保有量", "Stock", ColumnFormat.INTEGER, "sum"),
    Column("stock_nev", "其中新能源", "of which NEV", ColumnFormat.INTEGER, "sum"),
    Column(
        "stock_share", "保有新能源占比", "Stock NEV share", ColumnFormat.PERCENT, "ratio", ("stock_nev", "stock_total")
    ),
    Column("stock_target", "保有目标", "Stock target", ColumnFormat.PERCENT),
    Column("previous_share", "上月保有占比", "Stock share last month", ColumnFormat.PERCENT),
    Column("change_pp", "环比变化（百分点）", "Change (pp)", ColumnFormat.DECIMAL),
    Column("added_total", "本月新增", "Added", ColumnFormat.INTEGER, "sum"),
    Column("added_nev", "其中新能源", "of which NEV", ColumnFormat.INTEGER, "sum"),
    Column(
        "added_share",
        "新增新能源占比",
        "Additions NEV share",
        ColumnFormat.PERCENT,
        "ratio",
        ("added_nev", "added_total"),
    ),
    Column("added_target", "新增目标", "Additions target", ColumnFormat.PERCENT),
    Column("previous_added_share", "上月新增占比", "Additions share last month", ColumnFormat.PERCENT),
    Column("verdict", "结论", "Verdict"),
    Column("carried_forward", "目标沿用", "Carried forward"),  # the rule's period ended; still the yardstick
]


def carried_cell(stock_target: dict[str, Any] | None, added_target: dict[str, Any] | None) -> str | None:
    """'保有目标沿用（原规定至2020-12-31止）；新增目标…' for the targets vehicles judged by although their rule's
    period had ended (nev_targets.yaml carry_forward); None when every target shown is in force."""
    parts = [f"{label}{note}" for label, target in (("保有目标", stock_target), ("新增目标", added_target))
             if target and (note := carried_note(target))]  # fmt: skip
    return "；".join(parts) or None


def _verdict(*measures: dict[str, Any]) -> str:
    judged = [t["met"] for m in measures for t in (m.get("targets") or []) if t.get("met") is not None]
    if not judged:
        return "无目标或无数据"
    return "达标" if all(judged) else "未达标"


def build(ctx: ReportContext, section: Section) -> None:
    """Per category: stock and the month's additions, NEV share of each against its target, change on last month."""
    now = _shares(ctx, ctx.month)
    before = {row["category"]: row for row in _shares(ctx, ctx.previous)["rows"]}
    rows, cited, carried = [], {}, False
    for row in now["rows"]:
        stock, added = row["stock"], row["additions"]
        previous = before.get(row["category"], {}).get("stock", {})
        previous_added = before.get(row["category"], {}).get("additions", {})
        stock_share = share(stock["nev"], stock["total"])
        previous_share = share(previous.get("nev"), previous.get("total"))
        change = (
            None if stock_share is None or previous_share is None else round((stock_share - previous_share) * 100, 2)
        )
        stock_target, added_target = _target(stock), _target(added)
        rows.append({
            "category": row["label_zh"], "stock_total": stock["total"], "stock_nev": stock["nev"],
            "stock_share": stock_share, "stock_target": _fraction(stock_target and stock_target["value"]),
            "previous_share": previous_share, "change_pp": change,
            "previous_added_share": share(previous_added.get("nev"), previous_added.get("total")),
            "added_total": added["total"], "added_nev": added["nev"],
            "added_share": share(added["nev"], added["total"]),
            "added_target": _fraction(added_target and added_target["value"]), "verdict": _verdict(stock, added),
            "carried_forward": carried_cell(stock_target, added_target),
        })  # fmt: skip
        for target in (stock.get("targets") or []) + (added.get("targets") or []):
            note = carried_note(target)
            carried |= note is not None
            cited[target["code"]] = Target(
                code=target["code"], document=target["source_document"], item=target["source_item"],
                value=str(target["value"]), unit="percent", comparison=">=",
                description=f"{row['label_zh']}: {target['basis']}, due {target.get('due') or '—'}"
                + (f"; {note}, carried forward until a later plan replaces it" if note else ""),
            )  # fmt: skip
    table = Table("categories", "各类公共领域车辆新能源占比", "NEV share per public-fleet category", COLUMNS, rows)
    section.tables = [with_totals(table)]
    section.charts = [
        Chart(
            ChartKind.SHARE_VS_TARGET, "保有新能源占比与目标", "categories", "category", "stock_share", "stock_target"
        ),
        Chart(
            ChartKind.SHARE_VS_TARGET,
            "本月新增新能源占比与目标",
            "categories",
            "category",
            "added_share",
            "added_target",
        ),
    ]
    section.targets = list(cited.values())
    if carried:
        section.notes.append(
            "标注“沿用”的目标：其规定的执行期已结束、尚无新规定替代，仍按原目标考核（vehicles nev_targets.yaml "
            "carry_forward）。 Targets marked 沿用 are carried forward: their rule's period has ended and no later "
            "plan has replaced it yet, so they remain the yardstick."
        )
    section.notes.append(
        "占比为新能源车辆（纯电动、插电混动、燃料电池）占该类车辆的比例；目标取自各自的政策条款。"
        " Shares are NEV over all vehicles of the category; each target as its rule states it."
    )


SPEC = SectionSpec("nev", 2, "二、公共领域新能源车辆占比", "New-energy share of public fleets", SERVICE, build)
