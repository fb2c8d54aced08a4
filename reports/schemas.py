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
