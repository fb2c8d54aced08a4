"""/api/v1/sites/{site_id}/completeness: the daily completeness report of a site's gate data."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from gatecontrol.commands.completeness import completeness_report
from gatecontrol.schemas import CompletenessQuerySchema
from shared.auth import Role, current_principal, require_role

blp = Blueprint("completeness", __name__, url_prefix="/api/v1/sites", description="Completeness of gate data")


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


@blp.route("/<site_id>/completeness")
@blp.arguments(CompletenessQuerySchema(), location="query")
@blp.response(200, CompletenessSchema)
@require_role(Role.ENVIRONMENT, Role.ENTERPRISE, Role.SERVICE)
def completeness(args: dict[str, Any], site_id: str) -> Any:
    """Silent gaps per gate in operating hours, incomplete plates, unknown vehicles, backfill share, delivery delay."""
    return completeness_report(site_id, args["day"], current_principal())
