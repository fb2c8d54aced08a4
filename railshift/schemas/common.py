"""Validators and field types the railshift schemas share."""

from __future__ import annotations

from decimal import Decimal

from marshmallow import ValidationError, validate

from shared.identifiers import InvalidIdentifier, validate_division_code, validate_uscc
from shared.policy import PlainDecimal
from shared.timeutil import parse_month

MAX_TONNES = Decimal("1e12")


def one_of(enum: type) -> validate.OneOf:
    """A validator accepting the values of a StrEnum."""
    return validate.OneOf([member.value for member in enum])


def valid_month(value: str) -> None:
    """YYYY-MM."""
    try:
        parse_month(value)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc


def valid_district(value: str) -> None:
    """A county-level GB/T 2260 code."""
    try:
        validate_division_code(value)
    except InvalidIdentifier as exc:
        raise ValidationError(exc.reason) from exc
    if value.endswith("00"):
        raise ValidationError("a district (county-level) code is needed, not a city or province code")


def uscc_or_422(value: str, field: str = "uscc") -> str:
    """The normalised credit code, or a 422 naming `field` with what is wrong with it."""
    try:
        return validate_uscc(value)
    except InvalidIdentifier as exc:
        raise ValidationError({field: [exc.reason]}) from exc


def month_or_422(value: str, field: str = "month") -> str:
    """The month as given if it looks like YYYY-MM, or a 422 naming `field`."""
    try:
        parse_month(value)
    except ValueError as exc:
        raise ValidationError({field: [str(exc)]}) from exc
    return value


def valid_tonnes(value: Decimal) -> None:
    """Not negative; fits NUMERIC(16, 3)."""
    if value < 0:
        raise ValidationError("tonnes cannot be negative")
    if value >= MAX_TONNES or -value.as_tuple().exponent > 3:
        raise ValidationError("at most 12 digits before the point and 3 after it")


Tonnes = PlainDecimal  # a string such as "1234.5" both ways, so no float ever rounds a tonnage
