"""Schemas of sites, gates, cameras and gate keys."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from gatecontrol.schemas.common import ID, check_division, check_uscc
from shared.pagination import PageArgsSchema


class SiteSchema(Schema):
    """A site as the environment bureau registers it."""

    site_id = fields.String(dump_only=True)
    uscc = fields.String(required=True, validate=check_uscc)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    industry = fields.String(
        required=True,
        validate=validate.Length(min=1, max=40),
        metadata={"description": "steel, coking, power, cement, glass, building_materials, coal, other ..."},
    )
    district_code = fields.String(required=True, validate=check_division)
    key_user = fields.Boolean(required=True, metadata={"description": "a key vehicle-using unit (重点用车单位)"})
    dev_zone_listed = fields.Boolean(
        load_default=False,
        metadata={"description": "plan 002 item 3: a listed development-zone plant without clean-transport retrofit"},
    )
    address = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class GateSchema(Schema):
    """A gate of a site; operating hours (local time) bound when silence counts as a gap."""

    site_id = fields.String(dump_only=True)
    gate_id = fields.String(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    direction = fields.String(required=True, validate=validate.OneOf(["in", "out", "both"]))
    opens_at = fields.Time(load_default=None, allow_none=True, metadata={"description": "local time; null: 24 h"})
    closes_at = fields.Time(load_default=None, allow_none=True)
    last_event_at = fields.DateTime(dump_only=True, allow_none=True)
    last_heartbeat_at = fields.DateTime(dump_only=True, allow_none=True)
    operating = fields.Boolean(dump_only=True, metadata={"description": "within its operating hours now"})
    silent = fields.Boolean(
        dump_only=True, metadata={"description": "nothing heard for longer than the silent window while operating"}
    )

    @validates_schema
    def _both_hours(self, data: dict[str, Any], **kwargs: Any) -> None:
        if (data.get("opens_at") is None) != (data.get("closes_at") is None):
            raise ValidationError("give both opens_at and closes_at, or neither", "closes_at")


class CameraSchema(Schema):
    site_id = fields.String(dump_only=True)
    camera_id = fields.String(dump_only=True)
    gate_id = fields.String(load_default=None, allow_none=True, validate=ID)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))


class KeyRequestSchema(Schema):
    """Issue a gate key; naming a key to retire rotates it out after an overlap."""

    name = fields.String(load_default="gate system", validate=validate.Length(min=1, max=200))
    retire_key_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32))
    overlap_hours = fields.Integer(load_default=24, validate=validate.Range(min=0, max=24 * 30))


class KeyInfoSchema(Schema):
    """A gate key as listed: never the key itself."""

    key_id = fields.String()
    site_id = fields.String()
    name = fields.String()
    created_at = fields.DateTime()
    expires_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)


class KeySchema(KeyInfoSchema):
    """A newly issued gate key."""

    key = fields.String(metadata={"description": "shown only in the answer that created it"})


class RevokeKeySchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class HeartbeatSchema(Schema):
    sent_at = fields.AwareDateTime(load_default=None, allow_none=True)


class SiteQuerySchema(PageArgsSchema):
    """Filters of the site list; `area` is a district code or a city code (all its districts)."""

    area = fields.String(validate=check_division, metadata={"description": "district or city code (GB/T 2260)"})
    uscc = fields.String(validate=check_uscc)
    industry = fields.String(validate=validate.Length(min=1, max=40))
    key_user = fields.Boolean()
