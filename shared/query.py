"""Query fields every service reads the same way: a 'YYYY-MM' month and a GB/T 2260 division code (an area).

The 422 reasons come from shared.timeutil.parse_month and shared.identifiers, so a bad month or area is
explained in the same words whichever service is asked.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields

from shared.identifiers import InvalidIdentifier, validate_division_code, validate_uscc
from shared.timeutil import MONTH_PATTERN, parse_month


def valid_month(value: str) -> None:
    """Validator: 'YYYY-MM'."""
    try:
        parse_month(value)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc


def valid_division(value: str) -> None:
    """Validator: a six-digit GB/T 2260 division code (district, city or province)."""
    try:
        validate_division_code(value)
    except InvalidIdentifier as exc:
        raise ValidationError(exc.reason) from exc


def valid_uscc(value: str) -> None:
    """Validator: a unified social credit code with a correct check character."""
    try:
        validate_uscc(value)
    except InvalidIdentifier as exc:
        raise ValidationError(exc.reason) from exc


def month_or_422(value: str, field: str = "month") -> str:
    """The month as given if it looks like YYYY-MM, or a 422 naming `field` (for path parameters)."""
    try:
        parse_month(value)
    except ValueError as exc:
        raise ValidationError({field: [str(exc)]}) from exc
    return value


def uscc_or_422(value: str, field: str = "uscc") -> str:
    """The normalised credit code, or a 422 naming `field` with what is wrong with it (for path parameters)."""
    try:
        return validate_uscc(value)
    except InvalidIdentifier as exc:
        raise ValidationError({field: [exc.reason]}) from exc


def area_prefix(area: str) -> str:
    """The division-code prefix an area covers: a province '140000' -> '14', a city '141000' -> '1410', a district
    itself."""
    if area.endswith("0000"):
        return area[:2]
    if area.endswith("00"):
        return area[:4]
    return area


class Month(fields.String):
    """A 'YYYY-MM' month (the city's calendar)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["metadata"] = {"example": "2025-12", "pattern": MONTH_PATTERN, **kwargs.get("metadata", {})}
        super().__init__(validate=valid_month, **kwargs)


class Division(fields.String):
    """A GB/T 2260 division code, read normalised (as shared.identifiers gives it back)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["metadata"] = {"example": "141000", **kwargs.get("metadata", {})}
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return validate_division_code(text)
        except InvalidIdentifier as exc:
            raise ValidationError(exc.reason) from exc


class MonthAreaQuerySchema(Schema):
    """?month=YYYY-MM&area= (a district, city or province division code; omitted = everything)."""

    month = Month(required=True)
    area = Division(load_default=None)
