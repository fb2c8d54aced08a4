"""/api/v1/trips: heavy-truck trip counts of an enterprise's sites per month (railshift's reconciliation)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from gatecontrol.commands.trips import trips
from gatecontrol.schemas import TripsQuerySchema
from shared.api import Blueprint
from shared.auth import Role, current_principal, require_role

blp = Blueprint("trips", __name__, url_prefix="/api/v1/trips", description="Trip counts for railshift (contract §4)")


class TripSchema(Schema):
    site_id = fields.String()
    direction = fields.String()
    vehicle_class = fields.String(metadata={"description": "N1, N2, N3, M1 ... or unknown"})
    count = fields.Integer()


class TripsSchema(Schema):
    uscc = fields.String()
    month = fields.String()
    sites = fields.List(fields.String())
    as_of = fields.DateTime()
    trips = fields.List(fields.Nested(TripSchema))
    totals = fields.Dict(keys=fields.String(), values=fields.Dict(keys=fields.String(), values=fields.Integer()))


@blp.route("")
@blp.arguments(TripsQuerySchema(), location="query")
@blp.response(200, TripsSchema)
@require_role(Role.SERVICE, Role.TRANSPORT, Role.ENVIRONMENT, Role.ENTERPRISE)
def get_trips(args: dict[str, Any]) -> Any:
    """Passages per site, direction and vehicle class of an enterprise's sites in a city month."""
    return trips(args["uscc"], args["month"], args["site_id"], current_principal())
