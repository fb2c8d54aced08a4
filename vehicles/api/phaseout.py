"""/api/v1/phaseout: plans, progress as of a day (city, district, owner), remaining vehicles and their export."""

from __future__ import annotations

from typing import Any

from flask import Response, stream_with_context

from shared.api import Blueprint
from shared.auth import Role, require_role
from shared.db import session
from shared.pagination import page_schema
from shared.tabular import EXPORT_MIMETYPES, attachment
from vehicles.commands.phaseout import ExportRemaining, PhaseoutProgress, RemainingVehicles
from vehicles.daos.phaseout import list_plans
from vehicles.schemas.phaseout import (
    PhaseoutPlanSchema,
    PlansQuerySchema,
    ProgressQuerySchema,
    ProgressSchema,
    RemainingQuerySchema,
)
from vehicles.schemas.registry import VehicleSchema

blp = Blueprint(
    "phaseout", __name__, url_prefix="/api/v1/phaseout", description="China III/IV operating diesel-truck phase-out"
)

READERS = (Role.ENVIRONMENT, Role.TRANSPORT, Role.POLICE, Role.SERVICE)


@blp.route("/plans")
@blp.arguments(PlansQuerySchema(), location="query")
@blp.response(200, PhaseoutPlanSchema(many=True))
@require_role(*READERS)
def plans(args: dict[str, Any]) -> Any:
    """The plans with their scope, baseline, deadline, quotas, validity and source."""
    return list_plans(session(), args["as_of"], args["jurisdiction"])


@blp.route("/progress")
@blp.arguments(ProgressQuerySchema(), location="query")
@blp.response(200, ProgressSchema)
@blp.alt_response(404, description="no phase-out plan has that name")
@require_role(*READERS)
def progress(args: dict[str, Any]) -> Any:
    """Baseline, eliminated, remaining, percent done, days to deadline; `by=district|owner` adds groups."""
    return PhaseoutProgress(args["plan"], args["as_of"], args["by"]).run()


@blp.route("/remaining")
@blp.arguments(RemainingQuerySchema(), location="query")
@blp.response(200, page_schema(VehicleSchema, "RemainingPage"))
@blp.alt_response(404, description="no phase-out plan has that name")
@require_role(*READERS)
def remaining(args: dict[str, Any]) -> Any:
    """The vehicles still to eliminate on `as_of` (drill-down), by plate."""
    return RemainingVehicles(args["plan"], args["as_of"], args, args["limit"], args["cursor"]).run()


@blp.route("/remaining.xlsx")
@blp.arguments(RemainingQuerySchema(), location="query")
@blp.response(
    200, description="an XLSX workbook: summary sheet + remaining vehicles", content_type=EXPORT_MIMETYPES["xlsx"]
)
@blp.alt_response(404, description="no phase-out plan has that name")
@require_role(*READERS)
def remaining_export(args: dict[str, Any]) -> Any:
    """The remaining vehicles as an Excel workbook."""
    chunks = ExportRemaining(args["plan"], args["as_of"], args).run()
    filename = f"phaseout-{args['plan']}-{args['as_of']}.xlsx"
    return Response(
        stream_with_context(chunks),
        mimetype=EXPORT_MIMETYPES["xlsx"],
        headers={"Content-Disposition": attachment(filename)},
    )
