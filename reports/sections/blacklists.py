"""Section 4, blacklists and key supervision (黑名单与重点监管): entries added and lifted by reason, from vehicles."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from reports.content import Chart, ChartKind, Column, ColumnFormat, Section, Table, Target
from reports.rules import with_totals
from reports.sections import ReportContext, SectionSpec, cited_rules

SERVICE = "vehicles"
LIST_ZH = {"blacklist": "黑名单", "key_supervision": "重点监管"}
SUBJECT_ZH = {"vehicle": "机动车", "machinery": "非道路移动机械", "enterprise": "企业"}
RULE_PREFIXES = ("blacklist.", "key_supervision.")


def change_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """Entries added and lifted in the month per list, reason and subject kind, side by side."""
    rows: dict[tuple[str, str, str], dict[str, Any]] = {}
    for column in ("added", "lifted"):
        for item in summary[column]:
            key = (item["list_kind"], item["reason_code"], item["subject_kind"])
            row = rows.setdefault(key, {
                "list_kind": LIST_ZH.get(key[0], key[0]), "reason": item.get("reason_zh") or key[1],
                "reason_code": key[1], "subject": SUBJECT_ZH.get(key[2], key[2]), "added": 0, "lifted": 0,
            })  # fmt: skip
            row[column] += int(item["count"])
    return [rows[key] for key in sorted(rows)]


def reason_rows(changes: list[dict[str, Any]], sources: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The same entries summed per reason (whatever the list or subject), with the plan item allowing it."""
    by_reason: dict[str, dict[str, Any]] = defaultdict(lambda: {"added": 0, "lifted": 0})
    for row in changes:
        total = by_reason[row["reason_code"]]
        total.update(reason=row["reason"], reason_code=row["reason_code"])
        total["added"] += row["added"]
        total["lifted"] += row["lifted"]
    rows = []
    for code in sorted(by_reason, key=lambda c: (-by_reason[c]["added"], c)):
        source = sources.get(code)
        cited = f"{source['source_document']} {source['source_item']}" if source else None
        rows.append({**by_reason[code], "source": cited})
    return rows


def active_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """Entries in force at the month's end per list and subject kind."""
    items = sorted(summary["active_at_month_end"], key=lambda i: (i["list_kind"], i["subject_kind"]))
    return [{"list_kind": LIST_ZH.get(item["list_kind"], item["list_kind"]),
             "subject": SUBJECT_ZH.get(item["subject_kind"], item["subject_kind"]), "count": int(item["count"])}
            for item in items]  # fmt: skip


def enterprise_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """Enterprises listed at the month's end or added in it."""
    return [{"uscc": item["uscc"], "list_kind": LIST_ZH.get(item["list_kind"], item["list_kind"]),
             "reason": item.get("reason_zh") or item["reason_code"], "effective_from": item["effective_from"],
             "until": item.get("until"), "added_in_month": "是" if item["added_in_month"] else "否"}
            for item in summary["enterprises_listed"]]  # fmt: skip


def _reason_targets(reasons: list[dict[str, Any]]) -> list[Target]:
    """Each reason an entry may be made for, citing the plan item that allows it (no numeric target)."""
    return [
        Target(code=f"list_reason.{r['code']}", document=r["source_document"], item=r["source_item"], value=None,
               description=f"{r['zh']}（{'、'.join(LIST_ZH.get(k, k) for k in r.get('list_kinds') or [])}）")
        for r in reasons
        if r.get("source_document")  # 'other' cites no plan: nothing to judge by
    ]  # fmt: skip


def build(ctx: ReportContext, section: Section) -> None:
    """Entries added and lifted by reason, in force at month end, enterprises listed; the plans allowing them."""
    summary = ctx.get(SERVICE, "/api/v1/summaries/lists", {"month": ctx.month, "area": ctx.area_code})
    reasons = ctx.get(SERVICE, "/api/v1/list-entries/reasons")
    changes = change_rows(summary)
    by_reason = reason_rows(changes, {r["code"]: r for r in reasons})
    count = Column("added", "新增", "Added", ColumnFormat.INTEGER, "sum")
    lifted = Column("lifted", "解除", "Lifted", ColumnFormat.INTEGER, "sum")
    section.tables = [
        with_totals(Table("reasons", "本月新增与解除（按原因）", "Added and lifted by reason", [
            Column("reason", "原因", "Reason"), Column("reason_code", "原因代码", "Reason code", printed=False),
            count, lifted, Column("source", "依据", "Plan item")], by_reason)),
        with_totals(Table("changes", "本月新增与解除（按名单与对象）", "Added and lifted by list and subject", [
            Column("list_kind", "名单", "List"), Column("reason", "原因", "Reason"),
            Column("reason_code", "原因代码", "Reason code", printed=False), Column("subject", "对象", "Subject"),
            count, lifted], changes)),
        with_totals(Table("active", "月末在册", "In force at month end", [
            Column("list_kind", "名单", "List"), Column("subject", "对象", "Subject"),
            Column("count", "在册数", "Entries", ColumnFormat.INTEGER, "sum")], active_rows(summary))),
        Table("enterprises", "列入名单的企业", "Enterprises listed", [
            Column("uscc", "统一社会信用代码", "USCC"), Column("list_kind", "名单", "List"),
            Column("reason", "原因", "Reason"), Column("effective_from", "起始日期", "From", ColumnFormat.DATE),
            Column("until", "截止日期", "Until", ColumnFormat.DATE),
            Column("added_in_month", "本月新增", "Added this month")], enterprise_rows(summary)),
    ]  # fmt: skip
    section.charts = [
        Chart(
            ChartKind.SITE_BARS, "按原因的新增（蓝）与解除（橙）", "reasons", "reason", "added", second_value="lifted"
        )
    ]
    section.targets = cited_rules(ctx, SERVICE, prefixes=RULE_PREFIXES) + _reason_targets(reasons)
    totals = section.tables[0].totals or {}
    added, lifted_count = totals.get("added") or 0, totals.get("lifted") or 0
    section.notes.append(
        f"本月新增 {added} 条、解除 {lifted_count} 条。名单无数量目标，列入须有下列文件条款所列原因。"
        f" {added} entries added and {lifted_count} lifted this month; lists have no numeric target: each entry "
        "needs a reason a plan item allows (listed under targets)."
    )


SPEC = SectionSpec("blacklists", 4, "四、黑名单与重点监管", "Blacklists and key supervision", SERVICE, build)
