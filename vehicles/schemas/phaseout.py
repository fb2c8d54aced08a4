"""Schemas of the phase-out resource: plans, progress, remaining vehicles."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.pagination import PageArgsSchema
from vehicles import parsing
from vehicles.schemas.fields import Parsed


class PhaseoutPlanSchema(Schema):
    """A plan: scope, baseline, deadline, quotas and its source."""

    code = fields.String()
    jurisdiction = fields.String()
    name = fields.String()
    max_stage = fields.String()
    fuels = fields.Function(lambda p: p.fuels.split(","), metadata={"type": "array", "items": {"type": "string"}})
    classes = fields.Function(lambda p: p.classes.split(","), metadata={"type": "array", "items": {"type": "string"}})
    operating_only = fields.Boolean()
    baseline_date = fields.Date()
    deadline = fields.Date(allow_none=True)
    quotas = fields.List(fields.Dict())
    effective_from = fields.Date()
    effective_to = fields.Date(allow_none=True)
    source_document = fields.String()
    source_item = fields.String()
    source_file = fields.String(allow_none=True)
    source_excerpt = fields.String(allow_none=True)
    description = fields.String()


class PlansQuerySchema(Schema):
    """?as_of=&jurisdiction=."""

    as_of = fields.Date(load_default=None, metadata={"description": "only plans in force on this day"})
    jurisdiction = fields.String(load_default=None, validate=validate.Length(max=40))


class ProgressQuerySchema(Schema):
    """?plan=&as_of=&by=."""

    plan = fields.String(required=True, validate=validate.Length(min=1, max=80))
    as_of = fields.Date(required=True)
    by = fields.String(load_default=None, validate=validate.OneOf(["district", "owner"]))


class FiguresSchema(Schema):
    """Counts of one group (or the city)."""

    key = fields.String(allow_none=True)
    name = fields.String(allow_none=True)
    baseline = fields.Integer()
    added_since_baseline = fields.Integer()
    eliminated = fields.Integer()
    eliminated_by = fields.Dict(keys=fields.String(), values=fields.Integer())
    remaining = fields.Integer()
    percent_done = fields.Float(allow_none=True)
    overdue = fields.Integer()


class ProgressSchema(Schema):
    """Progress of one plan as of one day."""

    plan = fields.Nested(PhaseoutPlanSchema)
    as_of = fields.Date()
    by = fields.String()
    deadline = fields.Date(allow_none=True)
    days_to_deadline = fields.Integer(allow_none=True)
    deadline_passed = fields.Boolean()
    city = fields.Nested(FiguresSchema)
    quota = fields.Dict(allow_none=True)
    groups = fields.List(fields.Nested(FiguresSchema))


class RemainingQuerySchema(PageArgsSchema):
    """?plan=&as_of=&district_code=&owner_uscc= (+ limit, cursor)."""

    plan = fields.String(required=True, validate=validate.Length(min=1, max=80))
    as_of = fields.Date(required=True)
    district_code = Parsed(parsing.division, load_default=None, metadata={"type": "string"})
    owner_uscc = Parsed(parsing.uscc, load_default=None, metadata={"type": "string"})
