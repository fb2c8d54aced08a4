"""Query schemas of the ratio views."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from railshift.schemas.common import valid_district, valid_month


class RatioQuerySchema(Schema):
    month = fields.String(required=True, validate=valid_month, metadata={"example": "2025-03"})
    include_drafts = fields.Boolean(
        load_default=False,
        metadata={"description": "an enterprise's own figures from its newest version even if not approved "
                                 "(the enterprise and admin only)"},
    )
    declaration_id = fields.Integer(
        load_default=None,
        validate=validate.Range(min=1),
        metadata={"description": "the figures of this version of the month's declaration (its lines replace the "
                                 "approved ones in the month and the year to date; `basis` names it): e.g. the "
                                 "version under review, for its reviewer. It must be this enterprise's, for this "
                                 "month (else 422); whoever may read the declaration may ask (a draft: its "
                                 "enterprise only, else 403). Not with include_drafts"},
    )

    @validates("month")
    def _not_future(self, value: str, **kwargs: Any) -> None:
        from railshift.commands.common import reject_future_month

        reject_future_month(value)

    @validates_schema
    def _one_version(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("include_drafts") and data.get("declaration_id") is not None:
            raise ValidationError("give declaration_id or include_drafts, not both", "declaration_id")


class ViewQuerySchema(Schema):
    month = fields.String(required=True, validate=valid_month)
    city_code = fields.String(load_default=None, validate=validate.Regexp(r"^\d{4}00$"))
    district_code = fields.String(load_default=None, validate=valid_district)
    period = fields.String(load_default="month", validate=validate.OneOf(["month", "ytd"]))
    ratio = fields.String(load_default="rail", validate=validate.Length(max=40),
                          metadata={"description": "the ratio definition to rank by (rail, clean ...)"})


class CityIndicatorQuerySchema(Schema):
    month = fields.String(required=True, validate=valid_month)
    city_code = fields.String(required=True, validate=validate.Regexp(r"^\d{4}00$"))
    period = fields.String(load_default="ytd", validate=validate.OneOf(["month", "ytd"]))


class TrendQuerySchema(Schema):
    start = fields.String(data_key="from", required=True, validate=valid_month)
    end = fields.String(data_key="to", required=True, validate=valid_month)
    city_code = fields.String(load_default=None, validate=validate.Regexp(r"^\d{4}00$"))
    district_code = fields.String(load_default=None, validate=valid_district)

    @validates_schema
    def _ordered(self, data: dict[str, Any], **kwargs: Any) -> None:
        if "start" in data and "end" in data:
            if data["start"] > data["end"]:
                raise ValidationError("'to' is before 'from'", "to")
            if (int(data["end"][:4]) - int(data["start"][:4])) * 12 > 60:
                raise ValidationError("at most five years at a time", "to")
