"""Query and result schemas of the declaration files (template, upload, export)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from railshift.schemas.common import one_of, valid_district, valid_month
from railshift.terms import (
    DeclarationStatus,
)


class FormatQuerySchema(Schema):
    format = fields.String(load_default="xlsx", validate=validate.OneOf(["xlsx", "csv"]))


class UploadQuerySchema(FormatQuerySchema):
    filename = fields.String(load_default=None, validate=validate.Length(max=255),
                             metadata={"description": "the file's name (its suffix helps tell CSV from XLSX)"})


class ExportQuerySchema(FormatQuerySchema):
    month = fields.String(load_default=None, validate=valid_month)
    uscc = fields.String(load_default=None, validate=validate.Length(max=18))
    status = fields.String(load_default=None, validate=one_of(DeclarationStatus),
                           metadata={"description": "versions in this state instead of the official ones"})
    city_code = fields.String(load_default=None, validate=validate.Regexp(r"^\d{4}00$"))
    district_code = fields.String(load_default=None, validate=valid_district)


class UploadResultSchema(Schema):
    declarations = fields.List(fields.Dict())
    rows = fields.Integer()
