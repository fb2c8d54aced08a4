"""Pure rules of alerts and response rules (应急响应): levels, jurisdiction, whether a passage breaks a rule."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from gatecontrol.rules.enrichment import ELECTRIC, in_season
from shared.query import area_prefix
from shared.vocab import EmissionStage

ALERT_LEVELS = ("blue", "yellow", "orange", "red")  # 蓝 黄 橙 红, level 1..4 as in policy_rules.yaml
HEAVY_CLASSES = frozenset({"N3"})


def level_rank(level: str) -> int:
    """blue 1, yellow 2, orange 3, red 4 (the numbering policy_rules.yaml uses for alert_level)."""
    return ALERT_LEVELS.index(level) + 1


def area_covers(area: str, district_code: str) -> bool:
    """Whether an alert's division code covers a site's district (a city code 141000 covers 1410xx)."""
    return district_code.startswith(area_prefix(area))


def in_jurisdiction(rule: Mapping[str, Any], site: Mapping[str, Any]) -> bool:
    """Whether a site lies where the rule's issuing government governs (a Hebei rule never binds Shanxi).

    An alert over the site and a rule of the site's city, province or district: the alert puts the rule in
    force even when it was declared by a higher level (a province-wide alert starts the city's response).
    """
    return area_covers(rule["jurisdiction"], site.get("district_code") or "")


def rule_applies(rule: Mapping[str, Any], day: date, alert_level: str | None) -> bool:
    """Whether a response rule is in force on a day, given the worst alert level over the site then."""
    if day < rule["effective_from"] or (rule.get("effective_to") and day > rule["effective_to"]):
        return False
    if not in_season(day, rule.get("season_from"), rule.get("season_to")):
        return False
    if rule.get("min_level"):
        return alert_level is not None and level_rank(alert_level) >= level_rank(rule["min_level"])
    return True


def rule_may_apply(rule: Mapping[str, Any], site: Mapping[str, Any], days: Sequence[date]) -> bool:
    """Whether a rule can bind a site on any of these days (its dates, season and site conditions), so a
    month's violation search reads only the passages some rule could catch."""
    if not in_jurisdiction(rule, site):
        return False
    if rule.get("dev_zone_listed_only") and not site.get("dev_zone_listed"):
        return False
    if rule.get("industries") and site.get("industry") not in rule["industries"]:
        return False
    return any(
        day >= rule["effective_from"]
        and not (rule.get("effective_to") and day > rule["effective_to"])
        and in_season(day, rule.get("season_from"), rule.get("season_to"))
        for day in days
    )


def breaks_rule(rule: Mapping[str, Any], passage: Mapping[str, Any], site: Mapping[str, Any]) -> bool:
    """Whether a passage at a site is one the rule forbids (the rule is known to be in force)."""
    if not in_jurisdiction(rule, site):
        return False
    if rule.get("directions") and passage.get("direction") not in rule["directions"]:
        return False
    if rule.get("dev_zone_listed_only") and not site.get("dev_zone_listed"):
        return False
    if rule.get("industries") and site.get("industry") not in rule["industries"]:
        return False
    if rule.get("heavy_trucks_only") and passage.get("vehicle_class") not in HEAVY_CLASSES:
        return False
    if rule.get("fuels") and passage.get("fuel") not in rule["fuels"]:
        return False
    if rule.get("max_stage"):
        stage = passage.get("stage")
        if stage is None or stage == ELECTRIC:
            return False
        if not EmissionStage(stage).at_most(EmissionStage(rule["max_stage"])):
            return False
    if rule.get("goods_keywords"):
        goods = passage.get("goods") or ""
        if not any(keyword in goods for keyword in rule["goods_keywords"]):
            return False
    return True
