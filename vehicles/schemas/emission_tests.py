"""Schemas of emission test results and of a rule-job run."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate

from shared.db import utcnow
from shared.timeutil import local_date
from vehicles import parsing
from vehicles.list_terms import TestKind
from vehicles.schemas.fields import Parsed

_STR = {"type": "string"}


def _kind(value: Any) -> str:
    allowed = [k.value for k in TestKind]
    if not isinstance(value, str) or value.strip().lower() not in allowed:
        raise ValueError(f"unknown test kind {value!r}; allowed: {', '.join(allowed)}")
    return value.strip().lower()


class EmissionTestInSchema(Schema):
    """A test result as the testing body reports it; `test_ref` is its report number."""

    test_ref = fields.String(required=True, validate=validate.Length(min=1, max=64))
    plate = Parsed(parsing.plate, required=True, metadata=_STR)
    plate_colour = Parsed(parsing.plate_colour, required=True, metadata=_STR)
    kind = Parsed(_kind, required=True, metadata={**_STR, "enum": [k.value for k in TestKind]})
    tested_on = Parsed(parsing.day, required=True, metadata={**_STR, "format": "date"})
    passed = fields.Boolean(required=True)
    station = fields.String(required=True, validate=validate.Length(min=1, max=200))

    @post_load
    def _plate(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        today = local_date(utcnow())
        if data["tested_on"] > today:
            raise ValidationError({"tested_on": [f"{data['tested_on']} is after today ({today}, city time)"]})
        data["plate"] = data["plate"][0]
        return data


class EmissionTestSchema(Schema):
    """A recorded test."""

    id = fields.Integer()
    test_ref = fields.String()
    plate = fields.String()
    plate_colour = fields.String()
    kind = fields.String()
    tested_on = fields.Date()
    passed = fields.Boolean()
    station = fields.String()
    recorded_at = fields.DateTime()
    recorded_by = fields.String()
