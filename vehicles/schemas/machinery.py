"""Schemas of non-road machinery: a machine in and out, search, status, plans, inspections, verdicts, figures."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from shared.pagination import PageArgsSchema
from shared.query import Division
from vehicles import parsing
from vehicles.machinery_terms import (
    FollowUp,
    MachineFuel,
    MachineStatus,
    MachineType,
    NonroadStage,
    parse_code,
    parse_follow_up,
    parse_machine_fuel,
    parse_machine_status,
    parse_machine_type,
    parse_nonroad_stage,
)
from vehicles.schemas.fields import Parsed
from vehicles.schemas.registry import HistoryEntrySchema

_STR = {"type": "string"}
_DAY = {"type": "string", "format": "date"}


def _value(parser: Any) -> Any:
    return lambda value: parser(value).value


_text = validate.Length(min=1, max=64)


class MachineInSchema(Schema):
    """A machine as the registration (编码登记) records it; every identifier and term is validated."""

    code = Parsed(parse_code, required=True, metadata={**_STR, "example": "LF2019A00017",
                                                       "description": "registration code as issued"})
    machine_type = Parsed(_value(parse_machine_type), required=True,
                          metadata={**_STR, "enum": [t.value for t in MachineType]})
    fuel = Parsed(_value(parse_machine_fuel), required=True, metadata={**_STR, "enum": [f.value for f in MachineFuel]})
    emission_stage = Parsed(_value(parse_nonroad_stage), allow_none=True, metadata={
        **_STR, "enum": [s.value for s in NonroadStage], "description": "国一以下, 国一…国四; electric for electric"})
    engine_model = fields.String(load_default=None, allow_none=True, validate=_text)
    engine_number = fields.String(load_default=None, allow_none=True, validate=_text)
    product_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=40),
                               metadata={"description": "product identification number (PIN)"})
    manufacture_date = Parsed(parsing.day, load_default=None, allow_none=True, metadata=_DAY)
    owner_uscc = Parsed(parsing.uscc, required=True, metadata={**_STR, "description": "unified credit code"})
    site = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=200))
    district_code = Parsed(parsing.division, required=True, metadata={**_STR, "example": "141002"})
    registered_on = Parsed(parsing.day, required=True, metadata=_DAY)
    status = Parsed(_value(parse_machine_status), metadata={
        **_STR, "enum": [s.value for s in MachineStatus], "description": "new machines only"})
    status_date = Parsed(parsing.day, metadata=_DAY)


class MachineUpsertSchema(MachineInSchema):
    """A machine sent to PUT /machines/{code}: the code comes from the URL."""

    code = Parsed(parse_code, metadata={**_STR, "description": "must match the URL"})


class MachineSchema(Schema):
    """A registered machine."""

    code = fields.String()
    code_format = fields.String(allow_none=True)
    machine_type = fields.String()
    fuel = fields.String()
    emission_stage = fields.String()
    engine_model = fields.String(allow_none=True)
    engine_number = fields.String(allow_none=True)
    product_id = fields.String(allow_none=True)
    manufacture_date = fields.Date(allow_none=True)
    owner_uscc = fields.String()
    site = fields.String(allow_none=True)
    district_code = fields.String()
    registered_on = fields.Date()
    status = fields.String()
    status_date = fields.Date()
    updated_at = fields.DateTime()


class MachineQuerySchema(PageArgsSchema):
    """Search filters; all optional and combined with AND."""

    code_prefix = fields.String(load_default=None, validate=validate.Length(min=1, max=32))
    owner_uscc = Parsed(parsing.uscc, load_default=None, metadata=_STR)
    district_code = Parsed(parsing.division, load_default=None, metadata=_STR)
    area = Division(load_default=None, metadata={"description": "district, city or province"})
    machine_type = Parsed(_value(parse_machine_type), load_default=None, metadata=_STR)
    fuel = Parsed(_value(parse_machine_fuel), load_default=None, metadata=_STR)
    emission_stage = Parsed(_value(parse_nonroad_stage), load_default=None, metadata=_STR)
    status = Parsed(_value(parse_machine_status), load_default=None, metadata=_STR)


class MachineStatusSchema(Schema):
    """A dated status change."""

    status = Parsed(_value(parse_machine_status), required=True,
                    metadata={**_STR, "enum": [s.value for s in MachineStatus]})
    effective_date = Parsed(parsing.day, required=True, metadata=_DAY)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class MachineEventSchema(HistoryEntrySchema):
    """One entry of a machine's history."""

    inspection_id = fields.Integer(allow_none=True)


class VerdictQuerySchema(Schema):
    """?code=&zone=&date=&construction_site=: may this machine work there that day?"""

    code = Parsed(parse_code, required=True, metadata=_STR)
    zone = fields.String(load_default=None, validate=validate.Length(min=1, max=40),
                         metadata={"description": "a zone id; left out: every zone covering the machine's district"})
    day = Parsed(parsing.day, data_key="date", load_default=None, metadata={**_DAY, "description": "default today"})
    construction_site = fields.Boolean(load_default=False)


class BanReasonSchema(Schema):
    """One reason a machine may not work there."""

    code = fields.String()
    zh = fields.String()
    detail = fields.String()
    source = fields.String(allow_none=True)


class VerdictSchema(Schema):
    """Allowed or banned, with every reason."""

    code = fields.String()
    date = fields.String()
    zones = fields.List(fields.String())
    construction_site = fields.Boolean()
    allowed = fields.Boolean()
    banned = fields.Boolean()
    reasons = fields.List(fields.Nested(BanReasonSchema))
    machine = fields.Dict()


class ZoneSchema(Schema):
    """A low-emission zone or the city planning area, from vehicles/machinery_zones.yaml."""

    zone_id = fields.String()
    name_zh = fields.String()
    kind = fields.String()
    jurisdiction = fields.String()
    districts = fields.List(fields.String())
    area = fields.String(allow_none=True)
    effective_from = fields.Date()
    effective_to = fields.Date(allow_none=True)
    source_document = fields.String()
    source_item = fields.String()
    note = fields.String(allow_none=True)


class PlanInSchema(Schema):
    """A district's spot-check plan for a year."""

    planned_count = fields.Integer(required=True, validate=validate.Range(min=0, max=1_000_000))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class PlanSchema(Schema):
    """A stored spot-check plan."""

    district_code = fields.String()
    year = fields.Integer()
    planned_count = fields.Integer()
    note = fields.String(allow_none=True)
    created_at = fields.DateTime()
    created_by = fields.String()


class PlanQuerySchema(Schema):
    """?year=&area="""

    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    area = Division(load_default=None)


_OK = {"allow_none": True, "load_default": None}


class InspectionInSchema(Schema):
    """An on-site inspection: the four checks of the spot-check plan and, if done, the emission test."""

    inspection_ref = fields.String(required=True, validate=validate.Length(min=1, max=64),
                                   metadata={"description": "the inspecting body's record number (idempotency key)"})
    code = Parsed(parse_code, required=True, metadata={**_STR, "description": "the machine's registration code"})
    inspected_on = Parsed(parsing.day, required=True, metadata=_DAY)
    site = fields.String(validate=validate.Length(min=1, max=200), **_OK)
    district_code = Parsed(parsing.division, load_default=None, allow_none=True,
                           metadata={**_STR, "description": "where the site is; default the machine's district"})
    zone_id = fields.String(validate=validate.Length(min=1, max=40), **_OK,
                            metadata={"description": "default: the zones covering the district"})
    on_construction_site = fields.Boolean(load_default=False)
    disclosure_ok = fields.Boolean(**_OK, metadata={"description": "信息公开 checked and in order"})
    pollution_control_ok = fields.Boolean(**_OK, metadata={"description": "污染控制装置"})
    registration_ok = fields.Boolean(**_OK, metadata={"description": "编码登记 label present and matching"})
    online_monitoring_ok = fields.Boolean(**_OK, metadata={"description": "在线监控联网"})
    emission_tested = fields.Boolean(load_default=False)
    opacity = fields.Decimal(places=3, validate=validate.Range(min=0, max=99999), **_OK, metadata={
        "type": "number", "minimum": 0, "maximum": 99999, "description": "光吸收系数, m⁻¹"})
    opacity_limit = fields.Decimal(places=3, validate=validate.Range(min=0, max=99999), **_OK,
                                   metadata={"type": "number", "minimum": 0, "maximum": 99999})
    passed = fields.Boolean(**_OK, metadata={"description": "default: opacity <= opacity_limit"})
    black_smoke = fields.Boolean(load_default=False, metadata={"description": "冒黑烟"})
    follow_up = Parsed(_value(parse_follow_up), **_OK, metadata={**_STR, "enum": [f.value for f in FollowUp]})
    follow_up_deadline = Parsed(parsing.day, **_OK, metadata=_DAY)


class InspectionSchema(Schema):
    """A recorded inspection."""

    inspection_ref = fields.String()
    code = fields.Function(lambda i: i.machine_code if hasattr(i, "machine_code") else None, metadata=_STR)
    inspected_on = fields.Date()
    site = fields.String(allow_none=True)
    district_code = fields.String()
    zone_id = fields.String(allow_none=True)
    on_construction_site = fields.Boolean()
    disclosure_ok = fields.Boolean(allow_none=True)
    pollution_control_ok = fields.Boolean(allow_none=True)
    registration_ok = fields.Boolean(allow_none=True)
    online_monitoring_ok = fields.Boolean(allow_none=True)
    emission_tested = fields.Boolean()
    opacity = fields.Float(allow_none=True)
    opacity_limit = fields.Float(allow_none=True)
    passed = fields.Boolean(allow_none=True)
    black_smoke = fields.Boolean()
    follow_up = fields.String(allow_none=True)
    follow_up_deadline = fields.Date(allow_none=True)
    follow_up_on = fields.Date(allow_none=True)
    lez_violation = fields.Boolean()
    lez_reasons = fields.List(fields.Dict())
    recorded_at = fields.DateTime()
    recorded_by = fields.String()


class InspectionQuerySchema(PageArgsSchema):
    """Filters of the inspection list."""

    code = Parsed(parse_code, load_default=None, metadata=_STR)
    area = Division(load_default=None)
    from_day = Parsed(parsing.day, data_key="from", load_default=None, metadata=_DAY)
    to_day = Parsed(parsing.day, data_key="to", load_default=None, metadata=_DAY)
    failed = fields.Boolean(load_default=None)
    lez_violation = fields.Boolean(load_default=None)
    follow_up = Parsed(_value(parse_follow_up), load_default=None, metadata=_STR)


class FollowUpInSchema(Schema):
    """A dated follow-up step."""

    follow_up = Parsed(_value(parse_follow_up), required=True, metadata={**_STR, "enum": [f.value for f in FollowUp]})
    effective_date = Parsed(parsing.day, required=True, metadata=_DAY)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class CoverageQuerySchema(Schema):
    """?year=&area="""

    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    area = Division(load_default=None)

