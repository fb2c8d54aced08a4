"""Schemas of declarations, their lines, transitions and the review queue."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from railshift.schemas.common import Tonnes, one_of, valid_district, valid_month, valid_tonnes
from railshift.terms import (
    Action,
    DeclarationStatus,
    Direction,
    Goods,
    Mode,
    ReconciliationStatus,
)
from shared.pagination import PageArgsSchema


class LineSchema(Schema):
    direction = fields.String(required=True, validate=one_of(Direction))
    goods = fields.String(required=True, validate=one_of(Goods))
    mode = fields.String(required=True, validate=one_of(Mode))
    tonnes = Tonnes(required=True, validate=valid_tonnes, metadata={"type": "string", "example": "12000.5"})


class AttachmentSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    ref = fields.String(required=True, validate=validate.Length(min=1, max=500),
                        metadata={"description": "where the waybill is kept (document system id or URL)"})


class DeclarationInSchema(Schema):
    """The body of a draft: every line (replacing the stored ones), attachment references, a note."""

    lines = fields.List(fields.Nested(LineSchema), required=True, validate=validate.Length(max=70))
    attachments = fields.List(fields.Nested(AttachmentSchema), load_default=list, validate=validate.Length(max=50))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000))

    @validates_schema
    def _one_line_per_kind(self, data: dict[str, Any], **kwargs: Any) -> None:
        seen: dict[tuple[str, str, str], int] = {}
        for index, line in enumerate(data.get("lines", [])):
            key = (line["direction"], line["goods"], line["mode"])
            if key in seen:
                raise ValidationError(
                    {"lines": {index: [f"repeats line {seen[key]} ({', '.join(key)}); declare each once"]}}
                )
            seen[key] = index


class TransitionSchema(Schema):
    id = fields.Integer(dump_only=True)
    action = fields.String(required=True, validate=one_of(Action))
    from_status = fields.String(dump_only=True, allow_none=True)
    to_status = fields.String(dump_only=True)
    actor = fields.String(dump_only=True)
    actor_role = fields.String(dump_only=True)
    at = fields.DateTime(dump_only=True)
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000))
    reasons = fields.List(fields.String(validate=validate.Length(min=1, max=500)), load_default=None,
                          allow_none=True, metadata={"description": "why it is returned (required to return)"})

    @validates_schema
    def _return_needs_reasons(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("action") == Action.RETURN and not data.get("reasons"):
            raise ValidationError("give at least one reason when returning a declaration", "reasons")


class TransitionLogSchema(TransitionSchema):
    """A step of a declaration's history: the transitions a user asks for, plus its creation and corrections."""

    action = fields.String(dump_only=True, metadata={"enum": ["create", "correct", *Action]})


class DeclarationSchema(Schema):
    id = fields.Integer()
    uscc = fields.String()
    enterprise_name = fields.Function(lambda d: d.enterprise.name)
    month = fields.String()
    version = fields.Integer()
    supersedes_id = fields.Integer(allow_none=True)
    status = fields.String(validate=one_of(DeclarationStatus))
    official = fields.Boolean(metadata={"description": "the approved version official views count"})
    allowed_transitions = fields.Function(lambda d: _allowed(d))
    lines = fields.List(fields.Nested(LineSchema))
    attachments = fields.List(fields.Nested(AttachmentSchema))
    note = fields.String(allow_none=True)
    submitted_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    created_by = fields.String()
    updated_at = fields.DateTime()
    reconciliation_status = fields.String(allow_none=True, validate=one_of(ReconciliationStatus))
    reconciliation_as_of = fields.DateTime(allow_none=True)
    reconciliation = fields.Dict(allow_none=True)
    transitions = fields.List(fields.Nested(TransitionLogSchema))


def _allowed(declaration: Any) -> list[str]:
    from railshift.rules import allowed_actions

    return allowed_actions(declaration.status)


class DeclarationSummarySchema(Schema):
    id = fields.Integer()
    uscc = fields.String()
    enterprise_name = fields.Function(lambda d: d.enterprise.name)
    month = fields.String()
    version = fields.Integer()
    status = fields.String()
    official = fields.Boolean()
    submitted_at = fields.DateTime(allow_none=True)
    reconciliation_status = fields.String(allow_none=True)


class DeclarationQuerySchema(PageArgsSchema):
    uscc = fields.String(load_default=None)
    month = fields.String(load_default=None, validate=valid_month)
    status = fields.String(load_default=None, validate=one_of(DeclarationStatus))
    official = fields.Boolean(load_default=None)


class PendingQuerySchema(PageArgsSchema):
    district_code = fields.String(load_default=None, validate=valid_district)


class PendingSchema(DeclarationSummarySchema):
    waiting_days = fields.Integer(metadata={"description": "whole days since it was (re)submitted"})
