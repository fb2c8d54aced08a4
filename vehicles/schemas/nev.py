"""Schemas of the NEV share resource."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.query import Division, Month
from vehicles import parsing
from vehicles.schemas.fields import Parsed
from vehicles.terms import NevCategory

CATEGORIES = [c.value for c in NevCategory]
_category = {"validate": validate.OneOf(CATEGORIES, error="must be one of: {choices}")}


class SharesQuerySchema(Schema):
    """?jurisdiction=&as_of=&from=&to=&category=&district_code=&by=district."""

    jurisdiction = fields.String(
        required=True,
        validate=validate.Length(min=1, max=40),
        metadata={"description": "whose targets to judge by, e.g. linfen"},
    )
    as_of = fields.Date(required=True, metadata={"description": "day of the stock count"})
    from_ = fields.Date(data_key="from", load_default=None, metadata={"description": "additions period start"})
    to = fields.Date(load_default=None, metadata={"description": "additions period end (default as_of)"})
    category = fields.String(load_default=None, **_category)
    district_code = Parsed(parsing.division, load_default=None, metadata={"type": "string"})
    by = fields.String(load_default=None, validate=validate.OneOf(["district"]))


class ExportQuerySchema(SharesQuerySchema):
    """The same, plus the file format."""

    format = fields.String(load_default="xlsx", validate=validate.OneOf(["csv", "xlsx"]))


class TrendQuerySchema(Schema):
    """?jurisdiction=&category=&from_month=&to_month=&district_code=."""

    jurisdiction = fields.String(required=True, validate=validate.Length(min=1, max=40))
    category = fields.String(required=True, **_category)
    from_month = Month(required=True, metadata={"example": "2024-01"})
    to_month = Month(required=True, metadata={"example": "2024-12"})
    district_code = Division(load_default=None)


class TrendExportQuerySchema(TrendQuerySchema):
    """The trend query plus the file format."""
    format = fields.String(load_default="xlsx", validate=validate.OneOf(["csv", "xlsx"]))


class TargetSchema(Schema):
    """A target applying on the day, the share it counts and whether it is met."""
    code = fields.String()
    basis = fields.String(metadata={"description": "nev_share | nev_or_clean_share | bev_share"})
    value = fields.Float()
    due = fields.Date(allow_none=True)
    share = fields.Float(allow_none=True)
    met = fields.Boolean(allow_none=True)
    source_document = fields.String()
    source_item = fields.String()
    rule_id = fields.Integer()
    carried_forward = fields.Boolean(
        metadata={"description": "true when the rule's own period had ended on the day and no later rule with the "
                  "same code has started: the target is carried forward (沿用, nev_targets.yaml carry_forward)"}
    )  # fmt: skip
    rule_effective_to = fields.Date(
        allow_none=True,
        metadata={"description": "the last day of the rule's own period (null: open-ended); before the day when "
                  "carried_forward"},
    )  # fmt: skip


class MeasureSchema(Schema):
    """Counts of one measure (stock or additions) with its targets."""
    total = fields.Integer()
    nev = fields.Integer()
    nev_or_clean = fields.Integer()
    bev = fields.Integer()
    share = fields.Float(allow_none=True, metadata={"description": "NEV percent"})
    replacements = fields.Integer()
    targets = fields.List(fields.Nested(TargetSchema))


class ShareRowSchema(Schema):
    """One category (and district)."""
    category = fields.String()
    label_zh = fields.String()
    district_code = fields.String(allow_none=True)
    district_name = fields.String(allow_none=True)
    stock = fields.Nested(MeasureSchema)
    additions = fields.Nested(MeasureSchema)


class SharesSchema(Schema):
    """Stock and additions shares per category."""
    jurisdiction = fields.String()
    as_of = fields.Date()
    period = fields.Dict()
    district_code = fields.String(allow_none=True)
    rows = fields.List(fields.Nested(ShareRowSchema))


class TrendPointSchema(Schema):
    """One month of the trend."""
    month = fields.String()
    stock = fields.Nested(MeasureSchema)
    additions = fields.Nested(MeasureSchema)


class TrendSchema(Schema):
    """The monthly trend of one category."""
    jurisdiction = fields.String()
    category = fields.String()
    district_code = fields.String(allow_none=True)
    months = fields.List(fields.Nested(TrendPointSchema))
