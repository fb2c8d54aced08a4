"""marshmallow schemas of the reports API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from reports.sources import UPSTREAMS
from shared.policy import PolicyRuleSchema


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


class ServiceRuleSchema(PolicyRuleSchema):
    service = fields.String(required=True, metadata={"description": "the service that holds the rule"})


class RulesSchema(Schema):
    as_of = fields.Date(required=True)
    rules = fields.List(fields.Nested(ServiceRuleSchema), required=True)
