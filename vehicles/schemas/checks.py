"""Schemas of the check API: one plate or a list of them in, answers out, and the audit log."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from shared.pagination import PageArgsSchema
from vehicles import parsing
from vehicles.schemas.fields import Parsed

_STR = {"type": "string"}


class CheckInSchema(Schema):
    """A plate as typed or as a camera read it (normalised here), with its colour if known; or a machinery code."""

    plate = fields.Raw(metadata={**_STR, "example": "晋l 12345"})
    plate_colour = fields.Raw(load_default=None, metadata={**_STR, "example": "yellow"})
    code = fields.Raw(metadata={**_STR, "description": "a non-road machinery registration code, instead of a plate"})
    construction_site = fields.Boolean(load_default=False, metadata={
        "description": "machinery only: the machine was found on a construction site"})

    @validates_schema
    def _plate_or_code(self, data: dict[str, Any], **kwargs: Any) -> None:
        if "code" in data and data.get("plate") is not None:
            raise ValidationError("send a plate or a machinery code, not both", "code")
        if "code" not in data and "plate" not in data:
            raise ValidationError("a plate (or a machinery code) is required", "plate")


class BulkCheckInSchema(Schema):
    """Up to 1,000 plates; each item is read on its own, so a bad one does not fail the rest."""

    # the cap is the command's (BULK_LIMIT): more is a 413 naming the limit, not a 422 per item
    items = fields.List(fields.Raw(), required=True,
                        metadata={"description": "[{plate, plate_colour?}], ≤1000", "maxItems": 1000})


class CheckAnswerSchema(Schema):
    """The answer for one plate (see docs/vehicles.md, 'Police checks', for every field)."""

    index = fields.Integer(metadata={"description": "bulk only: the item's position"})
    ok = fields.Boolean()
    errors = fields.List(fields.Dict())
    query = fields.Dict()
    checked_at = fields.String()
    found = fields.Boolean()
    blacklisted = fields.Boolean()
    key_supervised = fields.Boolean()
    banned = fields.Boolean()
    subjects = fields.List(fields.Dict())
    suggestions = fields.List(fields.Dict())
    # a machinery code's answer (docs/vehicles.md, non-road machinery): one subject, so flat
    registered = fields.Boolean()
    machine = fields.Dict(allow_none=True)
    zones = fields.List(fields.String())
    construction_site = fields.Boolean()
    entries = fields.List(fields.Dict())
    ban_reasons = fields.List(fields.Dict())


class BulkCheckAnswerSchema(Schema):
    """One answer per item, in order, each shaped like CheckAnswerSchema plus `index`."""

    # Raw: the answers are built as plain JSON by the command; re-serialising 1,000 nested answers field by
    # field would cost more than the whole look-up (bench/vehicles_check.py).
    items = fields.Raw(metadata={"type": "array", "items": {"$ref": "#/components/schemas/CheckAnswer"}})


class CheckLogQuerySchema(PageArgsSchema):
    """Filters of the audit log."""

    actor = fields.String(validate=validate.Length(max=200))
    plate = Parsed(lambda v: parsing.plate(v)[0], metadata=_STR)
    batch_id = fields.String(validate=validate.Length(max=32))
    banned = fields.Boolean()
    blacklisted = fields.Boolean()
    found = fields.Boolean()
    from_day = Parsed(parsing.day, data_key="from", metadata={**_STR, "format": "date", "description": "city day"})
    to_day = Parsed(parsing.day, data_key="to", metadata={**_STR, "format": "date", "description": "inclusive"})


class CheckLogSchema(Schema):
    """One audit row: who checked what, when, and what they were told."""

    id = fields.Integer()
    checked_at = fields.DateTime()
    actor = fields.String()
    role = fields.String()
    batch_id = fields.String(allow_none=True)
    query_raw = fields.String(allow_none=True)
    plate = fields.String(allow_none=True)
    plate_colour = fields.String(allow_none=True)
    valid = fields.Boolean()
    found = fields.Boolean()
    blacklisted = fields.Boolean()
    banned = fields.Boolean()
    answer = fields.Dict()
