"""Schemas of passages as gate systems post them, and the fast path for clean ones."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, pre_load, validate, validates_schema

from gatecontrol.rules import ELECTRIC
from gatecontrol.schemas.common import COLOUR_SOURCES, ID
from shared.identifiers import InvalidIdentifier, parse_plate_colour
from shared.vocab import UnknownTerm, parse_emission_stage, parse_fuel


class PassageSchema(Schema):
    """One passage as a gate system posts it (national guide table 3 plus deployed systems' fields)."""

    class Meta:
        unknown = EXCLUDE  # gate vendors add fields of their own; they are not ours to refuse

    event_id = fields.String(required=True, validate=ID, metadata={"description": "unique per site, ≤64 chars"})
    gate_id = fields.String(required=True, validate=ID)
    direction = fields.String(required=True, validate=validate.OneOf(["in", "out"]))
    plate = fields.String(
        required=True, allow_none=True, validate=validate.Length(max=32), metadata={"description": "as read"}
    )
    plate_colour = fields.Raw(
        required=True,
        metadata={
            "description": "blue|yellow|green|yellow-green|white|black, 蓝/黄..., or a code with plate_colour_source"
        },
    )
    plate_colour_source = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(COLOUR_SOURCES), load_only=True
    )
    captured_at = fields.AwareDateTime(required=True, metadata={"description": "ISO 8601 with offset"})
    vin = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=17))
    engine_no = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    registration_date = fields.Date(load_default=None, allow_none=True)
    emission_stage = fields.Raw(
        load_default=None, allow_none=True, metadata={"description": "guide code 0-6 or D, or 国四 / china_4"}
    )
    fuel = fields.String(load_default=None, allow_none=True, metadata={"description": "diesel, 柴油, LNG ..."})
    vehicle_type = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    goods = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    quantity_t = fields.Decimal(
        load_default=None, allow_none=True, places=1, validate=validate.Range(min=0, max=999_999), as_string=True,
        metadata={"minimum": 0, "maximum": 999_999},  # apispec would write the Decimal bounds as strings
    )
    carrier = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    photos = fields.List(
        fields.String(validate=validate.Length(max=500)), load_default=list, validate=validate.Length(max=20)
    )
    backfill = fields.Boolean(load_default=False)

    def __init__(self, *args: Any, fast_path: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fast_path = fast_path

    def load(self, data: Any, *, many: bool | None = None, partial: Any = None, unknown: str | None = None) -> Any:
        """Load a passage; with `fast_path`, a clean one skips marshmallow (fast_load gives the same result)."""
        if self.fast_path and not many and not partial and unknown in (None, EXCLUDE):
            loaded = fast_load(data)
            if loaded is not None:
                return loaded
        return super().load(data, many=many, partial=partial, unknown=unknown)

    @pre_load
    def _strip(self, data: Any, **kwargs: Any) -> Any:
        if not isinstance(data, dict):
            raise ValidationError("each passage must be a JSON object", "_body")
        return {k: (v.strip() if isinstance(v, str) and k != "plate" else v) for k, v in data.items()}

    @post_load
    def _normalise(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        errors: dict[str, str] = {}
        try:
            data["plate_colour"] = parse_plate_colour(data["plate_colour"], data.pop("plate_colour_source")).value
        except InvalidIdentifier as exc:
            errors["plate_colour"] = exc.reason
        if data.get("emission_stage") not in (None, ""):
            try:
                stage = parse_emission_stage(data["emission_stage"])
                data["emission_stage"] = ELECTRIC if stage is None else stage.value
            except UnknownTerm as exc:
                errors["emission_stage"] = f"not a stage; allowed: {', '.join(exc.allowed)} or guide codes 0-6, D"
        else:
            data["emission_stage"] = None
        if data.get("fuel"):
            try:
                data["fuel"] = parse_fuel(data["fuel"]).value
            except UnknownTerm as exc:
                errors["fuel"] = f"not a fuel; allowed: {', '.join(exc.allowed)}"
        else:
            data["fuel"] = None
        if errors:
            raise ValidationError(errors)
        if data.get("quantity_t") is not None:
            data["quantity_t"] = data["quantity_t"].quantize(data["quantity_t"].__class__("0.1"))
        return data


class PassageBatchSchema(Schema):
    # Raw, not List(Raw): each item is checked by the ingest command, which reports every bad item on its
    # own line instead of refusing the batch; marshmallow would also walk 1,000 items for nothing.
    passages = fields.Raw(
        required=True,
        metadata={
            "type": "array",
            "items": {"$ref": "#/components/schemas/Passage"},
            "description": "up to 1,000 passages",
            "maxItems": 1000,  # MAX_BATCH of commands/passages.py, which answers a longer batch with 413
        },
    )

    @validates_schema
    def _is_list(self, data: dict[str, Any], **kwargs: Any) -> None:
        if not isinstance(data.get("passages"), list):
            raise ValidationError("must be a list of passages", "passages")


class PassageOutSchema(Schema):
    """A stored ledger record: what the gate sent, normalised, and the registry snapshot."""

    site_id = fields.String()
    event_id = fields.String()
    gate_id = fields.String()
    direction = fields.String()
    captured_at = fields.DateTime()
    received_at = fields.DateTime()
    backfill = fields.Boolean()
    plate = fields.String()
    plate_raw = fields.String(allow_none=True)
    plate_colour = fields.String()
    plate_complete = fields.Boolean()
    vin = fields.String(allow_none=True)
    engine_no = fields.String(allow_none=True)
    registration_date = fields.Date(allow_none=True)
    reported_stage = fields.String(allow_none=True)
    reported_fuel = fields.String(allow_none=True)
    reported_vehicle_type = fields.String(allow_none=True)
    goods = fields.String(allow_none=True)
    quantity_t = fields.Decimal(as_string=True, allow_none=True, metadata={"type": "string", "format": "decimal"})
    carrier = fields.String(allow_none=True)
    photos = fields.List(fields.String())
    vehicle_known = fields.Boolean()
    registry_stage = fields.String(allow_none=True)
    registry_stage_inferred = fields.Boolean(allow_none=True)
    registry_fuel = fields.String(allow_none=True)
    registry_class = fields.String(allow_none=True)
    blacklisted = fields.Boolean()
    banned_reasons = fields.List(fields.String())
    stage = fields.String(allow_none=True)
    fuel = fields.String(allow_none=True)
    vehicle_class = fields.String(allow_none=True)
    stage_mismatch = fields.Boolean()
    fuel_mismatch = fields.Boolean()
    flags = fields.List(fields.String())


class BatchItemResultSchema(Schema):
    index = fields.Integer()
    event_id = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "created | duplicate | conflict | rejected"})
    flags = fields.List(fields.String())
    errors = fields.List(fields.Dict())


class BatchResultSchema(Schema):
    # sent as built (one small dict per item, in order), each shaped as BatchItemResult
    results = fields.Raw(metadata={"type": "array", "items": {"$ref": "#/components/schemas/BatchItemResult"}})
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())


# ---- the fast path for clean passages --------------------------------------------------------------------

_ID_RE = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}$")
_INSTANT_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$")
_DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_QUANTITY_RE = re.compile(r"^\d{1,6}(\.\d)?$")
_TEXT_LIMITS = (("vin", 17), ("engine_no", 40), ("vehicle_type", 40), ("goods", 100), ("carrier", 200))
_TENTH = Decimal("0.1")
_MISSING = object()


@lru_cache(maxsize=256)
def _colour(value: str) -> str | None:
    try:
        return parse_plate_colour(value).value
    except InvalidIdentifier:
        return None


@lru_cache(maxsize=256)
def _stage(value: str) -> str | None:
    stage = parse_emission_stage(value)
    return ELECTRIC if stage is None else stage.value


@lru_cache(maxsize=256)
def _fuel(value: str) -> str:
    return parse_fuel(value).value


def fast_load(raw: Any) -> dict[str, Any] | None:
    """A clean passage loaded without marshmallow (batches are mostly clean); None hands it to PassageSchema.

    It accepts only a strict subset of what PassageSchema accepts and must produce the same result for it
    (tests/gatecontrol/test_gate_fast_path.py holds the two to that); anything unusual, including every
    error, goes to the schema, which says what is wrong.
    """
    if type(raw) is not dict or raw.get("plate_colour_source") is not None:
        return None
    get = raw.get
    try:
        event_id, gate_id = raw["event_id"].strip(), raw["gate_id"].strip()
        direction, plate, colour, captured = raw["direction"], raw["plate"], raw["plate_colour"], raw["captured_at"]
        if not (_ID_RE.match(event_id) and _ID_RE.match(gate_id)) or direction not in ("in", "out"):
            return None
        if (plate is not None and (type(plate) is not str or len(plate) > 32)) or type(colour) is not str:
            return None
        colour = _colour(colour.strip())
        if colour is None or type(captured) is not str:
            return None
        captured = captured.strip()
        if not _INSTANT_RE.match(captured):
            return None
        data: dict[str, Any] = {
            "event_id": event_id, "gate_id": gate_id, "direction": direction, "plate": plate,
            "plate_colour": colour, "captured_at": datetime.fromisoformat(captured),
        }  # fmt: skip
        for name, limit in _TEXT_LIMITS:
            value = get(name)
            if value is not None:
                if type(value) is not str:
                    return None
                value = value.strip()
                if len(value) > limit:
                    return None
            data[name] = value
        day = get("registration_date")
        if day is not None:
            if type(day) is not str:
                return None
            day = day.strip()
            if not _DAY_RE.match(day):
                return None
            day = date.fromisoformat(day)
        data["registration_date"] = day
        stage, fuel = get("emission_stage"), get("fuel")
        if (stage is not None and type(stage) is not str) or (fuel is not None and type(fuel) is not str):
            return None
        stage = stage and stage.strip()
        data["emission_stage"] = _stage(stage) if stage else None
        fuel = fuel and fuel.strip()
        data["fuel"] = _fuel(fuel) if fuel else None
        quantity = get("quantity_t")
        if quantity is not None:
            if type(quantity) is not str:
                return None
            quantity = quantity.strip()
            if not _QUANTITY_RE.match(quantity):
                return None
            quantity = Decimal(quantity).quantize(_TENTH)
        data["quantity_t"] = quantity
        photos = get("photos", _MISSING)
        if photos is _MISSING:
            photos = []
        elif type(photos) is not list or len(photos) > 20:
            return None
        else:
            for photo in photos:
                if type(photo) is not str or len(photo) > 500:
                    return None
            photos = list(photos)
        data["photos"] = photos
        backfill = get("backfill", False)
        if type(backfill) is not bool:
            return None
        data["backfill"] = backfill
    except (KeyError, AttributeError, ValueError, UnknownTerm):
        return None
    return data
