"""/api/v1/.../ratios: shares against targets per enterprise, city ranking, non-compliant list, trend."""

from __future__ import annotations

from typing import Any

from railshift.commands.ratios import enterprise_ratios
from railshift.commands.views import city_indicators, non_compliant, ranking, trend
from railshift.schemas import (
    CityIndicatorQuerySchema,
    CityIndicatorsSchema,
    EnterpriseRatiosSchema,
    NonCompliantSchema,
    RankingSchema,
    RatioQuerySchema,
    TrendQuerySchema,
    ViewQuerySchema,
    uscc_or_422,
)
from shared.api import Blueprint
from shared.auth import Role, current_principal, require_role

blp = Blueprint("ratios", __name__, url_prefix="/api/v1",
                description="Rail and clean-transport shares against every applicable target (approved figures)")
VIEWERS = (Role.TRANSPORT, Role.ENVIRONMENT, Role.SERVICE)


@blp.route("/enterprises/<uscc>/ratios")
@blp.arguments(RatioQuerySchema(), location="query")
@blp.response(200, EnterpriseRatiosSchema)
@require_role(*VIEWERS, Role.ENTERPRISE)
def enterprise(args: dict[str, Any], uscc: str) -> Any:
    """The month and year to date: each share, each applicable target, compliant or not and by how much
    (approved figures, or those of one version: `declaration_id`, `include_drafts`)."""
    return enterprise_ratios(uscc_or_422(uscc), args["month"], args["include_drafts"], current_principal(),
                             args["declaration_id"])


@blp.route("/ratios/ranking")
@blp.arguments(ViewQuerySchema(), location="query")
@blp.response(200, RankingSchema)
@require_role(*VIEWERS)
def city_ranking(args: dict[str, Any]) -> Any:
    """Enterprises of a city or district ranked by a share, for a month or the year to date."""
    return ranking(args)


@blp.route("/ratios/non-compliant")
@blp.arguments(ViewQuerySchema(), location="query")
@blp.response(200, NonCompliantSchema)
@require_role(*VIEWERS)
def city_non_compliant(args: dict[str, Any]) -> Any:
    """Enterprises missing a target or their siding obligation, worst first (for publicising)."""
    return non_compliant(args)


@blp.route("/ratios/trend")
@blp.arguments(TrendQuerySchema(), location="query")
@blp.response(200)
@require_role(*VIEWERS)
def city_trend(args: dict[str, Any]) -> Any:
    """Month-by-month aggregate shares of a city or district."""
    return trend(args)


@blp.route("/ratios/city-indicators")
@blp.arguments(CityIndicatorQuerySchema(), location="query")
@blp.response(200, CityIndicatorsSchema)
@require_role(*VIEWERS)
def city_level(args: dict[str, Any]) -> Any:
    """The city's own indicators: listed key enterprises connected to a siding, city-wide coal and coke by rail."""
    return city_indicators(args)
