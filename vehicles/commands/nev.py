"""New-energy share of public fleets: stock and additions shares against the targets in force, monthly trend."""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from typing import Any

import yaml

from shared.db import session
from shared.errors import ValidationFailed
from shared.identifiers import division_name
from shared.policy import pick_rule
from shared.tabular import table_chunks
from shared.timeutil import parse_month
from vehicles.daos.nev import addition_counts, monthly_counts, nev_rules, stock_counts
from vehicles.models import PolicyRule
from vehicles.rules import percent
from vehicles.terms import NevCategory, ShareBasis

MEASURES = ("stock", "additions")


SETTINGS = frozenset({"carry_forward"})  # nev_targets.yaml's top-level keys that are not categories


@functools.cache
def _targets_file() -> dict[str, Any]:
    text = resources.files("vehicles").joinpath("nev_targets.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text) or {}


@functools.cache
def category_targets() -> dict[str, dict[str, Any]]:
    """vehicles/nev_targets.yaml: category -> label and the rule codes of its stock and additions targets."""
    data = {key: value for key, value in _targets_file().items() if key not in SETTINGS}
    unknown = set(data) - {c.value for c in NevCategory}
    if unknown:
        raise ValueError(f"nev_targets.yaml names unknown categories: {sorted(unknown)}")
    return data


def carry_forward() -> bool:
    """Whether a target whose rule has lapsed still applies (until a later rule starts), marked carried forward."""
    return _targets_file().get("carry_forward") is True


def basis_of(code: str) -> ShareBasis:
    """Which fuels a target counts, from its code's prefix (nev_share, nev_or_clean_share, bev_share)."""
    return ShareBasis(code.split(".", 1)[0])


@dataclass(frozen=True)
class TargetInForce:
    """A target's rule as it applies on a day; `carried_forward` when that rule's own period had ended."""

    rule: PolicyRule
    carried_forward: bool = False


@dataclass
class NevTargets:
    """The NEV target rules of a jurisdiction for some categories, loaded once per request."""

    jurisdiction: str
    categories: list[str]
    last_day: date
    carry_forward: bool | None = None

    def __post_init__(self) -> None:
        if self.carry_forward is None:
            self.carry_forward = carry_forward()
        codes = {code for c in self.categories for m in MEASURES for code in category_targets()[c].get(m) or []}
        self._rules: dict[str, list[PolicyRule]] = defaultdict(list)
        for rule in nev_rules(session(), codes, self.jurisdiction, self.last_day):
            self._rules[rule.code].append(rule)

    def in_force(self, category: str, measure: str, day: date) -> list[TargetInForce]:
        """Each of the category's target rules for the measure that applies on `day`: per code, the latest in
        force, or (nev_targets.yaml `carry_forward`) the latest that started by then, carried forward until a
        later rule starts. A later rule under another code of the same category and measure (a plan counting
        other fuels, e.g. bev_share after nev_share) replaces a carried one too, from its start."""
        picked = [p for code in category_targets()[category].get(measure) or []
                  if (p := pick_rule(self._rules.get(code, []), day, bool(self.carry_forward))) is not None]
        started = [p.rule.effective_from for p in picked]
        return [TargetInForce(p.rule, p.carried_forward) for p in picked
                if not p.carried_forward or all(start <= p.rule.effective_to for start in started)]  # fmt: skip


def measure(fuels: Counter[str], targets: Iterable[TargetInForce], replacements: int | None = None) -> dict[str, Any]:
    """Totals, the NEV share, and each target with the share it counts and whether it is met."""
    total = sum(fuels.values())
    counted = {basis: sum(n for fuel, n in fuels.items() if fuel in basis.fuels) for basis in ShareBasis}
    result: dict[str, Any] = {
        "total": total,
        "nev": counted[ShareBasis.NEV],
        "nev_or_clean": counted[ShareBasis.NEV_OR_CLEAN],
        "bev": counted[ShareBasis.BEV],
        "share": percent(counted[ShareBasis.NEV], total),
        "targets": [],
    }
    if replacements is not None:
        result["replacements"] = replacements
    for applied in targets:
        rule = applied.rule
        basis = basis_of(rule.code)
        share = percent(counted[basis], total)
        result["targets"].append({
            "code": rule.code, "basis": basis.value, "value": float(rule.value), "due": rule.value_date,
            "share": share, "met": None if share is None else share >= float(rule.value),
            "source_document": rule.source_document, "source_item": rule.source_item, "rule_id": rule.id,
            "carried_forward": applied.carried_forward, "rule_effective_to": rule.effective_to,
        })  # fmt: skip
    return result


def check_period(first: date, last: date, field: str = "from") -> None:
    """422 when a period ends before it starts."""
    if first > last:
        raise ValidationFailed(
            f"the period starts {first}, after it ends {last}",
            errors=[{"field": field, "reason": f"must not be after {last}", "in": "query"}],
        )


@dataclass
class NevShares:
    """Stock share on a day and additions share over a period, per category (and district), with targets."""

    jurisdiction: str
    as_of: date
    first: date | None = None
    last: date | None = None
    category: str | None = None
    district: str | None = None
    by_district: bool = False

    def run(self) -> dict[str, Any]:
        """Run the command."""
        first = self.first or date(self.as_of.year, 1, 1)
        last = self.last or self.as_of
        check_period(first, last)
        categories = [self.category] if self.category else [c.value for c in NevCategory]
        db_session = session()
        stock = _tally(stock_counts(db_session, categories, self.as_of, self.district), self.by_district)
        added = _tally(addition_counts(db_session, categories, first, last, self.district), self.by_district)
        targets = NevTargets(self.jurisdiction, categories, max(self.as_of, last))
        rows = []
        for category in categories:
            stock_rules = targets.in_force(category, "stock", self.as_of)
            added_rules = targets.in_force(category, "additions", last)
            districts = sorted({d for (c, d) in stock if c == category} | {d for (c, d) in added if c == category})
            for district in districts if self.by_district else [None]:
                fuels_added, replacements = added.get((category, district), (Counter(), 0))
                rows.append({
                    "category": category,
                    "label_zh": category_targets()[category]["label_zh"],
                    "district_code": district,
                    "district_name": division_name(district) if district else None,
                    "stock": measure(stock.get((category, district), (Counter(), 0))[0], stock_rules),
                    "additions": measure(fuels_added, added_rules, replacements),
                })  # fmt: skip
        return {
            "jurisdiction": self.jurisdiction,
            "as_of": self.as_of,
            "period": {"from": first, "to": last},
            "district_code": self.district,
            "rows": rows,
        }


def _tally(rows: list[dict[str, Any]], by_district: bool) -> dict[tuple[str, str | None], tuple[Counter[str], int]]:
    out: dict[tuple[str, str | None], tuple[Counter[str], int]] = defaultdict(lambda: (Counter(), 0))
    for row in rows:
        key = (row["body_type"], row["district_code"] if by_district else None)
        fuels, replacements = out[key]
        fuels[row["fuel"]] += row["n"]
        out[key] = (fuels, replacements + row.get("replacements", 0))
    return out


def month_range(first: str, last: str) -> list[str]:
    """'2024-11'..'2025-02' -> every month in between; 422 naming the field when malformed or reversed."""
    try:
        start, end = parse_month(first), parse_month(last)
    except ValueError as exc:
        raise ValidationFailed(str(exc), errors=[{"field": "from_month", "reason": str(exc), "in": "query"}]) from exc
    if start > end:
        raise ValidationFailed(
            "from_month is after to_month",
            errors=[{"field": "from_month", "reason": f"must not be after {last}", "in": "query"}],
        )
    months, (year, month) = [], start
    while (year, month) <= end:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    if len(months) > 240:
        raise ValidationFailed("at most 240 months", errors=[{"field": "to_month", "reason": "at most 240 months"}])
    return months


def month_end(month: str) -> date:
    """The last day of a 'YYYY-MM' month."""
    year, mon = parse_month(month)
    return date(year + (mon == 12), mon % 12 + 1, 1) - timedelta(days=1)


@dataclass
class NevTrend:
    """Per month: stock share at month end and additions share within the month, against the targets then."""

    jurisdiction: str
    category: str
    from_month: str
    to_month: str
    district: str | None = None

    def run(self) -> dict[str, Any]:
        """Run the command."""
        months = month_range(self.from_month, self.to_month)
        registered, departed = monthly_counts(session(), [self.category], month_end(months[-1]), self.district)
        joined: dict[str, Counter[str]] = defaultdict(Counter)
        left: dict[str, Counter[str]] = defaultdict(Counter)
        for row in registered:
            joined[row["month"]][row["fuel"]] += row["n"]
        for row in departed:
            left[row["month"]][row["fuel"]] += row["n"]
        targets = NevTargets(self.jurisdiction, [self.category], month_end(months[-1]))
        stock: Counter[str] = Counter()
        for month in sorted(m for m in set(joined) | set(left) if m < months[0]):
            stock.update(joined[month])
            stock.subtract(left[month])
        series = []
        for month in months:
            stock.update(joined[month])
            stock.subtract(left[month])
            end = month_end(month)
            series.append({
                "month": month,
                "stock": measure(+stock, targets.in_force(self.category, "stock", end)),
                "additions": measure(joined[month], targets.in_force(self.category, "additions", end)),
            })  # fmt: skip
        return {
            "jurisdiction": self.jurisdiction,
            "category": self.category,
            "district_code": self.district,
            "months": series,
        }


SHARE_HEADERS = [
    "类别 Category", "区县 District", "保有量 Stock", "新能源 NEV", "新能源占比 NEV share %",
    "保有量目标 Stock target %", "达标 Met", "新增 Additions", "其中更新 Replacements", "新增新能源 NEV added",
    "新增占比 Additions share %", "新增目标 Additions target %", "达标 Met", "依据 Sources",
]  # fmt: skip


def _target_cells(block: dict[str, Any]) -> tuple[str | None, str | None]:
    targets = block["targets"]
    if not targets:
        return None, None
    values = "; ".join(f"{t['value']:g} ({t['basis']}: {t['share']}{_carried(t)})" for t in targets)
    met = "是" if all(t["met"] for t in targets) else "否"
    return values, met


def _carried(target: dict[str, Any]) -> str:
    """', 沿用（原规定至2020-12-31止）' beside a target carried forward past its rule's own end; '' otherwise."""
    if not target["carried_forward"]:
        return ""
    return f", 沿用（原规定至{target['rule_effective_to']}止）"


def share_rows(result: dict[str, Any]) -> Iterator[list[object]]:
    """The rows of a shares export."""
    for row in result["rows"]:
        stock, added = row["stock"], row["additions"]
        sources = {f"{t['source_document']} {t['source_item']}" for t in stock["targets"] + added["targets"]}
        yield [
            f"{row['label_zh']} {row['category']}",
            f"{row['district_code']} {row['district_name'] or ''}".strip() if row["district_code"] else "全市 city",
            stock["total"], stock["nev"], stock["share"], *_target_cells(stock),
            added["total"], added["replacements"], added["nev"], added["share"], *_target_cells(added),
            "; ".join(sorted(sources)),
        ]  # fmt: skip


def trend_rows(result: dict[str, Any]) -> Iterator[list[object]]:
    """The rows of a trend export."""
    for point in result["months"]:
        stock, added = point["stock"], point["additions"]
        yield [
            point["month"],
            stock["total"],
            stock["nev"],
            stock["share"],
            _target_cells(stock)[0],
            added["total"],
            added["nev"],
            added["share"],
            _target_cells(added)[0],
        ]


TREND_HEADERS = [
    "月份 Month",
    "保有量 Stock",
    "新能源 NEV",
    "新能源占比 NEV share %",
    "保有量目标 Stock target %",
    "新增 Additions",
    "新增新能源 NEV added",
    "新增占比 Additions share %",
    "新增目标 Additions target %",
]


def export_chunks(fmt: str, title: str, headers: list[str], rows: Iterable[list[object]]) -> Iterator[bytes]:
    """A shares or trend table as CSV or XLSX."""
    return table_chunks(fmt, title, headers, rows)  # type: ignore[arg-type]
