"""/api/v1/ledger: the electronic ledger: filtered pages, streamed exports, summaries, the inspectors' audit view."""

from __future__ import annotations

from typing import Any

from flask import Response, stream_with_context
from marshmallow import Schema, fields

from gatecontrol.commands import ledger
from gatecontrol.commands.audit import audit_view
from gatecontrol.schemas import (
    AuditQuerySchema,
    ExportQuerySchema,
    LedgerQuerySchema,
    PassageOutSchema,
    SummaryQuerySchema,
)
from shared.api import Blueprint
from shared.auth import Role, current_principal, require_role
from shared.pagination import page_schema
from shared.tabular import EXPORT_MIMETYPES, attachment, table_chunks

blp = Blueprint("ledger", __name__, url_prefix="/api/v1/ledger", description="The electronic passage ledger")
READERS = (Role.ENVIRONMENT, Role.TRANSPORT, Role.POLICE, Role.SERVICE, Role.ENTERPRISE, Role.GATE)


class SummarySchema(Schema):
    site_id = fields.String()
    period = fields.String(metadata={"description": "YYYY-MM-DD (city day) or YYYY-MM"})
    total = fields.Integer()
    in_ = fields.Integer(data_key="in", attribute="in")
    out = fields.Integer()
    balance = fields.Integer(metadata={"description": "in minus out"})
    by_stage = fields.Dict(keys=fields.String(), values=fields.Integer())
    by_fuel = fields.Dict(keys=fields.String(), values=fields.Integer())
    complete_plates = fields.Integer()
    complete_plate_share = fields.Float()
    heavy_trucks_china4_or_below = fields.Integer(metadata={"description": "N3 of 国四 and below"})
    violations = fields.Integer()


class SummaryListSchema(Schema):
    month = fields.String()
    period = fields.String()
    items = fields.List(fields.Nested(SummarySchema))


class DayCountSchema(Schema):
    day = fields.Date()
    count = fields.Integer()
    alert_level = fields.String(allow_none=True)


class AuditSchema(Schema):
    site_id = fields.String()
    month = fields.String()
    seed = fields.Integer(metadata={"description": "send it again to draw the same sample"})
    population = fields.Integer()
    records = fields.List(fields.Nested(PassageOutSchema))
    normal_days = fields.List(fields.Nested(DayCountSchema))
    alert_days = fields.List(fields.Nested(DayCountSchema))


@blp.route("")
@blp.arguments(LedgerQuerySchema(), location="query")
@blp.response(200, page_schema(PassageOutSchema, "PassagePage"))
@require_role(*READERS)
def list_passages(args: dict[str, Any]) -> Any:
    """Passages by site, gate, time range, plate, stage, fuel, direction and flags, in capture order."""
    return ledger.ledger_page(args, current_principal())


@blp.route("/export")
@blp.arguments(ExportQuerySchema(), location="query")
@blp.response(200, description="CSV (UTF-8 with BOM) or XLSX, Chinese headers, streamed")
@blp.alt_response(404, description="no site has that id")
@require_role(*READERS)
def export(args: dict[str, Any]) -> Any:
    """One site-month of the ledger as a file, with the columns the plans require a site to keep."""
    headers, rows = ledger.export_rows(args["site_id"], args["month"], current_principal())
    fmt = args["format"]
    filename = f"ledger_{args['site_id']}_{args['month']}.{fmt}"
    return Response(
        stream_with_context(table_chunks(fmt, f"台账 {args['month']}", headers, rows)),
        mimetype=EXPORT_MIMETYPES[fmt],
        headers={"Content-Disposition": attachment(filename)},
    )


@blp.route("/summary")
@blp.arguments(SummaryQuerySchema(), location="query")
@blp.response(200, SummaryListSchema)
@require_role(*READERS)
def summary(args: dict[str, Any]) -> Any:
    """Per site per day or month: counts by stage and fuel, in/out balance, complete plates, old heavy trucks."""
    items = ledger.summaries(args["site_id"], args["month"], args["period"], current_principal())
    return {"month": args["month"], "period": args["period"], "items": items}


@blp.route("/audit")
@blp.arguments(AuditQuerySchema(), location="query")
@blp.response(200, AuditSchema)
@blp.alt_response(404, description="no site has that id")
@require_role(Role.ENVIRONMENT)
def audit(args: dict[str, Any]) -> Any:
    """An inspector's view of a site-month: N random records with photos; daily counts, normal vs alert days."""
    return audit_view(args["site_id"], args["month"], args["sample"], args.get("seed"))
