"""marshmallow schemas of the reports API."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from reports import UPSTREAMS


class UpstreamStatusSchema(Schema):
    service = fields.String(required=True)
    url = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["ready", "unavailable"]))
    detail = fields.String(required=True)
    checked_at = fields.DateTime(required=True)


class SourcesSchema(Schema):
    sources = fields.List(fields.Nested(UpstreamStatusSchema), required=True)


class RulesQuerySchema(Schema):
    as_of = fields.Date(required=True, metadata={"description": "the day the rules must be in force on"})
    service = fields.List(
        fields.String(validate=validate.OneOf(UPSTREAMS)),
        load_default=list(UPSTREAMS),
        metadata={"description": "only these services' rules"},
    )


class ServiceRuleSchema(Schema):
    """A policy rule as an upstream service sent it, tagged with that service (read, never written here)."""

    class Meta:
        unknown = EXCLUDE  # an upstream may add fields before reports knows them

    service = fields.String(required=True, metadata={"description": "the service that holds the rule"})
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    jurisdiction = fields.String(required=True)
    subject = fields.String(required=True)
    value = fields.String(allow_none=True, metadata={"format": "decimal"})
    value_date = fields.Date(allow_none=True)
    unit = fields.String(required=True)
    comparison = fields.String(required=True)
    effective_from = fields.Date(required=True)
    effective_to = fields.Date(allow_none=True)
    source_document = fields.String(required=True)
    source_item = fields.String(required=True)
    source_file = fields.String(allow_none=True)
    source_excerpt = fields.String(allow_none=True)
    description = fields.String(required=True)


class RulesSchema(Schema):
    as_of = fields.Date(required=True)
    rules = fields.List(fields.Nested(ServiceRuleSchema), required=True)


FORMATS = ("json", "xlsx", "pdf")


class MonthlyQuerySchema(Schema):
    area = fields.String(
        load_default="city",
        validate=validate.Length(min=1, max=12),
        metadata={"description": "'city' or a district division code, e.g. 141002"},
    )
    format = fields.String(load_default="json", validate=validate.OneOf(FORMATS))
    regenerate = fields.Boolean(
        load_default=False, metadata={"description": "build a new version from the upstreams (the old is kept)"}
    )
    allow_partial = fields.Boolean(
        load_default=False,
        metadata={"description": "if an upstream is down, mark its section unavailable instead of failing"},
    )
    version = fields.Integer(
        load_default=None, validate=validate.Range(min=1, max=2**31 - 1), metadata={"description": "a stored version"}
    )


class ReportColumnSchema(Schema):
    key = fields.String()
    zh = fields.String()
    en = fields.String()
    format = fields.String(metadata={"description": "text, integer, decimal, percent (a fraction) or date"})
    total = fields.String(allow_none=True, metadata={"description": "sum, ratio (of summed parts) or null"})
    ratio_of = fields.List(fields.String(), allow_none=True)
    printed = fields.Boolean(metadata={"description": "false: left out of the A4 PDF (still in JSON and XLSX)"})


class ReportTableSchema(Schema):
    key = fields.String()
    title_zh = fields.String()
    title_en = fields.String()
    columns = fields.List(fields.Nested(ReportColumnSchema))
    rows = fields.List(fields.Dict())
    totals = fields.Dict(allow_none=True, metadata={"description": "computed from the rows: sums of the parts"})


class ReportSectionSchema(Schema):
    key = fields.String()
    number = fields.Integer()
    title_zh = fields.String()
    title_en = fields.String()
    status = fields.String(metadata={"description": "ok or unavailable (never zeros)"})
    service = fields.String(allow_none=True)
    cause = fields.String(allow_none=True, metadata={"description": "service_down, upstream_error or not_provided"})
    reason = fields.String(allow_none=True)
    sources = fields.List(fields.Dict(), metadata={"description": "[{service, path, as_of}]"})
    targets = fields.List(fields.Dict(), metadata={"description": "[{code, document, item, value, unit, ...}]"})
    tables = fields.List(fields.Nested(ReportTableSchema))
    charts = fields.List(fields.Dict())
    notes = fields.List(fields.String())


class MonthlyReportSchema(Schema):
    month = fields.String()
    area = fields.String()
    area_name = fields.String()
    city_code = fields.String(metadata={"description": "the city the report covers (LANTIAN_CITY_CODE)"})
    jurisdiction = fields.String(metadata={"description": "whose plans' rules it judged by, e.g. linfen"})
    version = fields.Integer()
    status = fields.String(metadata={"description": "complete, or partial when an upstream's section is missing"})
    generated_at = fields.String()
    generated_by = fields.String()
    inputs_as_of = fields.Dict(keys=fields.String(), values=fields.String())
    sections = fields.List(fields.Nested(ReportSectionSchema))


class ReportVersionSchema(Schema):
    version = fields.Integer()
    status = fields.String()
    created_at = fields.DateTime()
    created_by = fields.String()
    inputs_as_of = fields.Dict()


class ReportVersionsSchema(Schema):
    month = fields.String()
    area = fields.String()
    versions = fields.List(fields.Nested(ReportVersionSchema))
