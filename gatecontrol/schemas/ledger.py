"""Schemas of ledger queries: pages, exports, summaries, trips, audits, completeness."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate

from gatecontrol.rules import ELECTRIC
from gatecontrol.schemas.common import ID, SITE_ID, check_uscc
from shared.pagination import PageArgsSchema
from shared.query import Division, Month
from shared.vocab import UnknownTerm, parse_emission_stage, parse_fuel

FLAGS = ("incomplete_plate", "unknown_vehicle", "stage_mismatch", "fuel_mismatch", "blacklisted", "backfill")


class LedgerQuerySchema(PageArgsSchema):
    """Ledger filters; times are instants with offset, `to` exclusive."""

    site_id = fields.List(fields.String(validate=SITE_ID), load_default=list)
    gate_id = fields.String(load_default=None, validate=ID)
    from_ = fields.AwareDateTime(data_key="from", load_default=None)
    to = fields.AwareDateTime(load_default=None)
    plate = fields.String(load_default=None, validate=validate.Length(max=32))
    stage = fields.String(load_default=None)
    fuel = fields.String(load_default=None)
    direction = fields.String(load_default=None, validate=validate.OneOf(["in", "out"]))
    flag = fields.List(fields.String(validate=validate.OneOf(FLAGS)), load_default=list)

    @post_load
    def _terms(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if data.get("stage"):
            try:
                stage = parse_emission_stage(data["stage"])
            except UnknownTerm as exc:
                raise ValidationError(f"not a stage; allowed: {', '.join(exc.allowed)}", "stage") from exc
            data["stage"] = ELECTRIC if stage is None else stage.value
        if data.get("fuel"):
            try:
                data["fuel"] = parse_fuel(data["fuel"]).value
            except UnknownTerm as exc:
                raise ValidationError(f"not a fuel; allowed: {', '.join(exc.allowed)}", "fuel") from exc
        if data.get("from_") and data.get("to") and data["to"] <= data["from_"]:
            raise ValidationError("must be after from", "to")
        return data


class ExportQuerySchema(Schema):
    site_id = fields.String(required=True, validate=SITE_ID)
    month = Month(required=True, metadata={"description": "YYYY-MM, cut in Asia/Shanghai"})
    format = fields.String(load_default="csv", validate=validate.OneOf(["csv", "xlsx"]))


class SummaryQuerySchema(Schema):
    site_id = fields.List(fields.String(validate=SITE_ID), load_default=list)
    month = Month(required=True)
    period = fields.String(load_default="day", validate=validate.OneOf(["day", "month"]))


class TripsQuerySchema(Schema):
    uscc = fields.String(required=True, validate=check_uscc)
    month = Month(required=True)
    site_id = fields.List(fields.String(validate=SITE_ID), load_default=list)


class AuditQuerySchema(Schema):
    site_id = fields.String(required=True, validate=SITE_ID)
    month = Month(required=True)
    sample = fields.Integer(load_default=10, validate=validate.Range(min=1, max=100))
    seed = fields.Integer(load_default=None, allow_none=True, metadata={"description": "repeat a sample"})


class CompletenessQuerySchema(Schema):
    day = fields.Date(required=True)


class MonthlyCompletenessQuerySchema(Schema):
    month = Month(required=True, metadata={"description": "YYYY-MM, cut in Asia/Shanghai"})
    area = Division(load_default=None, metadata={"description": "district, city or province code"})
