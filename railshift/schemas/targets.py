"""Schemas of /api/v1/targets."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from railshift.schemas.common import one_of
from railshift.terms import Direction, Goods, Industry, SidingStatus, UltraLowStatus
from shared.policy import PlainDecimal


class RatioDefinitionSchema(Schema):
    code = fields.String()
    name_zh = fields.String()
    numerator_modes = fields.List(fields.String())
    denominator_modes = fields.List(fields.String(), allow_none=True)
    goods = fields.List(fields.String(), allow_none=True)
    source = fields.String()
    description = fields.String()


class TargetSchema(Schema):
    key = fields.String()
    rule_code = fields.String()
    jurisdiction = fields.String()
    kind = fields.String()
    ratio_code = fields.String(allow_none=True)
    goods = fields.List(fields.String(), allow_none=True)
    directions = fields.List(fields.String(), allow_none=True)
    industries = fields.List(fields.String(), allow_none=True)
    siding_statuses = fields.List(fields.String(), allow_none=True)
    ultra_low_statuses = fields.List(fields.String(), allow_none=True)
    urban_fringe = fields.Boolean(allow_none=True)
    threshold = PlainDecimal(allow_none=True, metadata={"type": "string", "format": "decimal"})
    effective_from = fields.Date(allow_none=True)
    effective_to = fields.Date(allow_none=True)
    note = fields.String()


class TargetsSchema(Schema):
    ratio_definitions = fields.List(fields.Nested(RatioDefinitionSchema))
    targets = fields.List(fields.Nested(TargetSchema))


def _list_of(enum: type) -> fields.List:
    return fields.List(fields.String(validate=one_of(enum)), load_default=None, allow_none=True,
                       validate=validate.Length(min=1))


class TargetInSchema(Schema):
    """Who a policy rule applies to; the rule (value, dates, source) must already be in /api/v1/policy-rules."""

    rule_code = fields.String(required=True, validate=validate.Length(min=1, max=100))
    jurisdiction = fields.String(required=True, validate=validate.Length(min=1, max=40))
    kind = fields.String(required=True, validate=validate.OneOf(
        ["share", "siding_obligation", "city_share", "city_siding_connection"]))
    ratio_code = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    goods = _list_of(Goods)
    directions = _list_of(Direction)
    industries = _list_of(Industry)
    siding_statuses = _list_of(SidingStatus)
    ultra_low_statuses = _list_of(UltraLowStatus)
    urban_fringe = fields.Boolean(load_default=None, allow_none=True)
    threshold = PlainDecimal(load_default=None, allow_none=True, validate=validate.Range(min=0, max=100),
                             metadata={"minimum": 0, "maximum": 100})  # numbers, not apispec's Decimal strings
    effective_from = fields.Date(load_default=None, allow_none=True)
    effective_to = fields.Date(load_default=None, allow_none=True)
    note = fields.String(required=True, validate=validate.Length(min=1, max=2000),
                         metadata={"description": "why it applies to these enterprises, citing the plan item"})

    @validates_schema
    def _consistent(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data["kind"] in ("share", "city_share") and not data.get("ratio_code"):
            raise ValidationError("a share target names the ratio it judges", "ratio_code")
        start, end = data.get("effective_from"), data.get("effective_to")
        if start and end and end < start:
            raise ValidationError("effective_to is before effective_from", "effective_to")
