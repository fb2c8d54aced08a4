"""Schemas of list entries: an entry in (with its subject), out, search arguments, lift and correction bodies."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from shared.pagination import PageArgsSchema
from vehicles import parsing
from vehicles.daos.lists import vehicle_subject_key
from vehicles.list_rules import entry_problems, valid_month_day
from vehicles.list_terms import LIST_KIND_LABELS_ZH, ListKind, SeasonArea, SubjectType, reason_zh, reasons, seasons
from vehicles.machinery_terms import parse_code
from vehicles.schemas.fields import Parsed

_STR = {"type": "string"}
# A machinery subject's code is read by the registry's own parse_code (the formats of vehicles/machinery_codes.yaml,
# any configured province), so a code listed before the machine is registered is one the registry would accept.


def _choice(name: str, allowed: list[str]) -> Any:
    def parse(value: Any) -> str:
        text = str(value).strip().lower() if isinstance(value, str) else None
        if text not in allowed:
            raise ValueError(f"unknown {name} {value!r}; allowed: {', '.join(allowed)}")
        return text

    return parse


def parse_reason(value: Any) -> str:
    """A reason code of list_policy.yaml; 422 listing them."""
    return _choice("reason code", list(reasons()))(value)


class SeasonalScopeSchema(Schema):
    """A seasonal ban: MM-DD to MM-DD, both included, may span new year; where it applies."""

    class Meta:
        ordered = True

    start = fields.String(data_key="from", required=True, metadata={"example": "10-01"})
    end = fields.String(data_key="to", required=True, metadata={"example": "03-31"})
    area = fields.String(load_default=SeasonArea.URBAN.value, validate=validate.OneOf([a.value for a in SeasonArea]))

    @validates_schema
    def _days(self, data: dict[str, Any], **kwargs: Any) -> None:
        bad = {key: ["must be a month-day MM-DD, e.g. 10-01"] for key, name in (("from", "start"), ("to", "end"))
               if not valid_month_day(data.get(name, ""))}
        if bad:
            raise ValidationError(bad)

    @post_load
    def _contract_shape(self, data: dict[str, Any], **kwargs: Any) -> dict[str, str]:
        return {"from": data["start"], "to": data["end"], "area": data["area"]}


class EntryFactsSchema(Schema):
    """What a listing says, apart from its subject (also the body of a correction, all fields optional there)."""

    list_kind = Parsed(_choice("list kind", [k.value for k in ListKind]), required=True,
                       metadata={**_STR, "enum": [k.value for k in ListKind]})
    reason_code = Parsed(parse_reason, required=True, metadata={**_STR, "enum": list(reasons())})
    evidence = fields.List(fields.String(validate=validate.Length(min=1, max=300)), load_default=list,
                           validate=validate.Length(max=50),
                           metadata={"description": "references: case numbers, test report ids, photo ids"})
    authority = fields.String(required=True, validate=validate.Length(min=1, max=200),
                              metadata={"example": "临汾市生态环境局"})
    issued_by = fields.String(required=True, validate=validate.Length(min=1, max=100))
    effective_from = Parsed(parsing.day, required=True, metadata={**_STR, "format": "date"})
    until = Parsed(parsing.day, load_default=None, allow_none=True,
                   metadata={**_STR, "format": "date", "description": "last day (inclusive); null: open-ended"})
    seasonal_scope = fields.Nested(SeasonalScopeSchema, load_default=None, allow_none=True)
    season = Parsed(_choice("season", list(seasons())), load_only=True,
                    metadata={**_STR, "description": "a named seasonal scope instead of seasonal_scope: "
                              + ", ".join(seasons())})
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))

    @post_load
    def _named_season(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        name = data.pop("season", None)
        if name:
            if data.get("seasonal_scope"):
                raise ValidationError({"season": ["give either season or seasonal_scope, not both"]})
            data["seasonal_scope"] = seasons()[name].scope()
        return data


class ListEntryInSchema(EntryFactsSchema):
    """A new entry: the subject (a vehicle's plate and colour, a machinery code or a credit code) and the facts."""

    subject_type = Parsed(_choice("subject type", [s.value for s in SubjectType]), load_default="vehicle",
                          metadata={**_STR, "enum": [s.value for s in SubjectType]})
    plate = Parsed(parsing.plate, metadata={**_STR, "example": "晋L12345"})
    plate_colour = Parsed(parsing.plate_colour, metadata={**_STR, "example": "yellow"})
    code = Parsed(parse_code, metadata={**_STR, "description": "machinery registration code"})
    uscc = Parsed(parsing.uscc, metadata={**_STR, "description": "the enterprise's credit code"})

    @post_load
    def _subject(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        kind = data["subject_type"]
        needs = {"vehicle": ("plate", "plate_colour"), "machinery": ("code",), "enterprise": ("uscc",)}[kind]
        missing = {name: [f"required for a {kind} subject"] for name in needs if name not in data}
        extra = {name: [f"not allowed for a {kind} subject"]
                 for name in ("plate", "plate_colour", "code", "uscc") if name in data and name not in needs}
        if missing or extra:
            raise ValidationError({**missing, **extra})
        problems = entry_problems(data)
        if problems:
            raise ValidationError({p["field"]: [p["reason"]] for p in problems})
        facts = {k: v for k, v in data.items() if k not in ("plate", "plate_colour", "code", "uscc")}
        if kind == "vehicle":
            plate = data["plate"][0]
            facts.update(plate=plate, plate_colour=data["plate_colour"],
                         subject_key=vehicle_subject_key(plate, data["plate_colour"]))
        else:
            facts.update(plate=None, plate_colour=None, subject_key=data.get("code") or data["uscc"])
        return facts


class CorrectionSchema(Schema):
    """A correction: the fields that change, and why."""

    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    changes = fields.Nested(EntryFactsSchema(partial=True), required=True)

    @validates_schema
    def _something(self, data: dict[str, Any], **kwargs: Any) -> None:
        if not data.get("changes"):
            raise ValidationError({"changes": ["name at least one field to correct"]})


class LiftSchema(Schema):
    """Why an entry is lifted."""

    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class ListEntryQuerySchema(PageArgsSchema):
    """Filters of the entry listing."""

    subject_type = Parsed(_choice("subject type", [s.value for s in SubjectType]), metadata=_STR)
    plate = Parsed(lambda v: parsing.plate(v)[0], metadata=_STR)
    plate_colour = Parsed(parsing.plate_colour, metadata=_STR)
    code = Parsed(parse_code, metadata=_STR)
    uscc = Parsed(parsing.uscc, metadata=_STR)
    list_kind = Parsed(_choice("list kind", [k.value for k in ListKind]), metadata=_STR)
    reason_code = Parsed(parse_reason, metadata=_STR)
    active_on = Parsed(parsing.day, metadata={**_STR, "format": "date",
                                              "description": "in force on this day (not lifted, within dates)"})
    lifted = fields.Boolean()


class HistoryQuerySchema(Schema):
    """One subject: plate + colour, a machinery code, or a credit code."""

    plate = Parsed(parsing.plate, metadata=_STR)
    plate_colour = Parsed(parsing.plate_colour, metadata=_STR)
    code = Parsed(parse_code, metadata=_STR)
    uscc = Parsed(parsing.uscc, metadata=_STR)

    @post_load
    def _one_subject(self, data: dict[str, Any], **kwargs: Any) -> tuple[str, str]:
        if "plate" in data or "plate_colour" in data:
            missing = {n: ["required with a plate subject"] for n in ("plate", "plate_colour") if n not in data}
            if missing:
                raise ValidationError(missing)
            return "vehicle", vehicle_subject_key(data["plate"][0], data["plate_colour"])
        if "code" in data:
            return "machinery", data["code"]
        if "uscc" in data:
            return "enterprise", data["uscc"]
        raise ValidationError({"plate": ["give plate and plate_colour, code, or uscc"]})


def _get(obj: Any, name: str) -> Any:
    return obj[name] if isinstance(obj, dict) else getattr(obj, name)


class EventSchema(Schema):
    """One event of an entry."""

    kind = fields.String()
    at = fields.DateTime()
    actor = fields.String()
    reason = fields.String(allow_none=True)
    related_entry = fields.String(allow_none=True)


class ListEntrySchema(Schema):
    """An entry as stored, with its reason in Chinese and whether it is lifted."""

    id = fields.String()
    subject_type = fields.String()
    subject_key = fields.String()
    plate = fields.String(allow_none=True)
    plate_colour = fields.String(allow_none=True)
    list_kind = fields.String()
    list_kind_zh = fields.Function(lambda e: LIST_KIND_LABELS_ZH[ListKind(_get(e, "list_kind"))])
    reason_code = fields.String()
    reason_zh = fields.Function(lambda e: reason_zh(_get(e, "reason_code")))
    evidence = fields.List(fields.String())
    authority = fields.String()
    issued_by = fields.String()
    effective_from = fields.Date()
    until = fields.Date(allow_none=True)
    seasonal_scope = fields.Dict(allow_none=True)
    note = fields.String(allow_none=True)
    supersedes = fields.String(allow_none=True)
    rule_key = fields.String(allow_none=True, metadata={"description": "set when the rule job made the entry"})
    created_at = fields.DateTime()
    created_by = fields.String()
    lifted_at = fields.DateTime(allow_none=True)
    lifted_by = fields.String(allow_none=True)
    lift_reason = fields.String(allow_none=True)


class ListEntryWithEventsSchema(ListEntrySchema):
    """An entry and its events (the history view)."""

    events = fields.List(fields.Nested(EventSchema))


class SubjectHistorySchema(Schema):
    """Every entry ever made about one subject, oldest first, each with its events."""

    subject_type = fields.String()
    subject_key = fields.String()
    entries = fields.List(fields.Nested(ListEntryWithEventsSchema))


class ReasonSchema(Schema):
    """A reason code."""

    code = fields.String()
    zh = fields.String()
    list_kinds = fields.List(fields.String())
    source_document = fields.String()
    source_item = fields.String()
