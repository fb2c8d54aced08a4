"""Schemas of the change feed (contract §3)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class ChangesQuerySchema(Schema):
    """?after=<cursor>&limit=."""

    after = fields.String(
        load_default=None,
        validate=validate.Regexp(r"^\d{1,18}$", error="must be a cursor this feed returned (digits)"),
        metadata={"description": "next_cursor of the previous call; absent = from the beginning"},
    )
    limit = fields.Integer(load_default=500, validate=validate.Range(min=1, max=1000))


class ChangeSchema(Schema):
    """One change; `data` is the whole record after it."""

    seq = fields.Integer()
    kind = fields.String(metadata={"example": "vehicle.upserted"})
    changed_at = fields.DateTime()
    key = fields.Dict()
    data = fields.Dict()


class ChangePageSchema(Schema):
    """A page of changes in commit order."""

    items = fields.List(fields.Nested(ChangeSchema))
    next_cursor = fields.String(metadata={"description": "pass as `after` next time (always set)"})
    has_more = fields.Boolean()
