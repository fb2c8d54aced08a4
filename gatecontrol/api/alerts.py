"""/api/v1/alerts, /api/v1/response-rules, /api/v1/violations: heavy-pollution alerts and what they forbid."""

from __future__ import annotations

from typing import Any

from flask import Response, stream_with_context
from flask.views import MethodView
from marshmallow import Schema, fields

from gatecontrol.commands import alerts
from gatecontrol.schemas import AlertSchema, ResponseRuleSchema, ViolationQuerySchema
from shared.api import Blueprint, ProblemSchema
from shared.auth import Role, current_principal, require_role
from shared.query import Division
from shared.tabular import EXPORT_MIMETYPES, attachment, table_chunks

blp = Blueprint("alerts", __name__, url_prefix="/api/v1", description="Heavy-pollution alerts and violations")
READERS = (Role.ENVIRONMENT, Role.TRANSPORT, Role.POLICE, Role.SERVICE, Role.ENTERPRISE, Role.GATE)


class AlertQuerySchema(Schema):
    from_ = fields.AwareDateTime(data_key="from", load_default=None)
    to = fields.AwareDateTime(load_default=None)


class RuleQuerySchema(Schema):
    area = Division(
        load_default=None,
        metadata={"description": "only rules that can bind a site in this district, city or province"},
    )


class ViolationSchema(Schema):
    site_id = fields.String()
    day = fields.Date()
    captured_at = fields.DateTime()
    gate_id = fields.String()
    direction = fields.String()
    plate = fields.String()
    plate_colour = fields.String()
    stage = fields.String(allow_none=True)
    fuel = fields.String(allow_none=True)
    goods = fields.String(allow_none=True)
    rule_code = fields.String()
    alert_key = fields.String(allow_none=True)
    alert_level = fields.String(allow_none=True)
    source = fields.String()
    event_id = fields.String()


class SiteDayCountSchema(Schema):
    site_id = fields.String()
    day = fields.Date()
    count = fields.Integer()


class ViolationReportSchema(Schema):
    month = fields.String()
    by_site_day = fields.List(fields.Nested(SiteDayCountSchema))
    violations = fields.List(fields.Nested(ViolationSchema))


@blp.route("/alerts")
class Alerts(MethodView):
    @blp.arguments(AlertSchema())
    @blp.response(201, AlertSchema)
    @blp.alt_response(200, schema=AlertSchema, description="the same alert was declared before")
    @blp.alt_response(409, schema=ProblemSchema, description="the alert number was declared with other content")
    @require_role(Role.ENVIRONMENT)
    def post(self, data: dict[str, Any]) -> Any:
        """Declare a heavy-pollution alert (idempotent by the issuer's alert number)."""
        alert, created = alerts.declare_alert(data, current_principal())
        return alert, 201 if created else 200

    @blp.arguments(AlertQuerySchema(), location="query")
    @blp.response(200, AlertSchema(many=True))
    @require_role(*READERS)
    def get(self, args: dict[str, Any]) -> Any:
        """Alerts overlapping a time range."""
        return alerts.list_alerts(args.get("from_"), args.get("to"))


@blp.route("/response-rules")
class ResponseRules(MethodView):
    @blp.arguments(RuleQuerySchema(), location="query")
    @blp.response(200, ResponseRuleSchema(many=True))
    @require_role(*READERS)
    def get(self, args: dict[str, Any]) -> Any:
        """What gates must refuse during alerts or campaign seasons, each citing its plan and jurisdiction."""
        return alerts.list_response_rules(args["area"])

    @blp.arguments(ResponseRuleSchema())
    @blp.response(201, ResponseRuleSchema)
    @blp.alt_response(200, schema=ResponseRuleSchema, description="the same rule was stored before")
    @blp.alt_response(409, schema=ProblemSchema, description="another rule holds that code")
    @require_role(Role.ENVIRONMENT)
    def post(self, data: dict[str, Any]) -> Any:
        """Add a response rule (with its source document and item); safe to repeat."""
        rule, created = alerts.add_response_rule(data)
        return rule, 201 if created else 200


@blp.route("/violations")
@blp.arguments(ViolationQuerySchema(), location="query")
@blp.response(200, ViolationReportSchema)
@blp.files(*EXPORT_MIMETYPES.values())
@require_role(Role.ENVIRONMENT, Role.TRANSPORT, Role.POLICE, Role.SERVICE, Role.ENTERPRISE)
def violations(args: dict[str, Any]) -> Any:
    """Passages that broke a response rule in force: listed, counted per site and day; csv/xlsx to export."""
    report = alerts.violations_report(args["month"], args["site_id"], current_principal())
    if args["format"] == "json":
        return report
    names = [name for name, _ in alerts.VIOLATION_COLUMNS]
    rows = ([item[name] for name in names] for item in report["violations"])
    headers = [zh for _, zh in alerts.VIOLATION_COLUMNS]
    return Response(
        stream_with_context(table_chunks(args["format"], f"违规 {args['month']}", headers, rows)),
        mimetype=EXPORT_MIMETYPES[args["format"]],
        headers={"Content-Disposition": attachment(f"violations_{args['month']}.{args['format']}")},
    )
