"""Schemas of the registry: a vehicle in and out, search arguments, status changes, stage upgrades."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from shared.pagination import PageArgsSchema
from vehicles import parsing
from vehicles.rules import mask_person
from vehicles.schemas.fields import Parsed
from vehicles.terms import BodyType, VehicleStatus

_STR = {"type": "string"}


class VehicleInSchema(Schema):
    """A vehicle as a clerk or a registry sync sends it; every identifier is validated."""

    plate = Parsed(parsing.plate, required=True, metadata={**_STR, "example": "晋A12345"})
    plate_colour = Parsed(parsing.plate_colour, required=True, metadata={**_STR, "example": "yellow"})
    vin = Parsed(parsing.vin, load_default=None, metadata={**_STR, "description": "17 characters, check digit"})
    vehicle_class = Parsed(parsing.vehicle_class, required=True, metadata={**_STR, "example": "N3"})
    body_type = Parsed(parsing.body_type, required=True, metadata={**_STR, "enum": [b.value for b in BodyType]})
    fuel = Parsed(parsing.fuel, required=True, metadata={**_STR, "example": "diesel"})
    emission_stage = Parsed(
        parsing.stage,
        metadata={
            **_STR,
            "description": "国0…国6b, or D for electric; null or left out: inferred from fuel, class and "
            "registration date",
        },
    )
    operating = Parsed(parsing.boolean, required=True, metadata={"type": "boolean", "description": "营运"})
    owner_uscc = Parsed(parsing.uscc, load_default=None, metadata={**_STR, "description": "unified credit code"})
    owner_person_id = Parsed(
        parsing.person_id,
        load_default=None,
        load_only=True,
        metadata={**_STR, "description": "a person owner's id; stored only as a keyed hash and its last 4"},
    )
    district_code = Parsed(parsing.division, required=True, metadata={**_STR, "example": "141002"})
    registration_date = Parsed(parsing.day, required=True, metadata={**_STR, "format": "date"})
    scrap_deadline = Parsed(parsing.day, load_default=None, metadata={**_STR, "format": "date"})
    status = Parsed(
        parsing.status, metadata={**_STR, "enum": [s.value for s in VehicleStatus], "description": "new vehicles only"}
    )
    status_date = Parsed(parsing.day, metadata={**_STR, "format": "date"})
    replaces_plate = Parsed(parsing.other_plate, load_default=None, metadata=_STR)
    replaces_plate_colour = Parsed(parsing.plate_colour, load_default=None, metadata=_STR)

    @pre_load
    def _null_stage_is_unknown(self, data: Any, **kwargs: Any) -> Any:
        """null means 'not on the record' (inferred), unlike 'D', which records an electric vehicle."""
        if isinstance(data, dict) and "emission_stage" in data and data["emission_stage"] is None:
            return {key: value for key, value in data.items() if key != "emission_stage"}
        return data

    @validates_schema
    def _across_fields(self, data: dict[str, Any], **kwargs: Any) -> None:
        facts = {k: v for k, v in data.items() if v is not None}
        errors: dict[str, list[str]] = {}
        for name, reason, _ in parsing.check_vehicle(facts):
            errors.setdefault(name, []).append(reason)
        if errors:
            raise ValidationError(errors)


class VehicleUpsertSchema(VehicleInSchema):
    """A vehicle sent to PUT /vehicles/{plate}/{colour}: plate and colour come from the URL."""

    plate = Parsed(parsing.plate, metadata={**_STR, "description": "the plate as received; must match the URL"})
    plate_colour = Parsed(parsing.plate_colour, metadata=_STR)
    operating_changed_on = fields.Date(
        load_default=None,
        metadata={"description": "when `operating` changes: the day it took effect (default today); kept in the "
                  "history, not before the registration or the last change of the flag, not in the future"},
    )


class VehicleSchema(Schema):
    """A registered vehicle."""

    plate = fields.String()
    plate_raw = fields.String()
    plate_colour = fields.String()
    vin = fields.String(allow_none=True)
    vehicle_class = fields.String()
    body_type = fields.String()
    fuel = fields.String()
    emission_stage = fields.String(allow_none=True)
    stage_inferred = fields.Boolean()
    operating = fields.Boolean()
    owner_uscc = fields.String(allow_none=True)
    owner_person = fields.Function(
        lambda v: mask_person(v.owner_person_tail), allow_none=True,
        metadata={**_STR, "description": "masked: last 4 only; null for a company's vehicle"},
    )
    district_code = fields.String()
    registration_date = fields.Date()
    scrap_deadline = fields.Date(allow_none=True)
    status = fields.String()
    status_date = fields.Date()
    prior_stage = fields.String(allow_none=True)
    stage_upgraded_on = fields.Date(allow_none=True)
    replaces = fields.Function(
        lambda v: {"plate": v.replaces_plate, "plate_colour": v.replaces_plate_colour} if v.replaces_plate else None,
        metadata={"type": "object", "nullable": True},
    )
    updated_at = fields.DateTime()


class VehicleQuerySchema(PageArgsSchema):
    """Search filters; all optional and combined with AND."""

    plate_prefix = fields.String(load_default=None, validate=validate.Length(min=1, max=12))
    owner_uscc = Parsed(parsing.uscc, load_default=None, metadata=_STR)
    owner_person_id = Parsed(parsing.person_id, load_default=None, metadata=_STR)
    district_code = Parsed(parsing.division, load_default=None, metadata=_STR)
    emission_stage = Parsed(parsing.stage, load_default=None, metadata=_STR)
    fuel = Parsed(parsing.fuel, load_default=None, metadata=_STR)
    status = Parsed(parsing.status, load_default=None, metadata=_STR)
    body_type = Parsed(parsing.body_type, load_default=None, metadata=_STR)
    vehicle_class = Parsed(parsing.vehicle_class, load_default=None, metadata=_STR)
    operating = fields.Boolean(load_default=None)
    stage_inferred = fields.Boolean(load_default=None)


class StatusChangeSchema(Schema):
    """A dated status change."""

    status = Parsed(parsing.status, required=True, metadata={**_STR, "enum": [s.value for s in VehicleStatus]})
    effective_date = fields.Date(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class StageUpgradeSchema(Schema):
    """Re-registration at a higher emission stage."""

    emission_stage = Parsed(parsing.exhaust_stage, required=True, metadata=_STR)
    effective_date = fields.Date(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class HistoryEntrySchema(Schema):
    """One entry of an append-only history (vehicles.models.base.HistoryEntry)."""

    kind = fields.String()
    effective_date = fields.Date()
    from_value = fields.String(allow_none=True)
    to_value = fields.String()
    reason = fields.String()
    recorded_at = fields.DateTime()
    recorded_by = fields.String()


class VehicleEventSchema(HistoryEntrySchema):
    """One entry of a vehicle's history."""
