"""Schemas of /api/v1/enterprises."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from railshift.cities import jurisdiction_of
from railshift.schemas.common import Tonnes, one_of, valid_district, valid_tonnes
from railshift.terms import (
    Industry,
    SidingStatus,
    UltraLowStatus,
)
from shared.pagination import PageArgsSchema


class EnterpriseInSchema(Schema):
    """An enterprise as the bureau (or the enterprise itself) registers it."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    industry = fields.String(required=True, validate=one_of(Industry))
    district_code = fields.String(required=True, validate=valid_district, metadata={"example": "141002"})
    urban_fringe = fields.Boolean(load_default=False, metadata={"description": "城乡结合部: in the urban fringe"})
    siding_status = fields.String(required=True, validate=one_of(SidingStatus))
    annual_bulk_tonnes = Tonnes(required=True, validate=valid_tonnes, metadata={"type": "string", "example": "1800000"})
    ultra_low_status = fields.String(load_default=UltraLowStatus.NOT_STARTED.value, validate=one_of(UltraLowStatus))
    site_ids = fields.List(
        fields.String(validate=validate.Length(min=1, max=32)),
        load_default=list,
        validate=validate.Length(max=100),
        metadata={"description": "the enterprise's gate sites in gatecontrol"},
    )


class EnterpriseSchema(EnterpriseInSchema):
    uscc = fields.String(dump_only=True)
    city_code = fields.String(dump_only=True)
    jurisdiction = fields.Function(lambda e: jurisdiction_of(e.city_code),
                                   metadata={"description": "whose plans apply (from the district's city)"})
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class EnterpriseQuerySchema(PageArgsSchema):
    industry = fields.String(load_default=None, validate=one_of(Industry))
    district_code = fields.String(load_default=None, validate=valid_district)
    city_code = fields.String(load_default=None, validate=validate.Regexp(r"^\d{4}00$"))
    siding_status = fields.String(load_default=None, validate=one_of(SidingStatus))
    urban_fringe = fields.Boolean(load_default=None)
