"""Heavy-pollution alerts and response rules as data; violations are passages that broke a rule in force."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from typing import Any

import yaml
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from gatecontrol.models import Alert, Passage, ResponseRule, Site
from gatecontrol.rules import area_covers, breaks_rule, level_rank, rule_applies, rule_may_apply
from shared.auth import Principal, Role
from shared.db import session, unit_of_work
from shared.errors import Conflict, Forbidden
from shared.timeutil import local_date, month_bounds, month_days

ALERT_CONTENT = ("level", "area", "starts_at", "ends_at", "authority")
RULE_FIELDS = (
    "jurisdiction", "issuer", "min_level", "season_from", "season_to", "directions", "fuels", "max_stage",
    "goods_keywords", "industries", "dev_zone_listed_only", "heavy_trucks_only", "effective_from", "effective_to",
    "source_document", "source_item", "description",
)  # fmt: skip


def declare_alert(data: dict[str, Any], principal: Principal) -> tuple[Alert, bool]:
    """Record an alert; the same alert number again is a no-op, with other content a 409 naming the fields."""
    with unit_of_work() as db_session:
        existing = db_session.scalars(select(Alert).where(Alert.alert_key == data["alert_key"])).one_or_none()
        if existing is not None:
            differing = [name for name in ALERT_CONTENT if getattr(existing, name) != data[name]]
            if differing:
                raise Conflict(
                    f"alert {data['alert_key']} was declared with other content; declare a new alert number",
                    errors=[{"field": name, "reason": "differs from the declared alert"} for name in differing],
                )
            return existing, False
        alert = Alert(**data, declared_by=principal.name)
        db_session.add(alert)
        return alert, True


def list_alerts(start: datetime | None, end: datetime | None) -> list[Alert]:
    """Alerts overlapping [start, end), by start time."""
    query = select(Alert).order_by(Alert.starts_at, Alert.id)
    if start:
        query = query.where(Alert.ends_at > start)
    if end:
        query = query.where(Alert.starts_at < end)
    return list(session().scalars(query))


def load_response_rules() -> list[dict[str, Any]]:
    """The response rules shipped in response_rules.yaml, validated like a posted rule."""
    from gatecontrol.schemas import ResponseRuleSchema

    text = resources.files("gatecontrol").joinpath("response_rules.yaml").read_text(encoding="utf-8")
    return [ResponseRuleSchema().load(row) for row in yaml.safe_load(text) or []]


def seed_response_rules(db_session: Session, rows: Sequence[dict[str, Any]] | None = None) -> dict[str, int]:
    """Insert or update the shipped rules by code (idempotent: the file is the source of these rules)."""
    counts = {"added": 0, "updated": 0, "unchanged": 0}
    for row in rows if rows is not None else load_response_rules():
        rule = db_session.scalars(select(ResponseRule).where(ResponseRule.code == row["code"])).one_or_none()
        values = {name: row.get(name) for name in RULE_FIELDS}
        if rule is None:
            db_session.add(ResponseRule(code=row["code"], **values))
            counts["added"] += 1
        elif any(getattr(rule, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(rule, key, value)
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    db_session.flush()
    return counts


def add_response_rule(data: dict[str, Any]) -> tuple[ResponseRule, bool]:
    """A bureau adds a rule; the same rule again is a no-op, another rule under its code a 409 naming the fields."""
    with unit_of_work() as db_session:
        rule = db_session.scalars(select(ResponseRule).where(ResponseRule.code == data["code"])).one_or_none()
        if rule is not None:
            differing = [name for name in RULE_FIELDS if getattr(rule, name) != data.get(name)]
            if differing:
                raise Conflict(
                    f"response rule {data['code']} exists with other content; add it under a new code",
                    errors=[{"field": name, "reason": "differs from the stored rule"} for name in differing],
                )
            return rule, False
        rule = ResponseRule(code=data["code"], **{name: data.get(name) for name in RULE_FIELDS})
        db_session.add(rule)
        return rule, True


def list_response_rules(area: str | None = None) -> list[ResponseRule]:
    """The rules by code; with an area, those that can bind a site there (the area's own, its city's and
    province's rules, and for a province or city the rules of the places inside it)."""
    rules = list(session().scalars(select(ResponseRule).order_by(ResponseRule.code)))
    if area is None:
        return rules
    return [r for r in rules if area_covers(r.jurisdiction, area) or area_covers(area, r.jurisdiction)]


# ---- violations ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Violation:
    """A passage that broke a response rule in force, with the alert (if any) that put the rule in force."""

    passage: Passage
    rule: ResponseRule
    alert: Alert | None

    @property
    def day(self) -> date:
        return local_date(self.passage.captured_at)


def _as_dict(obj: Any, names: Sequence[str]) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in names}


PASSAGE_FIELDS = ("direction", "fuel", "stage", "goods", "vehicle_class")
SITE_FIELDS = ("industry", "dev_zone_listed", "district_code")


def find_violations(
    month: str, site_ids: Sequence[str], principal: Principal, *, strict: bool = True
) -> Iterator[Violation]:
    """Every passage of the month at the sites (all visible ones if none named) that broke a rule in force.

    `strict`: naming a site the caller may not see (or that does not exist) is refused, not skipped.
    """
    db_session = session()
    start, end = month_bounds(month)
    site_query = select(Site).order_by(Site.site_id)
    if principal.role == Role.ENTERPRISE:
        site_query = site_query.where(Site.uscc == principal.uscc)
    if site_ids:
        site_query = site_query.where(Site.site_id.in_(site_ids))
    sites = list(db_session.scalars(site_query))
    if strict and site_ids and len(sites) != len(set(site_ids)):
        raise Forbidden("some of these sites are not yours or do not exist")
    all_rules = list(db_session.scalars(select(ResponseRule)))
    alerts = list_alerts(start, end)
    days = month_days(month)
    for site in sites:
        site_facts = _as_dict(site, SITE_FIELDS)
        site_alerts = [a for a in alerts if area_covers(a.area, site.district_code)]
        windows = [(a.starts_at, a.ends_at) for a in site_alerts]
        # only rules that can bind this site this month; an alert rule needs an alert over the site
        rules = [
            r
            for r in all_rules
            if rule_may_apply(_as_dict(r, RULE_FIELDS), site_facts, days) and (windows or r.min_level is None)
        ]
        if not rules:
            continue
        query = select(Passage).where(
            Passage.site_id == site.site_id, Passage.captured_at >= start, Passage.captured_at < end
        )
        if all(r.min_level is not None for r in rules):
            query = query.where(or_(*(and_(Passage.captured_at >= s, Passage.captured_at < e) for s, e in windows)))
        rule_facts = [(rule, _as_dict(rule, RULE_FIELDS)) for rule in rules]
        for passage in db_session.scalars(query.order_by(Passage.captured_at, Passage.event_id)):
            # an alert is in force from its start (inclusive) to its end (exclusive)
            active = [a for a in site_alerts if a.starts_at <= passage.captured_at < a.ends_at]
            worst = max(active, key=lambda a: level_rank(a.level), default=None)
            day = local_date(passage.captured_at)
            facts = _as_dict(passage, PASSAGE_FIELDS)
            for rule, facts_of_rule in rule_facts:
                if rule_applies(facts_of_rule, day, worst.level if worst else None) and breaks_rule(
                    facts_of_rule, facts, site_facts
                ):
                    yield Violation(passage, rule, worst if rule.min_level else None)
                    break  # one finding per passage: the first rule it breaks


VIOLATION_COLUMNS = [
    ("site_id", "站点"), ("day", "日期"), ("captured_at", "通过时间"), ("gate_id", "门禁编号"),
    ("direction", "进出方向"), ("plate", "号牌号码"), ("plate_colour", "号牌颜色"), ("stage", "排放阶段"),
    ("fuel", "燃料类型"), ("goods", "货物名称"),
    ("rule_code", "违反规则"), ("alert_key", "预警编号"), ("alert_level", "预警级别"), ("source", "依据"),
    ("event_id", "记录流水号"),
]  # fmt: skip


def violation_dict(violation: Violation) -> dict[str, Any]:
    p, rule, alert = violation.passage, violation.rule, violation.alert
    return {
        "site_id": p.site_id, "day": violation.day, "captured_at": p.captured_at, "gate_id": p.gate_id,
        "direction": p.direction, "plate": p.plate, "plate_colour": p.plate_colour, "stage": p.stage, "fuel": p.fuel,
        "goods": p.goods, "rule_code": rule.code, "alert_key": alert.alert_key if alert else None,
        "alert_level": alert.level if alert else None, "source": f"{rule.source_document} {rule.source_item}",
        "event_id": p.event_id,
    }  # fmt: skip


def violations_report(month: str, site_ids: Sequence[str], principal: Principal) -> dict[str, Any]:
    """Violations listed, and counted per site and day."""
    items = [violation_dict(v) for v in find_violations(month, site_ids, principal)]
    per_day: dict[tuple[str, date], int] = {}
    for item in items:
        per_day[(item["site_id"], item["day"])] = per_day.get((item["site_id"], item["day"]), 0) + 1
    return {
        "month": month,
        "by_site_day": [{"site_id": s, "day": d, "count": n} for (s, d), n in sorted(per_day.items())],
        "violations": items,
    }
