"""Schemas of heavy-pollution alerts and violation queries."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from gatecontrol.rules import ALERT_LEVELS
from gatecontrol.schemas.common import ID, SITE_ID, check_division
from shared.query import Month
from shared.vocab import UnknownTerm, parse_emission_stage, parse_fuel


class AlertSchema(Schema):
    """A heavy-pollution alert as the environment bureau declares it."""

    id = fields.Integer(dump_only=True)
    alert_key = fields.String(required=True, validate=ID, metadata={"description": "the issuer's alert number"})
    level = fields.String(required=True, validate=validate.OneOf(ALERT_LEVELS))
    area = fields.String(required=True, validate=check_division)
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    authority = fields.String(required=True, validate=validate.Length(min=1, max=200))
    declared_by = fields.String(dump_only=True)
    created_at = fields.DateTime(dump_only=True)

    @validates_schema
    def _order(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            raise ValidationError("must be after starts_at", "ends_at")


class ViolationQuerySchema(Schema):
    month = Month(required=True)
    site_id = fields.List(fields.String(validate=SITE_ID), load_default=list)
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv", "xlsx"]))


_MMDD = validate.Regexp(r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$", error="use MM-DD, e.g. 10-01")


def _fuel_value(value: str) -> None:
    try:
        parse_fuel(value)
    except UnknownTerm as exc:
        raise ValidationError(f"not a fuel; allowed: {', '.join(exc.allowed)}") from exc


class ResponseRuleSchema(Schema):
    """What gates must refuse during an alert or a campaign season, citing its plan (every condition must hold)."""

    code = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$"))
    jurisdiction = fields.String(
        required=True, validate=check_division,
        metadata={"description": "division code of the issuing government: the rule binds only sites there"},
    )  # fmt: skip
    issuer = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(min=1, max=200),
        metadata={"description": "the issuing government, e.g. 石家庄市人民政府"},
    )  # fmt: skip
    min_level = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(ALERT_LEVELS),
        metadata={"description": "alert level from which it applies; null: in season, alert or not"},
    )  # fmt: skip
    season_from = fields.String(load_default=None, allow_none=True, validate=_MMDD)
    season_to = fields.String(load_default=None, allow_none=True, validate=_MMDD)
    directions = fields.List(fields.String(validate=validate.OneOf(["in", "out"])), load_default=list)
    fuels = fields.List(fields.String(validate=_fuel_value), load_default=list)
    max_stage = fields.String(load_default=None, allow_none=True, metadata={"description": "this stage and older"})
    goods_keywords = fields.List(fields.String(validate=validate.Length(min=1, max=20)), load_default=list)
    industries = fields.List(fields.String(validate=validate.Length(min=1, max=40)), load_default=list)
    dev_zone_listed_only = fields.Boolean(load_default=False)
    heavy_trucks_only = fields.Boolean(load_default=False)
    effective_from = fields.Date(required=True)
    effective_to = fields.Date(load_default=None, allow_none=True)
    source_document = fields.String(required=True, validate=validate.Length(min=1, max=200))
    source_item = fields.String(required=True, validate=validate.Length(min=1, max=100))
    description = fields.String(required=True, validate=validate.Length(min=1, max=4000))

    @post_load
    def _normalise(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        data["fuels"] = [parse_fuel(f).value for f in data["fuels"]]
        if data.get("max_stage"):
            try:
                stage = parse_emission_stage(data["max_stage"])
            except UnknownTerm as exc:
                raise ValidationError(f"not a stage; allowed: {', '.join(exc.allowed)}", "max_stage") from exc
            if stage is None:
                raise ValidationError("electric vehicles have no stage to cap", "max_stage")
            data["max_stage"] = stage.value
        if (data.get("season_from") is None) != (data.get("season_to") is None):
            raise ValidationError("give both season_from and season_to, or neither", "season_to")
        if data.get("effective_to") and data["effective_to"] < data["effective_from"]:
            raise ValidationError("is before effective_from", "effective_to")
        if not data.get("min_level") and not data.get("season_from"):
            raise ValidationError("a rule needs an alert level or a season to apply in", "min_level")
        return data
