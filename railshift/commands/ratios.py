"""Rail and clean shares per enterprise and city, judged against every applicable target (official figures)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from marshmallow import ValidationError
from sqlalchemy.orm import Session

from railshift import cities, daos
from railshift.cities import city_jurisdictions
from railshift.commands.common import check_may_read, check_may_see_drafts, check_scope
from railshift.models import Declaration, Enterprise, PolicyRule, RatioDefinition, Target
from railshift.rules import (
    RatioSpec,
    Totals,
    judge,
    percent,
    period_overlaps,
    ratio_parts,
    siding_obligation_breached,
    sum_lines,
    target_applies,
)
from shared.auth import Principal
from shared.db import session, utcnow
from shared.errors import NotFound
from shared.policy import pick_rule
from shared.timeutil import month_range, months_between

ENTERPRISE_KINDS = frozenset({"share", "siding_obligation"})
CITY_KINDS = frozenset({"city_share", "city_siding_connection"})


def text(value: Decimal | None) -> str | None:
    """A decimal as sent: a string, or None."""
    return None if value is None else format(value, "f")


def tonnes_text(value: Decimal) -> str:
    """Tonnes as a plain string without trailing zeros."""
    return format(Decimal(value).normalize(), "f") if value else "0"


@dataclass(frozen=True)
class TargetInForce:
    """A target and the rule it is judged by in a month; `carried_forward` when that rule's period had ended."""

    target: Target
    rule: PolicyRule
    carried_forward: bool = False

    def cited(self) -> dict[str, Any]:
        """The rule a verdict cites, and whether it is carried forward (with the rule's own end)."""
        rule = self.rule
        return {"key": self.target.key, "rule_code": rule.code, "rule_id": rule.id, "jurisdiction": rule.jurisdiction,
                "source_document": rule.source_document, "source_item": rule.source_item,
                "carried_forward": self.carried_forward,
                "rule_effective_to": None if rule.effective_to is None else rule.effective_to.isoformat()}


@dataclass
class Context:
    """Targets, ratio definitions and rules in force for one month, loaded once per request."""

    month: str
    targets: list[TargetInForce]
    ratios: dict[str, RatioDefinition]

    @classmethod
    def load(cls, db_session: Session, month: str, carry_forward: bool | None = None) -> Context:
        """The month's targets: each with the latest rule in force in the month, or (targets.yaml
        `carry_forward`, unless given) the latest that started before the month's end, carried forward."""
        if carry_forward is None:
            carry_forward = cities.carry_forward()
        first, last = month_range(month)
        targets = daos.all_targets(db_session)
        rules: dict[tuple[str, str], list[PolicyRule]] = defaultdict(list)
        for rule in daos.rules_started_by(db_session, {t.rule_code for t in targets}, last):
            rules[(rule.code, rule.jurisdiction)].append(rule)
        in_force = []
        for target in targets:
            picked = pick_rule(rules.get((target.rule_code, target.jurisdiction), []), last, carry_forward, first)
            if picked is None:
                continue
            rule = picked.rule
            # The target's own dates (who it applies to, and when) bound it, carried or not.
            start = target.effective_from or rule.effective_from
            end = target.effective_to or (None if picked.carried_forward else rule.effective_to)
            if period_overlaps(start, end, first, last):
                in_force.append(TargetInForce(target, rule, picked.carried_forward))
        return cls(month, in_force, daos.ratio_definitions(db_session))

    def spec(self, ratio_code: str, target: Target | None = None) -> RatioSpec:
        definition = self.ratios[ratio_code]
        goods = (target.goods if target is not None and target.goods is not None else definition.goods)
        return RatioSpec(
            numerator_modes=frozenset(definition.numerator_modes),
            denominator_modes=None if definition.denominator_modes is None else frozenset(definition.denominator_modes),
            goods=None if goods is None else frozenset(goods),
            directions=None if target is None or target.directions is None else frozenset(target.directions),
        )

    def applicable(self, enterprise: Enterprise) -> list[TargetInForce]:
        """The enterprise-level targets (shares, siding obligation) that apply to this enterprise."""
        jurisdiction = city_jurisdictions().get(enterprise.city_code)
        return [t for t in self.targets
                if t.target.kind in ENTERPRISE_KINDS and target_applies(t.target, enterprise, jurisdiction)]


def share_of(ctx: Context, ratio_code: str, totals: Totals) -> dict[str, Any]:
    numerator, denominator = ratio_parts(totals, ctx.spec(ratio_code))
    return {"share": text(percent(numerator, denominator)), "numerator_tonnes": tonnes_text(numerator),
            "denominator_tonnes": tonnes_text(denominator)}


Parts = Callable[[RatioSpec], tuple[Decimal, Decimal]]


def parts_of(totals: Totals) -> Parts:
    """(numerator, denominator) of any share, from one enterprise's totals."""
    return lambda spec: ratio_parts(totals, spec)


def judge_targets(ctx: Context, enterprise: Enterprise, parts: Parts | None) -> dict[str, Any]:
    """Every applicable target's verdict (None parts: nothing declared), and the siding-obligation flags."""
    verdicts, flags = [], []
    for applied in ctx.applicable(enterprise):
        target, rule, cited = applied.target, applied.rule, applied.cited()
        if target.kind == "siding_obligation":
            if rule.value is not None and siding_obligation_breached(enterprise, rule.value):
                moved, minimum = tonnes_text(enterprise.annual_bulk_tonnes), tonnes_text(rule.value)
                flags.append({**cited, "reason": f"moves {moved} t of bulk freight a year (>= {minimum}) "
                              "without a rail siding in service"})
            continue
        threshold = target.threshold if target.threshold is not None else rule.value
        if parts is None:
            verdict = {"share": None, "compliant": None, "margin_pp": None, "status": "not_declared"}
        else:
            numerator, denominator = parts(ctx.spec(target.ratio_code, target))
            verdict = judge(numerator, denominator, threshold, rule.comparison)
            verdict["share"] = text(verdict["share"])
            verdict["margin_pp"] = text(verdict["margin_pp"])
            verdict["numerator_tonnes"] = tonnes_text(numerator)
            verdict["denominator_tonnes"] = tonnes_text(denominator)
        verdicts.append({**cited, "ratio": target.ratio_code, "comparison": rule.comparison,
                         "target": tonnes_text(threshold), **verdict})
    judged = [v["compliant"] for v in verdicts if v["compliant"] is not None]
    return {
        "targets": verdicts,
        "flags": flags,
        "compliant": (all(judged) and not flags) if (judged or flags) else None,
    }


def _totals_of(rows: Iterable[tuple[Any, ...]]) -> dict[int, dict[tuple[str, str, str], Decimal]]:
    totals: dict[int, dict[tuple[str, str, str], Decimal]] = defaultdict(dict)
    for enterprise_id, direction, goods, mode, tonnes in rows:
        totals[enterprise_id][(direction, goods, mode)] = Decimal(tonnes)
    return totals


def ytd_months(month: str) -> list[str]:
    return months_between(f"{month[:4]}-01", month)


def _version_shown(
    db_session: Session, enterprise: Enterprise, month: str, include_drafts: bool, declaration_id: int | None,
    principal: Principal,
) -> Declaration | None:
    """The version whose lines stand in for the month's official ones: the one asked for by `declaration_id`,
    or with `include_drafts` the newest version of the month (None: approved figures only)."""
    if declaration_id is not None:
        try:
            declaration = daos.declaration_or_404(db_session, declaration_id)
        except NotFound:
            raise ValidationError({"declaration_id": [f"no declaration with id {declaration_id}"]}) from None
        check_may_read(principal, declaration)
        if declaration.enterprise_id != enterprise.id or declaration.month != month:
            raise ValidationError({"declaration_id": [
                f"declaration {declaration_id} is {declaration.uscc}'s for {declaration.month}, "
                f"not {enterprise.uscc}'s for {month}"]})
        return declaration
    if include_drafts:
        newest = daos.versions(db_session, enterprise.id, month)
        return newest[-1] if newest else None
    return None


def enterprise_ratios(
    uscc: str, month: str, include_drafts: bool, principal: Principal, declaration_id: int | None = None
) -> dict[str, Any]:
    """An enterprise's month and year-to-date shares against each applicable target.

    Official figures only count approved versions. `include_drafts` shows the enterprise its newest version of
    the month whatever its state; `declaration_id` shows one version (a reviewer's view of the version under
    review, before approving it) to whoever may read that version. Either way the version's lines replace the
    official ones in the month and in the year to date, and `basis` names the version.
    """
    check_scope(principal, uscc)
    if include_drafts:
        check_may_see_drafts(principal)
    db_session = session()
    enterprise = daos.enterprise_or_404(db_session, uscc)
    shown = _version_shown(db_session, enterprise, month, include_drafts, declaration_id, principal)
    ctx = Context.load(db_session, month)
    basis = "approved"
    monthly = _totals_of(daos.official_totals(db_session, [month], [enterprise.id])).get(enterprise.id)
    ytd = _totals_of(daos.official_totals(db_session, ytd_months(month), [enterprise.id])).get(enterprise.id)
    if shown is not None and not shown.official:
        basis = f"version {shown.version} ({shown.status})"
        previous = monthly or {}
        monthly = sum_lines(shown.lines)
        ytd = dict(ytd or {})
        for key, tonnes in previous.items():
            ytd[key] -= tonnes
        for key, tonnes in monthly.items():
            ytd[key] = ytd.get(key, Decimal(0)) + tonnes
    result: dict[str, Any] = {
        "uscc": uscc, "name": enterprise.name, "month": month, "basis": basis, "as_of": utcnow().isoformat(),
        "declaration": None if shown is None else {
            "id": shown.id, "version": shown.version, "status": shown.status, "official": shown.official},
    }
    for label, totals in (("month", monthly), ("ytd", ytd)):
        result[label] = {
            "declared": totals is not None,
            "shares": {code: share_of(ctx, code, totals or {}) for code in ctx.ratios},
            **judge_targets(ctx, enterprise, None if totals is None else parts_of(totals)),
        }
    return result
