"""/api/v1/sites/{site_id}/completeness and /api/v1/completeness/monthly: how complete the sites' gate data is."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from gatecontrol.commands.completeness import completeness_report, monthly_completeness
from gatecontrol.schemas import CompletenessQuerySchema, MonthlyCompletenessQuerySchema
from shared.api import Blueprint
from shared.auth import Role, current_principal, require_role

blp = Blueprint("completeness", __name__, url_prefix="/api/v1", description="Completeness of gate data")
READERS = (Role.ENVIRONMENT, Role.ENTERPRISE, Role.SERVICE)


class GapSchema(Schema):
    from_ = fields.DateTime(data_key="from", attribute="from")
    to = fields.DateTime()
    minutes = fields.Integer()


class GateCompletenessSchema(Schema):
    gate_id = fields.String()
    operating_from = fields.DateTime()
    operating_to = fields.DateTime()
    passages = fields.Integer()
    silent_gaps = fields.List(fields.Nested(GapSchema))


class CompletenessSchema(Schema):
    site_id = fields.String()
    day = fields.Date()
    silent_window_minutes = fields.Integer()
    gates = fields.List(fields.Nested(GateCompletenessSchema))
    passages = fields.Integer()
    incomplete_plates = fields.Integer()
    unknown_vehicles = fields.Integer()
    backfilled = fields.Integer()
    backfilled_share = fields.Float(allow_none=True)
    delivery_delay_seconds = fields.Dict(keys=fields.String(), values=fields.Float(allow_none=True))


class _MonthCounts(Schema):
    gates = fields.Integer()
    gates_silent = fields.Integer(metadata={"description": "gates with a silent gap in operating hours"})
    silent_minutes = fields.Integer()
    days_without_events = fields.Integer(metadata={"description": "days begun in the month without a passage"})
    passages = fields.Integer()
    incomplete_plates = fields.Integer()
    unknown_vehicles = fields.Integer()
    backfilled = fields.Integer()


class SiteMonthSchema(_MonthCounts):
    site_id = fields.String()
    name = fields.String()
    district_code = fields.String()
    key_user = fields.Boolean()
    last_event_at = fields.DateTime(allow_none=True, metadata={"description": "last passage up to the month's end"})


class MonthTotalsSchema(_MonthCounts):
    sites = fields.Integer()
    sites_silent = fields.Integer(metadata={"description": "sites with a silent gate or no passage at all"})


class MonthlyCompletenessSchema(Schema):
    month = fields.String()
    area = fields.String(allow_none=True)
    as_of = fields.DateTime()
    silent_window_minutes = fields.Integer()
    items = fields.List(fields.Nested(SiteMonthSchema))
    totals = fields.Nested(MonthTotalsSchema)


@blp.route("/sites/<site_id>/completeness")
@blp.arguments(CompletenessQuerySchema(), location="query")
@blp.response(200, CompletenessSchema)
@require_role(*READERS)
def completeness(args: dict[str, Any], site_id: str) -> Any:
    """Silent gaps per gate in operating hours, incomplete plates, unknown vehicles, backfill share, delivery delay."""
    return completeness_report(site_id, args["day"], current_principal())


@blp.route("/completeness/monthly")
@blp.arguments(MonthlyCompletenessQuerySchema(), location="query")
@blp.response(200, MonthlyCompletenessSchema)
@require_role(*READERS)
def monthly(args: dict[str, Any]) -> Any:
    """Every site of an area (enterprises: their own) in a city month, those that sent nothing included:
    silent gates and minutes, days without passages, passages, incomplete plates, unknown vehicles, backfill."""
    return monthly_completeness(args["month"], args["area"], current_principal())
