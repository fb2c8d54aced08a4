"""/api/v1/sources and /api/v1/policy-rules: what the reports read from the other services."""

from __future__ import annotations

from typing import Any

from reports.schemas import RulesQuerySchema, RulesSchema, SourcesSchema
from reports.sources import policy_rules_in_force, upstream_status
from shared.api import Blueprint, ProblemSchema

blp = Blueprint("sources", __name__, url_prefix="/api/v1", description="The upstream services a report is built from")


@blp.route("/sources")
@blp.response(200, SourcesSchema)
def sources() -> dict[str, Any]:
    """Whether each upstream service is ready now."""
    return {"sources": upstream_status()}


@blp.route("/policy-rules")
@blp.arguments(RulesQuerySchema(), location="query")
@blp.response(200, RulesSchema)
@blp.alt_response(503, schema=ProblemSchema, description="an upstream service is unavailable (named)")
def policy_rules(args: dict[str, Any]) -> dict[str, Any]:
    """Every policy rule in force on a day across the upstream services, each tagged with its service."""
    return {"as_of": args["as_of"], "rules": policy_rules_in_force(args["as_of"], tuple(args["service"]))}
