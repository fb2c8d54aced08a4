"""City and district views over official figures: ranking, the non-compliant list, trend, city indicators."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from railshift import daos
from railshift.cities import city_jurisdictions
from railshift.commands.common import reject_future_month
from railshift.commands.ratios import (
    CITY_KINDS,
    Context,
    Parts,
    judge_targets,
    share_of,
    text,
    tonnes_text,
    ytd_months,
)
from railshift.models import Declaration, DeclarationLine, Enterprise
from railshift.rules import RatioSpec, judge, percent
from shared.db import session, utcnow
from shared.errors import ValidationFailed
from shared.timeutil import months_between


def _check_ratio(ctx: Context, ratio: str) -> None:
    if ratio not in ctx.ratios:
        raise ValidationFailed(
            f"unknown ratio {ratio!r}",
            errors=[{"field": "ratio", "reason": f"must be one of {', '.join(sorted(ctx.ratios))}", "in": "query"}],
        )


def evaluate_city(args: dict[str, Any]) -> dict[str, Any]:
    """Every enterprise of a city or district for a month (or year to date): its share and its verdicts.

    The database sums each share's numerator and denominator per enterprise (one row each), so the work left
    here is judging a handful of numbers per enterprise, whatever the number of lines.
    """
    month = args["month"]
    reject_future_month(month)
    db_session = session()
    ctx = Context.load(db_session, month)
    _check_ratio(ctx, args["ratio"])
    enterprises = daos.enterprises_for_view(db_session, args.get("city_code"), args.get("district_code"))
    months = ytd_months(month) if args["period"] == "ytd" else [month]
    ranked = ctx.spec(args["ratio"])
    specs = list(dict.fromkeys([ranked, *(ctx.spec(t.target.ratio_code, t.target) for t in ctx.targets
                                          if t.target.kind == "share")]))
    sums = daos.official_share_parts(db_session, months, specs, args.get("city_code"), args.get("district_code"))
    rows, city_num, city_den = [], Decimal(0), Decimal(0)
    for enterprise in enterprises:
        own = sums.get(enterprise.id)
        parts = None if own is None else _lookup(own)
        numerator, denominator = parts(ranked) if parts else (Decimal(0), Decimal(0))
        city_num += numerator
        city_den += denominator
        rows.append({
            "uscc": enterprise.uscc, "name": enterprise.name, "district_code": enterprise.district_code,
            "industry": enterprise.industry, "declared": own is not None,
            "share_value": percent(numerator, denominator),
            "numerator_tonnes": tonnes_text(numerator), "denominator_tonnes": tonnes_text(denominator),
            **judge_targets(ctx, enterprise, parts),
        })
    return {
        "month": month, "period": args["period"], "months": months, "ratio": args["ratio"],
        "city_code": args.get("city_code"), "district_code": args.get("district_code"),
        "as_of": utcnow().isoformat(), "enterprises": len(rows), "declared": sum(r["declared"] for r in rows),
        "share": text(percent(city_num, city_den)), "numerator_tonnes": tonnes_text(city_num),
        "denominator_tonnes": tonnes_text(city_den), "rows": rows,
    }


def _lookup(sums: dict[RatioSpec, tuple[Decimal, Decimal]]) -> Parts:
    return lambda spec: sums[spec]


def ranking(args: dict[str, Any]) -> dict[str, Any]:
    """Enterprises ranked by the chosen share, highest first (those without figures last, unranked)."""
    view = evaluate_city(args)
    rows = view.pop("rows")
    rows.sort(key=lambda r: (r["share_value"] is None, -(r["share_value"] or 0), r["uscc"]))
    rank, previous = 0, None
    for position, row in enumerate(rows, start=1):
        value = row.pop("share_value")
        if value is not None and value != previous:
            rank, previous = position, value
        row["rank"] = rank if value is not None else None
        row["share"] = text(value)
        row["targets_missed"] = sum(1 for t in row["targets"] if t["compliant"] is False)
        del row["targets"]
    return {**view, "items": rows}


def non_compliant(args: dict[str, Any]) -> dict[str, Any]:
    """Enterprises missing a target or a siding obligation, worst margin first: the list to publicise."""
    view = evaluate_city(args)
    rows = []
    for row in view.pop("rows"):
        missed = [t for t in row["targets"] if t["compliant"] is False]
        if not missed and not row["flags"]:
            continue
        row.pop("share_value")
        row["targets"] = missed
        row["worst_margin_pp"] = min((t["margin_pp"] for t in missed), key=Decimal, default=None)
        rows.append(row)
    rows.sort(key=lambda r: (Decimal(r["worst_margin_pp"]) if r["worst_margin_pp"] else Decimal(0), r["uscc"]))
    return {**view, "items": rows}


def trend(args: dict[str, Any]) -> dict[str, Any]:
    """City or district aggregate shares month by month (official figures), with how many enterprises declared."""
    reject_future_month(args["end"], "to")
    months = months_between(args["start"], args["end"])
    db_session = session()
    ratios = daos.ratio_definitions(db_session)
    query = (
        select(Declaration.month, DeclarationLine.direction, DeclarationLine.goods, DeclarationLine.mode,
               func.sum(DeclarationLine.tonnes))
        .join(DeclarationLine, DeclarationLine.declaration_id == Declaration.id)
        .join(Enterprise, Enterprise.id == Declaration.enterprise_id)
        .where(Declaration.official.is_(True), Declaration.month.in_(months))
        .group_by(Declaration.month, DeclarationLine.direction, DeclarationLine.goods, DeclarationLine.mode)
    )
    query = daos.enterprise_filter(query, args)
    counts_query = daos.enterprise_filter(
        select(Declaration.month, func.count()).join(Enterprise, Enterprise.id == Declaration.enterprise_id)
        .where(Declaration.official.is_(True), Declaration.month.in_(months)).group_by(Declaration.month), args)
    by_month: dict[str, dict[tuple[str, str, str], Decimal]] = defaultdict(dict)
    for month, direction, goods, mode, tonnes in db_session.execute(query):
        by_month[month][(direction, goods, mode)] = Decimal(tonnes)
    counts = dict(db_session.execute(counts_query).all())
    ctx = Context(months[-1], [], ratios)
    points = [
        {"month": month, "declared": counts.get(month, 0),
         "shares": {code: share_of(ctx, code, by_month.get(month, {})) for code in ratios}}
        for month in months
    ]
    return {"from": args["start"], "to": args["end"], "city_code": args.get("city_code"),
            "district_code": args.get("district_code"), "as_of": utcnow().isoformat(), "points": points}


def city_indicators(args: dict[str, Any]) -> dict[str, Any]:
    """City-level indicators of the city's plans (000 item 14, 001 item 10): the share of listed key enterprises
    connected to a siding (today's register), and city-wide shares such as coal and coke by rail (official
    figures of the month or year to date), each against its target."""
    month, city_code = args["month"], args["city_code"]
    reject_future_month(month)
    db_session = session()
    ctx = Context.load(db_session, month)
    jurisdiction = city_jurisdictions().get(city_code)
    enterprises = daos.enterprises_for_view(db_session, city_code, None)
    months = ytd_months(month) if args["period"] == "ytd" else [month]
    indicators = []
    for applied in ctx.targets:
        target, rule = applied.target, applied.rule
        if target.kind not in CITY_KINDS or target.jurisdiction != jurisdiction:
            continue
        threshold = target.threshold if target.threshold is not None else rule.value
        if target.kind == "city_siding_connection":
            listed = [e for e in enterprises if target.industries is None or e.industry in target.industries]
            numerator = Decimal(sum(1 for e in listed if e.siding_status == "in_service"))
            denominator = Decimal(len(listed))
            counted = {"connected": int(numerator), "listed": int(denominator)}
        else:
            spec = ctx.spec(target.ratio_code, target)
            sums = daos.official_share_parts(db_session, months, [spec], city_code, None)
            numerator = sum((parts[spec][0] for parts in sums.values()), Decimal(0))
            denominator = sum((parts[spec][1] for parts in sums.values()), Decimal(0))
            counted = {"numerator_tonnes": tonnes_text(numerator), "denominator_tonnes": tonnes_text(denominator),
                       "enterprises": len(sums)}
        verdict = judge(numerator, denominator, threshold, rule.comparison)
        indicators.append({
            **applied.cited(), "kind": target.kind, "subject": rule.subject, "comparison": rule.comparison,
            "target": tonnes_text(threshold), **counted,
            **verdict, "share": text(verdict["share"]), "margin_pp": text(verdict["margin_pp"]),
        })
    return {"city_code": city_code, "jurisdiction": jurisdiction, "month": month, "period": args["period"],
            "months": months, "as_of": utcnow().isoformat(), "indicators": indicators}
